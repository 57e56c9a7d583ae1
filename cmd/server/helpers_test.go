package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/auth"
	"github.com/mofa-vn/chancery/internal/config"
	"github.com/mofa-vn/chancery/internal/secrets"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// cheapArgon keeps tests fast; production parameters are tested in auth.
var cheapArgon = auth.Argon2Params{Memory: 64, Time: 1, Threads: 1}

type testServer struct {
	*httptest.Server
	db    *store.DB
	clock *storetest.Clock
	t     *testing.T
	app   *app
}

// testBox is the credentials key of test servers, so that tests can open
// what the server sealed (the join-token key).
var testBox = func() *secrets.Box {
	b, err := secrets.NewBox(bytes.Repeat([]byte{0x5e}, secrets.KeySize))
	if err != nil {
		panic(err)
	}
	return b
}()

// testConfig is the default configuration with conference media on
// ephemeral ports, so that test servers can run side by side.
func testConfig() config.Config {
	cfg := config.Default()
	cfg.Conference.UDPAddr, cfg.Conference.TCPAddr = ":0", ""
	cfg.Metrics.Token = testMetricsToken
	// Staff in these tests sign in with a password alone; the
	// second-factor policy, on by default, has its own tests
	// (secondfactor_test.go), which turn it back on.
	cfg.Auth.Require2FARoles = ""
	return cfg
}

// testMetricsToken opens /metrics on the test servers' public listener;
// scraped sends it.
const testMetricsToken = "metrics-token-for-the-tests"

// scraped is the header a scraper sends for /metrics.
var scraped = map[string]string{"Authorization": "Bearer " + testMetricsToken}

// closeSFU releases the conference media sockets of a built app.
func closeSFU(tb testing.TB, a *app) {
	tb.Cleanup(func() { _ = a.sfu.Close() })
}

// newTestServer serves the fully wired handler over TLS, as production
// should, so Secure cookies and HSTS behave as they do for real.
func newTestServer(t *testing.T, db *store.DB, clock *storetest.Clock, mutate ...func(*config.Config)) *testServer {
	t.Helper()
	return newTestServerAt(t, db, clock, nil, mutate...)
}

// newTestServerAt is newTestServer whose origin, unless the configuration
// sets a public URL, is origin applied to the listener's (nil: the
// listener's own).
func newTestServerAt(t *testing.T, db *store.DB, clock *storetest.Clock, origin func(listener string) string, mutate ...func(*config.Config)) *testServer {
	t.Helper()
	cfg := testConfig()
	for _, m := range mutate {
		m(&cfg)
	}
	log := slog.New(slog.DiscardHandler)
	app, ts := buildTLS(t, cfg, db, log, io.Discard, buildOptions{now: clock.Now, argon2: cheapArgon, box: testBox, freeSpace: testFreeSpace}, origin)
	return &testServer{Server: ts, db: db, clock: clock, t: t, app: app}
}

// buildTLS does what serve does, over TLS: it listens, builds the app for
// the listener's origin (or the configured public URL; origin, if set,
// changes the listener's), and serves it. The app's media sockets and
// demo networks stop with the test.
func buildTLS(tb testing.TB, cfg config.Config, db *store.DB, log *slog.Logger, stdout io.Writer, o buildOptions, origin func(listener string) string) (*app, *httptest.Server) {
	if cfg.Conference.RecordingDir == "" {
		cfg.Conference.RecordingDir = tb.TempDir() // not the default under ./data
	}
	tb.Helper()
	ts := httptest.NewUnstartedServer(nil)
	u := "https://" + ts.Listener.Addr().String()
	if origin != nil {
		u = origin(u)
	}
	a, err := build(context.Background(), cfg, orDefault(cfg.Web.PublicURL, u), db, log, stdout, o)
	if err != nil {
		ts.Listener.Close()
		tb.Fatalf("build: %v", err)
	}
	closeSFU(tb, a)
	if a.stopDemo != nil {
		tb.Cleanup(a.stopDemo)
	}
	ts.Config.Handler = a.handler
	ts.StartTLS()
	tb.Cleanup(ts.Close)
	return a, ts
}

