package auth_test

// The sign-in, second-factor and passkey pages in Chromium
// (browsertest.Tab), on the auth area's own site: the sign-in pages, the
// account pages and the user administration, with the default
// second-factor policy (administrators and approvers), and the portal
// where signing out lands.

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/admin"
	"github.com/mofa-vn/chancery/internal/auth"
	"github.com/mofa-vn/chancery/internal/auth/authtest"
	"github.com/mofa-vn/chancery/internal/browsertest"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/httpx/httpxtest"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/portal"
	"github.com/mofa-vn/chancery/internal/secrets"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
	"github.com/mofa-vn/chancery/locales"
)

// browserSite is the auth area as the browser tests visit it, served as
// authtest serves an area but listening before the sign-in service is
// built, as cmd/server does, so that the service knows the origin that
// passkeys are bound to.
type browserSite struct {
	*httptest.Server
	t     *testing.T
	db    *store.DB
	clock *storetest.Clock
}

// AddUser adds an account with password and roles.
func (s *browserSite) AddUser(username, password string, roles ...account.Role) account.User {
	s.t.Helper()
	hash, err := auth.HashPassword(password, authtest.Cheap)
	if err != nil {
		s.t.Fatal(err)
	}
	u, err := s.db.CreateUser(s.t.Context(), account.User{Username: username, DisplayName: strings.ToUpper(username), PasswordHash: hash, Roles: roles})
	if err != nil {
		s.t.Fatalf("add user: %v", err)
	}
	return u
}

// browser is one headless Chromium tab on the site.
type browser struct {
	*browsertest.Tab
	ts  *browserSite
	cat *lang.Catalog
}

