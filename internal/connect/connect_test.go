package connect_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/connect/connecttest"
	"github.com/mofa-vn/chancery/internal/httpx/httpxtest"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/social/linkedin/linkedinfake"
	"github.com/mofa-vn/chancery/internal/social/mastodon/mastodonfake"
	"github.com/mofa-vn/chancery/internal/social/x/xfake"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// bodies collects every response a test saw, to search for secrets.
type bodies struct{ all []string }

func (b *bodies) add(r httpxtest.Response) httpxtest.Response {
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
		ts := connecttest.New(t, db, clock, connecttest.Options{Extra: []string{fake.URL}})
		officer, approver := ts.Staff()
		var seen bodies

		// The channel is made with the press office's form, which asks for
		// the instance's address.
		httpxtest.WantContains(t, ts.Get(officer, "/press/channels", map[string]string{"Accept-Language": "en"}), `name="base_url"`, "Server address")
		httpxtest.WantStatus(t, ts.PostForm(officer, "/press/channels", url.Values{"network": {"mastodon"}, "name": {"Mastodon MOFA"}, "base_url": {fake.URL},
			"languages": {"en"}, "time_zone": {"UTC"}, "max_length": {"0"}}, nil), http.StatusSeeOther)
		chs, err := db.ListChannels(t.Context())
		if err != nil || len(chs) != 1 || chs[0].BaseURL != fake.URL {
			t.Fatalf("channels %+v, %v", chs, err)
		}
		id := chs[0].ID
		page := fmt.Sprintf("/press/channels/%d/connect", id)
		r := seen.add(ts.Get(officer, page, map[string]string{"Accept-Language": "en"}))
		httpxtest.WantStatus(t, r, http.StatusOK)
		httpxtest.WantContains(t, seen.add(ts.Get(officer, "/press/channels", nil)), page)
		httpxtest.WantStatus(t, r, http.StatusOK)
		httpxtest.WantContains(t, r, "Not connected yet.", `name="access_token"`)

		// Pasted with a space: refused, in the officer's language.
		r = seen.add(ts.PostForm(officer, page, url.Values{"access_token": {"mastodon-SECRET token-Zx81"}}, map[string]string{"Accept-Language": "fr"}))
		httpxtest.WantStatus(t, r, http.StatusUnprocessableEntity)
		httpxtest.WantContains(t, r, "Ces identifiants ne peuvent pas fonctionner", "spaces")
		if _, err := db.ChannelCredential(t.Context(), id); err == nil {
			t.Fatal("a refused token was stored")
		}
		// A token the instance does not know: refused after asking it.
		r = seen.add(ts.PostForm(officer, page, url.Values{"access_token": {"mastodon-wrong-token"}}, map[string]string{"Accept-Language": "en"}))
		httpxtest.WantStatus(t, r, http.StatusUnprocessableEntity)
		httpxtest.WantContains(t, r, "The network refused these credentials")
		// An approver may look but not connect.
		httpxtest.WantStatus(t, seen.add(ts.PostForm(approver, page, url.Values{"access_token": {token}}, nil)), http.StatusForbidden)

		r = seen.add(ts.PostForm(officer, page, url.Values{"access_token": {token}}, nil))
		httpxtest.WantStatus(t, r, http.StatusSeeOther)
		r = seen.add(ts.Get(officer, r.Header.Get("Location"), map[string]string{"Accept-Language": "en"}))
		httpxtest.WantStatus(t, r, http.StatusOK)
		httpxtest.WantContains(t, r, "The account is connected", "confirmed by the network just now", "Does not expire")
		sealed, err := db.ChannelCredential(t.Context(), id)
		if err != nil || bytes.Contains(sealed, []byte(token)) {
			t.Fatalf("stored credential: %v (plain text: %v)", err, bytes.Contains(sealed, []byte(token)))
		}
		seen.add(ts.Get(approver, page, nil))
		seen.add(ts.Get(officer, "/press/channels", nil))
		seen.add(ts.Get(officer, "/api/v1/publishing/channels", nil))
		for _, b := range seen.all {
			wantNoSecret(t, "a response", b, token)
		}
		wantNoSecret(t, "the log", ts.Logs.String(), token)
	})
}

