package portal

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/portal/markdown"
	"github.com/mofa-vn/chancery/internal/store"
)

// Kinds are the types of article, in menu order.
var Kinds = []string{"news", "press-release", "statement", "speech", "travel-advisory"}

// Units are the ministry's issuing units, named per language in the portal
// messages (portal_unit_…).
var Units = []string{"minister-office", "spokesperson", "press-department", "consular-department", "asean-department", "economic-department"}

// Limits on what editors submit.
const (
	maxTitle   = 300
	maxSummary = 1000
	maxBody    = 200_000
	maxNote    = 500
	maxImages  = 20
	maxTags    = 20
)

var slugRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// ArticleInput is an article's metadata as a form or the API submits it.
// Nil fields are left unchanged on update.
type ArticleInput struct {
	Slug       *string    `json:"slug"`
	Kind       *string    `json:"kind"`
	Unit       *string    `json:"unit"`
	SourceLang *string    `json:"source_lang"`
	Featured   *bool      `json:"featured"`
	Topics     []string   `json:"topics"`
	Countries  []string   `json:"countries"`
	IssuedAt   *time.Time `json:"issued_at"`
}

// TranslationInput is the text of one translation as submitted.
type TranslationInput struct {
	Title   string        `json:"title"`
	Summary string        `json:"summary"`
	Body    string        `json:"body"`
	Images  []store.Image `json:"images"`
}

func invalid(field, key string, data map[string]any) *fault.Problem {
	return &fault.Problem{Kind: fault.ErrInvalid, Key: key, Field: field, Data: data}
}

// applyArticle validates in and copies it onto a.
func applyArticle(a *store.Article, in ArticleInput, creating bool) error {
	if creating {
		if in.Slug == nil || !slugRE.MatchString(*in.Slug) || len(*in.Slug) > 120 {
			return invalid("slug", "portal_error_slug", nil)
		}
		a.Slug = *in.Slug
	} else if in.Slug != nil && *in.Slug != a.Slug {
		return invalid("slug", "portal_error_slug_fixed", nil)
	}
	if in.Kind != nil || creating {
		if in.Kind == nil || !slices.Contains(Kinds, *in.Kind) {
			return invalid("kind", "portal_error_kind", nil)
		}
		a.Kind = *in.Kind
	}
	if in.Unit != nil {
		if *in.Unit != "" && !slices.Contains(Units, *in.Unit) {
			return invalid("unit", "portal_error_unit", nil)
		}
		a.Unit = *in.Unit
	}
	if in.SourceLang != nil || creating {
		code := ""
		if in.SourceLang != nil {
			code = *in.SourceLang
		}
		if _, ok := lang.Lookup(code); !ok {
			return invalid("source_lang", "portal_error_lang", nil)
		}
		a.SourceLang = code
	}
	if in.Featured != nil {
		a.Featured = *in.Featured
	}
	if in.Topics != nil {
		var topics []string
		for _, t := range in.Topics {
			t = strings.TrimSpace(t)
			if t == "" {
				continue
			}
			if !slugRE.MatchString(t) || len(t) > 60 {
				return invalid("topics", "portal_error_topic", map[string]any{"Topic": t})
			}
			topics = append(topics, t)
		}
		if len(topics) > maxTags {
			return invalid("topics", "portal_error_topic", map[string]any{"Topic": topics[maxTags]})
		}
		a.Topics = topics
	}
	if in.Countries != nil {
		var cs []string
		for _, c := range in.Countries {
			c = strings.TrimSpace(c)
			if c == "" {
				continue
			}
			reg, ok := parseRegion(strings.ToUpper(c))
			if !ok {
				return invalid("countries", "portal_error_country", map[string]any{"Country": c})
			}
			cs = append(cs, reg.String())
		}
		if len(cs) > maxTags {
			return invalid("countries", "portal_error_country", map[string]any{"Country": cs[maxTags]})
		}
		a.Countries = cs
	}
	if in.IssuedAt != nil {
		a.PublishedAt = *in.IssuedAt
	}
	return nil
}

// translation validates in as the text of translation code.
func translation(code string, in TranslationInput) (store.ArticleTranslation, error) {
	t := store.ArticleTranslation{Lang: code, Title: strings.TrimSpace(in.Title), Summary: strings.TrimSpace(in.Summary), Body: in.Body}
	for _, f := range []struct {
		name, value string
		max         int
		required    bool
	}{{"title", t.Title, maxTitle, true}, {"summary", t.Summary, maxSummary, false}, {"body", t.Body, maxBody, false}} {
		if !utf8.ValidString(f.value) || strings.ContainsRune(f.value, 0) {
			return t, invalid(f.name, "portal_error_text", nil)
		}
		if f.required && f.value == "" {
			return t, invalid(f.name, "portal_error_required", nil)
		}
		if utf8.RuneCountInString(f.value) > f.max {
			return t, invalid(f.name, "portal_error_too_long", map[string]any{"Max": f.max})
		}
	}
	if markdown.Check(t.Body) != nil {
		return t, invalid("body", "portal_error_too_deep", map[string]any{"Max": markdown.MaxDepth})
	}
	if len(in.Images) > maxImages {
		return t, invalid("images", "portal_error_images", map[string]any{"Max": maxImages})
	}
	for _, img := range in.Images {
		img.Src, img.Alt = strings.TrimSpace(img.Src), strings.TrimSpace(img.Alt)
		if img.Src == "" && img.Alt == "" {
			continue
		}
		if !validImageSrc(img.Src) {
			return t, invalid("images", "portal_error_image_src", nil)
		}
		if img.Alt == "" || utf8.RuneCountInString(img.Alt) > maxSummary || !utf8.ValidString(img.Alt) {
			return t, invalid("images", "portal_error_image_alt", nil)
		}
		t.Images = append(t.Images, img)
	}
	return t, nil
}

// validImageSrc accepts the portal's own media and https URLs.
func validImageSrc(s string) bool {
	if strings.HasPrefix(s, "/media/") {
		return !strings.ContainsAny(s, " \"'<>\\") && !strings.Contains(s, "..")
	}
	return strings.HasPrefix(s, "https://") && !strings.ContainsAny(s, " \"'<>\\") && len(s) < 2000
}

func validNote(note string) error {
	if !utf8.ValidString(note) || utf8.RuneCountInString(note) > maxNote {
		return invalid("note", "portal_error_too_long", map[string]any{"Max": maxNote})
	}
	return nil
}

// createArticle validates and stores a new article, without translations.
func (h *Handlers) createArticle(ctx context.Context, in ArticleInput) (store.Article, error) {
	var a store.Article
	if err := applyArticle(&a, in, true); err != nil {
		return a, err
	}
	created, err := h.db.CreateArticle(ctx, a)
	if errors.Is(err, store.ErrConflict) {
		return a, &fault.Problem{Kind: fault.ErrConflict, Key: "portal_error_slug_taken", Field: "slug", Err: err}
	}
	return created, err
}

func (h *Handlers) updateArticle(ctx context.Context, a store.Article, in ArticleInput) (store.Article, error) {
	if err := applyArticle(&a, in, false); err != nil {
		return a, err
	}
	a, err := h.db.UpdateArticle(ctx, a)
	if err == nil {
		h.changed(ctx, Change{Slug: a.Slug, Origin: originFrom(ctx)})
	}
	return a, err
}
