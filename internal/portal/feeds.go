package portal

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mofa-vn/chancery/internal/feed"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/portal/content"
	"github.com/mofa-vn/chancery/internal/portal/markdown"
	"github.com/mofa-vn/chancery/internal/store"
)

// The portal is the feeds' and sitemaps' source of published content.
var _ feed.Source = (*Handlers)(nil)

// Feed implements feed.Source: the newest live translations in code,
// narrowed to a topic or a country.
func (h *Handlers) Feed(ctx context.Context, code string, sel feed.Selection, limit int) (feed.Feed, error) {
	origin := feed.Origin(ctx)
	q := store.PublishedQuery{Lang: code, Limit: limit}
	f := feed.Feed{Title: h.t(code, "site_name", nil), Author: feed.Person{Name: h.t(code, "site_name", nil), URI: origin + "/" + code + "/"},
		Subtitle: h.t(code, "home_description", nil), Generator: "Chancery"}
	switch sel.Kind {
	case "":
	case feed.KindTopic:
		known, err := h.knownTopic(ctx, code, sel.Slug)
		if err != nil {
			return feed.Feed{}, err
		}
		if !known {
			return feed.Feed{}, fmt.Errorf("portal: topic %q: %w", sel.Slug, store.ErrNotFound)
		}
		q.Topic = sel.Slug
		name := strings.ReplaceAll(sel.Slug, "-", " ")
		if n, ok := h.topicNamesCtx(ctx, code)[sel.Slug]; ok {
			name = n
		}
		f.Title = h.t(code, "portal_topic_title", map[string]any{"Name": name})
	case feed.KindCountry:
		reg, ok := content.ParseRegion(strings.ToUpper(sel.Slug))
		if !ok {
			return feed.Feed{}, fmt.Errorf("portal: country %q: %w", sel.Slug, store.ErrNotFound)
		}
		q.Country = reg.String()
		f.Title = h.t(code, "portal_country_title", map[string]any{"Name": regionName(code, reg)})
	default:
		return feed.Feed{}, fmt.Errorf("portal: feed kind %q: %w", sel.Kind, store.ErrNotFound)
	}
	items, _, err := h.db.ListPublished(ctx, q)
	if err != nil {
		return feed.Feed{}, fmt.Errorf("portal: feed: %w", err)
	}
	names := h.topicNamesCtx(ctx, code)
	host := origin
	if u, err := url.Parse(origin); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	for _, p := range items {
		topics, _, err := h.db.ArticleTags(ctx, p.ArticleID)
		if err != nil {
			return feed.Feed{}, fmt.Errorf("portal: feed: %w", err)
		}
		e := feed.Entry{
			ID:    feed.TagURI(host, p.IssuedAt, "article/"+strconv.FormatInt(p.ArticleID, 10)+"/"+code),
			Title: p.Title, Summary: p.Summary, ContentHTML: string(markdown.Render(p.Body)),
			URL: origin + content.ArticlePath(code, p.Slug), Published: p.IssuedAt, Updated: later(p.IssuedAt, p.PublishedAt),
		}
		if p.Unit != "" {
			e.Authors = []feed.Person{{Name: h.t(code, unitKey(p.Unit), nil)}}
		}
		for _, tp := range topics {
			label, ok := names[tp]
			if !ok {
				label = strings.ReplaceAll(tp, "-", " ")
			}
			e.Topics = append(e.Topics, feed.Category{Term: tp, Scheme: origin + "/" + code + "/topics/", Label: label})
		}
		f.Entries = append(f.Entries, e)
	}
	return f, nil
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// knownTopic reports a topic that is named in the topic list or that a
// live article in code is filed under.
func (h *Handlers) knownTopic(ctx context.Context, code, slug string) (bool, error) {
	topics, err := h.db.ListTopics(ctx)
	if err != nil {
		return false, fmt.Errorf("portal: %w", err)
	}
	for _, t := range topics {
		if t.Slug == slug {
			return true, nil
		}
	}
	used, _, err := h.db.PublishedTags(ctx, code)
	if err != nil {
		return false, fmt.Errorf("portal: %w", err)
	}
	return slices.Contains(used, slug), nil
}

func (h *Handlers) topicNamesCtx(ctx context.Context, code string) map[string]string {
	out := map[string]string{}
	topics, err := h.db.ListTopics(ctx)
	if err != nil {
		h.log.WarnContext(ctx, "list topics", "err", err)
		return out
	}
	for _, t := range topics {
		if n := t.Names[code]; n != "" {
			out[t.Slug] = n
		}
	}
	return out
}

// Sitemap implements feed.Source: the article pages live in code, newest
// issue first (ties by article), each with every language it is live in
// and x-default.
func (h *Handlers) Sitemap(ctx context.Context, code string, offset, limit int) ([]feed.URL, error) {
	origin := feed.Origin(ctx)
	items, _, err := h.db.ListPublished(ctx, store.PublishedQuery{Lang: code, Offset: offset, Limit: limit})
	if err != nil {
		return nil, fmt.Errorf("portal: sitemap: %w", err)
	}
	out := make([]feed.URL, 0, len(items))
	for _, p := range items {
		langs, err := h.db.PublishedLangs(ctx, p.Slug)
		if err != nil {
			return nil, fmt.Errorf("portal: sitemap: %w", err)
		}
		u := feed.URL{Loc: origin + content.ArticlePath(code, p.Slug), LastMod: later(p.IssuedAt, p.PublishedAt),
			Alternates: []feed.Alternate{{Lang: "x-default", Href: origin + "/"}}}
		for _, l := range lang.All() {
			if slices.Contains(langs, l.Code) {
				u.Alternates = append(u.Alternates, feed.Alternate{Lang: l.Tag.String(), Href: origin + content.ArticlePath(l.Code, p.Slug)})
			}
		}
		out = append(out, u)
	}
	return out, nil
}

// SitemapStats implements feed.Source.
func (h *Handlers) SitemapStats(ctx context.Context, code string) (int, time.Time, error) {
	items, total, err := h.db.ListPublished(ctx, store.PublishedQuery{Lang: code, Limit: 1})
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("portal: sitemap: %w", err)
	}
	var newest time.Time
	if len(items) > 0 {
		newest = later(items[0].IssuedAt, items[0].PublishedAt)
	}
	return total, newest, nil
}
