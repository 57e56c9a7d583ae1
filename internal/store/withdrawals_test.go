package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// TestWithdrawTranslation: a withdrawn translation leaves the portal's
// lists and search, is never published again, keeps its versions on
// record, and every signature at its path reports the withdrawal; a retry
// keeps the first record.
func TestWithdrawTranslation(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := t.Context()
		a := mustCreate(t, db, store.Article{Slug: "statement-7", Kind: "statement", SourceLang: "en"})
		for _, tr := range []store.ArticleTranslation{text("en", "Fishing season", "The season opens on 3 May."), text("vi", "Mùa cá", "Mùa đánh bắt mở vào ngày 3 tháng 5.")} {
			if _, err := db.SaveTranslation(ctx, a.ID, tr); err != nil {
				t.Fatal(err)
			}
			if _, err := db.PublishTranslation(ctx, a.ID, tr.Lang, ""); err != nil {
				t.Fatal(err)
			}
		}
		clock.Advance(time.Minute)
		if _, err := db.SaveTranslation(ctx, a.ID, text("en", "Fishing season", "The season opens on 4 May.")); err != nil {
			t.Fatal(err)
		}
		if _, err := db.PublishTranslation(ctx, a.ID, "en", "date"); err != nil {
			t.Fatal(err)
		}
		for v, path := range map[int]string{1: "/en/news/statement-7", 2: "/en/news/statement-7", 3: "/vi/news/statement-7"} {
			s := store.SignedStatement{Path: path, URL: "https://mofa.example" + path, Lang: "en", Version: min(v, 2), IssuedAt: clock.Now(),
				Title: "t", Body: "b", Signature: "c2ln", KeyID: "k"}
			if _, err := db.SaveSignedStatement(ctx, s, []string{"digest-" + path}); err != nil {
				t.Fatal(err)
			}
		}

		clock.Advance(time.Hour)
		w, err := db.WithdrawTranslation(ctx, a.ID, "en", "/en/news/statement-7", false)
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "withdrawal", w, store.Withdrawal{Path: "/en/news/statement-7", ArticleID: a.ID, Lang: "en", WithdrawnAt: stored(clock.Now())})
		if _, err := db.GetPublished(ctx, "statement-7", "en", 0); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("withdrawn translation is still public: %v", err)
		}
		if _, err := db.GetPublished(ctx, "statement-7", "en", 1); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("earlier version of a withdrawn translation is still public: %v", err)
		}
		if items, _, err := db.ListPublished(ctx, store.PublishedQuery{Slug: "statement-7", IncludeEmbargoed: true}); err != nil || len(items) != 1 || items[0].Lang != "vi" {
			t.Errorf("live translations: %+v, %v", items, err)
		}
		if hits, _, err := db.SearchArticles(ctx, "en", "season", 10, 0); err != nil || len(hits) != 0 {
			t.Errorf("search still finds the withdrawn text: %+v, %v", hits, err)
		}
		if vs, err := db.Versions(ctx, a.ID, "en"); err != nil || len(vs) != 2 {
			t.Errorf("versions on record: %d, %v", len(vs), err)
		}
		if got, err := db.GetWithdrawal(ctx, "/en/news/statement-7"); err != nil || got != w {
			t.Errorf("GetWithdrawal = %+v, %v", got, err)
		}
		if _, err := db.GetWithdrawal(ctx, "/vi/news/statement-7"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetWithdrawal of a live page: %v", err)
		}

		// Every signed version at the path says withdrawn; others do not.
		byPath, err := db.SignedStatementsByPath(ctx, "/en/news/statement-7")
		if err != nil || len(byPath) != 2 || !byPath[0].WithdrawnAt.Equal(w.WithdrawnAt) || !byPath[1].WithdrawnAt.Equal(w.WithdrawnAt) {
			t.Errorf("signed at the withdrawn path: %+v, %v", byPath, err)
		}
		byDigest, err := db.SignedStatementsByDigest(ctx, "digest-/en/news/statement-7")
		if err != nil || len(byDigest) != 2 || !byDigest[0].WithdrawnAt.Equal(w.WithdrawnAt) {
			t.Errorf("signed by digest: %+v, %v", byDigest, err)
		}
		if vi, err := db.SignedStatementsByPath(ctx, "/vi/news/statement-7"); err != nil || len(vi) != 1 || !vi[0].WithdrawnAt.IsZero() {
			t.Errorf("signed at a live path: %+v, %v", vi, err)
		}

		// A retry (the recall ran again after a crash) keeps the first record.
		clock.Advance(time.Hour)
		again, err := db.WithdrawTranslation(ctx, a.ID, "en", "/en/news/statement-7", true)
		if err != nil || again != w {
			t.Errorf("second withdrawal = %+v, %v; want the first %+v", again, err, w)
		}
		// Nothing publishes it again; the other language is unaffected.
		if _, err := db.PublishTranslation(ctx, a.ID, "en", ""); !errors.Is(err, store.ErrWithdrawn) || !errors.Is(err, store.ErrConflict) {
			t.Errorf("publishing a withdrawn translation: %v, want ErrWithdrawn", err)
		}
		if _, err := db.PublishTranslation(ctx, a.ID, "vi", ""); err != nil {
			t.Errorf("publishing another translation: %v", err)
		}
		if _, err := db.WithdrawTranslation(ctx, a.ID, "fr", "/fr/news/statement-7", false); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("withdrawing a translation that does not exist: %v", err)
		}
	})
}

