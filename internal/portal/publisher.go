package portal

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
)

// Publisher is the portal as a channel of the publishing scheduler: each
// post becomes the translation post.Lang of the article whose slug is
// post.Group, published at once. It makes no HTTP calls, so it records no
// exchanges.
type Publisher struct {
	h    *Handlers
	base string // public origin, such as https://mofa.gov.vn
}

var _ social.Publisher = (*Publisher)(nil)

// Publisher returns the portal's social.Publisher. baseURL is the public
// origin the returned URLs start with.
func (h *Handlers) Publisher(baseURL string) *Publisher {
	return &Publisher{h: h, base: strings.TrimSuffix(baseURL, "/")}
}

// Network returns social.Portal.
func (p *Publisher) Network() social.Network { return social.Portal }

// Limits are the portal's: no length limit, no threads, and publishing the
// same post again updates the same translation, so it is idempotent.
func (p *Publisher) Limits() social.Limits {
	return social.Limits{MaxMedia: maxImages, Idempotent: true}
}

// Count returns the number of characters (code points) of text.
func (p *Publisher) Count(text string) int { return utf8.RuneCountInString(text) }

func rejected(reason string) error {
	return &social.Error{Network: social.Portal, Class: social.Rejected, Reason: reason}
}

func unknown(err error) error {
	return &social.Error{Network: social.Portal, Class: social.Unknown, Reason: "The portal's database failed; check the article before trying again.", Err: err}
}

// rejectedInput explains, in English, which part of a post the portal
// refuses.
func rejectedInput(p *Publisher, err error) error {
	var he *httpx.Error
	if errors.As(err, &he) {
		return rejected(fmt.Sprintf("The portal refuses the post's %s: %s", he.Field, p.h.t("en", he.Key, he.Data)))
	}
	return rejected(err.Error())
}

func (p *Publisher) result(slug, code string, at time.Time) social.Result {
	return social.Result{ID: slug + "/" + code, URL: p.base + articleURL(code, slug), Created: at}
}

// Publish creates or updates the translation post.Lang of the article
// post.Group (creating the article if needed, with post.Kind and issued at
// post.Published) and publishes it.
func (p *Publisher) Publish(ctx context.Context, post social.Post) (social.Result, error) {
	if !slugRE.MatchString(post.Group) || len(post.Group) > 120 {
		return social.Result{}, rejected(fmt.Sprintf("The post's group %q is not a valid article slug (lower-case letters, digits and hyphens).", post.Group))
	}
	if _, ok := lang.Lookup(post.Lang); !ok {
		return social.Result{}, rejected(fmt.Sprintf("The portal does not publish in language %q.", post.Lang))
	}
	kind := post.Kind
	if kind == "" {
		kind = "statement"
	}
	if !slices.Contains(Kinds, kind) {
		return social.Result{}, rejected(fmt.Sprintf("The portal has no article kind %q.", kind))
	}
	in := TranslationInput{Title: post.Title, Summary: post.Summary, Body: post.Text}
	// Check everything before storing anything.
	probe := in
	for _, m := range post.Media {
		if _, ok := uploadTypes[m.ContentType]; !ok {
			return social.Result{}, rejected(fmt.Sprintf("The portal shows PNG, JPEG, GIF and WebP images only, not %q.", m.ContentType))
		}
		probe.Images = append(probe.Images, store.Image{Src: "/media/check.png", Alt: m.Alt})
	}
	if _, err := translation(post.Lang, probe); err != nil {
		return social.Result{}, rejectedInput(p, err)
	}
	for _, m := range post.Media {
		saved, err := p.h.db.SaveMedia(ctx, m.ContentType, m.Data)
		if err != nil {
			return social.Result{}, unknown(err)
		}
		in.Images = append(in.Images, store.Image{Src: "/media/" + saved.Hash + uploadTypes[m.ContentType], Alt: m.Alt})
	}
	t, err := translation(post.Lang, in)
	if err != nil {
		return social.Result{}, rejectedInput(p, err)
	}
	a, err := p.h.db.GetArticleBySlug(ctx, post.Group)
	if errors.Is(err, store.ErrNotFound) {
		a, err = p.h.db.CreateArticle(ctx, store.Article{Slug: post.Group, Kind: kind, SourceLang: post.Lang, PublishedAt: post.Published})
		if errors.Is(err, store.ErrConflict) { // created meanwhile by another part
			a, err = p.h.db.GetArticleBySlug(ctx, post.Group)
		}
	}
	if err != nil {
		return social.Result{}, unknown(err)
	}
	if a.PublishedAt.IsZero() && !post.Published.IsZero() {
		a.PublishedAt = post.Published
		if a, err = p.h.db.UpdateArticle(ctx, a); err != nil {
			return social.Result{}, unknown(err)
		}
	}
	if _, err := p.h.db.SaveTranslation(ctx, a.ID, t); err != nil {
		return social.Result{}, unknown(err)
	}
	v, err := p.h.publish(contextWithOrigin(ctx, p.base), a, post.Lang, "")
	if err != nil {
		return social.Result{}, unknown(err)
	}
	return p.result(a.Slug, post.Lang, v.PublishedAt), nil
}

