package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/config"
	"github.com/mofa-vn/chancery/internal/social/linkedin/linkedinfake"
	"github.com/mofa-vn/chancery/internal/social/mastodon/mastodonfake"
	"github.com/mofa-vn/chancery/internal/social/x/xfake"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newLoggedServer is newTestServer with the log kept, at debug level, so
// that tests can search it for secrets.
func newLoggedServer(t *testing.T, db *store.DB, clock *storetest.Clock, logs *syncBuffer, mutate ...func(*config.Config)) *testServer {
	t.Helper()
	cfg := testConfig()
	for _, m := range mutate {
		m(&cfg)
	}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, ts := buildTLS(t, cfg, db, log, logs, buildOptions{now: clock.Now, argon2: cheapArgon}, nil)
	return &testServer{Server: ts, db: db, clock: clock, t: t, app: a}
}

// bodies collects every response a test saw, to search for secrets.
type bodies struct{ all []string }

func (b *bodies) add(r response) response {
	b.all = append(b.all, r.Body, fmt.Sprint(r.Header))
	return r
}

func wantNoSecret(t *testing.T, where string, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(text, s) {
			t.Errorf("%s shows the secret %q", where, s)
		}
	}
}

// A press officer connects a Mastodon channel with a token: a token pasted
// with a space is refused with a clear message and nothing is stored; the
// real token is checked with the instance, stored sealed, and the page shows
// the account. No page, API answer or log line ever shows the token.
func TestConnectTokenForm(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		const token = "mastodon-SECRET-token-Zx81"
		fake := mastodonfake.New(token)
		t.Cleanup(fake.Close)
		var logs syncBuffer
		ts := newLoggedServer(t, db, clock, &logs, allowAPIs(fake.URL))
		ts.addUser("olivia", "officer-password-1", account.RolePressOfficer)
		ts.addUser("arthur", "approver-password-1", account.RoleApprover)
		officer := ts.signIn("olivia", "officer-password-1")
		approver := ts.signIn("arthur", "approver-password-1")
		var seen bodies

		// The channel is made with the press office's form, which asks for
		// the instance's address.
		wantContains(t, ts.get(officer, "/press/channels", map[string]string{"Accept-Language": "en"}), `name="base_url"`, "Server address")
		wantStatus(t, ts.postForm(officer, "/press/channels", url.Values{"network": {"mastodon"}, "name": {"Mastodon MOFA"}, "base_url": {fake.URL},
			"languages": {"en"}, "time_zone": {"UTC"}, "max_length": {"0"}}, nil), http.StatusSeeOther)
		chs, err := db.ListChannels(t.Context())
		if err != nil || len(chs) != 1 || chs[0].BaseURL != fake.URL {
			t.Fatalf("channels %+v, %v", chs, err)
		}
		id := chs[0].ID
		page := fmt.Sprintf("/press/channels/%d/connect", id)
		r := seen.add(ts.get(officer, page, map[string]string{"Accept-Language": "en"}))
		wantStatus(t, r, http.StatusOK)
		wantContains(t, seen.add(ts.get(officer, "/press/channels", nil)), page)
		wantStatus(t, r, http.StatusOK)
		wantContains(t, r, "Not connected yet.", `name="access_token"`)

		// Pasted with a space: refused, in the officer's language.
		r = seen.add(ts.postForm(officer, page, url.Values{"access_token": {"mastodon-SECRET token-Zx81"}}, map[string]string{"Accept-Language": "fr"}))
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantContains(t, r, "Ces identifiants ne peuvent pas fonctionner", "spaces")
		if _, err := db.ChannelCredential(t.Context(), id); err == nil {
			t.Fatal("a refused token was stored")
		}
		// A token the instance does not know: refused after asking it.
		r = seen.add(ts.postForm(officer, page, url.Values{"access_token": {"mastodon-wrong-token"}}, map[string]string{"Accept-Language": "en"}))
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantContains(t, r, "The network refused these credentials")
		// An approver may look but not connect.
		wantStatus(t, seen.add(ts.postForm(approver, page, url.Values{"access_token": {token}}, nil)), http.StatusForbidden)

		r = seen.add(ts.postForm(officer, page, url.Values{"access_token": {token}}, nil))
		wantStatus(t, r, http.StatusSeeOther)
		r = seen.add(ts.get(officer, r.Header.Get("Location"), map[string]string{"Accept-Language": "en"}))
		wantStatus(t, r, http.StatusOK)
		wantContains(t, r, "The account is connected", "confirmed by the network just now", "Does not expire")
		sealed, err := db.ChannelCredential(t.Context(), id)
		if err != nil || bytes.Contains(sealed, []byte(token)) {
			t.Fatalf("stored credential: %v (plain text: %v)", err, bytes.Contains(sealed, []byte(token)))
		}
		seen.add(ts.get(approver, page, nil))
		seen.add(ts.get(officer, "/press/channels", nil))
		seen.add(ts.get(officer, "/api/v1/publishing/channels", nil))
		for _, b := range seen.all {
			wantNoSecret(t, "a response", b, token)
		}
		wantNoSecret(t, "the log", logs.String(), token)
	})
}

