package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

const statementCols = `id, author_id, category, sensitive, state, due_at, embargo_until, article_url, content_hash,
	approvals_needed, recall_state, recall_by, recall_reason, created_at, updated_at, corrects,
	recall_mode, recall_requested_at, recall_approved_by, recall_done_at`

func scanStatement(s interface{ Scan(...any) error }) (Statement, error) {
	var st Statement
	var due, emb, recallAsked, recallDone sql.NullTime
	var recallBy, corrects, recallApprover sql.NullInt64
	err := s.Scan(&st.ID, &st.AuthorID, &st.Category, &st.Sensitive, &st.State, &due, &emb, &st.ArticleURL, &st.ContentHash,
		&st.ApprovalsNeeded, &st.RecallState, &recallBy, &st.RecallReason, &st.CreatedAt, &st.UpdatedAt, &corrects,
		&st.RecallMode, &recallAsked, &recallApprover, &recallDone)
	st.DueAt, st.EmbargoUntil, st.RecallBy, st.Corrects = fromNull(due), fromNull(emb), recallBy.Int64, corrects.Int64
	st.RecallRequestedAt, st.RecallApprovedBy, st.RecallDoneAt = fromNull(recallAsked), recallApprover.Int64, fromNull(recallDone)
	st.CreatedAt, st.UpdatedAt = st.CreatedAt.UTC(), st.UpdatedAt.UTC()
	return st, err
}

// SaveStatement creates st (ID 0) or replaces its content, variants,
// overrides, media and targets. Saving returns the statement to draft and
// voids every approval: an approval covers one version only. A save that
// changes the content hash records its editor (the audit entry's actor) as
// an author of the new version (StatementAuthors). A statement
// with a publication already out cannot be edited (ErrConflict).
func (db *DB) SaveStatement(ctx context.Context, st Statement, a AuditEntry) (Statement, error) {
	now := db.nowUTC()
	st.UpdatedAt, st.State = now, StateDraft
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		oldHash := ""
		if st.ID == 0 {
			st.CreatedAt = now
			if err := tx.QueryRowContext(ctx, `INSERT INTO pub_statements (author_id, category, sensitive, state, due_at, embargo_until,
				article_url, content_hash, approvals_needed, created_at, updated_at, corrects)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11) RETURNING id`,
				st.AuthorID, st.Category, st.Sensitive, st.State, nullTime(st.DueAt), nullTime(st.EmbargoUntil),
				st.ArticleURL, st.ContentHash, st.ApprovalsNeeded, now, nullID(st.Corrects)).Scan(&st.ID); err != nil {
				return err
			}
		} else {
			if err := tx.QueryRowContext(ctx, `SELECT content_hash FROM pub_statements WHERE id = $1`+db.lockRow(), st.ID).Scan(&oldHash); err != nil {
				return err
			}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM pub_publications WHERE statement_id = $1
				AND state IN ('publishing', 'published', 'needs-check')`, st.ID).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return fmt.Errorf("%w: statement %d is already being published", ErrConflict, st.ID)
			}
			res, err := tx.ExecContext(ctx, `UPDATE pub_statements SET category = $2, sensitive = $3, state = $4, due_at = $5,
				embargo_until = $6, article_url = $7, content_hash = $8, approvals_needed = $9, updated_at = $10 WHERE id = $1`,
				st.ID, st.Category, st.Sensitive, st.State, nullTime(st.DueAt), nullTime(st.EmbargoUntil), st.ArticleURL,
				st.ContentHash, st.ApprovalsNeeded, now)
			if err != nil {
				return err
			}
			if err := mustAffect(res); err != nil {
				return err
			}
			for _, q := range []string{`DELETE FROM pub_variants WHERE statement_id = $1`, `DELETE FROM pub_overrides WHERE statement_id = $1`,
				`DELETE FROM pub_media WHERE statement_id = $1`, `DELETE FROM pub_approvals WHERE statement_id = $1`} {
				if _, err := tx.ExecContext(ctx, q, st.ID); err != nil {
					return err
				}
			}
		}
		for _, v := range st.Variants {
			if _, err := tx.ExecContext(ctx, `INSERT INTO pub_variants (statement_id, lang, title, body) VALUES ($1, $2, $3, $4)`,
				st.ID, v.Lang, v.Title, v.Body); err != nil {
				return err
			}
		}
		for _, o := range st.Overrides {
			if _, err := tx.ExecContext(ctx, `INSERT INTO pub_overrides (statement_id, channel_id, lang, body) VALUES ($1, $2, $3, $4)`,
				st.ID, o.ChannelID, o.Lang, o.Body); err != nil {
				return err
			}
		}
		for i, m := range st.Media {
			if err := tx.QueryRowContext(ctx, `INSERT INTO pub_media (statement_id, position, filename, content_type, data, alts)
				VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, st.ID, i, m.Filename, m.ContentType, m.Data, marshalAlts(m.Alts)).Scan(&st.Media[i].ID); err != nil {
				return err
			}
		}
		// Targets: keep the publications of kept channels (their history),
		// add new ones, drop those of removed channels.
		if _, err := tx.ExecContext(ctx, `DELETE FROM pub_publications WHERE statement_id = $1 AND state IN ('draft', 'submitted', 'approved', 'scheduled', 'failed')`, st.ID); err != nil {
			return err
		}
		for _, ch := range st.Targets {
			if _, err := tx.ExecContext(ctx, `INSERT INTO pub_publications (statement_id, channel_id, state, due_at) VALUES ($1, $2, 'draft', $3)`,
				st.ID, ch, nullTime(st.DueAt)); err != nil {
				return err
			}
		}
		if st.ContentHash != oldHash {
			if err := recordEdit(ctx, tx, st.ID, a.ActorID, st.ContentHash, now); err != nil {
				return err
			}
		}
		a.StatementID, a.ContentHash = st.ID, st.ContentHash
		return db.appendAudit(ctx, tx, a)
	})
	if err != nil {
		return Statement{}, wrap("save statement", err)
	}
	return st, nil
}

