package store_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

func testEvent(slug string) store.Event {
	start := time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)
	return store.Event{Slug: slug, Zone: "Europe/Zurich", StartsAt: start, EndsAt: start.Add(48 * time.Hour),
		StartLocal: "2026-03-10T09:00", EndLocal: "2026-03-12T09:00", Format: "hybrid", Public: true, Languages: []string{"en", "fr"},
		SourceLang: "en", Translations: map[string]store.EventTranslation{
			"en": {Title: "Geneva Dialogue", Description: "Talks.", Status: store.StatusPublished},
			"fr": {Title: "Dialogue de Genève", Status: store.StatusDraft},
		}}
}

func TestEventsAndTranslations(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := t.Context()
		officer, err := db.CreateUser(ctx, account.User{Username: "po", DisplayName: "PO", Roles: []account.Role{account.RoleProtocolOfficer}})
		if err != nil {
			t.Fatal(err)
		}
		e := testEvent("geneva-dialogue")
		e.Organisers = []int64{officer.ID, officer.ID}
		e, err = db.CreateEvent(ctx, e)
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.GetEventBySlug(ctx, "geneva-dialogue")
		if err != nil || got.ID != e.ID || len(got.Organisers) != 1 || got.Organisers[0] != officer.ID || got.Zone != "Europe/Zurich" ||
			!got.Public || len(got.Languages) != 2 || got.Translations["fr"].State() != store.StatusDraft {
			t.Fatalf("got %+v, %v", got, err)
		}
		if !got.StartsAt.Equal(e.StartsAt) {
			t.Fatalf("start %v, want %v", got.StartsAt, e.StartsAt)
		}
		// A taken slug conflicts; an organiser who is no user is not
		// found, and nothing of that event is left behind.
		if _, err := db.CreateEvent(ctx, testEvent("geneva-dialogue")); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("taken slug: %v", err)
		}
		bad := testEvent("ghost")
		bad.Organisers = []int64{999999}
		if _, err := db.CreateEvent(ctx, bad); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown organiser: %v", err)
		}
		if _, err := db.GetEventBySlug(ctx, "ghost"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("half-saved event: %v", err)
		}
		// Changing the source text makes the French outdated until saved.
		clock.Advance(time.Minute)
		if _, err := db.SaveEventTranslation(ctx, e.ID, store.EventTranslation{Lang: "en", Title: "Geneva Dialogue 2026", Status: store.StatusPublished}); err != nil {
			t.Fatal(err)
		}
		got, _ = db.GetEvent(ctx, e.ID)
		if got.Translations["fr"].State() != store.StatusOutdated || got.Translations["en"].State() != store.StatusPublished {
			t.Fatalf("after a source change: %+v", got.Translations)
		}
		if _, err := db.SaveEventTranslation(ctx, e.ID, store.EventTranslation{Lang: "fr", Title: "Dialogue de Genève 2026", Status: store.StatusPublished}); err != nil {
			t.Fatal(err)
		}
		got, _ = db.GetEvent(ctx, e.ID)
		if got.Translations["fr"].State() != store.StatusPublished || !got.UpdatedAt.Equal(clock.Now().UTC().Truncate(time.Microsecond)) {
			t.Fatalf("after saving the French: %+v", got)
		}
		if _, err := db.SaveEventTranslation(ctx, 999999, store.EventTranslation{Lang: "fr", Title: "x", Status: store.StatusDraft}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("translation of no event: %v", err)
		}
		list, err := db.ListEvents(ctx)
		if err != nil || len(list) != 1 || list[0].Translations["en"].Title != "Geneva Dialogue 2026" {
			t.Fatalf("list %+v, %v", list, err)
		}
	})
}

