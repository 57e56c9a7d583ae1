package pagecache

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/store"
)

// memSettings is the settings table in memory, for tests that are not about
// the database (the shared generation is tested on both real backends in
// generation_test.go).
type memSettings struct {
	mu   sync.Mutex
	m    map[string]string
	fail error
}

func (s *memSettings) GetSetting(_ context.Context, key string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return "", s.fail
	}
	v, ok := s.m[key]
	if !ok {
		return "", store.ErrNotFound
	}
	return v, nil
}

func (s *memSettings) SetSetting(_ context.Context, key, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]string{}
	}
	s.m[key] = value
	return nil
}

var t0 = time.Date(2026, 3, 14, 15, 30, 0, 0, time.UTC)

// page is a handler that renders a page of n bytes and counts renders.
type page struct {
	renders atomic.Int64
	n       int
	ctype   string
	mutate  func(w http.ResponseWriter, r *http.Request)
}

func (p *page) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.renders.Add(1)
	ctype := p.ctype
	if ctype == "" {
		ctype = "text/html; charset=utf-8"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "no-store") // as httpx.Render does
	w.Header().Set("Content-Language", "vi")
	if p.mutate != nil {
		p.mutate(w, r)
	}
	body := "<p>" + r.URL.Path + " " + strings.Repeat("Bộ Ngoại giao ", p.n/18+1)
	_, _ = io.WriteString(w, body[:max(p.n, len(r.URL.Path)+4)])
}

type harness struct {
	c   *Cache
	h   http.Handler
	pg  *page
	now time.Time
}

func newHarness(t testing.TB, pg *page, mutate ...func(*Params)) *harness {
	t.Helper()
	hs := &harness{pg: pg, now: t0}
	p := Params{
		Generations: NewGeneration(&memSettings{}, time.Second, func() time.Time { return hs.now }),
		Private: func(r *http.Request) bool {
			return r.Header.Get("Cookie") == "session=1" || r.Header.Get("Authorization") != ""
		},
		Now: func() time.Time { return hs.now },
	}
	for _, m := range mutate {
		m(&p)
	}
	hs.c = New(p)
	hs.h = hs.c.Middleware(pg)
	return hs
}

func (hs *harness) do(method, target string, hdr ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	hs.h.ServeHTTP(w, r)
	return w
}

func TestHitAfterMiss(t *testing.T) {
	hs := newHarness(t, &page{n: 500})
	a := hs.do("GET", "/vi/news/a")
	b := hs.do("GET", "/vi/news/a")
	if a.Header().Get("X-Cache") != "MISS" || b.Header().Get("X-Cache") != "HIT" {
		t.Fatalf("X-Cache %q then %q", a.Header().Get("X-Cache"), b.Header().Get("X-Cache"))
	}
	if hs.pg.renders.Load() != 1 {
		t.Errorf("rendered %d times", hs.pg.renders.Load())
	}
	if a.Body.String() != b.Body.String() || a.Header().Get("ETag") != b.Header().Get("ETag") {
		t.Error("the hit differs from the miss")
	}
	for _, h := range []string{"Content-Type", "Content-Language"} {
		if b.Header().Get(h) != a.Header().Get(h) || b.Header().Get(h) == "" {
			t.Errorf("%s: %q then %q", h, a.Header().Get(h), b.Header().Get(h))
		}
	}
	if cc := b.Header().Get("Cache-Control"); cc != "public, no-cache" {
		t.Errorf("Cache-Control %q", cc)
	}
	// Another path and another query are other pages.
	hs.do("GET", "/vi/news/b")
	hs.do("GET", "/vi/news/a?page=2")
	if hs.pg.renders.Load() != 3 {
		t.Errorf("rendered %d times, want 3", hs.pg.renders.Load())
	}
}

