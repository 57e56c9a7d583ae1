// Package authtest serves an area's routes for its tests with real
// sign-in: the sign-in pages and sessions of internal/auth behind
// production's edge (httpxtest), so that a test signs in through the form
// as a person does, and the area's role checks run on a real session.
//
// Only tests import it. It must not import feature packages but
// internal/auth: each area (portal, conference, events, …) tests its pages
// with it.
package authtest

import (
	"context"
	"encoding/base32"
	"html"
	"image/png"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/auth"
	"github.com/mofa-vn/chancery/internal/auth/totp"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/httpx/httpxtest"
	"github.com/mofa-vn/chancery/internal/store"
)

// Cheap keeps password hashing fast in tests; production parameters are
// tested in auth.
var Cheap = auth.Argon2Params{Memory: 64, Time: 1, Threads: 1}

// Options are the choices of Serve.
type Options struct {
	// Auth may change the sign-in service's parameters (a second-factor
	// policy and its sealer, for example); DB, Now and Argon2 are set.
	Auth func(*auth.Params)
	// UsesMedia, if set, names the paths whose pages may use the camera
	// and microphone (conference.UsesMedia), as production's security
	// headers do.
	UsesMedia func(path string) bool
	// Origin, if set, is told the server's origin before routes are
	// registered (the server listens first, as cmd/server does), for
	// areas that need it (OAuth redirects, links in mail).
	Origin func(origin string)
}

// Site is an area served with real sign-in.
type Site struct {
	*httpxtest.Server
	tb   testing.TB
	DB   *store.DB
	Kit  *httpx.Kit
	Auth *auth.Service
}

// Serve serves the sign-in pages and the routes that routes registers (it
// gets the sign-in service, which areas' constructors may need), next to
// the static assets and the catch-all not-found page, over TLS with
// Secure cookies, behind production's edge and the session middleware.
// kit should be made with SecureCookies (httpxtest.Kit). It stops with
// the test.
func Serve(tb testing.TB, db *store.DB, now func() time.Time, kit *httpx.Kit, routes func(*httpx.Router, *auth.Service), o Options) *Site {
	tb.Helper()
	p := auth.Params{DB: db, Log: slog.New(slog.DiscardHandler), Now: now, Argon2: Cheap}
	if o.Auth != nil {
		o.Auth(&p)
	}
	svc, err := auth.NewService(p)
	if err != nil {
		tb.Fatal(err)
	}
	srv := httpxtest.Listen(tb)
	if o.Origin != nil {
		o.Origin(srv.Origin(true))
	}
	mux := httpx.NewRouter()
	auth.NewHandlers(svc, kit).Routes(mux)
	routes(mux, svc)
	mux.Handle("GET /static/{file}", kit.Assets.Handler(http.HandlerFunc(kit.NotFound)))
	mux.HandleFunc("/", kit.NotFound)
	h := httpx.Chain(mux, kit.Recover, kit.SecurityHeaders(o.UsesMedia), kit.RefuseInvalidText, kit.CrossOrigin(), svc.Middleware(kit))
	srv.Start(h, true)
	return &Site{Server: srv, tb: tb, DB: db, Kit: kit, Auth: svc}
}

// AddUser adds an account with password and roles.
func (s *Site) AddUser(username, password string, roles ...account.Role) account.User {
	s.tb.Helper()
	hash, err := auth.HashPassword(password, Cheap)
	if err != nil {
		s.tb.Fatal(err)
	}
	u, err := s.DB.CreateUser(context.Background(), account.User{Username: username, DisplayName: strings.ToUpper(username), PasswordHash: hash, Roles: roles})
	if err != nil {
		s.tb.Fatalf("add user: %v", err)
	}
	return u
}

// SignIn signs in through the form and returns the signed-in browser.
func (s *Site) SignIn(username, password string) *http.Client {
	s.tb.Helper()
	c := s.Browser()
	res := s.PostForm(c, "/signin", url.Values{"username": {username}, "password": {password}}, nil)
	if res.StatusCode != http.StatusSeeOther {
		s.tb.Fatalf("sign in as %s: status %d", username, res.StatusCode)
	}
	return c
}

// secretRE finds the key shown for typing in on the enrolment page.
var secretRE = regexp.MustCompile(`id="totp-secret">([A-Z2-7]+)<`)

// Enrol sets up a second factor through the pages, as a person
// does: start, scan (the QR image must be a PNG), type the app's code. It
// returns the secret as the app holds it and the recovery codes shown.
func Enrol(tb testing.TB, s *httpxtest.Server, c *http.Client, now time.Time) ([]byte, []string) {
	tb.Helper()
	r := s.PostForm(c, "/account/2fa", url.Values{"next": {"/admin"}}, nil)
	httpxtest.WantStatus(tb, r, http.StatusOK)
	m := secretRE.FindStringSubmatch(r.Body)
	if m == nil {
		tb.Fatalf("no secret on the enrolment page: %s", httpxtest.Excerpt(r.Body))
	}
	if !strings.Contains(html.UnescapeString(r.Body), "otpauth://totp/Chancery:") {
		tb.Fatalf("no otpauth URI on the enrolment page")
	}
	secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(m[1])
	if err != nil {
		tb.Fatal(err)
	}
	img := s.Get(c, "/account/2fa/qr.png", nil)
	httpxtest.WantStatus(tb, img, http.StatusOK)
	if img.Header.Get("Content-Type") != "image/png" || img.Header.Get("Cache-Control") != "no-store" {
		tb.Fatalf("QR image headers %v", img.Header)
	}
	if cfg, err := png.DecodeConfig(strings.NewReader(img.Body)); err != nil || cfg.Width < 200 {
		tb.Fatalf("QR image: %v, %+v", err, cfg)
	}
	r = s.PostForm(c, "/account/2fa/confirm", url.Values{"code": {totp.Code(secret, totp.Step(now))}, "next": {"/admin"}}, nil)
	httpxtest.WantStatus(tb, r, http.StatusOK)
	codes := regexp.MustCompile(`<code class="secret" dir="ltr">([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})</code>`).FindAllStringSubmatch(r.Body, -1)
	if len(codes) != auth.RecoveryCodeCount {
		tb.Fatalf("%d recovery codes shown, want %d", len(codes), auth.RecoveryCodeCount)
	}
	var out []string
	for _, c := range codes {
		out = append(out, c[1])
	}
	return secret, out
}