// GetStatement returns a statement with its variants, overrides, media
// and targets.
func (db *DB) GetStatement(ctx context.Context, id int64) (Statement, error) {
	st, err := scanStatement(db.sql.QueryRowContext(ctx, `SELECT `+statementCols+` FROM pub_statements WHERE id = $1`, id))
	if err != nil {
		return Statement{}, wrap(fmt.Sprintf("get statement %d", id), err)
	}
	if err := db.loadStatementParts(ctx, &st); err != nil {
		return Statement{}, wrap(fmt.Sprintf("get statement %d", id), err)
	}
	return st, nil
}

func (db *DB) loadStatementParts(ctx context.Context, st *Statement) error {
	err := eachRow(ctx, db.sql, func(rows *sql.Rows) error {
		var v Variant
		if err := rows.Scan(&v.Lang, &v.Title, &v.Body); err != nil {
			return err
		}
		st.Variants = append(st.Variants, v)
		return nil
	}, `SELECT lang, title, body FROM pub_variants WHERE statement_id = $1`, st.ID)
	if err != nil {
		return err
	}
	err = eachRow(ctx, db.sql, func(rows *sql.Rows) error {
		var o Override
		if err := rows.Scan(&o.ChannelID, &o.Lang, &o.Body); err != nil {
			return err
		}
		st.Overrides = append(st.Overrides, o)
		return nil
	}, `SELECT channel_id, lang, body FROM pub_overrides WHERE statement_id = $1 ORDER BY channel_id, lang`, st.ID)
	if err != nil {
		return err
	}
	err = eachRow(ctx, db.sql, func(rows *sql.Rows) error {
		var m Attachment
		var alts string
		if err := rows.Scan(&m.ID, &m.Filename, &m.ContentType, &m.Data, &alts); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(alts), &m.Alts); err != nil {
			return fmt.Errorf("media %d alts: %w", m.ID, err)
		}
		st.Media = append(st.Media, m)
		return nil
	}, `SELECT id, filename, content_type, data, alts FROM pub_media WHERE statement_id = $1 ORDER BY position`, st.ID)
	if err != nil {
		return err
	}
	err = eachRow(ctx, db.sql, func(rows *sql.Rows) error {
		var id int64
		var due sql.NullTime
		if err := rows.Scan(&id, &due); err != nil {
			return err
		}
		st.Targets = append(st.Targets, id)
		if d := fromNull(due); !d.Equal(st.DueAt) {
			if st.TargetDue == nil {
				st.TargetDue = map[int64]time.Time{}
			}
			st.TargetDue[id] = d
		}
		return nil
	}, `SELECT channel_id, due_at FROM pub_publications WHERE statement_id = $1 ORDER BY channel_id`, st.ID)
	if err != nil {
		return err
	}
	sortVariants(st.Variants)
	return nil
}

