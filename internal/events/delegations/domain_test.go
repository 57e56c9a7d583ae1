package delegations

import "testing"

// TitleIn falls back to the event's source language before the languages
// of the meeting and the registry's order.
func TestTitleInPrefersSource(t *testing.T) {
	e := EventInfo{Slug: "forum", Source: "fr", Languages: []string{"en", "fr"},
		Title: map[string]string{"ar": "منتدى", "en": "Forum", "fr": "Forum (fr)"}}
	for reader, want := range map[string]string{"en": "Forum", "ar": "منتدى", "vi": "Forum (fr)", "zh": "Forum (fr)"} {
		if got := e.TitleIn(reader); got != want {
			t.Errorf("%s: %q, want %q", reader, got, want)
		}
	}
	e.Source = "de"
	if got := e.TitleIn("vi"); got != "Forum" {
		t.Errorf("no source title: %q, want the first language of the meeting's", got)
	}
	if got := (EventInfo{Slug: "forum"}).TitleIn("vi"); got != "forum" {
		t.Errorf("no title: %q", got)
	}
}
