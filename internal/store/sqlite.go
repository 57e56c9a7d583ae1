package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
)

const (
	sqliteFile = "chancery.db"
	lockFile   = "chancery.lock"
)

// sqliteParams configures every SQLite connection of the pool.
//
// WAL lets readers run beside the one writer. _txlock=immediate makes every
// transaction take the write lock at BEGIN, so two transactions never both
// read and then both try to upgrade (which SQLite answers with SQLITE_BUSY at
// once, without waiting); writers queue on busy_timeout instead.
// _time_format=sqlite writes "2006-01-02 15:04:05.999999999-07:00", which the
// driver parses back into time.Time for TIMESTAMP columns, and _timezone=UTC
// writes and reads in UTC, so stored text compares in time order.
var sqliteParams = url.Values{
	"_pragma": {
		"busy_timeout(5000)",
		"journal_mode(WAL)",
		"foreign_keys(1)",
		"synchronous(NORMAL)",
	},
	"_txlock":      {"immediate"},
	"_time_format": {"sqlite"},
	"_timezone":    {"UTC"},
}

// sqliteReadParams open a connection that only reads, beside the server's:
// SQLite itself keeps readers and the writer apart, so no lock of ours is
// needed, and a read-only connection changes nothing (no journal mode, no
// write lock at BEGIN).
var sqliteReadParams = url.Values{
	"mode":         {"ro"},
	"_pragma":      {"busy_timeout(5000)"},
	"_time_format": {"sqlite"},
	"_timezone":    {"UTC"},
}

func (db *DB) openSQLite(ctx context.Context, o Options) error {
	if o.DataDir == "" {
		return errors.New("store: no database URL and no data directory: set one of them")
	}
	path := filepath.Join(o.DataDir, sqliteFile)
	params := sqliteParams
	var lock *fileLock // nil when only reading
	if o.ReadOnly {
		if _, err := os.Stat(path); err != nil {
			return fmt.Errorf("store: no database to read in %s: %w", o.DataDir, err)
		}
		params = sqliteReadParams
	} else {
		if err := os.MkdirAll(o.DataDir, 0o700); err != nil {
			return fmt.Errorf("store: create data directory: %w", err)
		}
		if err := checkPrivateDir(o.DataDir); err != nil {
			return err
		}
		var err error
		if lock, err = acquireLock(filepath.Join(o.DataDir, lockFile)); err != nil {
			return err
		}
		if err := privateFiles(path); err != nil {
			lock.releaseIfHeld()
			return err
		}
	}

	// store.go imports modernc.org/sqlite, which registers the driver.
	dsn := path + "?" + params.Encode()
	if o.ReadOnly {
		// mode=ro is an SQLite URI parameter: the name must be a file: URI.
		dsn = "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + params.Encode()
	}
	sdb, err := sql.Open("sqlite", dsn)
	if err != nil {
		lock.releaseIfHeld()
		return fmt.Errorf("store: open %s: %w", path, err)
	}
	// Writers are serialised by SQLite whatever the pool size; a few
	// connections let reads proceed while one writes.
	n := o.MaxOpenConns
	if n <= 0 {
		n = 4
	}
	sdb.SetMaxOpenConns(n)
	sdb.SetMaxIdleConns(n)
	sdb.SetConnMaxIdleTime(0)
	sdb.SetConnMaxLifetime(0)

	if err := sdb.PingContext(ctx); err != nil {
		sdb.Close()
		lock.releaseIfHeld()
		return fmt.Errorf("store: open %s: %w", path, err)
	}
	db.sql, db.lock, db.backend = sdb, lock, BackendSQLite
	db.log.Info("store: opened SQLite", "path", path)
	return nil
}

// releaseIfHeld releases l, if there is one.
func (l *fileLock) releaseIfHeld() {
	if l != nil {
		_ = l.release()
	}
}
