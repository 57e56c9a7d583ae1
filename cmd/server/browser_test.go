package main

// The browser tests drive Debian's Chromium against the fully wired server,
// so that they check what a person sees and does: typing into the sign-in
// form, the language switcher, right-to-left Arabic, keyboard navigation and
// the WCAG 2.2 AA rules of axe-core in every language. The steps themselves
// are the shared kit's (browsertest.Tab); this file only adds the server.
//
// They read every expected text from the message catalogue, never a literal,
// so that translators can change the wording without breaking them.

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/auth"
	"github.com/mofa-vn/chancery/internal/browsertest"
	"github.com/mofa-vn/chancery/internal/config"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
	"github.com/mofa-vn/chancery/locales"
)

// browser is one headless Chromium tab (browsertest.Tab) and the server it
// visits: the handler that build wires, served over TLS with the demo
// content loaded.
type browser struct {
	*browsertest.Tab
	ts  *testServer
	cat *lang.Catalog
}

// newBrowser starts the server and the browser. The tests run on SQLite only:
// they check pages, and the store tests cover PostgreSQL.
func newBrowser(t *testing.T, opts ...browsertest.Option) *browser {
	t.Helper()
	return newBrowserWith(t, nil, opts...)
}

// newBrowserWith is newBrowser with a change to the server's configuration.
func newBrowserWith(t *testing.T, mutate func(*config.Config), opts ...browsertest.Option) *browser {
	t.Helper()
	return newBrowserAt(t, nil, mutate, opts...)
}

// newBrowserAt is newBrowserWith whose server answers at origin applied to
// its listener's (newTestServerAt).
func newBrowserAt(t *testing.T, origin func(listener string) string, mutate func(*config.Config), opts ...browsertest.Option) *browser {
	t.Helper()
	clock := storetest.NewClock(storetest.Start)
	db := storetest.OpenWithClock(t, store.BackendSQLite, clock.Now)
	ts := newTestServerAt(t, db, clock, origin, func(c *config.Config) {
		c.Demo = true
		if mutate != nil {
			mutate(c)
		}
	})
	cat, err := lang.NewCatalog(locales.FS, "vi")
	if err != nil {
		t.Fatal(err)
	}
	return browserOn(t, ts, cat, opts...)
}

// browserOn starts another Chromium, with its own profile and cookies, on
// the server of ts: a second person in the same room, say. The tab trusts
// the server's self-signed certificate by pinning its key (NewTab).
func browserOn(t *testing.T, ts *testServer, cat *lang.Catalog, opts ...browsertest.Option) *browser {
	t.Helper()
	return &browser{Tab: browsertest.NewTab(t, ts.URL, ts.Certificate(), opts...), ts: ts, cat: cat}
}

// pageLang returns the language that the page declares on <html>.
func (b *browser) pageLang(t testing.TB) lang.Language {
	t.Helper()
	tag := browsertest.Eval[string](t, b.Tab, `document.documentElement.lang`)
	for _, l := range lang.All() {
		if l.Tag.String() == tag {
			return l
		}
	}
	t.Fatalf("%s declares lang=%q, which is not a language Chancery serves", b.Location(t), tag)
	return lang.Language{}
}

// chooseLanguage picks a language as a visitor does in the switcher, which
// remembers it in a cookie, and goes on to next.
func (b *browser) chooseLanguage(t testing.TB, l lang.Language, next string) {
	t.Helper()
	b.Open(t, "/lang/"+l.Code+"?next="+url.QueryEscape(next))
	if got := b.pageLang(t); got.Code != l.Code {
		t.Fatalf("after choosing %s, %s is in %s", l.Code, b.Location(t), got.Code)
	}
}

// mediaFlags make Chromium a participant in a room with fake devices.
var mediaFlags = browsertest.MediaOptions()

func mustLang(t testing.TB, code string) lang.Language {
	t.Helper()
	l, ok := lang.Lookup(code)
	if !ok {
		t.Fatalf("no language %q", code)
	}
	return l
}

