package store_test

import (
	"errors"
	"testing"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// The store reports a missing row and a taken unique value in the one
// error vocabulary, on both backends, so that the HTTP edge needs no
// knowledge of the store to answer 404 and 409.
func TestErrorsAreFaultKinds(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		if _, err := db.GetArticleBySlug(ctx, "no-such-article"); !errors.Is(err, fault.ErrNotFound) || !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a missing article: %v", err)
		}
		if _, err := db.GetUser(ctx, 987654); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("a missing user: %v", err)
		}
		a := store.Article{Slug: "taken", Kind: "news", SourceLang: "vi"}
		if _, err := db.CreateArticle(ctx, a); err != nil {
			t.Fatal(err)
		}
		_, err := db.CreateArticle(ctx, a)
		if !errors.Is(err, fault.ErrConflict) || !errors.Is(err, store.ErrConflict) || errors.Is(err, fault.ErrNotFound) {
			t.Errorf("a slug taken: %v", err)
		}
	})
	if !errors.Is(store.ErrWithdrawn, fault.ErrConflict) {
		t.Error("ErrWithdrawn is not a conflict")
	}
}
