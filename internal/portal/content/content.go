// Package content is the portal's content as a domain service: the rules
// of what an article, a translation, a note and a topic may be, and the
// changes that store and publish them and tell subscribers (page cache,
// feeds, signatures). The portal's editing pages, its /api/v1/articles
// and its social.Publisher all call it, so that one rule judges what an
// editor, an API client and the publishing scheduler submit. Its mistakes
// are fault problems; the HTTP edge gives them a status.
//
// It must not import HTTP (net/http, httpx or a package that serves
// requests), the publishing scheduler or any connector.
package content

import (
	"context"
	"errors"
	"time"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/store"
)

// Change tells subscribers (page cache, feeds, signatures) that a
// translation went live, changed or went off the portal, or, with Lang "",
// that the article's metadata (topics, countries, kind, issue time)
// changed in every language, or, with Slug "" too, that something every
// page may show changed (a topic's names).
type Change struct {
	Slug    string
	Lang    string
	Version int  // the live version; 0 when unpublished
	Live    bool // false when unpublished
	// Origin is the scheme and host of the request that made the change
	// (https://mofa.gov.vn), or "" when it came from no request (the
	// publishing scheduler).
	Origin string
}

type originKey struct{}

// WithOrigin returns ctx carrying the origin (scheme and host) a change
// made under it is reported with.
func WithOrigin(ctx context.Context, origin string) context.Context {
	return context.WithValue(ctx, originKey{}, origin)
}

// OriginFrom returns the origin WithOrigin put in ctx, or "".
func OriginFrom(ctx context.Context) string {
	s, _ := ctx.Value(originKey{}).(string)
	return s
}

// Service applies the content rules and stores what passes them.
type Service struct {
	db       *store.DB
	onChange func(ctx context.Context, c Change)
}

// New returns the content service over db. onChange, if not nil, is
// called after every change subscribers must hear of.
func New(db *store.DB, onChange func(ctx context.Context, c Change)) *Service {
	return &Service{db: db, onChange: onChange}
}

func (s *Service) changed(ctx context.Context, c Change) {
	if s.onChange != nil {
		s.onChange(ctx, c)
	}
}

// CreateArticle checks and stores a new article, without translations. A
// slug already taken is an ErrConflict problem on the slug field.
func (s *Service) CreateArticle(ctx context.Context, in ArticleInput) (store.Article, error) {
	var a store.Article
	if err := ApplyArticle(&a, in, true); err != nil {
		return a, err
	}
	created, err := s.db.CreateArticle(ctx, a)
	if errors.Is(err, store.ErrConflict) {
		return a, &fault.Problem{Kind: fault.ErrConflict, Key: "portal_error_slug_taken", Field: "slug", Err: err}
	}
	return created, err
}

// UpdateArticle checks in and stores it onto a, telling subscribers that
// the article's metadata changed.
func (s *Service) UpdateArticle(ctx context.Context, a store.Article, in ArticleInput) (store.Article, error) {
	if err := ApplyArticle(&a, in, false); err != nil {
		return a, err
	}
	a, err := s.db.UpdateArticle(ctx, a)
	if err == nil {
		s.changed(ctx, Change{Slug: a.Slug, Origin: OriginFrom(ctx)})
	}
	return a, err
}

// Article returns the article slug, made with kind and source language
// code (issued at issued) when there is none yet: what the publishing
// scheduler publishes a statement into. An article without an issue time
// takes issued.
func (s *Service) Article(ctx context.Context, slug, kind, code string, issued time.Time) (store.Article, error) {
	if !ValidSlug(slug) {
		return store.Article{}, fault.Invalid("slug", "portal_error_slug")
	}
	a, err := s.db.GetArticleBySlug(ctx, slug)
	if errors.Is(err, store.ErrNotFound) {
		a, err = s.db.CreateArticle(ctx, store.Article{Slug: slug, Kind: kind, SourceLang: code, PublishedAt: issued})
		if errors.Is(err, store.ErrConflict) { // created meanwhile by another part
			a, err = s.db.GetArticleBySlug(ctx, slug)
		}
	}
	if err != nil {
		return a, err
	}
	if a.PublishedAt.IsZero() && !issued.IsZero() {
		a.PublishedAt = issued
		return s.db.UpdateArticle(ctx, a)
	}
	return a, nil
}

// SaveTranslation checks in and stores it as the working copy of
// translation code of the article id; what is live does not change.
func (s *Service) SaveTranslation(ctx context.Context, id int64, code string, in TranslationInput) (store.ArticleTranslation, error) {
	t, err := CheckTranslation(code, in)
	if err != nil {
		return t, err
	}
	return s.db.SaveTranslation(ctx, id, t)
}

// Publish makes the working copy of translation lng of a live, with note,
// and tells subscribers. A translation a recall withdrew is refused with
// an ErrConflict problem (portal_error_withdrawn) that is also
// store.ErrWithdrawn.
func (s *Service) Publish(ctx context.Context, a store.Article, lng, note string) (store.ArticleVersion, error) {
	if err := CheckNote(note); err != nil {
		return store.ArticleVersion{}, err
	}
	v, err := s.db.PublishTranslation(ctx, a.ID, lng, note)
	if errors.Is(err, store.ErrWithdrawn) {
		return v, &fault.Problem{Kind: fault.ErrConflict, Key: "portal_error_withdrawn", Err: err}
	}
	if err != nil {
		return v, err
	}
	s.changed(ctx, Change{Slug: a.Slug, Lang: lng, Version: v.Version, Live: true, Origin: OriginFrom(ctx)})
	return v, nil
}

// Unpublish takes translation lng of a off the portal; its versions are
// kept and it may be published again.
func (s *Service) Unpublish(ctx context.Context, a store.Article, lng string) error {
	if err := s.db.UnpublishTranslation(ctx, a.ID, lng); err != nil {
		return err
	}
	s.changed(ctx, Change{Slug: a.Slug, Lang: lng, Origin: OriginFrom(ctx)})
	return nil
}

// Withdraw takes translation lng of a off the portal for good, as an
// approved recall asks: its page keeps a withdrawal notice, or is gone
// when gone is set, and it is never published again.
func (s *Service) Withdraw(ctx context.Context, a store.Article, lng string, gone bool) error {
	if _, err := s.db.WithdrawTranslation(ctx, a.ID, lng, ArticlePath(lng, a.Slug), gone); err != nil {
		return err
	}
	s.changed(ctx, Change{Slug: a.Slug, Lang: lng, Origin: OriginFrom(ctx)})
	return nil
}

// SaveTopic checks and stores a topic's names, one per language; they show
// on every page, so subscribers hear of a change to everything.
func (s *Service) SaveTopic(ctx context.Context, slug string, names map[string]string) error {
	if err := CheckTopic(slug); err != nil {
		return err
	}
	if err := CheckTopicNames(names); err != nil {
		return err
	}
	if err := s.db.SaveTopic(ctx, store.Topic{Slug: slug, Names: names}); err != nil {
		return err
	}
	s.changed(ctx, Change{Origin: OriginFrom(ctx)})
	return nil
}
