package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/mofa-vn/chancery/internal/events"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/pagecache"
	"github.com/mofa-vn/chancery/internal/portal"
	"github.com/mofa-vn/chancery/internal/portal/markdown"
	"github.com/mofa-vn/chancery/internal/signing"
	"github.com/mofa-vn/chancery/internal/store"
)

// portalWiring connects the portal's changes to the parts that follow
// them: statement signatures and the page cache. Its fields are set once
// build has made them, before the server serves.
type portalWiring struct {
	db         *store.DB
	log        *slog.Logger
	publicURL  string // configured public origin; "" takes the request's
	statements *signing.Registry
	pages      *pagecache.Cache
}

// changed runs after every publish, unpublish, correction and metadata
// change: it signs the statement versions that are not signed yet, then
// purges the page cache so that this instance shows the change on the
// next request (the others within the generation's check interval).
func (pw *portalWiring) changed(ctx context.Context, c portal.Change) {
	origin := pw.publicURL
	if origin == "" {
		origin = c.Origin
	}
	if c.Slug != "" && (c.Live || c.Lang == "") {
		if origin == "" {
			pw.log.ErrorContext(ctx, "statement not signed: no public URL; set -public-url", "slug", c.Slug)
		} else if err := pw.signArticle(ctx, origin, c.Slug); err != nil {
			pw.log.ErrorContext(ctx, "sign statement", "slug", c.Slug, "err", err)
		}
	}
	if err := pw.pages.Purge(ctx); err != nil {
		pw.log.ErrorContext(ctx, "purge the page cache", "slug", c.Slug, "err", err)
	}
}

// signArticle signs every published version, up to the live one, of every
// live translation of the article slug when it is an official statement,
// skipping the versions already signed. Embargoed translations are signed
// too, with their issue time: the signature is only shown once they are
// public.
func (pw *portalWiring) signArticle(ctx context.Context, origin, slug string) error {
	live, _, err := pw.db.ListPublished(ctx, store.PublishedQuery{Slug: slug, IncludeEmbargoed: true})
	if err != nil {
		return err
	}
	for _, p := range live {
		if err := pw.signTranslation(ctx, origin, p); err != nil {
			return err
		}
	}
	return nil
}

func (pw *portalWiring) signTranslation(ctx context.Context, origin string, p store.Published) error {
	if p.Kind != "statement" {
		return nil
	}
	l, ok := lang.Lookup(p.Lang)
	if !ok {
		return fmt.Errorf("sign %s: unknown language %q", p.Slug, p.Lang)
	}
	path := portal.ArticlePath(p.Lang, p.Slug)
	// The store's rows, embargoed ones included (the registry hides those).
	done, err := pw.db.SignedStatementsByPath(ctx, path)
	if err != nil {
		return err
	}
	versions, err := pw.db.Versions(ctx, p.ArticleID, p.Lang)
	if err != nil {
		return err
	}
	for _, v := range versions {
		if v.Version > p.Version || slices.ContainsFunc(done, func(s store.SignedStatement) bool { return s.Version == v.Version }) {
			continue // withdrawn in favour of an older text, or signed already
		}
		st := signing.Statement{URL: origin + path, Lang: l.Tag.String(), Version: v.Version, Issued: v.PublishedAt,
			Title: v.Title, Body: markdown.Text(v.Body)}
		if _, err := pw.statements.Publish(ctx, st); err != nil {
			return fmt.Errorf("sign %s v%d: %w", path, v.Version, err)
		}
	}
	return nil
}

// signAll signs what was published before signing was wired, or while it
// failed: the demo's statements, for example.
func (pw *portalWiring) signAll(ctx context.Context, origin string) error {
	if pw.publicURL != "" {
		origin = pw.publicURL
	}
	live, _, err := pw.db.ListPublished(ctx, store.PublishedQuery{IncludeEmbargoed: true})
	if err != nil {
		return err
	}
	for _, p := range live {
		if err := pw.signTranslation(ctx, origin, p); err != nil {
			return err
		}
	}
	return nil
}

// isCachedPage selects the public pages the page cache answers: the home,
// article (with its history and earlier versions), topic and country pages
// of each language, their Atom feeds, the sitemaps and robots.txt. A query
// string other than ?page=N goes around the cache, so that made-up queries
// cannot fill it and push the real pages out. Search is not cached: nearly
// every query is new, and each would take room from the pages read most.
func isCachedPage(r *http.Request) bool {
	if events.IsCachedPage(r) {
		return true
	}
	if q := r.URL.RawQuery; q != "" {
		n, ok := strings.CutPrefix(q, "page=")
		if v, err := strconv.Atoi(n); !ok || err != nil || v < 2 || strconv.Itoa(v) != n {
			return false
		}
	}
	p := strings.TrimPrefix(r.URL.Path, "/")
	if p == "sitemap.xml" || p == "robots.txt" {
		return true
	}
	code, rest, ok := strings.Cut(p, "/")
	if !ok {
		return false
	}
	if _, known := lang.Lookup(code); !known {
		return false
	}
	// At most four segments, without allocating: this runs on every hit.
	var seg [4]string
	n := 0
	for s := rest; ; n++ {
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
	switch {
	case rest == "" || rest == "feed.atom" || rest == "sitemap.xml":
		return true
	case len(parts) >= 2 && parts[0] == "news" && parts[1] != "":
		// /news/{slug}, /news/{slug}/history, /news/{slug}/v/{n}
		return len(parts) == 2 || (len(parts) == 3 && parts[2] == "history") || (len(parts) == 4 && parts[2] == "v")
	case len(parts) >= 2 && (parts[0] == "topics" || parts[0] == "countries") && parts[1] != "":
		return len(parts) == 2 || (len(parts) == 3 && parts[2] == "feed.atom")
	}
	return false
}
