package store

import (
	"context"
	"time"
)

// Sign-in failures live in the database rather than in memory so that every
// instance behind a load balancer counts the same attempts.

// RecordLoginFailure notes a failed sign-in for key (for example a username
// or an address) at now.
func (db *DB) RecordLoginFailure(ctx context.Context, key string) error {
	_, err := db.sql.ExecContext(ctx, `INSERT INTO login_failures (key, at) VALUES ($1, $2)`, key, db.nowUTC())
	return wrap("record login failure", err)
}

// CountLoginFailures returns how many failures key has had at or after since.
func (db *DB) CountLoginFailures(ctx context.Context, key string, since time.Time) (int, error) {
	var n int
	err := db.sql.QueryRowContext(ctx,
		`SELECT count(*) FROM login_failures WHERE key = $1 AND at >= $2`, key, dbTime(since)).Scan(&n)
	if err != nil {
		return 0, wrap("count login failures", err)
	}
	return n, nil
}

// ClearLoginFailures forgets key's failures, after a successful sign-in.
func (db *DB) ClearLoginFailures(ctx context.Context, key string) error {
	_, err := db.sql.ExecContext(ctx, `DELETE FROM login_failures WHERE key = $1`, key)
	return wrap("clear login failures", err)
}

// PruneLoginFailures removes every failure older than before.
func (db *DB) PruneLoginFailures(ctx context.Context, before time.Time) error {
	_, err := db.sql.ExecContext(ctx, `DELETE FROM login_failures WHERE at < $1`, dbTime(before))
	return wrap("prune login failures", err)
}
