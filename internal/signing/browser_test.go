package signing

import (
	"net/url"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/mofa-vn/chancery/internal/browsertest"
	"github.com/mofa-vn/chancery/internal/lang"
)

// TestBrowserVerifyPage checks the verify page in Chromium, in every
// language: axe finds no serious or critical WCAG 2.2 AA violation on the
// form, a match and a miss, and a keyboard user can check an address and a
// pasted text without a mouse.
func TestBrowserVerifyPage(t *testing.T) {
	f := newFixture(t)
	b := browsertest.NewTab(t, f.ts.URL, nil)
	for _, l := range lang.All() {
		t.Run(l.Code, func(t *testing.T) {
			b.Open(t, "/"+l.Code+"/verify")
			browsertest.AssertNoSeriousViolations(t, b.Ctx, "/"+l.Code+"/verify form")

			// Keyboard only: Tab to the address field, type, press Enter.
			b.TabTo(t, "#verify-url")
			b.Do(t, "type the address", chromedp.KeyEvent(f.v1.URL))
			b.Follow(t, "press Enter in the address field", chromedp.KeyEvent(kb.Enter))
			browsertest.WaitVisible(b.Ctx, t, ".verify-ok")
			if !browsertest.Eval[bool](t, b, `document.querySelectorAll(".verify-match").length === 2 && document.querySelector(".verify-superseded") !== null`) {
				t.Error("the address result does not list both versions with the superseded note")
			}
			browsertest.AssertNoSeriousViolations(t, b.Ctx, "/"+l.Code+"/verify address match")

			// Keyboard only: paste a text, Tab to its button, press Enter.
			b.TabTo(t, "#verify-text")
			b.Do(t, "type the text", chromedp.KeyEvent(f.zh.Title+"\n"+f.zh.Body))
			b.TabTo(t, "#verify-text-submit")
			b.Follow(t, "press Enter on the check button", chromedp.KeyEvent(kb.Enter))
			browsertest.WaitVisible(b.Ctx, t, ".verify-ok")
			if !browsertest.Eval[bool](t, b, `document.querySelector(".verify-match h3")?.lang === "zh"`) {
				t.Error("the Chinese title does not carry lang=zh")
			}
			browsertest.AssertNoSeriousViolations(t, b.Ctx, "/"+l.Code+"/verify text match")

			b.Open(t, "/"+l.Code+"/verify"+"?url="+url.QueryEscape("not a statement"))
			browsertest.WaitVisible(b.Ctx, t, "#verify-problem")
			browsertest.AssertNoSeriousViolations(t, b.Ctx, "/"+l.Code+"/verify not found")
		})
	}
}