// LangOrder is the display order of variants.
var LangOrder = []string{"vi", "en", "fr", "es", "ru", "zh", "ar"}

func sortVariants(vs []Variant) {
	slices.SortFunc(vs, func(a, b Variant) int { return slices.Index(LangOrder, a.Lang) - slices.Index(LangOrder, b.Lang) })
}

// ListStatements returns statements, newest first, without their parts
// except variants (for titles).
func (db *DB) ListStatements(ctx context.Context, limit int) ([]Statement, error) {
	var out []Statement
	err := eachRow(ctx, db.sql, func(rows *sql.Rows) error {
		st, err := scanStatement(rows)
		if err != nil {
			return err
		}
		out = append(out, st)
		return nil
	}, `SELECT `+statementCols+` FROM pub_statements ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, wrap("list statements", err)
	}
	for i := range out {
		if err := db.loadStatementParts(ctx, &out[i]); err != nil {
			return nil, wrap("list statements", err)
		}
	}
	return out, nil
}

// SubmitStatement moves a draft to submitted and records the hash the
// approvers will clear.
func (db *DB) SubmitStatement(ctx context.Context, id int64, hash string, a AuditEntry) error {
	return wrap("submit statement", db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE pub_statements SET state = 'submitted', content_hash = $2, updated_at = $3 WHERE id = $1 AND state = 'draft'`,
			id, hash, db.nowUTC())
		if err != nil {
			return err
		}
		if err := mustAffect(res); err != nil {
			return fmt.Errorf("%w: statement %d is not a draft", ErrConflict, id)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE pub_publications SET state = 'submitted' WHERE statement_id = $1 AND state = 'draft'`, id); err != nil {
			return err
		}
		a.StatementID, a.ContentHash = id, hash
		return db.appendAudit(ctx, tx, a)
	}))
}

// ApprovalResult says what an approval achieved.
type ApprovalResult struct {
	Count    int  // approvals of this version so far
	Complete bool // the statement is cleared and its publications scheduled
	Late     int  // publications already due, held as "approval expired"
}

// ApproveStatement records user's approval of the version with hash.
// When it completes clearance, the publications become scheduled; those
// already due are held as approval-expired, and the editors of the version
// stop being its authors. A hash that no longer matches the statement gives
// ErrConflict: someone edited it meanwhile. ErrOwnEdit means user wrote the
// statement or changed it since it was last cleared.
func (db *DB) ApproveStatement(ctx context.Context, id, user int64, hash string, a AuditEntry) (ApprovalResult, error) {
	var r ApprovalResult
	now := db.nowUTC()
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var cur, state string
		var need int
		var author int64
		if err := tx.QueryRowContext(ctx, `SELECT content_hash, state, approvals_needed, author_id FROM pub_statements WHERE id = $1`+db.lockRow(), id).Scan(&cur, &state, &need, &author); err != nil {
			return err
		}
		if state != StateSubmitted || cur != hash {
			return fmt.Errorf("%w: statement %d changed or is not awaiting approval", ErrConflict, id)
		}
		// Checked in the transaction that approves, so that no edit can
		// slip between the check and the approval.
		if author == user {
			return fmt.Errorf("%w: user %d wrote statement %d", ErrOwnEdit, user, id)
		}
		edited, err := editedSinceCleared(ctx, tx, id, user)
		if err != nil {
			return err
		}
		if edited {
			return fmt.Errorf("%w: user %d changed statement %d since it was last cleared", ErrOwnEdit, user, id)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO pub_approvals (statement_id, user_id, content_hash, created_at) VALUES ($1, $2, $3, $4)`,
			id, user, hash, now); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM pub_approvals WHERE statement_id = $1 AND content_hash = $2`, id, hash).Scan(&r.Count); err != nil {
			return err
		}
		a.StatementID, a.ContentHash = id, hash
		if err := db.appendAudit(ctx, tx, a); err != nil {
			return err
		}
		if r.Count < need {
			return nil
		}
		r.Complete = true
		res, err := tx.ExecContext(ctx, `UPDATE pub_statements SET state = 'scheduled', updated_at = $2 WHERE id = $1
			AND state = 'submitted' AND content_hash = $3`, id, now, hash)
		if err != nil {
			return err
		}
		if mustAffect(res) != nil {
			return fmt.Errorf("%w: statement %d changed while it was approved", ErrConflict, id)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE pub_edits SET cleared = true WHERE statement_id = $1`, id); err != nil {
			return err
		}
		res, err = tx.ExecContext(ctx, `UPDATE pub_publications SET state = 'scheduled', held = 'approval-expired' WHERE statement_id = $1 AND state = 'submitted' AND due_at <= $2`, id, now)
		if err != nil {
			return err
		}
		late, _ := res.RowsAffected()
		r.Late = int(late)
		_, err = tx.ExecContext(ctx, `UPDATE pub_publications SET state = 'scheduled' WHERE statement_id = $1 AND state = 'submitted'`, id)
		return err
	})
	if err != nil {
		return ApprovalResult{}, wrap(fmt.Sprintf("approve statement %d", id), err)
	}
	return r, nil
}

