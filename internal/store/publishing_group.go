package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
)

// groupCommit writes the scheduler's write-ahead records and confirmations
// of many publications in one transaction.
//
// Each of them appends to the hash-chained audit log, whose head row every
// writer locks until it commits: without grouping, publications queue
// behind one another's commit (a disk flush on PostgreSQL), two per
// publication, and an instance cannot publish faster than about one per
// two flushes. Grouped, one flush serves every publication waiting at that
// moment. Nothing is weaker: a caller returns only once its own records are
// committed, in the same transaction as their audit entries.
//
// Whoever finds no batch running leads: it commits what is queued, then
// hands what queued meanwhile to a new leader and returns.
type groupCommit struct {
	mu      sync.Mutex
	queue   []*groupOp
	running bool
}

// groupOp is one caller's work: fn runs inside the batch's transaction and
// returns the audit entry to append, or ErrLeaseLost or ErrPostClaimed
// found before writing anything (which fail this op alone) or another
// error (which fails the batch, after which every op is
// retried in a transaction of its own).
type groupOp struct {
	fn   func(ctx context.Context, tx *sql.Tx) (AuditEntry, error)
	err  error
	done chan struct{}
}

// maxGroup bounds one batch (12 audit columns a row stay far below both
// backends' limits on parameters).
const maxGroup = 128

// grouped runs fn and appends its audit entry as part of a group commit,
// and returns once they are committed or have failed.
func (db *DB) grouped(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) (AuditEntry, error)) error {
	op := &groupOp{fn: fn, done: make(chan struct{})}
	g := &db.group
	g.mu.Lock()
	g.queue = append(g.queue, op)
	lead := !g.running
	g.running = true
	g.mu.Unlock()
	if lead {
		db.leadGroup(context.WithoutCancel(ctx))
	}
	<-op.done
	return op.err
}

// leadGroup commits one batch, then passes the lead on if more is queued.
func (db *DB) leadGroup(ctx context.Context) {
	g := &db.group
	g.mu.Lock()
	n := min(len(g.queue), maxGroup)
	batch := g.queue[:n:n]
	g.queue = g.queue[n:]
	g.mu.Unlock()

	db.runGroup(ctx, batch)

	g.mu.Lock()
	if len(g.queue) == 0 {
		g.running = false
		g.mu.Unlock()
		return
	}
	g.mu.Unlock()
	go db.leadGroup(ctx)
}

func (db *DB) runGroup(ctx context.Context, batch []*groupOp) {
	defer func() {
		for _, op := range batch {
			close(op.done)
		}
	}()
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var entries []AuditEntry
		for _, op := range batch {
			e, err := op.fn(ctx, tx)
			switch {
			case errors.Is(err, ErrLeaseLost), errors.Is(err, ErrPostClaimed) && !isUniqueViolation(err):
				op.err = err
			case err != nil:
				return err
			default:
				entries = append(entries, e)
			}
		}
		return db.appendAudits(ctx, tx, entries)
	})
	if err == nil {
		return
	}
	// Something in the batch failed: give each op its own transaction, so
	// that one bad op fails alone.
	for _, op := range batch {
		op.err = db.inTx(ctx, func(tx *sql.Tx) error {
			e, err := op.fn(ctx, tx)
			if err != nil {
				return err
			}
			return db.appendAudit(ctx, tx, e)
		})
	}
}

// appendAudits adds entries at the end of the chain inside tx, in order,
// with one lock of the head, one insert and one head update.
func (db *DB) appendAudits(ctx context.Context, tx *sql.Tx, entries []AuditEntry) error {
	if len(entries) == 0 {
		return nil
	}
	for _, e := range entries {
		if e.Action == "" {
			return fmt.Errorf("audit entry without action")
		}
	}
	lock := ""
	if db.backend == BackendPostgres {
		lock = " FOR UPDATE"
	}
	var seq int64
	var prev string
	if err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM pub_audit_head WHERE id = 1`+lock).Scan(&seq, &prev); err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	now := db.nowUTC()
	var q strings.Builder
	q.WriteString(`INSERT INTO pub_audit (seq, at, actor_id, actor, action, statement_id, publication_id, content_hash,
		payload, response, prev_hash, hash) VALUES `)
	args := make([]any, 0, 12*len(entries))
	for i, e := range entries {
		seq++
		e.Seq, e.PrevHash, e.At = seq, prev, now
		e.Hash = auditHash(e)
		prev = e.Hash
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(")
		for j := range 12 {
			if j > 0 {
				q.WriteString(", ")
			}
			fmt.Fprintf(&q, "$%d", len(args)+j+1)
		}
		q.WriteString(")")
		args = append(args, e.Seq, e.At, nullID(e.ActorID), e.Actor, e.Action, nullID(e.StatementID), nullID(e.PublicationID), e.ContentHash,
			e.Payload, e.Response, e.PrevHash, e.Hash)
	}
	if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
		return fmt.Errorf("audit append: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE pub_audit_head SET seq = $1, hash = $2 WHERE id = 1`, seq, prev); err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	return nil
}
