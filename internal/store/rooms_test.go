package store_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// A room keeps its titles by language and its schedule; an update replaces
// them all at once; archiving hides it from the default list, keeps its
// first date when repeated, and is undone; the staff's list shows it with
// its state.
func TestRoomTitlesScheduleArchive(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := t.Context()
		now := clock.Now()
		opens, closes := now.Add(time.Hour), now.Add(3*time.Hour)
		// The call events-core makes, with no title by language or schedule.
		plain, err := db.CreateRoom(ctx, store.Room{Slug: "session-1", Title: "Session 1"})
		if err != nil || plain.Titles != nil || !plain.OpensAt.IsZero() || plain.State(now) != store.RoomOpen {
			t.Fatalf("plain room = %+v, %v", plain, err)
		}
		r, err := db.CreateRoom(ctx, store.Room{Slug: "plenary", Title: "Plenary", Titles: map[string]string{"vi": "Phiên toàn thể", "ar": "الجلسة العامة"},
			OpensAt: opens, ClosesAt: closes})
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.GetRoomBySlug(ctx, "plenary")
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "created room", got, r)
		if got.TitleIn("ar") != "الجلسة العامة" || got.TitleIn("fr") != "Plenary" {
			t.Errorf("titles: ar %q, fr %q", got.TitleIn("ar"), got.TitleIn("fr"))
		}
		for _, c := range []struct {
			at   time.Time
			want store.RoomState
		}{{now, store.RoomScheduled}, {opens, store.RoomOpen}, {closes.Add(-time.Second), store.RoomOpen}, {closes, store.RoomClosed}} {
			if s := got.State(c.at); s != c.want {
				t.Errorf("state at %v = %s, want %s", c.at, s, c.want)
			}
		}

		// An update replaces every title and the schedule.
		if err := db.UpdateRoom(ctx, r.ID, store.RoomUpdate{Title: "Plenary session", Titles: map[string]string{"fr": "Séance plénière"}}); err != nil {
			t.Fatal(err)
		}
		got, _ = db.GetRoomBySlug(ctx, "plenary")
		if got.Title != "Plenary session" || len(got.Titles) != 1 || got.Titles["fr"] != "Séance plénière" || !got.OpensAt.IsZero() || !got.ClosesAt.IsZero() {
			t.Errorf("updated room = %+v", got)
		}
		wantErr(t, "update of an unknown room", db.UpdateRoom(ctx, 999999, store.RoomUpdate{Title: "x"}), store.ErrNotFound)

		// A title by language that breaks a constraint leaves nothing changed.
		err = db.UpdateRoom(ctx, r.ID, store.RoomUpdate{Title: "Changed", Titles: map[string]string{"en": "Plenary", "vi": ""}})
		if err == nil {
			t.Fatal("an empty title by language was stored")
		}
		if again, _ := db.GetRoomBySlug(ctx, "plenary"); again.Title != "Plenary session" || again.Titles["fr"] != "Séance plénière" {
			t.Errorf("a failed update left %+v", again)
		}

		// Archived: out of the default list, in the full one, still found by
		// slug; a second archive keeps the first date; unarchived comes back.
		officer, err := db.CreateUser(ctx, account.User{Username: "officer", DisplayName: "Officer", Roles: []account.Role{account.RoleChair}})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.AssignRoomStaff(ctx, r.ID, officer.ID, true); err != nil {
			t.Fatal(err)
		}
		if err := db.SetRoomArchived(ctx, r.ID, true); err != nil {
			t.Fatal(err)
		}
		first := stored(clock.Now())
		clock.Advance(time.Minute)
		if err := db.SetRoomArchived(ctx, r.ID, true); err != nil {
			t.Fatal(err)
		}
		rooms, err := db.ListRooms(ctx)
		if err != nil || len(rooms) != 1 || rooms[0].Slug != "session-1" {
			t.Fatalf("default list = %+v, %v", rooms, err)
		}
		all, err := db.ListAllRooms(ctx)
		if err != nil || len(all) != 2 || !all[1].ArchivedAt.Equal(first) || all[1].State(clock.Now()) != store.RoomArchived || all[1].Titles["fr"] != "Séance plénière" {
			t.Fatalf("full list = %+v, %v", all, err)
		}
		if a, err := db.RoomArchived(ctx, "plenary"); err != nil || !a {
			t.Errorf("RoomArchived = %v, %v", a, err)
		}
		if _, err := db.RoomArchived(ctx, "nowhere"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("RoomArchived of an unknown room: %v", err)
		}
		mine, mod, err := db.ListRoomsOfStaff(ctx, officer.ID)
		if err != nil || len(mine) != 1 || !mine[0].Archived() || !mod[r.ID] || mine[0].Titles["fr"] != "Séance plénière" {
			t.Fatalf("staff's rooms = %+v %v, %v", mine, mod, err)
		}
		if err := db.SetRoomArchived(ctx, r.ID, false); err != nil {
			t.Fatal(err)
		}
		if a, _ := db.RoomArchived(ctx, "plenary"); a {
			t.Error("still archived")
		}
		wantErr(t, "archive of an unknown room", db.SetRoomArchived(ctx, 999999, true), store.ErrNotFound)
	})
}