func TestStrongETagAndConditionalRequests(t *testing.T) {
	hs := newHarness(t, &page{n: 500})
	first := hs.do("GET", "/en/")
	etag, lm := first.Header().Get("ETag"), first.Header().Get("Last-Modified")
	if !strings.HasPrefix(etag, `"`) || len(etag) != 34 {
		t.Fatalf("ETag %q is not strong", etag)
	}
	if lm != "Sat, 14 Mar 2026 15:30:00 GMT" {
		t.Errorf("Last-Modified %q", lm)
	}
	for _, tc := range []struct {
		name string
		hdr  []string
		want int
	}{
		{"same etag", []string{"If-None-Match", etag}, 304},
		{"weak form of it", []string{"If-None-Match", "W/" + etag}, 304},
		{"in a list", []string{"If-None-Match", `"abc", ` + etag}, 304},
		{"star", []string{"If-None-Match", "*"}, 304},
		{"other etag", []string{"If-None-Match", `"abc"`}, 200},
		{"garbage etag", []string{"If-None-Match", `abc"`}, 200},
		{"since last modified", []string{"If-Modified-Since", lm}, 304},
		{"since later", []string{"If-Modified-Since", "Sun, 15 Mar 2026 00:00:00 GMT"}, 304},
		{"since earlier", []string{"If-Modified-Since", "Fri, 13 Mar 2026 00:00:00 GMT"}, 200},
		{"garbage date", []string{"If-Modified-Since", "yesterday"}, 200},
		{"etag wins over date", []string{"If-None-Match", `"abc"`, "If-Modified-Since", lm}, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := hs.do("GET", "/en/", tc.hdr...)
			if w.Code != tc.want {
				t.Fatalf("status %d, want %d", w.Code, tc.want)
			}
			if tc.want == 304 && (w.Body.Len() != 0 || w.Header().Get("ETag") != etag) {
				t.Errorf("304 with %d bytes, ETag %q", w.Body.Len(), w.Header().Get("ETag"))
			}
		})
	}
}

func TestGzip(t *testing.T) {
	hs := newHarness(t, &page{n: 4000})
	plain := hs.do("GET", "/ar/")
	gz := hs.do("GET", "/ar/", "Accept-Encoding", "br, gzip;q=0.8")
	if gz.Header().Get("Content-Encoding") != "gzip" || gz.Header().Get("Vary") != "Accept-Encoding" {
		t.Fatalf("Content-Encoding %q, Vary %q", gz.Header().Get("Content-Encoding"), gz.Header().Get("Vary"))
	}
	zr, err := gzip.NewReader(gz.Body)
	if err != nil {
		t.Fatal(err)
	}
	unzipped, _ := io.ReadAll(zr)
	if !bytes.Equal(unzipped, plain.Body.Bytes()) {
		t.Error("the gzip body does not decompress to the page")
	}
	if gz.Body.Len() >= plain.Body.Len() {
		t.Errorf("gzip is %d bytes, plain %d", gz.Body.Len(), plain.Body.Len())
	}
	if plain.Header().Get("Vary") != "Accept-Encoding" || plain.Header().Get("Content-Encoding") != "" {
		t.Error("the identity response lacks Vary or claims an encoding")
	}
	if gz.Header().Get("ETag") == plain.Header().Get("ETag") {
		t.Error("gzip and identity share an ETag")
	}
	if w := hs.do("GET", "/ar/", "Accept-Encoding", "gzip", "If-None-Match", gz.Header().Get("ETag")); w.Code != 304 {
		t.Errorf("gzip revalidation: %d", w.Code)
	}
	for _, ae := range []string{"gzip;q=0", "identity", "*;q=0", "gzip;q=0, *", "", "br"} {
		if w := hs.do("GET", "/ar/", "Accept-Encoding", ae); w.Header().Get("Content-Encoding") != "" {
			t.Errorf("Accept-Encoding %q got gzip", ae)
		}
	}
	if w := hs.do("GET", "/ar/", "Accept-Encoding", "*"); w.Header().Get("Content-Encoding") != "gzip" {
		t.Error("Accept-Encoding * did not get gzip")
	}
}

func TestGzipOnlyWhenWorthIt(t *testing.T) {
	for _, tc := range []struct {
		name  string
		pg    *page
		gzips bool
	}{
		{"small page", &page{n: 200}, false},
		{"large html", &page{n: 3000}, true},
		{"large atom", &page{n: 3000, ctype: "application/atom+xml; charset=utf-8"}, true},
		{"large png", &page{n: 3000, ctype: "image/png"}, false},
		{"large, bad content type", &page{n: 3000, ctype: ";;"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t, tc.pg)
			w := hs.do("GET", "/x", "Accept-Encoding", "gzip")
			if got := w.Header().Get("Content-Encoding") == "gzip"; got != tc.gzips {
				t.Errorf("gzip = %v, want %v", got, tc.gzips)
			}
			if got := w.Header().Get("Vary") == "Accept-Encoding"; got != tc.gzips {
				t.Errorf("Vary: Accept-Encoding = %v, want %v", got, tc.gzips)
			}
		})
	}
}

