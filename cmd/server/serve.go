package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
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
	"github.com/mofa-vn/chancery/internal/feed"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/mail"
	"github.com/mofa-vn/chancery/internal/ops"
	"github.com/mofa-vn/chancery/internal/pagecache"
	"github.com/mofa-vn/chancery/internal/portal"
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

// serve runs the server until ctx ends. ready, if set, receives the address
// the server listens on once it accepts connections.
func serve(ctx context.Context, args, environ []string, stdout, stderr io.Writer, ready func(addr string)) error {
	cfg, err := config.Load(args, environ, stderr)
	if err != nil {
		return usageError{err}
	}
	log := newLogger(cfg.Log.Format, cfg.Log.Level, stderr)

	db, err := store.Open(ctx, store.Options{DatabaseURL: cfg.Storage.DatabaseURL, DataDir: cfg.Storage.DataDir, Logger: log.With("component", "store")})
	if err != nil {
		return err
	}
	defer db.Close()
	log.Info("storage ready", "backend", db.Backend())

	key, err := loadSigningKey(cfg, log)
	if err != nil {
		return err
	}
	box, err := openSecrets(cfg)
	if err != nil {
		return err
	}
	checkpoints, err := newCheckpointer(cfg, db, key, log, time.Now)
	if err != nil {
		return err
	}
	defer checkpoints.Close()
	app, err := build(ctx, cfg, db, log, stdout, buildOptions{signingKey: key, box: box, checkpoint: checkpoints.Kick})
	if err != nil {
		return err
	}
	if app.stopDemo != nil {
		defer app.stopDemo()
	}

	ln, err := net.Listen("tcp", cfg.HTTP.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.HTTP.Addr, err)
	}
	// The debug listener opens here too, rather than in its goroutine, so
	// that a taken address stops the start instead of leaving pprof off
	// after one log line, and so that the log shows the real port of ":0".
	var debugLn net.Listener
	if cfg.DebugAddr != "" {
		if debugLn, err = net.Listen("tcp", cfg.DebugAddr); err != nil {
			ln.Close()
			return fmt.Errorf("listen on debug address %s: %w", cfg.DebugAddr, err)
		}
	}
	srv := &http.Server{
		Handler:           app.handler,
		ReadHeaderTimeout: cfg.HTTP.ReadHeaderTimeout,
		ReadTimeout:       cfg.HTTP.ReadTimeout,
		WriteTimeout:      cfg.HTTP.WriteTimeout,
		IdleTimeout:       cfg.HTTP.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ConnContext:       httpx.CorkContext,
		ErrorLog:          slog.NewLogLogger(log.With("component", "http").Handler(), slog.LevelWarn),
	}

	bg, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() { app.auth.Cleanup(bg, 10*time.Minute) })
	wg.Go(func() { app.publishing.Run(bg) })
	// The checkpoints stop after the scheduler, so that the last one
	// covers whatever it finished on the way out.
	cpCtx, stopCP := context.WithCancel(context.WithoutCancel(ctx))
	cpDone := make(chan struct{})
	go func() {
		defer close(cpDone)
		checkpoints.Run(cpCtx)
	}()
	stopCheckpoints := func() { stopCP(); <-cpDone }
	if app.watcher != nil {
		wg.Go(func() { _ = app.watcher.Run(bg) })
	}
	if app.mailRelay != nil {
		wg.Go(func() { app.mailRelay.Run(bg) })
	}

	var debug *http.Server
	if debugLn != nil {
		// WriteTimeout leaves room for a 60-second CPU profile or trace.
		debug = &http.Server{Handler: httpx.LimitBody(1 << 10)(ops.DebugMux(app.metrics)),
			ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 2 * time.Minute, IdleTimeout: time.Minute}
		wg.Go(func() {
			if err := debug.Serve(debugLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("debug listener", "err", err)
			}
		})
		log.Info("pprof listening", "addr", debugLn.Addr().String())
	}

	scheme := "http"
	if cfg.HTTP.TLSCert != "" {
		scheme = "https"
	}
	if cfg.Web.PublicURL == "" {
		// Known before the first request: the server answers only its
		// origin's host (httpx.Hosts).
		app.setPublicURL(scheme + "://" + displayAddr(ln.Addr().String()))
	}
	errc := make(chan error, 1)
	go func() {
		if cfg.HTTP.TLSCert != "" {
			errc <- srv.ServeTLS(httpx.CorkListener(ln), cfg.HTTP.TLSCert, cfg.HTTP.TLSKey)
		} else {
			errc <- srv.Serve(httpx.CorkListener(ln))
		}
	}()
	log.Info("serving", "url", scheme+"://"+displayAddr(ln.Addr().String()))
	if cfg.Demo {
		// Printed only now, so that the URLs carry the real port of ":0".
		printDemo(stdout, scheme, ln.Addr().String(), app.demo)
		printDemoNetworks(stdout, app.demoNets)
	}
	if cfg.Web.PublicURL == "" {
		// Statements published before signing was wired (the demo's) are
		// signed with the address the server answers on.
		if err := app.portal.signAll(ctx, scheme+"://"+displayAddr(ln.Addr().String())); err != nil {
			log.Error("sign published statements", "err", err)
		}
	}
	if ready != nil {
		ready(ln.Addr().String())
	}

	// A fresh install's administrator is created while the server already
	// answers: hashing its password is most of a start's time. Until it
	// exists, nobody can sign in, which is all anyone could do with it.
	if err := bootstrapAdmin(ctx, db, app.auth, stdout); err != nil && ctx.Err() == nil {
		_ = srv.Close()
		if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("serve", "err", err)
		}
		if debug != nil {
			_ = debug.Close()
		}
		_ = app.sfu.Close()
		stopBG()
		wg.Wait()
		stopCheckpoints()
		return fmt.Errorf("first administrator: %w", err)
	}

	select {
	case err := <-errc:
		if debug != nil {
			_ = debug.Close() // else wg.Wait never returns
		}
		_ = app.sfu.Close()
		stopBG()
		wg.Wait()
		stopCheckpoints()
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}

	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.HTTP.ShutdownTimeout)
	defer cancel()
	err = srv.Shutdown(sctx) // stop accepting, drain in-flight requests
	if err != nil {
		// Connections still busy past the timeout are closed so the process
		// can exit; their handlers then fail against the closed database.
		_ = srv.Close()
	}
	if debug != nil {
		if debug.Shutdown(sctx) != nil {
			_ = debug.Close()
		}
	}
	_ = app.sfu.Close() // says goodbye to every participant, closes media sockets
	stopBG()
	wg.Wait()
	stopCheckpoints()
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil // db closes in the deferred call, after everything that uses it
}

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
	pages      *pagecache.Cache    // rendered public pages; Purge after every publish
	publishing *publishing.Service // the press office: statements, scheduler, pause, recall, audit
	portal     *portalWiring       // signs statements and purges pages on publish
	connectors *connectors         // each channel's social.Publisher
	watcher    *watch.Watcher      // out-of-band post detection; nil when off
	// delegations is the accreditation of events' delegations (delegations.go);
	// mailRelay sends its outbox, nil without -smtp-url.
	delegations *delegations.Service
	mailRelay   *mail.Relay
	// demoNets are the fake networks -demo runs; stopDemo stops them.
	demoNets  []demoNetwork
	stopDemo  func()
	publicURL atomic.Pointer[string]
}

