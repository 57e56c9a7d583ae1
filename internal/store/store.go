// Package store owns Chancery's data: the database connection, the schema
// and its migrations, and every SQL statement the server runs. It speaks to
// SQLite (one instance, no setup) or PostgreSQL (several instances) through
// database/sql, with one SQL text for both.
//
// It returns the domain types of internal/account and its own content types,
// and reports missing rows and unique violations as ErrNotFound and
// ErrConflict, the kinds of internal/fault. It must not import net/http or any package that handles
// requests, session cookies, passwords or permissions: deciding who may do
// what belongs to the callers.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/mofa-vn/chancery/internal/fault"
)

// Errors reported by the store. Match them with errors.Is.
var (
	// ErrNotFound means the row does not exist, or exists but must be treated
	// as absent (an expired session, a disabled user's token). It is
	// fault.ErrNotFound, the kind every package shares.
	ErrNotFound = fault.ErrNotFound
	// ErrConflict means a unique value (a username, a slug, a token hash) is
	// already taken. It is fault.ErrConflict.
	ErrConflict = fault.ErrConflict
	// ErrWithdrawn means a recall withdrew the portal translation: it is
	// never published again. It is also an ErrConflict.
	ErrWithdrawn = fmt.Errorf("%w: withdrawn by a recall", ErrConflict)
	// ErrLocked means another process holds the SQLite database. SQLite serves
	// a single instance; several instances need PostgreSQL.
	ErrLocked = errors.New("store: database locked by another process")
)

// Backend names, as returned by (*DB).Backend.
const (
	BackendSQLite   = "sqlite"
	BackendPostgres = "postgres"
)

// Options configures Open.
type Options struct {
	// DatabaseURL selects PostgreSQL when it starts with postgres:// or
	// postgresql://. Empty selects SQLite in DataDir.
	DatabaseURL string
	// DataDir holds chancery.db and chancery.lock for SQLite. It is created
	// with mode 0700 if missing.
	DataDir string
	// Now is the clock for every time-dependent query. Default time.Now.
	Now func() time.Time
	// Logger receives migration and startup messages. Default discards.
	Logger *slog.Logger
	// MaxOpenConns caps the connection pool. Zero picks a default per backend.
	MaxOpenConns int
	// ReadOnly opens the database to read beside a running server (audit
	// verify): no migration (the schema must be current), and on SQLite
	// no data-directory lock, a read-only connection and no file created.
	ReadOnly bool
}

// DB is Chancery's database. It is safe for concurrent use.
type DB struct {
	sql     *sql.DB
	backend string
	now     func() time.Time
	log     *slog.Logger

	pool *pgxpool.Pool // PostgreSQL only
	lock *fileLock     // SQLite only

	group groupCommit // the scheduler's write-ahead records and confirmations
}

// Open connects to the database described by o, takes the SQLite lock when
// relevant, and applies pending migrations. The caller must Close the DB.
func Open(ctx context.Context, o Options) (*DB, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	db := &DB{now: o.Now, log: o.Logger}

	var err error
	switch u := o.DatabaseURL; {
	case u == "":
		err = db.openSQLite(ctx, o)
	case strings.HasPrefix(u, "postgres://"), strings.HasPrefix(u, "postgresql://"):
		err = db.openPostgres(ctx, o)
	default:
		return nil, fmt.Errorf("store: unsupported database URL %q: want empty (SQLite in the data directory) or postgres://", redactURL(u))
	}
	if err != nil {
		return nil, err
	}
	if o.ReadOnly {
		if err := db.MigrationsCurrent(ctx); err != nil {
			db.Close()
			return nil, fmt.Errorf("store: open to read: %w (start the server of this version once to migrate it)", err)
		}
		return db, nil
	}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if db.lock != nil {
		// The data-directory lock is ours: no other process runs on
		// this store, so leases still running were held by one that
		// stopped without releasing them.
		if err := db.releaseDeadLeases(ctx); err != nil {
			db.Close()
			return nil, err
		}
	}
	return db, nil
}

// Close closes the connections and releases the SQLite lock.
func (db *DB) Close() error {
	err := db.sql.Close()
	if db.pool != nil {
		db.pool.Close()
	}
	if db.lock != nil {
		err = errors.Join(err, db.lock.release())
		db.lock = nil
	}
	if err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.sql.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// Backend returns BackendSQLite or BackendPostgres.
func (db *DB) Backend() string { return db.backend }

// Stats returns the connection pool statistics, for metrics.
func (db *DB) Stats() sql.DBStats { return db.sql.Stats() }

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// inTx runs fn in a transaction and commits it if fn returns nil.
func (db *DB) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// eachRow runs query on q and calls fn for each row. It closes the rows
// before it returns, so that the caller's next query may take the same
// connection (SQLite has only one), and reports the first error of the
// query, of fn or of the iteration.
func eachRow(ctx context.Context, q querier, fn func(*sql.Rows) error, query string, args ...any) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// nowUTC returns the injected clock's time as stored.
func (db *DB) nowUTC() time.Time { return dbTime(db.now()) }

// dbTime converts t to what both backends store: UTC, microseconds.
// PostgreSQL keeps microseconds, so truncating makes SQLite agree with it.
func dbTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// nullTime stores the zero time as NULL.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return dbTime(t)
}

// fromNull turns a scanned nullable time into the zero time or UTC.
func fromNull(t sql.NullTime) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

// isUniqueViolation reports a unique or primary key violation on either
// backend.
func isUniqueViolation(err error) bool {
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok {
		return pgErr.Code == "23505"
	}
	if sqlErr, ok := errors.AsType[*sqlite.Error](err); ok {
		c := sqlErr.Code()
		return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// isForeignKeyViolation reports a row that refers to a missing row.
func isForeignKeyViolation(err error) bool {
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok {
		return pgErr.Code == "23503"
	}
	if sqlErr, ok := errors.AsType[*sqlite.Error](err); ok {
		return sqlErr.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	return false
}

// classify maps driver errors onto the package's sentinels so that callers
// can match them with errors.Is while the driver's message stays readable.
func classify(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return ErrNotFound
	case isUniqueViolation(err):
		return fmt.Errorf("%w: %w", ErrConflict, err)
	case isForeignKeyViolation(err):
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	return err
}

// wrap prefixes err with the operation and classifies it.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("store: %s: %w", op, classify(err))
}

// mustAffect returns ErrNotFound when a write touched no row.
func mustAffect(res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}
