// Package connecttest serves the press office as a press officer connects
// its channels, for tests: the press pages and API, the connect pages and
// out-of-band alerts (internal/connect), the public portal, real sign-in
// (authtest), the real connectors of every network (pubtest.Networks)
// over the outbound client, credentials sealed at rest, the publishing
// service, and the out-of-band watcher, wired as cmd/server wires them.
// What the server logs, at debug level, is kept for tests that search it
// for secrets.
// Staff, Mastodon and ConnectMastodon set up what most of those tests
// start from: a press officer and an approver signed in, and a channel
// connected to a fake Mastodon instance.
//
// Only tests import it. It must not import cmd/.
package connecttest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/auth"
	"github.com/mofa-vn/chancery/internal/auth/authtest"
	"github.com/mofa-vn/chancery/internal/config"
	"github.com/mofa-vn/chancery/internal/connect"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/httpx/httpxtest"
	"github.com/mofa-vn/chancery/internal/outbound"
	"github.com/mofa-vn/chancery/internal/portal"
	"github.com/mofa-vn/chancery/internal/press"
	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/publishing/pubtest"
	"github.com/mofa-vn/chancery/internal/secrets"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/social/mastodon/mastodonfake"
	"github.com/mofa-vn/chancery/internal/social/watch"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// Options are the choices of New.
type Options struct {
	// Extra are the API base URLs channels may use besides the networks'
	// own (-extra-api-urls): the tests' fake networks.
	Extra []string
	// Apps are Chancery's OAuth apps by network (-x-client-id, …).
	Apps map[social.Network]social.App
}

// Office is the press office served with real sign-in.
type Office struct {
	*authtest.Site
	Clock      *storetest.Clock
	Publishing *publishing.Service
	Connectors *publishing.Connectors
	// Watcher is out-of-band detection, nil if the default configuration
	// turned it off.
	Watcher *watch.Watcher
	// Logs is everything the office logged.
	Logs *httpxtest.SyncBuffer
	tb   testing.TB
}

// Box is the credentials key of the office, so that tests can open what
// it sealed.
var Box = func() *secrets.Box {
	b, err := secrets.NewBox(bytes.Repeat([]byte{0x5e}, secrets.KeySize))
	if err != nil {
		panic(err)
	}
	return b
}()

// New serves the press office over db on the clock, with the default
// configuration's publishing and watch settings. It stops with the test.
func New(t testing.TB, db *store.DB, clock *storetest.Clock, o Options) *Office {
	t.Helper()
	cfg := config.Default()
	logs := &httpxtest.SyncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	kit := httpxtest.Kit(t, func(p *httpx.KitParams) {
		p.SecureCookies = true
		p.Log = log.With("component", "http")
		p.Banners = []func(context.Context, string) []string{press.Banners(db, p.Cat), connect.Banners(db, p.Cat)}
	})
	zone, err := time.LoadLocation(cfg.Web.TimeZone)
	if err != nil {
		t.Fatal(err)
	}
	site, err := portal.New(t.Context(), portal.Params{DB: db, Kit: kit, Location: zone})
	if err != nil {
		t.Fatal(err)
	}
	hc, err := outbound.New(outbound.Params{Allow: o.Extra})
	if err != nil {
		t.Fatal(err)
	}
	var sensitive []string
	for c := range strings.SplitSeq(cfg.Publish.Sensitive, ",") {
		if c = strings.TrimSpace(c); c != "" {
			sensitive = append(sensitive, c)
		}
	}
	off := &Office{Clock: clock, Logs: logs, tb: t}
	var origin string // the server's: it listens before the office is built
	off.Site = authtest.Serve(t, db, clock.Now, kit, func(mux *httpx.Router, _ *auth.Service) {
		conn, err := publishing.NewConnectors(publishing.ConnectorsParams{Networks: pubtest.Networks,
			Portal:      site.Publisher(origin),
			Credentials: func(id int64) social.Credentials { return secrets.NewCredentials(db, Box, id) },
			Apps:        o.Apps, HTTP: hc, Now: clock.Now, APIAllowed: publishing.APIAllowlist(pubtest.Networks, o.Extra)})
		if err != nil {
			t.Fatal(err)
		}
		off.Connectors = conn
		pub, err := publishing.New(publishing.Params{Networks: pubtest.Networks, DB: db, Resolve: conn.Resolve, Now: clock.Now, Instance: "test",
			Log: log.With("component", "publishing"),
			Settings: publishing.Settings{Grace: cfg.Publish.Grace, Lease: cfg.Publish.Lease, Workers: int(cfg.Publish.Workers),
				SensitiveCategories: sensitive, ExtraAPIs: o.Extra}})
		if err != nil {
			t.Fatal(err)
		}
		off.Publishing = pub
		if cfg.Watch.Interval > 0 { // as cmd/server decides
			wlog := log.With("component", "watch")
			off.Watcher, err = watch.New(watch.Params{Store: db, Outbox: watch.StoreOutbox{DB: db},
				Channels: watch.StoreChannels{DB: db, Networks: pubtest.Networks, Resolve: conn.Resolve, Log: wlog},
				Log:      wlog, Interval: cfg.Watch.Interval, Now: clock.Now})
			if err != nil {
				t.Fatal(err)
			}
		}
		site.Routes(mux)
		press.New(db, pub, conn.Resolve, kit).Routes(mux)
		connect.New(connect.Params{DB: db, Kit: kit, Credentials: conn.Credentials, Build: conn.Build, Changed: conn.Forget,
			PublicURL: origin, Now: clock.Now, APIAllowed: pub.APIAllowed, Networks: pubtest.Networks, Apps: o.Apps, HTTP: hc,
		}).Routes(mux)
	}, authtest.Options{Auth: func(p *auth.Params) { p.Log = log.With("component", "auth") }, Origin: func(o string) { origin = o }})
	return off
}

