package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// Credentials and watch state refer to their channel: rows for a channel
// that does not exist are refused, and deleting a channel deletes them.
func TestChannelReferences(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := t.Context()
		storetest.Channels(t, db, 2)
		seal := func(id int64) error {
			return db.UpdateChannelCredential(ctx, id, func([]byte) string { return "k1" }, func([]byte) ([]byte, error) { return []byte("sealed"), nil })
		}
		if err := seal(1); err != nil {
			t.Fatal(err)
		}
		if err := seal(2); err != nil {
			t.Fatal(err)
		}
		if err := seal(999); err == nil {
			t.Fatal("a credential for a channel that does not exist was stored")
		}
		if _, _, err := db.ClaimWatch(ctx, 1, "a", time.Minute); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.RecordWatchAlert(ctx, store.WatchAlert{ChannelID: 1, Network: "mastodon", RemoteID: "9"}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.RecordWatchAlert(ctx, store.WatchAlert{ChannelID: 999, Network: "mastodon", RemoteID: "9"}); err == nil {
			t.Fatal("an alert for a channel that does not exist was stored")
		}
		if err := db.ExecForTest(ctx, `DELETE FROM pub_channels WHERE id = 1`); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ChannelCredential(ctx, 1); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("credential of a deleted channel: %v", err)
		}
		if _, err := db.WatchChannelState(ctx, 1); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("watch state of a deleted channel: %v", err)
		}
		if n, err := db.CountOpenWatchAlerts(ctx); err != nil || n != 0 {
			t.Errorf("alerts of a deleted channel: %d, %v", n, err)
		}
		if _, err := db.ChannelCredential(ctx, 2); err != nil {
			t.Errorf("the other channel's credential: %v", err)
		}
	})
}

// Connecting records the account and its time; reconnecting the same
// account keeps the time, another account moves it and says so.
func TestMarkChannelConnected(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := t.Context()
		storetest.Channels(t, db, 1)
		a := store.AuditEntry{Actor: "olivia", Action: "channel.connect"}
		if sw, err := db.MarkChannelConnected(ctx, 1, "acc-1", "@mofa", a); err != nil || sw {
			t.Fatalf("first connect: switched %v, %v", sw, err)
		}
		first := clock.Now()
		clock.Advance(time.Hour)
		if sw, err := db.MarkChannelConnected(ctx, 1, "acc-1", "@mofa_vn", a); err != nil || sw {
			t.Fatalf("same account: switched %v, %v", sw, err)
		}
		conns, err := db.ChannelConnections(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if c := conns[1]; c.AccountID != "acc-1" || !c.ConnectedAt.Equal(first.UTC().Truncate(time.Microsecond)) {
			t.Fatalf("after reconnecting the same account: %+v, want connected at %v", c, first)
		}
		if ch, _ := db.GetChannel(ctx, 1); ch.Account != "@mofa_vn" {
			t.Errorf("account shown %q", ch.Account)
		}
		if sw, err := db.MarkChannelConnected(ctx, 1, "acc-2", "@intruder", a); err != nil || !sw {
			t.Fatalf("another account: switched %v, %v", sw, err)
		}
		conns, _ = db.ChannelConnections(ctx)
		if c := conns[1]; c.AccountID != "acc-2" || !c.ConnectedAt.After(first) {
			t.Fatalf("after switching account: %+v", c)
		}
		if _, err := db.MarkChannelConnected(ctx, 42, "x", "y", a); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown channel: %v", err)
		}
	})
}
