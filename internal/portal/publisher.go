package portal

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/portal/content"
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

// Descriptor is the portal as a place the scheduler publishes to. It has
// no client of its own to build (cmd/server hands channels the handlers'
// Publisher), no credentials and no connect form; a recall withdraws its
// pages.
var Descriptor = social.Descriptor{
	Network: social.Portal,
	Limits:  social.Limits{MaxMedia: content.MaxImages, Idempotent: true},
	Recall:  social.RecallAbility{EditInPlace: true, NoteKey: "press_recall_note_portal"},
}

// Network returns social.Portal.
func (p *Publisher) Network() social.Network { return social.Portal }

// Limits are the portal's: no length limit, no threads, and publishing the
// same post again updates the same translation, so it is idempotent.
func (p *Publisher) Limits() social.Limits {
	return Descriptor.Limits
}

// Count returns the number of characters (code points) of text.
func (p *Publisher) Count(text string) int { return utf8.RuneCountInString(text) }

func rejected(reason string) error {
	return &social.Error{Network: social.Portal, Class: social.Rejected, Reason: reason}
}

func unknown(err error) error {
	return &social.Error{Network: social.Portal, Class: social.Unknown, Reason: "The portal's database failed; check the article before trying again.", Err: err}
}

func (p *Publisher) result(slug, code string, at time.Time) social.Result {
	return social.Result{ID: slug + "/" + code, URL: p.base + content.ArticlePath(code, slug), Created: at}
}

var _ social.Checker = (*Publisher)(nil)

// Check refuses, before anything is stored, a post the portal would not
// publish: a group that is not a valid slug, a language or kind the portal
// does not have, an image type it does not show, and whatever the article
// editor refuses in a translation (content.CheckTranslation: a missing or
// over-long title, text that is not valid UTF-8, too many images, an image
// without alt text). Publish applies it first, so that clearance (which
// calls it at submission) and publication judge a post by one rule.
func (p *Publisher) Check(post social.Post) error {
	other := func(reason string) error {
		return &social.Refusal{Network: social.Portal, Field: social.FieldOther, Fault: social.Unsupported, Reason: reason}
	}
	if !content.ValidSlug(post.Group) {
		return other(fmt.Sprintf("The post's group %q is not a valid article slug (lower-case letters, digits and hyphens).", post.Group))
	}
	if _, ok := lang.Lookup(post.Lang); !ok {
		return other(fmt.Sprintf("The portal does not publish in language %q.", post.Lang))
	}
	if post.Kind != "" && !slices.Contains(content.Kinds, post.Kind) {
		return other(fmt.Sprintf("The portal has no article kind %q.", post.Kind))
	}
	probe := content.TranslationInput{Title: post.Title, Summary: post.Summary, Body: post.Text}
	for _, m := range post.Media {
		if _, ok := content.ImageTypes[m.ContentType]; !ok {
			return &social.Refusal{Network: social.Portal, Field: social.FieldMedia, Fault: social.Unsupported, File: m.Filename,
				Reason: fmt.Sprintf("The portal shows PNG, JPEG, GIF and WebP images only, not %q.", m.ContentType)}
		}
		probe.Images = append(probe.Images, store.Image{Src: "/media/check.png", Alt: m.Alt})
	}
	_, err := content.CheckTranslation(post.Lang, probe)
	if err == nil {
		return nil
	}
	he, ok := errors.AsType[*fault.Problem](err)
	if !ok {
		return &social.Refusal{Network: social.Portal, Field: social.FieldOther, Fault: social.Invalid, Reason: err.Error()}
	}
	r := &social.Refusal{Network: social.Portal, Field: social.Field(he.Field),
		Reason: fmt.Sprintf("The portal refuses the post's %s: %s", he.Field, p.h.t("en", he.Key, he.Data))}
	if max, ok := he.Data["Max"].(int); ok {
		r.Max = max
	}
	switch he.Key {
	case "portal_error_required":
		r.Fault = social.Missing
	case "portal_error_too_long":
		r.Fault = social.TooLong
	case "portal_error_images":
		r.Field, r.Fault = social.FieldMedia, social.TooMany
	case "portal_error_image_alt":
		// Which image: the first that the same rule refuses alone.
		r.Field, r.Fault, r.Max = social.FieldAlt, social.Missing, content.MaxSummary
		for _, m := range post.Media {
			one := content.TranslationInput{Title: "t", Images: []store.Image{{Src: "/media/check.png", Alt: m.Alt}}}
			if _, err := content.CheckTranslation(post.Lang, one); err != nil {
				r.File = m.Filename
				if strings.TrimSpace(m.Alt) != "" {
					r.Fault = social.TooLong
				}
				break
			}
		}
	default:
		r.Fault = social.Invalid
	}
	if r.Field == "body" {
		r.Field = social.FieldText
	}
	return r
}

// Publish creates or updates the translation post.Lang of the article
// post.Group (creating the article if needed, with post.Kind and issued at
// post.Published) and publishes it. It refuses, before storing anything,
// what Check refuses.
func (p *Publisher) Publish(ctx context.Context, post social.Post) (social.Result, error) {
	if err := p.Check(post); err != nil {
		reason := err.Error()
		if r, ok := errors.AsType[*social.Refusal](err); ok {
			reason = r.Reason
		}
		return social.Result{}, &social.Error{Network: social.Portal, Class: social.Rejected, Reason: reason, Err: err}
	}
	kind := post.Kind
	if kind == "" {
		kind = "statement"
	}
	in := content.TranslationInput{Title: post.Title, Summary: post.Summary, Body: post.Text}
	for _, m := range post.Media {
		saved, err := p.h.db.SaveMedia(ctx, m.ContentType, m.Data)
		if err != nil {
			return social.Result{}, unknown(err)
		}
		in.Images = append(in.Images, store.Image{Src: "/media/" + saved.Hash + content.ImageTypes[m.ContentType], Alt: m.Alt})
	}
	if _, err := content.CheckTranslation(post.Lang, in); err != nil {
		return social.Result{}, &social.Error{Network: social.Portal, Class: social.Rejected, Reason: err.Error(), Err: err}
	}
	ctx = content.WithOrigin(ctx, p.base)
	a, err := p.h.content.Article(ctx, post.Group, kind, post.Lang, post.Published)
	if err != nil {
		return social.Result{}, unknown(err)
	}
	if _, err := p.h.content.SaveTranslation(ctx, a.ID, post.Lang, in); err != nil {
		return social.Result{}, unknown(err)
	}
	v, err := p.h.content.Publish(ctx, a, post.Lang, "")
	if errors.Is(err, store.ErrWithdrawn) {
		return social.Result{}, rejected("A recall withdrew this statement from the portal; publish its correction as a new statement.")
	}
	if err != nil {
		return social.Result{}, unknown(err)
	}
	return p.result(a.Slug, post.Lang, v.PublishedAt), nil
}

// Delete unpublishes the translation id ("slug/lang"); the article and
// every version are kept. A translation already gone is not an error. As
// part of an approved recall (social.WithRecall), it withdraws the
// translation for good instead: its page keeps a withdrawal notice, or
// answers 410 Gone, as the recall chose.
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
	if rc, ok := social.RecallFrom(ctx); ok {
		if err := p.h.content.Withdraw(content.WithOrigin(ctx, p.base), a, code, rc.Remove); err != nil && !errors.Is(err, store.ErrNotFound) {
			return unknown(err)
		}
		return nil
	}
	if err := p.h.content.Unpublish(content.WithOrigin(ctx, p.base), a, code); err != nil && !errors.Is(err, store.ErrNotFound) {
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