// X through OAuth 2.0 with PKCE: the officer is sent to X's consent page,
// comes back with a code and the state, and the channel is connected. The
// state is bound to the browser and the user that started the flow.
func TestConnectXOAuth(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		fake := xfake.New(xfake.Options{Now: clock.Now})
		t.Cleanup(fake.Close)
		ts := connecttest.New(t, db, clock, connecttest.Options{
			Apps:  map[social.Network]social.App{social.X: {ClientID: fake.Options().ClientID, ClientSecret: fake.Options().ClientSecret}},
			Extra: []string{fake.URL}, // the fake stands in for api.x.com
		})
		ts.AddUser("olivia", "officer-password-1", account.RolePressOfficer)
		ts.AddUser("peter", "officer-password-2", account.RolePressOfficer)
		officer := ts.SignIn("olivia", "officer-password-1")
		other := ts.SignIn("peter", "officer-password-2")
		ch := ts.API(officer, "POST", "/api/v1/publishing/channels", map[string]any{"network": "x", "name": "X MOFA",
			"base_url": fake.URL, "languages": []string{"en"}, "time_zone": "UTC"}, http.StatusCreated)
		id := int64(ch["id"].(float64))
		page := fmt.Sprintf("/press/channels/%d/connect", id)
		httpxtest.WantContains(t, ts.Get(officer, page, map[string]string{"Accept-Language": "en"}), "Sign in with x")

		start := func(c *http.Client) *url.URL {
			t.Helper()
			r := ts.PostForm(c, page[:len(page)-len("connect")]+"oauth", nil, nil)
			httpxtest.WantStatus(t, r, http.StatusOK)
			to, _ := url.Parse(continueLink(t, r))
			if !strings.HasPrefix(to.String(), fake.URL+"/i/oauth2/authorize") || to.Query().Get("code_challenge_method") != "S256" {
				t.Fatalf("sent to %s", to)
			}
			// X's consent page sends the browser back.
			res, err := ts.Browser().Get(to.String())
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
		r := ts.Get(other, back.RequestURI(), map[string]string{"Accept-Language": "en"})
		httpxtest.WantStatus(t, r, http.StatusBadRequest)
		httpxtest.WantContains(t, r, "not valid")
		// Nor a forged state.
		forged := *back
		q := forged.Query()
		q.Set("state", "forged")
		forged.RawQuery = q.Encode()
		httpxtest.WantStatus(t, ts.Get(officer, forged.RequestURI(), nil), http.StatusBadRequest)

		// The officer refuses on X's consent page: nothing changes.
		back = start(officer)
		denied := url.Values{"state": {back.Query().Get("state")}, "error": {"access_denied"}}
		r = ts.Get(officer, "/press/oauth/callback?"+denied.Encode(), map[string]string{"Accept-Language": "en"})
		httpxtest.WantStatus(t, r, http.StatusUnprocessableEntity)
		httpxtest.WantContains(t, r, "did not grant access")
		if _, err := db.ChannelCredential(t.Context(), id); err == nil {
			t.Fatal("credentials stored after a refusal")
		}

		back = start(officer)
		r = ts.Get(officer, back.RequestURI(), nil)
		httpxtest.WantStatus(t, r, http.StatusSeeOther)
		r = ts.Get(officer, r.Header.Get("Location"), map[string]string{"Accept-Language": "en"})
		httpxtest.WantContains(t, r, "The account is connected", "mofa_vn", "Access expires")
		// The state is used once.
		httpxtest.WantStatus(t, ts.Get(officer, back.RequestURI(), nil), http.StatusBadRequest)

		plain, err := ts.Connectors.Credentials(id).Load(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		var s struct{ AccessToken, RefreshToken string }
		_ = json.Unmarshal(bytes.ReplaceAll(bytes.ReplaceAll(plain, []byte("access_token"), []byte("AccessToken")), []byte("refresh_token"), []byte("RefreshToken")), &s)
		if s.AccessToken == "" || s.RefreshToken == "" {
			t.Fatalf("stored secret lacks the tokens")
		}
		wantNoSecret(t, "the log", ts.Logs.String(), s.AccessToken, s.RefreshToken, fake.Options().ClientSecret)
		wantNoSecret(t, "the page", r.Body, s.AccessToken, s.RefreshToken)

		// The app's secret goes nowhere else: a press officer cannot name
		// another server for X, in the form or the API, and a channel that
		// names one (made before the rule) gets no OAuth flow and no
		// connector.
		collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			t.Errorf("the collector was called: %s %s", r.Method, r.URL)
		}))
		t.Cleanup(collector.Close)
		bad := ts.Send(officer, "POST", "/api/v1/publishing/channels", "application/json",
			`{"network":"x","name":"X copy","base_url":"`+collector.URL+`","languages":["en"],"time_zone":"UTC"}`, map[string]string{"Accept-Language": "vi"})
		httpxtest.WantStatus(t, bad, http.StatusUnprocessableEntity)
		httpxtest.WantContains(t, bad, "Mạng này chỉ được kết nối qua địa chỉ chính thức")
		form := ts.PostForm(officer, "/press/channels", url.Values{"network": {"x"}, "name": {"X copy"}, "base_url": {collector.URL},
			"languages": {"en"}, "time_zone": {"UTC"}}, map[string]string{"Accept-Language": "en"})
		// The form comes back as typed, with the reason, in the officer's
		// language.
		httpxtest.WantStatus(t, form, http.StatusUnprocessableEntity)
		httpxtest.WantContains(t, form, "This network is reached at its own address only", `value="X copy"`, `value="`+collector.URL+`" aria-describedby="base_url_hint" aria-invalid="true"`,
			`<option value="x" selected>`, `value="en" checked`, `value="UTC"`)
		if err := db.SetChannelBaseURL(t.Context(), id, collector.URL); err != nil {
			t.Fatal(err)
		}
		ts.Connectors.Forget(id)
		httpxtest.WantStatus(t, ts.PostForm(officer, fmt.Sprintf("/press/channels/%d/oauth", id), nil, nil), http.StatusNotFound)
		legacy, err := db.GetChannel(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ts.Connectors.Resolve(t.Context(), legacy); err == nil || !strings.Contains(err.Error(), "not x's own API") {
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
		ts := connecttest.New(t, db, clock, connecttest.Options{
			Apps:  map[social.Network]social.App{social.LinkedIn: {ClientID: "li-app", ClientSecret: "li-app-secret"}},
			Extra: []string{fake.URL},
		})
		ts.AddUser("olivia", "officer-password-1", account.RolePressOfficer)
		officer := ts.SignIn("olivia", "officer-password-1")
		ch := ts.API(officer, "POST", "/api/v1/publishing/channels", map[string]any{"network": "linkedin", "name": "LinkedIn MOFA",
			"base_url": fake.URL, "languages": []string{"en"}, "time_zone": "UTC"}, http.StatusCreated)
		id := int64(ch["id"].(float64))
		oauth := fmt.Sprintf("/press/channels/%d/oauth", id)
		httpxtest.WantStatus(t, ts.PostForm(officer, oauth, url.Values{}, nil), http.StatusUnprocessableEntity)
		r := ts.PostForm(officer, oauth, url.Values{"organization": {strings.TrimPrefix(linkedinfake.Organization, "urn:li:organization:")}}, nil)
		httpxtest.WantStatus(t, r, http.StatusOK)
		res, err := ts.Browser().Get(continueLink(t, r))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		back, _ := url.Parse(res.Header.Get("Location"))
		r = ts.Get(officer, back.RequestURI(), nil)
		httpxtest.WantStatus(t, r, http.StatusSeeOther)
		httpxtest.WantContains(t, ts.Get(officer, r.Header.Get("Location"), map[string]string{"Accept-Language": "en"}), "confirmed by the network just now")
		stored := func() map[string]any {
			plain, err := ts.Connectors.Credentials(id).Load(t.Context())
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
		r = ts.PostForm(officer, fmt.Sprintf("/press/channels/%d/connect", id), url.Values{"access_token": {fake.Token()}, "organization": {linkedinfake.Organization}}, nil)
		httpxtest.WantStatus(t, r, http.StatusSeeOther)
		if got := stored()["refresh_token"]; got != refresh {
			t.Fatalf("refresh token after reconnect = %v, want the working one kept", got)
		}
		wantNoSecret(t, "the log", ts.Logs.String(), fake.Token(), refresh.(string))
	})
}

var continueRE = regexp.MustCompile(`id="oauth-continue" href="([^"]+)"`)

// continueLink is the address of the network's consent page that the
// OAuth page links to.
func continueLink(t *testing.T, r httpxtest.Response) string {
	t.Helper()
	m := continueRE.FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatalf("no link to the consent page: %s", httpxtest.Excerpt(r.Body))
	}
	return html.UnescapeString(m[1])
}
