package main

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/mofa-vn/chancery/internal/browsertest"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/signing"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
	"github.com/mofa-vn/chancery/locales"
)

// TestBrowserRecall: in Chromium, an officer asks for a recall from the
// statement page (keeping the default withdrawal notice); once a second
// person approves, the withdrawn portal page, the verify page and the
// press pages have no serious accessibility violation in English and in
// Arabic (right to left), and the withdrawn page is captured as
// recall-withdrawn-en.png and recall-withdrawn-ar.png (-screenshots).
func TestBrowserRecall(t *testing.T) {
	clock := storetest.NewClock(storetest.Start)
	db := storetest.OpenWithClock(t, store.BackendSQLite, clock.Now)
	f := publishForRecall(t, db, clock)
	cat, err := lang.NewCatalog(locales.FS, "vi")
	if err != nil {
		t.Fatal(err)
	}
	b := &browser{ctx: browsertest.New(t, trustTestCertificate(f.ts), browsertest.WindowSize(1280, 800)), ts: f.ts, cat: cat}
	page := fmt.Sprintf("/press/statements/%d", f.id)

	b.open(t, "/signin")
	b.signIn(t, "olivia", "officer-password-1")
	for _, code := range []string{"en", "ar"} {
		b.open(t, "/lang/"+code+"?next="+page)
		browsertest.AssertNoSeriousViolations(t, b.ctx, code+" statement page with the recall form")
	}
	b.open(t, "/lang/en?next="+page)
	b.waitFor(t, "the default choice: keep a withdrawal notice", `document.querySelector("#recall-page-notice").checked && !document.querySelector("#recall-page-remove").checked`)
	b.do(t, "type the reason", chromedp.SendKeys(chromedp.CSS("#recall-reason"), "Wrong date"))
	b.follow(t, "ask for the recall", chromedp.Click(chromedp.CSS(`button[name="mode"][value="delete"]`)))
	b.waitFor(t, "the requested recall", `document.body.innerText.includes("Recall requested: Wrong date")`)
	f.ts.api(f.approver, "POST", fmt.Sprintf("/api/v1/publishing/statements/%d/recall/approve", f.id), nil, 200)

	for _, code := range []string{"en", "ar"} {
		t.Run(code, func(t *testing.T) {
			path := "/" + code + "/news/" + fmt.Sprintf("statement-%d", f.id)
			b.open(t, path)
			browsertest.WaitVisible(b.ctx, t, ".withdrawn .notice")
			browsertest.AssertNoSeriousViolations(t, b.ctx, code+" withdrawn page "+path)
			b.screenshot(t, "recall-withdrawn-"+code+".png", 1280, 800)

			b.open(t, "/lang/"+code+"?next="+signing.VerifyLink(code, f.ts.URL+f.enPath))
			browsertest.WaitVisible(b.ctx, t, ".verify-withdrawn")
			b.waitFor(t, "no latest version of a withdrawn statement", `document.querySelector(".verify-latest") === null && document.querySelector(".verify-superseded") === null`)
			if code == "ar" {
				b.waitFor(t, "a right-to-left page", `document.documentElement.dir === "rtl"`)
			}
			browsertest.AssertNoSeriousViolations(t, b.ctx, code+" verify page of a withdrawn statement")
			for _, p := range []string{page, "/press", "/press/calendar?view=week&start=" + clock.Now().Format("2006-01-02")} {
				b.open(t, "/lang/"+code+"?next="+p)
				browsertest.WaitVisible(b.ctx, t, ".withdrawn")
				browsertest.AssertNoSeriousViolations(t, b.ctx, code+" "+p+" after the recall")
			}
		})
	}
}