// Delete unpublishes the translation id ("slug/lang"); the article and
// every version are kept. A translation already gone is not an error.
func (p *Publisher) Delete(ctx context.Context, id string) error {
	slug, code, ok := strings.Cut(id, "/")
	if !ok {
		return rejected(fmt.Sprintf("%q is not a portal post ID (slug/lang).", id))
	}
	a, err := p.h.db.GetArticleBySlug(ctx, slug)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return unknown(err)
	}
	if err := p.h.unpublish(contextWithOrigin(ctx, p.base), a, code); err != nil && !errors.Is(err, store.ErrNotFound) {
		return unknown(err)
	}
	return nil
}

// WhoAmI returns the portal itself.
func (p *Publisher) WhoAmI(ctx context.Context) (social.Account, error) {
	if err := p.h.db.Ping(ctx); err != nil {
		return social.Account{}, unknown(err)
	}
	return social.Account{ID: "portal", Name: p.h.t("en", "site_name", nil), Handle: "portal", URL: p.base + "/", Verified: p.h.db.Now()}, nil
}

// Reconcile finds post among the portal's live translations: the
// translation post.Lang of article post.Group, live with post's title and
// text. The group is the statement's own article, so the answer is p
// whatever its time, and since does not narrow it.
func (p *Publisher) Reconcile(ctx context.Context, post social.Post, _ time.Time) ([]social.Result, error) {
	items, _, err := p.h.db.ListPublished(ctx, store.PublishedQuery{Slug: post.Group, Lang: post.Lang, IncludeEmbargoed: true})
	if err != nil {
		return nil, unknown(err)
	}
	for _, it := range items {
		if it.Title == strings.TrimSpace(post.Title) && it.Body == post.Text {
			return []social.Result{p.result(it.Slug, it.Lang, it.PublishedAt)}, nil
		}
	}
	return nil, nil
}

// Recent lists translations whose live version went out at or after since,
// newest first.
func (p *Publisher) Recent(ctx context.Context, since time.Time, limit int) ([]social.RemotePost, error) {
	items, _, err := p.h.db.ListPublished(ctx, store.PublishedQuery{Since: since, IncludeEmbargoed: true})
	if err != nil {
		return nil, unknown(err)
	}
	slices.SortStableFunc(items, func(a, b store.Published) int { return b.PublishedAt.Compare(a.PublishedAt) })
	if limit > 0 && len(items) > limit {
		items = items[:limit]
	}
	out := make([]social.RemotePost, 0, len(items))
	for _, it := range items {
		r := p.result(it.Slug, it.Lang, it.PublishedAt)
		out = append(out, social.RemotePost{ID: r.ID, URL: r.URL, Text: it.Body, Created: it.PublishedAt})
	}
	return out, nil
}