// client returns a browser-like client with its own cookie jar that does not
// follow redirects, so tests can see them.
func (ts *testServer) client() *http.Client {
	jar, _ := cookiejar.New(nil)
	c := *ts.Server.Client() // a copy: the server hands out one shared client
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

func (ts *testServer) addUser(username, password string, roles ...account.Role) account.User {
	ts.t.Helper()
	hash, err := auth.HashPassword(password, cheapArgon)
	if err != nil {
		ts.t.Fatal(err)
	}
	u, err := ts.db.CreateUser(context.Background(), account.User{Username: username, DisplayName: strings.ToUpper(username), PasswordHash: hash, Roles: roles})
	if err != nil {
		ts.t.Fatalf("add user: %v", err)
	}
	return u
}

// signIn signs in through the form and returns the signed-in client.
func (ts *testServer) signIn(username, password string) *http.Client {
	ts.t.Helper()
	c := ts.client()
	res := ts.postForm(c, "/signin", url.Values{"username": {username}, "password": {password}}, nil)
	if res.StatusCode != http.StatusSeeOther {
		ts.t.Fatalf("sign in as %s: status %d", username, res.StatusCode)
	}
	return c
}

type response struct {
	StatusCode int
	Header     http.Header
	Body       string
}

func (ts *testServer) do(c *http.Client, req *http.Request) response {
	ts.t.Helper()
	res, err := c.Do(req)
	if err != nil {
		ts.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		ts.t.Fatal(err)
	}
	return response{StatusCode: res.StatusCode, Header: res.Header, Body: string(b)}
}

func (ts *testServer) get(c *http.Client, path string, hdr map[string]string) response {
	ts.t.Helper()
	req, err := http.NewRequest(http.MethodGet, ts.URL+path, nil)
	if err != nil {
		ts.t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	return ts.do(c, req)
}

func (ts *testServer) postForm(c *http.Client, path string, form url.Values, hdr map[string]string) response {
	ts.t.Helper()
	return ts.send(c, http.MethodPost, path, "application/x-www-form-urlencoded", form.Encode(), hdr)
}

func (ts *testServer) send(c *http.Client, method, path, contentType, body string, hdr map[string]string) response {
	ts.t.Helper()
	req, err := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
	if err != nil {
		ts.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	return ts.do(c, req)
}

func wantStatus(t *testing.T, r response, want int) {
	t.Helper()
	if r.StatusCode != want {
		t.Fatalf("status %d, want %d; body: %s", r.StatusCode, want, excerpt(r.Body))
	}
}

func wantContains(t *testing.T, r response, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(r.Body, s) {
			t.Fatalf("body lacks %q; body: %.1500s", s, r.Body)
		}
	}
}

// excerpt keeps the part of a page that explains a failure: its main content.
func excerpt(body string) string {
	if i := strings.Index(body, `<main`); i >= 0 {
		body = body[i:]
		if j := strings.Index(body, "</main>"); j >= 0 {
			body = body[:j]
		}
	}
	if len(body) > 1500 {
		body = body[:1500]
	}
	return body
}

// api sends body as JSON, asking for French, and checks the status; it
// returns the answer's object, if it is one.
func (ts *testServer) api(c *http.Client, method, path string, body any, want int) map[string]any {
	ts.t.Helper()
	b, _ := json.Marshal(body)
	r := ts.send(c, method, path, "application/json", string(b), map[string]string{"Accept-Language": "fr"})
	if r.StatusCode != want {
		ts.t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.StatusCode, want, excerpt(r.Body))
	}
	var out map[string]any
	if strings.HasPrefix(strings.TrimSpace(r.Body), "{") {
		if err := json.Unmarshal([]byte(r.Body), &out); err != nil {
			ts.t.Fatal(err)
		}
	}
	return out
}
