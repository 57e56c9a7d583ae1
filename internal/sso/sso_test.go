package sso_test

import (
	"bytes"
	"encoding/base32"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/auth"
	"github.com/mofa-vn/chancery/internal/auth/totp"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/httpx/httpxtest"
	"github.com/mofa-vn/chancery/internal/secrets"
	"github.com/mofa-vn/chancery/internal/sso"
	"github.com/mofa-vn/chancery/internal/sso/oidctest"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

var cheap = auth.Argon2Params{Memory: 64, Time: 1, Threads: 1}

const (
	clientID     = "chancery"
	clientSecret = "client-secret-for-tests"
)

// site is Chancery's sign-in with single sign-on, served over HTTP, and a
// real OpenID Provider on another loopback port.
type site struct {
	t      *testing.T
	db     *store.DB
	svc    *auth.Service
	idp    *oidctest.Provider
	ts     *httptest.Server
	public string
	// skew moves the clock the ID token's expiry is checked against.
	skew atomic.Int64
}

type options struct {
	issuer   func(idp string) string // the issuer Chancery is configured with
	throttle auth.Throttle
}

func newSite(t *testing.T, db *store.DB, o options) *site {
	t.Helper()
	s := &site{t: t, db: db}
	s.ts = httptest.NewUnstartedServer(nil)
	s.public = "http://" + s.ts.Listener.Addr().String()
	s.idp = oidctest.Start(t, clientID, clientSecret, s.public+"/signin/sso/callback")
	box, err := secrets.NewBox(bytes.Repeat([]byte{7}, secrets.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	s.svc, err = auth.NewService(auth.Params{DB: db, Log: slog.New(slog.DiscardHandler), Argon2: cheap, Sealer: box,
		Throttle: o.throttle, SecondFactorRoles: []account.Role{account.RoleAdmin, account.RoleApprover}, LocalPasswordsOff: true})
	if err != nil {
		t.Fatal(err)
	}
	kit := httpxtest.Kit(t)
	pages := auth.NewHandlers(s.svc, kit)
	issuer := s.idp.URL
	if o.issuer != nil {
		issuer = o.issuer(s.idp.URL)
	}
	h, err := sso.New(sso.Params{
		Issuer: issuer, ClientID: clientID, ClientSecret: clientSecret, Name: "MOFA ID",
		RoleMap: map[string][]account.Role{
			"mfa-press": {account.RolePressOfficer}, "mfa-clear": {account.RoleApprover},
			"mfa-chair": {account.RoleChair, account.RoleDelegate},
		},
		TrustedAMR: []string{"mfa", "otp", "hwk"},
		DB:         db, Auth: s.svc, Pages: pages, Kit: kit, Log: slog.New(slog.DiscardHandler),
		Now:       func() time.Time { return time.Now().Add(time.Duration(s.skew.Load())) },
		PublicURL: s.public,
	})
	if err != nil {
		t.Fatal(err)
	}
	pages.SSOName = h.Name()
	mux := httpx.NewRouter()
	pages.Routes(mux)
	h.Routes(mux)
	mux.Handle("GET /whoami", auth.RequireFunc(kit, func(w http.ResponseWriter, r *http.Request) {
		v := httpx.ViewerFrom(r.Context())
		roles := make([]string, len(v.Roles))
		for i, r := range v.Roles {
			roles[i] = string(r)
		}
		_, _ = io.WriteString(w, v.User.Username+" "+strings.Join(roles, ","))
	}))
	s.ts.Config.Handler = s.svc.Middleware(kit)(mux)
	s.ts.Start()
	t.Cleanup(s.ts.Close)
	return s
}

// browser is a cookie jar that follows no redirect, so that the test sees
// each step of the flow.
func browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

type answer struct {
	status   int
	body     string
	location string
	cookies  []*http.Cookie
}

func (s *site) do(c *http.Client, method, u string, form url.Values) answer {
	s.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(s.t.Context(), method, u, body)
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Accept-Language", "en")
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := c.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return answer{status: res.StatusCode, body: html.UnescapeString(string(b)), location: res.Header.Get("Location"), cookies: res.Cookies()}
}

var continueLink = regexp.MustCompile(`<a class="button" id="sso-continue" href="([^"]+)"`)

// toProvider starts a sign-in in c, signs in at the provider as username,
// and returns the callback address the provider sends the browser back
// to, without following it.
func (s *site) toProvider(c *http.Client, username string) string {
	s.t.Helper()
	a := s.do(c, "POST", s.public+"/signin/sso", url.Values{"next": {"/whoami"}})
	m := continueLink.FindStringSubmatch(a.body)
	if a.status != http.StatusOK || m == nil || !strings.HasPrefix(m[1], s.idp.URL) || !strings.Contains(a.body, `<meta http-equiv="refresh" content="0;url=`+m[1]+`">`) {
		s.t.Fatalf("start: %d: %s", a.status, a.body)
	}
	a.location = m[1]
	authz, _ := url.Parse(a.location)
	q := authz.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("nonce") == "" || q.Get("state") == "" {
		s.t.Fatalf("authorization request without PKCE S256, state or nonce: %s", a.location)
	}
	a = s.do(c, "GET", a.location, nil)
	if a.status != http.StatusFound || !strings.Contains(a.location, "/login/username") {
		s.t.Fatalf("authorize: %d to %q: %s", a.status, a.location, a.body)
	}
	login, _ := url.Parse(a.location) // relative to the provider
	id := login.Query().Get("authRequestID")
	a = s.do(c, "POST", s.idp.URL+"/login/username", url.Values{"id": {id}, "username": {username}, "password": {"idp-password"}})
	if a.status != http.StatusFound {
		s.t.Fatalf("provider login: %d %s", a.status, a.body)
	}
	a = s.do(c, "GET", s.idp.Resolve(a.location), nil)
	if a.status != http.StatusFound || !strings.HasPrefix(a.location, s.public+"/signin/sso/callback?") {
		s.t.Fatalf("provider callback: %d to %q: %s", a.status, a.location, a.body)
	}
	return a.location
}

// signIn runs the whole flow and returns the callback's answer.
func (s *site) signIn(c *http.Client, username string) answer {
	s.t.Helper()
	return s.do(c, "GET", s.toProvider(c, username), nil)
}

func (s *site) whoami(c *http.Client) string {
	s.t.Helper()
	a := s.do(c, "GET", s.public+"/whoami", nil)
	if a.status != http.StatusOK {
		return "not signed in: " + a.location
	}
	return a.body
}

func (s *site) failures() int {
	s.t.Helper()
	n, err := s.db.CountLoginFailures(s.t.Context(), "addr:127.0.0.1", time.Now().Add(-time.Hour))
	if err != nil {
		s.t.Fatal(err)
	}
	return n
}

// audited returns the actions of the audit log, oldest first, with the
// payload of each.
func (s *site) audited() []string {
	s.t.Helper()
	es, err := s.db.ListAudit(s.t.Context(), store.AuditFilter{})
	if err != nil {
		s.t.Fatal(err)
	}
	var out []string
	for i := len(es) - 1; i >= 0; i-- {
		out = append(out, es[i].Action+" "+es[i].Payload)
	}
	return out
}

func hasCookie(a answer, name string) bool {
	for _, c := range a.cookies {
		if c.Name == name && c.MaxAge >= 0 && c.Value != "" {
			return true
		}
	}
	return false
}

func (s *site) user(sub string) account.User {
	s.t.Helper()
	u, err := s.db.UserByIdentity(s.t.Context(), s.idp.URL, sub)
	if err != nil {
		s.t.Fatalf("identity %s: %v", sub, err)
	}
	return u
}

// TestSSOCreatesAndUpdatesAccounts: the first sign-in creates the account
// with the roles its groups map to; a later one follows the provider's
// groups; a user whose groups map to nothing is refused, and a provider
// name never takes over a local account.
func TestSSOCreatesAndUpdatesAccounts(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, options{})
		// A local account already holds the provider's username.
		if _, err := db.CreateUser(t.Context(), account.User{Username: "lan", Roles: []account.Role{account.RoleAdmin}}); err != nil {
			t.Fatal(err)
		}
		sub := s.idp.AddUser("lan", "idp-password", "mfa-press", "staff")

		// The sign-in page offers the provider.
		if a := s.do(browser(), "GET", s.public+"/signin", nil); !strings.Contains(a.body, "Sign in with MOFA ID") || !strings.Contains(a.body, `action="/signin/sso"`) {
			t.Fatalf("sign-in page lacks the single sign-on button:\n%s", a.body)
		}

		c := browser()
		a := s.signIn(c, "lan")
		if a.status != http.StatusSeeOther || a.location != "/whoami" || !hasCookie(a, auth.CookieName(false)) {
			t.Fatalf("callback: %d to %q (cookies %v): %s", a.status, a.location, a.cookies, a.body)
		}
		if got := s.whoami(c); got != "lan-2 press_officer" {
			t.Fatalf("after the first sign-in: %q", got)
		}
		u := s.user(sub)
		if u.Username != "lan-2" || u.Email != "lan@idp.test" || u.DisplayName != "lan Test" {
			t.Errorf("account made: %+v", u)
		}
		if ok, err := auth.VerifyPassword("", u.PasswordHash); ok || err != nil {
			t.Errorf("the account's password is usable or malformed: %v %v", ok, err)
		}
		if local, _ := db.GetUserByUsername(t.Context(), "lan"); !local.HasRole(account.RoleAdmin) || len(local.Roles) != 1 {
			t.Errorf("the local account changed: %+v", local)
		}

		// The provider moves the user to another group.
		s.idp.SetGroups(sub, "mfa-chair")
		c2 := browser()
		if a := s.signIn(c2, "lan"); a.status != http.StatusSeeOther {
			t.Fatalf("second sign-in: %d %s", a.status, a.body)
		}
		if got := s.whoami(c2); got != "lan-2 chair,delegate" {
			t.Fatalf("after the groups changed: %q", got)
		}
		// The earlier session reads the roles of now.
		if got := s.whoami(c); got != "lan-2 chair,delegate" {
			t.Fatalf("earlier session: %q", got)
		}

		// No group that maps to a role: refused, and the roles go.
		s.idp.SetGroups(sub, "staff")
		c3 := browser()
		a = s.signIn(c3, "lan")
		if a.status != http.StatusForbidden || !strings.Contains(a.body, "gives you no role in Chancery") || hasCookie(a, auth.CookieName(false)) {
			t.Fatalf("no role: %d %s", a.status, a.body)
		}
		if u := s.user(sub); len(u.Roles) != 0 {
			t.Errorf("roles left after the groups went: %v", u.Roles)
		}
		// A first sign-in without a mapped group makes no account.
		s.idp.AddUser("minh", "idp-password", "staff")
		if a := s.signIn(browser(), "minh"); a.status != http.StatusForbidden {
			t.Fatalf("first sign-in without a role: %d", a.status)
		}
		if _, err := db.GetUserByUsername(t.Context(), "minh"); err == nil {
			t.Error("an account was made for a user with no role")
		}

		log := strings.Join(s.audited(), "\n")
		for _, want := range []string{`sso.account-create {"issuer":`, `"roles":["press_officer"]`, `sso.roles {"from":["press_officer"],"to":["chair","delegate"]`,
			`signin.ok {"address":"127.0.0.1","method":"single sign-on","username":"lan-2"}`, `"reason":"no group maps to a role"`} {
			if !strings.Contains(log, want) {
				t.Errorf("audit log lacks %s:\n%s", want, log)
			}
		}
	})
}

