package feed

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/lang"
)

// Source is what the portal gives the feed handlers. Every method returns
// published translations only: embargoed, draft and unpublished content must
// never reach a feed or sitemap.
type Source interface {
	// Feed returns at most limit published entries in the language code
	// (such as "fr"), newest first, with the feed's localised Title and
	// Author, narrowed to one topic or country unless sel is the zero
	// Selection. An unknown topic or country is an error wrapping
	// store.ErrNotFound or fault.ErrNotFound, answered with 404. The
	// handlers fill ID, Lang, SelfURL, PageURL, Translations and Updated
	// when they are left empty.
	Feed(ctx context.Context, code string, sel Selection, limit int) (Feed, error)
	// Sitemap returns the published pages in the language code, each with
	// its alternates, in a stable order (such as by ID), skipping offset
	// pages and returning at most limit. The language's home page is added
	// by the handler.
	Sitemap(ctx context.Context, code string, offset, limit int) ([]URL, error)
	// SitemapStats returns how many pages Sitemap has in the language code
	// and the newest publication time among them (zero when none).
	SitemapStats(ctx context.Context, code string) (pages int, newest time.Time, err error)
}

// Selection narrows a feed to the articles of one topic or one country.
type Selection struct {
	Kind string // "", KindTopic or KindCountry
	Slug string // the topic's or country's URL slug
}

// Selection kinds, which are also the URL segments of their feeds:
// /{lang}/topics/{slug}/feed.atom and /{lang}/countries/{slug}/feed.atom.
const (
	KindTopic   = "topics"
	KindCountry = "countries"
)

// Params are the dependencies of NewHandlers.
type Params struct {
	Kit    *httpx.Kit
	Source Source
	// Origin returns the scheme and host of absolute URLs; httpx.Origin by
	// default.
	Origin func(*http.Request) string
	// Disallow lists path prefixes that robots.txt keeps crawlers out of.
	Disallow []string
	// Limit is the number of entries per feed; 50 by default.
	Limit int
	// MaxAge is how long clients and proxies may reuse a document; 5
	// minutes by default.
	MaxAge time.Duration
	// SitemapPageSize is the number of pages per sitemap file (10,000 by
	// default, at most MaxSitemapURLs-1): with eight alternates per page a
	// file stays far below the 50 MB limit.
	SitemapPageSize int
}

type originKey struct{}

// WithOrigin returns ctx carrying the scheme and host of the request, which
// the handlers pass to the Source so that it can write absolute URLs.
func WithOrigin(ctx context.Context, origin string) context.Context {
	return context.WithValue(ctx, originKey{}, origin)
}

// Origin returns the scheme and host WithOrigin put in ctx ("" if none).
func Origin(ctx context.Context) string {
	s, _ := ctx.Value(originKey{}).(string)
	return s
}

// Handlers serve feeds, sitemaps and robots.txt.
type Handlers struct{ p Params }

// NewHandlers returns the handlers.
func NewHandlers(p Params) *Handlers {
	if p.Origin == nil {
		p.Origin = httpx.Origin
	}
	if p.Limit <= 0 {
		p.Limit = 50
	}
	if p.MaxAge <= 0 {
		p.MaxAge = 5 * time.Minute
	}
	if p.SitemapPageSize <= 0 || p.SitemapPageSize >= MaxSitemapURLs {
		p.SitemapPageSize = 10000
	}
	return &Handlers{p: p}
}

// DefaultDisallow are the staff-only prefixes kept out of robots.txt.
var DefaultDisallow = []string{"/admin", "/api/", "/account/", "/signin", "/signout", "/lang/"}

