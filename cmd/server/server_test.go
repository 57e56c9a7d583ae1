package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
	"github.com/mofa-vn/chancery/locales"
)

func catalog(t *testing.T) *lang.Catalog {
	t.Helper()
	c, err := lang.NewCatalog(locales.FS, "vi")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestLanguages(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ts := newTestServer(t, db, clock)
		c := ts.client()
		cat := catalog(t)

		t.Run("root redirects by Accept-Language only", func(t *testing.T) {
			for _, tc := range []struct{ accept, want string }{
				{"fr-CA,fr;q=0.9", "/fr/"},
				{"zh-CN", "/zh/"},
				{"ar-EG", "/ar/"},
				{"", "/vi/"},
				{"*", "/vi/"},
				{"en-GB,vi;q=0.5", "/en/"},
			} {
				r := ts.get(c, "/", map[string]string{"Accept-Language": tc.accept})
				wantStatus(t, r, http.StatusFound)
				if got := r.Header.Get("Location"); got != tc.want {
					t.Errorf("Accept-Language %q: redirect to %s, want %s", tc.accept, got, tc.want)
				}
				if !strings.Contains(r.Header.Get("Vary"), "Accept-Language") {
					t.Errorf("root redirect lacks Vary: Accept-Language")
				}
			}
		})

		t.Run("every language renders in its own language and direction", func(t *testing.T) {
			for _, l := range lang.All() {
				r := ts.get(c, "/"+l.Code+"/", map[string]string{"Accept-Language": "en"})
				wantStatus(t, r, http.StatusOK)
				wantContains(t, r, `<html lang="`+l.Tag.String()+`" dir="`+l.Dir+`">`, cat.T(l.Code, "home_heading"), `hreflang="x-default"`)
				if l.Code != "en" && strings.Contains(r.Body, cat.T("en", "home_heading")) {
					t.Errorf("%s page shows the English heading", l.Code)
				}
			}
			if lang.All()[6].Dir != "rtl" {
				t.Fatalf("Arabic must be rtl")
			}
		})

		t.Run("unserved languages get the chooser, never a similar language", func(t *testing.T) {
			// Ukrainian must not get Russian, Persian not Arabic,
			// Traditional Chinese not Simplified.
			for _, accept := range []string{"uk", "fa", "zh-TW", "uk-UA,be;q=0.8", "sr"} {
				r := ts.get(c, "/", map[string]string{"Accept-Language": accept})
				wantStatus(t, r, http.StatusOK)
				if loc := r.Header.Get("Location"); loc != "" {
					t.Fatalf("%s: redirected to %s", accept, loc)
				}
				for _, l := range lang.All() {
					wantContains(t, r, `<li lang="`+l.Tag.String()+`" dir="`+l.Dir+`">`, `next=/`+l.Code+`/`, cat.T(l.Code, "lang_not_served"))
				}
			}
		})

		t.Run("deep links are never redirected", func(t *testing.T) {
			r := ts.get(c, "/en/", map[string]string{"Accept-Language": "fr"})
			wantStatus(t, r, http.StatusOK)
			wantContains(t, r, `lang="en"`)
		})

		t.Run("unknown language prefix is a localised 404 with the languages", func(t *testing.T) {
			for _, p := range []string{"/uk/", "/xx/", "/en-US/", "/no/such/page"} {
				r := ts.get(c, p, map[string]string{"Accept-Language": "fr"})
				wantStatus(t, r, http.StatusNotFound)
				wantContains(t, r, cat.T("fr", "error_not_found"), `href="/ar/"`, "العربية", `href="/zh/"`)
			}
		})

		t.Run("switcher choice is remembered for the root", func(t *testing.T) {
			jc := ts.client()
			r := ts.get(jc, "/lang/ar?next="+url.QueryEscape("/en/"), nil)
			wantStatus(t, r, http.StatusSeeOther)
			if got := r.Header.Get("Location"); got != "/ar/" {
				t.Fatalf("switch to ar from /en/ goes to %s", got)
			}
			ck := r.Header.Get("Set-Cookie")
			for _, attr := range []string{"chancery_lang=ar", "HttpOnly", "Secure", "SameSite=Lax"} {
				if !strings.Contains(ck, attr) {
					t.Errorf("language cookie %q lacks %s", ck, attr)
				}
			}
			r = ts.get(jc, "/", map[string]string{"Accept-Language": "fr"})
			if got := r.Header.Get("Location"); got != "/ar/" {
				t.Fatalf("root after choosing ar goes to %s, want /ar/", got)
			}
			// The explicit choice also sets the language of unprefixed pages.
			r = ts.get(jc, "/signin", map[string]string{"Accept-Language": "fr"})
			wantContains(t, r, `<html lang="ar" dir="rtl">`)
		})

		t.Run("switcher refuses open redirects", func(t *testing.T) {
			for _, next := range []string{"https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"} {
				r := ts.get(c, "/lang/en?next="+url.QueryEscape(next), nil)
				if got := r.Header.Get("Location"); got != "/" {
					t.Errorf("next=%q redirects to %q, want /", next, got)
				}
			}
		})
	})
}

