package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mofa-vn/chancery/internal/config"
	"github.com/mofa-vn/chancery/internal/signing"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// auditFixture is a database whose audit log has 5 entries, checkpointed
// by the server's own checkpointer after entries 2 and 4, and the command
// line of "chancery audit verify" for it.
type auditFixture struct {
	o      store.Options
	db     *store.DB
	file   string
	keyOut string
	args   []string
}

func newAuditFixture(t *testing.T, backend string) *auditFixture {
	t.Helper()
	f := &auditFixture{o: storetest.Options(t, backend)}
	f.db = storetest.OpenOptions(t, f.o)
	dir := t.TempDir()
	key, _, err := signing.LoadOrCreateKey(filepath.Join(dir, "signing-key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	// The auditor checks with the published public key.
	f.keyOut = filepath.Join(dir, "chancery-signing-key.pem")
	if err := os.WriteFile(f.keyOut, signing.PublicPEM(key.Public()), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.Storage = config.Storage{DataDir: f.o.DataDir, DatabaseURL: f.o.DatabaseURL}
	cfg.Audit.CheckpointFile = filepath.Join(dir, "audit-checkpoints.log")
	f.file = cfg.Audit.CheckpointFile
	w, err := newCheckpointer(cfg, f.db, key, slog.New(slog.NewTextHandler(t.Output(), nil)), nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if err := f.db.AppendAudit(t.Context(), store.AuditEntry{Actor: "olivia", Action: "test", Payload: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
		if i == 1 || i == 3 {
			if _, wrote, err := w.Checkpoint(t.Context()); err != nil || !wrote {
				t.Fatalf("checkpoint: %t, %v", wrote, err)
			}
		}
	}
	f.args = []string{"audit", "verify", "-data", f.o.DataDir, "-database-url", f.o.DatabaseURL, "-checkpoints", f.file, "-key", f.keyOut}
	return f
}

// run runs the command and returns what it printed.
func (f *auditFixture) run(t *testing.T) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := dispatch(t.Context(), f.args, nil, nil, &out, io.Discard)
	t.Logf("chancery audit verify: %v\n%s", err, out.String())
	return out.String(), err
}

func wantOutput(t *testing.T, out string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(out, p) {
			t.Fatalf("output lacks %q:\n%s", p, out)
		}
	}
}

// "chancery audit verify" checks the chain's links and the chain against
// its signed checkpoints, beside a running server (which holds the SQLite
// lock) or alone, on both backends.
func TestAuditVerifyCommand(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend+"/intact", func(t *testing.T) {
			f := newAuditFixture(t, backend)
			out, err := f.run(t)
			if err != nil {
				t.Fatalf("intact log: %v\n%s", err, out)
			}
			wantOutput(t, out, "audit log intact: 5 entries; 2 signed checkpoints agree, the latest covers entries 1 to 4", "line 2 of "+f.file,
				"1 later entry is not signed yet")
		})
		t.Run(backend+"/edited-row", func(t *testing.T) {
			f := newAuditFixture(t, backend)
			if _, err := storetest.Raw(t, f.o).Exec(`UPDATE pub_audit SET payload = 'x' WHERE seq = 3`); err != nil {
				t.Fatal(err)
			}
			out, err := f.run(t)
			if _, ok := errors.AsType[*store.AuditBreak](err); !ok {
				t.Fatalf("edited row: %v\n%s", err, out)
			}
			wantOutput(t, out, "first broken link: entry 3")
		})
		t.Run(backend+"/truncated", func(t *testing.T) {
			f := newAuditFixture(t, backend)
			storetest.TruncateAudit(t, f.db, storetest.Raw(t, f.o), 3)
			out, err := f.run(t)
			if !errors.Is(err, errAuditMismatch) {
				t.Fatalf("truncated log: %v\n%s", err, out)
			}
			wantOutput(t, out, "audit log TAMPERED: its 3 entries link up", "truncated: the log ends at entry 3", "covers 4 entries", "entry 4 was deleted")
		})
		t.Run(backend+"/rewritten", func(t *testing.T) {
			f := newAuditFixture(t, backend)
			storetest.RewriteAudit(t, f.db, storetest.Raw(t, f.o), 3, "a statement never made")
			out, err := f.run(t)
			if !errors.Is(err, errAuditMismatch) {
				t.Fatalf("rewritten log: %v\n%s", err, out)
			}
			wantOutput(t, out, "audit log TAMPERED: its 5 entries link up", "rewritten: entry 4 has hash", "rewritten at or before entry 4, after entry 2")
		})
		t.Run(backend+"/tampered-checkpoint", func(t *testing.T) {
			f := newAuditFixture(t, backend)
			b, err := os.ReadFile(f.file)
			if err != nil {
				t.Fatal(err)
			}
			// A checkpoint moved back to entry 1, to cover for a cut.
			tampered := strings.Replace(string(b), " seq=2 ", " seq=1 ", 1)
			if err := os.WriteFile(f.file, []byte(tampered), 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := f.run(t)
			if !errors.Is(err, errAuditMismatch) {
				t.Fatalf("tampered checkpoint: %v\n%s", err, out)
			}
			wantOutput(t, out, "bad-signature: line 1 of "+f.file, "altered or forged")
		})
	}
	t.Run("no checkpoint file", func(t *testing.T) {
		f := newAuditFixture(t, store.BackendSQLite)
		if err := os.Remove(f.file); err != nil {
			t.Fatal(err)
		}
		out, err := f.run(t)
		if !errors.Is(err, errAuditMismatch) {
			t.Fatalf("without checkpoints: %v\n%s", err, out)
		}
		wantOutput(t, out, "missing: no checkpoint file at "+f.file, "nothing outside the database vouches for the 5 entries")
	})
	t.Run("wrong key", func(t *testing.T) {
		f := newAuditFixture(t, store.BackendSQLite)
		other, _ := signing.GenerateKey()
		if err := os.WriteFile(f.keyOut, signing.PublicPEM(other.Public()), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := f.run(t)
		if !errors.Is(err, errAuditMismatch) {
			t.Fatalf("another key: %v\n%s", err, out)
		}
		wantOutput(t, out, "unknown-key: line 1 of", "not among the keys given")
	})
}
