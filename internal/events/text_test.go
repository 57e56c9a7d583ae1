package events

import (
	"testing"

	"github.com/mofa-vn/chancery/internal/store"
)

// A reader whose language has no published title gets the source
// language's, not English's nor the first in the registry's order, and
// never a draft next to a published text.
func TestTitleFallbackPrefersSource(t *testing.T) {
	e := store.Event{SourceLang: "fr", Translations: map[string]store.EventTranslation{
		"ar": {Title: "منتدى", Status: store.StatusPublished},
		"en": {Title: "Forum", Status: store.StatusPublished},
		"fr": {Title: "Forum (fr)", Status: store.StatusPublished},
		"zh": {Title: "论坛 (draft)", Status: store.StatusDraft},
	}}
	for _, tc := range []struct{ reader, want, in string }{
		{"en", "Forum", "en"},
		{"zh", "Forum (fr)", "fr"}, // a draft is not shown
		{"vi", "Forum (fr)", "fr"}, // nothing: the source, not ar (first) nor en
		{"es", "Forum (fr)", "fr"},
	} {
		got, in := Pick(titlesOf(e), tc.reader, e.SourceLang)
		if got != tc.want || in != tc.in {
			t.Errorf("reader %s: %q in %s, want %q in %s", tc.reader, got, in, tc.want, tc.in)
		}
	}
	// Nothing published yet: a staff calendar still shows the drafts,
	// the source's first.
	e.Translations = map[string]store.EventTranslation{"en": {Title: "Draft", Status: store.StatusDraft},
		"fr": {Title: "Brouillon", Status: store.StatusDraft}}
	if got, _ := Pick(titlesOf(e), "vi", "fr"); got != "Brouillon" {
		t.Errorf("drafts only: %q", got)
	}
}
