package content_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/portal/content"
	"github.com/mofa-vn/chancery/internal/portal/markdown"
	"github.com/mofa-vn/chancery/internal/store"
)

func ptr[T any](v T) *T { return &v }

// wantInvalid checks that err is an ErrInvalid problem with the field and
// key an editor is shown, and returns the problem's data.
func wantInvalid(t *testing.T, err error, field, key string) map[string]any {
	t.Helper()
	p, ok := fault.As(err, fault.ErrInvalid)
	if !ok || p.Field != field || p.Key != key {
		t.Fatalf("got %v, want an invalid %s (%s)", err, key, field)
	}
	return p.Data
}

func TestApplyArticle(t *testing.T) {
	valid := func() content.ArticleInput {
		return content.ArticleInput{Slug: ptr("asean-forum"), Kind: ptr("statement"), SourceLang: ptr("vi")}
	}
	many := make([]string, content.MaxTags+1)
	for i := range many {
		many[i] = "topic-" + string(rune('a'+i))
	}
	for _, tc := range []struct {
		name       string
		edit       func(in *content.ArticleInput)
		creating   bool
		field, key string
	}{
		{"no slug", func(in *content.ArticleInput) { in.Slug = nil }, true, "slug", "portal_error_slug"},
		{"slug with capitals", func(in *content.ArticleInput) { in.Slug = ptr("ASEAN-forum") }, true, "slug", "portal_error_slug"},
		{"slug with a double hyphen", func(in *content.ArticleInput) { in.Slug = ptr("asean--forum") }, true, "slug", "portal_error_slug"},
		{"slug with a path", func(in *content.ArticleInput) { in.Slug = ptr("../admin") }, true, "slug", "portal_error_slug"},
		{"slug too long", func(in *content.ArticleInput) { in.Slug = ptr(strings.Repeat("a", content.MaxSlug+1)) }, true, "slug", "portal_error_slug"},
		{"slug changed", func(in *content.ArticleInput) { in.Slug = ptr("another") }, false, "slug", "portal_error_slug_fixed"},
		{"no kind", func(in *content.ArticleInput) { in.Kind = nil }, true, "kind", "portal_error_kind"},
		{"unknown kind", func(in *content.ArticleInput) { in.Kind = ptr("tweet") }, false, "kind", "portal_error_kind"},
		{"unknown unit", func(in *content.ArticleInput) { in.Unit = ptr("secret-service") }, true, "unit", "portal_error_unit"},
		{"no language", func(in *content.ArticleInput) { in.SourceLang = nil }, true, "source_lang", "portal_error_lang"},
		{"unknown language", func(in *content.ArticleInput) { in.SourceLang = ptr("de") }, true, "source_lang", "portal_error_lang"},
		{"bad topic", func(in *content.ArticleInput) { in.Topics = []string{"ok", "Not OK"} }, true, "topics", "portal_error_topic"},
		{"too many topics", func(in *content.ArticleInput) { in.Topics = many }, true, "topics", "portal_error_topic"},
		{"not a country", func(in *content.ArticleInput) { in.Countries = []string{"JP", "XX"} }, true, "countries", "portal_error_country"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := valid()
			tc.edit(&in)
			a := store.Article{Slug: "asean-forum", Kind: "news", SourceLang: "en"}
			before := a
			err := content.ApplyArticle(&a, in, tc.creating)
			wantInvalid(t, err, tc.field, tc.key)
			if !tc.creating && (a.Slug != before.Slug) {
				t.Errorf("a refused update changed the slug to %q", a.Slug)
			}
		})
	}
	t.Run("the twenty-first topic is named", func(t *testing.T) {
		in := valid()
		in.Topics = many
		data := wantInvalid(t, content.ApplyArticle(&store.Article{}, in, true), "topics", "portal_error_topic")
		if data["Topic"] != many[content.MaxTags] {
			t.Errorf("data %v, want the first topic over the limit", data)
		}
	})
	t.Run("accepted and cleaned", func(t *testing.T) {
		issued := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
		in := valid()
		in.Unit, in.Featured, in.IssuedAt = ptr("spokesperson"), ptr(true), &issued
		in.Topics = []string{" east-sea ", "", "asean"}
		in.Countries = []string{"jp", " 035 ", ""}
		var a store.Article
		if err := content.ApplyArticle(&a, in, true); err != nil {
			t.Fatal(err)
		}
		if a.Slug != "asean-forum" || a.Kind != "statement" || a.Unit != "spokesperson" || a.SourceLang != "vi" || !a.Featured ||
			!a.PublishedAt.Equal(issued) || strings.Join(a.Topics, ",") != "east-sea,asean" || strings.Join(a.Countries, ",") != "JP,035" {
			t.Errorf("article %+v", a)
		}
		// An update leaves out what it does not name.
		if err := content.ApplyArticle(&a, content.ArticleInput{Unit: ptr("")}, false); err != nil || a.Unit != "" || a.Kind != "statement" || len(a.Topics) != 2 {
			t.Errorf("update: %v, %+v", err, a)
		}
	})
}

