package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Version is the reviewable content of one version of a statement: what
// an approver reads, kept so that a later review can show what changed.
type Version struct {
	Variants  []Variant  `json:"variants"`
	Overrides []Override `json:"overrides,omitempty"`
}

// Comment kinds: a remark, a request for changes (the statement returned
// to its author), and the note an approver left with an approval.
const (
	CommentNote     = "comment"
	CommentChanges  = "changes"
	CommentApproved = "approved"
)

// Comment is one message of a statement's review thread.
type Comment struct {
	ID          int64
	StatementID int64
	UserID      int64
	Author      string
	Kind        string
	Body        string
	ContentHash string // the version the comment is about
	CreatedAt   time.Time
}

// RecordReview records that user opened the review of the statement's
// version hash, and keeps that version's content for later diffs. Opening
// it again changes nothing.
func (db *DB) RecordReview(ctx context.Context, statement, user int64, hash string, v Version) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("store: record review: %w", err)
	}
	now := db.nowUTC()
	return wrap("record review", db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO pub_versions (statement_id, content_hash, content, created_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (statement_id, content_hash) DO NOTHING`, statement, hash, string(b), now); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO pub_reviews (statement_id, user_id, content_hash, viewed_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (statement_id, user_id, content_hash) DO NOTHING`, statement, user, hash, now)
		return err
	}))
}

