package portal_test

// The portal's pages in Chromium (browsertest.Tab): the header mirrored
// in Arabic and drawn with the Noto fonts, the language switcher that
// remembers the choice, the skip link, reading with the keyboard alone,
// Arabic articles mirrored, the print stylesheet, and the editors' pages
// under axe-core. The portal's accessibility in every language with
// the page cache and the statements' verification is checked on the whole
// server (cmd/server TestBrowserPortalAccessibility), which wires those.

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/css"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/browsertest"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/locales"
)

// browser is one headless Chromium tab on the portal with the demo's
// content. The tests run on SQLite only: they check pages, and the store
// tests cover PostgreSQL.
type browser struct {
	*browsertest.Tab
	ts  *site
	cat *lang.Catalog
}

func newBrowser(t *testing.T, opts ...browsertest.Option) *browser {
	t.Helper()
	ts := newPortalServer(t, store.BackendSQLite)
	cat, err := lang.NewCatalog(locales.FS, "vi")
	if err != nil {
		t.Fatal(err)
	}
	return &browser{Tab: browsertest.NewTab(t, ts.URL, ts.Certificate(), opts...), ts: ts, cat: cat}
}

// pageLang returns the language that the page declares on <html>.
func (b *browser) pageLang(t testing.TB) lang.Language {
	t.Helper()
	tag := b.PageLang(t)
	for _, l := range lang.All() {
		if l.Tag.String() == tag {
			return l
		}
	}
	t.Fatalf("%s declares lang=%q, which is not a language Chancery serves", b.Location(t), tag)
	return lang.Language{}
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

// headerLayout is where the header's parts sit, in CSS pixels from the left
// of the viewport.
type headerLayout struct {
	Dir                           string
	ContentLeft, ContentRight     float64 // the header row inside its padding
	BrandLeft, BrandRight         float64
	BrandTop, BrandBottom         float64
	SwitcherLeft, SwitcherRight   float64
	SwitcherTop, SwitcherBottom   float64
	ViewportWidth, ViewportHeight float64
}

const headerLayoutJS = `(() => {
	const row = document.querySelector(".site-header .header-row");
	const cs = getComputedStyle(row);
	const r = row.getBoundingClientRect();
	const brand = document.querySelector(".site-header .brand").getBoundingClientRect();
	const sw = document.querySelector(".site-header .lang-switcher").getBoundingClientRect();
	return {
		Dir: document.documentElement.dir,
		ContentLeft: r.left + parseFloat(cs.paddingLeft), ContentRight: r.right - parseFloat(cs.paddingRight),
		BrandLeft: brand.left, BrandRight: brand.right, BrandTop: brand.top, BrandBottom: brand.bottom,
		SwitcherLeft: sw.left, SwitcherRight: sw.right, SwitcherTop: sw.top, SwitcherBottom: sw.bottom,
		ViewportWidth: innerWidth, ViewportHeight: innerHeight,
	};
})()`

func TestBrowserArabicRightToLeft(t *testing.T) {
	const width, height = 1280, 800
	b := newBrowser(t, browsertest.WindowSize(width, height))

	layout := func(t *testing.T, code string) headerLayout {
		t.Helper()
		b.Open(t, "/"+code+"/")
		h := browsertest.Eval[headerLayout](t, b.Tab, headerLayoutJS)
		if h.ViewportWidth != width || h.ViewportHeight != height {
			t.Fatalf("viewport is %vx%v, want %dx%d", h.ViewportWidth, h.ViewportHeight, width, height)
		}
		if h.SwitcherTop >= h.BrandBottom || h.SwitcherBottom <= h.BrandTop {
			t.Fatalf("/%s/: the language switcher is not on the brand's line: %+v", code, h)
		}
		return h
	}
	const slack = 1.0 // CSS pixels of rounding

	t.Run("ar is mirrored", func(t *testing.T) {
		h := layout(t, "ar")
		if h.Dir != "rtl" {
			t.Errorf(`/ar/ has dir=%q, want "rtl"`, h.Dir)
		}
		if d := h.ContentRight - h.BrandRight; d < -slack || d > slack {
			t.Errorf("/ar/: the brand ends at x=%v, want the right edge of the header at x=%v", h.BrandRight, h.ContentRight)
		}
		if h.SwitcherRight > h.BrandLeft+slack {
			t.Errorf("/ar/: the language switcher (x=%v…%v) is not left of the brand (x=%v…%v)", h.SwitcherLeft, h.SwitcherRight, h.BrandLeft, h.BrandRight)
		}
		b.Screenshot(t, "ar-home.png", width, height)
	})

	t.Run("en is not", func(t *testing.T) {
		h := layout(t, "en")
		if h.Dir != "ltr" {
			t.Errorf(`/en/ has dir=%q, want "ltr"`, h.Dir)
		}
		if d := h.BrandLeft - h.ContentLeft; d < -slack || d > slack {
			t.Errorf("/en/: the brand starts at x=%v, want the left edge of the header at x=%v", h.BrandLeft, h.ContentLeft)
		}
		if h.SwitcherLeft < h.BrandRight-slack {
			t.Errorf("/en/: the language switcher (x=%v…%v) is not right of the brand (x=%v…%v)", h.SwitcherLeft, h.SwitcherRight, h.BrandLeft, h.BrandRight)
		}
		b.Screenshot(t, "en-home.png", width, height)
	})

	// Without the Noto fonts Arabic and Chinese render as empty boxes (tofu),
	// which neither axe nor the DOM notices: ask Chromium which font drew
	// the heading.
	for _, tc := range []struct{ code, family string }{{"ar", "Arabic"}, {"zh", "CJK"}} {
		t.Run(tc.code+" heading is drawn with Noto "+tc.family, func(t *testing.T) {
			b.Open(t, "/"+tc.code+"/")
			ctx, cancel := context.WithTimeout(b.Ctx, browsertest.ActionTimeout)
			defer cancel()
			nodes, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSS("main h1")))
			if err != nil {
				t.Fatal(err)
			}
			res, err := chromedp.Call(ctx, css.GetPlatformFontsForNode, css.GetPlatformFontsForNodeParams{NodeID: nodes[0].NodeID})
			if err != nil {
				t.Fatal(err)
			}
			var used []string
			ok := false
			for _, f := range res.Fonts {
				used = append(used, fmt.Sprintf("%s (%v glyphs)", f.FamilyName, f.GlyphCount))
				ok = ok || strings.Contains(f.FamilyName, tc.family) && f.GlyphCount > 0
			}
			if !ok {
				t.Errorf("/%s/ heading is drawn with %v, want a Noto %s font; is fonts-noto installed?", tc.code, used, tc.family)
			}
		})
	}
}

