// Package pagecache owns the cache of rendered public pages: an HTTP
// middleware that keeps each anonymous GET response in memory, keyed by host,
// path and query, and answers repeats from memory with a strong ETag,
// Last-Modified, 304 Not Modified and gzip. Publishing calls Purge, which
// starts a new generation shared by every instance through the settings
// table.
//
// Rules: only GET and HEAD; never for a signed-in viewer or an API token;
// only 200 responses without Set-Cookie, without Cache-Control: private and
// without a Vary other than Accept-Encoding; gzip only for textual types of at
// least MinGzip bytes, always with Vary: Accept-Encoding.
//
// CSP nonces: with Params.CSP (the server sets httpx.StaticCSP), a miss is
// rendered under httpx.WithStaticPage, so the page carries no nonce, and
// every answer is sent with that fixed policy, which allows same-origin
// scripts by address: the public pages have no inline script (their JSON-LD
// is a data block, which CSP does not govern), so no nonce is needed and
// none is reused. Without it, a cached page keeps the nonce it was rendered with,
// and a hit rewrites the request's fresh nonce in the response headers to
// that one, so the bytes behind a strong ETag never change.
//
// A plain hit on a corked HTTP/1.1 connection (httpx.CorkListener) leaves
// as bytes serialised with the entry, status line and headers included
// (httpx.Preformatted); everything else goes through net/http.
//
// It buffers whole responses, so it must wrap page handlers only, never
// streaming ones. It must not import feature packages.
package pagecache

import (
	"bytes"
	"compress/gzip"
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mofa-vn/chancery/internal/httpx"
)

// Generations tells which content generation is current; *Generation
// implements it over the settings table.
type Generations interface {
	Current(ctx context.Context) (string, error)
	Bump(ctx context.Context) (string, error)
}

// Params configure a Cache. Zero values take the defaults.
type Params struct {
	Generations Generations
	// MaxBytes bounds the memory the cache holds (64 MiB).
	MaxBytes int64
	// MaxEntryBytes is the largest page kept (2 MiB).
	MaxEntryBytes int
	// MinGzip is the smallest body worth compressing (1024 bytes).
	MinGzip int
	// Private reports requests that must bypass the cache; by default a
	// signed-in viewer or an Authorization header.
	Private func(*http.Request) bool
	// Cacheable selects the requests the cache may answer, when the cache
	// wraps more than public pages (all by default).
	Cacheable func(*http.Request) bool
	// Nonce returns the request's CSP nonce (httpx.Nonce).
	Nonce func(context.Context) string
	// CSP, if set, is the Content-Security-Policy of every page the cache
	// answers (httpx.StaticCSP): the cached pages carry no inline script,
	// so they need no per-response nonce, and no nonce is reused. When it
	// is empty, a hit rewrites the request's nonce to the cached page's.
	CSP string
	Now func() time.Time
	Log *slog.Logger
}

// Cache is the page cache.
type Cache struct {
	p Params

	mu      sync.Mutex
	entries map[string]*list.Element
	lru     list.List // front: most recently used *entry
	size    int64

	hits, misses, bypasses atomic.Int64
}

type entry struct {
	key      string
	gen      string
	header   http.Header
	body, gz []byte
	etag     string
	gzETag   string
	modified time.Time
	nonce    string
	pattern  string
	// plain and zipped are every header the entry is sent with, made once
	// so that a hit only assigns them: identity and gzip bodies. Their
	// slices are shared by every response and must never be changed.
	plain, zipped http.Header
	// wirePlain and wireZipped are the status line and headers of a hit
	// as sent (httpx.Preformatted), without Date.
	wirePlain, wireZipped []byte
}

func (e *entry) bytes() int64 {
	return int64(len(e.body) + len(e.gz) + len(e.key) + len(e.wirePlain) + len(e.wireZipped) + 512)
}

