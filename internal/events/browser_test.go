package events_test

// The events' pages in Chromium (browsertest.Tab): the public event page
// and the staff editors, on the events area with the portal as its page
// host (as the server wires them), real sign-in and the demo's content.

import (
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/auth"
	"github.com/mofa-vn/chancery/internal/auth/authtest"
	"github.com/mofa-vn/chancery/internal/browsertest"
	"github.com/mofa-vn/chancery/internal/demo"
	"github.com/mofa-vn/chancery/internal/events"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/httpx/httpxtest"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/portal"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
	"github.com/mofa-vn/chancery/locales"
)

// eventSite is the events area as the browser tests visit it.
type eventSite struct {
	*authtest.Site
	db    *store.DB
	clock *storetest.Clock
	demo  []demo.SignIn // the demo accounts and their passwords
}

// browser is one headless Chromium tab on the site.
type browser struct {
	*browsertest.Tab
	ts  *eventSite
	cat *lang.Catalog
}

// newBrowser serves the events with the demo's content on SQLite (the
// store tests cover PostgreSQL) and starts Chromium on them.
func newBrowser(t *testing.T, opts ...browsertest.Option) *browser {
	t.Helper()
	clock := storetest.NewClock(storetest.Start)
	db := storetest.OpenWithClock(t, store.BackendSQLite, clock.Now)
	kit := httpxtest.Kit(t, func(p *httpx.KitParams) { p.SecureCookies = true })
	zone, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	ts := &eventSite{db: db, clock: clock}
	ts.Site = authtest.Serve(t, db, clock.Now, kit, func(mux *httpx.Router, svc *auth.Service) {
		if ts.demo, err = demo.Load(t.Context(), db, svc); err != nil {
			t.Fatal(err)
		}
		site, err := portal.New(t.Context(), portal.Params{DB: db, Kit: kit, Log: kit.Log, Location: zone})
		if err != nil {
			t.Fatal(err)
		}
		events.New(events.Params{DB: db, Kit: kit, Log: kit.Log, Now: clock.Now}).Routes(mux, site)
		site.Routes(mux)
	}, authtest.Options{})
	cat, err := lang.NewCatalog(locales.FS, "vi")
	if err != nil {
		t.Fatal(err)
	}
	return &browser{Tab: browsertest.NewTab(t, ts.URL, ts.Certificate(), opts...), ts: ts, cat: cat}
}
