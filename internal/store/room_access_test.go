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

func TestRoomStaffAssignments(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		a, _ := db.CreateRoom(ctx, store.Room{Slug: "plenary", Title: "Plenary"})
		b, _ := db.CreateRoom(ctx, store.Room{Slug: "side", Title: "Side event"})
		officer, err := db.CreateUser(ctx, account.User{Username: "officer", DisplayName: "Officer", Roles: []account.Role{account.RoleProtocolOfficer}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.GetRoomStaff(ctx, a.ID, officer.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unassigned: %v, want ErrNotFound", err)
		}
		if err := db.AssignRoomStaff(ctx, a.ID, officer.ID, false); err != nil {
			t.Fatal(err)
		}
		s, err := db.GetRoomStaff(ctx, a.ID, officer.ID)
		if err != nil || s.Moderator {
			t.Fatalf("assigned = %+v, %v", s, err)
		}
		// Assigning again changes the moderator flag, no duplicate.
		if err := db.AssignRoomStaff(ctx, a.ID, officer.ID, true); err != nil {
			t.Fatal(err)
		}
		staff, err := db.ListRoomStaff(ctx, a.ID)
		if err != nil || len(staff) != 1 || !staff[0].Moderator || staff[0].Username != "officer" {
			t.Fatalf("staff = %+v, %v", staff, err)
		}
		rooms, mod, err := db.ListRoomsOfStaff(ctx, officer.ID)
		if err != nil || len(rooms) != 1 || rooms[0].Slug != "plenary" || !mod[a.ID] {
			t.Fatalf("rooms of officer = %+v %v, %v", rooms, mod, err)
		}
		if _, err := db.GetRoomStaff(ctx, b.ID, officer.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("other room: %v, want ErrNotFound", err)
		}
		if err := db.AssignRoomStaff(ctx, b.ID, 9999, false); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown user: %v, want ErrNotFound", err)
		}
		if err := db.UnassignRoomStaff(ctx, a.ID, officer.ID); err != nil {
			t.Fatal(err)
		}
		if err := db.UnassignRoomStaff(ctx, a.ID, officer.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("second unassign: %v, want ErrNotFound", err)
		}
	})
}

func TestRoomTokensRevokedUntilExpiry(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := t.Context()
		room, _ := db.CreateRoom(ctx, store.Room{Slug: "plenary", Title: "Plenary"})
		other, _ := db.CreateRoom(ctx, store.Room{Slug: "side", Title: "Side"})
		admin, _ := db.CreateUser(ctx, account.User{Username: "admin", DisplayName: "Admin", Roles: []account.Role{account.RoleAdmin}})
		now := clock.Now()
		mk := func(id string, ttl time.Duration) {
			t.Helper()
			if err := db.CreateRoomToken(ctx, store.RoomToken{ID: id, RoomID: room.ID, Identity: "vn-" + id, Name: "N", Role: "delegate",
				IssuedBy: admin.ID, IssuedAt: now, ExpiresAt: now.Add(ttl)}); err != nil {
				t.Fatal(err)
			}
		}
		mk("short", time.Hour)
		mk("long", 48*time.Hour)
		mk("kept", time.Hour)
		if err := db.CreateRoomToken(ctx, store.RoomToken{ID: "short", RoomID: room.ID, Identity: "x", Name: "x", Role: "delegate",
			IssuedAt: now, ExpiresAt: now.Add(time.Hour)}); !errors.Is(err, store.ErrConflict) {
			t.Errorf("duplicate ID: %v, want ErrConflict", err)
		}
		// A token is revoked in its own room only.
		if err := db.RevokeRoomToken(ctx, other.ID, "short", admin.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("revoke through another room: %v, want ErrNotFound", err)
		}
		if err := db.RevokeRoomToken(ctx, room.ID, "nope", admin.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("revoke unknown: %v, want ErrNotFound", err)
		}
		clock.Advance(time.Minute)
		if err := db.RevokeRoomToken(ctx, room.ID, "short", admin.ID); err != nil {
			t.Fatal(err)
		}
		first, _ := db.GetRoomToken(ctx, room.ID, "short")
		clock.Advance(time.Minute)
		if err := db.RevokeRoomToken(ctx, room.ID, "short", 0); err != nil {
			t.Fatal(err)
		}
		again, _ := db.GetRoomToken(ctx, room.ID, "short")
		if !first.Revoked() || !again.RevokedAt.Equal(first.RevokedAt) || again.RevokedBy != admin.ID {
			t.Errorf("revoked = %+v then %+v; the first revocation stands", first, again)
		}
		if err := db.RevokeRoomToken(ctx, room.ID, "kept", 0); err != nil {
			t.Fatal(err)
		}
		got, err := db.RevokedRoomTokens(ctx, []string{"short", "long", "kept", "unknown"})
		slices.Sort(got)
		if err != nil || !slices.Equal(got, []string{"kept", "short"}) {
			t.Fatalf("revoked = %v, %v", got, err)
		}
		list, err := db.ListRoomTokens(ctx, room.ID)
		if err != nil || len(list) != 3 {
			t.Fatalf("list = %+v, %v", list, err)
		}

		// Past their expiry, unrevoked tokens go; revoked ones stay for a
		// day after the revocation, as rejoin tokens may outlive them.
		clock.Advance(2 * time.Hour)
		if n, err := db.PurgeRoomTokens(ctx); err != nil || n != 0 {
			t.Fatalf("purge = %d, %v; want nothing yet", n, err)
		}
		if list, _ := db.ListRoomTokens(ctx, room.ID); len(list) != 1 || list[0].ID != "long" {
			t.Errorf("unexpired = %+v", list)
		}
		clock.Advance(store.RevokedKeep)
		if n, err := db.PurgeRoomTokens(ctx); err != nil || n != 2 {
			t.Fatalf("purge = %d, %v; want the two revoked ones", n, err)
		}
		if got, _ := db.RevokedRoomTokens(ctx, []string{"short", "kept"}); len(got) != 0 {
			t.Errorf("still revoked after purge: %v", got)
		}
		if _, err := db.GetRoomToken(ctx, room.ID, "long"); err != nil {
			t.Errorf("the valid token went: %v", err)
		}
	})
}
