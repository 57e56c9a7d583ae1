package main

import (
	"html"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/auth"
	"github.com/mofa-vn/chancery/internal/config"
	"github.com/mofa-vn/chancery/internal/sso"
	"github.com/mofa-vn/chancery/internal/sso/oidctest"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

var ssoContinue = regexp.MustCompile(`id="sso-continue" href="([^"]+)"`)

// TestSSOThroughTheServer signs in with a real OpenID Provider through the
// fully wired server (host check, cross-origin protection, CSP, Secure
// cookies): the client secret read from its file, the roles mapped, the
// password of the account refused, a callback without its browser refused.
func TestSSOThroughTheServer(t *testing.T) {
	clock := storetest.NewClock(storetest.Start)
	db := storetest.OpenWithClock(t, store.BackendSQLite, clock.Now)
	idp := oidctest.Start(t, "chancery", "secret-from-a-file", "https://placeholder.invalid/")
	idp.AddUser("thu", "idp-password", "mfa-press")
	secretFile := filepath.Join(t.TempDir(), "oidc-secret")
	if err := os.WriteFile(secretFile, []byte("secret-from-a-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ts := newTestServer(t, db, clock, func(c *config.Config) {
		c.OIDC = config.OIDC{Issuer: idp.URL, ClientID: "chancery", ClientSecretFile: secretFile, Name: "MOFA ID",
			RolesClaim: "groups", RoleMap: "mfa-press=press_officer", TrustedAMR: "mfa", DisableLocalPasswords: true}
	})
	idp.SetRedirectURI(ts.URL + "/signin/sso/callback")

	c := ts.client()
	page := ts.get(c, "/signin", map[string]string{"Accept-Language": "fr"})
	wantStatus(t, page, http.StatusOK)
	wantContains(t, page, "Se connecter avec MOFA ID", `action="/signin/sso"`)

	// The start: a page that moves on to the provider.
	res := ts.postForm(c, "/signin/sso", url.Values{"next": {"/press"}}, map[string]string{"Accept-Language": "en"})
	wantStatus(t, res, http.StatusOK)
	if !strings.Contains(res.Header.Get("Content-Security-Policy"), "form-action 'self'") {
		t.Fatalf("CSP of the continue page: %q", res.Header.Get("Content-Security-Policy"))
	}
	m := ssoContinue.FindStringSubmatch(res.Body)
	if m == nil {
		t.Fatalf("no link to the provider: %s", excerpt(res.Body))
	}
	to := html.UnescapeString(m[1])
	get := func(u string) *http.Response {
		t.Helper()
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
		r, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		return r
	}
	r := get(to)
	login, _ := url.Parse(r.Header.Get("Location"))
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, idp.URL+"/login/username",
		strings.NewReader(url.Values{"id": {login.Query().Get("authRequestID")}, "username": {"thu"}, "password": {"idp-password"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	r = get(idp.Resolve(r.Header.Get("Location")))
	callback := r.Header.Get("Location")
	if !strings.HasPrefix(callback, ts.URL+"/signin/sso/callback?") {
		t.Fatalf("provider sent the browser to %q", callback)
	}

	// Another browser with the same answer gets nothing.
	other := ts.client()
	res = ts.get(other, strings.TrimPrefix(callback, ts.URL), map[string]string{"Accept-Language": "en"})
	wantStatus(t, res, http.StatusBadRequest)
	wantContains(t, res, "was not started in this browser")

	res = ts.get(c, strings.TrimPrefix(callback, ts.URL), nil)
	wantStatus(t, res, http.StatusSeeOther)
	if res.Header.Get("Location") != "/press" {
		t.Fatalf("after the callback: %q", res.Header.Get("Location"))
	}
	if !strings.Contains(strings.Join(res.Header.Values("Set-Cookie"), "\n"), auth.CookieName(true)+"=") {
		t.Fatalf("no session cookie: %v", res.Header.Values("Set-Cookie"))
	}
	wantStatus(t, ts.get(c, "/press", nil), http.StatusOK)
	u, err := db.GetUserByUsername(t.Context(), "thu")
	if err != nil || !u.HasRole(account.RolePressOfficer) || len(u.Roles) != 1 {
		t.Fatalf("account: %+v %v", u, err)
	}

	// The account's password, set by an administrator, is refused.
	hash, err := auth.HashPassword("a password for thu", cheapArgon)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SetPassword(t.Context(), u.ID, hash); err != nil {
		t.Fatal(err)
	}
	res = ts.postForm(ts.client(), "/signin", url.Values{"username": {"thu"}, "password": {"a password for thu"}}, map[string]string{"Accept-Language": "en"})
	wantStatus(t, res, http.StatusForbidden)
	wantContains(t, res, "single sign-on only")
	if sso.CookieName(true) != "__Host-chancery_sso" {
		t.Errorf("pre-session cookie %q lacks the __Host- prefix", sso.CookieName(true))
	}
}
