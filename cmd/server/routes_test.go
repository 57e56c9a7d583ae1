package main

import (
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// publicRoutes may be used without signing in. Every other route must refuse
// an anonymous request. Adding a route here is a security decision.
var publicRoutes = append([]string{
	"/",                // localised 404
	"GET /{$}",         // language redirect or chooser
	"GET /{lang}/{$}",  // public home
	"GET /{lang}",      // redirect to /{lang}/
	"GET /lang/{code}", // language switcher
	// The portal's public pages (internal/portal).
	"GET /{lang}/{page}", // /{lang}/search and pages plugged in with HandlePage
	"GET /{lang}/news/{slug}", "GET /{lang}/news/{slug}/history", "GET /{lang}/news/{slug}/v/{version}",
	"GET /{lang}/topics/{topic}", "GET /{lang}/countries/{country}",
	"GET /{lang}/events/{file}", // public event pages, their .ics and the events feed (internal/events)
	"GET /media/{file}",
	"GET /static/{file}",
	"GET /signin", "POST /signin",
	"GET /signin/2fa", "POST /signin/2fa", // the second step: the pending sign-in's cookie is checked by the handler
	// Passkeys: the answer to the challenge is the credential; the second
	// step's routes check the pending sign-in's cookie.
	"POST /signin/passkey/begin", "POST /signin/passkey/finish",
	"POST /signin/2fa/passkey/begin", "POST /signin/2fa/passkey/finish",
	// Single sign-on (internal/sso): the callback checks the state
	// against the pre-session cookie of the browser that started it.
	"POST /signin/sso", "GET /signin/sso/callback",
	"GET /signout", "POST /signout", // harmless without a session
	"GET /healthz", "GET /readyz", // GET /metrics wants its bearer token (-metrics-token)
	"GET /{lang}/rooms/{slug}", // conference join page: the signed token in ?t= is checked server-side
	"GET /rooms/signal",        // conference signalling: the first message must carry a valid token
	// Accreditation (internal/events/delegations): reached with a
	// delegation's private registration or focal-point link, whose token
	// is checked server-side before anything else.
	"GET /{lang}/accreditation/{token}", "POST /{lang}/accreditation/{token}",
	"GET /{lang}/accreditation/focal/{token}", "POST /{lang}/accreditation/focal/{token}/registrations/{rid}/{action}",
	"GET /{lang}/accreditation/focal/{token}/registrations/{rid}/credentials",
	// An accredited person's private calendar: its token is a MAC of the
	// registration's ID, checked server-side, and the person must still be
	// accredited.
	"GET /{lang}/accreditation/calendar/{file}",
	// A registrant's own page to correct their registration: its token is
	// a MAC of the registration's ID for that purpose, checked server-side.
	"GET /{lang}/accreditation/mine/{token}", "POST /{lang}/accreditation/mine/{token}",
	// The public observers' view of a public room's speakers' list and vote
	// results, and the result sheets (internal/conference): served only for
	// public rooms (404 otherwise), checked server-side.
	"GET /{lang}/rooms/{slug}/observe", "GET /{lang}/rooms/{slug}/observe.json", "GET /{lang}/rooms/{slug}/votes/{id}",
	"GET /{lang}/rooms/{slug}/votes/{id}/sheet.csv", "GET /{lang}/rooms/{slug}/votes/{id}/sheet.json",
	// Public broadcast (internal/broadcast): WHEP viewing of public
	// sessions needs no sign-in (a closed one answers 403); WHIP ingest
	// authenticates with its bearer token, not a session; a session's
	// resource URL carries a 128-bit random ID, the capability RFC 9725
	// relies on for PATCH and DELETE; the live pages are public portal pages.
	"OPTIONS /whep/{room}", "POST /whep/{room}", "OPTIONS /whep/{room}/{id}", "PATCH /whep/{room}/{id}", "DELETE /whep/{room}/{id}",
	"OPTIONS /whip/{room}", "POST /whip/{room}", "OPTIONS /whip/{room}/{id}", "PATCH /whip/{room}/{id}", "DELETE /whip/{room}/{id}",
	"GET /{lang}/events/{slug}/live", "GET /{lang}/rooms/{slug}/live",
	// The ministry's public signing key (internal/signing).
	"GET /.well-known/chancery-signing-key", "GET /.well-known/chancery-signing-key.json",
	// Feeds and sitemaps (internal/feed).
	"GET /sitemap.xml", "GET /robots.txt",
}, perLanguage(
	"GET /{lang}/verify", "POST /{lang}/verify", "GET /{lang}/verify/{file}", // statement verification
	"GET /{lang}/feed.atom", "GET /{lang}/topics/{slug}/feed.atom", "GET /{lang}/countries/{slug}/feed.atom", "GET /{lang}/sitemap.xml",
)...)

// perLanguage expands routes registered once per language code (a literal
// prefix, because ServeMux refuses /{lang}/x beside /static/{file}).
func perLanguage(patterns ...string) []string {
	var out []string
	for _, p := range patterns {
		for _, l := range lang.All() {
			out = append(out, strings.Replace(p, "{lang}", l.Code, 1))
		}
	}
	return out
}

// samplePath turns a pattern into a request path.
func samplePath(pattern string) (method, path string) {
	method, path, found := strings.Cut(pattern, " ")
	if !found {
		method, path = http.MethodGet, pattern
	}
	r := strings.NewReplacer("{lang}", "en", "{code}", "en", "{id}", "1", "{file}", "app.css", "{$}", "", "{slug}", "asean-digital-2026")
	return method, r.Replace(path)
}

// TestEveryRouteChecksTheSession walks every registered route: public ones
// must be on the list above, all others must refuse anonymous requests, and
// staff routes must refuse a signed-in delegate.
func TestEveryRouteChecksTheSession(t *testing.T) {
	clock := storetest.NewClock(storetest.Start)
	db := storetest.OpenWithClock(t, store.BackendSQLite, clock.Now)
	cfg := testConfig()
	// Single sign-on on, so that its routes are walked too (the provider
	// is asked for nothing before a sign-in starts).
	cfg.OIDC.Issuer, cfg.OIDC.ClientID, cfg.OIDC.ClientSecret = "https://idp.invalid", "chancery", "secret"
	a, srv := buildTLS(t, cfg, db, slog.New(slog.DiscardHandler), io.Discard, buildOptions{now: clock.Now, argon2: cheapArgon}, nil)
	ts := &testServer{Server: srv, db: db, clock: clock, t: t, app: a}
	ts.addUser("delegate", "delegate password", account.RoleDelegate)
	delegate := ts.signIn("delegate", "delegate password")

	for _, p := range publicRoutes {
		if !slices.Contains(a.routes, p) {
			t.Errorf("public route %q is not registered: remove it from the list", p)
		}
	}
	if len(a.routes) < len(publicRoutes)+10 {
		t.Fatalf("only %d routes recorded: %v", len(a.routes), a.routes)
	}
	for _, pattern := range a.routes {
		if slices.Contains(publicRoutes, pattern) {
			continue
		}
		method, path := samplePath(pattern)
		t.Run(pattern, func(t *testing.T) {
			for _, accept := range []string{"text/html", "application/json"} {
				r := ts.send(ts.client(), method, path, "application/x-www-form-urlencoded", "", map[string]string{"Accept": accept})
				switch {
				case r.StatusCode == http.StatusUnauthorized:
				case r.StatusCode == http.StatusSeeOther && strings.HasPrefix(r.Header.Get("Location"), "/signin?next="):
				default:
					t.Errorf("anonymous %s %s (Accept %s): status %d, Location %q", method, path, accept, r.StatusCode, r.Header.Get("Location"))
				}
			}
			if strings.HasPrefix(path, "/admin") || strings.HasPrefix(path, "/api/v1/users") || strings.HasPrefix(path, "/press") || strings.HasPrefix(path, "/api/v1/publishing") {
				r := ts.send(delegate, method, path, "application/x-www-form-urlencoded", "", nil)
				if r.StatusCode != http.StatusForbidden {
					t.Errorf("delegate %s %s: status %d, want 403", method, path, r.StatusCode)
				}
			}
		})
	}
}
