package main

import (
	"context"
	"fmt"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/events"
	"github.com/mofa-vn/chancery/internal/feed"
	"github.com/mofa-vn/chancery/internal/pagecache"
	"github.com/mofa-vn/chancery/internal/portal"
	"github.com/mofa-vn/chancery/internal/publishing"
)

// events wires the events: their pages and API, the page cache purge
// after a change the public sees, "Announce this event", which saves a
// statement draft through the press office, and the portal's feeds and
// sitemaps with the event pages added.
func (w *wiring) events(site *portal.Handlers, pages *pagecache.Cache, press *publishing.Service) *events.Handlers {
	log := w.log.With("component", "events")
	ev := events.New(events.Params{DB: w.db, Kit: w.kit, Log: log, Now: w.o.now,
		OnChange: func(ctx context.Context) {
			if err := pages.Purge(ctx); err != nil {
				log.ErrorContext(ctx, "purge the page cache", "err", err)
			}
		},
		Announce: func(ctx context.Context, u account.User, texts []events.Announcement) (string, error) {
			in := publishing.StatementInput{Category: "events"}
			for _, t := range texts {
				in.Variants = append(in.Variants, publishing.VariantInput{Lang: t.Lang, Title: t.Title, Body: t.Body})
			}
			st, err := press.SaveStatement(ctx, publishing.ActorOf(u), 0, in)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("/press/statements/%d", st.ID), nil
		},
		PublicURL: w.origin,
		// Accredited people get their updated invitations (delegations).
		SessionChanged: func(ctx context.Context, eventID int64, sessionIDs ...int64) {
			if w.delegations != nil {
				w.delegations.SessionChanged(ctx, eventID, sessionIDs...)
			}
		},
	})
	ev.Routes(w.mux, site)
	// The public key, the verify page, feeds, sitemaps and robots.txt.
	feed.NewHandlers(feed.Params{Kit: w.kit, Source: eventsSitemap{Source: site, events: ev}, Disallow: feed.DefaultDisallow}).Routes(w.mux)
	return ev
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
