package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// The speakers' list is kept per room and agenda item: requests in their
// order, a turn's times, state changes guarded by the state they leave
// (a lost race is a conflict, not an overwrite), the agenda item and the
// speaking times per role.
func TestFloorRequestsAndTurns(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		at := time.Date(2026, 11, 23, 5, 0, 0, 123456789, time.UTC)
		add := func(room, item, identity, kind string, pos int) store.FloorRequest {
			t.Helper()
			r, err := db.AddFloorRequest(ctx, store.FloorRequest{RoomSlug: room, AgendaItem: item, Identity: identity, Name: "N " + identity,
				Delegation: "D", Role: "delegate", Kind: kind, State: "pending", Position: pos, Limit: 3 * time.Minute, RequestedAt: at})
			if err != nil || r.ID == 0 {
				t.Fatalf("add: %v %+v", err, r)
			}
			return r
		}
		a := add("r1", "general", "vn", "speech", 0)
		b := add("r1", "general", "fr", "speech", 1)
		c := add("r1", "general", "jp", "point_of_order", 2)
		add("r1", "item-2", "vn", "speech", 0)
		add("r2", "general", "vn", "speech", 0)
		if _, err := db.AddFloorRequest(ctx, store.FloorRequest{RoomSlug: "r1", AgendaItem: "general", Identity: "x", Name: "X", Role: "delegate",
			Kind: "shout", State: "pending"}); err == nil {
			t.Error("a request of an unknown kind was stored")
		}

		if err := db.SetFloorOrder(ctx, "r1", "general", []int64{c.ID, a.ID, b.ID}); err != nil {
			t.Fatal(err)
		}
		got, err := db.FloorRequests(ctx, "r1", "general", 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 || got[0].ID != c.ID || got[1].ID != a.ID || got[2].ID != b.ID || got[0].Kind != "point_of_order" {
			t.Fatalf("list = %+v", got)
		}
		if !got[1].RequestedAt.Equal(at.Truncate(time.Microsecond)) || got[1].Limit != 3*time.Minute || got[1].Name != "N vn" {
			t.Errorf("request = %+v", got[1])
		}

		// c is granted and runs; a stale writer that still believes it
		// pending loses.
		c.State, c.GrantedAt, c.StartedAt, c.RunningSince, c.Language = "in_progress", at, at, at.Add(time.Second), "fr"
		if err := db.UpdateFloorRequest(ctx, c, "pending"); err != nil {
			t.Fatal(err)
		}
		stale := c
		stale.State = "denied"
		if err := db.UpdateFloorRequest(ctx, stale, "pending"); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("stale update: %v, want a conflict", err)
		}
		if err := db.UpdateFloorRequest(ctx, store.FloorRequest{ID: 99999, State: "denied"}, "pending"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing update: %v, want not found", err)
		}
		c.State, c.Elapsed, c.RunningSince, c.EndedAt, c.EndedBy = "completed", 95*time.Second, time.Time{}, at.Add(96*time.Second), "chair"
		if err := db.UpdateFloorRequest(ctx, c, "in_progress"); err != nil {
			t.Fatal(err)
		}
		a.State, a.EndedAt = "cancelled", at.Add(100*time.Second)
		if err := db.UpdateFloorRequest(ctx, a, "pending"); err != nil {
			t.Fatal(err)
		}
		got, err = db.FloorRequests(ctx, "r1", "general", 1)
		if err != nil {
			t.Fatal(err)
		}
		// The open one, then the last closed one.
		if len(got) != 2 || got[0].ID != b.ID || got[1].ID != a.ID {
			t.Fatalf("list after turns = %+v", got)
		}
		got, _ = db.FloorRequests(ctx, "r1", "general", 5)
		if len(got) != 3 || got[1].ID != c.ID {
			t.Fatalf("list with history = %+v", got)
		}
		turn := got[1]
		if turn.State != "completed" || turn.Elapsed != 95*time.Second || !turn.RunningSince.IsZero() || turn.Language != "fr" ||
			!turn.StartedAt.Equal(at.Truncate(time.Microsecond)) || turn.EndedBy != "chair" || turn.EndedAt.IsZero() {
			t.Errorf("turn = %+v", turn)
		}

		// Agenda item and speaking times.
		if item, err := db.FloorAgenda(ctx, "r1"); err != nil || item != "" {
			t.Fatalf("agenda before = %q %v", item, err)
		}
		for _, item := range []string{"item-2", "item-3"} {
			if err := db.SetFloorAgenda(ctx, "r1", item); err != nil {
				t.Fatal(err)
			}
		}
		if item, err := db.FloorAgenda(ctx, "r1"); err != nil || item != "item-3" {
			t.Fatalf("agenda = %q %v", item, err)
		}
		for _, d := range []time.Duration{time.Minute, 2 * time.Minute} {
			if err := db.SetFloorTime(ctx, "r1", "item-3", "delegate", d); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.SetFloorTime(ctx, "r1", "item-3", "chair", 0); err == nil {
			t.Error("a speaking time of zero was stored")
		}
		times, err := db.FloorTimes(ctx, "r1", "item-3")
		if err != nil || len(times) != 1 || times["delegate"] != 2*time.Minute {
			t.Fatalf("times = %v %v", times, err)
		}
		if times, _ := db.FloorTimes(ctx, "r2", "item-3"); len(times) != 0 {
			t.Errorf("r2 times = %v", times)
		}
	})
}
