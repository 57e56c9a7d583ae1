package demo

import (
	"log/slog"
	"testing"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/auth"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

func TestLoad(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		cheap := auth.Argon2Params{Memory: 64, Time: 1, Threads: 1}
		svc, err := auth.NewService(auth.Params{DB: db, Log: slog.New(slog.DiscardHandler), Now: clock.Now, Argon2: cheap})
		if err != nil {
			t.Fatal(err)
		}
		ctx := t.Context()
		first, err := Load(ctx, db, svc)
		if err != nil {
			t.Fatal(err)
		}
		if len(first) != len(account.Roles) {
			t.Fatalf("%d demo sign-ins, want one per role", len(first))
		}
		for i, s := range first {
			if s.Roles[0] != account.Roles[i] {
				t.Errorf("sign-in %d has role %s, want %s", i, s.Roles[0], account.Roles[i])
			}
			if _, _, err := svc.SignIn(ctx, s.Username, s.Password, "192.0.2.1", "test"); err != nil {
				t.Errorf("demo sign-in %s: %v", s.Username, err)
			}
		}
		for _, l := range lang.All() {
			want := 0
			for _, a := range articles {
				if _, ok := a.Translations[l.Code]; ok {
					want++
				}
			}
			arts, err := db.LatestArticles(ctx, l.Code, 10)
			if err != nil || len(arts) != want || want < 2 {
				t.Fatalf("%s: %d articles, want %d, %v", l.Code, len(arts), want, err)
			}
			for _, a := range arts {
				if a.Lang != l.Code || a.Title == "" {
					t.Fatalf("%s: article %+v", l.Code, a)
				}
			}
		}
		if langs, err := db.PublishedLangs(ctx, "viet-nam-japan-political-consultations"); err != nil || len(langs) == len(lang.All()) {
			t.Errorf("the demo has no article missing translations: %v, %v", langs, err)
		}
		if p, err := db.GetPublished(ctx, correction.slug, correction.lang, 0); err != nil || p.Version != 2 || p.Note != correction.note {
			t.Errorf("demo correction: %+v, %v", p, err)
		}
		// The demo room, and one room per session of the demo event.
		rooms, err := db.ListRooms(ctx)
		if err != nil || len(rooms) != 1+len(demoSessions) || rooms[0].Slug != demoRoom {
			t.Fatalf("rooms %v %v", rooms, err)
		}
		ev, err := db.GetEventBySlug(ctx, demoEvent)
		if err != nil || len(ev.Translations) != len(lang.All()) || !ev.Public {
			t.Fatalf("demo event %+v, %v", ev, err)
		}
		rels, err := db.ListReleases(ctx, ev.ID)
		if err != nil || len(rels) != 1 || len(rels[0].Sessions) != 2 || rels[0].Sessions[0].RoomSlug == "" ||
			rels[0].Sessions[0].Titles["ar"] == "" || !rels[0].Sessions[0].StartsAt.After(clock.Now()) {
			t.Fatalf("demo timetable %+v, %v", rels, err)
		}
		// The demo protocol officer moderates the demo room, and only it.
		officer, _ := db.GetUserByUsername(ctx, "demo-protocol")
		if mine, mod, err := db.ListRoomsOfStaff(ctx, officer.ID); err != nil || len(mine) != 1 || mine[0].ID != rooms[0].ID || !mod[rooms[0].ID] {
			t.Fatalf("rooms of demo-protocol = %+v %v, %v", mine, mod, err)
		}
		// A demo loaded before assignments existed gets it on the next start.
		if err := db.UnassignRoomStaff(ctx, rooms[0].ID, officer.ID); err != nil {
			t.Fatal(err)
		}

		// A second start keeps the content and gives fresh passwords.
		second, err := Load(ctx, db, svc)
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := db.CountArticles(ctx); n != len(articles) {
			t.Fatalf("%d articles after a second load", n)
		}
		if es, _ := db.ListEvents(ctx); len(es) != 1 {
			t.Fatalf("%d events after a second load", len(es))
		}
		if s, err := db.GetRoomStaff(ctx, rooms[0].ID, officer.ID); err != nil || !s.Moderator {
			t.Errorf("demo-protocol not assigned again: %+v, %v", s, err)
		}
		if second[0].Password == first[0].Password {
			t.Fatal("demo passwords not renewed")
		}
		if _, _, err := svc.SignIn(ctx, first[0].Username, first[0].Password, "192.0.2.1", "test"); err == nil {
			t.Fatal("an old demo password still works")
		}
	})
}
