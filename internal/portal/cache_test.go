package portal

import (
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/mofa-vn/chancery/internal/feed"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

func cacheable(target string) bool {
	r, err := http.NewRequest(http.MethodGet, "http://example.org"+target, nil)
	if err != nil {
		panic(err)
	}
	return Cacheable(r)
}

// TestCacheable: the page cache answers the public pages readers come
// back to, in every language, and nothing else.
func TestCacheable(t *testing.T) {
	for _, l := range lang.All() {
		c := "/" + l.Code
		for _, p := range []string{c + "/", c + "/news/x", c + "/news/x/history", c + "/news/x/v/2", c + "/topics/asean", c + "/countries/jp",
			c + "/feed.atom", c + "/topics/asean/feed.atom", c + "/countries/jp/feed.atom", c + "/sitemap.xml", c + "/?page=2", c + "/topics/asean?page=10"} {
			if !cacheable(p) {
				t.Errorf("%s is not cached", p)
			}
		}
	}
	for _, p := range []string{"/sitemap.xml", "/robots.txt", "/sitemap.xml?page=3"} {
		if !cacheable(p) {
			t.Errorf("%s is not cached", p)
		}
	}
	for _, p := range []string{
		"/", "/en", "/xx/", "/xx/news/x", "/EN/news/x", // no language, an unknown one
		"/en/search", "/en/search?q=x", "/en/about", "/en/verify", // search, pages, verification
		"/en/?page=1", "/en/?page=01", "/en/?page=-2", "/en/?page=2&x=1", "/en/?utm=1", // queries but ?page=N, N ≥ 2
		"/en/news/", "/en/news//", "/en/news/x/", "/en/news/x/v/", "/en/news/x/v/2/", "/en/news/x/edit", "/en/news/x/v/2/extra", // not an article's pages
		"/en/topics/", "/en/topics//feed.atom", "/en/topics/a/b", "/en/events/a/feed.atom",
		"/static/app.css", "/media/a.jpg", "/admin", "/admin/articles", "/api/v1/articles", "/signin", "/healthz", "/metrics",
		"/.well-known/chancery-signing-key", "/lang/en", "/rooms/plenary", "/en/rooms/plenary",
		"/a/b/c/d/e/f/g", "/en/news/x/v/2/a/b/c",
	} {
		if cacheable(p) {
			t.Errorf("%s is cached", p)
		}
	}
}

// TestCachedPagesAreRoutes: the cached pages are the very patterns the
// portal and its feeds register, so that a change of the URL rules is made
// in one place: a pattern on the list that nothing serves fails here.
func TestCachedPagesAreRoutes(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		if db.Backend() != store.BackendSQLite {
			return // routes do not depend on the database
		}
		h := newHandlers(t, db, nil)
		mux := httpx.NewRouter()
		h.Routes(mux)
		feed.NewHandlers(feed.Params{Kit: h.kit, Source: h}).Routes(mux)
		routes := mux.Patterns()
		for _, p := range cachedPages {
			if slices.Contains(routes, p) {
				continue
			}
			// The feeds register one literal prefix per language.
			for _, l := range lang.All() {
				if lp := strings.Replace(p, "{lang}", l.Code, 1); !slices.Contains(routes, lp) {
					t.Errorf("%s is cached but %s is not a route", p, lp)
				}
			}
		}
		// And each portal page on the list is cached when asked for.
		for _, p := range cachedPages {
			_, path, _ := strings.Cut(p, " ")
			path = strings.NewReplacer("{lang}", "vi", "{$}", "", "{slug}", "s", "{version}", "2", "{topic}", "t", "{country}", "c").Replace(path)
			if !cacheable(path) {
				t.Errorf("%s (%s) is on the list but not cached", p, path)
			}
		}
	})
}

var searchPath = regexp.MustCompile(`^/[^/]+/search$`)

// FuzzCacheable: any request target is classified without panicking, and
// only language pages, feeds, sitemaps and robots.txt, with no query other
// than ?page=N (N ≥ 2), are cached.
func FuzzCacheable(f *testing.F) {
	for _, s := range []string{"/en/", "/en/news/x", "/en/news/x/v/2", "/en/topics/a/feed.atom", "/sitemap.xml", "/vi/sitemap.xml?page=2",
		"/en/?page=01", "/en/search?q=x", "/xx/", "//", "/en/news//", "/static/app.css", "/en/?utm=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, target string) {
		r, err := http.NewRequest(http.MethodGet, "http://example.org"+target, nil)
		if err != nil {
			return
		}
		if !Cacheable(r) {
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
		if code, _, _ := strings.Cut(strings.TrimPrefix(p, "/"), "/"); p != "/sitemap.xml" && p != "/robots.txt" {
			if _, ok := lang.Lookup(code); !ok {
				t.Fatalf("%q is cached without a language", target)
			}
		}
	})
}

// BenchmarkCacheable is the test every request to the page cache runs.
func BenchmarkCacheable(b *testing.B) {
	r, _ := http.NewRequest(http.MethodGet, "http://example.org/en/news/digital-diplomacy-forum-opens", nil)
	b.ReportAllocs()
	for b.Loop() {
		if !Cacheable(r) {
			b.Fatal("not cached")
		}
	}
}