func TestBrowserLanguageSwitcherRemembersChoice(t *testing.T) {
	b := newBrowser(t, browsertest.Flag("accept-lang", "en"))
	fr, _ := lang.Lookup("fr")

	b.Open(t, "/")
	if got := b.Location(t); got != "/en/" {
		t.Fatalf("with Accept-Language: en, / lands on %s, want /en/", got)
	}
	link := `.lang-switcher a[hreflang="` + fr.Tag.String() + `"]`
	if got := b.Text(t, link); got != fr.NativeName {
		t.Fatalf("the switcher's French link reads %q, want %q", got, fr.NativeName)
	}
	b.Follow(t, "click "+fr.NativeName, chromedp.Click(chromedp.CSS(link)))
	if got := b.Location(t); got != "/fr/" {
		t.Fatalf("choosing %s on /en/ lands on %s, want /fr/", fr.NativeName, got)
	}
	if got := b.Text(t, `.lang-switcher a[aria-current="true"]`); got != fr.NativeName {
		t.Errorf("the switcher marks %q as current, want %q", got, fr.NativeName)
	}
	if got, want := b.Text(t, "main h1"), browsertest.Squash(b.cat.T("fr", "home_heading")); got != want {
		t.Errorf("/fr/ heading %q, want %q", got, want)
	}

	b.Open(t, "/")
	if got := b.Location(t); got != "/fr/" {
		t.Errorf("after choosing French, / lands on %s although the browser asks for English; want /fr/", got)
	}
	if c, ok := b.Cookie(t, httpx.LangCookie); !ok || c.Value != "fr" {
		t.Errorf("the browser does not remember the choice in the %s cookie: %+v", httpx.LangCookie, c)
	}
}

func TestBrowserSkipLink(t *testing.T) {
	b := newBrowser(t)
	// Every page has the skip link, in every direction.
	for _, path := range []string{"/en/", "/ar/", "/signin"} {
		t.Run(path, func(t *testing.T) {
			b.Open(t, path)
			b.Do(t, "press Tab", chromedp.KeyEvent(kb.Tab))
			b.WaitFor(t, "the first Tab focuses the skip link", `document.activeElement?.matches("a.skip-link")`)
			l := b.pageLang(t)
			if got, want := b.Text(t, ".skip-link"), browsertest.Squash(b.cat.T(l.Code, "nav_skip")); got != want {
				t.Errorf("the skip link reads %q, want %q", got, want)
			}
			inView := `(() => { const r = document.activeElement.getBoundingClientRect();
				return r.width > 0 && r.height > 0 && r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth; })()`
			if !browsertest.Eval[bool](t, b.Tab, inView) {
				t.Errorf("the focused skip link is not visible in the viewport")
			}
			b.Do(t, "press Enter", chromedp.KeyEvent(kb.Enter))
			b.WaitFor(t, "Enter on the skip link moves focus to <main>", `document.activeElement === document.querySelector("main#main")`)
		})
	}
}
