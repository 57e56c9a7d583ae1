package content_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/portal/content"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// recorder keeps the changes the service reports.
type recorder struct {
	mu      sync.Mutex
	changes []content.Change
}

func (r *recorder) add(_ context.Context, c content.Change) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.changes = append(r.changes, c)
}

// take returns the changes since the last call.
func (r *recorder) take() []content.Change {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.changes
	r.changes = nil
	return c
}

const origin = "https://mofa.example"

// TestServiceArticleLifecycle: an article goes through every change an
// editor makes; refused input stores nothing and tells no one.
func TestServiceArticleLifecycle(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		var rec recorder
		s := content.New(db, rec.add)
		ctx := content.WithOrigin(t.Context(), origin)

		a, err := s.CreateArticle(ctx, content.ArticleInput{Slug: ptr("east-sea"), Kind: ptr("statement"), SourceLang: ptr("vi")})
		if err != nil || a.ID == 0 {
			t.Fatalf("create: %+v, %v", a, err)
		}
		_, err = s.CreateArticle(ctx, content.ArticleInput{Slug: ptr("east-sea"), Kind: ptr("news"), SourceLang: ptr("en")})
		if p, ok := fault.As(err, fault.ErrConflict); !ok || p.Field != "slug" || p.Key != "portal_error_slug_taken" || !errors.Is(err, store.ErrConflict) {
			t.Fatalf("a slug taken: %v", err)
		}
		_, err = s.CreateArticle(ctx, content.ArticleInput{Slug: ptr("Bad Slug"), Kind: ptr("news"), SourceLang: ptr("en")})
		wantInvalid(t, err, "slug", "portal_error_slug")
		if list, err := db.ListArticles(ctx); err != nil || len(list) != 1 {
			t.Fatalf("articles after refusals: %d, %v", len(list), err)
		}

		if a, err = s.UpdateArticle(ctx, a, content.ArticleInput{Topics: []string{"asean"}}); err != nil || strings.Join(a.Topics, ",") != "asean" {
			t.Fatalf("update: %+v, %v", a, err)
		}
		if c := rec.take(); len(c) != 1 || c[0] != (content.Change{Slug: "east-sea", Origin: origin}) {
			t.Errorf("update told %+v", c)
		}
		_, err = s.UpdateArticle(ctx, a, content.ArticleInput{Kind: ptr("tweet")})
		wantInvalid(t, err, "kind", "portal_error_kind")
		if got, _ := db.GetArticle(ctx, a.ID); got.Kind != "statement" || len(rec.take()) != 0 {
			t.Errorf("a refused update: kind %q", got.Kind)
		}

		_, err = s.SaveTranslation(ctx, a.ID, "en", content.TranslationInput{Title: " "})
		wantInvalid(t, err, "title", "portal_error_required")
		if got, _ := db.GetArticle(ctx, a.ID); len(got.Translations) != 0 {
			t.Fatalf("a refused translation was stored: %+v", got.Translations)
		}
		tr, err := s.SaveTranslation(ctx, a.ID, "en", content.TranslationInput{Title: " East Sea ", Body: "Text."})
		if err != nil || tr.Title != "East Sea" {
			t.Fatalf("save: %+v, %v", tr, err)
		}
		if len(rec.take()) != 0 {
			t.Error("saving a working copy told subscribers")
		}

		_, err = s.Publish(ctx, a, "en", strings.Repeat("n", content.MaxNote+1))
		wantInvalid(t, err, "note", "portal_error_too_long")
		if got, _ := db.GetArticle(ctx, a.ID); got.Translations["en"].LiveVersion != 0 || len(rec.take()) != 0 {
			t.Fatal("a publication with a refused note went live")
		}
		v, err := s.Publish(ctx, a, "en", "first")
		if err != nil || v.Version != 1 {
			t.Fatalf("publish: %+v, %v", v, err)
		}
		if c := rec.take(); len(c) != 1 || c[0] != (content.Change{Slug: "east-sea", Lang: "en", Version: 1, Live: true, Origin: origin}) {
			t.Errorf("publish told %+v", c)
		}

		if err := s.Unpublish(ctx, a, "en"); err != nil {
			t.Fatal(err)
		}
		if c := rec.take(); len(c) != 1 || c[0] != (content.Change{Slug: "east-sea", Lang: "en", Origin: origin}) {
			t.Errorf("unpublish told %+v", c)
		}

		// A recall withdraws it for good: publishing it again is refused.
		if _, err := s.Publish(ctx, a, "en", ""); err != nil {
			t.Fatal(err)
		}
		rec.take()
		if err := s.Withdraw(ctx, a, "en", false); err != nil {
			t.Fatal(err)
		}
		if c := rec.take(); len(c) != 1 || c[0] != (content.Change{Slug: "east-sea", Lang: "en", Origin: origin}) {
			t.Errorf("withdraw told %+v", c)
		}
		if _, err := db.GetWithdrawal(ctx, content.ArticlePath("en", "east-sea")); err != nil {
			t.Errorf("the withdrawal is not recorded at the article's path: %v", err)
		}
		_, err = s.Publish(ctx, a, "en", "")
		if p, ok := fault.As(err, fault.ErrConflict); !ok || p.Key != "portal_error_withdrawn" || !errors.Is(err, store.ErrWithdrawn) {
			t.Errorf("publishing a withdrawn translation: %v", err)
		}
		if len(rec.take()) != 0 {
			t.Error("a refused publication told subscribers")
		}
	})
}

