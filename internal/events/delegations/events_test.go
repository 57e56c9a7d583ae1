package delegations

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// TestStoredEvents: the delegations area knows an event by its published
// titles, by its drafts only while none is published, and an unknown
// event is not found.
func TestStoredEvents(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		start := time.Date(2026, 12, 20, 9, 0, 0, 0, time.UTC)
		e, err := db.CreateEvent(t.Context(), store.Event{Slug: "mekong-forum", Zone: "Asia/Ho_Chi_Minh", StartsAt: start, EndsAt: start.Add(8 * time.Hour),
			StartLocal: "2026-12-20T16:00", EndLocal: "2026-12-21T00:00", Format: "virtual", Languages: []string{"vi", "en", "fr"}, SourceLang: "vi",
			Translations: map[string]store.EventTranslation{
				"vi": {Title: "Diễn đàn Mê Kông", Status: store.StatusDraft},
				"en": {Title: "Mekong Forum", Status: store.StatusDraft},
			}})
		if err != nil {
			t.Fatal(err)
		}
		events := StoredEvents(db)
		got, err := events(t.Context(), e.ID)
		want := EventInfo{ID: e.ID, Slug: "mekong-forum", Title: map[string]string{"vi": "Diễn đàn Mê Kông", "en": "Mekong Forum"},
			Languages: []string{"vi", "en", "fr"}, Source: "vi"}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("drafts only: %+v, %v; want %+v", got, err, want)
		}
		if _, err := db.SaveEventTranslation(t.Context(), e.ID, store.EventTranslation{Lang: "fr", Title: "Forum du Mékong", Status: store.StatusPublished}); err != nil {
			t.Fatal(err)
		}
		got, err = events(t.Context(), e.ID)
		if err != nil || !reflect.DeepEqual(got.Title, map[string]string{"fr": "Forum du Mékong"}) {
			t.Fatalf("one published: %+v, %v", got, err)
		}
		if _, err := events(t.Context(), e.ID+1000); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown event: %v", err)
		}
	})
}
