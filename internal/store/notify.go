package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Notification is one line of a person's notification list: what
// happened (Kind, a name of internal/notify), to which statement or
// publication, from which audit entry, and whether it was read.
type Notification struct {
	ID            int64
	UserID        int64
	Kind          string
	AuditSeq      int64
	StatementID   int64
	PublicationID int64
	Title         string // the statement's title in the recipient's language
	Detail        string // the reason or comment, as the actor gave it
	Actor         string
	CreatedAt     time.Time
	ReadAt        time.Time
}

// NotifyPref is a person's choice for one kind of notification.
type NotifyPref struct {
	Kind   string
	InApp  bool
	ByMail bool
}

// ErrCursorMoved is returned by DeliverNotifications when another
// instance delivered the entry first; the caller reads the cursor again.
var ErrCursorMoved = fmt.Errorf("%w: the notification cursor moved", ErrConflict)

// NotifyCursor returns the last audit entry turned into notifications.
func (db *DB) NotifyCursor(ctx context.Context) (int64, error) {
	var seq int64
	err := db.sql.QueryRowContext(ctx, `SELECT seq FROM notify_cursor WHERE id = 1`).Scan(&seq)
	return seq, wrap("notify cursor", err)
}

// AuditAfter returns up to limit audit entries after seq, oldest first.
func (db *DB) AuditAfter(ctx context.Context, seq int64, limit int) ([]AuditEntry, error) {
	var out []AuditEntry
	err := eachRow(ctx, db.sql, func(rows *sql.Rows) error {
		e, err := scanAudit(rows)
		out = append(out, e)
		return err
	}, `SELECT `+auditCols+` FROM pub_audit WHERE seq > $1 ORDER BY seq LIMIT $2`, seq, limit)
	return out, wrap("audit after", err)
}

// DeliverNotifications moves the cursor from entry from to entry seq and
// writes the entry's notifications and mail in the same transaction, so
// that an entry notifies exactly once even when the process stops between
// two entries or two instances race: the one that loses gets
// ErrCursorMoved and writes nothing.
func (db *DB) DeliverNotifications(ctx context.Context, from, seq int64, notes []Notification, mails []OutboxMail) error {
	return wrap("deliver notifications", db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE notify_cursor SET seq = $1 WHERE id = 1 AND seq = $2`, seq, from)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return ErrCursorMoved
		}
		now := db.nowUTC()
		for _, n := range notes {
			if _, err := tx.ExecContext(ctx, `INSERT INTO notifications (user_id, kind, audit_seq, statement_id, publication_id,
				title, detail, actor, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
				n.UserID, n.Kind, seq, nullID(n.StatementID), nullID(n.PublicationID), n.Title, n.Detail, n.Actor, now); err != nil {
				return err
			}
		}
		return db.enqueueMail(ctx, tx, mails)
	}))
}

const notificationCols = `id, user_id, kind, audit_seq, statement_id, publication_id, title, detail, actor, created_at, read_at`

// ListNotifications returns a person's notifications, the latest first.
func (db *DB) ListNotifications(ctx context.Context, user int64, limit int) ([]Notification, error) {
	out := []Notification{}
	err := eachRow(ctx, db.sql, func(rows *sql.Rows) error {
		var n Notification
		var st, pub sql.NullInt64
		var read sql.NullTime
		if err := rows.Scan(&n.ID, &n.UserID, &n.Kind, &n.AuditSeq, &st, &pub, &n.Title, &n.Detail, &n.Actor, &n.CreatedAt, &read); err != nil {
			return err
		}
		n.StatementID, n.PublicationID, n.CreatedAt, n.ReadAt = st.Int64, pub.Int64, n.CreatedAt.UTC(), fromNull(read)
		out = append(out, n)
		return nil
	}, `SELECT `+notificationCols+` FROM notifications WHERE user_id = $1 ORDER BY id DESC LIMIT $2`, user, limit)
	return out, wrap("list notifications", err)
}

// UnreadNotifications counts a person's unread notifications.
func (db *DB) UnreadNotifications(ctx context.Context, user int64) (int, error) {
	var n int
	err := db.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL`, user).Scan(&n)
	return n, wrap("count unread notifications", err)
}

// MarkNotificationsRead marks a person's notifications read: the one
// given, or all of them when id is 0. Another person's notification is
// ErrNotFound.
func (db *DB) MarkNotificationsRead(ctx context.Context, user, id int64) error {
	now := db.nowUTC()
	if id == 0 {
		_, err := db.sql.ExecContext(ctx, `UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL`, now, user)
		return wrap("mark notifications read", err)
	}
	res, err := db.sql.ExecContext(ctx, `UPDATE notifications SET read_at = COALESCE(read_at, $1) WHERE user_id = $2 AND id = $3`, now, user, id)
	if err == nil {
		err = mustAffect(res)
	}
	return wrap(fmt.Sprintf("mark notification %d read", id), err)
}

// NotifyPrefs returns the choices a person made; kinds not listed are
// delivered both ways.
func (db *DB) NotifyPrefs(ctx context.Context, user int64) (map[string]NotifyPref, error) {
	out := map[string]NotifyPref{}
	err := eachRow(ctx, db.sql, func(rows *sql.Rows) error {
		var p NotifyPref
		if err := rows.Scan(&p.Kind, &p.InApp, &p.ByMail); err != nil {
			return err
		}
		out[p.Kind] = p
		return nil
	}, `SELECT kind, in_app, by_mail FROM notify_prefs WHERE user_id = $1`, user)
	return out, wrap("notify prefs", err)
}

// SaveNotifyPrefs replaces a person's choices.
func (db *DB) SaveNotifyPrefs(ctx context.Context, user int64, prefs []NotifyPref) error {
	return wrap("save notify prefs", db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM notify_prefs WHERE user_id = $1`, user); err != nil {
			return err
		}
		for _, p := range prefs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO notify_prefs (user_id, kind, in_app, by_mail) VALUES ($1, $2, $3, $4)`,
				user, p.Kind, p.InApp, p.ByMail); err != nil {
				return err
			}
		}
		return nil
	}))
}
