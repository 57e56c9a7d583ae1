package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/browsertest"
	"github.com/mofa-vn/chancery/internal/events/delegations"
	"github.com/mofa-vn/chancery/internal/store"
)

// A delegate registers in Chromium with a PDF through the form in
// Vietnamese, the focal point approves on their page, and the secretariat
// accredits on the staff page, which lists the demo's three delegations
// in precedence order; every page is free of serious accessibility
// violations (English and Arabic for staff) and photographed.
func TestBrowserAccreditation(t *testing.T) {
	const width, height = 1280, 900
	b := newBrowser(t, browsertest.WindowSize(width, height))
	ts := b.ts
	ctx := context.Background()
	room, err := ts.db.GetEventBySlug(ctx, demoEventSlug)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := ts.db.ListDelegations(ctx, room.ID)
	if err != nil || len(ds) != 3 {
		t.Fatalf("demo delegations: %d, %v", len(ds), err)
	}
	if regs, _ := ts.db.ListRegistrations(ctx, store.RegistrationFilter{EventID: room.ID}); len(regs) != 6 || regs[0].State != store.RegAccredited {
		t.Fatalf("demo registrations: %+v", regs)
	}
	var vn store.Delegation
	for _, d := range ds {
		if d.Country == "VN" {
			vn = d
		}
	}
	ts.addUser("paul", "protocol-password-1", account.RoleProtocolOfficer)
	officer := ts.signIn("paul", "protocol-password-1")
	linkOf := func(kind string) string {
		r := ts.postForm(officer, fmt.Sprintf("/admin/events/%d/delegations/%d/links", room.ID, vn.ID), url.Values{"kind": {kind}, "days": {"30"}}, nil)
		wantStatus(t, r, 200)
		i := strings.Index(r.Body, `class="secret">`)
		link := r.Body[i+len(`class="secret">`):]
		return linkPath(t, link[:strings.Index(link, "<")])
	}
	register, focal := linkOf("register"), linkOf("focal")
	register = "/vi/" + strings.SplitN(strings.TrimPrefix(register, "/"), "/", 2)[1]
	focal = "/vi/" + strings.SplitN(strings.TrimPrefix(focal, "/"), "/", 2)[1]

	dir := t.TempDir()
	pdf, photo := filepath.Join(dir, "cong-ham.pdf"), filepath.Join(dir, "anh.png")
	if err := os.WriteFile(pdf, delegations.DemoPDF("Công hàm"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(photo, delegations.DemoPhoto(), 0o600); err != nil {
		t.Fatal(err)
	}

	// The registrant, in Vietnamese.
	b.Open(t, register)
	browsertest.WaitVisible(b.Ctx, t, "#credentials")
	browsertest.AssertNoSeriousViolations(t, b.Ctx, "vi registration form")
	b.Screenshot(t, "delegations-register-vi.png", width, height)
	b.Do(t, "fill the registration form",
		chromedp.SendKeys(chromedp.CSS("#name"), "Phạm Văn Hùng"),
		chromedp.SendKeys(chromedp.CSS("#title"), "Tham tán"),
		chromedp.SetValue(chromedp.CSS("#category"), "adviser"),
		chromedp.SendKeys(chromedp.CSS("#email"), "hung.pham@mofa.example"),
		chromedp.SetUploadFiles(chromedp.CSS("#credentials"), []string{pdf}),
		chromedp.SetUploadFiles(chromedp.CSS("#photo"), []string{photo}))
	b.Follow(t, "send the registration", chromedp.Click(chromedp.CSS(`form[enctype] button[type="submit"]`)))
	b.WaitFor(t, "the confirmation", `document.querySelector('[role="status"]')?.innerText.includes("Phạm Văn Hùng")`)
	browsertest.AssertNoSeriousViolations(t, b.Ctx, "vi registration done")
	b.Screenshot(t, "delegations-registered-vi.png", width, height)
	var hung store.Registration
	regs, _ := ts.db.ListRegistrations(ctx, store.RegistrationFilter{EventID: room.ID, DelegationID: vn.ID})
	for _, r := range regs {
		if r.Name == "Phạm Văn Hùng" {
			hung = r
		}
	}
	if hung.ID == 0 || hung.State != store.RegPending || hung.Category != "adviser" || hung.Lang != "vi" {
		t.Fatalf("registered: %+v", hung)
	}

	// The focal point approves.
	b.Open(t, focal)
	browsertest.WaitVisible(b.Ctx, t, fmt.Sprintf(`form[action$="/registrations/%d/approve"] button`, hung.ID))
	browsertest.AssertNoSeriousViolations(t, b.Ctx, "vi focal point page")
	b.Screenshot(t, "delegations-focal-vi.png", width, height)
	b.Follow(t, "approve", chromedp.Click(chromedp.CSS(fmt.Sprintf(`form[action$="/registrations/%d/approve"] button`, hung.ID))))
	b.WaitFor(t, "the approval notice", `document.querySelector('[role="status"]')?.innerText.includes("Phạm Văn Hùng")`)
	if got, _ := ts.db.GetRegistration(ctx, hung.ID); got.State != store.RegFocal {
		t.Fatalf("after the focal point: %s", got.State)
	}

	// The secretariat accredits.
	b.Open(t, "/signin")
	b.SignIn(t, "paul", "protocol-password-1")
	staff := fmt.Sprintf("/admin/events/%d/delegations", room.ID)
	b.Open(t, "/lang/en?next="+url.QueryEscape(staff))
	accredit := fmt.Sprintf(`form[action$="/registrations/%d/accredit"] button`, hung.ID)
	browsertest.WaitVisible(b.Ctx, t, accredit)
	if order := b.Text(t, "main"); !(strings.Index(order, "1. ASEAN Secretariat") < strings.Index(order, "2. France") &&
		strings.Index(order, "2. France") < strings.Index(order, "3. Vietnam")) {
		t.Fatalf("staff page order: %.400s", order)
	}
	browsertest.AssertNoSeriousViolations(t, b.Ctx, "en staff page")
	b.Screenshot(t, "delegations-admin-en.png", width, height)
	b.Follow(t, "accredit", chromedp.Click(chromedp.CSS(accredit)))
	b.WaitFor(t, "the accreditation notice", `document.querySelector('[role="status"]')?.innerText.includes("is accredited")`)
	if got, _ := ts.db.GetRegistration(ctx, hung.ID); got.State != store.RegAccredited {
		t.Fatalf("after the secretariat: %s", got.State)
	}
	b.Open(t, "/lang/ar?next="+url.QueryEscape(staff))
	if b.pageLang(t).Code != "ar" {
		t.Fatal("not in Arabic")
	}
	browsertest.AssertNoSeriousViolations(t, b.Ctx, "ar staff page")
	b.Screenshot(t, "delegations-admin-ar.png", width, height)
}