// setPublicURL sets the origin the portal publisher's links start with,
// when the configuration leaves it to the listen address.
func (a *app) setPublicURL(u string) { a.publicURL.Store(&u) }

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
}

// build assembles every component and the handler chain.
func build(ctx context.Context, cfg config.Config, db *store.DB, log *slog.Logger, stdout io.Writer, o buildOptions) (*app, error) {
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
		SecureCookies: !cfg.Auth.InsecureCookies, TrustProxy: cfg.HTTP.TrustProxy,
	})
	if err != nil {
		return nil, err
	}
	assets.NotFound = http.HandlerFunc(kit.NotFound)
	kit.StaffNav = staffNav()
	box := o.box
	if box == nil {
		if box, err = secrets.NewBox(randomKey()); err != nil {
			return nil, err
		}
	}
	var secondFactorRoles []account.Role
	for _, r := range cfg.Auth.SecondFactorRoles() {
		secondFactorRoles = append(secondFactorRoles, account.Role(r)) // checked by config.Validate
	}
	a := &app{}
	a.setPublicURL(orDefault(cfg.Web.PublicURL, "http://"+displayAddr(cfg.HTTP.Addr)))
	svc, err := auth.NewService(auth.Params{DB: db, Log: log.With("component", "auth"), Now: o.now, Argon2: o.argon2, SessionTTL: cfg.Auth.SessionTTL,
		Sealer: box, SecondFactorRoles: secondFactorRoles,
		// Passkeys are bound to the origin browsers see: the WebAuthn
		// relying party ID is its host.
		PublicURL: func() string { return *a.publicURL.Load() }})
	if err != nil {
		return nil, err
	}
	var signIns []demo.SignIn
	if cfg.Demo {
		// The demo's accounts would make the install look set up: the
		// administrator comes first. Otherwise serve creates it once it
		// answers (its password's hash takes a good part of a second).
		if err := bootstrapAdmin(ctx, db, svc, stdout); err != nil {
			return nil, err
		}
		if signIns, err = demo.Load(ctx, db, svc); err != nil {
			return nil, err
		}
	}

	key := o.signingKey
	if key == nil {
		if key, err = signing.GenerateKey(); err != nil {
			return nil, err
		}
	}
	rtc, err := newSFU(ctx, cfg, db, box, log, o.now)
	if err != nil {
		return nil, err
	}

	reg := prometheus.NewRegistry()
	registerSFUMetrics(reg, rtc)
	metrics := httpx.NewMetrics(reg)
	mux := httpx.NewRouter()
	opsHandlers := ops.New(db, reg)
	opsHandlers.Routes(mux, cfg.Metrics.Token)
	zone, err := time.LoadLocation(cfg.Web.TimeZone) // checked by config.Validate
	if err != nil {
		return nil, err
	}
	// Publishing signs statements and purges the page cache (portal.go).
	wiring := &portalWiring{db: db, log: log.With("component", "portal"), publicURL: strings.TrimSuffix(cfg.Web.PublicURL, "/")}
	site, err := portal.New(ctx, portal.Params{DB: db, Kit: kit, Log: log.With("component", "portal"), Location: zone,
		OnChange: wiring.changed, VerifyLink: signing.VerifyLink})
	if err != nil {
		return nil, err
	}
	site.Routes(mux)
	auth.NewHandlers(svc, kit).Routes(mux)
	admin.New(db, svc, kit).Routes(mux)
	// The public key, the verify page, feeds, sitemaps and robots.txt.
	statements := signing.NewRegistry(db, key)
	wiring.statements = statements
	signing.NewHandlers(signing.Params{Kit: kit, Public: key.Public(), Statements: statements}).Routes(mux)
	feed.NewHandlers(feed.Params{Kit: kit, Source: site, Disallow: feed.DefaultDisallow}).Routes(mux)
	a.connectors = &connectors{db: db, box: box, portal: site, apps: apps(cfg.Connect), now: o.now,
		publicURL: func() string { return *a.publicURL.Load() }}
	// Loopback, private and special-purpose addresses are reached only
	// at the servers the operator allows.
	if err := a.connectors.allowAPIs(cfg.Publish.ExtraAPIList()...); err != nil {
		return nil, err
	}
	resolve := o.resolve
	if resolve == nil {
		resolve = publisherResolver(a.connectors)
	}
	// The demo's fake networks run first: channels may use their addresses.
	var demoAPIs []string
	if cfg.Demo {
		if a.demoNets, a.stopDemo, err = startDemoNetworks(ctx, db, a.connectors); err != nil {
			return nil, err
		}
		for _, n := range a.demoNets {
			demoAPIs = append(demoAPIs, n.URL)
		}
	}
	pub, err := newPublishing(cfg, db, o, resolve, log, instanceName(), demoAPIs...)
	if err != nil {
		return nil, err
	}
	a.connectors.apiAllowed = pub.APIAllowed
	if cfg.Watch.Interval > 0 {
		if a.watcher, err = newWatcher(cfg, db, resolve, log, o); err != nil {
			return nil, err
		}
	}
	kit.Banners = banners(press.Banners(pub, cat), connect.Banners(db, cat))
	press.New(db, pub, resolve, kit).Routes(mux)
	conference.New(conference.Params{SFU: rtc, DB: db, Kit: kit, TTL: cfg.Conference.TokenTTL, PublicURL: cfg.Web.PublicURL, Now: o.now}).Routes(mux)
	// After the demo, which may set the OAuth apps of its fake networks.
	connect.New(connect.Params{DB: db, Kit: kit, Credentials: a.connectors.credentials, Build: a.connectors.build, Changed: a.connectors.forget,
		PublicURL: func() string { return *a.publicURL.Load() }, Now: o.now, APIAllowed: pub.APIAllowed,
		Networks: networks, Apps: a.connectors.apps, HTTP: a.connectors.client(),
	}).Routes(mux)
	if err := wireDelegations(ctx, a, cfg, db, kit, mux, log, o.now); err != nil {
		return nil, err
	}
	mux.Handle("GET /static/{file}", assets)
	mux.HandleFunc("/", kit.NotFound)

	// The page cache answers anonymous requests for public pages (see
	// isCachedPage); a request with a session cookie or a token goes
	// around it.
	pages := pagecache.New(pagecache.Params{
		Generations: pagecache.NewGeneration(db, time.Second, o.now),
		Cacheable:   isCachedPage, CSP: httpx.StaticCSP, Now: o.now, Log: log.With("component", "pagecache"),
		Private: func(r *http.Request) bool {
			if r.Header.Get("Authorization") != "" {
				return true
			}
			_, err := r.Cookie(auth.CookieName(kit.SecureCookies))
			return err == nil
		},
	})
	for name, help := range map[string]string{
		"hits": "Public pages answered from the page cache.", "misses": "Public pages rendered and stored in the page cache.",
		"bypasses": "Requests that went around the page cache (signed in, not GET, not a cached page).",
	} {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "chancery_pagecache_" + name + "_total", Help: help},
			func() float64 { return float64(pages.Count(name)) }))
	}

	wiring.pages = pages
	if wiring.publicURL != "" {
		// Without a public URL, serve signs once it knows its address.
		if err := wiring.signAll(ctx, ""); err != nil {
			return nil, fmt.Errorf("sign published statements: %w", err)
		}
	}

	// The page cache sits above the security headers, CSRF check and
	// session lookup, so that a hit skips them: it stores the headers they
	// set with the page (its CSP is the static one), and it goes around
	// every request that carries a session cookie or a token.
	h := httpx.Chain(httpx.RecordPattern(mux),
		metrics.Middleware,
		kit.Recover,
		kit.RequireHost(httpx.Hosts{
			Origin: func() string { return *a.publicURL.Load() },
			Local:  cfg.Web.PublicURL == "", Addrs: interfaceAddrs(),
			Exempt: func(r *http.Request) bool {
				switch r.URL.Path {
				case "/healthz", "/readyz", "/metrics":
					return true // probes and scrapers address the server by IP
				}
				return false
			},
		}),
		pages.Middleware,
		kit.SecurityHeaders(isConferencePath),
		kit.RefuseInvalidText,
		httpx.LimitBodyFunc(bodyLimit(cfg.HTTP)),
		kit.CrossOrigin(),
		exceptMetrics(svc.Middleware(kit)),
	)
	a.handler, a.routes, a.auth, a.demo, a.signing, a.statements, a.pages, a.publishing = h, mux.Patterns(), svc, signIns, key, statements, pages, pub
	a.sfu, a.portal, a.metrics = rtc, wiring, opsHandlers.Metrics()
	return a, nil
}

