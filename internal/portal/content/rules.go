package content

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/language"

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
	MaxTitle   = 300
	MaxSummary = 1000 // also the longest alt text of an image
	MaxBody    = 200_000
	MaxNote    = 500
	MaxImages  = 20
	MaxTags    = 20 // topics, and countries, of one article
	MaxSlug    = 120
	MaxTopic   = 60 // the longest topic slug
	MaxName    = 100
)

// ImageTypes are the image formats the portal shows (those browsers
// show), by sniffed content type, with the extension their files get.
var ImageTypes = map[string]string{"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp"}

var slugRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// ValidSlug reports whether s may name an article: lower-case letters,
// digits and single hyphens, at most MaxSlug bytes.
func ValidSlug(s string) bool { return slugRE.MatchString(s) && len(s) <= MaxSlug }

// ValidTopic reports whether s may name a topic: a slug of at most
// MaxTopic bytes.
func ValidTopic(s string) bool { return slugRE.MatchString(s) && len(s) <= MaxTopic }

// ArticlePath is the public path of an article's page in a language, such
// as /en/news/east-sea-statement.
func ArticlePath(code, slug string) string { return "/" + code + "/news/" + url.PathEscape(slug) }

// ParseRegion accepts a country (JP) or a CLDR region group (035).
func ParseRegion(s string) (language.Region, bool) {
	if s == "" || len(s) > 3 {
		return language.Region{}, false
	}
	reg, err := language.ParseRegion(s)
	if err != nil || (!reg.IsCountry() && !reg.IsGroup()) || reg.String() != strings.ToUpper(s) {
		return language.Region{}, false
	}
	return reg, true
}

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

// ApplyArticle checks in and copies it onto a: a new article (creating)
// needs a slug, a kind and a source language; an existing one keeps its
// slug. It returns an ErrInvalid fault.Problem naming the field at fault.
func ApplyArticle(a *store.Article, in ArticleInput, creating bool) error {
	if creating {
		if in.Slug == nil || !ValidSlug(*in.Slug) {
			return fault.Invalid("slug", "portal_error_slug")
		}
		a.Slug = *in.Slug
	} else if in.Slug != nil && *in.Slug != a.Slug {
		return fault.Invalid("slug", "portal_error_slug_fixed")
	}
	if in.Kind != nil || creating {
		if in.Kind == nil || !slices.Contains(Kinds, *in.Kind) {
			return fault.Invalid("kind", "portal_error_kind")
		}
		a.Kind = *in.Kind
	}
	if in.Unit != nil {
		if *in.Unit != "" && !slices.Contains(Units, *in.Unit) {
			return fault.Invalid("unit", "portal_error_unit")
		}
		a.Unit = *in.Unit
	}
	if in.SourceLang != nil || creating {
		code := ""
		if in.SourceLang != nil {
			code = *in.SourceLang
		}
		if _, ok := lang.Lookup(code); !ok {
			return fault.Invalid("source_lang", "portal_error_lang")
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
			if !ValidTopic(t) {
				return fault.Invalid("topics", "portal_error_topic", "Topic", t)
			}
			topics = append(topics, t)
		}
		if len(topics) > MaxTags {
			return fault.Invalid("topics", "portal_error_topic", "Topic", topics[MaxTags])
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
			reg, ok := ParseRegion(strings.ToUpper(c))
			if !ok {
				return fault.Invalid("countries", "portal_error_country", "Country", c)
			}
			cs = append(cs, reg.String())
		}
		if len(cs) > MaxTags {
			return fault.Invalid("countries", "portal_error_country", "Country", cs[MaxTags])
		}
		a.Countries = cs
	}
	if in.IssuedAt != nil {
		a.PublishedAt = *in.IssuedAt
	}
	return nil
}

// CheckTranslation checks in as the text of translation code and returns
// it as stored: trimmed, without empty image rows. It returns an
// ErrInvalid fault.Problem naming the field at fault: text that is not
// valid UTF-8 or holds a NUL, a missing title, a field over its limit,
// Markdown nested too deep, too many images, an image at an address the
// portal does not show or without alt text.
func CheckTranslation(code string, in TranslationInput) (store.ArticleTranslation, error) {
	t := store.ArticleTranslation{Lang: code, Title: strings.TrimSpace(in.Title), Summary: strings.TrimSpace(in.Summary), Body: in.Body}
	for _, f := range []struct {
		name, value string
		max         int
		required    bool
	}{{"title", t.Title, MaxTitle, true}, {"summary", t.Summary, MaxSummary, false}, {"body", t.Body, MaxBody, false}} {
		if !utf8.ValidString(f.value) || strings.ContainsRune(f.value, 0) {
			return t, fault.Invalid(f.name, "portal_error_text")
		}
		if f.required && f.value == "" {
			return t, fault.Invalid(f.name, "portal_error_required")
		}
		if utf8.RuneCountInString(f.value) > f.max {
			return t, fault.Invalid(f.name, "portal_error_too_long", "Max", f.max)
		}
	}
	if markdown.Check(t.Body) != nil {
		return t, fault.Invalid("body", "portal_error_too_deep", "Max", markdown.MaxDepth)
	}
	if len(in.Images) > MaxImages {
		return t, fault.Invalid("images", "portal_error_images", "Max", MaxImages)
	}
	for _, img := range in.Images {
		img.Src, img.Alt = strings.TrimSpace(img.Src), strings.TrimSpace(img.Alt)
		if img.Src == "" && img.Alt == "" {
			continue
		}
		if !ValidImageSrc(img.Src) {
			return t, fault.Invalid("images", "portal_error_image_src")
		}
		if img.Alt == "" || utf8.RuneCountInString(img.Alt) > MaxSummary || !utf8.ValidString(img.Alt) {
			return t, fault.Invalid("images", "portal_error_image_alt")
		}
		t.Images = append(t.Images, img)
	}
	return t, nil
}

// ValidImageSrc accepts the portal's own media and https URLs.
func ValidImageSrc(s string) bool {
	if strings.HasPrefix(s, "/media/") {
		return !strings.ContainsAny(s, " \"'<>\\") && !strings.Contains(s, "..")
	}
	return strings.HasPrefix(s, "https://") && !strings.ContainsAny(s, " \"'<>\\") && len(s) < 2000
}

// CheckNote checks the note an editor gives a published version.
func CheckNote(note string) error {
	if !utf8.ValidString(note) || utf8.RuneCountInString(note) > MaxNote {
		return fault.Invalid("note", "portal_error_too_long", "Max", MaxNote)
	}
	return nil
}

// CheckTopic checks the slug of a topic.
func CheckTopic(slug string) error {
	if !ValidTopic(slug) {
		return fault.Invalid("topic", "portal_error_topic", "Topic", slug)
	}
	return nil
}

// CheckTopicNames checks a topic's names, one per language code.
func CheckTopicNames(names map[string]string) error {
	for code, name := range names {
		if _, ok := lang.Lookup(code); !ok {
			return fault.Invalid("names", "portal_error_lang")
		}
		if name == "" || utf8.RuneCountInString(name) > MaxName {
			return fault.Invalid("names", "portal_error_required")
		}
	}
	return nil
}
