package main

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/browsertest"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

var (
	staffNavRe  = regexp.MustCompile(`(?s)<nav class="staff-nav" aria-label="([^"]*)">(.*?)</nav>`)
	staffLinkRe = regexp.MustCompile(`<a href="([^"]+)"( aria-current="page")?>`)
)

// staffLinks returns the links of the staff navigation on a page, and the
// one marked as the current page; ok is false when the page has none.
func staffLinks(t *testing.T, body string) (links []string, current string, ok bool) {
	t.Helper()
	m := staffNavRe.FindAllStringSubmatch(body, -1)
	if len(m) == 0 {
		return nil, "", false
	}
	if len(m) > 1 {
		t.Errorf("%d staff navigations on one page", len(m))
	}
	if m[0][1] == "" {
		t.Error("the staff navigation has no accessible name")
	}
	for _, l := range staffLinkRe.FindAllStringSubmatch(m[0][2], -1) {
		links = append(links, l[1])
		if l[2] != "" {
			current = l[1]
		}
	}
	return links, current, true
}

// TestStaffNavigation signs in one person per role (and one holding two
// roles) and follows the staff navigation: every link it shows opens, every
// staff area it leaves out answers 403 to that person, the same links show on
// every staff page they open with the page marked current, and pages outside
// the staff area carry no staff navigation.
func TestStaffNavigation(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ts := newTestServer(t, db, clock)
		var areas []string
		for _, l := range staffNav() {
			areas = append(areas, l.Path)
		}
		people := []struct {
			name  string
			roles []account.Role
			want  []string
			more  []string // other staff pages that open, which must show the navigation too
		}{
			{"admin", []account.Role{account.RoleAdmin}, areas, []string{"/press/calendar", "/press/channels", "/press/compose"}},
			{"press", []account.Role{account.RolePressOfficer}, []string{"/admin", "/press", "/press/queue", "/press/audit", "/admin/articles", "/admin/tokens"}, []string{"/press/compose", "/press/alerts"}},
			{"approver", []account.Role{account.RoleApprover}, []string{"/admin", "/press", "/press/queue", "/press/audit", "/admin/tokens"}, []string{"/press/calendar"}},
			{"protocol", []account.Role{account.RoleProtocolOfficer}, []string{"/admin", "/admin/rooms", "/admin/events", "/admin/tokens"}, []string{"/admin/events/new"}},
			{"chair", []account.Role{account.RoleChair}, []string{"/admin", "/admin/rooms", "/admin/tokens"}, nil},
			{"interpreter", []account.Role{account.RoleInterpreter}, []string{"/admin", "/admin/tokens"}, nil},
			// Two roles on one person: the areas of both.
			{"two", []account.Role{account.RoleApprover, account.RoleChair}, []string{"/admin", "/press", "/press/queue", "/press/audit", "/admin/rooms", "/admin/tokens"}, nil},
			{"delegate", []account.Role{account.RoleDelegate}, nil, nil},
		}
		for _, p := range people {
			t.Run(p.name, func(t *testing.T) {
				ts.addUser("nav-"+p.name, "a long passphrase 1", p.roles...)
				c := ts.signIn("nav-"+p.name, "a long passphrase 1")
				var opened []string
				for _, path := range areas {
					r := ts.get(c, path, nil)
					switch r.StatusCode {
					case http.StatusOK:
						opened = append(opened, path)
					case http.StatusForbidden:
						if _, _, ok := staffLinks(t, r.Body); ok && len(p.want) == 0 {
							t.Errorf("%s: the refusal page shows a staff navigation to someone it opens nothing for", path)
						}
					default:
						t.Errorf("GET %s: status %d; body: %s", path, r.StatusCode, excerpt(r.Body))
					}
				}
				if !slices.Equal(opened, p.want) {
					t.Fatalf("%v open %v, want %v", p.roles, opened, p.want)
				}
				for _, path := range append(slices.Clone(opened), p.more...) {
					r := ts.get(c, path, nil)
					wantStatus(t, r, http.StatusOK)
					links, current, ok := staffLinks(t, r.Body)
					if !ok {
						t.Errorf("%s has no staff navigation", path)
						continue
					}
					if !slices.Equal(links, opened) {
						t.Errorf("%s links %v; the areas %v opens are %v", path, links, p.roles, opened)
					}
					wantCurrent := ""
					if slices.Contains(areas, path) {
						wantCurrent = path
					}
					if current != wantCurrent {
						t.Errorf("%s marks %q as the current page, want %q", path, current, wantCurrent)
					}
				}
				// Outside the staff area: no staff navigation.
				for _, path := range []string{"/vi/", "/account/password"} {
					if _, _, ok := staffLinks(t, ts.get(c, path, nil).Body); ok {
						t.Errorf("%s shows the staff navigation", path)
					}
				}
			})
		}
	})
}

