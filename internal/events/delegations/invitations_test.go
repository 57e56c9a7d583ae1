package delegations_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/events/delegations/delegationstest"
	"github.com/mofa-vn/chancery/internal/httpx/httpxtest"
	"github.com/mofa-vn/chancery/internal/mail/mailtest"
	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// accredit registers a person through the delegation's link, has the
// focal point approve and the secretariat accredit them, and returns the
// registration.
func (f *accreditationFixture) accredit(t *testing.T, db *store.DB, regLink, focal, name, category, email, code string) store.Registration {
	t.Helper()
	form := delegationstest.GoodForm(name, category)
	form.Email, form.Lang = email, code
	httpxtest.WantStatus(t, f.ts.register(regLink, form), http.StatusCreated)
	var reg store.Registration
	for _, r := range registrationsOf(t, db, f.event) {
		if r.Email == email {
			reg = r
		}
	}
	id := fmt.Sprint(reg.ID)
	httpxtest.WantStatus(t, f.ts.PostForm(f.ts.Browser(), focal+"/registrations/"+id+"/approve", url.Values{}, nil), http.StatusOK)
	httpxtest.WantStatus(t, f.ts.PostForm(f.officer, fmt.Sprintf("/admin/events/%d/registrations/%s/accredit", f.event, id), url.Values{}, nil), http.StatusOK)
	got, err := db.GetRegistration(context.Background(), reg.ID)
	if err != nil || got.State != store.RegAccredited {
		t.Fatalf("accredit %s: %+v %v", name, got, err)
	}
	return got
}

// mailTo returns the last message to the address among msgs.
func mailTo(t *testing.T, msgs []mailtest.Received, to string) mailtest.Received {
	t.Helper()
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].To[0] == to {
			return msgs[i]
		}
	}
	t.Fatalf("no mail to %s", to)
	return mailtest.Received{}
}

