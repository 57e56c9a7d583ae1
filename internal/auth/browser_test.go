package auth_test

// The sign-in, second-factor and passkey pages in Chromium
// (browsertest.Tab), on the auth area's own site: the sign-in pages, the
// account pages and the user administration, with the default
// second-factor policy (administrators and approvers).

import (
	"bytes"
	"testing"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/admin"
	"github.com/mofa-vn/chancery/internal/auth"
	"github.com/mofa-vn/chancery/internal/auth/authtest"
	"github.com/mofa-vn/chancery/internal/browsertest"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/httpx/httpxtest"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/secrets"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
	"github.com/mofa-vn/chancery/locales"
)

// browserSite is the auth area as the browser tests visit it.
type browserSite struct {
	*authtest.Site
	db    *store.DB
	clock *storetest.Clock
}

// browser is one headless Chromium tab on the site.
type browser struct {
	*browsertest.Tab
	ts  *browserSite
	cat *lang.Catalog
}

// newBrowserAt serves the site on SQLite (the store tests cover
// PostgreSQL) at origin applied to its listener's (nil: the listener's),
// and starts Chromium on it.
func newBrowserAt(t *testing.T, origin func(listener string) string, opts ...browsertest.Option) *browser {
	t.Helper()
	clock := storetest.NewClock(storetest.Start)
	db := storetest.OpenWithClock(t, store.BackendSQLite, clock.Now)
	box, err := secrets.NewBox(bytes.Repeat([]byte{0x5e}, secrets.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	kit := httpxtest.Kit(t, func(p *httpx.KitParams) { p.SecureCookies = true })
	s := authtest.Serve(t, db, clock.Now, kit, func(mux *httpx.Router, svc *auth.Service) {
		admin.New(db, svc, kit).Routes(mux)
		mux.HandleFunc("GET /lang/{code}", kit.ChooseLanguage)
	}, authtest.Options{PublicURL: origin, Auth: func(p *auth.Params) {
		p.Sealer, p.SecondFactorRoles = box, []account.Role{account.RoleAdmin, account.RoleApprover}
	}})
	cat, err := lang.NewCatalog(locales.FS, "vi")
	if err != nil {
		t.Fatal(err)
	}
	ts := &browserSite{Site: s, db: db, clock: clock}
	return &browser{Tab: browsertest.NewTab(t, ts.URL, ts.Certificate(), opts...), ts: ts, cat: cat}
}

// chooseLanguage picks a language in the switcher and goes on to next.
func (b *browser) chooseLanguage(t testing.TB, l lang.Language, next string) {
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
