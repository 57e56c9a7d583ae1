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
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/auth"
	"github.com/mofa-vn/chancery/internal/config"
	"github.com/mofa-vn/chancery/internal/demo"
	"github.com/mofa-vn/chancery/internal/events/delegations"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/ops"
	"github.com/mofa-vn/chancery/internal/secrets"
	"github.com/mofa-vn/chancery/internal/signing"
	"github.com/mofa-vn/chancery/internal/store"
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
	// Listen before building, so that the public origin is known once,
	// before anything uses it: the configured public URL, or else the
	// address the server answers on (whose port ":0" only the listener
	// knows).
	ln, debugLn, err := listen(cfg)
	if err != nil {
		return err
	}
	scheme := "http"
	if cfg.HTTP.TLSCert != "" {
		scheme = "https"
	}
	listenURL := scheme + "://" + displayAddr(ln.Addr().String())
	app, err := build(ctx, cfg, orDefault(cfg.Web.PublicURL, listenURL), db, log, stdout, buildOptions{signingKey: key, box: box, checkpoint: checkpoints.Kick})
	if err != nil {
		ln.Close()
		if debugLn != nil {
			debugLn.Close()
		}
		return err
	}
	if app.stopDemo != nil {
		defer app.stopDemo()
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
	wg.Go(func() { app.notify.Run(bg) })
	wg.Go(func() { app.publishing.RunEngagement(bg) })

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

	errc := make(chan error, 1)
	go func() {
		if cfg.HTTP.TLSCert != "" {
			errc <- srv.ServeTLS(httpx.CorkListener(ln), cfg.HTTP.TLSCert, cfg.HTTP.TLSKey)
		} else {
			errc <- srv.Serve(httpx.CorkListener(ln))
		}
	}()
	log.Info("serving", "url", listenURL)
	if cfg.Demo {
		// Printed only now, so that the URLs carry the real port of ":0".
		printDemo(stdout, scheme, ln.Addr().String(), app.demo)
		printDemoNetworks(stdout, app.demoNets)
		if err := printDemoBooths(ctx, stdout, db, app.sfu.Signer(), scheme+"://"+displayAddr(ln.Addr().String())); err != nil {
			log.Warn("demo booths", "err", err)
		}
		fmt.Fprintf(stdout, "Public live session (test signal): %s://%s/en/events/%s/live\n\n", scheme, displayAddr(ln.Addr().String()), demoEventSlug)
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

// listen opens the server's listener and, when configured, the debug
// listener. The debug one opens here too, rather than in its goroutine,
// so that a taken address stops the start instead of leaving pprof off
// after one log line, and so that the log shows the real port of ":0".
func listen(cfg config.Config) (ln, debugLn net.Listener, err error) {
	if ln, err = net.Listen("tcp", cfg.HTTP.Addr); err != nil {
		return nil, nil, fmt.Errorf("listen on %s: %w", cfg.HTTP.Addr, err)
	}
	if cfg.DebugAddr != "" {
		if debugLn, err = net.Listen("tcp", cfg.DebugAddr); err != nil {
			ln.Close()
			return nil, nil, fmt.Errorf("listen on debug address %s: %w", cfg.DebugAddr, err)
		}
	}
	return ln, debugLn, nil
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
