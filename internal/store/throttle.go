package store

import (
	"context"
	"database/sql"
	"errors"
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

// ReserveLoginAttempt counts a sign-in attempt against key before its
// password is checked, marked with the attempt's own token: concurrent
// attempts then see each other whatever order they commit in, so that a
// burst of guesses is counted in full. The reservation is the failure if
// the password is wrong; DropLoginAttempt withdraws it.
func (db *DB) ReserveLoginAttempt(ctx context.Context, key, token string) error {
	_, err := db.sql.ExecContext(ctx, `INSERT INTO login_failures (key, at, attempt) VALUES ($1, $2, $3)`, key, db.nowUTC(), token)
	return wrap("reserve login attempt", err)
}

// DropLoginAttempt withdraws the attempt token's reservation against key.
func (db *DB) DropLoginAttempt(ctx context.Context, key, token string) error {
	_, err := db.sql.ExecContext(ctx, `DELETE FROM login_failures WHERE key = $1 AND attempt = $2`, key, token)
	return wrap("drop login attempt", err)
}

// LoginFailureStats are the failures of a key within a window.
type LoginFailureStats struct {
	Count         int
	First, Latest time.Time // zero when Count is 0
}

// LoginFailures returns the failures of key at or after since, leaving out
// the reservation of the attempt token except (empty: none left out).
func (db *DB) LoginFailures(ctx context.Context, key string, since time.Time, except string) (LoginFailureStats, error) {
	const where = ` FROM login_failures WHERE key = $1 AND at >= $2 AND (attempt IS NULL OR attempt <> $3)`
	for {
		var s LoginFailureStats
		err := db.sql.QueryRowContext(ctx, `SELECT count(*)`+where, key, dbTime(since), except).Scan(&s.Count)
		if err == nil && s.Count > 0 {
			// Ordered reads of the column rather than min and max, whose
			// results SQLite returns untyped.
			err = db.sql.QueryRowContext(ctx, `SELECT at`+where+` ORDER BY at LIMIT 1`, key, dbTime(since), except).Scan(&s.First)
			if err == nil {
				err = db.sql.QueryRowContext(ctx, `SELECT at`+where+` ORDER BY at DESC LIMIT 1`, key, dbTime(since), except).Scan(&s.Latest)
			}
			s.First, s.Latest = s.First.UTC(), s.Latest.UTC()
		}
		if errors.Is(err, sql.ErrNoRows) {
			// Concurrent attempts withdrew every row counted between the
			// reads: count again.
			continue
		}
		if err != nil {
			return s, wrap("count login failures", err)
		}
		return s, nil
	}
}
