package feed

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/httpx/httpxtest"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/store"
)

// fakeSource is an in-memory portal: a few published articles, each
// translated into some languages.
type fakeSource struct {
	articles []fakeArticle
	calls    int
}

type fakeArticle struct {
	slug    string
	topic   string
	country string
	langs   []string
	update  time.Time
}

func (s *fakeSource) Feed(_ context.Context, code string, sel Selection, limit int) (Feed, error) {
	s.calls++
	topic, country := "", ""
	switch sel.Kind {
	case KindTopic:
		topic = sel.Slug
		if topic != "bien-dong" && topic != "kinh-tế" {
			return Feed{}, fmt.Errorf("topic %q: %w", topic, store.ErrNotFound)
		}
	case KindCountry:
		country = sel.Slug
		if country != "fr" && country != "cn" {
			return Feed{}, fmt.Errorf("country %q: %w", country, store.ErrNotFound)
		}
	}
	f := Feed{Title: "News " + code, Author: Person{Name: "Ministry of Foreign Affairs"}}
	for i, a := range s.articles {
		if (topic != "" && a.topic != topic) || (country != "" && a.country != country) || !contains(a.langs, code) || len(f.Entries) == limit {
			continue
		}
		f.Entries = append(f.Entries, Entry{
			ID: TagURI("mofa.example", t0, fmt.Sprintf("article/%d/%s", i, code)), Title: a.slug + " " + code,
			URL: "https://mofa.example/" + code + "/news/" + a.slug, Updated: a.update, Published: a.update,
		})
	}
	return f, nil
}

func (s *fakeSource) Sitemap(_ context.Context, code string, offset, limit int) ([]URL, error) {
	var urls []URL
	for _, a := range s.articles {
		if !contains(a.langs, code) {
			continue
		}
		u := URL{Loc: "https://mofa.example/" + code + "/news/" + a.slug, LastMod: a.update}
		for _, o := range a.langs {
			l, _ := lang.Lookup(o)
			u.Alternates = append(u.Alternates, Alternate{Lang: l.Tag.String(), Href: "https://mofa.example/" + o + "/news/" + a.slug})
		}
		u.Alternates = append(u.Alternates, Alternate{Lang: "x-default", Href: "https://mofa.example/"})
		urls = append(urls, u)
	}
	if offset >= len(urls) {
		return nil, nil
	}
	return urls[offset:min(len(urls), offset+limit)], nil
}

