package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// AuditEntry is one line of the publishing audit log: who did what, when,
// to which statement or publication, the content hash it concerned, the
// exact payload sent and the raw response received.
type AuditEntry struct {
	Seq           int64
	At            time.Time
	ActorID       int64  // 0 for the scheduler
	Actor         string // username, or "scheduler:<instance>"
	Action        string
	StatementID   int64
	PublicationID int64
	ContentHash   string
	Payload       string
	Response      string
	PrevHash      string
	Hash          string
}

// auditHash chains e to the previous entry. Each field is length-prefixed
// so that no two different entries hash alike.
func auditHash(e AuditEntry) string {
	h := sha256.New()
	for _, f := range []string{e.PrevHash, strconv.FormatInt(e.Seq, 10), e.At.UTC().Format(time.RFC3339Nano),
		strconv.FormatInt(e.ActorID, 10), e.Actor, e.Action, strconv.FormatInt(e.StatementID, 10),
		strconv.FormatInt(e.PublicationID, 10), e.ContentHash, e.Payload, e.Response} {
		fmt.Fprintf(h, "%d:%s;", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// appendAudit adds e at the end of the chain inside tx. Locking the head
// row serialises appends across instances (PostgreSQL); SQLite's immediate
// transactions already do.
func (db *DB) appendAudit(ctx context.Context, tx *sql.Tx, e AuditEntry) error {
	_, err := db.appendAuditSeq(ctx, tx, e)
	return err
}

// appendAuditSeq is appendAudit, and returns the entry's number.
func (db *DB) appendAuditSeq(ctx context.Context, tx *sql.Tx, e AuditEntry) (int64, error) {
	if e.Action == "" {
		return 0, fmt.Errorf("audit entry without action")
	}
	lock := ""
	if db.backend == BackendPostgres {
		lock = " FOR UPDATE"
	}
	var seq int64
	var prev string
	if err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM pub_audit_head WHERE id = 1`+lock).Scan(&seq, &prev); err != nil {
		return 0, fmt.Errorf("audit head: %w", err)
	}
	e.Seq, e.PrevHash, e.At = seq+1, prev, db.nowUTC()
	e.Hash = auditHash(e)
	if _, err := tx.ExecContext(ctx, `INSERT INTO pub_audit (seq, at, actor_id, actor, action, statement_id, publication_id, content_hash,
		payload, response, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		e.Seq, e.At, nullID(e.ActorID), e.Actor, e.Action, nullID(e.StatementID), nullID(e.PublicationID), e.ContentHash,
		e.Payload, e.Response, e.PrevHash, e.Hash); err != nil {
		return 0, fmt.Errorf("audit append: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE pub_audit_head SET seq = $1, hash = $2 WHERE id = 1`, e.Seq, e.Hash); err != nil {
		return 0, fmt.Errorf("audit head: %w", err)
	}
	return e.Seq, nil
}

// AppendAudit records an action that changes nothing else in the store.
func (db *DB) AppendAudit(ctx context.Context, e AuditEntry) error {
	return wrap("append audit", db.inTx(ctx, func(tx *sql.Tx) error { return db.appendAudit(ctx, tx, e) }))
}

const auditCols = `seq, at, actor_id, actor, action, statement_id, publication_id, content_hash, payload, response, prev_hash, hash`

func scanAudit(s interface{ Scan(...any) error }) (AuditEntry, error) {
	var e AuditEntry
	var actor, st, pub sql.NullInt64
	err := s.Scan(&e.Seq, &e.At, &actor, &e.Actor, &e.Action, &st, &pub, &e.ContentHash, &e.Payload, &e.Response, &e.PrevHash, &e.Hash)
	e.ActorID, e.StatementID, e.PublicationID, e.At = actor.Int64, st.Int64, pub.Int64, e.At.UTC()
	return e, err
}

// AuditFilter narrows ListAudit.
type AuditFilter struct {
	StatementID   int64
	PublicationID int64
	Limit         int
}

// ListAudit returns audit entries, newest first.
func (db *DB) ListAudit(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	if f.Limit <= 0 {
		f.Limit = 200
	}
	rows, err := db.sql.QueryContext(ctx, `SELECT `+auditCols+` FROM pub_audit
		WHERE ($1 = 0 OR statement_id = $1) AND ($2 = 0 OR publication_id = $2) ORDER BY seq DESC LIMIT $3`, f.StatementID, f.PublicationID, f.Limit)
	if err != nil {
		return nil, wrap("list audit", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, wrap("list audit", err)
		}
		out = append(out, e)
	}
	return out, wrap("list audit", rows.Err())
}

// AuditBreak names the first link of the chain that does not hold.
type AuditBreak struct {
	Seq    int64 // the entry at fault (for a missing entry: the one expected)
	Reason string
}

func (b *AuditBreak) Error() string {
	return fmt.Sprintf("audit chain broken at entry %d: %s", b.Seq, b.Reason)
}

// VerifyAudit walks the whole chain and returns the number of entries that
// hold, and an *AuditBreak for the first broken link: an entry whose hash
// does not match its content, a gap in the numbering (a deleted entry), a
// link to the wrong predecessor, or a head that does not match the last
// entry (a deleted tail). Then it checks the rooms' audit (room_audit)
// against the entries that chain it: a row modified, deleted or added
// behind the log's back is a break too (verifyRoomAudit).
func (db *DB) VerifyAudit(ctx context.Context) (int64, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+auditCols+` FROM pub_audit ORDER BY seq`)
	if err != nil {
		return 0, wrap("verify audit", err)
	}
	defer rows.Close()
	var n int64
	prev := ""
	rooms := map[int64]string{} // the room audit's entries: seq → payload
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return n, wrap("verify audit", err)
		}
		if strings.HasPrefix(e.Action, roomAuditPrefix) {
			rooms[e.Seq] = e.Payload
		}
		switch {
		case e.Seq != n+1:
			return n, &AuditBreak{Seq: n + 1, Reason: fmt.Sprintf("entry %d is missing (next is %d)", n+1, e.Seq)}
		case e.PrevHash != prev:
			return n, &AuditBreak{Seq: e.Seq, Reason: "does not link to the previous entry"}
		case auditHash(e) != e.Hash:
			return n, &AuditBreak{Seq: e.Seq, Reason: "content does not match its hash (modified)"}
		}
		prev, n = e.Hash, e.Seq
	}
	if err := rows.Err(); err != nil {
		return n, wrap("verify audit", err)
	}
	var headSeq int64
	var headHash string
	if err := db.sql.QueryRowContext(ctx, `SELECT seq, hash FROM pub_audit_head WHERE id = 1`).Scan(&headSeq, &headHash); err != nil {
		return n, wrap("verify audit", err)
	}
	if headSeq != n || headHash != prev {
		return n, &AuditBreak{Seq: n + 1, Reason: fmt.Sprintf("the log ends at entry %d but %d were written (entries deleted at the end)", n, headSeq)}
	}
	return n, db.verifyRoomAudit(ctx, rooms, n)
}

// HashAuditEntry returns the hash that chains e to its predecessor
// (e.PrevHash), as the store computes it: anyone holding the log can
// recompute the chain, which is why its head is also signed outside the
// database (internal/checkpoint).
func HashAuditEntry(e AuditEntry) string { return auditHash(e) }

// AuditHead is the end of the audit chain: the number of entries written
// and the hash of the last one. Seq 0 is an empty log.
type AuditHead struct {
	Seq  int64
	Hash string
}

// GetAuditHead returns the head of the audit chain as the database records
// it.
func (db *DB) GetAuditHead(ctx context.Context) (AuditHead, error) {
	var h AuditHead
	err := db.sql.QueryRowContext(ctx, `SELECT seq, hash FROM pub_audit_head WHERE id = 1`).Scan(&h.Seq, &h.Hash)
	return h, wrap("audit head", err)
}

// AuditHashes returns the recorded hash of each entry of seqs that exists,
// and the highest sequence number present in the log (0 when empty).
func (db *DB) AuditHashes(ctx context.Context, seqs []int64) (map[int64]string, int64, error) {
	out := make(map[int64]string, len(seqs))
	var last sql.NullInt64
	if err := db.sql.QueryRowContext(ctx, `SELECT MAX(seq) FROM pub_audit`).Scan(&last); err != nil {
		return nil, 0, wrap("audit hashes", err)
	}
	// In slices, so that a log checked against many checkpoints needs a
	// few queries and never more parameters than a backend accepts.
	const chunk = 500
	for len(seqs) > 0 {
		n := min(len(seqs), chunk)
		part := seqs[:n]
		seqs = seqs[n:]
		args := make([]any, len(part))
		marks := make([]string, len(part))
		for i, s := range part {
			args[i], marks[i] = s, "$"+strconv.Itoa(i+1)
		}
		err := eachRow(ctx, db.sql, func(rows *sql.Rows) error {
			var s int64
			var h string
			if err := rows.Scan(&s, &h); err != nil {
				return err
			}
			out[s] = h
			return nil
		}, `SELECT seq, hash FROM pub_audit WHERE seq IN (`+strings.Join(marks, ", ")+`)`, args...)
		if err != nil {
			return nil, 0, wrap("audit hashes", err)
		}
	}
	return out, last.Int64, nil
}
