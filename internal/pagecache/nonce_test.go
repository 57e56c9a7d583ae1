package pagecache

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/httpx/httpxtest"
)

var nonceRE = regexp.MustCompile(`nonce-([A-Za-z0-9_-]+)'`)

// TestStaticCSP puts the cache above the real security headers, as the
// server does: the miss is rendered without a nonce, and the miss and the
// hits all carry the static policy; a page outside the cache keeps a fresh
// nonce.
func TestStaticCSP(t *testing.T) {
	kit := httpxtest.Kit(t)
	c := New(Params{Generations: NewGeneration(&memSettings{}, time.Second, nil), CSP: httpx.StaticCSP,
		Cacheable: func(r *http.Request) bool { return r.URL.Path != "/signin" }})
	h := httpx.Chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, `<p>nonce="`+httpx.Nonce(r.Context())+`"</p>`)
	}), c.Middleware, kit.SecurityHeaders(nil))
	for i := range 3 {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/vi/", nil))
		if csp := w.Header().Get("Content-Security-Policy"); csp != httpx.StaticCSP || w.Body.String() != `<p>nonce=""</p>` {
			t.Errorf("response %d (%s): CSP %q, body %s", i, w.Header().Get("X-Cache"), csp, w.Body.String())
		}
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/signin", nil))
	if m := nonceRE.FindStringSubmatch(w.Header().Get("Content-Security-Policy")); m == nil || w.Body.String() != `<p>nonce="`+m[1]+`"</p>` {
		t.Errorf("uncached page: CSP %q, body %s", w.Header().Get("Content-Security-Policy"), w.Body.String())
	}
}

// TestCachedPageKeepsItsNonce runs the cache inside the real security
// headers: every response's CSP names the nonce its body's script carries,
// on the miss and on hits, so the page's script runs.
func TestCachedPageKeepsItsNonce(t *testing.T) {
	kit := httpxtest.Kit(t)
	c := New(Params{Generations: NewGeneration(&memSettings{}, time.Second, nil)})
	h := httpx.Chain(c.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, `<script type="module" src="/static/app.js" nonce="`+httpx.Nonce(r.Context())+`"></script>`)
	})), kit.SecurityHeaders(nil))

	var bodies []string
	for i := range 3 {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/vi/", nil))
		m := nonceRE.FindStringSubmatch(w.Header().Get("Content-Security-Policy"))
		if m == nil {
			t.Fatalf("response %d has no CSP nonce: %q", i, w.Header().Get("Content-Security-Policy"))
		}
		if want := `nonce="` + m[1] + `"`; !regexp.MustCompile(regexp.QuoteMeta(want)).MatchString(w.Body.String()) {
			t.Errorf("response %d (%s): CSP nonce %s is not the script's: %s", i, w.Header().Get("X-Cache"), m[1], w.Body.String())
		}
		bodies = append(bodies, w.Body.String())
	}
	if bodies[1] != bodies[0] || bodies[2] != bodies[0] {
		t.Error("hits changed the bytes behind the strong ETag")
	}
}
