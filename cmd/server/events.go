package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/events"
	"github.com/mofa-vn/chancery/internal/feed"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/portal"
	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/store"
)

// eventsRoutes wires the events: their pages and API, the page cache
// purge after a change the public sees, and "Announce this event", which
// saves a statement draft through the press office's service (a.publishing,
// set by the end of build). It returns the feed source of the portal with
// the event pages added to its sitemaps.
func eventsRoutes(mux *httpx.Router, db *store.DB, kit *httpx.Kit, site *portal.Handlers, a *app, wiring *portalWiring, now func() time.Time) feed.Source {
	ev := events.New(events.Params{DB: db, Kit: kit, Log: wiring.log.With("component", "events"), Now: now,
		OnChange: func(ctx context.Context) {
			if err := wiring.pages.Purge(ctx); err != nil {
				wiring.log.ErrorContext(ctx, "purge the page cache", "err", err)
			}
		},
		Announce: func(ctx context.Context, u account.User, texts []events.Announcement) (string, error) {
			in := publishing.StatementInput{Category: "events"}
			for _, t := range texts {
				in.Variants = append(in.Variants, publishing.VariantInput{Lang: t.Lang, Title: t.Title, Body: t.Body})
			}
			st, err := a.publishing.SaveStatement(ctx, publishing.ActorOf(u), 0, in)
			if p, ok := errors.AsType[*publishing.Problem](err); ok {
				return "", &httpx.Error{Status: http.StatusUnprocessableEntity, Key: p.Key, Data: p.Data, Err: err}
			}
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("/press/statements/%d", st.ID), nil
		},
		PublicURL: func() string { return wiring.publicURL },
	})
	ev.Routes(mux, site)
	return eventsSitemap{Source: site, events: ev}
}

// eventsSitemap is the portal's feed source with the event pages after
// the articles in each language's sitemap.
type eventsSitemap struct {
	feed.Source
	events *events.Handlers
}

func (s eventsSitemap) Sitemap(ctx context.Context, code string, offset, limit int) ([]feed.URL, error) {
	n, _, err := s.Source.SitemapStats(ctx, code)
	if err != nil {
		return nil, err
	}
	var out []feed.URL
	if offset < n {
		if out, err = s.Source.Sitemap(ctx, code, offset, limit); err != nil {
			return nil, err
		}
	}
	if rest := limit - len(out); rest > 0 {
		more, err := s.events.Sitemap(ctx, feed.Origin(ctx), code, max(0, offset-n), rest)
		if err != nil {
			return nil, err
		}
		out = append(out, more...)
	}
	return out, nil
}

func (s eventsSitemap) SitemapStats(ctx context.Context, code string) (int, time.Time, error) {
	n, t, err := s.Source.SitemapStats(ctx, code)
	if err != nil {
		return 0, time.Time{}, err
	}
	m, u, err := s.events.SitemapStats(ctx, code)
	if err != nil {
		return 0, time.Time{}, err
	}
	if u.After(t) {
		t = u
	}
	return n + m, t, nil
}
