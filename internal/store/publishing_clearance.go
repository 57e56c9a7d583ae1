package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ErrOwnEdit means an approver wrote the statement, or changed its content
// since it was last cleared: for that content they are an author, and an
// author does not approve.
var ErrOwnEdit = errors.New("store: approver is an author of this version")

// lockRow is appended to a SELECT of the row a transaction is about to
// change: on PostgreSQL it locks the row, so that concurrent saves,
// approvals and moves of one statement run one after the other (READ
// COMMITTED would otherwise let an approval read one version and mark
// another cleared). SQLite's immediate transactions already serialise
// writers.
func (db *DB) lockRow() string {
	if db.backend == BackendPostgres {
		return " FOR UPDATE"
	}
	return ""
}

// recordEdit notes, in tx, that user changed statement id's content to hash.
func recordEdit(ctx context.Context, tx *sql.Tx, id, user int64, hash string, at time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO pub_edits (statement_id, user_id, content_hash, created_at) VALUES ($1, $2, $3, $4)`,
		id, nullID(user), hash, at)
	return err
}

// editedSinceCleared reports whether user changed statement id's content
// since its last clearance (or since it was created).
func editedSinceCleared(ctx context.Context, q querier, id, user int64) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM pub_edits WHERE statement_id = $1 AND user_id = $2 AND NOT cleared`, id, user).Scan(&n)
	return n > 0, err
}

// StatementAuthors returns the authors of a statement's current content: its
// creator and everyone who changed it since it was last cleared. None of
// them may approve it.
func (db *DB) StatementAuthors(ctx context.Context, id int64) ([]int64, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT author_id FROM pub_statements WHERE id = $1
		UNION SELECT user_id FROM pub_edits WHERE statement_id = $1 AND NOT cleared AND user_id IS NOT NULL`, id)
	if err != nil {
		return nil, wrap("statement authors", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var u int64
		if err := rows.Scan(&u); err != nil {
			return nil, wrap("statement authors", err)
		}
		out = append(out, u)
	}
	return out, wrap("statement authors", rows.Err())
}

// Move is a person's change of one publication's due time.
type Move struct {
	Publication int64
	At          time.Time
	// OldHash is the statement's content hash the move was computed from,
	// NewHash its hash with the publication at At: approvals cover every
	// target's time, so a move is an edit.
	OldHash, NewHash string
	// Editor is the person moving it.
	Editor int64
}

// MovePublication moves a publication that is not out yet to m.At. The
// time is part of what approvals cover, so the move is an edit: the
// statement's approvals are void, a statement awaiting approval or cleared
// goes back to awaiting approval (its publications with it), and the editor
// becomes one of its authors. It reports whether an approval or a
// clearance was voided. ErrConflict means the publication is out or moving,
// or the statement changed since OldHash was read.
func (db *DB) MovePublication(ctx context.Context, m Move, a AuditEntry) (voided bool, err error) {
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		var st int64
		var state, hash string
		if err := tx.QueryRowContext(ctx, `SELECT statement_id FROM pub_publications WHERE id = $1`, m.Publication).Scan(&st); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT state, content_hash FROM pub_statements WHERE id = $1`+db.lockRow(), st).Scan(&state, &hash); err != nil {
			return err
		}
		if hash != m.OldHash {
			return fmt.Errorf("%w: statement %d changed meanwhile", ErrConflict, st)
		}
		res, err := tx.ExecContext(ctx, `UPDATE pub_publications SET due_at = $2, next_attempt_at = NULL, held = '' WHERE id = $1
			AND state IN ('draft', 'submitted', 'scheduled')`, m.Publication, dbTime(m.At))
		if err != nil {
			return err
		}
		if err := mustAffect(res); err != nil {
			return fmt.Errorf("%w: publication %d cannot move", ErrConflict, m.Publication)
		}
		now := db.nowUTC()
		newState := state
		if state == StateSubmitted || state == StateScheduled {
			newState = StateSubmitted
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM pub_approvals WHERE statement_id = $1`, st).Scan(&n); err != nil {
				return err
			}
			voided = n > 0 || state == StateScheduled
			if _, err := tx.ExecContext(ctx, `DELETE FROM pub_approvals WHERE statement_id = $1`, st); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE pub_publications SET state = 'submitted', held = '' WHERE statement_id = $1 AND state = 'scheduled'`, st); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE pub_statements SET state = $2, content_hash = $3, updated_at = $4 WHERE id = $1`,
			st, newState, m.NewHash, now); err != nil {
			return err
		}
		if err := recordEdit(ctx, tx, st, m.Editor, m.NewHash, now); err != nil {
			return err
		}
		a.StatementID, a.PublicationID, a.ContentHash = st, m.Publication, m.NewHash
		return db.appendAudit(ctx, tx, a)
	})
	return voided, wrap("move publication", err)
}