// TestStaffNavigationNamesAreTranslated checks the navigation's name and
// links come in the page's language.
func TestStaffNavigationNamesAreTranslated(t *testing.T) {
	clock := storetest.NewClock(storetest.Start)
	db := storetest.OpenWithClock(t, store.BackendSQLite, clock.Now)
	ts := newTestServer(t, db, clock)
	cat := catalog(t)
	ts.addUser("root", "a long passphrase 1", account.RoleAdmin)
	c := ts.signIn("root", "a long passphrase 1")
	for _, code := range []string{"vi", "en", "ar"} {
		r := ts.get(c, "/admin/tokens", map[string]string{"Accept-Language": code})
		m := staffNavRe.FindStringSubmatch(r.Body)
		if m == nil {
			t.Fatalf("%s: no staff navigation", code)
		}
		if want := cat.T(code, "nav_staff", nil); m[1] != want {
			t.Errorf("%s: navigation named %q, want %q", code, m[1], want)
		}
		for _, l := range staffNav() {
			if name := cat.T(code, l.Key, nil); !strings.Contains(m[2], ">"+name+"</a>") {
				t.Errorf("%s: no link named %q to %s", code, name, l.Path)
			}
		}
	}
}

// TestStaffNavigationInTheBrowser signs in a person holding two roles
// (approver and chair) and, in Vietnamese, English and Arabic, finds the
// navigation on the staff home, follows its rooms link with the keyboard,
// and checks the pages with axe-core (-screenshot-dir DIR keeps the images).
func TestStaffNavigationInTheBrowser(t *testing.T) {
	b := newBrowser(t)
	const password = "correct horse battery staple"
	b.ts.addUser("two-hats", password, account.RoleApprover, account.RoleChair)
	b.chooseLanguage(t, mustLang(t, "en"), "/signin?next=/admin")
	b.SignIn(t, "two-hats", password)
	for _, code := range []string{"vi", "en", "ar"} {
		b.chooseLanguage(t, mustLang(t, code), "/admin")
		got := browsertest.Eval[string](t, b.Tab, `[...document.querySelectorAll('nav.staff-nav a')].map(a => a.getAttribute('href')).join(' ')`)
		if want := "/admin /press /press/queue /press/audit /admin/rooms /admin/tokens"; got != want {
			t.Errorf("%s: the staff navigation links %q, want %q", code, got, want)
		}
		browsertest.AssertNoSeriousViolations(t, b.Ctx, "/admin in "+code+" (staff navigation)")
		b.Screenshot(t, "staff-nav-"+code+".png", 1280, 800)
		b.Do(t, code+": focus the rooms link", chromedp.Focus(chromedp.CSS(`nav.staff-nav a[href="/admin/rooms"]`)))
		b.Follow(t, code+": press Enter", chromedp.KeyEvent(kb.Enter))
		b.WaitFor(t, code+": on the rooms page, marked current", `location.pathname === '/admin/rooms' && document.querySelector('nav.staff-nav a[aria-current="page"]')?.getAttribute('href') === '/admin/rooms'`)
	}
}