func TestCheckTranslation(t *testing.T) {
	deep := strings.Repeat("> ", markdown.MaxDepth+5) + "too deep"
	images := make([]store.Image, content.MaxImages+1)
	for i := range images {
		images[i] = store.Image{Src: "/media/a.png", Alt: "a"}
	}
	for _, tc := range []struct {
		name       string
		in         content.TranslationInput
		field, key string
		max        int
	}{
		{"no title", content.TranslationInput{Title: "  \n"}, "title", "portal_error_required", 0},
		{"title not UTF-8", content.TranslationInput{Title: "ti\xfftle"}, "title", "portal_error_text", 0},
		{"NUL in the body", content.TranslationInput{Title: "t", Body: "a\x00b"}, "body", "portal_error_text", 0},
		{"title too long", content.TranslationInput{Title: strings.Repeat("ế", content.MaxTitle+1)}, "title", "portal_error_too_long", content.MaxTitle},
		{"summary too long", content.TranslationInput{Title: "t", Summary: strings.Repeat("s", content.MaxSummary+1)}, "summary", "portal_error_too_long", content.MaxSummary},
		{"body too long", content.TranslationInput{Title: "t", Body: strings.Repeat("b", content.MaxBody+1)}, "body", "portal_error_too_long", content.MaxBody},
		{"Markdown too deep", content.TranslationInput{Title: "t", Body: deep}, "body", "portal_error_too_deep", markdown.MaxDepth},
		{"too many images", content.TranslationInput{Title: "t", Images: images}, "images", "portal_error_images", content.MaxImages},
		{"script address", content.TranslationInput{Title: "t", Images: []store.Image{{Src: "javascript:alert(1)", Alt: "x"}}}, "images", "portal_error_image_src", 0},
		{"plain http", content.TranslationInput{Title: "t", Images: []store.Image{{Src: "http://example.org/a.png", Alt: "x"}}}, "images", "portal_error_image_src", 0},
		{"media path escaping", content.TranslationInput{Title: "t", Images: []store.Image{{Src: "/media/../secret.key", Alt: "x"}}}, "images", "portal_error_image_src", 0},
		{"attribute injection", content.TranslationInput{Title: "t", Images: []store.Image{{Src: `https://e.org/a.png" onerror="x`, Alt: "x"}}}, "images", "portal_error_image_src", 0},
		{"no alt text", content.TranslationInput{Title: "t", Images: []store.Image{{Src: "/media/a.png", Alt: " "}}}, "images", "portal_error_image_alt", 0},
		{"alt text too long", content.TranslationInput{Title: "t", Images: []store.Image{{Src: "/media/a.png", Alt: strings.Repeat("a", content.MaxSummary+1)}}}, "images", "portal_error_image_alt", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := content.CheckTranslation("en", tc.in)
			data := wantInvalid(t, err, tc.field, tc.key)
			if tc.max != 0 && data["Max"] != tc.max {
				t.Errorf("data %v, want Max %d", data, tc.max)
			}
		})
	}
	t.Run("accepted and cleaned", func(t *testing.T) {
		tr, err := content.CheckTranslation("ar", content.TranslationInput{Title: "  بيان  ", Summary: " ملخص ", Body: "نص\n",
			Images: []store.Image{{}, {Src: " /media/ab.png ", Alt: " خريطة "}, {Src: "https://mofa.gov.vn/a.jpg", Alt: "a"}}})
		if err != nil {
			t.Fatal(err)
		}
		if tr.Lang != "ar" || tr.Title != "بيان" || tr.Summary != "ملخص" || tr.Body != "نص\n" || len(tr.Images) != 2 ||
			tr.Images[0] != (store.Image{Src: "/media/ab.png", Alt: "خريطة"}) {
			t.Errorf("translation %+v", tr)
		}
	})
}

func TestCheckNoteAndTopics(t *testing.T) {
	if err := content.CheckNote(strings.Repeat("n", content.MaxNote)); err != nil {
		t.Errorf("a note at the limit: %v", err)
	}
	wantInvalid(t, content.CheckNote(strings.Repeat("n", content.MaxNote+1)), "note", "portal_error_too_long")
	wantInvalid(t, content.CheckNote("\xff"), "note", "portal_error_too_long")

	if err := content.CheckTopic("east-sea"); err != nil {
		t.Errorf("a valid topic: %v", err)
	}
	for _, slug := range []string{"", "East-Sea", "east sea", strings.Repeat("a", content.MaxTopic+1), "a/../b"} {
		data := wantInvalid(t, content.CheckTopic(slug), "topic", "portal_error_topic")
		if data["Topic"] != slug {
			t.Errorf("%q: data %v", slug, data)
		}
	}
	if err := content.CheckTopicNames(map[string]string{"vi": "Biển Đông", "en": "East Sea"}); err != nil {
		t.Errorf("valid names: %v", err)
	}
	wantInvalid(t, content.CheckTopicNames(map[string]string{"de": "Ostmeer"}), "names", "portal_error_lang")
	wantInvalid(t, content.CheckTopicNames(map[string]string{"en": ""}), "names", "portal_error_required")
	wantInvalid(t, content.CheckTopicNames(map[string]string{"en": strings.Repeat("ế", content.MaxName+1)}), "names", "portal_error_required")
}

// Every rule's refusal is a problem of kind ErrInvalid, never an error the
// HTTP edge would answer with a 500.
func TestRefusalsAreInvalidProblems(t *testing.T) {
	_, err := content.CheckTranslation("en", content.TranslationInput{})
	if !errors.Is(err, fault.ErrInvalid) || errors.Is(err, fault.ErrInternal) {
		t.Errorf("%v is not of kind ErrInvalid", err)
	}
}

func TestParseRegion(t *testing.T) {
	for s, want := range map[string]bool{"JP": true, "VN": true, "035": true, "001": true, "jp": true, "XX": false, "": false, "JPN": false, "0350": false} {
		if _, ok := content.ParseRegion(s); ok != want {
			t.Errorf("ParseRegion(%q) = %v, want %v", s, ok, want)
		}
	}
	if got := content.ArticlePath("vi", "tuyên-bố"); got != "/vi/news/tuy%C3%AAn-b%E1%BB%91" {
		t.Errorf("ArticlePath = %q", got)
	}
}
