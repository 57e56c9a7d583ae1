package portal

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/httpx/httpxtest"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

func newHandlers(t *testing.T, db *store.DB, onChange func(context.Context, Change)) *Handlers {
	t.Helper()
	kit := httpxtest.Kit(t)
	h, err := New(t.Context(), Params{DB: db, Kit: kit, OnChange: onChange})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func wantClass(t *testing.T, what string, err error, want social.Class) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error, want %s", what, want)
	}
	var se *social.Error
	if !errors.As(err, &se) || se.Network != social.Portal || se.Class != want || se.Reason == "" {
		t.Fatalf("%s: %v, want a portal %s error with a reason", what, err, want)
	}
}

func TestPublisher(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := t.Context()
		var changes []Change
		h := newHandlers(t, db, func(_ context.Context, c Change) { changes = append(changes, c) })
		p := h.Publisher("https://mofa.example/")
		var _ social.Publisher = p

		if p.Network() != social.Portal || !p.Limits().Idempotent || p.Count("Việt Nam 越南") != 11 {
			t.Errorf("Network %s, Limits %+v, Count %d", p.Network(), p.Limits(), p.Count("Việt Nam 越南"))
		}
		acc, err := p.WhoAmI(ctx)
		if err != nil || acc.URL != "https://mofa.example/" || acc.ID != "portal" {
			t.Errorf("WhoAmI = %+v, %v", acc, err)
		}

		issued := clock.Now().Add(-time.Hour).Truncate(time.Second)
		vi := social.Post{Key: "pub-1-0", Group: "statement-on-asean-day", Lang: "vi", Kind: "statement",
			Title: "Tuyên bố nhân Ngày ASEAN", Summary: "Tóm tắt", Text: "Việt Nam **chào mừng** Ngày ASEAN.",
			Media:     []social.Media{{Filename: "flag.png", ContentType: "image/png", Data: []byte("\x89PNG fake"), Alt: "Cờ ASEAN"}},
			Published: issued}
		res, err := p.Publish(ctx, vi)
		if err != nil {
			t.Fatal(err)
		}
		if res.ID != "statement-on-asean-day/vi" || res.URL != "https://mofa.example/vi/news/statement-on-asean-day" || res.Created.IsZero() {
			t.Errorf("Publish = %+v", res)
		}
		pub, err := db.GetPublished(ctx, "statement-on-asean-day", "vi", 0)
		if err != nil {
			t.Fatal(err)
		}
		if pub.Kind != "statement" || pub.Title != vi.Title || pub.Body != vi.Text || !pub.IssuedAt.Equal(issued) || len(pub.Images) != 1 || pub.Images[0].Alt != "Cờ ASEAN" {
			t.Errorf("published %+v", pub)
		}
		hash := strings.TrimSuffix(strings.TrimPrefix(pub.Images[0].Src, "/media/"), ".png")
		if m, err := db.GetMedia(ctx, hash); err != nil || string(m.Data) != "\x89PNG fake" {
			t.Errorf("media %q: %v", pub.Images[0].Src, err)
		}

		// Another language of the same group is a translation of the same
		// article; publishing the same post again changes nothing.
		en := vi
		en.Key, en.Lang, en.Title, en.Text, en.Media = "pub-1-1", "en", "Statement on ASEAN Day", "Viet Nam welcomes ASEAN Day.", nil
		if _, err := p.Publish(ctx, en); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Minute)
		again, err := p.Publish(ctx, en)
		if err != nil {
			t.Fatal(err)
		}
		if vs, _ := db.Versions(ctx, pub.ArticleID, "en"); len(vs) != 1 || !again.Created.Equal(vs[0].PublishedAt) {
			t.Errorf("republishing the same post: %d versions, %+v", len(vs), again)
		}
		a, err := db.GetArticleBySlug(ctx, "statement-on-asean-day")
		if err != nil || len(a.Translations) != 2 || a.SourceLang != "vi" {
			t.Fatalf("article %+v, %v", a, err)
		}
		// A changed text is a new version.
		en.Text = "Viet Nam warmly welcomes ASEAN Day."
		if _, err := p.Publish(ctx, en); err != nil {
			t.Fatal(err)
		}
		if vs, _ := db.Versions(ctx, pub.ArticleID, "en"); len(vs) != 2 {
			t.Errorf("%d versions after a change", len(vs))
		}

		// Reconcile finds a post by group and language, with its text.
		rs, err := p.Reconcile(ctx, en, time.Time{})
		if err != nil || len(rs) != 1 || rs[0].URL != "https://mofa.example/en/news/statement-on-asean-day" {
			t.Errorf("Reconcile = %+v, %v", rs, err)
		}
		fr := en
		fr.Lang = "fr"
		if rs, err := p.Reconcile(ctx, fr, time.Time{}); err != nil || len(rs) != 0 {
			t.Errorf("Reconcile of an unpublished language: %+v, %v", rs, err)
		}
		stale := en
		stale.Text = "something never published"
		if rs, _ := p.Reconcile(ctx, stale, time.Time{}); len(rs) != 0 {
			t.Error("Reconcile found a text that was never published")
		}

		recent, err := p.Recent(ctx, issued.Add(-time.Hour), 10)
		if err != nil || len(recent) != 2 || recent[0].ID != "statement-on-asean-day/en" || recent[0].Text != en.Text {
			t.Errorf("Recent = %+v, %v", recent, err)
		}
		if recent, _ := p.Recent(ctx, clock.Now().Add(time.Hour), 10); len(recent) != 0 {
			t.Errorf("Recent in the future = %+v", recent)
		}

		// Delete unpublishes; the record and versions stay; twice is fine.
		if err := p.Delete(ctx, res.ID); err != nil {
			t.Fatal(err)
		}
		if err := p.Delete(ctx, res.ID); err != nil {
			t.Errorf("second Delete: %v", err)
		}
		if err := p.Delete(ctx, "no-such-article/vi"); err != nil {
			t.Errorf("Delete of a missing article: %v", err)
		}
		if _, err := db.GetPublished(ctx, "statement-on-asean-day", "vi", 0); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("deleted translation still public: %v", err)
		}
		if vs, _ := db.Versions(ctx, pub.ArticleID, "vi"); len(vs) != 1 {
			t.Errorf("versions after Delete: %d", len(vs))
		}
		if rs, _ := p.Reconcile(ctx, vi, time.Time{}); len(rs) != 0 {
			t.Error("Reconcile found a deleted post")
		}
		if len(changes) < 4 || changes[len(changes)-1].Live {
			t.Errorf("changes = %+v", changes)
		}
		// Subscribers learn the public origin the scheduler publishes to,
		// with which statements are signed.
		for _, c := range changes {
			if c.Origin != "https://mofa.example" {
				t.Errorf("change %+v: origin %q", c, c.Origin)
			}
		}

		// Refused posts.
		for name, post := range map[string]social.Post{
			"bad group":    {Group: "Not A Slug", Lang: "vi", Title: "x"},
			"bad language": {Group: "ok", Lang: "de", Title: "x"},
			"bad kind":     {Group: "ok", Lang: "vi", Kind: "tweet", Title: "x"},
			"no title":     {Group: "ok", Lang: "vi", Text: "body"},
			"video":        {Group: "ok", Lang: "vi", Title: "x", Media: []social.Media{{ContentType: "video/mp4", Alt: "v"}}},
			"no alt":       {Group: "ok", Lang: "vi", Title: "x", Media: []social.Media{{ContentType: "image/png", Data: []byte("x")}}},
		} {
			_, err := p.Publish(ctx, post)
			wantClass(t, name, err, social.Rejected)
		}
		wantClass(t, "bad id", p.Delete(ctx, "no-slash"), social.Rejected)
		if _, err := db.GetArticleBySlug(ctx, "ok"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a refused post created an article: %v", err)
		}
		if _, err := db.GetMedia(ctx, sha256hex("x")); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a refused post stored its image: %v", err)
		}

		// A database that fails gives Unknown: the post may or may not exist.
		db.Close()
		_, err = p.Publish(ctx, vi)
		wantClass(t, "closed database", err, social.Unknown)
	})
}