// Routes lists every route of the feeds. The language prefixes are
// literal (GET /vi/feed.atom, GET /en/feed.atom, …) rather than a {lang}
// wildcard: ServeMux refuses /{lang}/feed.atom beside /static/{file}, as both
// match /static/feed.atom. An unknown prefix falls through to the site's
// localised 404. Each language's sitemap lives under its prefix, as its feed
// does.
func (h *Handlers) Routes(mux *httpx.Router) {
	for _, l := range lang.All() {
		mux.HandleFunc("GET /"+l.Code+"/feed.atom", func(w http.ResponseWriter, r *http.Request) { h.feed(w, r, l, Selection{}) })
		for _, kind := range []string{KindTopic, KindCountry} {
			mux.HandleFunc("GET /"+l.Code+"/"+kind+"/{slug}/feed.atom", func(w http.ResponseWriter, r *http.Request) { h.selectedFeed(w, r, l, kind) })
		}
		mux.HandleFunc("GET /"+l.Code+"/sitemap.xml", func(w http.ResponseWriter, r *http.Request) { h.sitemap(w, r, l) })
	}
	mux.HandleFunc("GET /sitemap.xml", h.sitemapIndex)
	mux.HandleFunc("GET /robots.txt", h.robots)
}

func (h *Handlers) selectedFeed(w http.ResponseWriter, r *http.Request, l lang.Language, kind string) {
	slug := r.PathValue("slug")
	if !validSlug(slug) {
		h.p.Kit.Fail(w, r, fault.ErrNotFound)
		return
	}
	h.feed(w, r, l, Selection{Kind: kind, Slug: slug})
}

func (h *Handlers) feed(w http.ResponseWriter, r *http.Request, l lang.Language, sel Selection) {
	origin := h.p.Origin(r)
	f, err := h.p.Source.Feed(WithOrigin(r.Context(), origin), l.Code, sel, h.p.Limit)
	if err != nil {
		h.p.Kit.Fail(w, r, fmt.Errorf("feed: %s %+v: %w", l.Code, sel, err))
		return
	}
	// The page a feed mirrors: the language's home, or the topic's or
	// country's list (/en/topics/x, without a trailing slash).
	page := "/"
	if sel.Kind != "" {
		page = "/" + sel.Kind + "/" + sel.Slug
	}
	self := strings.TrimSuffix(page, "/") + "/feed.atom"
	if f.Lang == "" {
		f.Lang = l.Tag.String()
	}
	if f.SelfURL == "" {
		f.SelfURL = origin + "/" + l.Code + self
	}
	if f.ID == "" {
		f.ID = f.SelfURL
	}
	if f.PageURL == "" {
		f.PageURL = origin + "/" + l.Code + page
	}
	if f.Translations == nil {
		for _, o := range lang.All() {
			if o.Code != l.Code {
				f.Translations = append(f.Translations, Alternate{Lang: o.Tag.String(), Href: origin + "/" + o.Code + self})
			}
		}
	}
	if f.Updated.IsZero() {
		for _, e := range f.Entries {
			if e.Updated.After(f.Updated) {
				f.Updated = e.Updated
			}
		}
	}
	if f.Updated.IsZero() {
		// Nothing was ever published here: Atom still needs a date, and
		// a fixed one keeps the ETag stable.
		f.Updated = time.Unix(0, 0)
	}
	var buf bytes.Buffer
	if err := WriteAtom(&buf, f); err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	w.Header().Set("Content-Language", l.Code)
	h.serve(w, r, AtomType+"; charset=utf-8", f.Updated, buf.Bytes())
}

func (h *Handlers) sitemapIndex(w http.ResponseWriter, r *http.Request) {
	origin := h.p.Origin(r)
	var refs []SitemapRef
	var newest time.Time
	for _, l := range lang.All() {
		n, t, err := h.p.Source.SitemapStats(WithOrigin(r.Context(), origin), l.Code)
		if err != nil {
			h.p.Kit.Fail(w, r, fmt.Errorf("feed: sitemap index: %w", err))
			return
		}
		if t.After(newest) {
			newest = t
		}
		files := max(1, (n+h.p.SitemapPageSize-1)/h.p.SitemapPageSize)
		for i := 1; i <= files; i++ {
			loc := origin + "/" + l.Code + "/sitemap.xml"
			if i > 1 {
				loc += "?page=" + strconv.Itoa(i)
			}
			refs = append(refs, SitemapRef{Loc: loc, LastMod: t})
		}
	}
	var buf bytes.Buffer
	if err := WriteSitemapIndex(&buf, refs); err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	h.serve(w, r, "application/xml; charset=utf-8", newest, buf.Bytes())
}

