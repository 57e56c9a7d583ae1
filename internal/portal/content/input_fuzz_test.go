package content

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mofa-vn/chancery/internal/store"
)

// FuzzInput feeds arbitrary text to the checks of what editors, connectors
// and addresses submit: nothing panics, and what is accepted is clean.
func FuzzInput(f *testing.F) {
	for _, s := range []string{"JP", "035", "zz", "", "asean-forum", "javascript:alert(1)", "/media/../x", "https://example.org/a.png", "\xff"} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if reg, ok := ParseRegion(a); ok && (reg.String() != strings.ToUpper(a) || len(a) > 3) {
			t.Fatalf("ParseRegion(%q) = %v", a, reg)
		}
		tr, err := CheckTranslation("vi", TranslationInput{Title: a, Body: b, Images: []store.Image{{Src: a, Alt: b}}})
		if err != nil {
			return
		}
		if tr.Title == "" || !utf8.ValidString(tr.Title+tr.Body) {
			t.Fatalf("accepted %+v", tr)
		}
		for _, img := range tr.Images {
			if !strings.HasPrefix(img.Src, "https://") && !strings.HasPrefix(img.Src, "/media/") || strings.ContainsAny(img.Src, `"<> `) {
				t.Fatalf("accepted image %q", img.Src)
			}
		}
		var art store.Article
		if ApplyArticle(&art, ArticleInput{Slug: &a, Kind: &b, SourceLang: &b, Topics: []string{a}, Countries: []string{b}}, true) == nil {
			if !slugRE.MatchString(art.Slug) {
				t.Fatalf("accepted slug %q", art.Slug)
			}
		}
	})
}