func TestEventSessionsAndReleases(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := t.Context()
		e, err := db.CreateEvent(ctx, testEvent("asean-2026"))
		if err != nil {
			t.Fatal(err)
		}
		start := e.StartsAt
		s := store.EventSession{EventID: e.ID, Kind: store.SessionPlenary, Titles: map[string]string{"en": "Opening"},
			StartsAt: start, EndsAt: start.Add(time.Hour), StartLocal: "2026-03-10T09:00", EndLocal: "2026-03-10T10:00",
			Agenda: []store.AgendaItem{{Titles: map[string]string{"en": "Adoption of the agenda", "fr": "Adoption de l’ordre du jour"}}}}
		s, err = db.CreateEventSession(ctx, e.Slug, "Opening", s)
		if err != nil {
			t.Fatal(err)
		}
		// The session got a conference room of its own.
		room, err := db.GetRoomBySlug(ctx, s.RoomSlug)
		if err != nil || room.ID != s.RoomID || room.Title != "Opening" || s.Status != store.SessionScheduled || s.Sequence != 0 {
			t.Fatalf("session %+v, room %+v, %v", s, room, err)
		}
		// A second session shares the room; one in a room of another
		// event's is refused.
		s2 := s
		s2.Titles = map[string]string{"en": "Working session"}
		s2.Kind = store.SessionWorking
		s2, err = db.CreateEventSession(ctx, e.Slug, "WS", s2)
		if err != nil || s2.RoomID != s.RoomID {
			t.Fatalf("shared room: %+v, %v", s2, err)
		}
		other, _ := db.CreateRoom(ctx, store.Room{Slug: "elsewhere", Title: "Elsewhere"})
		s3 := s
		s3.RoomID = other.ID
		if _, err := db.CreateEventSession(ctx, e.Slug, "x", s3); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("room of no session of the event: %v", err)
		}
		// Saving unchanged keeps the sequence; a change raises it.
		same, err := db.UpdateEventSession(ctx, s)
		if err != nil || same.Sequence != 0 {
			t.Fatalf("unchanged: %+v, %v", same, err)
		}
		clock.Advance(time.Minute)
		moved := s
		moved.StartsAt, moved.EndsAt = start.Add(time.Hour), start.Add(2*time.Hour)
		moved.StartLocal, moved.EndLocal = "2026-03-10T10:00", "2026-03-10T11:00"
		moved, err = db.UpdateEventSession(ctx, moved)
		if err != nil || moved.Sequence != 1 || !moved.StartsAt.Equal(start.Add(time.Hour)) || moved.RoomID != s.RoomID {
			t.Fatalf("moved: %+v, %v", moved, err)
		}
		// Release 1, then cancel the session: the release keeps what the
		// public saw, the session stays, cancelled.
		r1, err := db.ReleaseTimetable(ctx, store.TimetableRelease{EventID: e.ID, Sessions: []store.EventSession{moved}})
		if err != nil || r1.Version != 1 {
			t.Fatalf("release 1: %+v, %v", r1, err)
		}
		if err := db.DeleteEventSession(ctx, e.ID, moved.ID); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("deleting a released session: %v", err)
		}
		cancelled := moved
		cancelled.Status = store.SessionCancelled
		if cancelled, err = db.UpdateEventSession(ctx, cancelled); err != nil || cancelled.Sequence != 2 {
			t.Fatalf("cancelled: %+v, %v", cancelled, err)
		}
		changes := []store.TimetableChange{{SessionID: moved.ID, Kind: "cancelled", Titles: moved.Titles, OldStart: moved.StartsAt}}
		r2, err := db.ReleaseTimetable(ctx, store.TimetableRelease{EventID: e.ID, Sessions: []store.EventSession{cancelled}, Changes: changes})
		if err != nil || r2.Version != 2 {
			t.Fatalf("release 2: %+v, %v", r2, err)
		}
		rels, err := db.ListReleases(ctx, e.ID)
		if err != nil || len(rels) != 2 || rels[0].Version != 2 || rels[1].Sessions[0].Status != store.SessionScheduled ||
			rels[0].Sessions[0].Status != store.SessionCancelled || rels[0].Changes[0].Kind != "cancelled" ||
			rels[0].Sessions[0].Agenda[0].Titles["fr"] != "Adoption de l’ordre du jour" || !rels[0].Changes[0].OldStart.Equal(moved.StartsAt) {
			t.Fatalf("releases %+v, %v", rels, err)
		}
		// A session never released may be deleted; its room stays.
		if err := db.DeleteEventSession(ctx, e.ID, s2.ID); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteEventSession(ctx, e.ID, s2.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("deleting twice: %v", err)
		}
		list, err := db.ListEventSessions(ctx, e.ID)
		if err != nil || len(list) != 1 || list[0].ID != moved.ID {
			t.Fatalf("sessions %+v, %v", list, err)
		}
		// A zone change moves the sessions with their wall times, each
		// raising its sequence.
		e.Zone = "Asia/Ho_Chi_Minh"
		later := cancelled
		later.StartsAt, later.EndsAt = start.Add(-5*time.Hour), start.Add(-4*time.Hour)
		if _, err := db.UpdateEvent(ctx, e, []store.EventSession{later}); err != nil {
			t.Fatal(err)
		}
		got, _ := db.GetEventSession(ctx, e.ID, moved.ID)
		if got.Sequence != 3 || !got.StartsAt.Equal(later.StartsAt) {
			t.Fatalf("after the zone change: %+v", got)
		}
	})
}

// TestReleaseVersionsUnderConcurrency releases one timetable from many
// goroutines at once: every release gets its own version, none lost.
func TestReleaseVersionsUnderConcurrency(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		e, err := db.CreateEvent(ctx, testEvent("burst"))
		if err != nil {
			t.Fatal(err)
		}
		const n = 8
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for range n {
			wg.Go(func() {
				_, err := db.ReleaseTimetable(ctx, store.TimetableRelease{EventID: e.ID})
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		ok := 0
		for err := range errs {
			if err == nil {
				ok++
			} else if !errors.Is(err, store.ErrConflict) {
				t.Errorf("release: %v", err)
			}
		}
		rels, err := db.ListReleases(ctx, e.ID)
		if err != nil || len(rels) != ok || ok == 0 {
			t.Fatalf("%d releases stored, %d succeeded, %v", len(rels), ok, err)
		}
		for i, r := range rels {
			if r.Version != ok-i {
				t.Fatalf("versions %+v", rels)
			}
		}
	})
}
