package main

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/auth"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// TestInvalidTextIsRefusedAtTheEdge sends NUL characters and broken UTF-8
// where the anonymous and the staff pages read text: every one is a 400 in
// the reader's language on both backends (PostgreSQL used to answer 500 and
// log an error, SQLite stored the NUL).
func TestInvalidTextIsRefusedAtTheEdge(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ts := newTestServer(t, db, clock)
		cat := catalog(t)
		ts.addUser("editor", "editor password 1", account.RolePressOfficer)
		editor := ts.signIn("editor", "editor password 1")
		fr := map[string]string{"Accept-Language": "fr"}

		for _, tc := range []struct {
			name               string
			c                  *http.Client
			method, path, body string
			contentType        string
		}{
			{"NUL in the anonymous sign-in", ts.client(), "POST", "/signin", "username=%00&password=x", "application/x-www-form-urlencoded"},
			{"NUL in the sign-in password", ts.client(), "POST", "/signin", "username=editor&password=a%00b", "application/x-www-form-urlencoded"},
			{"broken UTF-8 in a form", ts.client(), "POST", "/signin", "username=%ff%fe&password=x", "application/x-www-form-urlencoded"},
			{"NUL in a query", editor, "GET", "/api/v1/articles?slug=%00", "", ""},
			{"NUL in a public query", ts.client(), "GET", "/fr/search?q=%00", "", ""},
			{"NUL in a path", ts.client(), "GET", "/fr/news/a%00b", "", ""},
			{"NUL in JSON", editor, "POST", "/api/v1/articles", `{"slug":"a\u0000b","kind":"news","source_lang":"vi"}`, "application/json"},
			{"NUL in a multipart form", editor, "POST", "/press/statements", "--b\r\nContent-Disposition: form-data; name=\"title_en\"\r\n\r\nx\x00y\r\n--b--\r\n", "multipart/form-data; boundary=b"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				hdr := map[string]string{"Accept-Language": "fr"}
				if strings.HasPrefix(tc.path, "/api/") {
					hdr["Accept"] = "application/json"
				}
				r := ts.send(tc.c, tc.method, tc.path, tc.contentType, tc.body, hdr)
				wantStatus(t, r, http.StatusBadRequest)
				wantContains(t, r, cat.T("fr", "error_text_invalid"))
			})
		}

		// Plain text in the same places still works.
		r := ts.get(editor, "/api/v1/articles?slug=no-such-article", fr)
		if r.StatusCode >= 500 || r.StatusCode == http.StatusBadRequest {
			t.Fatalf("a valid query: status %d", r.StatusCode)
		}
		r = ts.postForm(ts.client(), "/signin", url.Values{"username": {"Nguyễn"}, "password": {"mật khẩu"}}, fr)
		wantStatus(t, r, http.StatusUnauthorized)
	})
}