// Approval is one person's approval of one version.
type Approval struct {
	UserID      int64
	ContentHash string
	CreatedAt   time.Time
}

// ListApprovals returns the approvals of a statement.
func (db *DB) ListApprovals(ctx context.Context, id int64) ([]Approval, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT user_id, content_hash, created_at FROM pub_approvals WHERE statement_id = $1 ORDER BY created_at`, id)
	if err != nil {
		return nil, wrap("list approvals", err)
	}
	defer rows.Close()
	var out []Approval
	for rows.Next() {
		var p Approval
		if err := rows.Scan(&p.UserID, &p.ContentHash, &p.CreatedAt); err != nil {
			return nil, wrap("list approvals", err)
		}
		p.CreatedAt = p.CreatedAt.UTC()
		out = append(out, p)
	}
	return out, wrap("list approvals", rows.Err())
}

// DecideHeld releases a held publication now, or cancels it (failed with
// reason). Released now, it keeps its due time, which approvals cover, and
// may go out from now on (next_attempt_at): later than approved, never
// earlier. A new time is a move (MovePublication).
func (db *DB) DecideHeld(ctx context.Context, pub int64, cancel bool, a AuditEntry) error {
	return wrap("decide held", db.inTx(ctx, func(tx *sql.Tx) error {
		var res sql.Result
		var err error
		if cancel {
			res, err = tx.ExecContext(ctx, `UPDATE pub_publications SET state = 'failed', reason = 'cancelled by a person', held = '' WHERE id = $1 AND held <> ''`, pub)
		} else {
			res, err = tx.ExecContext(ctx, `UPDATE pub_publications SET held = '', next_attempt_at = $2 WHERE id = $1 AND held <> ''`, pub, db.nowUTC())
		}
		if err != nil {
			return err
		}
		if err := mustAffect(res); err != nil {
			return fmt.Errorf("%w: publication %d is not held", ErrConflict, pub)
		}
		a.PublicationID = pub
		return db.appendAudit(ctx, tx, a)
	}))
}

// ReschedulePublication sets a publication's due time and nothing else:
// it does not touch clearance, so a publication it moves no longer matches
// its approvals, and the scheduler holds it (approvals cover the time).
// People move publications with MovePublication; this is for tests and
// benchmarks that bring many publications due at once. Only publications
// not yet out move.
func (db *DB) ReschedulePublication(ctx context.Context, pub int64, at time.Time, a AuditEntry) error {
	return wrap("reschedule", db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE pub_publications SET due_at = $2, next_attempt_at = NULL, held = '' WHERE id = $1
			AND state IN ('draft', 'submitted', 'scheduled')`, pub, dbTime(at))
		if err != nil {
			return err
		}
		if err := mustAffect(res); err != nil {
			return fmt.Errorf("%w: publication %d cannot move", ErrConflict, pub)
		}
		a.PublicationID = pub
		return db.appendAudit(ctx, tx, a)
	}))
}

