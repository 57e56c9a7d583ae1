package signing

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// testPath and testText stand for the portal's rules (portal.ArticlePath,
// markdown.Text), which this package may not import.
func testPath(code, slug string) string { return "/" + code + "/news/" + slug }
func testText(body string) string       { return strings.ReplaceAll(body, "*", "") }

func newSigner(t *testing.T, db *store.DB) *Signer {
	t.Helper()
	k, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSigner(SignerParams{DB: db, Registry: NewRegistry(db, k), Path: testPath, Text: testText})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// article creates an article of kind with the given translations, each
// published once per body (the later ones are corrections).
func article(t *testing.T, db *store.DB, slug, kind string, published time.Time, bodies map[string][]string) store.Article {
	t.Helper()
	ctx := t.Context()
	a, err := db.CreateArticle(ctx, store.Article{Slug: slug, Kind: kind, SourceLang: "en", PublishedAt: published})
	if err != nil {
		t.Fatal(err)
	}
	for code, bs := range bodies {
		for i, b := range bs {
			if _, err := db.SaveTranslation(ctx, a.ID, store.ArticleTranslation{Lang: code, Title: slug + " " + code, Summary: "s", Body: b}); err != nil {
				t.Fatal(err)
			}
			if _, err := db.PublishTranslation(ctx, a.ID, code, map[bool]string{true: "correction"}[i > 0]); err != nil {
				t.Fatal(err)
			}
		}
	}
	return a
}

// signed lists the versions signed at the path of slug in code, and
// checks what each signed.
func signed(t *testing.T, db *store.DB, origin, code, slug string) []int {
	t.Helper()
	rows, err := db.SignedStatementsByPath(t.Context(), testPath(code, slug))
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for _, r := range rows {
		if r.URL != origin+testPath(code, slug) || strings.Contains(r.Body, "*") || r.Title != slug+" "+code {
			t.Errorf("%s v%d signed as %+v", slug, r.Version, r)
		}
		out = append(out, r.Version)
	}
	slices.Sort(out)
	return out
}

func wantVersions(t *testing.T, what string, got []int, want ...int) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("%s: signed versions %v, want %v", what, got, want)
	}
}

// TestSignArticle: publishing a statement signs every published version
// of each live translation (corrections included, embargoed ones too),
// once; news is not signed, nor is a translation that is not live; and
// SignAll catches up with whatever was published before signing ran.
func TestSignArticle(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		const origin = "https://mofa.example"
		s := newSigner(t, db)

		article(t, db, "east-sea", Kind, time.Time{}, map[string][]string{"en": {"First *text*.", "Corrected *text*."}, "zh": {"第一"}})
		if err := s.SignArticle(ctx, origin, "east-sea"); err != nil {
			t.Fatal(err)
		}
		wantVersions(t, "en", signed(t, db, origin, "en", "east-sea"), 1, 2)
		wantVersions(t, "zh", signed(t, db, origin, "zh", "east-sea"), 1)
		// Again: nothing new, and no conflict with what is signed.
		if err := s.SignArticle(ctx, origin, "east-sea"); err != nil {
			t.Fatalf("signing again: %v", err)
		}
		wantVersions(t, "en again", signed(t, db, origin, "en", "east-sea"), 1, 2)

		// News is not an official statement.
		article(t, db, "visit", "news", time.Time{}, map[string][]string{"en": {"A visit."}})
		if err := s.SignArticle(ctx, origin, "visit"); err != nil {
			t.Fatal(err)
		}
		wantVersions(t, "news", signed(t, db, origin, "en", "visit"))

		// A translation taken down is not signed; a draft is not either.
		down := article(t, db, "taken-down", Kind, time.Time{}, map[string][]string{"en": {"Gone."}})
		if err := db.UnpublishTranslation(ctx, down.ID, "en"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SaveTranslation(ctx, down.ID, store.ArticleTranslation{Lang: "fr", Title: "taken-down fr", Summary: "s", Body: "Brouillon."}); err != nil {
			t.Fatal(err)
		}
		if err := s.SignArticle(ctx, origin, "taken-down"); err != nil {
			t.Fatal(err)
		}
		wantVersions(t, "unpublished", signed(t, db, origin, "en", "taken-down"))
		wantVersions(t, "draft", signed(t, db, origin, "fr", "taken-down"))

		// An embargoed statement is signed ahead, with its issue time.
		article(t, db, "embargoed", Kind, clock.Now().Add(48*time.Hour), map[string][]string{"en": {"Later."}})
		// SignAll signs what nobody signed yet: the embargoed one.
		if err := s.SignAll(ctx, origin); err != nil {
			t.Fatal(err)
		}
		wantVersions(t, "embargoed", signed(t, db, origin, "en", "embargoed"), 1)
		wantVersions(t, "en after SignAll", signed(t, db, origin, "en", "east-sea"), 1, 2)
		wantVersions(t, "news after SignAll", signed(t, db, origin, "en", "visit"))

		if err := s.SignAll(ctx, ""); err == nil {
			t.Error("signed with no origin")
		}
	})
}

// TestNewSignerNeedsItsRules: a signer without the portal's rules is
// refused rather than signing the wrong URL or text.
func TestNewSignerNeedsItsRules(t *testing.T) {
	db := storetest.Open(t, store.BackendSQLite)
	k, _ := GenerateKey()
	for name, p := range map[string]SignerParams{
		"no path":     {DB: db, Registry: NewRegistry(db, k), Text: testText},
		"no text":     {DB: db, Registry: NewRegistry(db, k), Path: testPath},
		"no registry": {DB: db, Path: testPath, Text: testText},
		"no store":    {Registry: NewRegistry(db, k), Path: testPath, Text: testText},
	} {
		if _, err := NewSigner(p); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
