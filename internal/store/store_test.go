package store_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// suite is the one list of store tests. Each case gets a fresh database,
// with a clock it controls, on every backend.
var suite = []struct {
	name string
	run  func(t *testing.T, db *store.DB, clock *storetest.Clock)
}{
	{"users/create and get", testCreateGetUser},
	{"users/duplicate username", testDuplicateUser},
	{"users/unknown role", testUnknownRole},
	{"users/not found", testUserNotFound},
	{"users/list ordered by username", testListUsers},
	{"users/update replaces roles", testUpdateUser},
	{"users/set password", testSetPassword},
	{"sessions/lifecycle and expiry", testSessionLifecycle},
	{"sessions/disabled user", testSessionDisabledUser},
	{"sessions/create errors", testSessionCreateErrors},
	{"sessions/delete user sessions", testDeleteUserSessions},
	{"sessions/delete expired", testDeleteExpiredSessions},
	{"tokens/lifecycle", testTokenLifecycle},
	{"tokens/expiry", testTokenExpiry},
	{"tokens/disabled owner", testTokenDisabledOwner},
	{"tokens/errors", testTokenErrors},
	{"login failures", testLoginFailures},
	{"settings", testSettings},
	{"articles/latest", testLatestArticles},
	{"articles/errors", testArticleErrors},
	{"rooms", testRooms},
	{"timestamps round-trip in UTC", testTimestampRoundTrip},
	{"migrations/applied once", testMigrationsOnce},
	{"migrations/newer schema refused", testNewerSchema},
	{"migrations/current reports missing", testMigrationsCurrent},
	{"open/concurrent starters", testConcurrentOpen},
	{"open/second opener", testSecondOpener},
	{"concurrent writers", testConcurrentWriters},
	{"ping and stats", testPingStats},
}

func TestStore(t *testing.T) {
	for _, tc := range suite {
		t.Run(tc.name, func(t *testing.T) {
			storetest.RunWithClock(t, tc.run)
		})
	}
}

// TestRealClock checks that a DB without an injected clock uses time.Now.
func TestRealClock(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		before := time.Now().Add(-time.Millisecond)
		u := createUser(t, db, "alice")
		after := time.Now().Add(time.Millisecond)
		if u.CreatedAt.Before(before) || u.CreatedAt.After(after) {
			t.Errorf("CreatedAt = %v, want between %v and %v", u.CreatedAt, before, after)
		}
	})
}

func TestOpenRejectsUnknownURL(t *testing.T) {
	for _, u := range []string{"mysql://root@localhost/x", "sqlite:///tmp/x.db", "host=localhost dbname=x"} {
		db, err := store.Open(t.Context(), store.Options{DatabaseURL: u, DataDir: t.TempDir()})
		if err == nil {
			db.Close()
			t.Errorf("Open(%q) succeeded, want an error", u)
			continue
		}
		if !strings.Contains(err.Error(), "unsupported database URL") {
			t.Errorf("Open(%q) = %v, want an unsupported URL error", u, err)
		}
	}
}

func TestMigrationsMatchAcrossBackends(t *testing.T) {
	n := map[string]int{}
	for _, b := range storetest.Backends {
		c, err := store.EmbeddedMigrations(b)
		if err != nil || c == 0 {
			t.Fatalf("EmbeddedMigrations(%s) = %d, %v", b, c, err)
		}
		n[b] = c
	}
	if n[store.BackendSQLite] != n[store.BackendPostgres] {
		t.Errorf("migrations differ between backends: %v", n)
	}
}

