package sso_test

// Single sign-on in Chromium (browsertest.Tab), on the sign-in pages with
// the provider's button, over TLS behind production's edge, and a real
// OpenID Provider (oidctest).

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/auth"
	"github.com/mofa-vn/chancery/internal/browsertest"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/httpx/httpxtest"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/secrets"
	"github.com/mofa-vn/chancery/internal/sso"
	"github.com/mofa-vn/chancery/internal/sso/oidctest"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
	"github.com/mofa-vn/chancery/locales"
)

// ssoTab is one headless Chromium tab on the sign-in pages.
type ssoTab struct {
	*browsertest.Tab
	cat *lang.Catalog
}

// newSSOBrowser serves the sign-in pages with single sign-on through the
// provider idp, configured as the server's -oidc-* flags would (press
// officers from the group mfa-press, mfa trusted as a second factor),
// and a page at /press that press officers may read, on SQLite; and
// starts Chromium on it.
func newSSOBrowser(t *testing.T, idp *oidctest.Provider, secret string, opts ...browsertest.Option) (*ssoTab, string) {
	t.Helper()
	db := storetest.Open(t, store.BackendSQLite)
	// Listen first, so that the provider's redirect knows the origin.
	ts := httptest.NewUnstartedServer(nil)
	t.Cleanup(ts.Close)
	public := "https://" + ts.Listener.Addr().String()
	box, err := secrets.NewBox(bytes.Repeat([]byte{7}, secrets.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	svc, err := auth.NewService(auth.Params{DB: db, Log: slog.New(slog.DiscardHandler), Argon2: cheap, Sealer: box,
		SecondFactorRoles: []account.Role{account.RoleAdmin, account.RoleApprover}})
	if err != nil {
		t.Fatal(err)
	}
	kit := httpxtest.Kit(t, func(p *httpx.KitParams) { p.SecureCookies = true })
	pages := auth.NewHandlers(svc, kit)
	h, err := sso.New(sso.Params{
		Issuer: idp.URL, ClientID: "chancery", ClientSecret: secret, Name: "MOFA ID",
		RoleMap:    map[string][]account.Role{"mfa-press": {account.RolePressOfficer}},
		TrustedAMR: []string{"mfa"},
		DB:         db, Auth: svc, Pages: pages, Kit: kit, Log: slog.New(slog.DiscardHandler), Now: time.Now,
		PublicURL: public,
	})
	if err != nil {
		t.Fatal(err)
	}
	pages.SSOName = h.Name()
	mux := httpx.NewRouter()
	pages.Routes(mux)
	h.Routes(mux)
	mux.HandleFunc("GET /lang/{code}", kit.ChooseLanguage)
	mux.Handle("GET /press", auth.Require(kit, account.PressReaders...)(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<!DOCTYPE html><html lang="en"><title>Press office</title><main><h1>The press office</h1></main></html>`))
	})))
	mux.Handle("GET /static/{file}", kit.Assets.Handler(http.HandlerFunc(kit.NotFound)))
	mux.HandleFunc("/", kit.NotFound)
	ts.Config.Handler = httpxtest.Edge(kit, mux, svc.Middleware(kit))
	ts.StartTLS()
	cat, err := lang.NewCatalog(locales.FS, "vi")
	if err != nil {
		t.Fatal(err)
	}
	return &ssoTab{Tab: browsertest.NewTab(t, ts.URL, ts.Certificate(), opts...), cat: cat}, ts.URL
}

// chooseLanguage picks a language in the switcher and goes on to next.
func (b *ssoTab) chooseLanguage(t testing.TB, l lang.Language, next string) {
	t.Helper()
	b.ChooseLanguage(t, l.Code, l.Tag.String(), next)
}

func mustLang(t testing.TB, code string) lang.Language {
	t.Helper()
	l, ok := lang.Lookup(code)
	if !ok {
		t.Fatalf("no language %q", code)
	}
	return l
}