// TestRecallRecord: a recall records its choice for the portal pages and
// when it was asked; its approval records who approved and when.
func TestRecallRecord(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := t.Context()
		author, err := db.CreateUser(ctx, account.User{Username: "author", Roles: []account.Role{account.RolePressOfficer}})
		if err != nil {
			t.Fatal(err)
		}
		approver, err := db.CreateUser(ctx, account.User{Username: "approver", Roles: []account.Role{account.RoleApprover}})
		if err != nil {
			t.Fatal(err)
		}
		st, err := db.SaveStatement(ctx, store.Statement{AuthorID: author.ID, ApprovalsNeeded: 1,
			Variants: []store.Variant{{Lang: "en", Body: "text"}}}, store.AuditEntry{Actor: "author", Action: "save"})
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := db.GetStatement(ctx, st.ID); got.RecallMode != store.RecallNotice || !got.RecallRequestedAt.IsZero() {
			t.Errorf("before any recall: mode %q, asked %v", got.RecallMode, got.RecallRequestedAt)
		}
		if err := db.RequestRecall(ctx, st.ID, author.ID, "why", "erase", store.AuditEntry{Actor: "author", Action: "recall"}); err == nil {
			t.Error("an unknown recall mode was stored")
		}
		asked := stored(clock.Now())
		if err := db.RequestRecall(ctx, st.ID, author.ID, "wrong date", store.RecallRemove, store.AuditEntry{Actor: "author", Action: "recall"}); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Minute)
		if err := db.MarkRecallDone(ctx, st.ID, approver.ID, store.AuditEntry{Actor: "approver", Action: "recall.approve"}); err != nil {
			t.Fatal(err)
		}
		if err := db.MarkRecallDone(ctx, st.ID, approver.ID, store.AuditEntry{Actor: "approver", Action: "recall.approve"}); !errors.Is(err, store.ErrConflict) {
			t.Errorf("a second approval: %v, want ErrConflict", err)
		}
		got, err := db.GetStatement(ctx, st.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "recall", []any{got.RecallState, got.RecallMode, got.RecallBy, got.RecallReason, got.RecallRequestedAt, got.RecallApprovedBy, got.RecallDoneAt},
			[]any{"done", store.RecallRemove, author.ID, "wrong date", asked, approver.ID, stored(clock.Now())})
	})
}
