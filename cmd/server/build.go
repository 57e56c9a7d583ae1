package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/admin"
	"github.com/mofa-vn/chancery/internal/auth"
	"github.com/mofa-vn/chancery/internal/conference"
	"github.com/mofa-vn/chancery/internal/config"
	"github.com/mofa-vn/chancery/internal/connect"
	"github.com/mofa-vn/chancery/internal/demo"
	"github.com/mofa-vn/chancery/internal/events/delegations"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/mail"
	"github.com/mofa-vn/chancery/internal/notify"
	"github.com/mofa-vn/chancery/internal/ops"
	"github.com/mofa-vn/chancery/internal/pagecache"
	"github.com/mofa-vn/chancery/internal/press"
	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/secrets"
	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/signing"
	"github.com/mofa-vn/chancery/internal/social/watch"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/locales"
	"github.com/mofa-vn/chancery/web"
)

// app is what build wires: the handler serve serves, and the parts serve
// runs, stops or prints.
type app struct {
	handler http.Handler
	metrics http.Handler // /metrics for the debug listener
	routes  []string     // every registered pattern, for the route audit test
	auth    *auth.Service
	sfu     *sfu.Server
	demo    []demo.SignIn // with -demo: the demo accounts and their fresh passwords
	signing *signing.Key  // signs official statements when they are published
	// statements signs and records each statement version the portal
	// publishes (Publish); the verify page reads them.
	statements *signing.Registry
	pages      *pagecache.Cache       // rendered public pages; Purge after every publish
	publishing *publishing.Service    // the press office: statements, scheduler, pause, recall, audit
	connectors *publishing.Connectors // each channel's social.Publisher
	watcher    *watch.Watcher         // out-of-band post detection; nil when off
	// delegations is the accreditation of events' delegations
	// (delegations.go); mailRelay sends the mail outbox, nil without
	// -smtp-url.
	delegations *delegations.Service
	mailRelay   *mail.Relay
	notify      *notify.Service // the press office's notifications (notify.go)
	// demoNets are the fake networks -demo runs; stopDemo stops them.
	demoNets []demoNetwork
	stopDemo func()
}

// buildOptions are the dependencies tests replace: the clock and the
// password-hashing cost.
type buildOptions struct {
	now    func() time.Time
	argon2 auth.Argon2Params
	// signingKey is the ministry's key; nil (tests) uses a fresh one.
	signingKey *signing.Key
	// resolve replaces the publisher resolver (tests: fake networks).
	resolve publishing.Resolver
	// box seals channel credentials and the join-token key; nil (tests)
	// uses a fresh key.
	box *secrets.Box
	// checkpoint asks for a signed checkpoint of the audit log after each
	// publication (checkpoint.Writer.Kick); nil (tests) asks nothing.
	checkpoint func()
	// freeSpace tells the free bytes where recordings are written (nil:
	// the file system's; tests fill the disk with it).
	freeSpace func(path string) (uint64, error)
}

// wiring is what every area of the server is built with: the
// configuration, the public origin, the database, the HTTP kit and the
// router each area adds its routes to, and the registry of /metrics. Each
// area is one method that takes what it needs from the others as
// arguments; build calls them in order.
type wiring struct {
	cfg config.Config
	// origin is the scheme and host the public reaches the server at: the
	// configured public URL, or the address it listens on. serve listens
	// before it builds, so it is known once, before anything uses it.
	origin string
	db     *store.DB
	log    *slog.Logger
	o      buildOptions
	cat    *lang.Catalog
	kit    *httpx.Kit
	assets *web.Assets
	box    *secrets.Box
	key    *signing.Key
	mux    *httpx.Router
	reg    *prometheus.Registry

	// press is the press office, set once it is built: the rooms' "send
	// to the press office" reaches it through this field.
	press *publishing.Service

	// delegations is set once the delegations area is wired; events,
	// wired before it, tell it about changed sessions.
	delegations *delegations.Service
}

// build assembles every component and the handler chain, for a server
// that answers at origin.
func build(ctx context.Context, cfg config.Config, origin string, db *store.DB, log *slog.Logger, stdout io.Writer, o buildOptions) (*app, error) {
	w, err := newWiring(cfg, origin, db, log, o)
	if err != nil {
		return nil, err
	}
	a := &app{signing: w.key}
	if a.auth, a.demo, err = w.accounts(ctx, stdout); err != nil {
		return nil, err
	}
	if a.sfu, err = w.conferenceRooms(ctx); err != nil {
		return nil, err
	}
	a.metrics = w.operations(a.sfu)
	site, err := w.portalSite(ctx)
	if err != nil {
		return nil, err
	}
	a.statements, a.pages = site.statements, site.pages
	off, err := w.pressOffice(ctx, site.handlers)
	if err != nil {
		if off.stopDemo != nil {
			off.stopDemo()
		}
		return nil, err
	}
	a.publishing, a.connectors, a.watcher, a.demoNets, a.stopDemo = off.publishing, off.connectors, off.watcher, off.demoNets, off.stopDemo
	w.events(site.handlers, site.pages, off.publishing)
	w.press = off.publishing
	if a.delegations, a.mailRelay, err = w.delegationsArea(ctx, a.sfu); err != nil {
		off.stopDemo()
		return nil, err
	}
	a.notify = w.notifications(a.mailRelay)
	w.mux.Handle("GET /static/{file}", w.assets.Handler(http.HandlerFunc(w.kit.NotFound)))
	w.mux.HandleFunc("/", w.kit.NotFound)
	a.handler, a.routes = w.handler(a.auth, site.pages), w.mux.Patterns()
	return a, nil
}