// TestSSORefusals: every forged or stale answer is refused with a message,
// counted in the address's sign-in throttle and audited, and grants
// nothing.
func TestSSORefusals(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, options{})
		s.idp.AddUser("binh", "idp-password", "mfa-press")

		cases := []struct {
			name    string
			run     func(c *http.Client) answer
			status  int
			message string
			reason  string
		}{
			{"wrong state", func(c *http.Client) answer {
				u, _ := url.Parse(s.toProvider(c, "binh"))
				q := u.Query()
				q.Set("state", auth.RandomSecret(32))
				u.RawQuery = q.Encode()
				return s.do(c, "GET", u.String(), nil)
			}, http.StatusBadRequest, "already used, has expired or was started elsewhere", "unknown, used or expired state"},
			{"callback without the session that started it", func(c *http.Client) answer {
				return s.do(browser(), "GET", s.toProvider(c, "binh"), nil)
			}, http.StatusBadRequest, "was not started in this browser", "no sign-in was started in this browser"},
			{"state started in another browser", func(c *http.Client) answer {
				victim := browser()
				s.do(victim, "POST", s.public+"/signin/sso", url.Values{"next": {"/"}})
				return s.do(victim, "GET", s.toProvider(c, "binh"), nil)
			}, http.StatusBadRequest, "already used", "state started in another browser"},
			{"wrong nonce", func(c *http.Client) answer {
				s.idp.TamperNonce(true)
				defer s.idp.TamperNonce(false)
				return s.signIn(c, "binh")
			}, http.StatusUnauthorized, "could not be verified", "ID token: wrong nonce"},
			{"expired ID token", func(c *http.Client) answer {
				s.skew.Store(int64(2 * time.Hour))
				defer s.skew.Store(0)
				return s.signIn(c, "binh")
			}, http.StatusUnauthorized, "could not be verified", "token is expired"},
			{"issuer mismatch", func(c *http.Client) answer {
				s.idp.IssueAs("https://login.evil.example")
				defer s.idp.IssueAs("")
				return s.signIn(c, "binh")
			}, http.StatusUnauthorized, "could not be verified", "id token issued by a different provider"},
			{"provider error", func(c *http.Client) answer {
				s.do(c, "POST", s.public+"/signin/sso", url.Values{})
				return s.do(c, "GET", s.public+"/signin/sso/callback?error=access_denied&state=x", nil)
			}, http.StatusUnauthorized, "did not sign you in", "provider answered access_denied"},
			{"forged code", func(c *http.Client) answer {
				u, _ := url.Parse(s.toProvider(c, "binh"))
				q := u.Query()
				q.Set("code", "forged")
				u.RawQuery = q.Encode()
				return s.do(c, "GET", u.String(), nil)
			}, http.StatusUnauthorized, "could not be verified", "code exchange: invalid_grant"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				before, audits := s.failures(), len(s.audited())
				c := browser()
				a := tc.run(c)
				if a.status != tc.status || !strings.Contains(a.body, tc.message) {
					t.Fatalf("%d (want %d), body lacks %q:\n%s", a.status, tc.status, tc.message, a.body)
				}
				if hasCookie(a, auth.CookieName(false)) || hasCookie(a, auth.PendingCookieName(false)) {
					t.Fatalf("a refused callback set a session: %v", a.cookies)
				}
				if got := s.whoami(c); !strings.HasPrefix(got, "not signed in") {
					t.Fatalf("signed in after a refusal: %s", got)
				}
				if got := s.failures(); got != before+1 {
					t.Errorf("failures %d, want %d", got, before+1)
				}
				log := s.audited()[audits:]
				if len(log) != 1 || !strings.HasPrefix(log[0], "signin.fail ") || !strings.Contains(log[0], tc.reason) || !strings.Contains(log[0], `"method":"single sign-on"`) {
					t.Errorf("audit: %q, want one signin.fail with %q", log, tc.reason)
				}
			})
		}
		if _, err := db.GetUserByUsername(t.Context(), "binh"); err == nil {
			t.Error("an account was made by a refused sign-in")
		}

		// A callback that worked does not work twice, in any browser.
		c := browser()
		cb := s.toProvider(c, "binh")
		if a := s.do(c, "GET", cb, nil); a.status != http.StatusSeeOther {
			t.Fatalf("good callback: %d %s", a.status, a.body)
		}
		for _, b := range []*http.Client{c, browser()} {
			if a := s.do(b, "GET", cb, nil); a.status != http.StatusBadRequest || hasCookie(a, auth.CookieName(false)) {
				t.Fatalf("replayed callback: %d %v", a.status, a.cookies)
			}
		}
	})
}

