//go:build unix

package store

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"
)

// fileLock is an exclusive flock on a file, held for the life of the DB.
// flock belongs to the open file description, so a second Open in the same
// process conflicts just like another process would.
type fileLock struct{ f *os.File }

func acquireLock(path string) (*fileLock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: open lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("store: %s is held by another Chancery process; SQLite serves one instance only, several instances need PostgreSQL (set CHANCERY_DATABASE_URL): %w", path, ErrLocked)
		}
		return nil, fmt.Errorf("store: lock %s: %w", path, err)
	}
	// The PID helps whoever finds the lock held; it is not what locks.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &fileLock{f: f}, nil
}

func (l *fileLock) release() error {
	// Closing the descriptor drops the flock.
	return l.f.Close()
}
