package auth_test

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/admin"
	"github.com/mofa-vn/chancery/internal/auth"
	"github.com/mofa-vn/chancery/internal/auth/authtest"
	"github.com/mofa-vn/chancery/internal/auth/totp"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/httpx/httpxtest"
	"github.com/mofa-vn/chancery/internal/secrets"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// site serves the sign-in and account pages, the user administration and
// a staff page that stands for the press office's (GET /press, for its
// readers), with the default second-factor policy (administrators and
// approvers).
type site struct {
	*authtest.Site
	t     *testing.T
	clock *storetest.Clock
	kit   *httpx.Kit
}

func newSite(t *testing.T, db *store.DB, clock *storetest.Clock) *site {
	t.Helper()
	box, err := secrets.NewBox(bytes.Repeat([]byte{0x5e}, secrets.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	kit := httpxtest.Kit(t, func(p *httpx.KitParams) { p.SecureCookies = true })
	s := authtest.Serve(t, db, clock.Now, kit, func(mux *httpx.Router, svc *auth.Service) {
		admin.New(db, svc, kit).Routes(mux)
		mux.Handle("GET /press", auth.Require(kit, account.PressReaders...)(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte("the press office"))
		})))
	}, authtest.Options{Auth: func(p *auth.Params) {
		p.Sealer, p.SecondFactorRoles = box, []account.Role{account.RoleAdmin, account.RoleApprover}
	}})
	return &site{Site: s, t: t, clock: clock, kit: kit}
}

// wantMessage checks that a page shows a message, whatever HTML escaping
// its apostrophes and quotes got.
func wantMessage(t *testing.T, r httpxtest.Response, msg string) {
	t.Helper()
	if !strings.Contains(html.UnescapeString(r.Body), msg) {
		t.Fatalf("page lacks %q; body: %s", msg, httpxtest.Excerpt(r.Body))
	}
}

// enrolThroughPages sets up a second factor through the pages
// (authtest.Enrol).
func (ts *site) enrolThroughPages(c *http.Client) ([]byte, []string) {
	ts.t.Helper()
	return authtest.Enrol(ts.t, ts.Server, c, ts.clock.Now())
}