// exceptMetrics runs mw for every request but GET /metrics, whose bearer
// token is the scraper's (-metrics-token, checked by ops), not an API
// token of a user for the session middleware to look up.
func exceptMetrics(mw func(http.Handler) http.Handler) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		withMW := mw(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/metrics" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
				next.ServeHTTP(w, r)
				return
			}
			withMW.ServeHTTP(w, r)
		})
	}
}

// loadSigningKey loads the ministry's statement-signing key. The embedded
// setup makes one on first start in its data directory. With PostgreSQL the
// key file must be configured: instances sharing a database must sign with
// the same key, and a key made in one instance's directory would not be.
func loadSigningKey(cfg config.Config, log *slog.Logger) (*signing.Key, error) {
	if cfg.Signing.KeyFile != "" {
		return signing.LoadKey(cfg.Signing.KeyFile)
	}
	if cfg.Storage.DatabaseURL != "" {
		return nil, errors.New("signing: with PostgreSQL, set -signing-key (CHANCERY_SIGNING_KEY) to the ministry's key file, the same on every instance; make one with `openssl genpkey -algorithm ed25519 -out signing-key.pem && chmod 600 signing-key.pem`")
	}
	path := filepath.Join(cfg.Storage.DataDir, "signing-key.pem")
	key, created, err := signing.LoadOrCreateKey(path)
	if err != nil {
		return nil, err
	}
	if created {
		log.Info("generated the statement-signing key", "file", path, "key_id", signing.KeyID(key.Public()))
	}
	return key, nil
}