// Reviewed reports whether user opened the review of the statement's
// version hash.
func (db *DB) Reviewed(ctx context.Context, statement, user int64, hash string) (bool, error) {
	var n int
	err := db.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM pub_reviews WHERE statement_id = $1 AND user_id = $2 AND content_hash = $3`,
		statement, user, hash).Scan(&n)
	return n > 0, wrap("reviewed", err)
}

// GetVersion returns the content of a statement's version as it was
// reviewed, or ErrNotFound when no one reviewed that version.
func (db *DB) GetVersion(ctx context.Context, statement int64, hash string) (Version, error) {
	var s string
	if err := db.sql.QueryRowContext(ctx, `SELECT content FROM pub_versions WHERE statement_id = $1 AND content_hash = $2`,
		statement, hash).Scan(&s); err != nil {
		return Version{}, wrap("get version", err)
	}
	var v Version
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return Version{}, fmt.Errorf("store: get version: %w", err)
	}
	return v, nil
}

// ApprovedVersion is a version someone approved.
type ApprovedVersion struct {
	ContentHash string
	Actor       string
	At          time.Time
}

// LastApproved returns the version of a statement last approved, by
// anyone, as the audit log records approvals (they outlive the edits that
// void them); ErrNotFound when none was.
func (db *DB) LastApproved(ctx context.Context, statement int64) (ApprovedVersion, error) {
	var v ApprovedVersion
	err := db.sql.QueryRowContext(ctx, `SELECT content_hash, actor, at FROM pub_audit WHERE statement_id = $1 AND action = 'statement.approve'
		ORDER BY seq DESC LIMIT 1`, statement).Scan(&v.ContentHash, &v.Actor, &v.At)
	v.At = v.At.UTC()
	return v, wrap("last approved", err)
}

// AddComment adds c to its statement's thread. A request for changes
// (CommentChanges) also returns the statement, which must await approval
// in version c.ContentHash, to its authors as a draft: its approvals are
// void and its publications wait. ErrConflict means the statement is not
// awaiting approval in that version (edited, approved or withdrawn
// meanwhile). The audit entry a is recorded with it.
func (db *DB) AddComment(ctx context.Context, c Comment, a AuditEntry) (Comment, error) {
	c.CreatedAt = db.nowUTC()
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if c.Kind == CommentChanges {
			res, err := tx.ExecContext(ctx, `UPDATE pub_statements SET state = 'draft', updated_at = $3 WHERE id = $1 AND state = 'submitted'
				AND content_hash = $2 AND recall_state = ''`, c.StatementID, c.ContentHash, c.CreatedAt)
			if err != nil {
				return err
			}
			if mustAffect(res) != nil {
				return fmt.Errorf("%w: statement %d is not awaiting approval in this version", ErrConflict, c.StatementID)
			}
			for _, q := range []string{`DELETE FROM pub_approvals WHERE statement_id = $1`,
				`UPDATE pub_publications SET state = 'draft' WHERE statement_id = $1 AND state = 'submitted'`} {
				if _, err := tx.ExecContext(ctx, q, c.StatementID); err != nil {
					return err
				}
			}
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO pub_comments (statement_id, user_id, author, kind, body, content_hash, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, c.StatementID, c.UserID, c.Author, c.Kind, c.Body, c.ContentHash, c.CreatedAt).Scan(&c.ID); err != nil {
			return err
		}
		a.StatementID, a.ContentHash, a.Payload = c.StatementID, c.ContentHash, c.Body
		return db.appendAudit(ctx, tx, a)
	})
	if err != nil {
		return Comment{}, wrap("add comment", err)
	}
	return c, nil
}

const commentCols = `id, statement_id, user_id, author, kind, body, content_hash, created_at`

func scanComment(s interface{ Scan(...any) error }) (Comment, error) {
	var c Comment
	err := s.Scan(&c.ID, &c.StatementID, &c.UserID, &c.Author, &c.Kind, &c.Body, &c.ContentHash, &c.CreatedAt)
	c.CreatedAt = c.CreatedAt.UTC()
	return c, err
}

// ListComments returns a statement's thread, oldest first.
func (db *DB) ListComments(ctx context.Context, statement int64) ([]Comment, error) {
	var out []Comment
	err := eachRow(ctx, db.sql, func(rows *sql.Rows) error {
		c, err := scanComment(rows)
		out = append(out, c)
		return err
	}, `SELECT `+commentCols+` FROM pub_comments WHERE statement_id = $1 ORDER BY id`, statement)
	return out, wrap("list comments", err)
}

// OpenChangeRequests returns, for each draft statement whose last review
// message asked for changes, that message: the authors' to-do list.
func (db *DB) OpenChangeRequests(ctx context.Context, limit int) ([]Comment, error) {
	if limit <= 0 {
		limit = 50
	}
	var out []Comment
	err := eachRow(ctx, db.sql, func(rows *sql.Rows) error {
		c, err := scanComment(rows)
		out = append(out, c)
		return err
	}, `SELECT c.id, c.statement_id, c.user_id, c.author, c.kind, c.body, c.content_hash, c.created_at FROM pub_comments c
		JOIN pub_statements s ON s.id = c.statement_id
		WHERE s.state = 'draft' AND c.kind = 'changes'
			AND c.id = (SELECT MAX(l.id) FROM pub_comments l WHERE l.statement_id = c.statement_id AND l.kind <> 'comment')
		ORDER BY c.id DESC LIMIT $1`, limit)
	return out, wrap("open change requests", err)
}

// PublishNow lets the scheduler take the statement's cleared publications
// from now on instead of at their approved time, which stays as approved:
// the same claim, lease and idempotency keys publish them, so nothing can
// go out twice. Only publications scheduled, not held, not yet out and on
// a channel that is not paused move; it returns their ids, and
// ErrConflict when there is none or the statement is not cleared in
// version hash.
func (db *DB) PublishNow(ctx context.Context, statement int64, hash string, a AuditEntry) ([]int64, error) {
	now := db.nowUTC()
	var ids []int64
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var state, cur, recall string
		if err := tx.QueryRowContext(ctx, `SELECT state, content_hash, recall_state FROM pub_statements WHERE id = $1`+db.lockRow(), statement).Scan(&state, &cur, &recall); err != nil {
			return err
		}
		if state != StateScheduled || cur != hash || recall != "" {
			return fmt.Errorf("%w: statement %d is not cleared in this version", ErrConflict, statement)
		}
		var paused int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM pub_org_pause`).Scan(&paused); err != nil {
			return err
		}
		if paused > 0 {
			return fmt.Errorf("%w: publishing is paused", ErrConflict)
		}
		err := eachRow(ctx, tx, func(rows *sql.Rows) error {
			var id int64
			err := rows.Scan(&id)
			ids = append(ids, id)
			return err
		}, `SELECT p.id FROM pub_publications p JOIN pub_channels c ON c.id = p.channel_id WHERE p.statement_id = $1 AND p.state = 'scheduled'
			AND p.held = '' AND p.deleted_at IS NULL AND c.paused_at IS NULL ORDER BY p.id`, statement)
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			return fmt.Errorf("%w: statement %d has nothing waiting to publish", ErrConflict, statement)
		}
		marks := make([]string, len(ids))
		args := []any{now}
		for i, id := range ids {
			marks[i] = fmt.Sprintf("$%d", i+2)
			args = append(args, id)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE pub_publications SET publish_now_at = $1 WHERE id IN (`+strings.Join(marks, ", ")+`)
			AND state = 'scheduled'`, args...); err != nil {
			return err
		}
		a.StatementID, a.ContentHash = statement, hash
		return db.appendAudit(ctx, tx, a)
	})
	if err != nil {
		return nil, wrap("publish now", err)
	}
	return ids, nil
}