func (s *fakeSource) SitemapStats(_ context.Context, code string) (int, time.Time, error) {
	var t time.Time
	n := 0
	for _, a := range s.articles {
		if contains(a.langs, code) {
			n++
			if a.update.After(t) {
				t = a.update
			}
		}
	}
	return n, t, nil
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func newTestHandlers(t *testing.T, mutate ...func(*Params)) (*httptest.Server, *fakeSource) {
	t.Helper()
	kit := httpxtest.Kit(t)
	src := &fakeSource{articles: []fakeArticle{
		{slug: "bien-dong", topic: "bien-dong", langs: []string{"vi", "en", "zh", "ar"}, update: t0},
		{slug: "visa", topic: "kinh-tế", country: "fr", langs: []string{"vi", "fr"}, update: t0.Add(-time.Hour)},
	}}
	mux := httpx.NewRouter()
	p := Params{Kit: kit, Source: src, Origin: func(*http.Request) string { return "https://mofa.example" }, Disallow: DefaultDisallow}
	for _, m := range mutate {
		m(&p)
	}
	NewHandlers(p).Routes(mux)
	// The same neighbours as in cmd/server, so a route conflict shows here.
	mux.Handle("GET /static/{file}", kit.Assets.Handler(http.HandlerFunc(kit.NotFound)))
	mux.HandleFunc("GET /{lang}/{$}", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux.HandleFunc("/", kit.NotFound)
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return ts, src
}

func get(t *testing.T, ts *httptest.Server, path string, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, ts.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(b)
}

func TestHandlersServeValidDocuments(t *testing.T) {
	ts, _ := newTestHandlers(t)
	for _, tc := range []struct {
		path, schema, ctype string
		want                []string
		not                 []string
	}{
		{"/ar/feed.atom", atomSchema, "application/atom+xml; charset=utf-8",
			[]string{`xml:lang="ar"`, `<id>https://mofa.example/ar/feed.atom</id>`, `bien-dong ar`, `hreflang="vi" href="https://mofa.example/vi/feed.atom"`},
			[]string{"visa"}},
		{"/fr/feed.atom", atomSchema, "application/atom+xml; charset=utf-8", []string{"visa fr"}, []string{"bien-dong"}},
		{"/ru/feed.atom", atomSchema, "application/atom+xml; charset=utf-8", []string{`<updated>1970-01-01T00:00:00Z</updated>`}, []string{"<entry"}},
		{"/vi/topics/bien-dong/feed.atom", atomSchema, "application/atom+xml; charset=utf-8",
			[]string{"bien-dong vi", `href="https://mofa.example/vi/topics/bien-dong/feed.atom"`}, []string{"visa"}},
		{"/fr/countries/fr/feed.atom", atomSchema, "application/atom+xml; charset=utf-8",
			[]string{"visa fr", `<id>https://mofa.example/fr/countries/fr/feed.atom</id>`, `hreflang="vi" href="https://mofa.example/vi/countries/fr/feed.atom"`}, []string{"bien-dong"}},
		{"/vi/topics/kinh-t%E1%BA%BF/feed.atom", atomSchema, "application/atom+xml; charset=utf-8", []string{"visa vi"}, []string{"bien-dong vi"}},
		{"/sitemap.xml", siteindexSchem, "application/xml; charset=utf-8",
			[]string{"<loc>https://mofa.example/vi/sitemap.xml</loc><lastmod>2026-03-14T15:30:00Z</lastmod>", "<loc>https://mofa.example/ar/sitemap.xml</loc>", "<loc>https://mofa.example/ru/sitemap.xml</loc></sitemap>"}, nil},
		{"/zh/sitemap.xml", sitemapSchema, "application/xml; charset=utf-8",
			[]string{"<loc>https://mofa.example/zh/</loc>", "<loc>https://mofa.example/zh/news/bien-dong</loc>", `hreflang="ar" href="https://mofa.example/ar/news/bien-dong"`, `hreflang="x-default"`}, []string{"visa"}},
		{"/ru/sitemap.xml", sitemapSchema, "application/xml; charset=utf-8", []string{"<loc>https://mofa.example/ru/</loc>"}, []string{"/news/"}},
	} {
		t.Run(tc.path, func(t *testing.T) {
			res, body := get(t, ts, tc.path, nil)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", res.StatusCode, body)
			}
			if got := res.Header.Get("Content-Type"); got != tc.ctype {
				t.Errorf("Content-Type %q, want %q", got, tc.ctype)
			}
			if got := res.Header.Get("Cache-Control"); got != "public, max-age=300" {
				t.Errorf("Cache-Control %q", got)
			}
			if etag := res.Header.Get("ETag"); len(etag) != 34 || etag[0] != '"' {
				t.Errorf("ETag %q is not a strong validator", etag)
			}
			mustValidate(t, tc.schema, []byte(body))
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("lacks %s\n%s", w, body)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(body, n) {
					t.Errorf("has %s\n%s", n, body)
				}
			}
		})
	}
}