// TestForcedPasswordChangeRefusesEveryRoute signs in with a one-time
// password and walks every registered route: until the password is changed,
// only the change-password page, signing out and static assets answer;
// everything else, pages and API, session and API token alike, refuses.
func TestForcedPasswordChangeRefusesEveryRoute(t *testing.T) {
	clock := storetest.NewClock(storetest.Start)
	db := storetest.OpenWithClock(t, store.BackendSQLite, clock.Now)
	ts := newTestServer(t, db, clock)
	cat := catalog(t)
	admin := ts.addUser("root", "one-time password", account.RoleAdmin, account.RolePressOfficer, account.RoleApprover, account.RoleProtocolOfficer)
	// A token made before the reset must not open the API either.
	secret, _, err := ts.app.auth.CreateToken(context.Background(), admin, "script", []account.Role{account.RoleAdmin}, clock.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SetSetting(context.Background(), auth.PasswordKey(admin.ID), "1"); err != nil {
		t.Fatal(err)
	}

	c := ts.client()
	r := ts.postForm(c, "/signin", url.Values{"username": {"root"}, "password": {"one-time password"}, "next": {"/admin/users"}}, nil)
	wantStatus(t, r, http.StatusSeeOther)
	if loc := r.Header.Get("Location"); !strings.HasPrefix(loc, "/account/password") {
		t.Fatalf("sign-in sent to %q, want the change-password page", loc)
	}

	allowed := map[string]bool{"GET /account/password": true, "POST /account/password": true, "GET /signout": true, "POST /signout": true, "GET /static/{file}": true,
		"GET /metrics": true} // its bearer token is the scraper's, never a user's: 401 to both (TestMetricsToken)
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
				if !containsInSomeLanguage(cat, r.Body, "error_password_change_required") {
					t.Errorf("%s %s: the 403 does not say why: %s", method, path, excerpt(r.Body))
				}
			case r.StatusCode == http.StatusSeeOther && strings.HasPrefix(r.Header.Get("Location"), "/account/password?next="):
			default:
				t.Errorf("%s %s with a one-time password: status %d, Location %q", method, path, r.StatusCode, r.Header.Get("Location"))
			}
			r = ts.send(ts.client(), method, path, "application/json", "{}", token)
			if r.StatusCode != http.StatusForbidden {
				t.Errorf("%s %s with the API token: status %d, want 403", method, path, r.StatusCode)
			}
		})
	}

	// The way out works, and then everything opens again.
	r = ts.get(c, "/account/password", nil)
	wantStatus(t, r, http.StatusOK)
	r = ts.postForm(c, "/account/password", url.Values{"current": {"one-time password"}, "new": {"a new long passphrase"}, "confirm": {"a new long passphrase"}}, nil)
	wantStatus(t, r, http.StatusOK)
	wantStatus(t, ts.get(c, "/admin/users", nil), http.StatusOK)
	wantStatus(t, ts.get(ts.client(), "/api/v1/users", token), http.StatusOK)
}

// containsInSomeLanguage reports whether body carries the message key in one
// of the languages: a page answers in the language of its path.
func containsInSomeLanguage(cat *lang.Catalog, body, key string) bool {
	for _, l := range lang.All() {
		if strings.Contains(body, cat.T(l.Code, key)) {
			return true
		}
	}
	return false
}

// TestMadeUpHostsNeitherFillNorEvictTheCache floods the server with
// requests for made-up hosts: none is rendered or cached (they are sent to
// the public origin), so the real page stays a cache hit and the cache does
// not grow; a form sent to another host is refused with 421.
func TestMadeUpHostsNeitherFillNorEvictTheCache(t *testing.T) {
	clock := storetest.NewClock(storetest.Start)
	db := storetest.OpenWithClock(t, store.BackendSQLite, clock.Now)
	ts := newTestServer(t, db, clock)
	anon := ts.client()
	wantStatus(t, ts.get(anon, "/en/", nil), http.StatusOK)
	if r := ts.get(anon, "/en/", nil); r.Header.Get("X-Cache") != "HIT" {
		t.Fatalf("the home page is not cached: X-Cache %q", r.Header.Get("X-Cache"))
	}
	misses := ts.app.pages.Count("misses")
	for i := range 3000 {
		req, err := http.NewRequest(http.MethodGet, ts.URL+"/en/", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = "flood-" + strconv.Itoa(i) + ".example"
		r := ts.do(anon, req)
		if r.StatusCode != http.StatusPermanentRedirect || r.Header.Get("Location") != ts.URL+"/en/" {
			t.Fatalf("Host %s: status %d, Location %q; want 308 to the public origin", req.Host, r.StatusCode, r.Header.Get("Location"))
		}
	}
	if got := ts.app.pages.Count("misses"); got != misses {
		t.Errorf("made-up hosts rendered %d pages for the cache", got-misses)
	}
	if r := ts.get(anon, "/en/", nil); r.Header.Get("X-Cache") != "HIT" {
		t.Fatalf("after the flood the home page is no longer a hit: X-Cache %q", r.Header.Get("X-Cache"))
	}

	req, err := http.NewRequest(http.MethodPost, ts.URL+"/signin", strings.NewReader("username=a&password=b"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Host = "evil.example"
	r := ts.do(anon, req)
	wantStatus(t, r, http.StatusMisdirectedRequest)
	wantContains(t, r, catalog(t).T("vi", "error_misdirected"))

	// Health checks answer whatever Host a probe sends.
	req, _ = http.NewRequest(http.MethodGet, ts.URL+"/healthz", nil)
	req.Host = "10.0.0.7:8080"
	wantStatus(t, ts.do(anon, req), http.StatusOK)
}
