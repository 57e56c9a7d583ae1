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
// recall-withdrawn-en.png and recall-withdrawn-ar.png (-screenshot-dir).
func TestBrowserRecall(t *testing.T) {
	clock := storetest.NewClock(storetest.Start)
	db := storetest.OpenWithClock(t, store.BackendSQLite, clock.Now)
	f := publishForRecall(t, db, clock)
	cat, err := lang.NewCatalog(locales.FS, "vi")
	if err != nil {
		t.Fatal(err)
	}
	b := browserOn(t, f.ts, cat, browsertest.WindowSize(1280, 800))
	page := fmt.Sprintf("/press/statements/%d", f.id)

	b.Open(t, "/signin")
	b.SignIn(t, "olivia", "officer-password-1")
	for _, code := range []string{"en", "ar"} {
		b.Open(t, "/lang/"+code+"?next="+page)
		browsertest.AssertNoSeriousViolations(t, b.Ctx, code+" statement page with the recall form")
	}
	b.Open(t, "/lang/en?next="+page)
	b.WaitFor(t, "the default choice: keep a withdrawal notice", `document.querySelector("#recall-page-notice").checked && !document.querySelector("#recall-page-remove").checked`)
	b.Do(t, "type the reason", chromedp.SendKeys(chromedp.CSS("#recall-reason"), "Wrong date"))
	b.Follow(t, "ask for the recall", chromedp.Click(chromedp.CSS(`button[name="mode"][value="delete"]`)))
	b.WaitFor(t, "the requested recall", `document.body.innerText.includes("Recall requested: Wrong date")`)
	f.ts.api(f.approver, "POST", fmt.Sprintf("/api/v1/publishing/statements/%d/recall/approve", f.id), nil, 200)

	for _, code := range []string{"en", "ar"} {
		t.Run(code, func(t *testing.T) {
			path := "/" + code + "/news/" + fmt.Sprintf("statement-%d", f.id)
			b.Open(t, path)
			browsertest.WaitVisible(b.Ctx, t, ".withdrawn .notice")
			browsertest.AssertNoSeriousViolations(t, b.Ctx, code+" withdrawn page "+path)
			b.Screenshot(t, "recall-withdrawn-"+code+".png", 1280, 800)

			b.Open(t, "/lang/"+code+"?next="+signing.VerifyLink(code, f.ts.URL+f.enPath))
			browsertest.WaitVisible(b.Ctx, t, ".verify-withdrawn")
			b.WaitFor(t, "no latest version of a withdrawn statement", `document.querySelector(".verify-latest") === null && document.querySelector(".verify-superseded") === null`)
			if code == "ar" {
				b.WaitFor(t, "a right-to-left page", `document.documentElement.dir === "rtl"`)
			}
			browsertest.AssertNoSeriousViolations(t, b.Ctx, code+" verify page of a withdrawn statement")
			for _, p := range []string{page, "/press", "/press/calendar?view=week&start=" + clock.Now().Format("2006-01-02")} {
				b.Open(t, "/lang/"+code+"?next="+p)
				browsertest.WaitVisible(b.Ctx, t, ".withdrawn")
				browsertest.AssertNoSeriousViolations(t, b.Ctx, code+" "+p+" after the recall")
			}
		})
	}
}