// TestServiceArticleForThePublisher: the scheduler's parts of one
// statement, published at once, find or make one article.
func TestServiceArticleForThePublisher(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := content.New(db, nil)
		ctx := t.Context()
		issued := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)

		_, err := s.Article(ctx, "Not a slug", "statement", "en", issued)
		wantInvalid(t, err, "slug", "portal_error_slug")

		const parts = 8
		ids := make([]int64, parts)
		errs := make([]error, parts)
		var wg sync.WaitGroup
		for i := range parts {
			wg.Go(func() {
				a, err := s.Article(ctx, "press-statement-7", "statement", []string{"vi", "en"}[i%2], issued)
				ids[i], errs[i] = a.ID, err
			})
		}
		wg.Wait()
		for i := range parts {
			if errs[i] != nil || ids[i] != ids[0] || ids[i] == 0 {
				t.Fatalf("part %d: article %d, %v (first %d)", i, ids[i], errs[i], ids[0])
			}
		}
		if list, err := db.ListArticles(ctx); err != nil || len(list) != 1 {
			t.Fatalf("%d articles, %v", len(list), err)
		}
		a, err := db.GetArticle(ctx, ids[0])
		if err != nil || a.Kind != "statement" || !a.PublishedAt.Equal(issued) {
			t.Fatalf("article %+v, %v", a, err)
		}

		// An article without an issue time takes the statement's.
		b, err := db.CreateArticle(ctx, store.Article{Slug: "undated", Kind: "news", SourceLang: "vi"})
		if err != nil {
			t.Fatal(err)
		}
		if b, err = s.Article(ctx, "undated", "statement", "en", issued); err != nil || !b.PublishedAt.Equal(issued) || b.Kind != "news" {
			t.Errorf("undated article: %+v, %v", b, err)
		}
		if b, err = s.Article(ctx, "undated", "statement", "en", issued.Add(time.Hour)); err != nil || !b.PublishedAt.Equal(issued) {
			t.Errorf("a later statement moved the issue time: %+v, %v", b, err)
		}
	})
}

func TestServiceSaveTopic(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		var rec recorder
		s := content.New(db, rec.add)
		ctx := content.WithOrigin(t.Context(), origin)
		wantInvalid(t, s.SaveTopic(ctx, "East Sea", map[string]string{"en": "East Sea"}), "topic", "portal_error_topic")
		wantInvalid(t, s.SaveTopic(ctx, "east-sea", map[string]string{"xx": "East Sea"}), "names", "portal_error_lang")
		if topics, err := db.ListTopics(ctx); err != nil || len(topics) != 0 || len(rec.take()) != 0 {
			t.Fatalf("refused topics stored or told: %v, %v", topics, err)
		}
		if err := s.SaveTopic(ctx, "east-sea", map[string]string{"vi": "Biển Đông", "ar": "بحر الشرق"}); err != nil {
			t.Fatal(err)
		}
		topics, err := db.ListTopics(ctx)
		if err != nil || len(topics) != 1 || topics[0].Names["vi"] != "Biển Đông" {
			t.Fatalf("topics %+v, %v", topics, err)
		}
		// Topic names show on every page: the change names no article.
		if c := rec.take(); len(c) != 1 || c[0] != (content.Change{Origin: origin}) {
			t.Errorf("topic told %+v", c)
		}
	})
}