func TestBrowserSignIn(t *testing.T) {
	b := newBrowser(t)
	const password = "correct horse battery staple"
	u := b.ts.addUser("press", password, account.RolePressOfficer)
	// One account per language for the wrong passwords keeps each below the
	// per-account throttle, which would answer with another message.
	for _, l := range lang.All() {
		b.ts.addUser("clerk-"+l.Code, password, account.RolePressOfficer)
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

func TestBrowserAccessibility(t *testing.T) {
	b := newBrowser(t)
	const password = "correct horse battery staple"
	b.ts.addUser("chief", password, account.RoleAdmin)

	var failed []string
	defer func() {
		if len(failed) > 0 {
			t.Errorf("serious or critical WCAG 2.2 AA violations on %d page(s):\n  %s", len(failed), strings.Join(failed, "\n  "))
		}
	}()
	check := func(t *testing.T, label string) {
		t.Helper()
		var serious []browsertest.Violation
		for _, v := range browsertest.Axe(b.Ctx, t) {
			if v.Serious() {
				serious = append(serious, v)
			}
		}
		if len(serious) > 0 {
			failed = append(failed, label)
			t.Errorf("%s", browsertest.FormatViolations(label, serious))
		}
	}

	for _, l := range lang.All() {
		t.Run(l.Code+" home", func(t *testing.T) {
			b.Open(t, "/"+l.Code+"/")
			if n := browsertest.Eval[int](t, b.Tab, `document.querySelectorAll("main .card").length`); n < 2 {
				t.Fatalf("/%s/ shows %d articles, want the demo's", l.Code, n)
			}
			check(t, "/"+l.Code+"/ home")
		})
	}
	for _, l := range lang.All() {
		t.Run(l.Code+" sign-in", func(t *testing.T) {
			b.chooseLanguage(t, l, "/signin")
			check(t, "/signin in "+l.Code)
		})
	}
	for _, code := range []string{"en", "ar"} {
		l := mustLang(t, code)
		t.Run(code+" sign-in error", func(t *testing.T) {
			b.chooseLanguage(t, l, "/signin")
			b.SignIn(t, "nobody", "not the password")
			browsertest.WaitVisible(b.Ctx, t, "#signin-error")
			check(t, "/signin in "+code+" with an error")
		})
	}

	signedIn := t.Run("sign in", func(t *testing.T) {
		b.chooseLanguage(t, mustLang(t, "en"), "/signin?next=/admin/tokens")
		b.SignIn(t, "chief", password)
		if got := b.Location(t); got != "/admin/tokens" {
			t.Fatalf("signing in lands on %s", got)
		}
		// A token makes the page show its table, and the new secret.
		b.Do(t, "fill in the new-token form",
			chromedp.SendKeys(chromedp.CSS("#name"), "press feed"),
			chromedp.Click(chromedp.CSS(`input[name="roles"]`)),
		)
		b.Follow(t, "create a token", chromedp.Click(chromedp.CSS(`form[action="/admin/tokens"] button[type=submit]`)))
		browsertest.WaitVisible(b.Ctx, t, ".notice .secret")
		check(t, "/admin/tokens in en, with a new token")
	})
	if !signedIn {
		return // the staff pages need the session
	}
	// The rooms page with its invitations table (one valid, one revoked)
	// and, for an administrator, the room's staff and assignment form.
	if room, err := b.ts.db.GetRoomBySlug(t.Context(), testRoom); err == nil {
		now := b.ts.clock.Now()
		for _, id := range []string{"a11y-valid", "a11y-revoked"} {
			if err := b.ts.db.CreateRoomToken(t.Context(), store.RoomToken{ID: id, RoomID: room.ID, Identity: "vn-" + id, Name: "Nguyễn Lan",
				Role: "delegate", IssuedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
		}
		if err := b.ts.db.RevokeRoomToken(t.Context(), room.ID, "a11y-revoked", 0); err != nil {
			t.Fatal(err)
		}
	} else {
		t.Fatalf("demo room: %v", err)
	}
	for _, code := range []string{"en", "ar"} {
		l := mustLang(t, code)
		for _, page := range []string{"/admin", "/admin/users", "/admin/tokens", "/admin/rooms"} {
			t.Run(code+" "+page, func(t *testing.T) {
				b.chooseLanguage(t, l, page)
				if got := b.Location(t); got != page {
					t.Fatalf("%s lands on %s", page, got)
				}
				check(t, page+" in "+code)
			})
		}
	}
}
