package store_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// TestPortalStore runs the portal's content tests on both backends.
func TestPortalStore(t *testing.T) {
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, db *store.DB, clock *storetest.Clock)
	}{
		{"versions and corrections", testArticleVersions},
		{"outdated translations", testOutdatedTranslations},
		{"unpublish keeps versions", testUnpublish},
		{"lists by topic, country and page", testListPublished},
		{"search per language", testSearch},
		{"topics and media", testTopicsAndMedia},
		{"metadata update", testUpdateArticle},
	} {
		t.Run(tc.name, func(t *testing.T) { storetest.RunWithClock(t, tc.run) })
	}
}

func mustCreate(t *testing.T, db *store.DB, a store.Article) store.Article {
	t.Helper()
	a, err := db.CreateArticle(t.Context(), a)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func text(lang, title, body string) store.ArticleTranslation {
	return store.ArticleTranslation{Lang: lang, Title: title, Summary: "summary " + title, Body: body}
}

func testArticleVersions(t *testing.T, db *store.DB, clock *storetest.Clock) {
	ctx := t.Context()
	a := mustCreate(t, db, store.Article{Slug: "s", Kind: "statement", SourceLang: "en"})
	if _, err := db.SaveTranslation(ctx, a.ID, text("en", "First", "body one")); err != nil {
		t.Fatal(err)
	}
	if _, err := db.GetPublished(ctx, "s", "en", 0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("draft is public: %v", err)
	}
	v1, err := db.PublishTranslation(ctx, a.ID, "en", "ignored on a first version")
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "v1", []any{v1.Version, v1.Note, v1.PublishedAt}, []any{1, "", stored(clock.Now())})
	issued := stored(clock.Now())

	// Publishing again without a change makes no new version.
	clock.Advance(time.Hour)
	if v, err := db.PublishTranslation(ctx, a.ID, "en", "no change"); err != nil || v.Version != 1 {
		t.Fatalf("republish unchanged: v%d, %v", v.Version, err)
	}

	// A correction is a new version with its note; the issue time stays.
	clock.Advance(time.Hour)
	if _, err := db.SaveTranslation(ctx, a.ID, text("en", "First", "body corrected")); err != nil {
		t.Fatal(err)
	}
	// Until published, readers still see version 1.
	p, err := db.GetPublished(ctx, "s", "en", 0)
	if err != nil || p.Body != "body one" {
		t.Fatalf("before publishing the correction: %q, %v", p.Body, err)
	}
	v2, err := db.PublishTranslation(ctx, a.ID, "en", "Corrected the date.")
	if err != nil {
		t.Fatal(err)
	}
	p, err = db.GetPublished(ctx, "s", "en", 0)
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "live", []any{p.Version, p.Body, p.Note, p.IssuedAt, p.PublishedAt}, []any{2, "body corrected", "Corrected the date.", issued, v2.PublishedAt})
	old, err := db.GetPublished(ctx, "s", "en", 1)
	if err != nil || old.Body != "body one" || old.Version != 1 {
		t.Fatalf("version 1: %+v, %v", old, err)
	}
	if _, err := db.GetPublished(ctx, "s", "en", 3); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("version 3: %v", err)
	}
	vs, err := db.Versions(ctx, a.ID, "en")
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 2 || vs[0].Version != 2 || vs[1].Version != 1 {
		t.Errorf("Versions = %+v", vs)
	}
}

func testOutdatedTranslations(t *testing.T, db *store.DB, clock *storetest.Clock) {
	ctx := t.Context()
	a := mustCreate(t, db, store.Article{Slug: "o", Kind: "news", SourceLang: "vi"})
	for _, tr := range []store.ArticleTranslation{text("vi", "Nguồn", "a"), text("en", "Source", "a"), text("fr", "Source", "a")} {
		if _, err := db.SaveTranslation(ctx, a.ID, tr); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.PublishTranslation(ctx, a.ID, "en", ""); err != nil {
		t.Fatal(err)
	}
	states := func() map[string]store.ArticleStatus {
		t.Helper()
		got, err := db.GetArticle(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]store.ArticleStatus{}
		for l, tr := range got.Translations {
			m[l] = tr.State()
		}
		return m
	}
	wantEqual(t, "fresh", states(), map[string]store.ArticleStatus{"vi": "draft", "en": "published", "fr": "draft"})
	// Saving the source unchanged does not outdate anything.
	if _, err := db.SaveTranslation(ctx, a.ID, text("vi", "Nguồn", "a")); err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "source saved unchanged", states(), map[string]store.ArticleStatus{"vi": "draft", "en": "published", "fr": "draft"})
	// Changing the source outdates the translations made before.
	if _, err := db.SaveTranslation(ctx, a.ID, text("vi", "Nguồn", "b")); err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "source changed", states(), map[string]store.ArticleStatus{"vi": "draft", "en": "outdated", "fr": "outdated"})
	// Updating a translation brings it up to date; it stays published.
	if _, err := db.SaveTranslation(ctx, a.ID, text("en", "Source", "b")); err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "en updated", states(), map[string]store.ArticleStatus{"vi": "draft", "en": "published", "fr": "outdated"})
}