// X through OAuth 2.0 with PKCE: the officer is sent to X's consent page,
// comes back with a code and the state, and the channel is connected. The
// state is bound to the browser and the user that started the flow.
func TestConnectXOAuth(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		fake := xfake.New(xfake.Options{Now: clock.Now})
		t.Cleanup(fake.Close)
		var logs syncBuffer
		ts := newLoggedServer(t, db, clock, &logs, func(c *config.Config) {
			c.Connect.XClientID, c.Connect.XClientSecret = fake.Options().ClientID, fake.Options().ClientSecret
			c.Publish.ExtraAPIs = fake.URL // the fake stands in for api.x.com
		})
		ts.addUser("olivia", "officer-password-1", account.RolePressOfficer)
		ts.addUser("peter", "officer-password-2", account.RolePressOfficer)
		officer := ts.signIn("olivia", "officer-password-1")
		other := ts.signIn("peter", "officer-password-2")
		ch := ts.api(officer, "POST", "/api/v1/publishing/channels", map[string]any{"network": "x", "name": "X MOFA",
			"base_url": fake.URL, "languages": []string{"en"}, "time_zone": "UTC"}, http.StatusCreated)
		id := int64(ch["id"].(float64))
		page := fmt.Sprintf("/press/channels/%d/connect", id)
		wantContains(t, ts.get(officer, page, map[string]string{"Accept-Language": "en"}), "Sign in with x")

		start := func(c *http.Client) *url.URL {
			t.Helper()
			r := ts.postForm(c, page[:len(page)-len("connect")]+"oauth", nil, nil)
			wantStatus(t, r, http.StatusOK)
			to, _ := url.Parse(continueLink(t, r))
			if !strings.HasPrefix(to.String(), fake.URL+"/i/oauth2/authorize") || to.Query().Get("code_challenge_method") != "S256" {
				t.Fatalf("sent to %s", to)
			}
			// X's consent page sends the browser back.
			res, err := ts.client().Get(to.String())
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			back, _ := url.Parse(res.Header.Get("Location"))
			if !strings.HasPrefix(back.String(), ts.URL+"/press/oauth/callback") {
				t.Fatalf("X sent the browser to %s", back)
			}
			return back
		}

		// Someone else's browser cannot complete the officer's flow.
		back := start(officer)
		r := ts.get(other, back.RequestURI(), map[string]string{"Accept-Language": "en"})
		wantStatus(t, r, http.StatusBadRequest)
		wantContains(t, r, "not valid")
		// Nor a forged state.
		forged := *back
		q := forged.Query()
		q.Set("state", "forged")
		forged.RawQuery = q.Encode()
		wantStatus(t, ts.get(officer, forged.RequestURI(), nil), http.StatusBadRequest)

		// The officer refuses on X's consent page: nothing changes.
		back = start(officer)
		denied := url.Values{"state": {back.Query().Get("state")}, "error": {"access_denied"}}
		r = ts.get(officer, "/press/oauth/callback?"+denied.Encode(), map[string]string{"Accept-Language": "en"})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantContains(t, r, "did not grant access")
		if _, err := db.ChannelCredential(t.Context(), id); err == nil {
			t.Fatal("credentials stored after a refusal")
		}

		back = start(officer)
		r = ts.get(officer, back.RequestURI(), nil)
		wantStatus(t, r, http.StatusSeeOther)
		r = ts.get(officer, r.Header.Get("Location"), map[string]string{"Accept-Language": "en"})
		wantContains(t, r, "The account is connected", "mofa_vn", "Access expires")
		// The state is used once.
		wantStatus(t, ts.get(officer, back.RequestURI(), nil), http.StatusBadRequest)

		plain, err := ts.app.connectors.Credentials(id).Load(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		var s struct{ AccessToken, RefreshToken string }
		_ = json.Unmarshal(bytes.ReplaceAll(bytes.ReplaceAll(plain, []byte("access_token"), []byte("AccessToken")), []byte("refresh_token"), []byte("RefreshToken")), &s)
		if s.AccessToken == "" || s.RefreshToken == "" {
			t.Fatalf("stored secret lacks the tokens")
		}
		wantNoSecret(t, "the log", logs.String(), s.AccessToken, s.RefreshToken, fake.Options().ClientSecret)
		wantNoSecret(t, "the page", r.Body, s.AccessToken, s.RefreshToken)

		// The app's secret goes nowhere else: a press officer cannot name
		// another server for X, in the form or the API, and a channel that
		// names one (made before the rule) gets no OAuth flow and no
		// connector.
		collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			t.Errorf("the collector was called: %s %s", r.Method, r.URL)
		}))
		t.Cleanup(collector.Close)
		bad := ts.send(officer, "POST", "/api/v1/publishing/channels", "application/json",
			`{"network":"x","name":"X copy","base_url":"`+collector.URL+`","languages":["en"],"time_zone":"UTC"}`, map[string]string{"Accept-Language": "vi"})
		wantStatus(t, bad, http.StatusUnprocessableEntity)
		wantContains(t, bad, "Mạng này chỉ được kết nối qua địa chỉ chính thức")
		form := ts.postForm(officer, "/press/channels", url.Values{"network": {"x"}, "name": {"X copy"}, "base_url": {collector.URL},
			"languages": {"en"}, "time_zone": {"UTC"}}, map[string]string{"Accept-Language": "en"})
		// The form comes back as typed, with the reason, in the officer's
		// language.
		wantStatus(t, form, http.StatusUnprocessableEntity)
		wantContains(t, form, "This network is reached at its own address only", `value="X copy"`, `value="`+collector.URL+`" aria-describedby="base_url_hint" aria-invalid="true"`,
			`<option value="x" selected>`, `value="en" checked`, `value="UTC"`)
		if err := db.SetChannelBaseURL(t.Context(), id, collector.URL); err != nil {
			t.Fatal(err)
		}
		ts.app.connectors.Forget(id)
		wantStatus(t, ts.postForm(officer, fmt.Sprintf("/press/channels/%d/oauth", id), nil, nil), http.StatusNotFound)
		legacy, err := db.GetChannel(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ts.app.connectors.Resolve(t.Context(), legacy); err == nil || !strings.Contains(err.Error(), "not x's own API") {
			t.Errorf("a connector for a channel at %s: %v", collector.URL, err)
		}
	})
}

