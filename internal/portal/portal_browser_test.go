package portal_test

// The portal's pages in Chromium (browsertest.Tab): reading with the
// keyboard alone, Arabic mirrored, the print stylesheet, and the editors'
// pages under axe-core. The portal's accessibility in every language with
// the page cache and the statements' verification is checked on the whole
// server (cmd/server TestBrowserPortalAccessibility), which wires those.

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/browsertest"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/store"
)

// browser is one headless Chromium tab on the portal with the demo's
// content. The tests run on SQLite only: they check pages, and the store
// tests cover PostgreSQL.
type browser struct {
	*browsertest.Tab
	ts *site
}

func newBrowser(t *testing.T, opts ...browsertest.Option) *browser {
	t.Helper()
	ts := newPortalServer(t, store.BackendSQLite)
	return &browser{Tab: browsertest.NewTab(t, ts.URL, ts.Certificate(), opts...), ts: ts}
}

// chooseLanguage picks the language code in the switcher and goes on to next.
func (b *browser) chooseLanguage(t testing.TB, code, next string) {
	t.Helper()
	l, ok := lang.Lookup(code)
	if !ok {
		t.Fatalf("no language %q", code)
	}
	b.ChooseLanguage(t, l.Code, l.Tag.String(), next)
}

// TestBrowserPortalKeyboard reads the news with the keyboard alone: Tab to
// the search field, type, Enter, then Tab to the first result and open it.
func TestBrowserPortalKeyboard(t *testing.T) {
	b := newBrowser(t)
	b.Open(t, "/zh/")
	for i := 0; i < 40 && !browsertest.Eval[bool](t, b.Tab, `document.activeElement?.id === "portal-q"`); i++ {
		b.Do(t, "press Tab", chromedp.KeyEvent(kb.Tab))
	}
	if !browsertest.Eval[bool](t, b.Tab, `document.activeElement?.id === "portal-q"`) {
		t.Fatal("Tab never reaches the search field")
	}
	outline := browsertest.Eval[string](t, b.Tab, `getComputedStyle(document.activeElement).outlineStyle`)
	if outline == "none" {
		t.Error("the focused search field shows no outline")
	}
	b.Do(t, "type a word", chromedp.KeyEvent("台风"))
	b.Follow(t, "press Enter", chromedp.KeyEvent(kb.Enter))
	if got := b.Location(t); !strings.HasPrefix(got, "/zh/search?q=") {
		t.Fatalf("Enter in the search field lands on %s", got)
	}
	for i := 0; i < 40 && !browsertest.Eval[bool](t, b.Tab, `!!document.activeElement?.closest(".card")`); i++ {
		b.Do(t, "press Tab", chromedp.KeyEvent(kb.Tab))
	}
	if !browsertest.Eval[bool](t, b.Tab, `!!document.activeElement?.closest(".card")`) {
		t.Fatal("Tab never reaches a result")
	}
	b.Follow(t, "open the result with Enter", chromedp.KeyEvent(kb.Enter))
	if got := b.Location(t); got != "/zh/news/travel-advisory-typhoon-season" {
		t.Errorf("Enter on the result opens %s", got)
	}
	if got := b.Text(t, "main h1"); got != "台风季节出行提示" {
		t.Errorf("the article's heading is %q", got)
	}
}

// articleLayout is where an article's heading and tags sit, in CSS pixels.
type articleLayout struct {
	Dir                         string
	MainLeft, MainRight         float64
	TitleLeft, TitleRight       float64
	FirstTagLeft, FirstTagRight float64
	LastTagLeft                 float64
}

const articleLayoutJS = `(() => {
	const main = document.querySelector("main");
	const cs = getComputedStyle(main);
	const m = main.getBoundingClientRect();
	const title = document.querySelector(".article h1");
	const range = document.createRange(); range.selectNodeContents(title);
	const t = range.getBoundingClientRect();
	const tags = document.querySelectorAll(".article-footer .tags li");
	const first = tags[0].getBoundingClientRect(), last = tags[tags.length - 1].getBoundingClientRect();
	return {Dir: document.documentElement.dir,
		MainLeft: m.left + parseFloat(cs.paddingLeft), MainRight: m.right - parseFloat(cs.paddingRight),
		TitleLeft: t.left, TitleRight: t.right, FirstTagLeft: first.left, FirstTagRight: first.right, LastTagLeft: last.left};
})()`

