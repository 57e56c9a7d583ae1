package storetest

import (
	"database/sql"
	"path/filepath"
	"slices"
	"testing"

	"github.com/mofa-vn/chancery/internal/store"
)

// Raw opens the database of o behind the store's back, as a database
// administrator (or an intruder with the database's credentials) would. It
// is closed when the test ends.
func Raw(t testing.TB, o store.Options) *sql.DB {
	t.Helper()
	driver, dsn := "pgx", o.DatabaseURL
	if dsn == "" {
		driver, dsn = "sqlite", filepath.Join(o.DataDir, "chancery.db")
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatalf("storetest: raw open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TruncateAudit deletes the audit entries after entry keep and moves the
// head back to entry keep: the chain's own links still hold.
func TruncateAudit(t testing.TB, db *store.DB, raw *sql.DB, keep int64) {
	t.Helper()
	entries := auditEntries(t, db)
	if keep < 1 || keep >= int64(len(entries)) {
		t.Fatalf("storetest: truncate the audit log of %d entries to %d", len(entries), keep)
	}
	if _, err := raw.ExecContext(t.Context(), `DELETE FROM pub_audit WHERE seq > $1`, keep); err != nil {
		t.Fatalf("storetest: truncate audit: %v", err)
	}
	if _, err := raw.ExecContext(t.Context(), `UPDATE pub_audit_head SET seq = $1, hash = $2 WHERE id = 1`, keep, entries[keep-1].Hash); err != nil {
		t.Fatalf("storetest: truncate audit: %v", err)
	}
}

// RewriteAudit replaces the payload of entry seq and recomputes, with the
// store's own algorithm, the hash of that entry and of every later one, and
// the head: the chain's own links still hold.
func RewriteAudit(t testing.TB, db *store.DB, raw *sql.DB, seq int64, payload string) {
	t.Helper()
	entries := auditEntries(t, db)
	if seq < 1 || seq > int64(len(entries)) {
		t.Fatalf("storetest: rewrite entry %d of %d", seq, len(entries))
	}
	entries[seq-1].Payload = payload
	for i := seq - 1; i < int64(len(entries)); i++ {
		e := &entries[i]
		if i > 0 {
			e.PrevHash = entries[i-1].Hash
		}
		e.Hash = store.HashAuditEntry(*e)
		if _, err := raw.ExecContext(t.Context(), `UPDATE pub_audit SET payload = $1, prev_hash = $2, hash = $3 WHERE seq = $4`, e.Payload, e.PrevHash, e.Hash, e.Seq); err != nil {
			t.Fatalf("storetest: rewrite audit: %v", err)
		}
	}
	last := entries[len(entries)-1]
	if _, err := raw.ExecContext(t.Context(), `UPDATE pub_audit_head SET seq = $1, hash = $2 WHERE id = 1`, last.Seq, last.Hash); err != nil {
		t.Fatalf("storetest: rewrite audit: %v", err)
	}
}

// auditEntries returns the whole audit log, oldest first.
func auditEntries(t testing.TB, db *store.DB) []store.AuditEntry {
	t.Helper()
	entries, err := db.ListAudit(t.Context(), store.AuditFilter{Limit: 1 << 30})
	if err != nil {
		t.Fatalf("storetest: read audit: %v", err)
	}
	slices.Reverse(entries)
	for i, e := range entries {
		if e.Seq != int64(i+1) {
			t.Fatalf("storetest: audit entry %d at position %d", e.Seq, i+1)
		}
	}
	return entries
}
