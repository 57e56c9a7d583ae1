package store_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// Changing or deleting any audit row is detected, and the first broken link
// is named.
func TestAuditChainDetectsTampering(t *testing.T) {
	for _, tc := range []struct {
		name    string
		tamper  string
		wantSeq int64
	}{
		{"modified payload", `UPDATE pub_audit SET payload = 'nothing happened' WHERE seq = 3`, 3},
		{"modified time", `UPDATE pub_audit SET at = at + interval '1 second' WHERE seq = 2`, 2},
		{"deleted middle row", `DELETE FROM pub_audit WHERE seq = 4`, 4},
		{"deleted last row", `DELETE FROM pub_audit WHERE seq = 5`, 5},
		{"rehashed row", `UPDATE pub_audit SET hash = prev_hash WHERE seq = 2`, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T, db *store.DB) {
				ctx := t.Context()
				for i := range 5 {
					if err := db.AppendAudit(ctx, store.AuditEntry{Actor: "alice", Action: "test", Payload: fmt.Sprint("payload ", i)}); err != nil {
						t.Fatal(err)
					}
				}
				if n, err := db.VerifyAudit(ctx); err != nil || n != 5 {
					t.Fatalf("intact chain: %d, %v", n, err)
				}
				q := tc.tamper
				if db.Backend() == store.BackendSQLite && tc.name == "modified time" {
					q = `UPDATE pub_audit SET at = '2030-01-01 00:00:00+00:00' WHERE seq = 2`
				}
				if err := db.ExecForTest(ctx, q); err != nil {
					t.Fatal(err)
				}
				_, err := db.VerifyAudit(ctx)
				var b *store.AuditBreak
				if !errors.As(err, &b) || b.Seq != tc.wantSeq {
					t.Fatalf("got %v, want a break at %d", err, tc.wantSeq)
				}
			})
		})
	}
}