// TestSitemapPages splits a language's sitemap into files of
// SitemapPageSize pages, all listed in the index and all valid.
func TestSitemapPages(t *testing.T) {
	ts, src := newTestHandlers(t, func(p *Params) { p.SitemapPageSize = 2 })
	for i := range 3 {
		src.articles = append(src.articles, fakeArticle{slug: fmt.Sprintf("extra-%d", i), langs: []string{"vi"}, update: t0.Add(-time.Duration(i) * time.Minute)})
	}
	_, index := get(t, ts, "/sitemap.xml", nil)
	for _, w := range []string{"<loc>https://mofa.example/vi/sitemap.xml</loc>", "<loc>https://mofa.example/vi/sitemap.xml?page=2</loc>", "<loc>https://mofa.example/vi/sitemap.xml?page=3</loc>"} {
		if !strings.Contains(index, w) {
			t.Errorf("index lacks %s", w)
		}
	}
	if strings.Contains(index, "vi/sitemap.xml?page=4") || strings.Contains(index, "en/sitemap.xml?page=2") {
		t.Errorf("index lists too many files:\n%s", index)
	}
	seen := map[string]bool{}
	for _, p := range []string{"/vi/sitemap.xml", "/vi/sitemap.xml?page=2", "/vi/sitemap.xml?page=3"} {
		res, body := get(t, ts, p, nil)
		if res.StatusCode != 200 {
			t.Fatalf("%s: status %d", p, res.StatusCode)
		}
		mustValidate(t, sitemapSchema, []byte(body))
		for _, m := range regexp.MustCompile(`<url><loc>([^<]+)</loc>`).FindAllStringSubmatch(body, -1) {
			if seen[m[1]] {
				t.Errorf("%s listed twice", m[1])
			}
			seen[m[1]] = true
		}
	}
	if len(seen) != 1+5 {
		t.Errorf("the files list %d pages, want the home page and 5 articles: %v", len(seen), seen)
	}
	for _, p := range []string{"/vi/sitemap.xml?page=4", "/vi/sitemap.xml?page=1", "/vi/sitemap.xml?page=x", "/vi/sitemap.xml?page=-2"} {
		if res, _ := get(t, ts, p, nil); res.StatusCode != 404 {
			t.Errorf("%s: status %d, want 404", p, res.StatusCode)
		}
	}
}

func TestHandlersConditionalRequests(t *testing.T) {
	ts, _ := newTestHandlers(t)
	res, _ := get(t, ts, "/vi/feed.atom", nil)
	etag, lm := res.Header.Get("ETag"), res.Header.Get("Last-Modified")
	if lm != "Sat, 14 Mar 2026 15:30:00 GMT" {
		t.Errorf("Last-Modified %q", lm)
	}
	for _, tc := range []struct {
		name string
		hdr  map[string]string
		want int
	}{
		{"same etag", map[string]string{"If-None-Match": etag}, http.StatusNotModified},
		{"other etag", map[string]string{"If-None-Match": `"abc"`}, http.StatusOK},
		{"not modified since", map[string]string{"If-Modified-Since": lm}, http.StatusNotModified},
		{"modified since", map[string]string{"If-Modified-Since": "Fri, 13 Mar 2026 00:00:00 GMT"}, http.StatusOK},
		{"garbage date", map[string]string{"If-Modified-Since": "yesterday"}, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, body := get(t, ts, "/vi/feed.atom", tc.hdr)
			if res.StatusCode != tc.want {
				t.Fatalf("status %d, want %d", res.StatusCode, tc.want)
			}
			if tc.want == http.StatusNotModified && body != "" {
				t.Errorf("304 with a body")
			}
		})
	}
}

func TestHandlersRobots(t *testing.T) {
	ts, _ := newTestHandlers(t)
	res, body := get(t, ts, "/robots.txt", nil)
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Fatalf("status %d, type %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	for _, w := range []string{"Sitemap: https://mofa.example/sitemap.xml\n", "Disallow: /admin\n", "Disallow: /api/\n", "User-agent: *\n"} {
		if !strings.Contains(body, w) {
			t.Errorf("robots.txt lacks %q:\n%s", w, body)
		}
	}
}

func TestHandlersNotFound(t *testing.T) {
	ts, src := newTestHandlers(t)
	for _, path := range []string{
		"/xx/feed.atom", "/VI/feed.atom", "/vi/topics/unknown/feed.atom", "/vi/countries/zz/feed.atom", "/vi/regions/fr/feed.atom", "/vi/topics/Bad%20Topic/feed.atom",
		"/vi/topics/" + strings.Repeat("a", 101) + "/feed.atom", "/xx/sitemap.xml", "/vi/sitemap.xml.gz", "/..%2Fvi/sitemap.xml",
	} {
		t.Run(path, func(t *testing.T) {
			before := src.calls
			res, body := get(t, ts, path, map[string]string{"Accept-Language": "fr"})
			if res.StatusCode != http.StatusNotFound {
				t.Fatalf("status %d, want 404: %s", res.StatusCode, body)
			}
			if strings.Contains(path, "Bad") && src.calls != before {
				t.Errorf("an invalid slug reached the source")
			}
		})
	}
}
