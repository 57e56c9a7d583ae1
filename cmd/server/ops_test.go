package main

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/mofa-vn/chancery/internal/config"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestOperations(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ts := newTestServer(t, db, clock)
		c := ts.client()

		wantStatus(t, ts.get(c, "/healthz", nil), http.StatusOK)
		r := ts.get(c, "/readyz", nil)
		wantStatus(t, r, http.StatusOK)
		wantContains(t, r, "ready")

		ts.get(c, "/en/", nil)
		ts.get(c, "/nowhere", nil)
		// /metrics on the public listener wants the configured bearer
		// token; a signed-in session is not enough.
		for _, hdr := range []map[string]string{nil, {"Authorization": "Bearer wrong-token-of-the-same-size"}, {"Authorization": testMetricsToken}} {
			r = ts.get(c, "/metrics", hdr)
			wantStatus(t, r, http.StatusUnauthorized)
			if r.Header.Get("WWW-Authenticate") != `Bearer realm="metrics"` || strings.Contains(r.Body, "go_goroutines") {
				t.Errorf("/metrics with %v: WWW-Authenticate %q, %s", hdr, r.Header.Get("WWW-Authenticate"), excerpt(r.Body))
			}
		}
		r = ts.get(c, "/metrics", scraped)
		wantStatus(t, r, http.StatusOK)
		wantContains(t, r,
			`chancery_http_requests_total{code="200",method="GET",route="GET /{lang}/{$}"}`,
			`chancery_http_requests_total{code="404",method="GET",route="GET /{lang}"}`,
			`chancery_http_request_duration_seconds_bucket{method="GET",route="GET /{lang}/{$}"`,
			"chancery_db_open_connections", "go_goroutines")
		if strings.Contains(r.Body, `route="/en/"`) {
			t.Fatal("metrics use raw paths as labels")
		}
		// pprof is never on the public listener.
		wantStatus(t, ts.get(c, "/debug/pprof/", nil), http.StatusNotFound)

		// Without a token, /metrics is on the debug listener only
		// (TestProcessDebugListener).
		plain := newTestServer(t, db, clock, func(cfg *config.Config) { cfg.Metrics.Token = "" })
		wantStatus(t, plain.get(plain.client(), "/metrics", scraped), http.StatusNotFound)
	})
}

func TestReadyzFailsWithoutDatabase(t *testing.T) {
	clock := storetest.NewClock(storetest.Start)
	db := storetest.OpenWithClock(t, store.BackendSQLite, clock.Now)
	ts := newTestServer(t, db, clock)
	_ = db.Close()
	wantStatus(t, ts.get(ts.client(), "/readyz", nil), http.StatusServiceUnavailable)
	wantStatus(t, ts.get(ts.client(), "/healthz", nil), http.StatusOK)
}

func TestHeadersAndAssets(t *testing.T) {
	clock := storetest.NewClock(storetest.Start)
	ts := newTestServer(t, storetest.OpenWithClock(t, store.BackendSQLite, clock.Now), clock)
	c := ts.client()
	// Pages rendered per request carry a nonce policy; public pages the
	// page cache answers carry the static one, and no nonce at all.
	if home := ts.get(c, "/en/", nil); home.Header.Get("Content-Security-Policy") != httpx.StaticCSP || strings.Contains(home.Body, "nonce") {
		t.Errorf("cached home CSP %q", home.Header.Get("Content-Security-Policy"))
	}
	r := ts.get(c, "/signin", nil)
	csp := r.Header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'nonce-", "'strict-dynamic'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %s", csp, want)
		}
	}
	nonce := csp[strings.Index(csp, "'nonce-")+7:]
	nonce = nonce[:strings.IndexByte(nonce, '\'')]
	wantContains(t, r, `nonce="`+nonce+`"`)
	// Nonces are fresh per response.
	if r2, r3 := ts.get(c, "/signin", nil), ts.get(c, "/signin", nil); r2.Header.Get("Content-Security-Policy") == r3.Header.Get("Content-Security-Policy") {
		t.Fatal("nonce reused across requests")
	}
	for h, want := range map[string]string{
		"Referrer-Policy":           "strict-origin-when-cross-origin",
		"X-Content-Type-Options":    "nosniff",
		"Permissions-Policy":        "camera=()",
		"Strict-Transport-Security": "max-age=",
	} {
		if !strings.Contains(r.Header.Get(h), want) {
			t.Errorf("%s = %q, want %s", h, r.Header.Get(h), want)
		}
	}
	conf := ts.get(c, "/en/rooms/asean", nil)
	if !strings.Contains(conf.Header.Get("Permissions-Policy"), "camera=(self)") {
		t.Errorf("conference pages must allow the camera: %q", conf.Header.Get("Permissions-Policy"))
	}

	i := strings.Index(r.Body, `href="/static/app.`)
	css := r.Body[i+6 : i+6+strings.IndexByte(r.Body[i+6:], '"')]
	a := ts.get(c, css, nil)
	wantStatus(t, a, http.StatusOK)
	if got := a.Header.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
		t.Errorf("hashed asset Cache-Control %q", got)
	}
	if !strings.HasPrefix(a.Header.Get("Content-Type"), "text/css") {
		t.Errorf("css served as %q", a.Header.Get("Content-Type"))
	}
	wantStatus(t, ts.get(c, "/static/nope.css", nil), http.StatusNotFound)
}