// New returns an empty cache.
func New(p Params) *Cache {
	if p.MaxBytes <= 0 {
		p.MaxBytes = 64 << 20
	}
	if p.MaxEntryBytes <= 0 {
		p.MaxEntryBytes = 2 << 20
	}
	if p.MinGzip <= 0 {
		p.MinGzip = 1024
	}
	if p.Private == nil {
		p.Private = func(r *http.Request) bool {
			return httpx.ViewerFrom(r.Context()) != nil || r.Header.Get("Authorization") != ""
		}
	}
	if p.Cacheable == nil {
		p.Cacheable = func(*http.Request) bool { return true }
	}
	if p.Nonce == nil {
		p.Nonce = httpx.Nonce
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	if p.Log == nil {
		p.Log = slog.New(slog.DiscardHandler)
	}
	return &Cache{p: p, entries: map[string]*list.Element{}}
}

// Stats are counters since start.
type Stats struct {
	Hits, Misses, Bypasses int64
	Entries                int
	Bytes                  int64
}

// Stats returns the counters.
func (c *Cache) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Stats{Hits: c.hits.Load(), Misses: c.misses.Load(), Bypasses: c.bypasses.Load(), Entries: len(c.entries), Bytes: c.size}
}

// Count returns one counter since start: "hits", "misses" or "bypasses",
// without taking the cache's lock (for metrics).
func (c *Cache) Count(name string) int64 {
	switch name {
	case "hits":
		return c.hits.Load()
	case "misses":
		return c.misses.Load()
	case "bypasses":
		return c.bypasses.Load()
	}
	return 0
}

// Purge makes every cached page stale, on every instance: call it after
// anything public changes (publish, unpublish, correction).
func (c *Cache) Purge(ctx context.Context) error {
	if _, err := c.p.Generations.Bump(ctx); err != nil {
		return err
	}
	c.clear()
	return nil
}

func (c *Cache) clear() {
	c.mu.Lock()
	c.entries = map[string]*list.Element{}
	c.lru.Init()
	c.size = 0
	c.mu.Unlock()
}

// Middleware caches the responses of next.
func (c *Cache) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if (r.Method != http.MethodGet && r.Method != http.MethodHead) || !c.p.Cacheable(r) || c.p.Private(r) {
			c.bypasses.Add(1)
			next.ServeHTTP(w, r)
			return
		}
		gen, err := c.p.Generations.Current(r.Context())
		if err != nil {
			// Serving uncached is slower but never stale.
			c.p.Log.WarnContext(r.Context(), "page cache off for this request", "err", err)
			c.bypasses.Add(1)
			next.ServeHTTP(w, r)
			return
		}
		// The key is made on the stack: a hit allocates nothing for it.
		var kb [256]byte
		k := kb[:0]
		if r.TLS != nil {
			k = append(k, "https://"...)
		} else {
			k = append(k, "http://"...)
		}
		k = append(append(k, r.Host...), r.URL.RequestURI()...)
		if e := c.get(k, gen); e != nil {
			c.hits.Add(1)
			// The route pattern the ServeMux matched the first time, for
			// the metrics, whether the cache wraps the mux or sits above
			// the middleware.
			r.Pattern = e.pattern
			httpx.SetRoute(w, e.pattern)
			c.serve(w, r, e, "HIT")
			return
		}
		c.misses.Add(1)
		key := string(k)
		rec := &recorder{header: http.Header{}, limit: c.p.MaxEntryBytes}
		get := r
		if c.p.CSP != "" {
			// Rendered for every reader: no per-response nonce in it.
			get = r.WithContext(httpx.WithStaticPage(r.Context()))
		}
		if r.Method == http.MethodHead {
			// Render the body anyway, so that the entry serves GETs.
			get = get.Clone(get.Context())
			get.Method = http.MethodGet
		}
		next.ServeHTTP(rec, get)
		r.Pattern = get.Pattern
		if r.Pattern == "" {
			// Middleware between the cache and the mux passed a copy of
			// the request down; RecordPattern told the recorder.
			r.Pattern = rec.route
		}
		httpx.SetRoute(w, r.Pattern)
		e, ok := c.entryFrom(key, gen, r, rec)
		if !ok {
			rec.replay(w, r)
			return
		}
		c.put(e)
		c.serve(w, r, e, "MISS")
	})
}

