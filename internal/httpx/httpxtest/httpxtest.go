// Package httpxtest is the shared setup of the HTTP tests of every area:
// an httpx.Kit with the real message catalogue, templates and assets; a
// test server that puts an area's routes behind the same edge middleware
// as production (panic recovery, security headers, cross-origin
// protection); a browser-like client with its own cookie jar that shows
// redirects rather than following them; request helpers that return the
// whole answer; reading API errors; signed-in viewers for areas tested
// without the sign-in pages; and a log sink the server's goroutines and
// the test share (SyncBuffer).
//
// Only tests and the test kits of other packages (auth/authtest) import
// it. It must not import feature packages (auth, portal, press, …), so
// that each of them can test its handlers with it.
package httpxtest

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/locales"
	"github.com/mofa-vn/chancery/web"
)

// Kit returns the kit the areas render with, over the real locales,
// templates and assets, with Vietnamese as the default language and logs
// discarded. mutate may change its parameters (a logger to read, secure
// cookies, the staff navigation).
func Kit(tb testing.TB, mutate ...func(*httpx.KitParams)) *httpx.Kit {
	tb.Helper()
	cat, err := lang.NewCatalog(locales.FS, "vi")
	if err != nil {
		tb.Fatal(err)
	}
	assets, err := web.NewAssets("/static/")
	if err != nil {
		tb.Fatal(err)
	}
	p := httpx.KitParams{Log: slog.New(slog.DiscardHandler), Cat: cat, Assets: assets, DefaultLang: "vi"}
	for _, m := range mutate {
		m(&p)
	}
	k, err := httpx.NewKit(p)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// Edge is the middleware every request of production passes through
// before it reaches an area, in production's order: panic recovery,
// security headers (with CSP nonces), refusal of invalid text and
// cross-origin protection. extra comes after them, nearest the handler
// (a session lookup, Viewers.Middleware).
func Edge(k *httpx.Kit, h http.Handler, extra ...func(http.Handler) http.Handler) http.Handler {
	mw := append([]func(http.Handler) http.Handler{k.Recover, k.SecurityHeaders(nil), k.RefuseInvalidText, k.CrossOrigin()}, extra...)
	return httpx.Chain(h, mw...)
}

// Server is a test server of one area's routes.
type Server struct {
	*httptest.Server
	tb testing.TB
}

// Options are the choices of Serve.
type Options struct {
	// TLS serves over TLS, as production should, so that Secure cookies
	// and HSTS behave as they do for real.
	TLS bool
	// Middleware comes after the edge, nearest the router (Edge).
	Middleware []func(http.Handler) http.Handler
}

// Serve serves the routes that routes registers, next to production's
// neighbours (the static assets and the catch-all not-found page, so that
// a route conflict shows here), behind the edge middleware. It stops with
// the test.
func Serve(tb testing.TB, k *httpx.Kit, routes func(*httpx.Router), o Options) *Server {
	tb.Helper()
	mux := httpx.NewRouter()
	routes(mux)
	mux.Handle("GET /static/{file}", k.Assets.Handler(http.HandlerFunc(k.NotFound)))
	mux.HandleFunc("/", k.NotFound)
	return ServeHandler(tb, Edge(k, mux, o.Middleware...), o.TLS)
}

// ServeHandler serves h as it is, over TLS if tls is set. It stops with
// the test.
func ServeHandler(tb testing.TB, h http.Handler, tls bool) *Server {
	tb.Helper()
	s := Listen(tb)
	s.Start(h, tls)
	return s
}

// Listen makes a server that listens but does not serve yet, so that
// what is built to serve it can be told its origin (Origin), as
// cmd/server listens before it builds; Start serves. It stops with the
// test.
func Listen(tb testing.TB) *Server {
	ts := httptest.NewUnstartedServer(nil)
	tb.Cleanup(ts.Close)
	return &Server{Server: ts, tb: tb}
}

// Wrap gives a server started elsewhere (cmd/server's tests of the whole
// handler) the request helpers of this kit; it does not stop it.
func Wrap(tb testing.TB, ts *httptest.Server) *Server { return &Server{Server: ts, tb: tb} }

// Origin is the address the server answers at once started, over TLS if
// tls is set.
func (s *Server) Origin(tls bool) string {
	if tls {
		return "https://" + s.Listener.Addr().String()
	}
	return "http://" + s.Listener.Addr().String()
}

// Start serves h on a server from Listen, over TLS if tls is set.
func (s *Server) Start(h http.Handler, tls bool) {
	s.Config.Handler = h
	if tls {
		s.StartTLS()
	} else {
		s.Server.Start()
	}
}

// Browser returns a browser-like client with its own cookie jar that does
// not follow redirects, so that tests see them; over TLS it trusts the
// server's certificate.
func (s *Server) Browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	c := *s.Server.Client() // a copy: the server hands out one shared client
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// Response is an answer, read whole.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       string
}

// Do sends req with c and reads the answer.
func (s *Server) Do(c *http.Client, req *http.Request) Response {
	s.tb.Helper()
	res, err := c.Do(req)
	if err != nil {
		s.tb.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		s.tb.Fatal(err)
	}
	return Response{StatusCode: res.StatusCode, Header: res.Header, Body: string(b)}
}

