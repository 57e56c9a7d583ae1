package watch_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/social/watch"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// recentOnly is a Publisher that names the channel it was resolved for.
type recentOnly struct {
	social.Publisher
	channel string
}

// TestStoreChannels: the watcher reads only the connected channels of
// networks whose descriptor says their timeline can be read, each with
// the publisher the resolver gives; a channel without a publisher is left
// out and logged, and the others are still watched.
func TestStoreChannels(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := t.Context()
		audit := store.AuditEntry{Actor: "test", Action: "channel.create"}
		mk := func(network social.Network, name string, connect bool) store.Channel {
			t.Helper()
			ch, err := db.CreateChannel(ctx, store.Channel{Network: string(network), Name: name, Languages: []string{"en"}, TimeZone: "UTC"}, audit)
			if err != nil {
				t.Fatal(err)
			}
			if connect {
				if _, err := db.MarkChannelConnected(ctx, ch.ID, "acct-"+name, "@"+name, store.AuditEntry{Actor: "test", Action: "channel.connect"}); err != nil {
					t.Fatal(err)
				}
			}
			return ch
		}
		connectedAt := clock.Now().Truncate(time.Microsecond) // as the store keeps times
		watched := mk(social.X, "x-connected", true)
		mk(social.X, "x-not-connected", false)
		mk(social.Telegram, "telegram-connected", true) // bots cannot read history
		mk(social.Portal, "portal", true)               // Chancery's own
		mk("myspace", "unknown-network", true)          // no descriptor
		broken := mk(social.Mastodon, "mastodon-broken", true)

		var logs bytes.Buffer
		resolved := map[string]int{}
		s := watch.StoreChannels{DB: db,
			Networks: social.Catalog{
				{Network: social.Portal}, {Network: social.X, Watched: true}, {Network: social.Telegram},
				{Network: social.Mastodon, Watched: true},
			},
			Resolve: func(_ context.Context, ch store.Channel) (social.Publisher, error) {
				resolved[ch.Name]++
				if ch.ID == broken.ID {
					return nil, errors.New("no credentials")
				}
				return recentOnly{channel: ch.Name}, nil
			},
			Log: slog.New(slog.NewTextHandler(&logs, nil)),
		}
		got, err := s.Watched(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 {
			t.Fatalf("watched %+v, want only %q", got, watched.Name)
		}
		c := got[0]
		if c.ID != watched.ID || c.Network != social.X || c.Name != watched.Name || !c.Connected.Equal(connectedAt) {
			t.Errorf("watched %+v, want channel %d on x connected at %s", c, watched.ID, connectedAt)
		}
		if p, ok := c.Publisher.(recentOnly); !ok || p.channel != watched.Name {
			t.Errorf("publisher %#v is not the one resolved for the channel", c.Publisher)
		}
		if len(resolved) != 2 || resolved[watched.Name] != 1 || resolved[broken.Name] != 1 {
			t.Errorf("resolved %v: only the watched networks' connected channels should be", resolved)
		}
		if !strings.Contains(logs.String(), "mastodon-broken") || !strings.Contains(logs.String(), "no credentials") {
			t.Errorf("the channel left out is not logged: %q", logs.String())
		}
	})
}

// TestStoreOutbox: a channel with no publications has nothing published
// and nothing in flight; an unknown remote ID is not Chancery's.
func TestStoreOutbox(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ch, err := db.CreateChannel(t.Context(), store.Channel{Network: string(social.X), Name: "x", Languages: []string{"en"}, TimeZone: "UTC"},
			store.AuditEntry{Actor: "test", Action: "channel.create"})
		if err != nil {
			t.Fatal(err)
		}
		o := watch.StoreOutbox{DB: db}
		pub, err := o.Published(t.Context(), ch.ID, []string{"1", "2"})
		if err != nil || pub["1"] || pub["2"] {
			t.Fatalf("Published: %v, %v", pub, err)
		}
		fly, err := o.InFlight(t.Context(), ch.ID)
		if err != nil || len(fly) != 0 {
			t.Fatalf("InFlight: %v, %v", fly, err)
		}
	})
}