// TestBrowserPortalArabicMirrors checks that an Arabic article starts at the
// right edge and flows leftwards, while English starts at the left.
func TestBrowserPortalArabicMirrors(t *testing.T) {
	const width, height = 1280, 800
	b := newBrowser(t, browsertest.WindowSize(width, height))
	const slack = 2.0
	t.Run("ar", func(t *testing.T) {
		b.Open(t, "/ar/news/digital-diplomacy-forum-opens")
		a := browsertest.Eval[articleLayout](t, b.Tab, articleLayoutJS)
		if a.Dir != "rtl" {
			t.Fatalf("dir=%q", a.Dir)
		}
		if d := a.MainRight - a.TitleRight; d < -slack || d > slack {
			t.Errorf("the Arabic title ends at x=%v, want the right edge of main at x=%v", a.TitleRight, a.MainRight)
		}
		if a.LastTagLeft >= a.FirstTagLeft {
			t.Errorf("Arabic tags run left to right: first at x=%v, last at x=%v", a.FirstTagLeft, a.LastTagLeft)
		}
		b.Screenshot(t, "ar-article.png", width, height)
	})
	t.Run("en", func(t *testing.T) {
		b.Open(t, "/en/news/digital-diplomacy-forum-opens")
		a := browsertest.Eval[articleLayout](t, b.Tab, articleLayoutJS)
		if d := a.TitleLeft - a.MainLeft; d < -slack || d > slack {
			t.Errorf("the English title starts at x=%v, want the left edge of main at x=%v", a.TitleLeft, a.MainLeft)
		}
		if a.LastTagLeft <= a.FirstTagLeft {
			t.Errorf("English tags run right to left: first at x=%v, last at x=%v", a.FirstTagLeft, a.LastTagLeft)
		}
		b.Screenshot(t, "en-article.png", width, height)
	})
}

// TestBrowserPortalPrint checks the print stylesheet on an article: the
// text and its date stay, navigation and the search form go.
func TestBrowserPortalPrint(t *testing.T) {
	b := newBrowser(t)
	b.Open(t, "/fr/news/statement-on-east-sea-day")
	ctx, cancel := context.WithTimeout(b.Ctx, browsertest.ActionTimeout)
	defer cancel()
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatal(err)
	}
	display := func(sel string) string {
		t.Helper()
		return browsertest.Eval[string](t, b.Tab, `(() => { const e = document.querySelector(`+browsertest.JSString(sel)+`); return e ? getComputedStyle(e).display : "absent"; })()`)
	}
	for _, sel := range []string{".lang-switcher", ".site-footer", ".other-langs", ".skip-link"} {
		if got := display(sel); got != "none" {
			t.Errorf("printed, %s has display %q, want none", sel, got)
		}
	}
	for _, sel := range []string{".article h1", ".article-body", ".article .meta time"} {
		if got := display(sel); got == "none" || got == "absent" {
			t.Errorf("printed, %s has display %q", sel, got)
		}
	}
	if got := browsertest.Eval[string](t, b.Tab, `getComputedStyle(document.querySelector(".article"), "::after").content`); !strings.Contains(got, "/fr/news/statement-on-east-sea-day") {
		t.Errorf("the printed article does not show its address: %s", got)
	}
}

// TestBrowserPortalEditorAccessibility runs axe-core on the editors' pages
// in English and Arabic, the translation editor included, and publishes a
// translation through the form as a press officer does.
func TestBrowserPortalEditorAccessibility(t *testing.T) {
	b := newBrowser(t)
	const password = "correct horse battery staple"
	b.ts.AddUser("press", password, account.RolePressOfficer)
	b.Open(t, "/signin?next=/admin/articles")
	b.SignIn(t, "press", password)
	if got := b.Location(t); got != "/admin/articles" {
		t.Fatalf("signing in lands on %s", got)
	}
	a, err := b.ts.DB.GetArticleBySlug(context.Background(), "viet-nam-japan-political-consultations")
	if err != nil {
		t.Fatal(err)
	}
	id := itoa(a.ID)
	for _, code := range []string{"en", "ar"} {
		for _, page := range []string{"/admin/articles", "/admin/articles/new", "/admin/articles/" + id, "/admin/articles/" + id + "/ru", "/admin/articles/" + id + "/ar"} {
			t.Run(code+" "+page, func(t *testing.T) {
				b.chooseLanguage(t, code, page)
				browsertest.AssertNoSeriousViolations(t, b.Ctx, page+" in "+code)
			})
		}
	}
	t.Run("publish the Russian translation", func(t *testing.T) {
		b.chooseLanguage(t, "en", "/admin/articles/"+id+"/ru")
		b.Do(t, "type the translation",
			chromedp.SendKeys(chromedp.CSS("#title"), "12-е политические консультации Вьетнам – Япония"),
			chromedp.SendKeys(chromedp.CSS("#body"), "Стороны договорились укреплять сотрудничество."),
		)
		b.Follow(t, "save and publish", chromedp.Click(chromedp.CSS(`button[value="publish"]`)))
		b.Open(t, "/ru/news/viet-nam-japan-political-consultations")
		if got := b.Text(t, "main h1"); got != "12-е политические консультации Вьетнам – Япония" {
			t.Errorf("the published Russian page shows %q", got)
		}
	})
}
