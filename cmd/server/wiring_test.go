package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/config"
	"github.com/mofa-vn/chancery/internal/portal"
	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// TestOneOriginFromTheListener: without -public-url, the origin build is
// given is the listener's, known before anything is built: the portal
// channel's publisher links to it, and a statement the scheduler
// publishes (no request to take an address from) is signed at it. With -public-url, that address is used instead, and
// a request to the listener's is sent there.
func TestOneOriginFromTheListener(t *testing.T) {
	for _, configured := range []bool{false, true} {
		name := map[bool]string{false: "listener", true: "configured"}[configured]
		t.Run(name, func(t *testing.T) {
			clock := storetest.NewClock(storetest.Start)
			db := storetest.OpenWithClock(t, store.BackendSQLite, clock.Now)
			const public = "https://mofa.example"
			ts := newTestServer(t, db, clock, func(c *config.Config) {
				if configured {
					c.Web.PublicURL = public + "/"
				}
			})
			origin := ts.URL
			if configured {
				origin = public
			}
			pub, err := ts.app.connectors.Resolve(t.Context(), publishing.Channel{ID: 1, Network: string(social.Portal)})
			if err != nil {
				t.Fatal(err)
			}
			res, err := pub.Publish(t.Context(), social.Post{Key: "pub-1-0", Group: "on-asean-day", Lang: "en", Kind: "statement",
				Title: "Statement on ASEAN Day", Summary: "Summary", Text: "Viet Nam welcomes ASEAN Day.", Published: clock.Now().Add(-time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			path := portal.ArticlePath("en", "on-asean-day")
			if res.URL != origin+path {
				t.Errorf("the portal publisher links to %s, want %s", res.URL, origin+path)
			}
			signed, err := db.SignedStatementsByPath(t.Context(), path)
			if err != nil || len(signed) != 1 || signed[0].URL != origin+path {
				t.Fatalf("signed %+v, %v; want version 1 at %s", signed, err, origin+path)
			}
			r := ts.get(ts.client(), "/.well-known/chancery-signing-key", nil)
			if configured {
				wantStatus(t, r, http.StatusPermanentRedirect)
				if loc := r.Header.Get("Location"); loc != public+"/.well-known/chancery-signing-key" {
					t.Errorf("sent to %q", loc)
				}
				return
			}
			wantStatus(t, r, http.StatusOK)
		})
	}
}

// TestWatcherWiring: the default configuration watches the channels for
// out-of-band posts (internal/social/watch tests what the watcher does);
// -watch-interval 0 turns it off.
func TestWatcherWiring(t *testing.T) {
	clock := storetest.NewClock(storetest.Start)
	db := storetest.OpenWithClock(t, store.BackendSQLite, clock.Now)
	if ts := newTestServer(t, db, clock); ts.app.watcher == nil {
		t.Error("no watcher with the default configuration")
	}
	if ts := newTestServer(t, db, clock, func(c *config.Config) { c.Watch.Interval = 0 }); ts.app.watcher != nil {
		t.Error("a watcher with -watch-interval 0")
	}
}