// Get asks for path with the headers hdr.
func (s *Server) Get(c *http.Client, path string, hdr map[string]string) Response {
	s.tb.Helper()
	return s.Send(c, http.MethodGet, path, "", "", hdr)
}

// PostForm posts form to path, as a browser's form does.
func (s *Server) PostForm(c *http.Client, path string, form url.Values, hdr map[string]string) Response {
	s.tb.Helper()
	return s.Send(c, http.MethodPost, path, "application/x-www-form-urlencoded", form.Encode(), hdr)
}

// Send sends body of type contentType (none if empty) to path.
func (s *Server) Send(c *http.Client, method, path, contentType, body string, hdr map[string]string) Response {
	s.tb.Helper()
	var rd io.Reader
	if body != "" || method != http.MethodGet {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(s.tb.Context(), method, s.URL+path, rd)
	if err != nil {
		s.tb.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	return s.Do(c, req)
}

// JSON sends body as JSON (none if nil) to path and checks the status is
// want; it returns the answer's object, if it is one.
func (s *Server) JSON(c *http.Client, method, path string, body any, hdr map[string]string, want int) map[string]any {
	s.tb.Helper()
	var b []byte
	if body != nil {
		var err error
		if b, err = json.Marshal(body); err != nil {
			s.tb.Fatal(err)
		}
	}
	r := s.Send(c, method, path, "application/json", string(b), hdr)
	if r.StatusCode != want {
		s.tb.Fatalf("%s %s: status %d, want %d: %s", method, path, r.StatusCode, want, Excerpt(r.Body))
	}
	var out map[string]any
	if strings.HasPrefix(strings.TrimSpace(r.Body), "{") {
		if err := json.Unmarshal([]byte(r.Body), &out); err != nil {
			s.tb.Fatal(err)
		}
	}
	return out
}

// Follow asks for where the redirect r points, as a browser would.
func (s *Server) Follow(c *http.Client, r Response, hdr map[string]string) Response {
	s.tb.Helper()
	loc := r.Header.Get("Location")
	if r.StatusCode < 300 || r.StatusCode > 399 || loc == "" {
		s.tb.Fatalf("not a redirect: status %d, Location %q", r.StatusCode, loc)
	}
	u, err := url.Parse(loc)
	if err != nil {
		s.tb.Fatal(err)
	}
	return s.Get(c, u.RequestURI(), hdr)
}

// WantError checks that r is an API error of status want, and returns
// what it says: its code, its message in the request's language and the
// field it is about.
func WantError(tb testing.TB, r Response, want int) httpx.ErrorDetail {
	tb.Helper()
	WantStatus(tb, r, want)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		tb.Fatalf("Content-Type %q, want application/json; body: %s", ct, Excerpt(r.Body))
	}
	var e httpx.ErrorBody
	if err := json.Unmarshal([]byte(r.Body), &e); err != nil || e.Error.Code == "" {
		tb.Fatalf("not an API error (%v); body: %s", err, Excerpt(r.Body))
	}
	return e.Error
}

// WantStatus fails the test unless r has status want.
func WantStatus(tb testing.TB, r Response, want int) {
	tb.Helper()
	if r.StatusCode != want {
		tb.Fatalf("status %d, want %d; body: %s", r.StatusCode, want, Excerpt(r.Body))
	}
}

// WantContains fails the test unless r's body contains every one of subs.
func WantContains(tb testing.TB, r Response, subs ...string) {
	tb.Helper()
	for _, s := range subs {
		if !strings.Contains(r.Body, s) {
			tb.Fatalf("body lacks %q; body: %.1500s", s, r.Body)
		}
	}
}

// Excerpt keeps the part of a page that explains a failure: its main
// content, at most 1,500 bytes.
func Excerpt(body string) string {
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

// ViewerHeader names the user a request of a test comes from, for
// Viewers.Middleware.
const ViewerHeader = "X-Test-User"

// Viewers signs requests in without the sign-in pages, for areas tested
// alone: a request whose ViewerHeader names a user added here is served
// as that user with those roles; any other request is anonymous.
type Viewers struct {
	mu sync.Mutex
	by map[string]*httpx.Viewer
}

// Add signs u in with roles; later requests naming u.Username are u's.
func (vs *Viewers) Add(u account.User, roles ...account.Role) *httpx.Viewer {
	vs.mu.Lock()
	defer vs.mu.Unlock()
	if vs.by == nil {
		vs.by = map[string]*httpx.Viewer{}
	}
	v := &httpx.Viewer{User: u, Roles: roles}
	vs.by[u.Username] = v
	return v
}

// Middleware puts the named viewer, if any, into the request's context.
func (vs *Viewers) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		vs.mu.Lock()
		v := vs.by[r.Header.Get(ViewerHeader)]
		vs.mu.Unlock()
		if v != nil {
			r = r.WithContext(httpx.WithViewer(r.Context(), v))
		}
		next.ServeHTTP(w, r)
	})
}
