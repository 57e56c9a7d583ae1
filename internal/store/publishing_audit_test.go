package store_test

import (
	"testing"

	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// AuditHashes answers for more positions than one query may carry, leaves
// out those the log does not hold, and names the last entry; GetAuditHead
// is the last entry.
func TestAuditHashesAndHead(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		if h, err := db.GetAuditHead(ctx); err != nil || h.Seq != 0 {
			t.Fatalf("empty log head: %+v, %v", h, err)
		}
		if hs, last, err := db.AuditHashes(ctx, []int64{1}); err != nil || len(hs) != 0 || last != 0 {
			t.Fatalf("empty log: %v %d %v", hs, last, err)
		}
		const n = 1100
		for range n {
			if err := db.AppendAudit(ctx, store.AuditEntry{Actor: "olivia", Action: "test"}); err != nil {
				t.Fatal(err)
			}
		}
		var seqs []int64
		for s := int64(1); s <= n+100; s++ {
			seqs = append(seqs, s)
		}
		hs, last, err := db.AuditHashes(ctx, seqs)
		if err != nil || last != n || len(hs) != n {
			t.Fatalf("%d hashes, last %d, %v; want %d", len(hs), last, err, n)
		}
		entries, err := db.ListAudit(ctx, store.AuditFilter{Limit: 1})
		if err != nil || len(entries) != 1 {
			t.Fatal(entries, err)
		}
		head, err := db.GetAuditHead(ctx)
		if err != nil || head.Seq != n || head.Hash != entries[0].Hash || hs[n] != head.Hash || store.HashAuditEntry(entries[0]) != head.Hash {
			t.Fatalf("head %+v, last entry %+v, hash at %d %s", head, entries[0], n, hs[n])
		}
	})
}
