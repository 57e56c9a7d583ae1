package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/browsertest"
	"github.com/mofa-vn/chancery/internal/config"
	"github.com/mofa-vn/chancery/internal/events/delegations"
	"github.com/mofa-vn/chancery/internal/mail/mailtest"
	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/store"
)

// TestBrowserEventWholePath is issue 15's whole path in Chromium: a
// delegate registers in Vietnamese with a PDF through the delegation's
// private link, the focal point approves, the secretariat accredits; the
// invitation arrives at the loopback SMTP server; its join link is refused
// twenty minutes before the plenary and opens the lobby ten minutes
// before (the injected clock); the protocol officer's reception shows who
// is expected and admits the Vietnamese delegation at once, which brings
// the delegate into the session's room. Every new screen is checked with
// axe-core and photographed.
func TestBrowserEventWholePath(t *testing.T) {
	const width, height = 1280, 900
	smtp := mailtest.New(t)
	a := newBrowserWith(t, func(c *config.Config) { c.Mail.SMTPURL = smtp.URL("", "", "Chancery <chancery@mofa.gov.vn>") },
		append([]browsertest.Option{browsertest.WindowSize(width, height)}, mediaFlags...)...)
	ts := a.ts
	b := browserOn(t, ts, a.cat, append([]browsertest.Option{browsertest.WindowSize(width, height)}, mediaFlags...)...)
	ctx := context.Background()
	ev, err := ts.db.GetEventBySlug(ctx, demoEventSlug)
	if err != nil {
		t.Fatal(err)
	}
	sessions, err := ts.db.ListEventSessions(ctx, ev.ID)
	if err != nil || len(sessions) == 0 {
		t.Fatalf("demo sessions: %v %v", sessions, err)
	}
	plenary := sessions[0]
	ds, err := ts.db.ListDelegations(ctx, ev.ID)
	if err != nil {
		t.Fatal(err)
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
		r := ts.postForm(officer, fmt.Sprintf("/admin/events/%d/delegations/%d/links", ev.ID, vn.ID), url.Values{"kind": {kind}, "days": {"30"}}, nil)
		wantStatus(t, r, 200)
		i := strings.Index(r.Body, `class="secret">`)
		link := r.Body[i+len(`class="secret">`):]
		return "/vi/" + strings.SplitN(strings.TrimPrefix(linkPath(t, link[:strings.Index(link, "<")]), "/"), "/", 2)[1]
	}
	register, focal := linkOf("register"), linkOf("focal")
	dir := t.TempDir()
	pdf, photo := filepath.Join(dir, "cong-ham.pdf"), filepath.Join(dir, "anh.png")
	if err := os.WriteFile(pdf, delegations.DemoPDF("Công hàm"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(photo, delegations.DemoPhoto(), 0o600); err != nil {
		t.Fatal(err)
	}

	// 1. The delegate registers with the PDF.
	b.Open(t, register)
	browsertest.WaitVisible(b.Ctx, t, "#credentials")
	b.Do(t, "fill the registration form",
		chromedp.SendKeys(chromedp.CSS("#name"), "Phạm Văn Hùng"),
		chromedp.SendKeys(chromedp.CSS("#title"), "Tham tán"),
		chromedp.SetValue(chromedp.CSS("#category"), "delegate"),
		chromedp.SendKeys(chromedp.CSS("#email"), "hung.pham@mofa.example"),
		chromedp.SetUploadFiles(chromedp.CSS("#credentials"), []string{pdf}),
		chromedp.SetUploadFiles(chromedp.CSS("#photo"), []string{photo}))
	b.Follow(t, "send the registration", chromedp.Click(chromedp.CSS(`form[enctype] button[type="submit"]`)))
	b.WaitFor(t, "the confirmation", `document.querySelector('[role="status"]')?.innerText.includes("Phạm Văn Hùng")`)
	b.Screenshot(t, "path-1-registered-vi.png", width, height)
	var hung store.Registration
	regs, _ := ts.db.ListRegistrations(ctx, store.RegistrationFilter{EventID: ev.ID, DelegationID: vn.ID})
	for _, r := range regs {
		if r.Name == "Phạm Văn Hùng" {
			hung = r
		}
	}
	if hung.ID == 0 || hung.State != store.RegPending {
		t.Fatalf("registered: %+v", hung)
	}
	// The confirmation's private link opens his own page, where he
	// corrects his title (still pending: nothing to approve again yet).
	b.Follow(t, "open his own page", chromedp.Click(chromedp.CSS(`a[href*="/accreditation/mine/"]`)))
	browsertest.WaitVisible(b.Ctx, t, "#title")
	browsertest.AssertNoSeriousViolations(t, b.Ctx, "vi self-edit page")
	b.WaitFor(t, "clear the title", `(document.getElementById('title').value = '', true)`)
	b.Do(t, "correct the title", chromedp.SendKeys(chromedp.CSS("#title"), "Tham tán công sứ"))
	b.Follow(t, "save the correction", chromedp.Click(chromedp.CSS(`form[method="post"] button[type="submit"]`)))
	b.WaitFor(t, "the saved notice", `document.querySelector('[role="status"]')?.innerText.includes("Phạm Văn Hùng")`)
	b.Screenshot(t, "path-1b-self-edit-vi.png", width, height)
	if got, _ := ts.db.GetRegistration(ctx, hung.ID); got.Title != "Tham tán công sứ" || got.State != store.RegPending {
		t.Fatalf("after the correction: %+v", got)
	}
	b.Open(t, "/ar/accreditation/mine/"+ts.app.delegations.EditToken(hung.ID))
	browsertest.WaitVisible(b.Ctx, t, "#title")
	browsertest.AssertNoSeriousViolations(t, b.Ctx, "ar self-edit page")
	b.Screenshot(t, "path-1c-self-edit-ar.png", width, height)

	// 2. The focal point approves; 3. the secretariat accredits.
	b.Open(t, focal)
	approve := fmt.Sprintf(`form[action$="/registrations/%d/approve"] button`, hung.ID)
	browsertest.WaitVisible(b.Ctx, t, approve)
	b.Follow(t, "approve", chromedp.Click(chromedp.CSS(approve)))
	b.WaitFor(t, "the approval notice", `document.querySelector('[role="status"]')?.innerText.includes("Phạm Văn Hùng")`)
	b.Screenshot(t, "path-2-approved-vi.png", width, height)
	a.Open(t, "/signin")
	a.SignIn(t, "paul", "protocol-password-1")
	a.Open(t, "/lang/en?next="+url.QueryEscape(fmt.Sprintf("/admin/events/%d/delegations", ev.ID)))
	accredit := fmt.Sprintf(`form[action$="/registrations/%d/accredit"] button`, hung.ID)
	browsertest.WaitVisible(a.Ctx, t, accredit)
	a.Follow(t, "accredit", chromedp.Click(chromedp.CSS(accredit)))
	a.WaitFor(t, "the accreditation notice", `document.querySelector('[role="status"]')?.innerText.includes("is accredited")`)
	a.Screenshot(t, "path-3-accredited-en.png", width, height)

	// 4. The invitation arrives at the SMTP server, in Vietnamese.
	var inv invitation
	deadline := time.Now().Add(20 * time.Second)
	for inv.To == "" {
		ts.app.mailRelay.Flush(ctx)
		for _, m := range smtp.Messages() {
			if len(m.To) != 1 || m.To[0] != "hung.pham@mofa.example" || !strings.Contains(string(m.Data), "multipart/") {
				continue
			}
			if got := readInvitation(t, m); len(got.ICS) > 0 {
				inv = got
			}
		}
		if inv.To == "" {
			if time.Now().After(deadline) {
				t.Fatalf("no invitation among %d mails", len(smtp.Messages()))
			}
			time.Sleep(50 * time.Millisecond) // polling the SMTP server's inbox
		}
	}
	var join string
	for _, l := range joinLinkRE.FindAllString(inv.Text, -1) {
		if strings.Contains(l, "/vi/rooms/"+plenary.RoomSlug+"?t=") {
			join = pathQuery(t, l)
		}
	}
	if join == "" {
		t.Fatalf("no plenary link in the invitation:\n%s", inv.Text)
	}

	// 5. Twenty minutes before the plenary the link does not open yet.
	ts.clock.Advance(plenary.StartsAt.Sub(ts.clock.Now()) - 20*time.Minute)
	b.Open(t, join)
	b.WaitFor(t, "not valid yet", `document.body.innerText.includes("Lời mời này chỉ mở phòng từ") && !document.getElementById('lobby')`)
	b.Screenshot(t, "path-4-too-early-vi.png", width, height)

	// 6. Ten minutes before, the lobby; the officer's reception admits Viet Nam.
	ts.clock.Advance(10 * time.Minute)
	host := roomToken(t, ts.db, ts.clock.Now, sfu.Claims{Room: plenary.RoomSlug, Identity: "protocol-paul", Name: "Paul (Protocol)", Role: sfu.RoleProtocol,
		Permissions: sfu.DefaultPermissions(sfu.RoleProtocol)}, time.Hour)
	a.Open(t, "/en/rooms/"+plenary.RoomSlug+"?t="+url.QueryEscape(host)+"&autojoin=1")
	a.WaitFor(t, "the officer in the room", `!document.getElementById('room').hidden`)
	b.Open(t, join+"&autojoin=1")
	b.WaitFor(t, "the delegate in the lobby", `!document.getElementById('lobby').hidden && document.getElementById('room').hidden`)
	browsertest.AssertNoSeriousViolations(t, b.Ctx, "vi lobby from the invitation")
	b.Screenshot(t, "path-5-lobby-vi.png", width, height)
	a.WaitFor(t, "the reception shows Hùng waiting with his delegation",
		`[...document.querySelectorAll('#reception-list > li')].some(li => li.innerText.includes('Phạm Văn Hùng') && li.querySelector('[data-state="waiting"]'))`)
	order := a.Text(t, "#reception-list")
	if !strings.Contains(order, "in the lobby") || !strings.Contains(order, "not arrived") {
		t.Fatalf("reception: %s", order)
	}
	browsertest.AssertNoSeriousViolations(t, a.Ctx, "en reception")
	a.Screenshot(t, "path-6-reception-en.png", width, height)
	a.Do(t, "admit the delegation with the keyboard",
		chromedp.Focus(chromedp.CSS(`#reception-list button[aria-label^="Admit the delegation"]`)),
		chromedp.KeyEvent("\r"))
	b.WaitFor(t, "admitted into the room", `!document.getElementById('room').hidden`)
	a.WaitFor(t, "the room names the delegate", `[...document.querySelectorAll('#tiles figcaption')].some(c => c.textContent.includes("Phạm Văn Hùng"))`)
	a.WaitFor(t, "the reception shows him in the room", `document.querySelector('#reception-list [data-state="admitted"]') !== null`)
	b.Screenshot(t, "path-7-room-vi.png", width, height)
	a.Screenshot(t, "path-8-room-en.png", width, height)
	audit, err := ts.db.ListRoomAudit(ctx, plenary.RoomSlug)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range audit {
		found = found || (e.Action == "admit" && e.TargetIdentity == fmt.Sprintf("reg-%d", hung.ID) && strings.HasPrefix(e.Detail, "delegation: "))
	}
	if !found {
		t.Fatalf("the admission by delegation is not audited: %+v", audit)
	}

	// The reception in Arabic (right to left) for the same officer.
	a.Open(t, "/ar/rooms/"+plenary.RoomSlug+"?t="+url.QueryEscape(host)+"&autojoin=1")
	a.WaitFor(t, "the officer back in the room", `!document.getElementById('room').hidden && document.querySelector('#reception-list li') !== null`)
	a.WaitFor(t, "open the participants", `(document.getElementById('people-panel').hidden && document.getElementById('people-toggle').click(), true)`)
	a.WaitFor(t, "the reception shown", `document.getElementById('reception-list').innerText.includes("Phạm Văn Hùng")`)
	browsertest.AssertNoSeriousViolations(t, a.Ctx, "ar reception")
	a.Screenshot(t, "path-9-reception-ar.png", width, height)
}