// TestAccreditationInvitation: accrediting a person sends, through the
// outbox and a real SMTP exchange, one e-mail in their language with a
// personal join link per session and the .ics of their sessions, which
// python3-icalendar reads; each link opens its room only from 15 minutes
// before the session until it ends; a withdrawn person's links and
// calendar stop working; another delegation's or a forged calendar token
// finds nothing; staff re-send them all; the role follows the category.
func TestAccreditationInvitation(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		f := newAccreditation(t, db, clock, 3, true)
		ts, srv := f.ts, f.mailServer
		ctx := context.Background()
		start := clock.Now().Add(2 * time.Hour).Truncate(time.Minute)
		var sessions []store.EventSession
		for i, title := range []string{"Plenary", "Working group"} {
			st := start.Add(time.Duration(i) * 3 * time.Hour)
			s, err := db.CreateEventSession(ctx, "asean-digital-2026", title, store.EventSession{EventID: f.event, Kind: store.SessionPlenary,
				Titles: map[string]string{"en": title, "vi": title + " (vi)"}, StartsAt: st, EndsAt: st.Add(time.Hour),
				StartLocal: st.Format("2006-01-02T15:04"), EndLocal: st.Add(time.Hour).Format("2006-01-02T15:04")})
			if err != nil {
				t.Fatal(err)
			}
			sessions = append(sessions, s)
		}
		plenary := sessions[0]

		// The event's staff page links its delegations.
		r := ts.Get(f.officer, fmt.Sprintf("/admin/events/%d", f.event), map[string]string{"Accept-Language": "en"})
		httpxtest.WantStatus(t, r, http.StatusOK)
		httpxtest.WantContains(t, r, fmt.Sprintf(`href="/admin/events/%d/delegations"`, f.event), "Delegations and accreditation")

		lan := f.accredit(t, db, f.vnReg, f.vnFocal, "Nguyễn Thị Lan", "head", "lan@example.org", "vi")
		claire := f.accredit(t, db, f.frReg, f.frFocal, "Claire Dubois", "press", "claire@example.org", "fr")
		ts.relay.Flush(ctx)
		msgs := srv.Wait(t, 6, 5*time.Second) // received, approved, invitation, each
		inv := delegationstest.ReadInvitation(t, mailTo(t, msgs, "lan@example.org"))
		if !strings.Contains(inv.Text, "/vi/accreditation/mine/"+ts.svc.EditToken(lan.ID)) {
			t.Fatalf("no self-edit link in the invitation:\n%s", inv.Text)
		}
		if !strings.HasPrefix(inv.Subject, "Đã được công nhận") || !strings.Contains(inv.Text, "Kính gửi Nguyễn Thị Lan") || !strings.Contains(inv.Text, "Plenary (vi)") {
			t.Fatalf("invitation: %q\n%s", inv.Subject, inv.Text)
		}
		links := delegationstest.JoinLinkRE.FindAllString(inv.Text, -1)
		if len(links) != 2 || !strings.Contains(links[0], "/vi/rooms/"+plenary.RoomSlug+"?t=") {
			t.Fatalf("join links in the invitation: %q\n%s", links, inv.Text)
		}
		evs := delegationstest.ICSEvents(t, inv.ICS)
		if len(evs) != 2 || evs[0]["url"] != links[0] || !strings.Contains(evs[0]["description"].(string), links[0]) || evs[0]["status"] != "CONFIRMED" {
			t.Fatalf("the .ics does not carry the join links: %+v\n%s", evs, inv.ICS)
		}
		// The token says who she is, for the room.
		c, err := ts.signer.Inspect(delegationstest.TokenOf(t, links[0]))
		if err != nil || c.Identity != fmt.Sprintf("reg-%d", lan.ID) || c.Name != "Nguyễn Thị Lan" || c.Role != sfu.RoleDelegate || c.Delegation != "Vietnam" ||
			c.NotBefore != plenary.StartsAt.Add(-15*time.Minute).Unix() || c.ExpiresAt != plenary.EndsAt.Unix() {
			t.Fatalf("claims %+v, %v", c, err)
		}
		toks, err := db.ListRoomTokens(ctx, plenary.RoomID)
		if err != nil || len(toks) != 2 {
			t.Fatalf("recorded tokens of the plenary: %+v %v", toks, err)
		}
		claireInv := delegationstest.ReadInvitation(t, mailTo(t, msgs, "claire@example.org"))
		claireLinks := delegationstest.JoinLinkRE.FindAllString(claireInv.Text, -1)
		if len(claireLinks) != 2 || !strings.Contains(claireLinks[0], "/fr/rooms/") {
			t.Fatalf("Claire's links: %q", claireLinks)
		}
		if c, err := ts.signer.Inspect(delegationstest.TokenOf(t, claireLinks[0])); err != nil || c.Role != sfu.RoleObserver || c.Delegation != "France" {
			t.Fatalf("the press is not an observer: %+v %v", c, err)
		}

		// The private calendar: hers works; forged or another's token finds nothing.
		cal := delegationstest.CalendarRE.FindString(inv.Text)
		if cal == "" {
			t.Fatalf("no calendar URL in %s", inv.Text)
		}
		r = ts.Get(ts.Browser(), delegationstest.PathQuery(t, cal), nil)
		httpxtest.WantStatus(t, r, http.StatusOK)
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/calendar") {
			t.Fatalf("calendar type %q", r.Header.Get("Content-Type"))
		}
		if evs := delegationstest.ICSEvents(t, []byte(r.Body)); len(evs) != 2 || !strings.Contains(evs[0]["url"].(string), "/vi/rooms/"+plenary.RoomSlug+"?t=") {
			t.Fatalf("calendar: %+v", evs)
		}
		calPath := delegationstest.PathQuery(t, cal)
		claireCal := delegationstest.PathQuery(t, delegationstest.CalendarRE.FindString(claireInv.Text))
		mac := calPath[strings.LastIndex(calPath, "-")+1:]
		swapped := strings.Replace(claireCal, fmt.Sprintf("/%d-", claire.ID), fmt.Sprintf("/%d-", lan.ID), 1)
		for _, path := range []string{
			strings.Replace(calPath, fmt.Sprintf("/%d-", lan.ID), fmt.Sprintf("/%d-", claire.ID), 1), // her MAC, Claire's ID
			swapped, // Claire's MAC, Lan's ID
			strings.TrimSuffix(calPath, mac) + strings.ToUpper(mac[:1]) + mac[1:] + "x",
			strings.TrimSuffix(calPath, ".ics"),
			"/vi/accreditation/calendar/1-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.ics",
			"/vi/accreditation/calendar/" + strings.Repeat("9", 200) + ".ics",
		} {
			httpxtest.WantStatus(t, ts.Get(ts.Browser(), path, nil), http.StatusNotFound)
		}

		// Before the window: not yet. Inside it: the room page. After: expired.
		join := delegationstest.PathQuery(t, links[0])
		r = ts.Get(ts.Browser(), join, nil)
		httpxtest.WantStatus(t, r, http.StatusForbidden)
		httpxtest.WantContains(t, r, "chỉ mở phòng từ")
		clock.Advance(plenary.StartsAt.Sub(clock.Now()) - 10*time.Minute)
		r = ts.Get(ts.Browser(), join, nil)
		httpxtest.WantStatus(t, r, http.StatusOK)
		httpxtest.WantContains(t, r, "Nguyễn Thị Lan")
		httpxtest.WantStatus(t, ts.Get(ts.Browser(), delegationstest.PathQuery(t, claireLinks[0]), nil), http.StatusOK)
		// A link of the plenary does not open the working group's room.
		wrong := strings.Replace(join, "/rooms/"+plenary.RoomSlug+"?", "/rooms/"+sessions[1].RoomSlug+"?", 1)
		httpxtest.WantStatus(t, ts.Get(ts.Browser(), wrong, nil), http.StatusForbidden)

		// Withdrawn: her links are revoked and her calendar is gone.
		f.officer = ts.SignIn("paul", "protocol-password-1")
		httpxtest.WantStatus(t, ts.PostForm(f.officer, fmt.Sprintf("/admin/events/%d/registrations/%d/withdraw", f.event, lan.ID), url.Values{}, nil), http.StatusOK)
		r = ts.Get(ts.Browser(), join, nil)
		httpxtest.WantStatus(t, r, http.StatusForbidden)
		httpxtest.WantContains(t, r, "đã bị thu hồi")
		httpxtest.WantStatus(t, ts.Get(ts.Browser(), calPath, nil), http.StatusNotFound)
		httpxtest.WantStatus(t, ts.Get(ts.Browser(), delegationstest.PathQuery(t, claireLinks[0]), nil), http.StatusOK)

		// Staff send the links again to everyone accredited: Claire only. A
		// delegate account may not.
		ts.AddUser("dana", "delegate-password-1", account.RoleDelegate)
		delegate := ts.SignIn("dana", "delegate-password-1")
		httpxtest.WantStatus(t, ts.PostForm(delegate, fmt.Sprintf("/admin/events/%d/invitations", f.event), url.Values{}, nil), http.StatusForbidden)
		r = ts.PostForm(f.officer, fmt.Sprintf("/admin/events/%d/invitations", f.event), url.Values{}, map[string]string{"Accept-Language": "en"})
		httpxtest.WantStatus(t, r, http.StatusOK)
		httpxtest.WantContains(t, r, "Join links sent to 1 accredited people")
		ts.relay.Flush(ctx)
		msgs = srv.Wait(t, 7, 5*time.Second)
		again := delegationstest.ReadInvitation(t, msgs[6])
		if again.To != "claire@example.org" {
			t.Fatalf("re-sent to %s", again.To)
		}
		// The same recorded tokens: nothing new issued.
		if toks, _ := db.ListRoomTokens(ctx, plenary.RoomID); len(toks) != 2 {
			t.Fatalf("re-sending issued new tokens: %d", len(toks))
		}

		// The working group moves an hour later, then is cancelled: each
		// time Claire gets the calendar with its SEQUENCE raised, her old
		// link of it is revoked and a new one matches the new time.
		working := sessions[1]
		oldWorking := delegationstest.JoinLinkRE.FindAllString(claireInv.Text, -1)[1]
		oldClaims, _ := ts.signer.Inspect(delegationstest.TokenOf(t, oldWorking))
		hcm, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
		moved := working.StartsAt.Add(time.Hour)
		patch := fmt.Sprintf(`{"start": %q, "end": %q}`, moved.In(hcm).Format("2006-01-02T15:04"), moved.Add(time.Hour).In(hcm).Format("2006-01-02T15:04"))
		httpxtest.WantStatus(t, ts.Send(f.officer, http.MethodPatch, fmt.Sprintf("/api/v1/events/%d/sessions/%d", f.event, working.ID), "application/json", patch, nil), http.StatusOK)
		ts.relay.Flush(ctx)
		msgs = srv.Wait(t, 8, 5*time.Second)
		upd := delegationstest.ReadInvitation(t, msgs[7])
		if upd.To != "claire@example.org" || !strings.HasPrefix(upd.Subject, "Changement de programme") {
			t.Fatalf("update mail: %s %q", upd.To, upd.Subject)
		}
		evs = delegationstest.ICSEvents(t, upd.ICS)
		if len(evs) != 2 || evs[1]["sequence"].(float64) != 1 || evs[0]["sequence"].(float64) != 0 || !strings.HasPrefix(evs[1]["start"].(string), moved.UTC().Format("2006-01-02T15:04")) {
			t.Fatalf("updated calendar: %+v", evs)
		}
		newClaims, err := ts.signer.Inspect(delegationstest.TokenOf(t, evs[1]["url"].(string)))
		if err != nil || newClaims.ID == oldClaims.ID || newClaims.NotBefore != moved.Add(-15*time.Minute).Unix() || newClaims.ExpiresAt != moved.Add(time.Hour).Unix() {
			t.Fatalf("new link of the moved session: %+v %v", newClaims, err)
		}
		if tok, err := db.GetRoomToken(ctx, working.RoomID, oldClaims.ID); err != nil || !tok.Revoked() {
			t.Fatalf("the old link of the moved session: %+v %v", tok, err)
		}
		// The venue moves to Tokyo: the sessions keep their wall times,
		// so they move two hours earlier in UTC; Claire gets one calendar
		// with both sequences raised, and a link of the new time.
		httpxtest.WantStatus(t, ts.Send(f.officer, http.MethodPatch, fmt.Sprintf("/api/v1/events/%d", f.event), "application/json", `{"zone": "Asia/Tokyo"}`, nil), http.StatusOK)
		ts.relay.Flush(ctx)
		msgs = srv.Wait(t, 9, 5*time.Second)
		zoned := delegationstest.ReadInvitation(t, msgs[8])
		if zoned.To != "claire@example.org" || !strings.HasPrefix(zoned.Subject, "Changement de programme") {
			t.Fatalf("zone change mail: %s %q", zoned.To, zoned.Subject)
		}
		evs = delegationstest.ICSEvents(t, zoned.ICS)
		tokyoStart := moved.Add(-2 * time.Hour)
		if len(evs) != 2 || evs[0]["sequence"].(float64) != 1 || evs[1]["sequence"].(float64) != 2 || !strings.HasPrefix(evs[1]["start"].(string), tokyoStart.UTC().Format("2006-01-02T15:04")) {
			t.Fatalf("calendar after the zone change: %+v", evs)
		}
		zonedClaims, err := ts.signer.Inspect(delegationstest.TokenOf(t, evs[1]["url"].(string)))
		if err != nil || zonedClaims.ID == newClaims.ID || zonedClaims.NotBefore != tokyoStart.Add(-15*time.Minute).Unix() {
			t.Fatalf("link after the zone change: %+v %v", zonedClaims, err)
		}
		if tok, err := db.GetRoomToken(ctx, working.RoomID, newClaims.ID); err != nil || !tok.Revoked() {
			t.Fatalf("the link of the old zone: %+v %v", tok, err)
		}
		newClaims = zonedClaims

		httpxtest.WantStatus(t, ts.Send(f.officer, http.MethodPatch, fmt.Sprintf("/api/v1/events/%d/sessions/%d", f.event, working.ID), "application/json", `{"status": "cancelled"}`, nil), http.StatusOK)
		ts.relay.Flush(ctx)
		msgs = srv.Wait(t, 10, 5*time.Second)
		if len(msgs) != 10 {
			t.Fatalf("%d mails: one calendar per change and person", len(msgs))
		}
		evs = delegationstest.ICSEvents(t, delegationstest.ReadInvitation(t, msgs[9]).ICS)
		if len(evs) != 2 || evs[1]["status"] != "CANCELLED" || evs[1]["sequence"].(float64) != 3 || strings.Contains(evs[1]["url"].(string), "?t=") {
			t.Fatalf("cancelled calendar: %+v", evs)
		}
		if tok, err := db.GetRoomToken(ctx, working.RoomID, newClaims.ID); err != nil || !tok.Revoked() {
			t.Fatalf("the link of the cancelled session: %+v %v", tok, err)
		}

		// After the session: expired.
		clock.Advance(2 * time.Hour)
		r = ts.Get(ts.Browser(), delegationstest.PathQuery(t, claireLinks[0]), nil)
		httpxtest.WantStatus(t, r, http.StatusForbidden)
		httpxtest.WantContains(t, r, "expir")
	})
}