// LinkedIn through its authorization-code flow; a later reconnect with a
// pasted access token keeps the working refresh token.
func TestConnectLinkedInKeepsRefreshToken(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		fake := linkedinfake.New("unused")
		t.Cleanup(fake.Close)
		fake.SetRefresh("", "li-app", "li-app-secret")
		var logs syncBuffer
		ts := newLoggedServer(t, db, clock, &logs, func(c *config.Config) {
			c.Connect.LinkedInClientID, c.Connect.LinkedInClientSecret = "li-app", "li-app-secret"
			c.Publish.ExtraAPIs = fake.URL
		})
		ts.addUser("olivia", "officer-password-1", account.RolePressOfficer)
		officer := ts.signIn("olivia", "officer-password-1")
		ch := ts.api(officer, "POST", "/api/v1/publishing/channels", map[string]any{"network": "linkedin", "name": "LinkedIn MOFA",
			"base_url": fake.URL, "languages": []string{"en"}, "time_zone": "UTC"}, http.StatusCreated)
		id := int64(ch["id"].(float64))
		oauth := fmt.Sprintf("/press/channels/%d/oauth", id)
		wantStatus(t, ts.postForm(officer, oauth, url.Values{}, nil), http.StatusUnprocessableEntity)
		r := ts.postForm(officer, oauth, url.Values{"organization": {strings.TrimPrefix(linkedinfake.Organization, "urn:li:organization:")}}, nil)
		wantStatus(t, r, http.StatusOK)
		res, err := ts.client().Get(continueLink(t, r))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		back, _ := url.Parse(res.Header.Get("Location"))
		r = ts.get(officer, back.RequestURI(), nil)
		wantStatus(t, r, http.StatusSeeOther)
		wantContains(t, ts.get(officer, r.Header.Get("Location"), map[string]string{"Accept-Language": "en"}), "confirmed by the network just now")
		stored := func() map[string]any {
			plain, err := ts.app.connectors.Credentials(id).Load(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			if err := json.Unmarshal(plain, &m); err != nil {
				t.Fatal(err)
			}
			return m
		}
		refresh := stored()["refresh_token"]
		if refresh == nil || refresh == "" {
			t.Fatal("no refresh token after the OAuth connect")
		}
		// Reconnect by pasting the current access token only.
		r = ts.postForm(officer, fmt.Sprintf("/press/channels/%d/connect", id), url.Values{"access_token": {fake.Token()}, "organization": {linkedinfake.Organization}}, nil)
		wantStatus(t, r, http.StatusSeeOther)
		if got := stored()["refresh_token"]; got != refresh {
			t.Fatalf("refresh token after reconnect = %v, want the working one kept", got)
		}
		wantNoSecret(t, "the log", logs.String(), fake.Token(), refresh.(string))
	})
}

var continueRE = regexp.MustCompile(`id="oauth-continue" href="([^"]+)"`)

// continueLink is the address of the network's consent page that the
// OAuth page links to.
func continueLink(t *testing.T, r response) string {
	t.Helper()
	m := continueRE.FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatalf("no link to the consent page: %s", excerpt(r.Body))
	}
	return html.UnescapeString(m[1])
}