// TestSSOConcurrentCallbacks sends one callback many times at once from
// its browser: one session, the others refused.
func TestSSOConcurrentCallbacks(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, options{})
		s.idp.AddUser("cuc", "idp-password", "mfa-press")
		c := browser()
		cb := s.toProvider(c, "cuc")
		var wg sync.WaitGroup
		var ok, refused atomic.Int32
		for range 8 {
			wg.Go(func() {
				req, _ := http.NewRequestWithContext(t.Context(), "GET", cb, nil)
				res, err := c.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				res.Body.Close()
				switch res.StatusCode {
				case http.StatusSeeOther:
					ok.Add(1)
				case http.StatusBadRequest:
					refused.Add(1)
				default:
					t.Errorf("status %d", res.StatusCode)
				}
			})
		}
		wg.Wait()
		if ok.Load() != 1 || refused.Load() != 7 {
			t.Fatalf("%d signed in, %d refused; want 1 and 7", ok.Load(), refused.Load())
		}
	})
}

// TestSSOThrottle: callbacks without a starting session count against the
// address like wrong passwords; once it is blocked, even a good answer is
// refused.
func TestSSOThrottle(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, options{throttle: auth.Throttle{PerAddress: 3}})
		s.idp.AddUser("dung", "idp-password", "mfa-press")
		for i := range 3 {
			if a := s.do(browser(), "GET", s.public+"/signin/sso/callback?code=x&state=y", nil); a.status != http.StatusBadRequest {
				t.Fatalf("forged callback %d: %d", i, a.status)
			}
		}
		c := browser()
		a := s.signIn(c, "dung")
		if a.status != http.StatusTooManyRequests || hasCookie(a, auth.CookieName(false)) || !strings.Contains(a.body, "minutes") {
			t.Fatalf("good answer from a blocked address: %d %s", a.status, a.body)
		}
		if _, err := db.GetUserByUsername(t.Context(), "dung"); err == nil {
			t.Error("an account was made from a blocked address")
		}
	})
}