func (c *Cache) get(key []byte, gen string) *entry {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[string(key)]
	if !ok {
		return nil
	}
	e := el.Value.(*entry)
	if e.gen != gen {
		c.remove(el)
		return nil
	}
	c.lru.MoveToFront(el)
	return e
}

func (c *Cache) put(e *entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[e.key]; ok {
		c.remove(el)
	}
	c.entries[e.key] = c.lru.PushFront(e)
	c.size += e.bytes()
	for c.size > c.p.MaxBytes && c.lru.Len() > 1 {
		c.remove(c.lru.Back())
	}
}

func (c *Cache) remove(el *list.Element) {
	e := el.Value.(*entry)
	c.lru.Remove(el)
	delete(c.entries, e.key)
	c.size -= e.bytes()
}

// entryFrom turns a recorded response into an entry, or reports that the
// response must not be cached.
func (c *Cache) entryFrom(key, gen string, r *http.Request, rec *recorder) (*entry, bool) {
	h := rec.header
	if rec.status() != http.StatusOK || rec.overflow || len(h.Values("Set-Cookie")) > 0 || h.Get("Content-Encoding") != "" {
		return nil, false
	}
	if strings.Contains(strings.ToLower(strings.Join(h.Values("Cache-Control"), ",")), "private") {
		return nil, false
	}
	for _, v := range h.Values("Vary") {
		for _, f := range strings.Split(v, ",") {
			if f = strings.TrimSpace(f); f != "" && !strings.EqualFold(f, "Accept-Encoding") {
				return nil, false
			}
		}
	}
	e := &entry{key: key, gen: gen, header: h.Clone(), body: rec.body.Bytes(), nonce: c.p.Nonce(r.Context()), pattern: r.Pattern}
	for _, k := range []string{"Content-Length", "Date", "Cache-Control", "Vary", "Etag", "Last-Modified"} {
		e.header.Del(k)
	}
	e.modified = c.p.Now().UTC().Truncate(time.Second)
	if lm, err := http.ParseTime(h.Get("Last-Modified")); err == nil {
		e.modified = lm
	}
	sum := sha256.Sum256(e.body)
	e.etag = `"` + hex.EncodeToString(sum[:16]) + `"`
	if len(e.body) >= c.p.MinGzip && compressible(h.Get("Content-Type")) {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
		_, _ = zw.Write(e.body)
		_ = zw.Close()
		if buf.Len() < len(e.body) {
			e.gz = buf.Bytes()
			e.gzETag = `"` + hex.EncodeToString(sum[:16]) + `-gz"`
		}
	}
	base := e.header.Clone()
	if c.p.CSP != "" {
		base["Content-Security-Policy"] = []string{c.p.CSP}
	}
	base["Cache-Control"] = []string{"public, no-cache"}
	base["Last-Modified"] = []string{e.modified.UTC().Format(http.TimeFormat)}
	if e.gz != nil {
		base["Vary"] = []string{"Accept-Encoding"}
	}
	e.plain = base.Clone()
	e.plain["Etag"] = []string{e.etag}
	e.plain["Content-Length"] = []string{strconv.Itoa(len(e.body))}
	if e.gz != nil {
		e.zipped = base.Clone()
		e.zipped["Etag"] = []string{e.gzETag}
		e.zipped["Content-Length"] = []string{strconv.Itoa(len(e.gz))}
		e.zipped["Content-Encoding"] = []string{"gzip"}
		e.wireZipped = wire(e.zipped)
	}
	e.wirePlain = wire(e.plain)
	return e, true
}

// xCache are the values of the X-Cache header, shared by every response.
var xCache = map[string][]string{"HIT": {"HIT"}, "MISS": {"MISS"}}

