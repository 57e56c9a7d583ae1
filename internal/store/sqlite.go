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

func (db *DB) openSQLite(ctx context.Context, o Options) error {
	if o.DataDir == "" {
		return errors.New("store: no database URL and no data directory: set one of them")
	}
	if err := os.MkdirAll(o.DataDir, 0o700); err != nil {
		return fmt.Errorf("store: create data directory: %w", err)
	}
	lock, err := acquireLock(filepath.Join(o.DataDir, lockFile))
	if err != nil {
		return err
	}

	path := filepath.Join(o.DataDir, sqliteFile)
	// store.go imports modernc.org/sqlite, which registers the driver.
	sdb, err := sql.Open("sqlite", path+"?"+sqliteParams.Encode())
	if err != nil {
		lock.release()
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
		lock.release()
		return fmt.Errorf("store: open %s: %w", path, err)
	}
	db.sql, db.lock, db.backend = sdb, lock, BackendSQLite
	db.log.Info("store: opened SQLite", "path", path)
	return nil
}