func (h *Handlers) sitemap(w http.ResponseWriter, r *http.Request, l lang.Language) {
	page := 1
	if q := r.URL.Query(); q.Has("page") {
		n, err := strconv.Atoi(q.Get("page"))
		if err != nil || n < 2 || n > MaxSitemapURLs {
			h.p.Kit.Fail(w, r, fault.ErrNotFound)
			return
		}
		page = n
	}
	size := h.p.SitemapPageSize
	origin := h.p.Origin(r)
	urls, err := h.p.Source.Sitemap(WithOrigin(r.Context(), origin), l.Code, (page-1)*size, size)
	if err == nil && page > 1 && len(urls) == 0 {
		err = fault.ErrNotFound
	}
	if err != nil {
		h.p.Kit.Fail(w, r, fmt.Errorf("feed: sitemap %s: %w", l.Code, err))
		return
	}
	home := URL{Loc: origin + "/" + l.Code + "/", Alternates: []Alternate{{Lang: "x-default", Href: origin + "/"}}}
	for _, o := range lang.All() {
		home.Alternates = append(home.Alternates, Alternate{Lang: o.Tag.String(), Href: origin + "/" + o.Code + "/"})
	}
	var newest time.Time
	for _, u := range urls {
		if u.LastMod.After(newest) {
			newest = u.LastMod
		}
	}
	home.LastMod = newest
	if page == 1 {
		urls = append([]URL{home}, urls...)
	}
	var buf bytes.Buffer
	if err := WriteSitemap(&buf, urls); err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	if buf.Len() > MaxSitemapBytes {
		h.p.Kit.Fail(w, r, fmt.Errorf("feed: sitemap %s page %d is %d bytes, over 50 MB: lower SitemapPageSize", l.Code, page, buf.Len()))
		return
	}
	h.serve(w, r, "application/xml; charset=utf-8", newest, buf.Bytes())
}

func (h *Handlers) robots(w http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	if err := WriteRobots(&buf, h.p.Origin(r)+"/sitemap.xml", h.p.Disallow); err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	h.serve(w, r, "text/plain; charset=utf-8", time.Time{}, buf.Bytes())
}

// serve answers with body, a strong ETag of its bytes and Last-Modified;
// http.ServeContent turns If-None-Match and If-Modified-Since into 304 and
// answers HEAD and Range requests.
func (h *Handlers) serve(w http.ResponseWriter, r *http.Request, contentType string, modified time.Time, body []byte) {
	sum := sha256.Sum256(body)
	hdr := w.Header()
	hdr.Set("Content-Type", contentType)
	hdr.Set("ETag", `"`+hex.EncodeToString(sum[:16])+`"`)
	hdr.Set("Cache-Control", fmt.Sprintf("public, max-age=%d", int(h.p.MaxAge.Seconds())))
	hdr.Set("X-Content-Type-Options", "nosniff")
	if modified.Equal(time.Unix(0, 0)) {
		modified = time.Time{}
	}
	http.ServeContent(w, r, "", modified, bytes.NewReader(body))
}

// validSlug accepts the URL-safe topic and country slugs the portal makes:
// letters and digits of any script (country codes are upper-case, as JP),
// and hyphens, up to 100 bytes.
func validSlug(s string) bool {
	if s == "" || len(s) > 100 {
		return false
	}
	for _, c := range s {
		if c == '-' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c > unicode.MaxASCII && (unicode.IsLetter(c) || unicode.IsDigit(c))) {
			continue
		}
		return false
	}
	return true
}