// Invitations issued for a list are recorded all at once or not at all, with
// the start of their window.
func TestCreateRoomTokensAllOrNothing(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := t.Context()
		r, err := db.CreateRoom(ctx, store.Room{Slug: "plenary", Title: "Plenary"})
		if err != nil {
			t.Fatal(err)
		}
		now := clock.Now()
		tok := func(id string) store.RoomToken {
			return store.RoomToken{ID: id, RoomID: r.ID, Identity: "id-" + id, Name: "N " + id, Role: "delegate", IssuedAt: now,
				NotBefore: now.Add(24 * time.Hour), ExpiresAt: now.Add(48 * time.Hour)}
		}
		if err := db.CreateRoomTokens(ctx, []store.RoomToken{tok("a"), tok("b")}); err != nil {
			t.Fatal(err)
		}
		// The second "a" is taken: "c" before it is not kept either.
		wantErr(t, "a list with a taken ID", db.CreateRoomTokens(ctx, []store.RoomToken{tok("c"), tok("a")}), store.ErrConflict)
		ts, err := db.ListRoomTokens(ctx, r.ID)
		if err != nil || len(ts) != 2 {
			t.Fatalf("tokens = %+v, %v", ts, err)
		}
		for _, x := range ts {
			if !x.NotBefore.Equal(stored(now.Add(24*time.Hour))) || x.ID == "c" {
				t.Errorf("token %+v", x)
			}
		}
		// A token of the command line has no window start.
		if err := db.CreateRoomToken(ctx, store.RoomToken{ID: "cli", RoomID: r.ID, Identity: "x", Name: "X", Role: "observer", IssuedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if x, err := db.GetRoomToken(ctx, r.ID, "cli"); err != nil || !x.NotBefore.IsZero() {
			t.Errorf("cli token = %+v, %v", x, err)
		}
	})
}

// A room's meeting languages are those staff set, in their order; without
// any, those of the events whose sessions it hosts (each once, a cancelled
// session's event left out); an unknown room has none.
func TestMeetingLanguages(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := t.Context()
		ev := testEvent("summit-2026")
		ev.Languages = []string{"en", "fr", "vi"}
		e, err := db.CreateEvent(ctx, ev)
		if err != nil {
			t.Fatal(err)
		}
		start := e.StartsAt
		s, err := db.CreateEventSession(ctx, e.Slug, "Plenary", store.EventSession{EventID: e.ID, Kind: store.SessionPlenary,
			Titles: map[string]string{"en": "Plenary"}, StartsAt: start, EndsAt: start.Add(time.Hour), StartLocal: "2026-03-10T09:00", EndLocal: "2026-03-10T10:00"})
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.MeetingLanguages(ctx, s.RoomSlug)
		if err != nil || !slices.Equal(got, []string{"en", "fr", "vi"}) {
			t.Fatalf("from the event: %v, %v", got, err)
		}
		room, err := db.GetRoomBySlug(ctx, s.RoomSlug)
		if err != nil || room.Languages != nil {
			t.Fatalf("room %+v, %v", room, err)
		}
		if err := db.SetRoomLanguages(ctx, room.ID, []string{"ar", "zh", "sgn"}); err != nil {
			t.Fatal(err)
		}
		got, err = db.MeetingLanguages(ctx, s.RoomSlug)
		if err != nil || !slices.Equal(got, []string{"ar", "zh", "sgn"}) {
			t.Fatalf("set by staff: %v, %v", got, err)
		}
		if room, _ = db.GetRoomBySlug(ctx, s.RoomSlug); !slices.Equal(room.Languages, []string{"ar", "zh", "sgn"}) {
			t.Errorf("room languages %v", room.Languages)
		}
		if err := db.SetRoomLanguages(ctx, room.ID, nil); err != nil {
			t.Fatal(err)
		}
		if got, _ = db.MeetingLanguages(ctx, s.RoomSlug); !slices.Equal(got, []string{"en", "fr", "vi"}) {
			t.Errorf("cleared: %v, want the event's again", got)
		}
		if err := db.SetRoomLanguages(ctx, 999999, []string{"en"}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("languages of no room: %v", err)
		}
		if got, err := db.MeetingLanguages(ctx, "no-such-room"); err != nil || got != nil {
			t.Errorf("unknown room: %v, %v", got, err)
		}
	})
}
