package main

import (
	"bytes"
	"context"
	"encoding/base32"
	"fmt"
	"html"
	"image/png"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/auth"
	"github.com/mofa-vn/chancery/internal/auth/totp"
	"github.com/mofa-vn/chancery/internal/config"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// withDefaultPolicy turns the second-factor policy back to its default
// (admin and approver), which testConfig turns off for the other tests.
func withDefaultPolicy(c *config.Config) {
	c.Auth.Require2FARoles = config.Default().Auth.Require2FARoles
}

// wantMessage checks that a page shows a message, whatever HTML escaping
// its apostrophes and quotes got.
func wantMessage(t *testing.T, r response, msg string) {
	t.Helper()
	if !strings.Contains(html.UnescapeString(r.Body), msg) {
		t.Fatalf("page lacks %q; body: %s", msg, excerpt(r.Body))
	}
}

var secretRE = regexp.MustCompile(`id="totp-secret">([A-Z2-7]+)<`)

// enrolThroughPages sets up a second factor through the pages, as a person
// does: start, scan (the QR image must be a PNG), type the app's code. It
// returns the secret as the app holds it and the recovery codes shown.
func (ts *testServer) enrolThroughPages(c *http.Client) ([]byte, []string) {
	ts.t.Helper()
	r := ts.postForm(c, "/account/2fa", url.Values{"next": {"/admin"}}, nil)
	wantStatus(ts.t, r, http.StatusOK)
	m := secretRE.FindStringSubmatch(r.Body)
	if m == nil {
		ts.t.Fatalf("no secret on the enrolment page: %s", excerpt(r.Body))
	}
	if !strings.Contains(html.UnescapeString(r.Body), "otpauth://totp/Chancery:") {
		ts.t.Fatalf("no otpauth URI on the enrolment page")
	}
	secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(m[1])
	if err != nil {
		ts.t.Fatal(err)
	}
	img := ts.get(c, "/account/2fa/qr.png", nil)
	wantStatus(ts.t, img, http.StatusOK)
	if img.Header.Get("Content-Type") != "image/png" || img.Header.Get("Cache-Control") != "no-store" {
		ts.t.Fatalf("QR image headers %v", img.Header)
	}
	if cfg, err := png.DecodeConfig(strings.NewReader(img.Body)); err != nil || cfg.Width < 200 {
		ts.t.Fatalf("QR image: %v, %+v", err, cfg)
	}
	r = ts.postForm(c, "/account/2fa/confirm", url.Values{"code": {totp.Code(secret, totp.Step(ts.clock.Now()))}, "next": {"/admin"}}, nil)
	wantStatus(ts.t, r, http.StatusOK)
	codes := regexp.MustCompile(`<code class="secret" dir="ltr">([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})</code>`).FindAllStringSubmatch(r.Body, -1)
	if len(codes) != auth.RecoveryCodeCount {
		ts.t.Fatalf("%d recovery codes shown, want %d", len(codes), auth.RecoveryCodeCount)
	}
	var out []string
	for _, c := range codes {
		out = append(out, c[1])
	}
	return secret, out
}

// signIn2FA signs in with the password and the app's code, a step later
// than the last code used.
func (ts *testServer) signIn2FA(username, password string, secret []byte) *http.Client {
	ts.t.Helper()
	ts.clock.Advance(totp.Period)
	c := ts.client()
	r := ts.postForm(c, "/signin", url.Values{"username": {username}, "password": {password}}, nil)
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/signin/2fa") {
		ts.t.Fatalf("sign in as %s: status %d, Location %q", username, r.StatusCode, r.Header.Get("Location"))
	}
	r = ts.postForm(c, "/signin/2fa", url.Values{"code": {totp.Code(secret, totp.Step(ts.clock.Now()))}}, nil)
	if r.StatusCode != http.StatusSeeOther {
		ts.t.Fatalf("second step as %s: status %d: %s", username, r.StatusCode, excerpt(r.Body))
	}
	return c
}