func TestNeverCached(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(w http.ResponseWriter, r *http.Request)
		method string
		hdr    []string
	}{
		{"signed-in viewer", nil, "GET", []string{"Cookie", "session=1"}},
		{"API token", nil, "GET", []string{"Authorization", "Bearer chy_x"}},
		{"POST", nil, "POST", nil},
		{"Set-Cookie", func(w http.ResponseWriter, _ *http.Request) { w.Header().Add("Set-Cookie", "a=b") }, "GET", nil},
		{"not found", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(404) }, "GET", nil},
		{"redirect", func(w http.ResponseWriter, _ *http.Request) { w.Header().Set("Location", "/en/"); w.WriteHeader(302) }, "GET", nil},
		{"private", func(w http.ResponseWriter, _ *http.Request) { w.Header().Set("Cache-Control", "private") }, "GET", nil},
		{"varies by language", func(w http.ResponseWriter, _ *http.Request) { w.Header().Set("Vary", "Accept-Language") }, "GET", nil},
		{"already encoded", func(w http.ResponseWriter, _ *http.Request) { w.Header().Set("Content-Encoding", "br") }, "GET", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t, &page{n: 300, mutate: tc.mutate})
			for range 3 {
				w := hs.do(tc.method, "/en/", tc.hdr...)
				if w.Header().Get("X-Cache") == "HIT" || w.Header().Get("ETag") != "" {
					t.Fatalf("served from the cache: %v", w.Header())
				}
				if strings.Contains(tc.name, "Set-Cookie") && w.Header().Get("Set-Cookie") != "a=b" {
					t.Error("the cookie was lost")
				}
			}
			if n := hs.pg.renders.Load(); n != 3 {
				t.Errorf("rendered %d times, want 3", n)
			}
		})
	}
}

func TestCacheableAndPattern(t *testing.T) {
	pg := &page{n: 300}
	c := New(Params{Generations: NewGeneration(&memSettings{}, time.Second, nil), Cacheable: func(r *http.Request) bool { return r.URL.Path != "/admin" }})
	mux := http.NewServeMux()
	mux.Handle("GET /{lang}/{$}", pg)
	mux.Handle("GET /admin", pg)
	h := c.Middleware(mux)
	for i, want := range []string{"MISS", "HIT"} {
		r := httptest.NewRequest("GET", "/vi/", nil)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Header().Get("X-Cache") != want || r.Pattern != "GET /{lang}/{$}" {
			t.Errorf("request %d: X-Cache %q, pattern %q", i, w.Header().Get("X-Cache"), r.Pattern)
		}
	}
	for range 2 {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/admin", nil))
		if w.Header().Get("X-Cache") != "" || w.Header().Get("ETag") != "" {
			t.Errorf("/admin went through the cache: %v", w.Header())
		}
	}
}

func TestSignedInViewerDoesNotSeeOrFillTheCache(t *testing.T) {
	hs := newHarness(t, &page{n: 300, mutate: func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Cookie") == "session=1" {
			_, _ = io.WriteString(w, "Signed in as Lan ")
		}
	}})
	hs.do("GET", "/en/")
	if w := hs.do("GET", "/en/", "Cookie", "session=1"); !strings.Contains(w.Body.String(), "Signed in as Lan") {
		t.Error("the signed-in viewer got the anonymous page")
	}
	if w := hs.do("GET", "/en/"); strings.Contains(w.Body.String(), "Signed in") || w.Header().Get("X-Cache") != "HIT" {
		t.Errorf("anonymous page after a signed-in view: %q %q", w.Header().Get("X-Cache"), w.Body.String())
	}
}

func TestHEAD(t *testing.T) {
	hs := newHarness(t, &page{n: 300})
	h := hs.do("HEAD", "/en/")
	if h.Code != 200 || h.Body.Len() != 0 || h.Header().Get("Content-Length") == "" {
		t.Fatalf("HEAD: %d, %d bytes, Content-Length %q", h.Code, h.Body.Len(), h.Header().Get("Content-Length"))
	}
	g := hs.do("GET", "/en/")
	if g.Header().Get("X-Cache") != "HIT" || g.Header().Get("Content-Length") != h.Header().Get("Content-Length") {
		t.Errorf("GET after HEAD: %q, length %q vs %q", g.Header().Get("X-Cache"), g.Header().Get("Content-Length"), h.Header().Get("Content-Length"))
	}
}