// TestSSOSecondFactor: an amr the operator trusts stands for Chancery's
// second factor; without it an approver is asked for Chancery's own.
func TestSSOSecondFactor(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, options{})
		sub := s.idp.AddUser("hoa", "idp-password", "mfa-clear")

		// The provider checked only a password: an approver without a
		// second factor is sent to set one up, and can do nothing else.
		s.idp.SetAMR(sub, "pwd")
		c := browser()
		a := s.signIn(c, "hoa")
		if a.status != http.StatusSeeOther || !strings.HasPrefix(a.location, "/account/2fa") {
			t.Fatalf("approver without amr: %d to %q", a.status, a.location)
		}
		if got := s.whoami(c); !strings.Contains(got, "/account/2fa") {
			t.Fatalf("approver without a second factor reached a page: %q", got)
		}

		// The provider says it checked a second factor: in at once.
		s.idp.SetAMR(sub, "pwd", "mfa")
		c = browser()
		a = s.signIn(c, "hoa")
		if a.status != http.StatusSeeOther || a.location != "/whoami" {
			t.Fatalf("approver with amr mfa: %d to %q", a.status, a.location)
		}
		if got := s.whoami(c); got != "hoa approver" {
			t.Fatalf("approver with amr mfa: %q", got)
		}

		// With an authenticator app and no trusted amr, Chancery asks for
		// a code.
		u := s.user(sub)
		e, err := s.svc.StartEnrolment(t.Context(), u)
		if err != nil {
			t.Fatal(err)
		}
		secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(e.Secret)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.svc.ConfirmEnrolment(t.Context(), u, totp.Code(secret, totp.Step(time.Now()))); err != nil {
			t.Fatal(err)
		}
		s.idp.SetAMR(sub, "pwd")
		c = browser()
		a = s.signIn(c, "hoa")
		if a.status != http.StatusSeeOther || !strings.HasPrefix(a.location, "/signin/2fa") || hasCookie(a, auth.CookieName(false)) || !hasCookie(a, auth.PendingCookieName(false)) {
			t.Fatalf("approver with an app, no amr: %d to %q %v", a.status, a.location, a.cookies)
		}
		if got := s.whoami(c); !strings.HasPrefix(got, "not signed in") {
			t.Fatalf("signed in before the code: %q", got)
		}
		a = s.do(c, "POST", s.public+"/signin/2fa", url.Values{"code": {totp.Code(secret, totp.Step(time.Now())+1)}, "next": {"/whoami"}})
		if a.status != http.StatusSeeOther || !hasCookie(a, auth.CookieName(false)) {
			t.Fatalf("code: %d %s", a.status, a.body)
		}
		if got := s.whoami(c); got != "hoa approver" {
			t.Fatalf("after the code: %q", got)
		}
		log := strings.Join(s.audited(), "\n")
		if !strings.Contains(log, `"method":"single sign-on (second factor at the identity provider)"`) {
			t.Errorf("audit log lacks the sign-in with the provider's second factor:\n%s", log)
		}
	})
}

