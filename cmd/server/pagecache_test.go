package main

import (
	"context"
	"net/http"
	"testing"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// TestHomePageIsCached: the wired server answers repeat anonymous visits
// to a language's home from the page cache, with validators and gzip, and
// never caches a signed-in viewer's page.
func TestHomePageIsCached(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ts := newTestServer(t, db, clock)
		anon := ts.client()
		noGzip := map[string]string{"Accept-Encoding": "identity"}
		first := ts.get(anon, "/en/", noGzip)
		wantStatus(t, first, http.StatusOK)
		second := ts.get(anon, "/en/", noGzip)
		if first.Header.Get("X-Cache") != "MISS" || second.Header.Get("X-Cache") != "HIT" {
			t.Fatalf("X-Cache %q then %q", first.Header.Get("X-Cache"), second.Header.Get("X-Cache"))
		}
		if second.Body != first.Body {
			t.Error("the cached page differs")
		}
		// A hit carries the same protective headers as a rendered page,
		// with the static CSP.
		for _, k := range []string{"Strict-Transport-Security", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "Permissions-Policy", "Cross-Origin-Opener-Policy", "Content-Type"} {
			if second.Header.Get(k) == "" || second.Header.Get(k) != first.Header.Get(k) {
				t.Errorf("%s: miss %q, hit %q", k, first.Header.Get(k), second.Header.Get(k))
			}
		}
		if csp := second.Header.Get("Content-Security-Policy"); csp != httpx.StaticCSP {
			t.Errorf("hit CSP %q", csp)
		}
		etag := second.Header.Get("ETag")
		if r := ts.get(anon, "/en/", map[string]string{"If-None-Match": etag, "Accept-Encoding": "identity"}); r.StatusCode != http.StatusNotModified {
			t.Errorf("If-None-Match: status %d, want 304", r.StatusCode)
		}
		// Go's client asks for gzip itself and unzips; ask explicitly to see it.
		req, _ := http.NewRequest(http.MethodGet, ts.URL+"/en/", nil)
		req.Header.Set("Accept-Encoding", "gzip")
		res, err := anon.Transport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.Header.Get("Content-Encoding") != "gzip" || res.Header.Get("Vary") != "Accept-Encoding" {
			t.Errorf("Content-Encoding %q, Vary %q", res.Header.Get("Content-Encoding"), res.Header.Get("Vary"))
		}

		ts.addUser("lan", "a long enough password", account.RoleChair)
		staff := ts.signIn("lan", "a long enough password")
		for range 2 {
			r := ts.get(staff, "/en/", noGzip)
			if r.Header.Get("X-Cache") == "HIT" || r.Header.Get("ETag") != "" {
				t.Fatalf("a signed-in page came from the cache: %v", r.Header)
			}
			wantContains(t, r, "LAN")
		}

		if err := ts.app.pages.Purge(context.Background()); err != nil {
			t.Fatal(err)
		}
		if r := ts.get(anon, "/en/", noGzip); r.Header.Get("X-Cache") != "MISS" {
			t.Errorf("after Purge: X-Cache %q", r.Header.Get("X-Cache"))
		}
		m := ts.get(anon, "/metrics", scraped)
		wantContains(t, m, `chancery_http_requests_total{code="304",method="GET",route="GET /{lang}/{$}"} 1`, "chancery_pagecache_hits_total 3", "chancery_pagecache_misses_total 2", "chancery_pagecache_bypasses_total")
		// Pages outside the cached set are untouched.
		if r := ts.get(anon, "/signin", noGzip); r.Header.Get("X-Cache") != "" {
			t.Errorf("/signin went through the cache")
		}
	})
}