func TestPurge(t *testing.T) {
	hs := newHarness(t, &page{n: 300})
	hs.do("GET", "/en/")
	if err := hs.c.Purge(context.Background()); err != nil {
		t.Fatal(err)
	}
	if w := hs.do("GET", "/en/"); w.Header().Get("X-Cache") != "MISS" {
		t.Errorf("after Purge: %q", w.Header().Get("X-Cache"))
	}
	if hs.pg.renders.Load() != 2 {
		t.Errorf("rendered %d times, want 2", hs.pg.renders.Load())
	}
}

func TestEvictsLeastRecentlyUsed(t *testing.T) {
	hs := newHarness(t, &page{n: 1000}, func(p *Params) { p.MaxBytes = 3 * (1000 + 600); p.MinGzip = 1 << 20 })
	for _, p := range []string{"/a", "/b", "/c"} {
		hs.do("GET", p)
	}
	hs.do("GET", "/a") // /b is now the least recently used
	hs.do("GET", "/d")
	if s := hs.c.Stats(); s.Bytes > 3*(1000+600) || s.Entries > 3 {
		t.Errorf("cache holds %d entries, %d bytes", s.Entries, s.Bytes)
	}
	if w := hs.do("GET", "/a"); w.Header().Get("X-Cache") != "HIT" {
		t.Error("/a, recently used, was evicted")
	}
	if w := hs.do("GET", "/b"); w.Header().Get("X-Cache") != "MISS" {
		t.Error("/b, least recently used, was kept")
	}
}

func TestTooLargeIsNotKept(t *testing.T) {
	hs := newHarness(t, &page{n: 5000}, func(p *Params) { p.MaxEntryBytes = 4096 })
	for range 2 {
		if w := hs.do("GET", "/big"); w.Body.Len() != 5000 || w.Header().Get("X-Cache") != "BYPASS" {
			t.Fatalf("%d bytes, X-Cache %q", w.Body.Len(), w.Header().Get("X-Cache"))
		}
	}
}

func TestGenerationFailureServesUncached(t *testing.T) {
	s := &memSettings{fail: errors.New("database down")}
	hs := newHarness(t, &page{n: 300}, func(p *Params) { p.Generations = NewGeneration(s, time.Second, nil) })
	for range 2 {
		if w := hs.do("GET", "/en/"); w.Code != 200 || w.Header().Get("X-Cache") == "HIT" {
			t.Fatalf("status %d, X-Cache %q", w.Code, w.Header().Get("X-Cache"))
		}
	}
}

// FuzzConditionalHeaders sends arbitrary validators and encodings: the
// answer is 200 or 304, never a panic.
func FuzzConditionalHeaders(f *testing.F) {
	f.Add(`"abc"`, "Sat, 14 Mar 2026 15:30:00 GMT", "gzip;q=0.5")
	f.Add(`W/"`, "", "*;q=x")
	f.Add(`,,,"`, "Mon, 99 Foo", ";;;q=")
	hs := newHarness(f, &page{n: 3000})
	f.Fuzz(func(t *testing.T, inm, ims, ae string) {
		w := hs.do("GET", "/en/", "If-None-Match", inm, "If-Modified-Since", ims, "Accept-Encoding", ae)
		if w.Code != 200 && w.Code != 304 {
			t.Fatalf("status %d", w.Code)
		}
		if etagMatches(inm, `"abc"`) && !strings.Contains(inm, `"abc"`) && strings.TrimSpace(inm) != "*" {
			t.Fatalf("%q matched \"abc\"", inm)
		}
	})
}

// A hit leaves in one write to the network, headers and body together,
// when the server corks its connections (httpx.CorkListener): net/http
// alone writes a page larger than its 4 KiB buffer in two.
func TestHitLeavesInOneWrite(t *testing.T) {
	hs := newHarness(t, &page{n: 30 << 10})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var writes atomic.Int64
	ts := &httptest.Server{Listener: httpx.CorkListener(countWrites{ln, &writes}), Config: &http.Server{Handler: hs.h, ConnContext: httpx.CorkContext}}
	ts.Start()
	defer ts.Close()
	get := func() {
		res, err := ts.Client().Get(ts.URL + "/vi/")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || len(b) != 30<<10 {
			t.Fatalf("status %d, %d bytes", res.StatusCode, len(b))
		}
	}
	get() // the miss fills the cache
	for _, gz := range []bool{false, true} {
		before := writes.Load()
		ts.Client().Transport.(*http.Transport).DisableCompression = !gz
		for range 4 {
			get()
		}
		if n := writes.Load() - before; n != 4 {
			t.Errorf("gzip %v: 4 hits took %d writes, want 4", gz, n)
		}
	}
}

