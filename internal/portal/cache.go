package portal

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/mofa-vn/chancery/internal/feed"
	"github.com/mofa-vn/chancery/internal/lang"
)

// The routes of the portal's pages that the page cache answers; Routes
// registers them and cachedPages lists them, so that both read one
// definition.
const (
	routeHome    = "GET /{lang}/{$}"
	routeArticle = "GET /{lang}/news/{slug}"
	routeHistory = "GET /{lang}/news/{slug}/history"
	routeVersion = "GET /{lang}/news/{slug}/v/{version}"
	routeTopic   = "GET /{lang}/topics/{topic}"
	routeCountry = "GET /{lang}/countries/{country}"
)

// cachedPages are the public pages the page cache answers, as the
// ServeMux patterns that serve them: the home, article (with its history
// and earlier versions), topic and country pages of each language, their
// Atom feeds, the sitemaps and robots.txt. {lang} stands for a language
// code (feed.Routes registers one literal prefix per language), any other
// wildcard for one non-empty segment. Search is not cached: nearly every
// query is new, and each would take room from the pages read most. Every
// pattern is one the portal or its feeds register (TestCachedPagesAreRoutes).
var cachedPages = []string{
	routeHome, routeArticle, routeHistory, routeVersion, routeTopic, routeCountry,
	"GET /{lang}/feed.atom",
	"GET /{lang}/" + feed.KindTopic + "/{slug}/feed.atom",
	"GET /{lang}/" + feed.KindCountry + "/{slug}/feed.atom",
	"GET /{lang}/sitemap.xml",
	"GET /sitemap.xml",
	"GET /robots.txt",
}

// maxSegments is the most path segments a cached page has.
const maxSegments = 5

// A segment of a cached page's pattern: a literal, a wildcard, a language
// code, or the trailing slash ({$}).
type segment struct {
	kind    byte // 'l' literal, 'w' wildcard, 'c' language code, '$' end
	literal string
}

// cachedMatchers are cachedPages taken apart once.
var cachedMatchers = func() [][]segment {
	out := make([][]segment, len(cachedPages))
	for i, p := range cachedPages {
		_, path, _ := strings.Cut(p, " ")
		parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
		if len(parts) > maxSegments {
			panic("portal: cached page " + p + " has more than maxSegments segments")
		}
		for j, s := range parts {
			switch {
			case s == "{lang}" && j == 0:
				out[i] = append(out[i], segment{kind: 'c'})
			case s == "{$}":
				out[i] = append(out[i], segment{kind: '$'})
			case strings.HasPrefix(s, "{"):
				out[i] = append(out[i], segment{kind: 'w'})
			default:
				out[i] = append(out[i], segment{kind: 'l', literal: s})
			}
		}
	}
	return out
}()

// Cacheable selects the requests the page cache may answer: those for
// cachedPages. A query string other than ?page=N (N ≥ 2) goes around the
// cache, so that made-up queries cannot fill it and push the real pages
// out; so does an unknown language. It runs on every hit, and allocates
// nothing.
func Cacheable(r *http.Request) bool {
	if q := r.URL.RawQuery; q != "" {
		n, ok := strings.CutPrefix(q, "page=")
		if v, err := strconv.Atoi(n); !ok || err != nil || v < 2 || strconv.Itoa(v) != n {
			return false
		}
	}
	var seg [maxSegments]string
	n := 0
	for s := strings.TrimPrefix(r.URL.Path, "/"); ; n++ {
		if n == len(seg) {
			return false
		}
		var more bool
		seg[n], s, more = strings.Cut(s, "/")
		if !more {
			n++
			break
		}
	}
	parts := seg[:n]
	_, known := lang.Lookup(parts[0]) // the only segment a language may be
	for _, m := range cachedMatchers {
		if matches(m, parts, known) {
			return true
		}
	}
	return false
}

// matches reports whether the path segments parts match m; known says
// whether the first is a language code.
func matches(m []segment, parts []string, known bool) bool {
	if len(m) != len(parts) {
		return false
	}
	for i, s := range m {
		p := parts[i]
		switch s.kind {
		case 'l':
			if p != s.literal {
				return false
			}
		case 'w':
			if p == "" {
				return false
			}
		case 'c':
			if i != 0 || !known {
				return false
			}
		case '$':
			if p != "" {
				return false
			}
		}
	}
	return true
}
