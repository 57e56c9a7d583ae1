package store_test

import (
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

func testLoginFailures(t *testing.T, db *store.DB, clock *storetest.Clock) {
	ctx := t.Context()
	start := clock.Now()
	for range 3 {
		if err := db.RecordLoginFailure(ctx, "alice"); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Minute)
	}
	if err := db.RecordLoginFailure(ctx, "bob"); err != nil {
		t.Fatal(err)
	}
	count := func(key string, since time.Time) int {
		t.Helper()
		n, err := db.CountLoginFailures(ctx, key, since)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	tests := []struct {
		key   string
		since time.Time
		want  int
	}{
		{"alice", start, 3},
		{"alice", start.Add(time.Minute), 2}, // "since" includes the instant itself
		{"alice", start.Add(time.Minute + time.Microsecond), 1},
		{"alice", start.Add(time.Hour), 0},
		{"bob", start, 1},
		{"carol", start, 0},
	}
	for _, tt := range tests {
		if got := count(tt.key, tt.since); got != tt.want {
			t.Errorf("CountLoginFailures(%q, %v) = %d, want %d", tt.key, tt.since, got, tt.want)
		}
	}

	if err := db.PruneLoginFailures(ctx, start.Add(90*time.Second)); err != nil {
		t.Fatal(err)
	}
	if got := count("alice", time.Time{}); got != 1 {
		t.Errorf("after prune: %d failures for alice, want 1", got)
	}
	if err := db.ClearLoginFailures(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if got := count("alice", time.Time{}); got != 0 {
		t.Errorf("after clear: %d failures for alice, want 0", got)
	}
	if got := count("bob", time.Time{}); got != 1 {
		t.Errorf("clearing alice touched bob: %d failures, want 1", got)
	}
}

func testSettings(t *testing.T, db *store.DB, _ *storetest.Clock) {
	ctx := t.Context()
	_, err := db.GetSetting(ctx, "site.title")
	wantErr(t, "missing setting", err, store.ErrNotFound)
	for _, v := range []string{"Bộ Ngoại giao", "MOFA", ""} {
		if err := db.SetSetting(ctx, "site.title", v); err != nil {
			t.Fatal(err)
		}
		got, err := db.GetSetting(ctx, "site.title")
		if err != nil || got != v {
			t.Errorf("GetSetting = %q, %v; want %q", got, err, v)
		}
	}
}

func tr(lang string, status store.ArticleStatus) store.ArticleTranslation {
	return store.ArticleTranslation{Title: "Title " + lang, Summary: "Summary " + lang, Body: "Body", Status: status}
}

func testLatestArticles(t *testing.T, db *store.DB, clock *storetest.Clock) {
	ctx := t.Context()
	now := clock.Now()
	pub, draft := store.StatusPublished, store.StatusDraft
	articles := []store.Article{
		{Slug: "a-vi-only", Kind: "news", PublishedAt: now.Add(-2 * time.Hour),
			Translations: map[string]store.ArticleTranslation{"vi": tr("vi", pub), "en": tr("en", draft)}},
		{Slug: "b", Kind: "press_release", PublishedAt: now.Add(-time.Hour),
			Translations: map[string]store.ArticleTranslation{"en": tr("en", pub)}},
		{Slug: "c-future", Kind: "news", PublishedAt: now.Add(time.Hour),
			Translations: map[string]store.ArticleTranslation{"en": tr("en", pub)}},
		{Slug: "d-unpublished", Kind: "news",
			Translations: map[string]store.ArticleTranslation{"en": tr("en", pub)}},
		// Fractions of different lengths must still sort in time order.
		{Slug: "e", Kind: "news", PublishedAt: now.Add(-time.Hour + 500*time.Millisecond),
			Translations: map[string]store.ArticleTranslation{"en": tr("en", pub)}},
		{Slug: "f", Kind: "news", PublishedAt: now.Add(-time.Hour + 450*time.Millisecond + time.Microsecond),
			Translations: map[string]store.ArticleTranslation{"en": tr("en", pub)}},
	}
	created := map[string]store.Article{}
	for _, a := range articles {
		got, err := db.CreateArticle(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID <= 0 || !got.CreatedAt.Equal(stored(now)) {
			t.Errorf("CreateArticle(%s): id %d, created %v", a.Slug, got.ID, got.CreatedAt)
		}
		for lang, tr := range got.Translations {
			if tr.Lang != lang {
				t.Errorf("CreateArticle(%s): translation %s has Lang %q", a.Slug, lang, tr.Lang)
			}
		}
		created[a.Slug] = got
	}
	if n, err := db.CountArticles(ctx); err != nil || n != len(articles) {
		t.Errorf("CountArticles = %d, %v; want %d", n, err, len(articles))
	}

	slugs := func(lang string, limit int) []string {
		t.Helper()
		list, err := db.LatestArticles(ctx, lang, limit)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, s := range list {
			out = append(out, s.Slug)
			if s.Lang != lang || s.Title != "Title "+lang {
				t.Errorf("summary %s in %s: lang %q title %q", s.Slug, lang, s.Lang, s.Title)
			}
		}
		return out
	}
	wantEqual(t, "en", slugs("en", 10), []string{"e", "f", "b"})
	wantEqual(t, "en limit 2", slugs("en", 2), []string{"e", "f"})
	wantEqual(t, "vi", slugs("vi", 10), []string{"a-vi-only"})
	wantEqual(t, "fr", slugs("fr", 10), []string(nil))

	list, err := db.LatestArticles(ctx, "en", 1)
	if err != nil {
		t.Fatal(err)
	}
	e := created["e"]
	wantEqual(t, "summary", list, []store.ArticleSummary{{ID: e.ID, Slug: "e", Kind: "news",
		PublishedAt: stored(e.PublishedAt), Lang: "en", Title: "Title en", Summary: "Summary en"}})

	clock.Advance(time.Hour)
	wantEqual(t, "en an hour later", slugs("en", 10), []string{"c-future", "e", "f", "b"})
}

func testArticleErrors(t *testing.T, db *store.DB, _ *storetest.Clock) {
	ctx := t.Context()
	a := store.Article{Slug: "x", Kind: "news", Translations: map[string]store.ArticleTranslation{"en": tr("en", store.StatusDraft)}}
	if _, err := db.CreateArticle(ctx, a); err != nil {
		t.Fatal(err)
	}
	_, err := db.CreateArticle(ctx, a)
	wantErr(t, "duplicate slug", err, store.ErrConflict)
	bad := store.Article{Slug: "y", Kind: "news", Translations: map[string]store.ArticleTranslation{"en": tr("en", "archived")}}
	if _, err := db.CreateArticle(ctx, bad); err == nil {
		t.Error("CreateArticle with status archived succeeded")
	}
	if _, err := db.LatestArticles(ctx, "en", 0); err == nil {
		t.Error("LatestArticles with limit 0 succeeded")
	}
	if n, err := db.CountArticles(ctx); err != nil || n != 1 {
		t.Errorf("CountArticles = %d, %v; want 1", n, err)
	}
}

func testRooms(t *testing.T, db *store.DB, clock *storetest.Clock) {
	ctx := t.Context()
	var want []store.Room
	for _, slug := range []string{"plenary", "asean", "bilateral"} {
		r, err := db.CreateRoom(ctx, store.Room{Slug: slug, Title: strings.ToUpper(slug)})
		if err != nil {
			t.Fatal(err)
		}
		if r.ID <= 0 || !r.CreatedAt.Equal(stored(clock.Now())) {
			t.Errorf("CreateRoom: %+v", r)
		}
		want = append(want, r)
		clock.Advance(time.Second)
	}
	_, err := db.CreateRoom(ctx, store.Room{Slug: "asean", Title: "again"})
	wantErr(t, "duplicate slug", err, store.ErrConflict)
	got, err := db.ListRooms(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "ListRooms", got, want)
	r, err := db.GetRoomBySlug(ctx, "asean")
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "GetRoomBySlug", r, want[1])
	_, err = db.GetRoomBySlug(ctx, "nowhere")
	wantErr(t, "missing room", err, store.ErrNotFound)
}

// testTimestampRoundTrip writes times in other zones, with nanoseconds, and
// expects them back in UTC, truncated to the microsecond, on both backends.
func testTimestampRoundTrip(t *testing.T, db *store.DB, clock *storetest.Clock) {
	ctx := t.Context()
	hanoi := time.FixedZone("ICT", 7*3600)
	newYork := time.FixedZone("EST", -5*3600)
	clock.Set(time.Date(2026, 12, 31, 23, 59, 59, 999999999, hanoi))
	u := createUser(t, db, "alice")
	if u.CreatedAt.Location() != time.UTC || !u.CreatedAt.Equal(clock.Now().Truncate(time.Microsecond)) {
		t.Errorf("CreatedAt = %v", u.CreatedAt)
	}
	got, err := db.GetUser(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "user after read", got, u)

	created := time.Date(2026, 7, 4, 8, 0, 0, 1999, newYork)
	expires := time.Date(2027, 1, 1, 0, 0, 0, 1, hanoi)
	if err := db.CreateSession(ctx, account.Session{IDHash: "h", UserID: u.ID, CreatedAt: created, ExpiresAt: expires}); err != nil {
		t.Fatal(err)
	}
	s, _, err := db.GetSession(ctx, "h")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		got, want time.Time
	}{
		{"created", s.CreatedAt, time.Date(2026, 7, 4, 13, 0, 0, 1000, time.UTC)},
		{"last seen", s.LastSeenAt, time.Date(2026, 7, 4, 13, 0, 0, 1000, time.UTC)},
		{"expires", s.ExpiresAt, time.Date(2026, 12, 31, 17, 0, 0, 0, time.UTC)},
	} {
		if c.got != c.want { // == also compares the location
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}

	if db.Backend() == store.BackendSQLite {
		var text string
		if err := db.QueryRowForTest(ctx, `SELECT CAST(created_at AS TEXT) FROM sessions`)(&text); err != nil {
			t.Fatal(err)
		}
		if text != "2026-07-04 13:00:00.000001+00:00" {
			t.Errorf("SQLite stores %q", text)
		}
	}
}