type countWrites struct {
	net.Listener
	n *atomic.Int64
}

func (l countWrites) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return countedConn{c, l.n}, nil
}

type countedConn struct {
	net.Conn
	n *atomic.Int64
}

func (c countedConn) Write(p []byte) (int, error) {
	c.n.Add(1)
	return c.Conn.Write(p)
}

// A plain hit on a corked HTTP/1.1 connection leaves as bytes made with
// the entry (httpx.Preformatted), not through net/http's header handling:
// the client must get the same response, byte for byte but for the Date,
// as net/http sends for the same hit.
func TestPreformattedHitIsNetHTTPsResponse(t *testing.T) {
	pg := &page{n: 9000, mutate: func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Frame-Options", "DENY")
		w.Header().Set("Permissions-Policy", "camera=(), microphone=()")
		w.Header().Add("Link", `</static/a.css>; rel=preload; as=style`)
		w.Header().Add("Link", `</static/b.js>; rel=preload; as=script`)
	}}
	hs := newHarness(t, pg, func(p *Params) { p.CSP = httpx.StaticCSP })
	// fields receives, for each request, the header fields left on the
	// ResponseWriter once the cache is done: a preformatted hit leaves only
	// net/http's empty response's. (The client may have the whole response
	// before the handler returns: wait for this, do not poll.)
	fields := make(chan int, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hs.h.ServeHTTP(w, r)
		fields <- len(w.Header())
	})
	serve := func(corked bool) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ts := &httptest.Server{Listener: ln, Config: &http.Server{Handler: h, ConnContext: httpx.CorkContext}}
		if corked {
			ts.Listener = httpx.CorkListener(ln)
		}
		ts.Start()
		t.Cleanup(ts.Close)
		return ts.Listener.Addr().String()
	}
	fast, slow := serve(true), serve(false)
	// get sends one request and returns the raw response without its Date.
	get := func(addr, hdr string) (head, body string) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := io.WriteString(c, "GET /vi/news/a HTTP/1.1\r\nHost: portal.example\r\n"+hdr+"\r\n"); err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(c)
		var lines []string
		length := -1
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			if line == "\r\n" {
				break
			}
			if n, ok := strings.CutPrefix(line, "Content-Length: "); ok {
				length, _ = strconv.Atoi(strings.TrimSpace(n))
			}
			if !strings.HasPrefix(line, "Date: ") {
				lines = append(lines, line)
			}
		}
		b := make([]byte, length)
		if _, err := io.ReadFull(br, b); err != nil {
			t.Fatal(err)
		}
		return strings.Join(lines, ""), string(b)
	}
	get(slow, "") // the miss
	<-fields
	for _, enc := range []string{"", "Accept-Encoding: gzip\r\n"} {
		slowHead, slowBody := get(slow, enc)
		if n := <-fields; n < 10 {
			t.Fatalf("%q: net/http's hit left %d header fields", enc, n)
		}
		fastHead, fastBody := get(fast, enc)
		if n := <-fields; n != 2 {
			t.Fatalf("%q: the corked hit left %d header fields: it was not preformatted", enc, n)
		}
		if fastHead != slowHead || fastBody != slowBody {
			t.Errorf("%q: preformatted hit\n%s(%d bytes)\nnet/http's\n%s(%d bytes)", enc, fastHead, len(fastBody), slowHead, len(slowBody))
		}
		if !strings.Contains(fastHead, "X-Cache: HIT\r\n") || !strings.Contains(fastHead, "Link: </static/b.js>") {
			t.Errorf("%q: %s", enc, fastHead)
		}
	}
}

// What net/http would change in a response is left to net/http.
func TestWireLeavesConnectionFieldsAndSniffingToNetHTTP(t *testing.T) {
	html := http.Header{"Content-Type": {"text/html; charset=utf-8"}, "Content-Length": {"3"}}
	if got := string(wire(html)); got != "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Type: text/html; charset=utf-8\r\nX-Cache: HIT\r\n" {
		t.Errorf("wire = %q", got)
	}
	for _, h := range []http.Header{
		{"Content-Length": {"3"}}, // net/http would sniff a type
		{"Content-Type": {"text/html"}, "Connection": {"close"}},
		{"Content-Type": {"text/html"}, "Transfer-Encoding": {"chunked"}},
	} {
		if b := wire(h); b != nil {
			t.Errorf("wire(%v) = %q, want nil", h, b)
		}
	}
}