func auditActions(t *testing.T, db *store.DB) string {
	t.Helper()
	entries, err := db.ListAudit(context.Background(), store.AuditFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range entries {
		fmt.Fprintf(&b, "%s %s %s\n", e.Actor, e.Action, e.Payload)
	}
	return b.String()
}

// TestSecondFactorSignIn goes through the real handler on both backends as
// an approver would: sent to enrol at the first sign-in, enrolment with the
// QR code, then every later sign-in in two steps, where a replayed code,
// another account's code and a half-signed-in browser are refused in the
// reader's language; then the sessions page.
func TestSecondFactorSignIn(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ts := newTestServer(t, db, clock, withDefaultPolicy)
		cat := catalog(t)
		fr := map[string]string{"Accept-Language": "fr"}
		ts.addUser("ana", "ana's passphrase", account.RoleApprover)
		ts.addUser("bob", "bob's passphrase", account.RoleAdmin)

		// First sign-in: straight to the enrolment, nothing else opens.
		first := ts.client()
		r := ts.postForm(first, "/signin", url.Values{"username": {"ana"}, "password": {"ana's passphrase"}, "next": {"/press"}}, nil)
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/account/2fa?next=%2Fpress" {
			t.Fatalf("first sign-in: %d to %q", r.StatusCode, r.Header.Get("Location"))
		}
		r = ts.get(first, "/account/2fa", fr)
		wantStatus(t, r, http.StatusOK)
		wantMessage(t, r, cat.T("fr", "twofa_required"))
		if r := ts.get(first, "/press", nil); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/account/2fa?next=") {
			t.Fatalf("before enrolling, /press: %d %q", r.StatusCode, r.Header.Get("Location"))
		}
		// A wrong first code is refused in the reader's language.
		wantStatus(t, ts.postForm(first, "/account/2fa", nil, nil), http.StatusOK)
		r = ts.postForm(first, "/account/2fa/confirm", url.Values{"code": {"000000"}}, fr)
		wantStatus(t, r, http.StatusBadRequest)
		wantMessage(t, r, cat.T("fr", "twofa_error_confirm"))
		secret, recovery := ts.enrolThroughPages(first)
		confirmStep := totp.Step(clock.Now())
		wantStatus(t, ts.get(first, "/press", nil), http.StatusOK)
		// Shown once: the page no longer lists them.
		r = ts.get(first, "/account/2fa", nil)
		if strings.Contains(r.Body, recovery[0]) {
			t.Fatal("the recovery codes are shown again")
		}

		// The next sign-in takes two steps; the half-signed-in browser can
		// do nothing else.
		c := ts.client()
		r = ts.postForm(c, "/signin", url.Values{"username": {"ana"}, "password": {"ana's passphrase"}, "next": {"/press"}}, nil)
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/signin/2fa?next=%2Fpress" {
			t.Fatalf("sign-in with a second factor: %d to %q", r.StatusCode, r.Header.Get("Location"))
		}
		for _, p := range []string{"/press", "/admin", "/account/2fa", "/account/sessions"} {
			if r := ts.get(c, p, nil); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/signin?next=") {
				t.Fatalf("half-signed-in GET %s: %d %q", p, r.StatusCode, r.Header.Get("Location"))
			}
		}
		if r := ts.send(c, "GET", "/api/v1/me", "", "", map[string]string{"Accept": "application/json"}); r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("half-signed-in API: %d", r.StatusCode)
		}
		wantStatus(t, ts.get(c, "/signin/2fa?next=/press", fr), http.StatusOK)
		// The code that confirmed the enrolment, again: a replay.
		r = ts.postForm(c, "/signin/2fa", url.Values{"code": {totp.Code(secret, confirmStep)}, "next": {"/press"}}, fr)
		wantStatus(t, r, http.StatusUnauthorized)
		wantMessage(t, r, cat.T("fr", "twofa_error_reused"))
		// Another account's code.
		bob := ts.client()
		r = ts.postForm(bob, "/signin", url.Values{"username": {"bob"}, "password": {"bob's passphrase"}}, nil)
		wantStatus(t, r, http.StatusSeeOther)
		bobSecret, _ := ts.enrolThroughPages(bob)
		clock.Advance(totp.Period)
		r = ts.postForm(c, "/signin/2fa", url.Values{"code": {totp.Code(bobSecret, totp.Step(clock.Now()))}, "next": {"/press"}}, fr)
		wantStatus(t, r, http.StatusUnauthorized)
		wantMessage(t, r, cat.T("fr", "twofa_error_code"))
		// Hostile input: too long, empty, not text.
		r = ts.postForm(c, "/signin/2fa", url.Values{"code": {strings.Repeat("9", 100)}}, fr)
		wantStatus(t, r, http.StatusBadRequest)
		wantMessage(t, r, cat.T("fr", "twofa_error_missing"))
		// The right code, a step early (the phone's clock runs ahead).
		r = ts.postForm(c, "/signin/2fa", url.Values{"code": {totp.Code(secret, totp.Step(clock.Now())+1)}, "next": {"/press"}}, fr)
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/press" {
			t.Fatalf("the right code: %d to %q: %s", r.StatusCode, r.Header.Get("Location"), excerpt(r.Body))
		}
		wantStatus(t, ts.get(c, "/press", nil), http.StatusOK)
		// Finishing the same pending sign-in again sends back to the password.
		r = ts.postForm(c, "/signin/2fa", url.Values{"code": {totp.Code(secret, totp.Step(clock.Now()))}}, fr)
		wantStatus(t, r, http.StatusUnauthorized)
		wantMessage(t, r, cat.T("fr", "twofa_error_expired"))

		// A recovery code, once.
		rc := ts.client()
		wantStatus(t, ts.postForm(rc, "/signin", url.Values{"username": {"ana"}, "password": {"ana's passphrase"}}, nil), http.StatusSeeOther)
		wantStatus(t, ts.postForm(rc, "/signin/2fa", url.Values{"code": {recovery[3]}}, nil), http.StatusSeeOther)
		again := ts.client()
		wantStatus(t, ts.postForm(again, "/signin", url.Values{"username": {"ana"}, "password": {"ana's passphrase"}}, nil), http.StatusSeeOther)
		wantStatus(t, ts.postForm(again, "/signin/2fa", url.Values{"code": {recovery[3]}}, nil), http.StatusUnauthorized)

		// Sessions: first, c and rc are signed in; c ends the others.
		r = ts.get(c, "/account/sessions", fr)
		wantStatus(t, r, http.StatusOK)
		if n := strings.Count(r.Body, `name="session"`); n != 2 {
			t.Fatalf("%d sessions offered to end, want 2 (three open, this one excluded)", n)
		}
		wantMessage(t, r, cat.T("fr", "sessions_this_one"))
		handle := regexp.MustCompile(`name="session" value="([0-9a-f]+)"`).FindStringSubmatch(r.Body)[1]
		// bob cannot end ana's session: handles are looked up among his own.
		wantStatus(t, ts.postForm(bob, "/account/sessions/end", url.Values{"session": {handle}}, fr), http.StatusNotFound)
		r = ts.postForm(c, "/account/sessions/end", url.Values{"session": {handle}}, fr)
		wantStatus(t, r, http.StatusOK)
		wantMessage(t, r, cat.T("fr", "sessions_ended"))
		r = ts.postForm(c, "/account/sessions/end", url.Values{"session": {handle}}, fr)
		wantStatus(t, r, http.StatusNotFound)
		wantMessage(t, r, cat.T("fr", "sessions_error_gone"))
		r = ts.postForm(c, "/account/sessions/end-others", nil, fr)
		wantStatus(t, r, http.StatusOK)
		for _, other := range []*http.Client{first, rc} {
			if r := ts.get(other, "/press", nil); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/signin") {
				t.Fatalf("a session ended elsewhere still opens /press: %d", r.StatusCode)
			}
		}
		wantStatus(t, ts.get(c, "/press", nil), http.StatusOK)
		r = ts.get(c, "/account/sessions", nil)
		mine := regexp.MustCompile(`<strong>`).FindAllString(r.Body, -1)
		if len(mine) != 1 {
			t.Fatalf("this browser is not marked: %s", excerpt(r.Body))
		}

		log := auditActions(t, db)
		for _, want := range []string{"ana second-factor.enrol", "ana signin.ok", `"method":"totp"`, `"method":"recovery code"`,
			`"reason":"code reused"`, `"reason":"wrong code"`, "ana session.end ", "ana session.end-others"} {
			if !strings.Contains(log, want) {
				t.Errorf("audit log lacks %q:\n%s", want, log)
			}
		}
	})
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

