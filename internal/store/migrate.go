package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
)

// migrationFiles holds one directory of numbered .sql files per backend,
// named like 0001_init.sql. Both directories hold the same versions.
//
//go:embed migrations
var migrationFiles embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations returns the backend's migrations in version order.
func loadMigrations(backend string) ([]migration, error) {
	dir := path.Join("migrations", backend)
	entries, err := fs.ReadDir(migrationFiles, dir)
	if err != nil {
		return nil, fmt.Errorf("store: read migrations: %w", err)
	}
	var ms []migration
	for _, e := range entries {
		base, ok := strings.CutSuffix(e.Name(), ".sql")
		if !ok {
			continue
		}
		num, name, _ := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if err != nil || v <= 0 || name == "" {
			return nil, fmt.Errorf("store: migration %s/%s: want a name like 0001_init.sql", dir, e.Name())
		}
		b, err := migrationFiles.ReadFile(path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("store: read migration: %w", err)
		}
		ms = append(ms, migration{version: v, name: name, sql: string(b)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("store: two migrations numbered %d in %s", ms[i].version, dir)
		}
	}
	return ms, nil
}

// schemaMigrationsDDL creates the table that records applied migrations.
// It is the one statement whose types differ between the backends.
var schemaMigrationsDDL = map[string]string{
	BackendSQLite: `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TIMESTAMP NOT NULL)`,
	BackendPostgres: `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer PRIMARY KEY,
		name       text NOT NULL,
		applied_at timestamptz NOT NULL)`,
}

// lockMigrations serialises instances that start at the same time. On
// PostgreSQL the lock is per schema and released at the end of the
// transaction; on SQLite the file lock and BEGIN IMMEDIATE already exclude
// everyone else.
func (db *DB) lockMigrations(ctx context.Context, tx *sql.Tx) error {
	if db.backend != BackendPostgres {
		return nil
	}
	_, err := tx.ExecContext(ctx,
		`SELECT pg_advisory_xact_lock(hashtext('chancery.migrate.' || coalesce(current_schema(), '')))`)
	return err
}

// migrate applies every pending migration, each in its own transaction, and
// refuses a database that a newer binary has migrated.
func (db *DB) migrate(ctx context.Context) error {
	ms, err := loadMigrations(db.backend)
	if err != nil {
		return err
	}
	if len(ms) == 0 {
		return fmt.Errorf("store: no migrations embedded for %s", db.backend)
	}
	latest := ms[len(ms)-1].version

	err = db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.lockMigrations(ctx, tx); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, schemaMigrationsDDL[db.backend]); err != nil {
			return err
		}
		var newest sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&newest); err != nil {
			return err
		}
		if newest.Int64 > int64(latest) {
			return fmt.Errorf("database schema is at version %d but this binary knows versions up to %d; run a newer Chancery", newest.Int64, latest)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}

	for _, m := range ms {
		applied := false
		err := db.inTx(ctx, func(tx *sql.Tx) error {
			if err := db.lockMigrations(ctx, tx); err != nil {
				return err
			}
			// Another instance may have applied it while this one waited.
			var n int
			if err := tx.QueryRowContext(ctx,
				`SELECT count(*) FROM schema_migrations WHERE version = $1`, m.version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx,
				`INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
				m.version, m.name, db.nowUTC()); err != nil {
				return err
			}
			applied = true
			return nil
		})
		if err != nil {
			return fmt.Errorf("store: migration %04d_%s: %w", m.version, m.name, err)
		}
		if applied {
			db.log.Info("store: applied migration", "version", m.version, "name", m.name)
		}
	}
	return nil
}

// MigrationsCurrent returns nil when every migration this binary embeds has
// been applied, and an error naming the missing ones otherwise. It suits a
// readiness check.
func (db *DB) MigrationsCurrent(ctx context.Context) error {
	ms, err := loadMigrations(db.backend)
	if err != nil {
		return err
	}
	rows, err := db.sql.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("store: read migrations: %w", err)
	}
	defer rows.Close()
	applied := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return fmt.Errorf("store: read migrations: %w", err)
		}
		applied[v] = true
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: read migrations: %w", err)
	}
	var missing []string
	for _, m := range ms {
		if !applied[m.version] {
			missing = append(missing, fmt.Sprintf("%04d_%s", m.version, m.name))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("store: migrations not applied: %s", strings.Join(missing, ", "))
	}
	return nil
}
