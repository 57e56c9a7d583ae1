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

	"github.com/chromedp/chromedp"

	"github.com/mofa-vn/chancery/internal/account"
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