// TestSSOLocalPasswordOff: an account linked to the provider cannot sign
// in with a password, even one an administrator set; a local account
// still can.
func TestSSOLocalPasswordOff(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, options{})
		sub := s.idp.AddUser("khanh", "idp-password", "mfa-press")
		if a := s.signIn(browser(), "khanh"); a.status != http.StatusSeeOther {
			t.Fatalf("sign-in: %d", a.status)
		}
		hash, err := auth.HashPassword("a password set by an admin", cheap)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.SetPassword(t.Context(), s.user(sub).ID, hash); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateUser(t.Context(), account.User{Username: "local", PasswordHash: hash, Roles: []account.Role{account.RolePressOfficer}}); err != nil {
			t.Fatal(err)
		}
		c := browser()
		a := s.do(c, "POST", s.public+"/signin", url.Values{"username": {"khanh"}, "password": {"a password set by an admin"}})
		if a.status != http.StatusForbidden || !strings.Contains(a.body, "signs in through single sign-on only") || hasCookie(a, auth.CookieName(false)) {
			t.Fatalf("password of a single sign-on account: %d %s", a.status, a.body)
		}
		if a := s.do(c, "POST", s.public+"/signin", url.Values{"username": {"local"}, "password": {"a password set by an admin"}}); a.status != http.StatusSeeOther || !hasCookie(a, auth.CookieName(false)) {
			t.Fatalf("password of a local account: %d %s", a.status, a.body)
		}
	})
}

// TestSSOIssuerOfDiscovery: a provider whose discovery document names
// another issuer than the one configured is never used.
func TestSSOIssuerOfDiscovery(t *testing.T) {
	db := storetest.Open(t, store.BackendSQLite)
	s := newSite(t, db, options{issuer: func(idp string) string { return strings.Replace(idp, "127.0.0.1", "localhost", 1) }})
	s.idp.AddUser("lien", "idp-password", "mfa-press")
	a := s.do(browser(), "POST", s.public+"/signin/sso", url.Values{})
	if a.status != http.StatusBadGateway || !strings.Contains(a.body, "cannot be reached") || strings.Contains(a.body, "sso-continue") {
		t.Fatalf("start with a mismatched issuer: %d: %s", a.status, a.body)
	}
}