// newBrowserAt serves the site on SQLite (the store tests cover
// PostgreSQL) over TLS, at origin applied to its listener's (nil: the
// listener's), and starts Chromium on it.
func newBrowserAt(t *testing.T, origin func(listener string) string, opts ...browsertest.Option) *browser {
	t.Helper()
	clock := storetest.NewClock(storetest.Start)
	db := storetest.OpenWithClock(t, store.BackendSQLite, clock.Now)
	box, err := secrets.NewBox(bytes.Repeat([]byte{0x5e}, secrets.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	ts := &browserSite{Server: httptest.NewUnstartedServer(nil), t: t, db: db, clock: clock}
	t.Cleanup(ts.Close)
	public := "https://" + ts.Listener.Addr().String()
	if origin != nil {
		public = origin(public)
	}
	svc, err := auth.NewService(auth.Params{DB: db, Log: slog.New(slog.DiscardHandler), Now: clock.Now, Argon2: authtest.Cheap, Sealer: box,
		SecondFactorRoles: []account.Role{account.RoleAdmin, account.RoleApprover}, PublicURL: public})
	if err != nil {
		t.Fatal(err)
	}
	kit := httpxtest.Kit(t, func(p *httpx.KitParams) { p.SecureCookies = true })
	mux := httpx.NewRouter()
	auth.NewHandlers(svc, kit).Routes(mux)
	admin.New(db, svc, kit).Routes(mux)
	// The portal, where signing out lands, and its language switcher.
	site, err := portal.New(t.Context(), portal.Params{DB: db, Kit: kit, Log: kit.Log, Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	site.Routes(mux)
	mux.Handle("GET /static/{file}", kit.Assets.Handler(http.HandlerFunc(kit.NotFound)))
	mux.HandleFunc("/", kit.NotFound)
	ts.Config.Handler = httpxtest.Edge(kit, mux, svc.Middleware(kit))
	ts.StartTLS()
	cat, err := lang.NewCatalog(locales.FS, "vi")
	if err != nil {
		t.Fatal(err)
	}
	return &browser{Tab: browsertest.NewTab(t, ts.URL, ts.Certificate(), opts...), ts: ts, cat: cat}
}

// pageLang returns the language that the page declares on <html>.
func (b *browser) pageLang(t testing.TB) lang.Language {
	t.Helper()
	tag := b.PageLang(t)
	for _, l := range lang.All() {
		if l.Tag.String() == tag {
			return l
		}
	}
	t.Fatalf("%s declares lang=%q, which is not a language Chancery serves", b.Location(t), tag)
	return lang.Language{}
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

func TestBrowserSignIn(t *testing.T) {
	b := newBrowserAt(t, nil)
	const password = "correct horse battery staple"
	u := b.ts.AddUser("press", password, account.RolePressOfficer)
	// One account per language for the wrong passwords keeps each below the
	// per-account throttle, which would answer with another message.
	for _, l := range lang.All() {
		b.ts.AddUser("clerk-"+l.Code, password, account.RolePressOfficer)
	}
	session := auth.CookieName(true)

	var l lang.Language // the language the staff pages come in
	signedIn := t.Run("typing the username and password signs in", func(t *testing.T) {
		b.Open(t, "/admin")
		if got, want := b.Location(t), "/signin?next="+url.QueryEscape("/admin"); got != want {
			t.Fatalf("an anonymous visit to /admin lands on %s, want %s", got, want)
		}
		b.SignIn(t, "press", password)
		if got := b.Location(t); got != "/admin" {
			t.Fatalf("signing in lands on %s, want /admin; the page says: %s", got, b.Text(t, "main"))
		}
		l = b.pageLang(t)
		name := map[string]any{"Name": u.DisplayName}
		if got, want := b.Text(t, ".account-nav .who"), browsertest.Squash(b.cat.T(l.Code, "nav_signed_in_as", name)); got != want {
			t.Errorf("header shows %q, want %q", got, want)
		}
		if got, want := b.Text(t, "main h1 + p"), browsertest.Squash(b.cat.T(l.Code, "admin_welcome", name)); got != want {
			t.Errorf("staff area greets with %q, want %q", got, want)
		}
	})
	if !signedIn {
		return // the next steps need the session
	}

	t.Run("the session cookie is HttpOnly", func(t *testing.T) {
		c, ok := b.Cookie(t, session)
		if !ok {
			t.Fatalf("the browser holds no %s cookie after signing in", session)
		}
		if !c.HTTPOnly || !c.Secure || c.Path != "/" || c.SameSite != network.CookieSameSiteLax {
			t.Errorf("%s: HttpOnly=%v Secure=%v Path=%q SameSite=%q, want HttpOnly, Secure, Path=/ and SameSite=Lax",
				session, c.HTTPOnly, c.Secure, c.Path, c.SameSite)
		}
		if got := browsertest.Eval[string](t, b.Tab, `document.cookie`); strings.Contains(got, "chancery_session") || strings.Contains(got, c.Value) {
			t.Errorf("scripts can read the session cookie: document.cookie = %q", got)
		}
	})

	t.Run("signing out from the header returns to the site", func(t *testing.T) {
		b.Follow(t, "click the sign-out button", chromedp.Click(chromedp.CSS(".account-nav button[type=submit]")))
		if got, want := b.Location(t), "/"+l.Code+"/"; got != want {
			t.Errorf("signing out lands on %s, want the home page %s", got, want)
		}
		if got := b.Text(t, ".account-nav .who"); got != "" {
			t.Errorf("after signing out the header still shows %q", got)
		}
		if got, want := b.Text(t, `.account-nav a[href="/signin"]`), browsertest.Squash(b.cat.T(l.Code, "nav_signin")); got != want {
			t.Errorf("after signing out the header offers %q, want the sign-in link %q", got, want)
		}
		if _, ok := b.Cookie(t, session); ok {
			t.Errorf("the browser still holds the session cookie after signing out")
		}
		b.Open(t, "/admin")
		if got, want := b.Location(t), "/signin?next="+url.QueryEscape("/admin"); got != want {
			t.Errorf("after signing out /admin lands on %s, want %s", got, want)
		}
	})

	t.Run("a wrong password shows the error in the page's language", func(t *testing.T) {
		for _, l := range lang.All() {
			t.Run(l.Code, func(t *testing.T) {
				username := "clerk-" + l.Code
				b.chooseLanguage(t, l, "/signin")
				b.SignIn(t, username, "not the password")
				if got := b.Location(t); !strings.HasPrefix(got, "/signin") {
					t.Fatalf("a wrong password lands on %s", got)
				}
				browsertest.WaitVisible(b.Ctx, t, "#signin-error")
				if got, want := b.Text(t, "#signin-error"), browsertest.Squash(b.cat.T(l.Code, "signin_error_credentials")); got != want {
					t.Errorf("error %q, want %q", got, want)
				}
				if got := b.pageLang(t); got.Code != l.Code {
					t.Errorf("the error page is in %s", got.Code)
				}
				if got := browsertest.Eval[string](t, b.Tab, `document.querySelector("#username").value`); got != username {
					t.Errorf("the form forgot the username: %q", got)
				}
				if got := browsertest.Eval[string](t, b.Tab, `document.querySelector("#password").value`); got != "" {
					t.Errorf("the form sends the password back: %q", got)
				}
				if _, ok := b.Cookie(t, session); ok {
					t.Errorf("a wrong password left a session cookie")
				}
			})
		}
	})
}