func testUnpublish(t *testing.T, db *store.DB, clock *storetest.Clock) {
	ctx := t.Context()
	a := mustCreate(t, db, store.Article{Slug: "u", Kind: "news", SourceLang: "en",
		Translations: map[string]store.ArticleTranslation{"en": {Title: "Gone soon", Body: "unique-word", Status: store.StatusPublished}}})
	if err := db.UnpublishTranslation(ctx, a.ID, "en"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.GetPublished(ctx, "u", "en", 0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unpublished still public: %v", err)
	}
	if got, _, err := db.SearchArticles(ctx, "en", "unique-word", 10, 0); err != nil || len(got) != 0 {
		t.Errorf("unpublished still found: %v, %v", got, err)
	}
	vs, err := db.Versions(ctx, a.ID, "en")
	if err != nil || len(vs) != 1 {
		t.Errorf("versions after unpublish: %v, %v", vs, err)
	}
	if err := db.UnpublishTranslation(ctx, a.ID, "de"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unpublish missing translation: %v", err)
	}
	if _, err := db.PublishTranslation(ctx, a.ID, "en", ""); err != nil {
		t.Fatal(err)
	}
	if got, _, err := db.SearchArticles(ctx, "en", "unique-word", 10, 0); err != nil || len(got) != 1 {
		t.Errorf("republished not found: %v, %v", got, err)
	}
}

func testListPublished(t *testing.T, db *store.DB, clock *storetest.Clock) {
	ctx := t.Context()
	now := clock.Now()
	pub := func(slug string, ago time.Duration, topics, countries []string, featured bool, langs ...string) {
		tr := map[string]store.ArticleTranslation{}
		for _, l := range langs {
			tr[l] = store.ArticleTranslation{Title: slug + " " + l, Status: store.StatusPublished}
		}
		mustCreate(t, db, store.Article{Slug: slug, Kind: "news", PublishedAt: now.Add(-ago), Topics: topics, Countries: countries, Featured: featured, Translations: tr})
	}
	pub("a", 5*time.Hour, []string{"economy"}, []string{"JP"}, false, "en", "vi")
	pub("b", 4*time.Hour, []string{"economy", "climate"}, []string{"FR", "JP"}, true, "en")
	pub("c", 3*time.Hour, []string{"climate"}, nil, false, "vi")
	pub("d", 2*time.Hour, []string{"economy"}, []string{"035"}, false, "en")
	pub("future", -time.Hour, []string{"economy"}, nil, true, "en")
	slugs := func(q store.PublishedQuery, wantTotal int) []string {
		t.Helper()
		items, total, err := db.ListPublished(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if total != wantTotal {
			t.Errorf("%+v: total %d, want %d", q, total, wantTotal)
		}
		var out []string
		for _, it := range items {
			if it.Version != 1 || it.PublishedAt.Before(it.IssuedAt) {
				t.Errorf("%s/%s: version %d went out at %v, before the issue time %v", it.Slug, it.Lang, it.Version, it.PublishedAt, it.IssuedAt)
			}
			out = append(out, it.Slug+"/"+it.Lang)
		}
		return out
	}
	wantEqual(t, "economy en", slugs(store.PublishedQuery{Lang: "en", Topic: "economy"}, 3), []string{"d/en", "b/en", "a/en"})
	wantEqual(t, "economy en page 2", slugs(store.PublishedQuery{Lang: "en", Topic: "economy", Limit: 2, Offset: 2}, 3), []string{"a/en"})
	wantEqual(t, "JP en", slugs(store.PublishedQuery{Lang: "en", Country: "JP"}, 2), []string{"b/en", "a/en"})
	wantEqual(t, "featured", slugs(store.PublishedQuery{Lang: "en", Featured: true}, 1), []string{"b/en"})
	wantEqual(t, "all languages", slugs(store.PublishedQuery{}, 5), []string{"d/en", "c/vi", "b/en", "a/en", "a/vi"})
	langs, err := db.PublishedLangs(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "langs of a", langs, []string{"en", "vi"})
	if langs, _ := db.PublishedLangs(ctx, "future"); len(langs) != 0 {
		t.Errorf("embargoed article has languages %v", langs)
	}
	topics, countries, err := db.PublishedTags(ctx, "vi")
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "tags in vi", []any{topics, countries}, []any{[]string{"climate", "economy"}, []string{"JP"}})
	// The embargoed article's version goes out at its issue time.
	clock.Advance(2 * time.Hour)
	items, _, err := db.ListPublished(ctx, store.PublishedQuery{Slug: "future"})
	if err != nil || len(items) != 1 || !items[0].PublishedAt.Equal(stored(now.Add(time.Hour))) {
		t.Errorf("embargoed article: %+v, %v", items, err)
	}
	if langs, _ := db.PublishedLangs(ctx, "future"); len(langs) != 1 {
		t.Errorf("released article has languages %v", langs)
	}
}

func testSearch(t *testing.T, db *store.DB, clock *storetest.Clock) {
	ctx := t.Context()
	mustCreate(t, db, store.Article{Slug: "forum", Kind: "news", PublishedAt: clock.Now().Add(-time.Hour), SourceLang: "vi",
		Translations: map[string]store.ArticleTranslation{
			"zh": {Title: "东盟数字外交论坛开幕", Body: "今天上午，外交部以全线上方式举办了开幕式。", Status: store.StatusPublished},
			"en": {Title: "Digital diplomacy forum opens", Body: "Delegations discussed cybersecurity cooperation.", Status: store.StatusPublished},
			"ru": {Title: "Открылся форум", Body: "Делегации обсудили сотрудничество в области кибербезопасности в рамках Объединённых Наций.", Status: store.StatusPublished},
			"ar": {Title: "افتتاح منتدى الدبلوماسية الرقمية", Body: "ناقشت الوفود التعاون.", Status: store.StatusPublished},
			"vi": {Title: "Khai mạc Diễn đàn Ngoại giao số tại Đà Nẵng", Body: "Các phái đoàn đã thảo luận.", Status: store.StatusPublished},
			"fr": {Title: "Brouillon", Body: "cybersécurité", Status: store.StatusDraft},
			"es": {Title: "Foro de diplomacia digital", Body: "Las delegaciones debatieron la ciberseguridad en Đà Nẵng.", Status: store.StatusPublished},
		}})
	tests := []struct {
		lang, q string
		want    int
	}{
		{"zh", "外交", 1},   // a word inside unsegmented text
		{"zh", "数字外交", 1}, // across the original word boundary
		{"zh", "论坛", 1},
		{"zh", "外", 1},             // one character
		{"zh", "外交 论坛", 1},         // two words, both required
		{"zh", "交数", 0},            // not in the text
		{"zh", "cybersecurity", 0}, // another language's text
		{"en", "cybersecurity", 1},
		{"en", "CyberSecurity!!", 1},
		{"en", "forum diplomacy", 1},
		{"en", "forum absent", 0},
		{"vi", "ngoại giao", 1},
		{"vi", "ngoai giao", 1},                 // typed without diacritics
		{"vi", "dien dan da nang", 1},           // đ too
		{"vi", "DIỄN ĐÀN", 1},                   // capitals
		{"vi", "ngoài giao", 0},                 // diacritics typed are kept: ngoài is not ngoại
		{"vi", "Ha Nội ngoai", 0},               // not in the text
		{"vi", "Đà Nang", 1},                    // one word typed with its marks, the other without
		{"vi", "Die\u0302\u0303n đa\u0300n", 1}, // marks typed apart (NFD)
		{"es", "ciberseguridad da nang", 1},
		{"ru", "форум", 1},
		{"ru", "объединенных", 1}, // ё typed as е
		{"ru", "Объединённых", 1}, // and as ё
		{"ar", "الدبلوماسية", 1},
		{"ar", "الوُفُود", 1},      // with short vowels
		{"ar", "إفتتاح", 1},        // a hamza form of alef
		{"fr", "cybersécurité", 0}, // drafts are not indexed
		{"en", `" OR * NEAR( ) : ^ -- ' \`, 0},
		{"en", "", 0},
		{"en", string(make([]byte, 5000)), 0},
		{"en", "\xff\xfe forum", 1},
	}
	if db.Backend() == store.BackendPostgres {
		tests = append(tests,
			struct {
				lang, q string
				want    int
			}{"en", "discussing", 1}, // English stemming
			struct {
				lang, q string
				want    int
			}{"ru", "делегация", 1}, // Russian stemming
		)
	}
	for _, tt := range tests {
		got, total, err := db.SearchArticles(ctx, tt.lang, tt.q, 10, 0)
		if err != nil {
			t.Errorf("search %s %q: %v", tt.lang, tt.q, err)
			continue
		}
		if len(got) != tt.want || total != tt.want {
			t.Errorf("search %s %q: %d results (total %d), want %d", tt.lang, tt.q, len(got), total, tt.want)
		}
		for _, p := range got {
			if p.Lang != tt.lang {
				t.Errorf("search %s %q returned %s", tt.lang, tt.q, p.Lang)
			}
		}
	}
	// A match in the title ranks above a newer match in the body.
	for i, a := range []struct{ slug, title, body string }{
		{"old-title", "Mekong water security", "Delegates met."},
		{"new-body", "Ministers meet", "They discussed Mekong cooperation at length, and the Mekong again."},
	} {
		mustCreate(t, db, store.Article{Slug: a.slug, Kind: "news", PublishedAt: clock.Now().Add(time.Duration(i-5) * time.Minute),
			Translations: map[string]store.ArticleTranslation{"en": {Title: a.title, Body: a.body, Status: store.StatusPublished}}})
	}
	ranked, _, err := db.SearchArticles(ctx, "en", "mekong", 10, 0)
	if err != nil || len(ranked) != 2 || ranked[0].Slug != "old-title" {
		t.Errorf("ranking: %+v, %v", ranked, err)
	}
	// Rebuilding the index finds the same.
	if err := db.RebuildSearchIndex(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _, err := db.SearchArticles(ctx, "zh", "外交", 10, 0); err != nil || len(got) != 1 {
		t.Errorf("after rebuild: %v, %v", got, err)
	}
}

func testTopicsAndMedia(t *testing.T, db *store.DB, clock *storetest.Clock) {
	ctx := t.Context()
	for _, tp := range []store.Topic{
		{Slug: "economy", Names: map[string]string{"en": "Economy", "vi": "Kinh tế"}},
		{Slug: "climate", Names: map[string]string{"en": "Climate"}},
		{Slug: "economy", Names: map[string]string{"en": "Economic diplomacy", "vi": "Ngoại giao kinh tế"}},
	} {
		if err := db.SaveTopic(ctx, tp); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.ListTopics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "topics", got, []store.Topic{
		{Slug: "climate", Names: map[string]string{"en": "Climate"}},
		{Slug: "economy", Names: map[string]string{"en": "Economic diplomacy", "vi": "Ngoại giao kinh tế"}},
	})
	m, err := db.SaveMedia(ctx, "image/png", []byte("\x89PNG data"))
	if err != nil {
		t.Fatal(err)
	}
	again, err := db.SaveMedia(ctx, "image/png", []byte("\x89PNG data"))
	if err != nil || again.Hash != m.Hash || string(again.Data) != "\x89PNG data" {
		t.Errorf("SaveMedia again: %+v, %v", again, err)
	}
	if _, err := db.GetMedia(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetMedia missing: %v", err)
	}
}

func testUpdateArticle(t *testing.T, db *store.DB, clock *storetest.Clock) {
	ctx := t.Context()
	a := mustCreate(t, db, store.Article{Slug: "m", Kind: "news", Topics: []string{"b", "a", "b"}, Countries: []string{"JP"},
		Translations: map[string]store.ArticleTranslation{"en": {Title: "T", Status: store.StatusDraft,
			Images: []store.Image{{Src: "/media/x.png", Alt: "A map"}}}}})
	wantEqual(t, "created tags", []any{a.Topics, a.Countries}, []any{[]string{"a", "b"}, []string{"JP"}})
	a.Kind, a.Unit, a.Featured, a.Topics, a.Countries = "speech", "spokesperson", true, []string{"c"}, nil
	got, err := db.UpdateArticle(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "updated", []any{got.Kind, got.Unit, got.Featured, got.Topics, got.Countries, got.Translations["en"].Images},
		[]any{"speech", "spokesperson", true, []string{"c"}, []string(nil), []store.Image{{Src: "/media/x.png", Alt: "A map"}}})
	if topics, countries, err := db.ArticleTags(ctx, a.ID); err != nil || !slices.Equal(topics, []string{"c"}) || countries != nil {
		t.Errorf("ArticleTags = %v, %v, %v", topics, countries, err)
	}
	if _, err := db.UpdateArticle(ctx, store.Article{ID: 999}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("update missing: %v", err)
	}
	list, err := db.ListArticles(ctx)
	if err != nil || len(list) != 1 || !slices.Equal(list[0].Topics, []string{"c"}) {
		t.Errorf("ListArticles: %+v, %v", list, err)
	}
	if _, err := db.SaveTranslation(ctx, 999, text("en", "x", "y")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("save translation of missing article: %v", err)
	}
}
