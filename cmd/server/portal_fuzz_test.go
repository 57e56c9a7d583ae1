package main

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var searchPath = regexp.MustCompile(`^/[^/]+/search$`)

// FuzzIsCachedPage: any request target is classified without panicking,
// and only language pages, feeds, sitemaps and robots.txt, with no query
// other than ?page=N (N ≥ 2), are cached.
func FuzzIsCachedPage(f *testing.F) {
	for _, s := range []string{"/en/", "/en/news/x", "/en/news/x/v/2", "/en/topics/a/feed.atom", "/sitemap.xml", "/vi/sitemap.xml?page=2",
		"/en/?page=01", "/en/search?q=x", "/xx/", "//", "/en/news//", "/static/app.css", "/en/?utm=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, target string) {
		r, err := http.NewRequest(http.MethodGet, "http://example.org"+target, nil)
		if err != nil {
			return
		}
		if !isCachedPage(r) {
			return
		}
		if q := r.URL.RawQuery; q != "" {
			n, ok := strings.CutPrefix(q, "page=")
			if v, err := strconv.Atoi(n); !ok || err != nil || v < 2 {
				t.Fatalf("%q is cached with the query %q", target, q)
			}
		}
		p := r.URL.Path
		if strings.HasPrefix(p, "/static/") || strings.HasPrefix(p, "/admin") || strings.HasPrefix(p, "/api/") || searchPath.MatchString(p) {
			t.Fatalf("%q is cached", target)
		}
	})
}
