package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// AuditQuery narrows SearchAudit: a statement, a person (the actor's name
// as recorded), a channel (entries about its publications, and its pause),
// a time range [From, To), and a page (entries before sequence Before).
// Zero fields do not narrow.
type AuditQuery struct {
	StatementID int64
	Actor       string
	ChannelID   int64
	From, To    time.Time
	Before      int64
	Limit       int
}

// SearchAudit returns up to q.Limit audit entries matching q, newest
// first, and whether older ones match too.
func (db *DB) SearchAudit(ctx context.Context, q AuditQuery) ([]AuditEntry, bool, error) {
	if q.Limit <= 0 || q.Limit > 1000 {
		q.Limit = 50
	}
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if q.StatementID != 0 {
		where = append(where, "a.statement_id = "+arg(q.StatementID))
	}
	if q.Actor != "" {
		where = append(where, "a.actor = "+arg(q.Actor))
	}
	if q.ChannelID != 0 {
		ch := arg(q.ChannelID)
		where = append(where, "(a.publication_id IN (SELECT p.id FROM pub_publications p WHERE p.channel_id = "+ch+
			") OR (a.action IN ('pause', 'resume') AND a.payload LIKE "+arg(fmt.Sprintf("channel=%d %%", q.ChannelID))+"))")
	}
	if !q.From.IsZero() {
		where = append(where, "a.at >= "+arg(dbTime(q.From)))
	}
	if !q.To.IsZero() {
		where = append(where, "a.at < "+arg(dbTime(q.To)))
	}
	if q.Before > 0 {
		where = append(where, "a.seq < "+arg(q.Before))
	}
	query := `SELECT a.seq, a.at, a.actor_id, a.actor, a.action, a.statement_id, a.publication_id, a.content_hash, a.payload, a.response,
		a.prev_hash, a.hash FROM pub_audit a`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY a.seq DESC LIMIT " + arg(q.Limit+1)
	var out []AuditEntry
	err := eachRow(ctx, db.sql, func(rows *sql.Rows) error {
		e, err := scanAudit(rows)
		out = append(out, e)
		return err
	}, query, args...)
	if err != nil {
		return nil, false, wrap("search audit", err)
	}
	more := len(out) > q.Limit
	if more {
		out = out[:q.Limit]
	}
	return out, more, nil
}

// AuditActors returns the names that appear in the audit log, sorted.
func (db *DB) AuditActors(ctx context.Context) ([]string, error) {
	var out []string
	err := eachRow(ctx, db.sql, func(rows *sql.Rows) error {
		var s string
		err := rows.Scan(&s)
		out = append(out, s)
		return err
	}, `SELECT DISTINCT actor FROM pub_audit WHERE actor <> '' ORDER BY actor LIMIT 500`)
	return out, wrap("audit actors", err)
}