func TestSignIn(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ts := newTestServer(t, db, clock)
		cat := catalog(t)
		ts.addUser("press", "correct horse battery", account.RolePressOfficer)

		t.Run("staff pages send anonymous visitors to sign in", func(t *testing.T) {
			r := ts.get(ts.client(), "/admin/users", nil)
			wantStatus(t, r, http.StatusSeeOther)
			if got := r.Header.Get("Location"); got != "/signin?next=%2Fadmin%2Fusers" {
				t.Fatalf("redirect to %s", got)
			}
			r = ts.get(ts.client(), "/api/v1/users", nil)
			wantStatus(t, r, http.StatusUnauthorized)
		})

		t.Run("wrong password is refused in the user's language", func(t *testing.T) {
			r := ts.postForm(ts.client(), "/signin", url.Values{"username": {"press"}, "password": {"nope"}}, map[string]string{"Accept-Language": "ru"})
			wantStatus(t, r, http.StatusUnauthorized)
			wantContains(t, r, cat.T("ru", "signin_error_credentials"), `value="press"`)
		})

		t.Run("empty form is a 400 with a message", func(t *testing.T) {
			r := ts.postForm(ts.client(), "/signin", url.Values{}, nil)
			wantStatus(t, r, http.StatusBadRequest)
			wantContains(t, r, cat.T("vi", "signin_error_missing"))
		})

		t.Run("right password opens a secure session", func(t *testing.T) {
			c := ts.client()
			r := ts.postForm(c, "/signin", url.Values{"username": {"Press "}, "password": {"correct horse battery"}, "next": {"/admin"}}, nil)
			wantStatus(t, r, http.StatusSeeOther)
			ck := r.Header.Get("Set-Cookie")
			for _, attr := range []string{"__Host-chancery_session=", "Path=/", "HttpOnly", "Secure", "SameSite=Lax"} {
				if !strings.Contains(ck, attr) {
					t.Errorf("session cookie %q lacks %s", ck, attr)
				}
			}
			r = ts.get(c, "/admin", nil)
			wantStatus(t, r, http.StatusOK)
			wantContains(t, r, "PRESS")
			// Press officers are staff but not administrators.
			wantStatus(t, ts.get(c, "/admin/users", nil), http.StatusForbidden)
			wantStatus(t, ts.get(c, "/api/v1/users", nil), http.StatusForbidden)

			// Signing out ends the session on the server, not only the cookie.
			var secret string
			for _, part := range strings.Split(ck, ";") {
				if v, ok := strings.CutPrefix(strings.TrimSpace(part), "__Host-chancery_session="); ok {
					secret = v
				}
			}
			r = ts.get(c, "/signout", nil)
			wantStatus(t, r, http.StatusOK)
			wantContains(t, r, `action="/signout"`, "PRESS")
			wantStatus(t, ts.postForm(c, "/signout", nil, nil), http.StatusSeeOther)
			r = ts.get(c, "/signout", nil)
			wantContains(t, r, cat.T("vi", "signout_anonymous"))
			stale := ts.client()
			req, _ := http.NewRequest(http.MethodGet, ts.URL+"/admin", nil)
			req.AddCookie(&http.Cookie{Name: "__Host-chancery_session", Value: secret})
			wantStatus(t, ts.do(stale, req), http.StatusSeeOther)
		})

		t.Run("sessions expire", func(t *testing.T) {
			c := ts.signIn("press", "correct horse battery")
			wantStatus(t, ts.get(c, "/admin", nil), http.StatusOK)
			clock.Advance(13 * time.Hour)
			wantStatus(t, ts.get(c, "/admin", nil), http.StatusSeeOther)
		})

		t.Run("delegates are not staff", func(t *testing.T) {
			ts.addUser("delegate", "delegate password 1", account.RoleDelegate)
			c := ts.signIn("delegate", "delegate password 1")
			r := ts.get(c, "/admin", map[string]string{"Accept-Language": "es"})
			wantStatus(t, r, http.StatusForbidden)
			wantContains(t, r, cat.T("es", "error_forbidden"))
		})

		t.Run("disabled accounts cannot sign in", func(t *testing.T) {
			u := ts.addUser("gone", "gone password 12", account.RoleApprover)
			u.Disabled = true
			if _, err := db.UpdateUser(t.Context(), u); err != nil {
				t.Fatal(err)
			}
			r := ts.postForm(ts.client(), "/signin", url.Values{"username": {"gone"}, "password": {"gone password 12"}}, nil)
			wantStatus(t, r, http.StatusUnauthorized)
		})

		t.Run("sign-in slows an account down, and an administrator can clear it", func(t *testing.T) {
			target := ts.addUser("target", "target password 1", account.RoleChair)
			for i := 0; i < 5; i++ {
				wantStatus(t, ts.postForm(ts.client(), "/signin", url.Values{"username": {"target"}, "password": {"guess"}}, nil), http.StatusUnauthorized)
			}
			// Even the right password waits, but seconds, not minutes.
			r := ts.postForm(ts.client(), "/signin", url.Values{"username": {"target"}, "password": {"target password 1"}}, map[string]string{"Accept-Language": "zh"})
			wantStatus(t, r, http.StatusTooManyRequests)
			if r.Header.Get("Retry-After") != "2" {
				t.Errorf("Retry-After %q, want 2", r.Header.Get("Retry-After"))
			}
			wantContains(t, r, cat.T("zh", "signin_error_wait", map[string]any{"Seconds": 2}))

			// The administrator sees it and clears it.
			ts.addUser("keeper", "keeper password 1", account.RoleAdmin)
			keeper := ts.signIn("keeper", "keeper password 1")
			page := ts.get(keeper, "/admin/users/"+itoa(target.ID), map[string]string{"Accept-Language": "en"})
			wantContains(t, page, cat.T("en", "users_lock_state", map[string]any{"Failures": 5, "Seconds": 2}))
			r = ts.postForm(keeper, "/admin/users/"+itoa(target.ID)+"/signin-lock", url.Values{}, map[string]string{"Accept-Language": "en"})
			wantStatus(t, r, http.StatusOK)
			wantContains(t, r, cat.T("en", "users_lock_cleared"), cat.T("en", "users_lock_none"))
			ts.signIn("target", "target password 1")
		})

		t.Run("sign-in is throttled per address", func(t *testing.T) {
			clock.Advance(time.Hour)
			for i := 0; i < 30; i++ {
				ts.postForm(ts.client(), "/signin", url.Values{"username": {"nobody" + string(rune('a'+i%26))}, "password": {"x"}}, nil)
			}
			r := ts.postForm(ts.client(), "/signin", url.Values{"username": {"press"}, "password": {"correct horse battery"}}, nil)
			wantStatus(t, r, http.StatusTooManyRequests)
			clock.Advance(16 * time.Minute)
		})
	})
}

