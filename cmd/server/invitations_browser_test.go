package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/mofa-vn/chancery/internal/browsertest"
	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/store"
)

// TestBrowserInvitationThroughTheLobby: an accredited member of the demo's
// delegations opens the join link of their private calendar ten minutes
// before the plenary; they wait in the lobby until the chair admits them,
// and the room names them with their delegation.
func TestBrowserInvitationThroughTheLobby(t *testing.T) {
	a := newBrowser(t, mediaFlags...)
	const width, height = 1280, 900
	b := browserOn(t, a.ts, a.cat, append([]browsertest.Option{browsertest.WindowSize(width, height)}, mediaFlags...)...)
	ctx := t.Context()
	db := a.ts.db
	e, err := db.GetEventBySlug(ctx, demoEventSlug)
	if err != nil {
		t.Fatal(err)
	}
	sessions, err := db.ListEventSessions(ctx, e.ID)
	if err != nil || len(sessions) == 0 {
		t.Fatalf("demo sessions: %v %v", sessions, err)
	}
	plenary := sessions[0]
	var reg store.Registration
	for _, r := range registrationsOf(t, db, e.ID) {
		if r.State == store.RegAccredited && r.Category == "delegate" {
			reg = r
			break
		}
	}
	if reg.ID == 0 {
		t.Fatal("no accredited delegate in the demo")
	}
	cal := a.ts.get(a.ts.client(), "/"+reg.Lang+"/accreditation/calendar/"+a.ts.app.delegations.CalendarToken(reg.ID)+".ics", nil)
	wantStatus(t, cal, http.StatusOK)
	var join string
	for _, ev := range icsEvents(t, []byte(cal.Body)) {
		if u := ev["url"].(string); strings.Contains(u, "/rooms/"+plenary.RoomSlug+"?t=") {
			join = pathQuery(t, u)
		}
	}
	if join == "" {
		t.Fatalf("no join link of the plenary in %s", cal.Body)
	}
	a.ts.clock.Advance(plenary.StartsAt.Sub(a.ts.clock.Now()) - 10*time.Minute)

	chair := roomToken(t, db, a.ts.clock.Now, sfu.Claims{Room: plenary.RoomSlug, Identity: "chair-1", Name: "Présidence", Role: sfu.RoleChair,
		Permissions: sfu.DefaultPermissions(sfu.RoleChair)}, time.Hour)
	a.Open(t, "/fr/rooms/"+plenary.RoomSlug+"?t="+url.QueryEscape(chair)+"&autojoin=1")
	a.WaitFor(t, "chair in the room", `!document.getElementById('room').hidden`)
	b.Open(t, join+"&autojoin=1")
	b.WaitFor(t, "the invited person in the lobby", `!document.getElementById('lobby').hidden && document.getElementById('room').hidden`)
	browsertest.AssertNoSeriousViolations(t, b.Ctx, "/rooms/ (lobby, from an invitation)")
	b.Screenshot(t, "invitation-lobby-"+reg.Lang+".png", width, height)
	a.WaitFor(t, "the chair sees who waits", `document.querySelector('#waiting-list li') !== null`)
	a.Do(t, "admit with the keyboard",
		chromedp.Focus(chromedp.CSS(`#waiting-list button[aria-label^="Admettre"]`)),
		chromedp.KeyEvent("\r"))
	b.WaitFor(t, "admitted into the room", `!document.getElementById('room').hidden`)
	a.WaitFor(t, "the room names them", `[...document.querySelectorAll('#tiles figcaption')].some(c => c.textContent.includes(`+browsertest.JSString(reg.Name)+`))`)
}