// banners joins the notices of several areas for httpx.Kit.Banners.
func banners(fs ...func(ctx context.Context, code string) []string) func(ctx context.Context, code string) []string {
	return func(ctx context.Context, code string) []string {
		var out []string
		for _, f := range fs {
			out = append(out, f(ctx, code)...)
		}
		return out
	}
}

// openSecrets opens the key that seals channel credentials. The embedded
// setup makes one on first start in its data directory. With PostgreSQL the
// key must be configured: every instance must open what the others sealed.
func openSecrets(cfg config.Config) (*secrets.Box, error) {
	path, generate := cfg.Secrets.KeyFilePath(cfg.Storage)
	if cfg.Secrets.Key == "" && path == "" {
		return nil, errors.New("secrets: with PostgreSQL, set CHANCERY_SECRET_KEY (or -secret-key-file) to the key that encrypts channel credentials, the same on every instance; make one with `head -c 32 /dev/urandom | base64`")
	}
	box, err := secrets.Open(secrets.Config{Key: cfg.Secrets.Key, KeyFile: path, Generate: generate, Previous: cfg.Secrets.PreviousKeys()})
	if err != nil {
		return nil, fmt.Errorf("open the credentials key: %w", err)
	}
	return box, nil
}

// randomKey is a fresh credentials key, for builds given none (tests).
func randomKey() []byte {
	k := make([]byte, secrets.KeySize)
	_, _ = rand.Read(k) // crypto/rand.Read never fails
	return k
}

