package store_test

import (
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

func TestRoomChatHistoryAndAudit(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		at := time.Date(2026, 11, 23, 5, 0, 0, 0, time.FixedZone("ICT", 7*3600))
		for i, body := range []string{"one", "two", "three"} {
			m, err := db.AddRoomChat(ctx, store.RoomChat{RoomSlug: "r1", Identity: "vn-1", Name: "Lan", Delegation: "Viet Nam", Body: body, CreatedAt: at.Add(time.Duration(i) * time.Second)})
			if err != nil || m.ID == 0 {
				t.Fatalf("add: %v %+v", err, m)
			}
		}
		if _, err := db.AddRoomChat(ctx, store.RoomChat{RoomSlug: "r2", Identity: "x", Name: "X", Body: "other room"}); err != nil {
			t.Fatal(err)
		}
		got, err := db.RecentRoomChat(ctx, "r1", 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Body != "two" || got[1].Body != "three" || got[1].Delegation != "Viet Nam" {
			t.Fatalf("recent = %+v", got)
		}
		if !got[0].CreatedAt.Equal(at.Add(time.Second)) || got[0].CreatedAt.Location() != time.UTC {
			t.Errorf("time = %v", got[0].CreatedAt)
		}

		if err := db.AddRoomAudit(ctx, store.RoomAudit{RoomSlug: "r1", ActorIdentity: "chair", ActorName: "Chair", Action: "mute", TargetIdentity: "vn-1", Detail: "microphone"}); err != nil {
			t.Fatal(err)
		}
		as, err := db.ListRoomAudit(ctx, "r1")
		if err != nil || len(as) != 1 || as[0].Action != "mute" || as[0].TargetIdentity != "vn-1" {
			t.Fatalf("audit = %+v %v", as, err)
		}
		if as, _ := db.ListRoomAudit(ctx, "r2"); len(as) != 0 {
			t.Errorf("r2 audit = %+v", as)
		}
	})
}