// TestOneDelegationOneNameInTheRoom: two members of one delegation who
// registered in different languages carry the same delegation in their
// join tokens (its name in the event's source language), since the room
// counts roll calls and votes by delegation; before, each carried the name
// in their own language and one delegation counted as two.
func TestOneDelegationOneNameInTheRoom(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		f := newAccreditation(t, db, clock, 3, true)
		ts, srv := f.ts, f.mailServer
		ctx := context.Background()
		start := clock.Now().Add(2 * time.Hour).Truncate(time.Minute)
		if _, err := db.CreateEventSession(ctx, "asean-digital-2026", "Plenary", store.EventSession{EventID: f.event, Kind: store.SessionPlenary,
			Titles: map[string]string{"en": "Plenary", "vi": "Phiên toàn thể"}, StartsAt: start, EndsAt: start.Add(time.Hour),
			StartLocal: start.Format("2006-01-02T15:04"), EndLocal: start.Add(time.Hour).Format("2006-01-02T15:04")}); err != nil {
			t.Fatal(err)
		}
		f.accredit(t, db, f.vnReg, f.vnFocal, "Nguyễn Thị Lan", "head", "lan@example.org", "vi")
		f.accredit(t, db, f.vnReg, f.vnFocal, "Trần Văn Minh", "delegate", "minh@example.org", "en")
		ts.relay.Flush(ctx)
		msgs := srv.Wait(t, 6, 5*time.Second) // received, approved, invitation, each
		var dels []string
		for _, to := range []string{"lan@example.org", "minh@example.org"} {
			links := delegationstest.JoinLinkRE.FindAllString(delegationstest.ReadInvitation(t, mailTo(t, msgs, to)).Text, -1)
			if len(links) != 1 {
				t.Fatalf("%s's join links: %q", to, links)
			}
			c, err := ts.signer.Inspect(delegationstest.TokenOf(t, links[0]))
			if err != nil {
				t.Fatal(err)
			}
			dels = append(dels, c.Delegation)
		}
		if dels[0] == "" || dels[0] != dels[1] {
			t.Fatalf("one delegation, two names in the room: %q", dels)
		}
	})
}