// API sends body as JSON, asking for French, and checks the status; it
// returns the answer's object, if it is one.
func (o *Office) API(c *http.Client, method, path string, body any, want int) map[string]any {
	o.tb.Helper()
	if body == nil {
		body = json.RawMessage("null")
	}
	return o.JSON(c, method, path, body, map[string]string{"Accept-Language": "fr"}, want)
}

// Connect connects channel id through its connect form, as a press
// officer does.
func (o *Office) Connect(c *http.Client, id int64, secret map[string]string) {
	o.tb.Helper()
	form := url.Values{}
	for k, v := range secret {
		form.Set(k, v)
	}
	httpxtest.WantStatus(o.tb, o.PostForm(c, fmt.Sprintf("/press/channels/%d/connect", id), form, nil), http.StatusSeeOther)
}

// ComposeAndApprove writes a statement due at due for targets through the
// API as officer, submits it, and approves it as approver after opening
// its review; it returns the statement's ID.
func (o *Office) ComposeAndApprove(officer, approver *http.Client, due time.Time, targets []int64, variants []map[string]string) int64 {
	o.tb.Helper()
	st := o.API(officer, "POST", "/api/v1/publishing/statements", map[string]any{"due_at": due.UTC().Format(time.RFC3339),
		"targets": targets, "variants": variants}, http.StatusCreated)
	id := int64(st["id"].(float64))
	o.API(officer, "POST", fmt.Sprintf("/api/v1/publishing/statements/%d/submit", id), nil, http.StatusOK)
	got := o.API(officer, "GET", fmt.Sprintf("/api/v1/publishing/statements/%d", id), nil, http.StatusOK)
	o.API(approver, "GET", fmt.Sprintf("/api/v1/publishing/statements/%d/review", id), nil, http.StatusOK) // opened before approving
	o.API(approver, "POST", fmt.Sprintf("/api/v1/publishing/statements/%d/approve", id), map[string]string{"hash": got["content_hash"].(string)}, http.StatusOK)
	return id
}

// Staff adds a press officer (olivia) and an approver (arthur) to the
// office and signs them in.
func (o *Office) Staff() (officer, approver *http.Client) {
	o.tb.Helper()
	o.AddUser("olivia", "officer-password-1", account.RolePressOfficer)
	o.AddUser("arthur", "approver-password-1", account.RoleApprover)
	return o.SignIn("olivia", "officer-password-1"), o.SignIn("arthur", "approver-password-1")
}

// Mastodon is a fake Mastodon instance that takes token, on the clock. It
// closes when the test ends; give its URL to New's Options.Extra.
func Mastodon(t testing.TB, clock *storetest.Clock, token string) *mastodonfake.Server {
	t.Helper()
	fake := mastodonfake.New(token)
	t.Cleanup(fake.Close)
	fake.SetNow(clock.Now)
	return fake
}

// ConnectMastodon makes the Mastodon channel "Mastodon MOFA", in English
// and in zone, at base (the instance, or what stands in front of it),
// through the API as officer, and connects it with token; it returns the
// channel's ID.
func (o *Office) ConnectMastodon(officer *http.Client, base, zone, token string) int64 {
	o.tb.Helper()
	ch := o.API(officer, "POST", "/api/v1/publishing/channels", map[string]any{"network": "mastodon", "name": "Mastodon MOFA",
		"base_url": base, "languages": []string{"en"}, "time_zone": zone}, http.StatusCreated)
	id := int64(ch["id"].(float64))
	o.Connect(officer, id, map[string]string{"access_token": token})
	return id
}