func sha256hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// The search index is built again at start when it was built with another
// analysis of the text (store.SearchIndexVersion), so that an upgrade finds
// what the new analysis finds in content published before it.
func TestSearchIndexRebuiltForANewAnalysis(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := t.Context()
		newHandlers(t, db, nil)
		if v, err := db.GetSetting(ctx, searchIndexKey); err != nil || v != store.SearchIndexVersion {
			t.Fatalf("index version %q, %v", v, err)
		}
		if _, err := db.CreateArticle(ctx, store.Article{Slug: "da-nang", Kind: "news", PublishedAt: clock.Now().Add(-time.Hour), SourceLang: "vi",
			Translations: map[string]store.ArticleTranslation{"vi": {Title: "Diễn đàn tại Đà Nẵng", Body: "Nội dung.", Status: store.StatusPublished}}}); err != nil {
			t.Fatal(err)
		}
		// An index built by an earlier analysis: the start rebuilds it.
		if err := db.SetSetting(ctx, searchIndexKey, "1"); err != nil {
			t.Fatal(err)
		}
		newHandlers(t, db, nil)
		if v, err := db.GetSetting(ctx, searchIndexKey); err != nil || v != store.SearchIndexVersion {
			t.Errorf("after the start: index version %q, %v", v, err)
		}
		if got, _, err := db.SearchArticles(ctx, "vi", "dien dan da nang", 10, 0); err != nil || len(got) != 1 {
			t.Errorf("search without diacritics: %v, %v", got, err)
		}
	})
}
