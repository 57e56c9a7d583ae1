package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/auth"
	"github.com/mofa-vn/chancery/internal/conference/conferencetest"
	"github.com/mofa-vn/chancery/internal/config"
	"github.com/mofa-vn/chancery/internal/httpx/httpxtest"
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
var testBox = conferencetest.Box

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
func (ts *testServer) client() *http.Client { return ts.kit().Browser() }

// kit is the shared HTTP test kit's view of the server.
func (ts *testServer) kit() *httpxtest.Server { return httpxtest.Wrap(ts.t, ts.Server) }

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

type response = httpxtest.Response

func (ts *testServer) do(c *http.Client, req *http.Request) response {
	ts.t.Helper()
	return ts.kit().Do(c, req)
}

func (ts *testServer) get(c *http.Client, path string, hdr map[string]string) response {
	ts.t.Helper()
	return ts.kit().Get(c, path, hdr)
}

func (ts *testServer) postForm(c *http.Client, path string, form url.Values, hdr map[string]string) response {
	ts.t.Helper()
	return ts.kit().PostForm(c, path, form, hdr)
}

func (ts *testServer) send(c *http.Client, method, path, contentType, body string, hdr map[string]string) response {
	ts.t.Helper()
	return ts.kit().Send(c, method, path, contentType, body, hdr)
}

func wantStatus(t *testing.T, r response, want int) {
	t.Helper()
	httpxtest.WantStatus(t, r, want)
}

func wantContains(t *testing.T, r response, subs ...string) {
	t.Helper()
	httpxtest.WantContains(t, r, subs...)
}

// excerpt keeps the part of a page that explains a failure: its main content.
func excerpt(body string) string { return httpxtest.Excerpt(body) }

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

// newLoggedServer is newTestServer with the log kept, at debug level, so
// that tests can search it for secrets.
func newLoggedServer(t *testing.T, db *store.DB, clock *storetest.Clock, logs *httpxtest.SyncBuffer, mutate ...func(*config.Config)) *testServer {
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

// allowAPIs lets the server reach fake networks on loopback, as an
// operator does with -extra-api-urls.
func allowAPIs(urls ...string) func(*config.Config) {
	return func(c *config.Config) { c.Publish.ExtraAPIs = strings.Join(urls, ",") }
}
