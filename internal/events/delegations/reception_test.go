package delegations_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/events/delegations/delegationstest"
	"github.com/mofa-vn/chancery/internal/httpx/httpxtest"
	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// TestRoomReceptionList: the reception of a session's room lists the
// accredited people whose join link opens it now, by delegation in order
// of precedence; not before their window, not the pending, not once
// their accreditation is withdrawn; and no list for a room of no event.
func TestRoomReceptionList(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		f := newAccreditation(t, db, clock, 3, false)
		ctx := context.Background()
		start := clock.Now().Add(2 * time.Hour).Truncate(time.Minute)
		plenary, err := db.CreateEventSession(ctx, "asean-digital-2026", "Plenary", store.EventSession{EventID: f.event, Kind: store.SessionPlenary,
			Titles: map[string]string{"en": "Plenary"}, StartsAt: start, EndsAt: start.Add(time.Hour),
			StartLocal: start.Format("2006-01-02T15:04"), EndLocal: start.Add(time.Hour).Format("2006-01-02T15:04")})
		if err != nil {
			t.Fatal(err)
		}
		lan := f.accredit(t, db, f.vnReg, f.vnFocal, "Nguyễn Thị Lan", "head", "lan@example.org", "vi")
		claire := f.accredit(t, db, f.frReg, f.frFocal, "Claire Dubois", "delegate", "claire@example.org", "fr")
		pending := delegationstest.GoodForm("Marc Petit", "delegate")
		pending.Email = "marc@example.org"
		httpxtest.WantStatus(t, f.ts.register(f.frReg, pending), http.StatusCreated)
		svc := f.ts.svc

		l, err := svc.Reception(ctx, plenary.RoomSlug)
		if err != nil || len(l.Expected) != 0 {
			t.Fatalf("two hours before: %+v %v", l, err)
		}
		clock.Advance(start.Sub(clock.Now()) - 10*time.Minute)
		l, err = svc.Reception(ctx, plenary.RoomSlug)
		if err != nil {
			t.Fatal(err)
		}
		// France before Vietnam in English alphabetical order, the fixture's precedence.
		if len(l.Delegations) != 2 || l.Delegations[0].Key != fmt.Sprintf("d%d", f.fr.ID) || l.Delegations[1].Key != fmt.Sprintf("d%d", f.vn.ID) {
			t.Fatalf("delegations: %+v", l.Delegations)
		}
		got := map[string]sfu.Expected{}
		for _, e := range l.Expected {
			got[e.Identity] = e
		}
		if len(got) != 2 || got[fmt.Sprintf("reg-%d", lan.ID)].Delegation != fmt.Sprintf("d%d", f.vn.ID) ||
			got[fmt.Sprintf("reg-%d", claire.ID)].Name != "Claire Dubois" || got[fmt.Sprintf("reg-%d", claire.ID)].Role != sfu.RoleDelegate {
			t.Fatalf("expected: %+v", l.Expected)
		}
		// Claire's accreditation is withdrawn: her link goes, and she is no longer expected.
		httpxtest.WantStatus(t, f.ts.PostForm(f.officer, fmt.Sprintf("/admin/events/%d/registrations/%d/reject", f.event, claire.ID), url.Values{"reason": {"Doublon"}}, nil), http.StatusOK)
		l, err = svc.Reception(ctx, plenary.RoomSlug)
		if err != nil || len(l.Expected) != 1 || l.Expected[0].Identity != fmt.Sprintf("reg-%d", lan.ID) {
			t.Fatalf("after the withdrawal: %+v %v", l.Expected, err)
		}
		// After the session, nobody; a room of no event has no list.
		clock.Advance(2 * time.Hour)
		if l, err := svc.Reception(ctx, plenary.RoomSlug); err != nil || len(l.Expected) != 0 || len(l.Delegations) != 0 {
			t.Fatalf("after the session: %+v %v", l, err)
		}
		if l, err := svc.Reception(ctx, "no-such-room"); err != nil || len(l.Expected) != 0 {
			t.Fatalf("unknown room: %+v %v", l, err)
		}
	})
}