// signIn2FA signs in with the password and the app's code, a step later
// than the last code used.
func (ts *site) signIn2FA(username, password string, secret []byte) *http.Client {
	ts.t.Helper()
	ts.clock.Advance(totp.Period)
	c := ts.Browser()
	r := ts.PostForm(c, "/signin", url.Values{"username": {username}, "password": {password}}, nil)
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/signin/2fa") {
		ts.t.Fatalf("sign in as %s: status %d, Location %q", username, r.StatusCode, r.Header.Get("Location"))
	}
	r = ts.PostForm(c, "/signin/2fa", url.Values{"code": {totp.Code(secret, totp.Step(ts.clock.Now()))}}, nil)
	if r.StatusCode != http.StatusSeeOther {
		ts.t.Fatalf("second step as %s: status %d: %s", username, r.StatusCode, httpxtest.Excerpt(r.Body))
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
		ts := newSite(t, db, clock)
		cat := ts.kit.Cat
		fr := map[string]string{"Accept-Language": "fr"}
		ts.AddUser("ana", "ana's passphrase", account.RoleApprover)
		ts.AddUser("bob", "bob's passphrase", account.RoleAdmin)

		// First sign-in: straight to the enrolment, nothing else opens.
		first := ts.Browser()
		r := ts.PostForm(first, "/signin", url.Values{"username": {"ana"}, "password": {"ana's passphrase"}, "next": {"/press"}}, nil)
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/account/2fa?next=%2Fpress" {
			t.Fatalf("first sign-in: %d to %q", r.StatusCode, r.Header.Get("Location"))
		}
		r = ts.Get(first, "/account/2fa", fr)
		httpxtest.WantStatus(t, r, http.StatusOK)
		wantMessage(t, r, cat.T("fr", "twofa_required"))
		if r := ts.Get(first, "/press", nil); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/account/2fa?next=") {
			t.Fatalf("before enrolling, /press: %d %q", r.StatusCode, r.Header.Get("Location"))
		}
		// A wrong first code is refused in the reader's language.
		httpxtest.WantStatus(t, ts.PostForm(first, "/account/2fa", nil, nil), http.StatusOK)
		r = ts.PostForm(first, "/account/2fa/confirm", url.Values{"code": {"000000"}}, fr)
		httpxtest.WantStatus(t, r, http.StatusBadRequest)
		wantMessage(t, r, cat.T("fr", "twofa_error_confirm"))
		secret, recovery := ts.enrolThroughPages(first)
		confirmStep := totp.Step(clock.Now())
		httpxtest.WantStatus(t, ts.Get(first, "/press", nil), http.StatusOK)
		// Shown once: the page no longer lists them.
		r = ts.Get(first, "/account/2fa", nil)
		if strings.Contains(r.Body, recovery[0]) {
			t.Fatal("the recovery codes are shown again")
		}

		// The next sign-in takes two steps; the half-signed-in browser can
		// do nothing else.
		c := ts.Browser()
		r = ts.PostForm(c, "/signin", url.Values{"username": {"ana"}, "password": {"ana's passphrase"}, "next": {"/press"}}, nil)
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/signin/2fa?next=%2Fpress" {
			t.Fatalf("sign-in with a second factor: %d to %q", r.StatusCode, r.Header.Get("Location"))
		}
		for _, p := range []string{"/press", "/admin", "/account/2fa", "/account/sessions"} {
			if r := ts.Get(c, p, nil); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/signin?next=") {
				t.Fatalf("half-signed-in GET %s: %d %q", p, r.StatusCode, r.Header.Get("Location"))
			}
		}
		if r := ts.Send(c, "GET", "/api/v1/me", "", "", map[string]string{"Accept": "application/json"}); r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("half-signed-in API: %d", r.StatusCode)
		}
		httpxtest.WantStatus(t, ts.Get(c, "/signin/2fa?next=/press", fr), http.StatusOK)
		// The code that confirmed the enrolment, again: a replay.
		r = ts.PostForm(c, "/signin/2fa", url.Values{"code": {totp.Code(secret, confirmStep)}, "next": {"/press"}}, fr)
		httpxtest.WantStatus(t, r, http.StatusUnauthorized)
		wantMessage(t, r, cat.T("fr", "twofa_error_reused"))
		// Another account's code.
		bob := ts.Browser()
		r = ts.PostForm(bob, "/signin", url.Values{"username": {"bob"}, "password": {"bob's passphrase"}}, nil)
		httpxtest.WantStatus(t, r, http.StatusSeeOther)
		bobSecret, _ := ts.enrolThroughPages(bob)
		clock.Advance(totp.Period)
		r = ts.PostForm(c, "/signin/2fa", url.Values{"code": {totp.Code(bobSecret, totp.Step(clock.Now()))}, "next": {"/press"}}, fr)
		httpxtest.WantStatus(t, r, http.StatusUnauthorized)
		wantMessage(t, r, cat.T("fr", "twofa_error_code"))
		// Hostile input: too long, empty, not text.
		r = ts.PostForm(c, "/signin/2fa", url.Values{"code": {strings.Repeat("9", 100)}}, fr)
		httpxtest.WantStatus(t, r, http.StatusBadRequest)
		wantMessage(t, r, cat.T("fr", "twofa_error_missing"))
		// The right code, a step early (the phone's clock runs ahead).
		r = ts.PostForm(c, "/signin/2fa", url.Values{"code": {totp.Code(secret, totp.Step(clock.Now())+1)}, "next": {"/press"}}, fr)
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/press" {
			t.Fatalf("the right code: %d to %q: %s", r.StatusCode, r.Header.Get("Location"), httpxtest.Excerpt(r.Body))
		}
		httpxtest.WantStatus(t, ts.Get(c, "/press", nil), http.StatusOK)
		// Finishing the same pending sign-in again sends back to the password.
		r = ts.PostForm(c, "/signin/2fa", url.Values{"code": {totp.Code(secret, totp.Step(clock.Now()))}}, fr)
		httpxtest.WantStatus(t, r, http.StatusUnauthorized)
		wantMessage(t, r, cat.T("fr", "twofa_error_expired"))

		// A recovery code, once.
		rc := ts.Browser()
		httpxtest.WantStatus(t, ts.PostForm(rc, "/signin", url.Values{"username": {"ana"}, "password": {"ana's passphrase"}}, nil), http.StatusSeeOther)
		httpxtest.WantStatus(t, ts.PostForm(rc, "/signin/2fa", url.Values{"code": {recovery[3]}}, nil), http.StatusSeeOther)
		again := ts.Browser()
		httpxtest.WantStatus(t, ts.PostForm(again, "/signin", url.Values{"username": {"ana"}, "password": {"ana's passphrase"}}, nil), http.StatusSeeOther)
		httpxtest.WantStatus(t, ts.PostForm(again, "/signin/2fa", url.Values{"code": {recovery[3]}}, nil), http.StatusUnauthorized)

		// Sessions: first, c and rc are signed in; c ends the others.
		r = ts.Get(c, "/account/sessions", fr)
		httpxtest.WantStatus(t, r, http.StatusOK)
		if n := strings.Count(r.Body, `name="session"`); n != 2 {
			t.Fatalf("%d sessions offered to end, want 2 (three open, this one excluded)", n)
		}
		wantMessage(t, r, cat.T("fr", "sessions_this_one"))
		handle := regexp.MustCompile(`name="session" value="([0-9a-f]+)"`).FindStringSubmatch(r.Body)[1]
		// bob cannot end ana's session: handles are looked up among his own.
		httpxtest.WantStatus(t, ts.PostForm(bob, "/account/sessions/end", url.Values{"session": {handle}}, fr), http.StatusNotFound)
		r = ts.PostForm(c, "/account/sessions/end", url.Values{"session": {handle}}, fr)
		httpxtest.WantStatus(t, r, http.StatusOK)
		wantMessage(t, r, cat.T("fr", "sessions_ended"))
		r = ts.PostForm(c, "/account/sessions/end", url.Values{"session": {handle}}, fr)
		httpxtest.WantStatus(t, r, http.StatusNotFound)
		wantMessage(t, r, cat.T("fr", "sessions_error_gone"))
		r = ts.PostForm(c, "/account/sessions/end-others", nil, fr)
		httpxtest.WantStatus(t, r, http.StatusOK)
		for _, other := range []*http.Client{first, rc} {
			if r := ts.Get(other, "/press", nil); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/signin") {
				t.Fatalf("a session ended elsewhere still opens /press: %d", r.StatusCode)
			}
		}
		httpxtest.WantStatus(t, ts.Get(c, "/press", nil), http.StatusOK)
		r = ts.Get(c, "/account/sessions", nil)
		mine := regexp.MustCompile(`<strong>`).FindAllString(r.Body, -1)
		if len(mine) != 1 {
			t.Fatalf("this browser is not marked: %s", httpxtest.Excerpt(r.Body))
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

// TestAdminResetsSecondFactor: an administrator resets an approver's
// second factor on the user page; the approver is signed out everywhere,
// told at the next sign-in, and enrols again; the reset and the ending of
// sessions are audited; an approver cannot reset anyone's.
func TestAdminResetsSecondFactor(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ts := newSite(t, db, clock)
		cat := ts.kit.Cat
		fr := map[string]string{"Accept-Language": "fr"}
		ts.AddUser("root", "root's passphrase", account.RoleAdmin)
		ana := ts.AddUser("ana", "ana's passphrase", account.RoleApprover)
		rootSecret, _ := ts.enrolThroughPages(ts.SignIn("root", "root's passphrase"))
		anaSecret, _ := ts.enrolThroughPages(ts.SignIn("ana", "ana's passphrase"))
		root := ts.signIn2FA("root", "root's passphrase", rootSecret)
		anaClient := ts.signIn2FA("ana", "ana's passphrase", anaSecret)

		path := fmt.Sprintf("/admin/users/%d", ana.ID)
		r := ts.Get(root, path, fr)
		httpxtest.WantStatus(t, r, http.StatusOK)
		wantMessage(t, r, cat.T("fr", "users_2fa_on"))
		// Not for an approver.
		httpxtest.WantStatus(t, ts.PostForm(anaClient, path+"/2fa/reset", nil, nil), http.StatusForbidden)
		r = ts.PostForm(root, path+"/2fa/reset", nil, fr)
		httpxtest.WantStatus(t, r, http.StatusOK)
		wantMessage(t, r, cat.T("fr", "users_2fa_reset_done"))
		wantMessage(t, r, cat.T("fr", "users_2fa_off"))
		if r := ts.Get(anaClient, "/press", nil); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/signin") {
			t.Fatalf("after the reset ana's session still works: %d", r.StatusCode)
		}
		// Her password alone now leads to the enrolment, with the notice, once.
		c := ts.Browser()
		r = ts.PostForm(c, "/signin", url.Values{"username": {"ana"}, "password": {"ana's passphrase"}}, nil)
		if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/account/2fa?next=") {
			t.Fatalf("sign-in after the reset: %d to %q", r.StatusCode, r.Header.Get("Location"))
		}
		r = ts.Get(c, r.Header.Get("Location"), fr)
		wantMessage(t, r, cat.T("fr", "twofa_reset_notice"))
		if r := ts.Get(c, "/account/2fa", fr); strings.Contains(html.UnescapeString(r.Body), cat.T("fr", "twofa_reset_notice")) {
			t.Fatal("the notice is shown twice")
		}
		newSecret, _ := ts.enrolThroughPages(c)
		if bytes.Equal(newSecret, anaSecret) {
			t.Fatal("the new secret is the old one")
		}
		// The administrator ends all her sessions.
		r = ts.PostForm(root, path+"/sessions/end", nil, fr)
		httpxtest.WantStatus(t, r, http.StatusOK)
		wantMessage(t, r, cat.T("fr", "users_sessions_ended"))
		if r := ts.Get(c, "/press", nil); r.StatusCode != http.StatusSeeOther {
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
