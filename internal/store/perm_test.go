//go:build unix

package store_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// The embedded store's files are readable by the server's user alone, even
// in a data directory that already existed and under a umask that would
// give others read access; a data directory others can read is refused
// with a message saying how to fix it.
func TestDataFilesArePrivate(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)

	t.Run("an existing private directory", func(t *testing.T) {
		dir := storetest.DataDir(t)
		// A database left by an earlier version with mode 0644.
		if err := os.WriteFile(filepath.Join(dir, "chancery.db-wal"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		db, err := store.Open(t.Context(), store.Options{DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.AppendAudit(t.Context(), store.AuditEntry{Actor: "test", Action: "test", Payload: "x"}); err != nil {
			t.Fatal(err)
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, e := range entries {
			fi, err := e.Info()
			if err != nil {
				t.Fatal(err)
			}
			seen[e.Name()] = true
			if perm := fi.Mode().Perm(); perm != 0o600 {
				t.Errorf("%s: mode %04o, want 0600", e.Name(), perm)
			}
		}
		for _, name := range []string{"chancery.db", "chancery.db-wal", "chancery.db-shm"} {
			if !seen[name] {
				t.Errorf("%s was not created: the check saw only %v", name, seen)
			}
		}
	})

	t.Run("a directory others can read is refused", func(t *testing.T) {
		for _, mode := range []os.FileMode{0o755, 0o750, 0o701} {
			dir := filepath.Join(t.TempDir(), "data")
			if err := os.Mkdir(dir, mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(dir, mode); err != nil { // past the umask
				t.Fatal(err)
			}
			db, err := store.Open(t.Context(), store.Options{DataDir: dir})
			if err == nil {
				db.Close()
				t.Fatalf("mode %04o: opened", mode)
			}
			if !strings.Contains(err.Error(), "chmod 700 "+dir) {
				t.Errorf("mode %04o: the message does not say how to fix it: %v", mode, err)
			}
			if _, err := os.Stat(filepath.Join(dir, "chancery.db")); !os.IsNotExist(err) {
				t.Errorf("mode %04o: a database was created in the refused directory", mode)
			}
		}
	})
}
