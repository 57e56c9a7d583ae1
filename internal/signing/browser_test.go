package signing

import (
	"context"
	"net/url"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/mofa-vn/chancery/internal/browsertest"
	"github.com/mofa-vn/chancery/internal/lang"
)

type browser struct {
	ctx context.Context
	f   *fixture
}

func (b *browser) eval(t *testing.T, expr string) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, browsertest.ActionTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

func (b *browser) do(t *testing.T, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, browsertest.ActionTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// submit runs a step that submits a form and waits for the next page.
func (b *browser) submit(t *testing.T, what string, step chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, browsertest.ActionTimeout)
	defer cancel()
	if _, err := chromedp.RunResponse(ctx, step); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// tabTo presses Tab until the element sel has the focus, as a keyboard user
// would, and fails when it never gets it.
func (b *browser) tabTo(t *testing.T, sel string) {
	t.Helper()
	for range 40 {
		if b.eval(t, `document.activeElement?.matches(`+jsString(sel)+`) === true`) {
			return
		}
		b.do(t, "press Tab", chromedp.KeyEvent(kb.Tab))
	}
	t.Fatalf("40 presses of Tab never reached %s", sel)
}

func jsString(s string) string { return "'" + s + "'" }

// TestBrowserVerifyPage checks the verify page in Chromium, in every
// language: axe finds no serious or critical WCAG 2.2 AA violation on the
// form, a match and a miss, and a keyboard user can check an address and a
// pasted text without a mouse.
func TestBrowserVerifyPage(t *testing.T) {
	f := newFixture(t)
	b := &browser{ctx: browsertest.New(t), f: f}
	for _, l := range lang.All() {
		t.Run(l.Code, func(t *testing.T) {
			base := f.ts.URL + "/" + l.Code + "/verify"
			browsertest.Navigate(b.ctx, t, base)
			browsertest.AssertNoSeriousViolations(t, b.ctx, "/"+l.Code+"/verify form")

			// Keyboard only: Tab to the address field, type, press Enter.
			b.tabTo(t, "#verify-url")
			b.do(t, "type the address", chromedp.KeyEvent(f.v1.URL))
			b.submit(t, "press Enter in the address field", chromedp.KeyEvent(kb.Enter))
			browsertest.WaitVisible(b.ctx, t, ".verify-ok")
			if !b.eval(t, `document.querySelectorAll(".verify-match").length === 2 && document.querySelector(".verify-superseded") !== null`) {
				t.Error("the address result does not list both versions with the superseded note")
			}
			browsertest.AssertNoSeriousViolations(t, b.ctx, "/"+l.Code+"/verify address match")

			// Keyboard only: paste a text, Tab to its button, press Enter.
			b.tabTo(t, "#verify-text")
			b.do(t, "type the text", chromedp.KeyEvent(f.zh.Title+"\n"+f.zh.Body))
			b.tabTo(t, "#verify-text-submit")
			b.submit(t, "press Enter on the check button", chromedp.KeyEvent(kb.Enter))
			browsertest.WaitVisible(b.ctx, t, ".verify-ok")
			if !b.eval(t, `document.querySelector(".verify-match h3")?.lang === "zh"`) {
				t.Error("the Chinese title does not carry lang=zh")
			}
			browsertest.AssertNoSeriousViolations(t, b.ctx, "/"+l.Code+"/verify text match")

			browsertest.Navigate(b.ctx, t, base+"?url="+url.QueryEscape("not a statement"))
			browsertest.WaitVisible(b.ctx, t, "#verify-problem")
			browsertest.AssertNoSeriousViolations(t, b.ctx, "/"+l.Code+"/verify not found")
		})
	}
}
