package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestProcessSecretKey: the embedded setup generates the credentials key on
// first start with mode 0600 and keeps it; with PostgreSQL and no key the
// server refuses to start and says what to set.
func TestProcessSecretKey(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	p := serveChild(t, "first start", childEnv(), "-addr", "127.0.0.1:0", "-data", data)
	p.stop()
	path := filepath.Join(data, "secret.key")
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("no credentials key in the data directory: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %04o, want 0600", fi.Mode().Perm())
	}
	first, _ := os.ReadFile(path)
	serveChild(t, "second start", childEnv(), "-addr", "127.0.0.1:0", "-data", data).stop()
	if again, _ := os.ReadFile(path); string(again) != string(first) {
		t.Error("the key changed across restarts")
	}

	dbURL, _ := newPostgresSchema(t)
	r := runChild(t, "", childEnv("CHANCERY_DATABASE_URL="+dbURL, "CHANCERY_SIGNING_KEY="+sharedSigningKey(t)), "-addr", "127.0.0.1:0")
	if r.code == 0 || !strings.Contains(r.stderr, "CHANCERY_SECRET_KEY") {
		t.Fatalf("PostgreSQL without a credentials key: exit %d\n%s", r.code, r.stderr)
	}
	noStackTrace(t, r.stderr)
}