func TestCSRF(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ts := newTestServer(t, db, clock)
		cat := catalog(t)
		ts.addUser("root", "root password 12", account.RoleAdmin)
		c := ts.signIn("root", "root password 12")
		form := url.Values{"username": {"mallory"}, "display_name": {"Mallory"}, "roles": {"admin"}}

		r := ts.postForm(c, "/admin/users", form, map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site", "Accept-Language": "fr"})
		wantStatus(t, r, http.StatusForbidden)
		wantContains(t, r, cat.T("fr", "error_cross_origin"))
		if _, err := db.GetUserByUsername(t.Context(), "mallory"); err == nil {
			t.Fatal("a cross-site form created a user")
		}
		// The same form from our own pages works.
		r = ts.postForm(c, "/admin/users", form, map[string]string{"Origin": ts.URL, "Sec-Fetch-Site": "same-origin"})
		wantStatus(t, r, http.StatusCreated)
		// Signing out from another site is refused too.
		wantStatus(t, ts.postForm(c, "/signout", nil, map[string]string{"Sec-Fetch-Site": "cross-site"}), http.StatusForbidden)
	})
}

func TestUserManagement(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ts := newTestServer(t, db, clock)
		cat := catalog(t)
		root := ts.addUser("root", "root password 12", account.RoleAdmin)
		c := ts.signIn("root", "root password 12")

		r := ts.postForm(c, "/admin/users", url.Values{"username": {"Interp.One"}, "display_name": {"Nguyễn Thị Mai"}, "roles": {"interpreter", "delegate"}}, nil)
		wantStatus(t, r, http.StatusCreated)
		wantContains(t, r, "interp.one", "Nguyễn Thị Mai", `class="secret"`)
		u, err := db.GetUserByUsername(t.Context(), "interp.one")
		if err != nil {
			t.Fatal(err)
		}
		if !u.HasRole(account.RoleInterpreter) || !u.HasRole(account.RoleDelegate) || u.HasRole(account.RoleAdmin) {
			t.Fatalf("roles %v", u.Roles)
		}

		t.Run("the count uses CLDR plurals and digits", func(t *testing.T) {
			users, _ := db.ListUsers(t.Context())
			for _, code := range []string{"ru", "ar", "fr"} {
				r := ts.get(c, "/admin/users", map[string]string{"Accept-Language": code})
				wantContains(t, r, cat.N(code, "users_count", len(users), nil))
			}
			if got := cat.N("ru", "users_count", 3, nil); got != "3 учётные записи" {
				t.Fatalf("ru few form: %q", got)
			}
		})

		for _, tc := range []struct {
			name string
			form url.Values
			key  string
			code int
		}{
			{"duplicate", url.Values{"username": {"interp.one"}, "display_name": {"X"}, "roles": {"delegate"}}, "users_error_taken", http.StatusConflict},
			{"bad username", url.Values{"username": {"a b"}, "display_name": {"X"}}, "users_error_username", http.StatusBadRequest},
			{"unknown role", url.Values{"username": {"abc"}, "display_name": {"X"}, "roles": {"king"}}, "users_error_role", http.StatusBadRequest},
			{"bad email", url.Values{"username": {"abc"}, "display_name": {"X"}, "email": {"not-an-address"}}, "users_error_email", http.StatusBadRequest},
			{"short password", url.Values{"username": {"abc"}, "display_name": {"X"}, "password": {"short"}}, "password_error_length", http.StatusBadRequest},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := ts.postForm(c, "/admin/users", tc.form, map[string]string{"Accept-Language": "ar"})
				wantStatus(t, r, tc.code)
				wantContains(t, r, cat.T("ar", tc.key, map[string]any{"Min": 12}))
			})
		}

		t.Run("edit roles, zone and disable", func(t *testing.T) {
			path := "/admin/users/" + itoa(u.ID)
			r := ts.postForm(c, path, url.Values{"display_name": {"Mai"}, "roles": {"chair"}, "time_zone": {"Europe/Zurich"}, "lang": {"fr"}, "disabled": {"on"}}, nil)
			wantStatus(t, r, http.StatusOK)
			got, _ := db.GetUser(t.Context(), u.ID)
			if got.DisplayName != "Mai" || len(got.Roles) != 1 || got.Roles[0] != account.RoleChair || !got.Disabled || got.TimeZone != "Europe/Zurich" || got.Lang != "fr" {
				t.Fatalf("after edit: %+v", got)
			}
			r = ts.postForm(c, path, url.Values{"display_name": {"Mai"}, "time_zone": {"Europe/Geneva"}}, nil)
			wantStatus(t, r, http.StatusBadRequest) // Geneva is Europe/Zurich
		})

		t.Run("an administrator cannot lock themselves out", func(t *testing.T) {
			r := ts.postForm(c, "/admin/users/"+itoa(root.ID), url.Values{"display_name": {"Root"}, "roles": {"delegate"}}, nil)
			wantStatus(t, r, http.StatusBadRequest)
			r = ts.postForm(c, "/admin/users/"+itoa(root.ID), url.Values{"display_name": {"Root"}, "roles": {"admin"}, "disabled": {"on"}}, nil)
			wantStatus(t, r, http.StatusBadRequest)
		})

		t.Run("reset password ends sessions and forces a change", func(t *testing.T) {
			other := ts.addUser("approver", "approver pass 12", account.RoleApprover)
			oc := ts.signIn("approver", "approver pass 12")
			r := ts.postForm(c, "/admin/users/"+itoa(other.ID)+"/password", nil, nil)
			wantStatus(t, r, http.StatusOK)
			wantStatus(t, ts.get(oc, "/admin", nil), http.StatusSeeOther)
			i := strings.Index(r.Body, `class="secret" dir="ltr">`)
			pw := r.Body[i+len(`class="secret" dir="ltr">`):]
			pw = pw[:strings.Index(pw, "<")]
			nc := ts.client()
			r = ts.postForm(nc, "/signin", url.Values{"username": {"approver"}, "password": {pw}}, nil)
			wantStatus(t, r, http.StatusSeeOther)
			if loc := r.Header.Get("Location"); !strings.HasPrefix(loc, "/account/password") {
				t.Fatalf("after reset, sign-in goes to %s", loc)
			}
			elsewhere := ts.signIn("approver", pw) // e.g. whoever intercepted the one-time password
			r = ts.postForm(nc, "/account/password", url.Values{"current": {pw}, "new": {"a brand new passphrase"}, "confirm": {"a brand new passphrase"}}, nil)
			wantStatus(t, r, http.StatusOK)
			wantStatus(t, ts.get(nc, "/admin", nil), http.StatusOK)
			wantStatus(t, ts.get(elsewhere, "/admin", nil), http.StatusSeeOther)
			r = ts.postForm(ts.client(), "/signin", url.Values{"username": {"approver"}, "password": {"a brand new passphrase"}}, nil)
			if loc := r.Header.Get("Location"); loc != "/admin" {
				t.Fatalf("after change, sign-in goes to %s", loc)
			}
		})

		t.Run("unknown user id is 404, garbage id is 404", func(t *testing.T) {
			wantStatus(t, ts.get(c, "/admin/users/999999", nil), http.StatusNotFound)
			wantStatus(t, ts.get(c, "/admin/users/abc", nil), http.StatusNotFound)
		})
	})
}

