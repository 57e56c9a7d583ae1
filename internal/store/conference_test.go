package store_test

import (
	"errors"
	"strings"
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

// TestRoomAuditChained (both backends): every room audit row is carried
// by an entry of the hash-chained audit log, and the chain's verification
// finds a row modified, deleted or added behind the log's back, even when
// the chain itself is untouched.
func TestRoomAuditChained(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			ctx := t.Context()
			o := storetest.Options(t, backend)
			db := storetest.OpenOptions(t, o)
			raw := storetest.Raw(t, o)
			at := time.Date(2026, 12, 7, 9, 0, 0, 123456789, time.FixedZone("ICT", 7*3600))
			for i, a := range []store.RoomAudit{
				{RoomSlug: "plenary", ActorIdentity: "chair", ActorName: "Chair", Action: "floor_grant", TargetIdentity: "vn-head", Detail: "request 3", CreatedAt: at},
				{RoomSlug: "plenary", ActorIdentity: "chair", ActorName: "Chair", Action: "vote_close", Detail: "vote 1: adopted (yes 2, no 1, abstain 0)"},
				{RoomSlug: "side", ActorIdentity: "staff:lan", ActorName: "Lan", Action: "whip_token_issue", Detail: "ingest"},
			} {
				if err := db.AddRoomAudit(ctx, a); err != nil {
					t.Fatalf("add %d: %v", i, err)
				}
			}
			n, err := db.VerifyAudit(ctx)
			if err != nil || n != 3 {
				t.Fatalf("verify: %d entries, %v", n, err)
			}
			es, err := db.ListAudit(ctx, store.AuditFilter{})
			if err != nil || len(es) != 3 || es[2].Action != "room.floor_grant" || es[2].Actor != "room:chair" ||
				!strings.Contains(es[2].Payload, `"detail":"request 3"`) || !strings.Contains(es[2].Payload, `"at":"2026-12-07T02:00:00.123456Z"`) {
				t.Fatalf("chained entries = %+v, %v", es, err)
			}

			broken := func(what string, seq int64) {
				t.Helper()
				_, err := db.VerifyAudit(ctx)
				b, ok := errors.AsType[*store.AuditBreak](err)
				if !ok || b.Seq != seq {
					t.Fatalf("%s: verify = %v, want a break at entry %d", what, err, seq)
				}
			}
			exec := func(q string, args ...any) {
				t.Helper()
				if _, err := raw.ExecContext(ctx, q, args...); err != nil {
					t.Fatal(err)
				}
			}
			// A detail rewritten, then put back.
			exec(`UPDATE room_audit SET detail = 'vote 1: rejected (yes 1, no 2, abstain 0)' WHERE audit_seq = 2`)
			broken("a modified detail", 2)
			exec(`UPDATE room_audit SET detail = 'vote 1: adopted (yes 2, no 1, abstain 0)' WHERE audit_seq = 2`)
			if _, err := db.VerifyAudit(ctx); err != nil {
				t.Fatalf("restored: %v", err)
			}
			// Another actor, another time, a row moved to another entry.
			exec(`UPDATE room_audit SET actor_identity = 'vn-head' WHERE audit_seq = 1`)
			broken("another actor", 1)
			exec(`UPDATE room_audit SET actor_identity = 'chair' WHERE audit_seq = 1`)
			exec(`UPDATE room_audit SET created_at = $1 WHERE audit_seq = 1`, at.Add(time.Hour))
			broken("another time", 1)
			exec(`UPDATE room_audit SET created_at = $1 WHERE audit_seq = 1`, at.UTC().Truncate(time.Microsecond))
			exec(`UPDATE room_audit SET audit_seq = NULL WHERE audit_seq = 3`)
			broken("a row unchained", 4)
			exec(`UPDATE room_audit SET audit_seq = 3 WHERE room_slug = 'side'`)
			if _, err := db.VerifyAudit(ctx); err != nil {
				t.Fatalf("restored: %v", err)
			}
			// A row deleted; a row added behind the log's back.
			exec(`DELETE FROM room_audit WHERE audit_seq = 2`)
			broken("a deleted row", 2)
			exec(`INSERT INTO room_audit (room_slug, actor_identity, actor_name, action, target_identity, detail, created_at, audit_seq)
				VALUES ('plenary', 'chair', 'Chair', 'vote_close', '', 'vote 1: adopted (yes 2, no 1, abstain 0)', $1, 2)`, at.UTC())
			broken("a row forged in its place", 2)
			exec(`DELETE FROM room_audit WHERE audit_seq = 2`)
			exec(`INSERT INTO room_audit (room_slug, actor_identity, actor_name, action, target_identity, detail, created_at)
				VALUES ('plenary', 'chair', 'Chair', 'mute', 'fr-head', '', $1)`, at.UTC())
			broken("a forged row and a deleted one", 4)
		})
	}
}
