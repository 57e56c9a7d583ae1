// Package storetest opens fresh, migrated store.DBs for tests, on SQLite
// and on PostgreSQL, so that every package's tests can run against both
// backends.
//
// PostgreSQL tests use the database at CHANCERY_TEST_DATABASE_URL (default
// DefaultPostgresURL), each in a schema of its own that is dropped when the
// test ends. When PostgreSQL cannot be reached the test fails, rather than
// skips, so that a missing database is never mistaken for a pass.
//
// It must only be imported from tests.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mofa-vn/chancery/internal/store"
)

// DefaultPostgresURL is used when CHANCERY_TEST_DATABASE_URL is unset.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// Backends lists the backends every store test runs against.
var Backends = []string{store.BackendSQLite, store.BackendPostgres}

// Run runs fn as one subtest per backend, each with a fresh database that
// uses the real clock.
func Run(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, backend := range Backends {
		t.Run(backend, func(t *testing.T) {
			fn(t, Open(t, backend))
		})
	}
}

// RunWithClock is Run with a fresh Clock per backend, starting at Start,
// injected into the database.
func RunWithClock(t *testing.T, fn func(t *testing.T, db *store.DB, clock *Clock)) {
	t.Helper()
	for _, backend := range Backends {
		t.Run(backend, func(t *testing.T) {
			clock := NewClock(Start)
			fn(t, OpenWithClock(t, backend, clock.Now), clock)
		})
	}
}

// Open returns a fresh, migrated database on backend that uses the real
// clock. It is closed when the test ends.
func Open(t testing.TB, backend string) *store.DB {
	t.Helper()
	return OpenWithClock(t, backend, nil)
}

// OpenWithClock is Open with now as the database's clock; nil means
// time.Now.
func OpenWithClock(t testing.TB, backend string, now func() time.Time) *store.DB {
	t.Helper()
	o := Options(t, backend)
	o.Now = now
	return OpenOptions(t, o)
}

// OpenOptions opens a database with o and closes it when the test ends.
// Use it with Options to open the same database more than once.
func OpenOptions(t testing.TB, o store.Options) *store.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := store.Open(ctx, o)
	if err != nil {
		t.Fatalf("storetest: open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Options returns store.Options for an empty database on backend: a new
// temporary directory for SQLite, a new schema for PostgreSQL. The schema is
// dropped when the test ends.
func Options(t testing.TB, backend string) store.Options {
	t.Helper()
	switch backend {
	case store.BackendSQLite:
		return store.Options{DataDir: DataDir(t)}
	case store.BackendPostgres:
		return store.Options{DatabaseURL: NewSchema(t)}
	}
	t.Fatalf("storetest: unknown backend %q", backend)
	return store.Options{}
}

// PostgresURL returns the URL of the test PostgreSQL database.
func PostgresURL() string {
	if u := os.Getenv("CHANCERY_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultPostgresURL
}

const startHint = `run "make deps", which installs or starts PostgreSQL on 127.0.0.1:5432,
or point CHANCERY_TEST_DATABASE_URL at a database where the user may create schemas`

// NewSchema creates schema t_<random> in the test database and returns a
// URL whose search_path selects it. The schema is dropped when the test ends.
func NewSchema(t testing.TB) string {
	t.Helper()
	base := PostgresURL()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("storetest: cannot reach PostgreSQL at %s: %v\n%s", redact(base), err, startHint)
	}
	defer conn.Close(ctx)

	var b [8]byte
	rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("storetest: create schema %s: %v\n%s", schema, err, startHint)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("storetest: drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("storetest: drop schema %s: %v", schema, err)
		}
	})

	// pgx sends unknown URL parameters as run-time parameters, so this sets
	// search_path in the connection config of every pooled connection.
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("storetest: parse %s: %v", redact(base), err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// DataDir returns a new private data directory (mode 0700) for the
// embedded store, which refuses one that other users can read;
// t.TempDir's directories are 0755 under the usual umask.
func DataDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatalf("storetest: %v", err)
	}
	return dir
}
