package store

import (
	"context"
	"database/sql"
	"strconv"
)

// ExecForTest runs a statement directly, for tests that set up states the
// API cannot reach (a migration from the future, a missing one).
func (db *DB) ExecForTest(ctx context.Context, query string, args ...any) error {
	_, err := db.sql.ExecContext(ctx, query, args...)
	return err
}

// QueryRowForTest scans one row of a query directly.
func (db *DB) QueryRowForTest(ctx context.Context, query string, args ...any) func(dest ...any) error {
	return db.sql.QueryRowContext(ctx, query, args...).Scan
}

// EmbeddedMigrations returns how many migrations the binary holds for backend.
func EmbeddedMigrations(backend string) (int, error) {
	ms, err := loadMigrations(backend)
	return len(ms), err
}

// ReadThenWriteForTest runs a transaction that reads before it writes, the
// shape that fails at once with SQLITE_BUSY under deferred transactions when
// another connection writes in between.
func (db *DB) ReadThenWriteForTest(ctx context.Context, key string) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM settings`).Scan(&n); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)`,
			key, strconv.Itoa(n), db.nowUTC())
		return err
	})
}

// MigrationSQLForTest returns the text of migration version of backend.
func MigrationSQLForTest(backend string, version int) (string, error) {
	ms, err := loadMigrations(backend)
	if err != nil {
		return "", err
	}
	for _, m := range ms {
		if m.version == version {
			return m.sql, nil
		}
	}
	return "", ErrNotFound
}
