package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mofa-vn/chancery/internal/auth"
	"github.com/mofa-vn/chancery/internal/broadcast"
	"github.com/mofa-vn/chancery/internal/events"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/pagecache"
	"github.com/mofa-vn/chancery/internal/portal"
	"github.com/mofa-vn/chancery/internal/portal/markdown"
	"github.com/mofa-vn/chancery/internal/signing"
)

// site is the public portal as built: its handlers, the registry of
// signed statements and the page cache in front of its pages.
type site struct {
	handlers   *portal.Handlers
	statements *signing.Registry
	pages      *pagecache.Cache
}

// portalSite builds the public portal: statement signing, the page cache,
// the portal's pages and API, the verify page, feeds, sitemaps and
// robots.txt. Every publish signs what is new and purges the cache.
func (w *wiring) portalSite(ctx context.Context) (site, error) {
	statements := signing.NewRegistry(w.db, w.key)
	signer, err := signing.NewSigner(signing.SignerParams{DB: w.db, Registry: statements, Path: portal.ArticlePath, Text: markdown.Text})
	if err != nil {
		return site{}, err
	}
	pages := w.pageCache()
	zone, err := time.LoadLocation(w.cfg.Web.TimeZone) // checked by config.Validate
	if err != nil {
		return site{}, err
	}
	log := w.log.With("component", "portal")
	configured := w.cfg.Web.PublicURL != ""
	// changed runs after every publish, unpublish, correction and metadata
	// change: it signs the statement versions that are not signed yet,
	// then purges the page cache so that this instance shows the change
	// on the next request (the others within the generation's check
	// interval). Without a configured public URL, a statement is signed
	// at the address its publisher reached the server at, as its pages
	// link to it; a change without a request (the scheduler's) at the
	// address the server listens on.
	changed := func(ctx context.Context, c portal.Change) {
		origin := w.origin
		if !configured && c.Origin != "" {
			origin = c.Origin
		}
		if c.Slug != "" && (c.Live || c.Lang == "") {
			if err := signer.SignArticle(ctx, origin, c.Slug); err != nil {
				log.ErrorContext(ctx, "sign statement", "slug", c.Slug, "err", err)
			}
		}
		if err := pages.Purge(ctx); err != nil {
			log.ErrorContext(ctx, "purge the page cache", "slug", c.Slug, "err", err)
		}
	}
	h, err := portal.New(ctx, portal.Params{DB: w.db, Kit: w.kit, Log: log, Location: zone, OnChange: changed, VerifyLink: signing.VerifyLink})
	if err != nil {
		return site{}, err
	}
	h.Routes(w.mux)
	// The public key and the verify page; the feeds, sitemaps and
	// robots.txt come with the events (wiring.events), whose pages they list.
	signing.NewHandlers(signing.Params{Kit: w.kit, Public: w.key.Public(), Statements: statements}).Routes(w.mux)
	// What was published before signing was wired, or while it failed:
	// the demo's statements, for example.
	if err := signer.SignAll(ctx, w.origin); err != nil {
		return site{}, fmt.Errorf("sign published statements: %w", err)
	}
	return site{handlers: h, statements: statements, pages: pages}, nil
}

// pageCache builds the cache that answers anonymous requests for the
// portal's public pages (portal.Cacheable), and puts its counters on
// /metrics. A request with a session cookie or a token goes around it.
func (w *wiring) pageCache() *pagecache.Cache {
	secure := w.kit.SecureCookies
	pages := pagecache.New(pagecache.Params{
		Generations: pagecache.NewGeneration(w.db, time.Second, w.o.now),
		Cacheable: func(r *http.Request) bool {
			return portal.Cacheable(r) || events.IsCachedPage(r) || broadcast.IsCachedPage(r)
		}, CSP: httpx.StaticCSP, Now: w.o.now, Log: w.log.With("component", "pagecache"),
		Private: func(r *http.Request) bool {
			if r.Header.Get("Authorization") != "" {
				return true
			}
			_, err := r.Cookie(auth.CookieName(secure))
			return err == nil
		},
	})
	for name, help := range map[string]string{
		"hits": "Public pages answered from the page cache.", "misses": "Public pages rendered and stored in the page cache.",
		"bypasses": "Requests that went around the page cache (signed in, not GET, not a cached page).",
	} {
		w.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "chancery_pagecache_" + name + "_total", Help: help},
			func() float64 { return float64(pages.Count(name)) }))
	}
	return pages
}