// isConferencePath reports the pages that may use camera, microphone and
// screen capture: the conference rooms.
func isConferencePath(p string) bool {
	_, rest, _ := strings.Cut(strings.TrimPrefix(p, "/"), "/")
	return strings.HasPrefix(rest, "rooms/")
}

// bootstrapAdmin creates the first administrator on a fresh install and
// prints its one-time password; it must be changed at first sign-in.
func bootstrapAdmin(ctx context.Context, db *store.DB, svc *auth.Service, stdout io.Writer) error {
	n, err := db.CountUsers(ctx)
	if err != nil || n > 0 {
		return err
	}
	pw := auth.GeneratePassword()
	hash, err := svc.HashPassword(pw)
	if err != nil {
		return err
	}
	u, err := db.CreateUser(ctx, account.User{Username: "admin", DisplayName: "Administrator", PasswordHash: hash, Roles: []account.Role{account.RoleAdmin}})
	if errors.Is(err, store.ErrConflict) {
		// Another instance on the same PostgreSQL database counted no users
		// at the same moment and created the administrator first; the
		// password to use is the one that instance printed.
		return nil
	}
	if err != nil {
		return err
	}
	if err := db.SetSetting(ctx, auth.PasswordKey(u.ID), "1"); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nFirst start: sign in as %q with the one-time password\n\n    %s\n\nYou will be asked to choose a new one. This password is not shown again.\n\n", "admin", pw)
	return nil
}

func printDemo(w io.Writer, scheme, addr string, ss []demo.SignIn) {
	base := scheme + "://" + displayAddr(addr)
	fmt.Fprintf(w, "\nDemo loaded. Open %s/ and sign in at %s/signin as:\n\n", base, base)
	for _, s := range ss {
		fmt.Fprintf(w, "    %-18s %-28s %s\n", s.Username, s.Password, s.Roles[0])
	}
	fmt.Fprintln(w)
}

// displayAddr turns a listen address into one a browser can open.
func displayAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if host == "" || host == "::" || host == "0.0.0.0" {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// interfaceAddrs lists this machine's addresses, which reach a server that
// listens on all of them.
func interfaceAddrs() []net.IP {
	addrs, _ := net.InterfaceAddrs() // none known: only the names of the origin pass
	var ips []net.IP
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			ips = append(ips, n.IP)
		}
	}
	return ips
}

// bodyLimit is the body limit of each request: staff forms that upload
// images (multipart, under /press/ and /admin/, which refuse anyone but staff
// before reading a byte) get MaxUploadBytes, everything else MaxBodyBytes.
func bodyLimit(h config.HTTP) func(*http.Request) int64 {
	return func(r *http.Request) int64 {
		if r.Method == http.MethodPost && delegations.UploadPath(r.URL.Path) {
			return delegations.FormLimit // the registration form's files; its link is checked before the body is read
		}
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") &&
			(strings.HasPrefix(r.URL.Path, "/press/") || strings.HasPrefix(r.URL.Path, "/admin/")) {
			return h.MaxUploadBytes
		}
		return h.MaxBodyBytes
	}
}