func TestAPI(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ts := newTestServer(t, db, clock)
		cat := catalog(t)
		ts.addUser("root", "root password 12", account.RoleAdmin, account.RolePressOfficer)
		c := ts.signIn("root", "root password 12")

		token := func(roles ...string) string {
			t.Helper()
			r := ts.postForm(c, "/admin/tokens", url.Values{"name": {"ci"}, "roles": roles, "days": {"30"}}, nil)
			wantStatus(t, r, http.StatusCreated)
			i := strings.Index(r.Body, "chy_")
			return r.Body[i : i+strings.IndexByte(r.Body[i:], '<')]
		}
		adminTok, pressTok := token("admin"), token("press_officer")
		bearer := func(tok string, extra ...string) map[string]string {
			h := map[string]string{"Authorization": "Bearer " + tok}
			for i := 0; i+1 < len(extra); i += 2 {
				h[extra[i]] = extra[i+1]
			}
			return h
		}
		api := ts.Server.Client()

		t.Run("a token scoped to admin manages users", func(t *testing.T) {
			r := ts.send(api, http.MethodPost, "/api/v1/users", "application/json", `{"username":"newbie","display_name":"Newbie","roles":["delegate"]}`, bearer(adminTok))
			wantStatus(t, r, http.StatusCreated)
			var created CreatedJSONForTest
			if err := json.Unmarshal([]byte(r.Body), &created); err != nil {
				t.Fatal(err)
			}
			if created.User.Username != "newbie" || created.Password == "" || strings.Contains(r.Body, "argon2") {
				t.Fatalf("created: %s", r.Body)
			}
			r = ts.send(api, http.MethodPatch, "/api/v1/users/"+itoa(created.User.ID), "application/json", `{"roles":["chair","delegate"]}`, bearer(adminTok))
			wantStatus(t, r, http.StatusOK)
			wantContains(t, r, `"chair"`, `"delegate"`)
			r = ts.get(api, "/api/v1/users", bearer(adminTok))
			wantStatus(t, r, http.StatusOK)
			wantContains(t, r, `"newbie"`, `"root"`)
			if strings.Contains(r.Body, "password") {
				t.Fatal("user list leaks password data")
			}
		})

		t.Run("a token never exceeds its scope", func(t *testing.T) {
			r := ts.get(api, "/api/v1/users", bearer(pressTok))
			wantStatus(t, r, http.StatusForbidden)
			r = ts.get(api, "/api/v1/me", bearer(pressTok))
			wantStatus(t, r, http.StatusOK)
			wantContains(t, r, `"effective_roles":["press_officer"]`, `"via_token":true`)
		})

		t.Run("bad tokens are 401 in JSON", func(t *testing.T) {
			for _, h := range []map[string]string{bearer("chy_forged"), bearer("nonsense"), {"Authorization": "Basic dXNlcjpwYXNz"}} {
				r := ts.get(api, "/api/v1/me", h)
				wantStatus(t, r, http.StatusUnauthorized)
				wantContains(t, r, `"error":{"code":`)
			}
		})

		t.Run("expired tokens are refused", func(t *testing.T) {
			clock.Advance(31 * 24 * time.Hour)
			wantStatus(t, ts.get(api, "/api/v1/me", bearer(pressTok)), http.StatusUnauthorized)
		})

		tok := func() string { c = ts.signIn("root", "root password 12"); return token("admin") }()
		for _, tc := range []struct {
			name, ctype, body string
			code              int
			key               string
		}{
			{"malformed", "application/json", `{"username":`, http.StatusBadRequest, "error_json_syntax"},
			{"empty", "application/json", ``, http.StatusBadRequest, "error_json_empty"},
			{"unknown field", "application/json", `{"usernme":"x"}`, http.StatusBadRequest, "error_json_invalid"},
			{"wrong type", "application/json", `{"username":42}`, http.StatusBadRequest, "error_json_type"},
			{"trailing", "application/json", `{"username":"abc"} {}`, http.StatusBadRequest, "error_json_trailing"},
			{"not json", "text/plain", `hello`, http.StatusUnsupportedMediaType, "error_json_content_type"},
			{"invalid value", "application/json", `{"username":"ok-name","roles":["emperor"]}`, http.StatusBadRequest, "users_error_role"},
			{"oversize", "application/json", `{"display_name":"` + strings.Repeat("a", 2<<20) + `"}`, http.StatusRequestEntityTooLarge, "error_too_large"},
		} {
			t.Run("bad input: "+tc.name, func(t *testing.T) {
				r := ts.send(api, http.MethodPost, "/api/v1/users", tc.ctype, tc.body, bearer(tok, "Accept-Language", "fr"))
				wantStatus(t, r, tc.code)
				var body struct {
					Error struct{ Code, Message string }
				}
				if err := json.Unmarshal([]byte(r.Body), &body); err != nil {
					t.Fatalf("not JSON: %s", r.Body)
				}
				want := cat.T("fr", tc.key, map[string]any{"Field": "username"})
				if body.Error.Message != want {
					t.Fatalf("message %q, want %q", body.Error.Message, want)
				}
			})
		}
	})
}

// CreatedJSONForTest mirrors admin.CreatedJSON for decoding.
type CreatedJSONForTest struct {
	User struct {
		ID       int64  `json:"id"`
		Username string `json:"username"`
	} `json:"user"`
	Password string `json:"generated_password"`
}