// newWiring makes what every area shares: the message catalogue, the
// HTTP kit with the staff navigation, the credentials key, the signing
// key, the router and the metrics registry.
func newWiring(cfg config.Config, origin string, db *store.DB, log *slog.Logger, o buildOptions) (*wiring, error) {
	cat, err := lang.NewCatalog(locales.FS, cfg.Web.DefaultLang)
	if err != nil {
		return nil, err
	}
	assets, err := web.NewAssets("/static/")
	if err != nil {
		return nil, err
	}
	kit, err := httpx.NewKit(httpx.KitParams{
		Log: log.With("component", "http"), Cat: cat, Assets: assets, DefaultLang: cfg.Web.DefaultLang,
		SecureCookies: !cfg.Auth.InsecureCookies, TrustProxy: cfg.HTTP.TrustProxy, StaffNav: staffNav(),
		// The press office's state on every staff page: its pauses and
		// the open watch alerts.
		Banners: []func(context.Context, string) []string{press.Banners(db, cat), connect.Banners(db, cat)},
	})
	if err != nil {
		return nil, err
	}
	box := o.box
	if box == nil {
		if box, err = secrets.NewBox(randomKey()); err != nil {
			return nil, err
		}
	}
	key := o.signingKey
	if key == nil {
		if key, err = signing.GenerateKey(); err != nil {
			return nil, err
		}
	}
	return &wiring{cfg: cfg, origin: strings.TrimSuffix(origin, "/"), db: db, log: log, o: o, cat: cat, kit: kit, assets: assets, box: box, key: key,
		mux: httpx.NewRouter(), reg: prometheus.NewRegistry()}, nil
}

// accounts builds sign-in, sessions and the user administration, and
// with -demo loads the demo's accounts.
func (w *wiring) accounts(ctx context.Context, stdout io.Writer) (*auth.Service, []demo.SignIn, error) {
	var secondFactorRoles []account.Role
	for _, r := range w.cfg.Auth.SecondFactorRoles() {
		secondFactorRoles = append(secondFactorRoles, account.Role(r)) // checked by config.Validate
	}
	svc, err := auth.NewService(auth.Params{DB: w.db, Log: w.log.With("component", "auth"), Now: w.o.now, Argon2: w.o.argon2, SessionTTL: w.cfg.Auth.SessionTTL,
		Sealer: w.box, SecondFactorRoles: secondFactorRoles,
		// Passkeys are bound to the origin browsers see: the WebAuthn
		// relying party ID is its host.
		PublicURL:         w.origin,
		LocalPasswordsOff: w.cfg.OIDC.DisableLocalPasswords})
	if err != nil {
		return nil, nil, err
	}
	var signIns []demo.SignIn
	if w.cfg.Demo {
		// The demo's accounts would make the install look set up: the
		// administrator comes first. Otherwise serve creates it once it
		// answers (its password's hash takes a good part of a second).
		if err := bootstrapAdmin(ctx, w.db, svc, stdout); err != nil {
			return nil, nil, err
		}
		if signIns, err = demo.Load(ctx, w.db, svc); err != nil {
			return nil, nil, err
		}
	}
	signInPages := auth.NewHandlers(svc, w.kit)
	if err := routeSSO(w.mux, w.cfg.OIDC, w.db, svc, signInPages, w.kit, w.log, w.origin); err != nil {
		return nil, nil, err
	}
	signInPages.Routes(w.mux)
	admin.New(w.db, svc, w.kit).Routes(w.mux)
	return svc, signIns, nil
}

// operations serves the probes and /metrics on the public listener, and
// returns /metrics for the debug listener. The conference's figures are
// among them.
func (w *wiring) operations(rooms *sfu.Server) http.Handler {
	w.reg.MustRegister(rooms.Collector())
	h := ops.New(w.db, w.reg)
	h.Routes(w.mux, w.cfg.Metrics.Token)
	return h.Metrics()
}

// handler is the chain every request goes through, around the router.
// The page cache sits above the security headers, CSRF check and session
// lookup, so that a hit skips them: it stores the headers they set with
// the page (its CSP is the static one), and it goes around every request
// that carries a session cookie or a token.
func (w *wiring) handler(svc *auth.Service, pages *pagecache.Cache) http.Handler {
	metrics := httpx.NewMetrics(w.reg)
	return httpx.Chain(httpx.RecordPattern(w.mux),
		metrics.Middleware,
		w.kit.Recover,
		w.kit.RequireHost(httpx.Hosts{
			Origin: w.origin,
			Local:  w.cfg.Web.PublicURL == "", Addrs: interfaceAddrs(),
			Exempt: func(r *http.Request) bool {
				switch r.URL.Path {
				case "/healthz", "/readyz", "/metrics":
					return true // probes and scrapers address the server by IP
				}
				return false
			},
		}),
		pages.Middleware,
		w.kit.SecurityHeaders(conference.UsesMedia),
		w.kit.RefuseInvalidText,
		httpx.LimitBodyFunc(bodyLimit(w.cfg.HTTP)),
		w.kit.CrossOrigin(),
		exceptMetrics(svc.Middleware(w.kit)),
	)
}
