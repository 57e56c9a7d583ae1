package main

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/browsertest"
	"github.com/mofa-vn/chancery/internal/lang"
)

// watchCSP records, on every page the tab opens, the Content Security
// Policy violations the page reports, in window.__csp.
var watchCSP = chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
	_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.__csp = []; document.addEventListener("securitypolicyviolation", e => window.__csp.push(e.violatedDirective + " " + e.blockedURI));`})
	return err
})

// searchWords are words of the demo's forum article in each language.
var searchWords = map[string]string{
	"vi": "ngoại giao", "en": "forum", "fr": "diplomatie", "es": "diplomacia",
	"ru": "дипломатии", "zh": "外交", "ar": "الدبلوماسية",
}

// TestBrowserPortalAccessibility runs axe-core on the portal's home,
// article, list and search pages in all seven languages, and on the
// not-available and history pages.
func TestBrowserPortalAccessibility(t *testing.T) {
	b := newBrowser(t)
	var failed []string
	defer func() {
		if len(failed) > 0 {
			t.Errorf("serious or critical WCAG 2.2 AA violations on %d page(s):\n  %s", len(failed), strings.Join(failed, "\n  "))
		}
	}()
	check := func(t *testing.T, path string) {
		t.Helper()
		b.Open(t, path)
		var serious []browsertest.Violation
		for _, v := range browsertest.Axe(b.Ctx, t) {
			if v.Serious() {
				serious = append(serious, v)
			}
		}
		if len(serious) > 0 {
			failed = append(failed, path)
			t.Errorf("%s", browsertest.FormatViolations(path, serious))
		}
	}
	b.Do(t, "watch for CSP violations", watchCSP)
	for _, l := range lang.All() {
		t.Run(l.Code, func(t *testing.T) {
			check(t, "/"+l.Code+"/")
			check(t, "/"+l.Code+"/news/digital-diplomacy-forum-opens")
			// An official statement links to its verification, which
			// finds it, signed, in the page's language.
			statement := "/" + l.Code + "/news/statement-on-east-sea-day"
			b.Open(t, statement) // once to fill the page cache
			check(t, statement)
			if got := b.Text(t, ".verify-link a"); got != b.cat.T(l.Code, "verify_this_statement") {
				t.Errorf("%s: verify link %q", statement, got)
			}
			// Served from the cache with the static policy: the JSON-LD
			// block needs no nonce, app.js loads by address, and nothing
			// is refused.
			if got := browsertest.Eval[string](t, b.Tab, `JSON.parse(document.querySelector('script[type="application/ld+json"]').textContent)["@type"]`); got != "NewsArticle" {
				t.Errorf("%s: JSON-LD type %q", statement, got)
			}
			if v := browsertest.Eval[[]string](t, b.Tab, `window.__csp ?? ["listener missing"]`); len(v) > 0 {
				t.Errorf("%s: CSP violations %v", statement, v)
			}
			b.Follow(t, "follow the verify link", chromedp.Click(".verify-link a"))
			b.WaitFor(t, "the verify result", `!!document.querySelector(".verify-ok")`)
			if l.Code == "ar" || l.Code == "zh" {
				check(t, b.Location(t))
			}
			if got := b.Text(t, "main h1"); got == "" {
				t.Errorf("/%s/ article has no heading", l.Code)
			}
			check(t, "/"+l.Code+"/topics/digital-diplomacy")
			if n := browsertest.Eval[int](t, b.Tab, `document.querySelectorAll("main .card").length`); n < 1 {
				t.Errorf("/%s/topics/digital-diplomacy lists %d articles", l.Code, n)
			}
			check(t, "/"+l.Code+"/search?q="+url.QueryEscape(searchWords[l.Code]))
			if n := browsertest.Eval[int](t, b.Tab, `document.querySelectorAll("main .card").length`); n < 1 {
				t.Errorf("searching %q in %s finds nothing", searchWords[l.Code], l.Code)
			}
		})
	}
	for _, code := range []string{"es", "ru", "zh", "ar"} {
		check(t, "/"+code+"/news/viet-nam-japan-political-consultations") // not available in this language
	}
	check(t, "/en/news/statement-on-east-sea-day/history")

	// The listener does see a violation: an image from another site.
	b.Open(t, "/en/")
	browsertest.Eval[bool](t, b.Tab, `(() => { const i = document.createElement("img"); i.src = "https://example.invalid/x.png"; document.body.append(i); return true })()`)
	b.WaitFor(t, "a reported img-src violation", `window.__csp.some(v => v.startsWith("img-src"))`)

	// What a reader copies from the statement's body, pasted into the
	// verify form, matches the signed statement.
	b.Open(t, "/en/news/statement-on-east-sea-day")
	copied := browsertest.Eval[string](t, b.Tab, `(() => { const r = document.createRange(); r.selectNodeContents(document.querySelector(".article-body"));
		const s = getSelection(); s.removeAllRanges(); s.addRange(r); return s.toString() })()`)
	if !strings.Contains(copied, "(UNCLOS)") {
		t.Fatalf("copied %q", copied)
	}
	b.Open(t, "/en/verify")
	b.Do(t, "paste the text", chromedp.SendKeys("#verify-text", copied))
	b.Follow(t, "submit", chromedp.Click("#verify-text-submit"))
	if got := b.Text(t, ".verify-ok"); got != "This matches a statement signed by the ministry." {
		t.Errorf("pasted statement: %q; page: %s", got, b.Text(t, "main"))
	}
	if got := b.Text(t, ".verify-version"); got != "2" {
		t.Errorf("pasted statement matches version %q, want 2", got)
	}
	check(t, "/zh/search")
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
	b.ts.addUser("press", password, account.RolePressOfficer)
	b.Open(t, "/signin?next=/admin/articles")
	b.SignIn(t, "press", password)
	if got := b.Location(t); got != "/admin/articles" {
		t.Fatalf("signing in lands on %s", got)
	}
	a, err := b.ts.db.GetArticleBySlug(context.Background(), "viet-nam-japan-political-consultations")
	if err != nil {
		t.Fatal(err)
	}
	id := itoa(a.ID)
	for _, code := range []string{"en", "ar"} {
		for _, page := range []string{"/admin/articles", "/admin/articles/new", "/admin/articles/" + id, "/admin/articles/" + id + "/ru", "/admin/articles/" + id + "/ar"} {
			t.Run(code+" "+page, func(t *testing.T) {
				b.chooseLanguage(t, mustLang(t, code), page)
				browsertest.AssertNoSeriousViolations(t, b.Ctx, page+" in "+code)
			})
		}
	}
	t.Run("publish the Russian translation", func(t *testing.T) {
		b.chooseLanguage(t, mustLang(t, "en"), "/admin/articles/"+id+"/ru")
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
