package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// EnqueueMail writes messages to the mail outbox on their own (mail that
// goes with a decision is written in the decision's transaction).
func (db *DB) EnqueueMail(ctx context.Context, mails ...OutboxMail) error {
	return wrap("enqueue mail", db.inTx(ctx, func(tx *sql.Tx) error { return db.enqueueMail(ctx, tx, mails) }))
}

// ClaimMail takes up to limit unsent messages that are due and holds them
// for lease: another instance takes them only once the lease has run out
// (the sender stopped before it could say how it went). Each claim counts
// as an attempt.
func (db *DB) ClaimMail(ctx context.Context, limit int, lease time.Duration) ([]OutboxMail, error) {
	now := db.nowUTC()
	var due []OutboxMail
	err := eachRow(ctx, db.sql, func(rows *sql.Rows) error {
		var m OutboxMail
		if err := rows.Scan(&m.ID, &m.Recipient, &m.Message, &m.Attempts, &m.LastError, &m.CreatedAt, &m.NextAt); err != nil {
			return err
		}
		due = append(due, m)
		return nil
	}, `SELECT id, recipient, message, attempts, last_error, created_at, next_at FROM mail_outbox
		WHERE sent_at IS NULL AND next_at <= $1 ORDER BY next_at, id LIMIT $2`, now, limit)
	if err != nil {
		return nil, wrap("claim mail", err)
	}
	out := []OutboxMail{}
	for _, m := range due {
		// Taken only if nobody took it since it was read.
		res, err := db.sql.ExecContext(ctx, `UPDATE mail_outbox SET next_at = $1, attempts = attempts + 1
			WHERE id = $2 AND sent_at IS NULL AND attempts = $3`, now.Add(lease), m.ID, m.Attempts)
		if err != nil {
			return nil, wrap("claim mail", err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			continue
		}
		m.Attempts++
		m.CreatedAt, m.NextAt = m.CreatedAt.UTC(), now.Add(lease)
		out = append(out, m)
	}
	return out, nil
}

// MarkMailSent records that the server accepted the message.
func (db *DB) MarkMailSent(ctx context.Context, id int64) error {
	res, err := db.sql.ExecContext(ctx, `UPDATE mail_outbox SET sent_at = $1, last_error = '' WHERE id = $2`, db.nowUTC(), id)
	if err == nil {
		err = mustAffect(res)
	}
	return wrap(fmt.Sprintf("mark mail %d sent", id), err)
}

// MarkMailFailed records why the message was not sent and when to try
// again.
func (db *DB) MarkMailFailed(ctx context.Context, id int64, reason string, retryAt time.Time) error {
	res, err := db.sql.ExecContext(ctx, `UPDATE mail_outbox SET last_error = $1, next_at = $2 WHERE id = $3 AND sent_at IS NULL`,
		reason, dbTime(retryAt), id)
	if err == nil {
		err = mustAffect(res)
	}
	return wrap(fmt.Sprintf("mark mail %d failed", id), err)
}

// ListMail returns the outbox's messages, the latest first, sent ones
// included, for the staff pages and tests.
func (db *DB) ListMail(ctx context.Context, limit int) ([]OutboxMail, error) {
	out := []OutboxMail{}
	err := eachRow(ctx, db.sql, func(rows *sql.Rows) error {
		var m OutboxMail
		var sent sql.NullTime
		if err := rows.Scan(&m.ID, &m.Recipient, &m.Message, &m.Attempts, &m.LastError, &m.CreatedAt, &m.NextAt, &sent); err != nil {
			return err
		}
		m.CreatedAt, m.NextAt, m.SentAt = m.CreatedAt.UTC(), m.NextAt.UTC(), fromNull(sent)
		out = append(out, m)
		return nil
	}, `SELECT id, recipient, message, attempts, last_error, created_at, next_at, sent_at FROM mail_outbox ORDER BY id DESC LIMIT $1`, limit)
	return out, wrap("list mail", err)
}
