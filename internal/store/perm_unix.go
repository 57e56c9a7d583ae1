//go:build unix

package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// checkPrivateDir refuses a data directory that other users may enter or
// read: it holds the database, the credentials key and the signing key.
func checkPrivateDir(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("store: data directory: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("store: data directory %s is not a directory", dir)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("store: the data directory %s can be read by other users (mode %04o); it holds the database and the keys: make it private with `chmod 700 %s` (and `chmod 600 %s/*`), then start again", dir, perm, dir, dir)
	}
	return nil
}

// privateFiles makes the database and its WAL and shared-memory files
// readable by this user alone: the database is created 0600 before SQLite
// opens it (SQLite gives its WAL and -shm files the database's mode), and
// files made earlier with a wider mode are narrowed.
func privateFiles(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("store: create %s: %w", filepath.Base(path), err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("store: create %s: %w", filepath.Base(path), err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("store: make %s private: %w", filepath.Base(p), err)
		}
	}
	return nil
}
