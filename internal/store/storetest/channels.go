package storetest

import (
	"fmt"
	"testing"

	"github.com/mofa-vn/chancery/internal/store"
)

// Channels creates publishing channels in a fresh database until the one
// with ID upTo exists, so that tests of tables referring to pub_channels
// (credentials, watch state) can use fixed channel IDs 1…upTo. The channels
// are Mastodon channels named "channel-<id>".
func Channels(t testing.TB, db *store.DB, upTo int64) {
	t.Helper()
	for {
		c, err := db.CreateChannel(t.Context(), store.Channel{Network: "mastodon", Name: fmt.Sprintf("channel-%d", nextChannel(t, db)),
			Languages: []string{"en"}, TimeZone: "UTC"}, store.AuditEntry{Actor: "storetest", Action: "channel.create"})
		if err != nil {
			t.Fatalf("storetest: create channel: %v", err)
		}
		if c.ID >= upTo {
			return
		}
	}
}

func nextChannel(t testing.TB, db *store.DB) int {
	t.Helper()
	chs, err := db.ListChannels(t.Context())
	if err != nil {
		t.Fatalf("storetest: list channels: %v", err)
	}
	return len(chs) + 1
}