// RequestRecall records that user asks to delete a statement everywhere,
// and what its portal pages become (RecallNotice or RecallRemove).
func (db *DB) RequestRecall(ctx context.Context, id, user int64, reason, mode string, a AuditEntry) error {
	if mode != RecallNotice && mode != RecallRemove {
		return fmt.Errorf("store: request recall: unknown mode %q", mode)
	}
	return wrap("request recall", db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE pub_statements SET recall_state = 'requested', recall_by = $2, recall_reason = $3,
			recall_mode = $4, recall_requested_at = $5 WHERE id = $1 AND recall_state = ''`, id, user, reason, mode, db.nowUTC())
		if err != nil {
			return err
		}
		if err := mustAffect(res); err != nil {
			return fmt.Errorf("%w: recall of statement %d already requested", ErrConflict, id)
		}
		// Nothing more goes out once a recall is asked for.
		if _, err := tx.ExecContext(ctx, `UPDATE pub_publications SET state = 'failed', reason = 'recalled before publication' WHERE statement_id = $1 AND state IN ('draft', 'submitted', 'scheduled')`, id); err != nil {
			return err
		}
		a.StatementID = id
		return db.appendAudit(ctx, tx, a)
	}))
}

// MarkRecallDone records that the recall ran, approved by approver, and
// when: from then on the statement is withdrawn.
func (db *DB) MarkRecallDone(ctx context.Context, id, approver int64, a AuditEntry) error {
	return wrap("recall done", db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE pub_statements SET recall_state = 'done', recall_approved_by = $2, recall_done_at = $3
			WHERE id = $1 AND recall_state = 'requested'`, id, nullID(approver), db.nowUTC())
		if err != nil {
			return err
		}
		if err := mustAffect(res); err != nil {
			return fmt.Errorf("%w: no recall pending for statement %d", ErrConflict, id)
		}
		a.StatementID = id
		return db.appendAudit(ctx, tx, a)
	}))
}

// MarkPartDeleted records that a published part was deleted on its network.
func (db *DB) MarkPartDeleted(ctx context.Context, pub int64, idx int, a AuditEntry) error {
	return wrap("mark deleted", db.inTx(ctx, func(tx *sql.Tx) error {
		now := db.nowUTC()
		if _, err := tx.ExecContext(ctx, `UPDATE pub_parts SET deleted_at = $3 WHERE publication_id = $1 AND idx = $2`, pub, idx, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE pub_publications SET deleted_at = $2 WHERE id = $1
			AND NOT EXISTS (SELECT 1 FROM pub_parts WHERE publication_id = $1 AND deleted_at IS NULL)`, pub, now); err != nil {
			return err
		}
		a.PublicationID = pub
		return db.appendAudit(ctx, tx, a)
	}))
}
