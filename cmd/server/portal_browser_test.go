package main

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

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
