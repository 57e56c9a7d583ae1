package store_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

func TestWatchLease(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		storetest.Channels(t, db, 7)
		ctx := t.Context()
		c, ok, err := db.ClaimWatch(ctx, 7, "a", time.Minute)
		if err != nil || !ok {
			t.Fatalf("first claim = %v, %v; want claimed", ok, err)
		}
		if c.State != store.WatchNew || !c.StartedAt.Equal(clock.Now().Truncate(time.Microsecond)) || !c.Watermark.IsZero() {
			t.Fatalf("new channel = %+v", c)
		}
		if _, ok, err := db.ClaimWatch(ctx, 7, "b", time.Minute); err != nil || ok {
			t.Fatalf("claim while leased = %v, %v; want refused", ok, err)
		}
		wm := clock.Now().Add(-time.Hour)
		if err := db.FinishWatch(ctx, 7, "b", store.WatchOutcome{OK: true}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("finish by a non-owner = %v, want ErrNotFound", err)
		}
		if err := db.FinishWatch(ctx, 7, "a", store.WatchOutcome{OK: true, Watermark: wm, NextCheck: clock.Now().Add(time.Minute)}); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := db.ClaimWatch(ctx, 7, "b", time.Minute); ok {
			t.Fatal("claimed before NextCheck")
		}
		clock.Advance(time.Minute)
		c, ok, err = db.ClaimWatch(ctx, 7, "b", time.Minute)
		if err != nil || !ok {
			t.Fatalf("claim when due = %v, %v", ok, err)
		}
		if c.State != store.WatchOK || !c.Watermark.Equal(wm.Truncate(time.Microsecond)) || c.LastOKAt.IsZero() {
			t.Fatalf("after success = %+v", c)
		}
		// b crashes: its lease expires and a takes over.
		clock.Advance(time.Minute)
		if _, ok, _ := db.ClaimWatch(ctx, 7, "a", time.Minute); !ok {
			t.Fatal("expired lease not taken over")
		}
		until := clock.Now().Add(15 * time.Minute)
		if err := db.FinishWatch(ctx, 7, "a", store.WatchOutcome{ErrorClass: "rate-limited", Reason: "slow down",
			RetryAt: until, NextCheck: until}); err != nil {
			t.Fatal(err)
		}
		c, err = db.WatchChannelState(ctx, 7)
		if err != nil {
			t.Fatal(err)
		}
		if c.State != store.WatchRateLimited || c.Failures != 1 || !c.RetryAt.Equal(until.Truncate(time.Microsecond)) ||
			!c.Watermark.Equal(wm.Truncate(time.Microsecond)) || c.Reason != "slow down" {
			t.Fatalf("after rate limit = %+v", c)
		}
		all, err := db.WatchChannels(ctx)
		if err != nil || len(all) != 1 {
			t.Fatalf("WatchChannels = %v, %v", all, err)
		}
		if err := db.ForgetWatch(ctx, 7); err != nil {
			t.Fatal(err)
		}
		if _, err := db.WatchChannelState(ctx, 7); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("after forget: %v", err)
		}
	})
}

func TestWatchAlertsOncePerPost(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		storetest.Channels(t, db, 7)
		ctx := t.Context()
		posted := clock.Now().Add(-time.Minute)
		in := store.WatchAlert{ChannelID: 3, Network: "x", RemoteID: "190", URL: "https://x.com/i/status/190", Excerpt: "Tài khoản bị chiếm", PostedAt: posted}
		var wg sync.WaitGroup
		created := make(chan store.WatchAlert, 8)
		for range 8 {
			wg.Go(func() {
				a, ok, err := db.RecordWatchAlert(ctx, in)
				if err != nil {
					t.Error(err)
				}
				if ok {
					created <- a
				}
			})
		}
		wg.Wait()
		close(created)
		var got []store.WatchAlert
		for a := range created {
			got = append(got, a)
		}
		if len(got) != 1 {
			t.Fatalf("%d alerts created for one post, want 1", len(got))
		}
		a, err := db.WatchAlert(ctx, got[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if a != got[0] || !a.Open() || a.Excerpt != in.Excerpt || !a.PostedAt.Equal(posted.Truncate(time.Microsecond)) {
			t.Fatalf("stored %+v, returned %+v", a, got[0])
		}
		if n, _ := db.CountOpenWatchAlerts(ctx); n != 1 {
			t.Fatalf("open alerts = %d", n)
		}
		if _, _, err := db.RecordWatchAlert(ctx, store.WatchAlert{ChannelID: 3}); err == nil {
			t.Fatal("alert without a remote id accepted")
		}
	})
}

func TestWatchAcknowledge(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		storetest.Channels(t, db, 7)
		ctx := t.Context()
		u := createUser(t, db, "lan", account.RolePressOfficer)
		a1, _, err := db.RecordWatchAlert(ctx, store.WatchAlert{ChannelID: 1, Network: "mastodon", RemoteID: "101"})
		if err != nil {
			t.Fatal(err)
		}
		a2, _, err := db.RecordWatchAlert(ctx, store.WatchAlert{ChannelID: 2, Network: "x", RemoteID: "101"})
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name    string
			verdict string
			note    string
		}{
			{"unknown verdict", "maybe", ""},
			{"empty verdict", "", "ours"},
			{"note too long", store.VerdictOurs, strings.Repeat("é", store.MaxWatchNote+1)},
			{"invalid UTF-8", store.VerdictOurs, "\xff"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if _, err := db.AcknowledgeWatchAlert(ctx, a1.ID, u.ID, tc.verdict, tc.note); !errors.Is(err, store.ErrBadVerdict) {
					t.Fatalf("err = %v, want ErrBadVerdict", err)
				}
			})
		}
		if _, err := db.AcknowledgeWatchAlert(ctx, 999, u.ID, store.VerdictOurs, ""); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing alert: %v", err)
		}
		if _, err := db.AcknowledgeWatchAlert(ctx, a1.ID, 999, store.VerdictOurs, ""); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing user: %v", err)
		}
		clock.Advance(time.Hour)
		got, err := db.AcknowledgeWatchAlert(ctx, a1.ID, u.ID, store.VerdictOurs, "  ours, posted by hand from the app \n")
		if err != nil {
			t.Fatal(err)
		}
		if got.Open() || got.AckBy != u.ID || !got.AckAt.Equal(clock.Now().Truncate(time.Microsecond)) ||
			got.Verdict != store.VerdictOurs || got.Note != "ours, posted by hand from the app" {
			t.Fatalf("acknowledged = %+v", got)
		}
		if _, err := db.AcknowledgeWatchAlert(ctx, a1.ID, u.ID, store.VerdictHijack, "changed my mind"); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("second acknowledgement: %v, want ErrConflict", err)
		}
		if again, _ := db.WatchAlert(ctx, a1.ID); again.Verdict != store.VerdictOurs {
			t.Fatalf("first acknowledgement overwritten: %+v", again)
		}
		open, err := db.WatchAlerts(ctx, store.WatchAlertFilter{OpenOnly: true})
		if err != nil || len(open) != 1 || open[0].ID != a2.ID {
			t.Fatalf("open alerts = %+v, %v", open, err)
		}
		all, err := db.WatchAlerts(ctx, store.WatchAlertFilter{ChannelID: 1})
		if err != nil || len(all) != 1 || all[0].ID != a1.ID {
			t.Fatalf("channel 1 alerts = %+v, %v", all, err)
		}
		if n, _ := db.CountOpenWatchAlerts(ctx); n != 1 {
			t.Fatalf("open = %d", n)
		}
	})
}