// TestAdminResetsSecondFactor: an administrator resets an approver's
// second factor on the user page; the approver is signed out everywhere,
// told at the next sign-in, and enrols again; the reset and the ending of
// sessions are audited; an approver cannot reset anyone's.
func TestAdminResetsSecondFactor(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ts := newTestServer(t, db, clock, withDefaultPolicy)
		cat := catalog(t)
		fr := map[string]string{"Accept-Language": "fr"}
		ts.addUser("root", "root's passphrase", account.RoleAdmin)
		ana := ts.addUser("ana", "ana's passphrase", account.RoleApprover)
		rootSecret, _ := ts.enrolThroughPages(ts.signIn("root", "root's passphrase"))
		anaSecret, _ := ts.enrolThroughPages(ts.signIn("ana", "ana's passphrase"))
		root := ts.signIn2FA("root", "root's passphrase", rootSecret)
		anaClient := ts.signIn2FA("ana", "ana's passphrase", anaSecret)

		path := fmt.Sprintf("/admin/users/%d", ana.ID)
		r := ts.get(root, path, fr)
		wantStatus(t, r, http.StatusOK)
		wantMessage(t, r, cat.T("fr", "users_2fa_on"))
		// Not for an approver.
		wantStatus(t, ts.postForm(anaClient, path+"/2fa/reset", nil, nil), http.StatusForbidden)
		r = ts.postForm(root, path+"/2fa/reset", nil, fr)
		wantStatus(t, r, http.StatusOK)
		wantMessage(t, r, cat.T("fr", "users_2fa_reset_done"))
		wantMessage(t, r, cat.T("fr", "users_2fa_off"))
		if r := ts.get(anaClient, "/press", nil); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/signin") {
			t.Fatalf("after the reset ana's session still works: %d", r.StatusCode)
		}
		// Her password alone now leads to the enrolment, with the notice, once.
		c := ts.client()
		r = ts.postForm(c, "/signin", url.Values{"username": {"ana"}, "password": {"ana's passphrase"}}, nil)
		if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/account/2fa?next=") {
			t.Fatalf("sign-in after the reset: %d to %q", r.StatusCode, r.Header.Get("Location"))
		}
		r = ts.get(c, r.Header.Get("Location"), fr)
		wantMessage(t, r, cat.T("fr", "twofa_reset_notice"))
		if r := ts.get(c, "/account/2fa", fr); strings.Contains(html.UnescapeString(r.Body), cat.T("fr", "twofa_reset_notice")) {
			t.Fatal("the notice is shown twice")
		}
		newSecret, _ := ts.enrolThroughPages(c)
		if bytes.Equal(newSecret, anaSecret) {
			t.Fatal("the new secret is the old one")
		}
		// The administrator ends all her sessions.
		r = ts.postForm(root, path+"/sessions/end", nil, fr)
		wantStatus(t, r, http.StatusOK)
		wantMessage(t, r, cat.T("fr", "users_sessions_ended"))
		if r := ts.get(c, "/press", nil); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("after the administrator ended her sessions: %d", r.StatusCode)
		}
		log := auditActions(t, db)
		for _, want := range []string{`root second-factor.reset {"had_second_factor":true,"username":"ana"}`, `root session.end-all {"username":"ana"}`} {
			if !strings.Contains(log, want) {
				t.Errorf("audit log lacks %q:\n%s", want, log)
			}
		}
	})
}