// serve answers from an entry: the stored headers, the static CSP or the
// entry's nonce in the CSP, validators, gzip when accepted, and 304 when
// the client has it. A hit allocates almost nothing: the headers were made
// with the entry, and on a corked HTTP/1.1 connection they are sent as
// bytes made with it too.
func (c *Cache) serve(w http.ResponseWriter, r *http.Request, e *entry, state string) {
	body, src, head := e.body, e.plain, e.wirePlain
	if e.gz != nil && acceptsGzip(r.Header.Get("Accept-Encoding")) {
		body, src, head = e.gz, e.zipped, e.wireZipped
	}
	// A plain hit, the common case, is sent as made with the entry: with
	// the static CSP there is nothing to change per request.
	if state == "HIT" && c.p.CSP != "" && r.Header.Get("If-None-Match") == "" && r.Header.Get("If-Modified-Since") == "" &&
		httpx.Preformatted(w, r, head, body) {
		return
	}
	h := w.Header()
	for k, v := range src {
		h[k] = v
	}
	if c.p.CSP == "" {
		if m := c.p.Nonce(r.Context()); m != "" && e.nonce != "" && m != e.nonce {
			for k, vs := range h {
				if slices.ContainsFunc(vs, func(v string) bool { return strings.Contains(v, m) }) {
					nv := slices.Clone(vs) // never write into an entry's slices
					for i, v := range nv {
						nv[i] = strings.ReplaceAll(v, m, e.nonce)
					}
					h[k] = nv
				}
			}
		}
	}
	h["X-Cache"] = xCache[state]
	notModified := false
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		notModified = etagMatches(inm, src["Etag"][0])
	} else if ims := r.Header.Get("If-Modified-Since"); ims != "" {
		notModified = notModifiedSince(ims, e.modified)
	}
	if notModified {
		delete(h, "Content-Length")
		delete(h, "Content-Type")
		delete(h, "Content-Encoding")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if uncork := httpx.Cork(r); uncork != nil {
		defer uncork()
		defer func() { _ = http.NewResponseController(w).Flush() }()
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// recorder buffers a response so that it can be cached or replayed.
type recorder struct {
	header   http.Header
	code     int
	body     bytes.Buffer
	limit    int
	overflow bool
	route    string
}

func (rec *recorder) Header() http.Header { return rec.header }

// SetRoute receives the route pattern from httpx.RecordPattern.
func (rec *recorder) SetRoute(pattern string) { rec.route = pattern }

func (rec *recorder) WriteHeader(code int) {
	if rec.code == 0 {
		rec.code = code
	}
}

func (rec *recorder) Write(b []byte) (int, error) {
	if rec.code == 0 {
		rec.code = http.StatusOK
	}
	if rec.body.Len()+len(b) > rec.limit {
		rec.overflow = true
	}
	return rec.body.Write(b)
}

func (rec *recorder) status() int {
	if rec.code == 0 {
		return http.StatusOK
	}
	return rec.code
}

// replay sends a response that is not cached as the handler made it.
func (rec *recorder) replay(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	for k, v := range rec.header {
		h[k] = v
	}
	h.Set("X-Cache", "BYPASS")
	w.WriteHeader(rec.status())
	if r.Method != http.MethodHead {
		_, _ = w.Write(rec.body.Bytes())
	}
}

// wire is h as a hit sends it through httpx.Preformatted: the status line
// and header lines as net/http writes them, X-Cache: HIT included, Date
// left out. It is nil, so that hits go through net/http, if h has a field
// that governs the connection rather than the page, or no Content-Type
// (net/http would sniff one).
func wire(h http.Header) []byte {
	for _, k := range []string{"Connection", "Keep-Alive", "Transfer-Encoding", "Trailer", "Upgrade"} {
		if _, ok := h[k]; ok {
			return nil
		}
	}
	if len(h["Content-Type"]) == 0 {
		return nil
	}
	hit := h.Clone()
	hit["X-Cache"] = xCache["HIT"]
	var b bytes.Buffer
	b.WriteString("HTTP/1.1 200 OK\r\n")
	_ = hit.Write(&b)
	return b.Bytes()
}