func testMigrationsOnce(t *testing.T, db *store.DB, _ *storetest.Clock) {
	want, err := store.EmbeddedMigrations(db.Backend())
	if err != nil {
		t.Fatal(err)
	}
	o := storetest.Options(t, db.Backend())
	for i := range 3 {
		other, err := store.Open(t.Context(), o)
		if err != nil {
			t.Fatalf("open #%d: %v", i+1, err)
		}
		if i == 0 {
			createUser(t, other, "kept")
		}
		var n int
		if err := other.QueryRowForTest(t.Context(), `SELECT count(*) FROM schema_migrations`)(&n); err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Errorf("open #%d: %d rows in schema_migrations, want %d", i+1, n, want)
		}
		if err := other.MigrationsCurrent(t.Context()); err != nil {
			t.Errorf("open #%d: MigrationsCurrent = %v", i+1, err)
		}
		if _, err := other.GetUserByUsername(t.Context(), "kept"); err != nil {
			t.Errorf("open #%d: data lost: %v", i+1, err)
		}
		if err := other.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func testNewerSchema(t *testing.T, db *store.DB, clock *storetest.Clock) {
	o := storetest.Options(t, db.Backend())
	first, err := store.Open(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	err = first.ExecForTest(t.Context(),
		`INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', $1)`, clock.Now())
	first.Close()
	if err != nil {
		t.Fatal(err)
	}
	second, err := store.Open(t.Context(), o)
	if err == nil {
		second.Close()
		t.Fatal("Open succeeded on a database migrated by a newer binary")
	}
	if !strings.Contains(err.Error(), "9999") || !strings.Contains(err.Error(), "newer") {
		t.Errorf("error %q does not explain the newer schema", err)
	}
}

func testMigrationsCurrent(t *testing.T, db *store.DB, _ *storetest.Clock) {
	if err := db.MigrationsCurrent(t.Context()); err != nil {
		t.Fatalf("fresh database: MigrationsCurrent = %v", err)
	}
	if err := db.ExecForTest(t.Context(), `DELETE FROM schema_migrations WHERE version = 1`); err != nil {
		t.Fatal(err)
	}
	err := db.MigrationsCurrent(t.Context())
	if err == nil || !strings.Contains(err.Error(), "0001_init") {
		t.Errorf("MigrationsCurrent = %v, want an error naming 0001_init", err)
	}
}

// testConcurrentOpen starts several instances on one empty database at once.
// PostgreSQL must let all of them in and migrate once; SQLite must let one in
// and refuse the others with ErrLocked.
func testConcurrentOpen(t *testing.T, db *store.DB, _ *storetest.Clock) {
	const n = 4
	o := storetest.Options(t, db.Backend())
	dbs := make([]*store.DB, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { dbs[i], errs[i] = store.Open(t.Context(), o) })
	}
	wg.Wait()
	opened := 0
	for i := range n {
		if errs[i] == nil {
			opened++
			defer dbs[i].Close()
			continue
		}
		if db.Backend() == store.BackendPostgres || !errors.Is(errs[i], store.ErrLocked) {
			t.Errorf("open #%d: %v", i, errs[i])
		}
	}
	wantOpened := n
	if db.Backend() == store.BackendSQLite {
		wantOpened = 1
	}
	if opened != wantOpened {
		t.Fatalf("%d of %d opens succeeded, want %d", opened, n, wantOpened)
	}
	want, _ := store.EmbeddedMigrations(db.Backend())
	for _, d := range dbs {
		if d == nil {
			continue
		}
		var got int
		if err := d.QueryRowForTest(t.Context(), `SELECT count(*) FROM schema_migrations`)(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%d rows in schema_migrations, want %d", got, want)
		}
		break
	}
}

func testSecondOpener(t *testing.T, db *store.DB, _ *storetest.Clock) {
	o := storetest.Options(t, db.Backend())
	if o.DataDir != "" {
		o.DataDir = filepath.Join(o.DataDir, "sub", "data") // Open must create it
	}
	first, err := store.Open(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	second, err := store.Open(t.Context(), o)
	switch db.Backend() {
	case store.BackendPostgres:
		if err != nil {
			t.Fatalf("second instance on PostgreSQL: %v", err)
		}
		second.Close()
	case store.BackendSQLite:
		if err == nil {
			second.Close()
			t.Fatal("second Open of the same SQLite directory succeeded, want ErrLocked")
		}
		lockPath := filepath.Join(o.DataDir, "chancery.lock")
		if !errors.Is(err, store.ErrLocked) || !strings.Contains(err.Error(), lockPath) ||
			!strings.Contains(err.Error(), "CHANCERY_DATABASE_URL") {
			t.Errorf("second Open = %v, want ErrLocked naming %s and CHANCERY_DATABASE_URL", err, lockPath)
		}
		fi, err := os.Stat(o.DataDir)
		if err != nil {
			t.Fatal(err)
		}
		if perm := fi.Mode().Perm(); perm != 0o700 {
			t.Errorf("data directory mode %o, want 700", perm)
		}
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	// Close releases the lock.
	third, err := store.Open(t.Context(), o)
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	third.Close()
}

// testConcurrentWriters runs many writers at once; on SQLite none of them
// may see SQLITE_BUSY.
func testConcurrentWriters(t *testing.T, db *store.DB, _ *storetest.Clock) {
	const n = 20
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			ctx := t.Context()
			name := "writer" + string(rune('a'+i))
			u, err := db.CreateUser(ctx, account.User{Username: name, Roles: []account.Role{account.RoleDelegate}})
			if err == nil {
				u.Roles = []account.Role{account.RoleChair, account.RoleDelegate}
				_, err = db.UpdateUser(ctx, u)
			}
			if err == nil {
				err = db.SetSetting(ctx, "shared", name)
			}
			if err == nil {
				err = db.RecordLoginFailure(ctx, "shared")
			}
			if err == nil {
				_, err = db.ListUsers(ctx)
			}
			for j := 0; err == nil && j < 10; j++ {
				err = db.ReadThenWriteForTest(ctx, name+strconv.Itoa(j))
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if got := countUsers(t, db); got != n {
		t.Errorf("CountUsers = %d, want %d", got, n)
	}
	if got, err := db.CountLoginFailures(t.Context(), "shared", time.Time{}); err != nil || got != n {
		t.Errorf("CountLoginFailures = %d, %v; want %d", got, err, n)
	}
}

func testPingStats(t *testing.T, db *store.DB, _ *storetest.Clock) {
	if err := db.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := db.Stats().MaxOpenConnections; db.Backend() == store.BackendSQLite && got <= 0 {
		t.Errorf("SQLite pool is unbounded (MaxOpenConnections = %d)", got)
	}
}

// Helpers shared by the suite.

func createUser(t *testing.T, db *store.DB, name string, roles ...account.Role) account.User {
	t.Helper()
	u, err := db.CreateUser(t.Context(), account.User{Username: name, DisplayName: name, Roles: roles})
	if err != nil {
		t.Fatalf("CreateUser(%q): %v", name, err)
	}
	return u
}

func countUsers(t *testing.T, db *store.DB) int {
	t.Helper()
	n, err := db.CountUsers(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: error = %v, want %v", what, err, want)
	}
}

func wantEqual[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

// stored is how the store keeps a time: UTC, to the microsecond.
func stored(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
