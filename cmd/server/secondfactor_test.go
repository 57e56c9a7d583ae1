package main

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/auth/authtest"
	"github.com/mofa-vn/chancery/internal/config"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// withDefaultPolicy turns the second-factor policy back to its default
// (admin and approver), which testConfig turns off for the other tests.
func withDefaultPolicy(c *config.Config) {
	c.Auth.Require2FARoles = config.Default().Auth.Require2FARoles
}

// enrolThroughPages sets up a second factor through the pages
// (authtest.Enrol).
func (ts *testServer) enrolThroughPages(c *http.Client) ([]byte, []string) {
	ts.t.Helper()
	return authtest.Enrol(ts.t, ts.kit(), c, ts.clock.Now())
}

// TestSecondFactorPolicyRefusesEveryRoute signs in an administrator who has
// no second factor and walks every registered route: until one is set up,
// only the enrolment pages, signing out and static assets answer;
// everything else, pages and API, session and API token alike, refuses.
func TestSecondFactorPolicyRefusesEveryRoute(t *testing.T) {
	clock := storetest.NewClock(storetest.Start)
	db := storetest.OpenWithClock(t, store.BackendSQLite, clock.Now)
	ts := newTestServer(t, db, clock, withDefaultPolicy)
	cat := catalog(t)
	admin := ts.addUser("root", "root's passphrase", account.RoleAdmin, account.RolePressOfficer, account.RoleApprover, account.RoleProtocolOfficer)
	secret, _, err := ts.app.auth.CreateToken(context.Background(), admin, "script", []account.Role{account.RoleAdmin}, clock.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	c := ts.client()
	r := ts.postForm(c, "/signin", url.Values{"username": {"root"}, "password": {"root's passphrase"}, "next": {"/admin/users"}}, nil)
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/account/2fa?next=") {
		t.Fatalf("sign-in: %d to %q, want the enrolment page", r.StatusCode, r.Header.Get("Location"))
	}
	allowed := map[string]bool{"GET /account/2fa": true, "POST /account/2fa": true, "GET /account/2fa/qr.png": true, "POST /account/2fa/confirm": true,
		"POST /account/2fa/passkeys/begin": true, "POST /account/2fa/passkeys/finish": true, "POST /account/2fa/passkeys/remove": true, // a passkey is a second factor too
		"GET /signout": true, "POST /signout": true, "GET /static/{file}": true,
		"GET /lang/{code}": true, // the language switcher: sets a cookie and goes back
		"GET /metrics":     true} // its bearer token is the scraper's, never a user's (TestMetricsToken)
	token := map[string]string{"Authorization": "Bearer " + secret, "Accept": "application/json"}
	for _, pattern := range ts.app.routes {
		if allowed[pattern] {
			continue
		}
		method, path := samplePath(pattern)
		t.Run(pattern, func(t *testing.T) {
			r := ts.send(c, method, path, "application/x-www-form-urlencoded", "", map[string]string{"Accept": "text/html"})
			switch {
			case r.StatusCode == http.StatusForbidden:
				if !containsInSomeLanguage(cat, html.UnescapeString(r.Body), "error_2fa_enrolment_required") {
					t.Errorf("%s %s: the 403 does not say why: %s", method, path, excerpt(r.Body))
				}
			case r.StatusCode == http.StatusSeeOther && strings.HasPrefix(r.Header.Get("Location"), "/account/2fa?next="):
			default:
				t.Errorf("%s %s without a second factor: status %d, Location %q", method, path, r.StatusCode, r.Header.Get("Location"))
			}
			r = ts.send(ts.client(), method, path, "application/json", "{}", token)
			if r.StatusCode != http.StatusForbidden {
				t.Errorf("%s %s with the API token: status %d, want 403", method, path, r.StatusCode)
			}
		})
	}
	// The way out works, and then everything opens again.
	ts.enrolThroughPages(c)
	wantStatus(t, ts.get(c, "/admin/users", nil), http.StatusOK)
	wantStatus(t, ts.get(ts.client(), "/api/v1/users", token), http.StatusOK)
	// A delegate is not bound by the policy.
	ts.addUser("dana", "dana's passphrase", account.RoleDelegate)
	d := ts.signIn("dana", "dana's passphrase")
	r = ts.get(d, "/api/v1/me", map[string]string{"Accept": "application/json"})
	wantStatus(t, r, http.StatusOK)
}
