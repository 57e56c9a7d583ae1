package checkpoint_test

import (
	"context"
	"crypto/ed25519"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/checkpoint"
	"github.com/mofa-vn/chancery/internal/httpx/httpxtest"
	"github.com/mofa-vn/chancery/internal/signing"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// waitLines polls file until it holds n lines.
func waitLines(t *testing.T, file string, n int) []string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		b, _ := os.ReadFile(file)
		lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
		if len(b) > 0 && len(lines) >= n {
			return lines
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s holds %q, want %d lines", file, b, n)
		}
		time.Sleep(5 * time.Millisecond) // polling
	}
}

// Run signs at start, after a kick (a publication) and on the way out; an
// unchanged head is not signed twice. The file is created with mode 0600.
func TestWriterRun(t *testing.T) {
	db := storetest.Open(t, store.BackendSQLite)
	key, _ := signing.GenerateKey()
	file := filepath.Join(t.TempDir(), "audit-checkpoints.log")
	log := &httpxtest.SyncBuffer{}
	w, err := checkpoint.NewWriter(checkpoint.Params{Chain: db, Key: key, File: file, Instance: "web 1/é", Interval: time.Hour,
		Log: slog.New(slog.NewTextHandler(log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(file)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("checkpoint file: %v, %v", fi, err)
	}
	appendEntry := func() {
		if err := db.AppendAudit(t.Context(), store.AuditEntry{Actor: "olivia", Action: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	appendEntry()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.Run(ctx)
	}()
	waitLines(t, file, 1)
	appendEntry()
	w.Kick()
	waitLines(t, file, 2)
	appendEntry()
	cancel()
	<-done
	b, _ := os.ReadFile(file)
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("want checkpoints at start, after the kick and at the end, got %q", lines)
	}
	for i, l := range lines {
		c, err := checkpoint.Parse(l)
		if err != nil || c.Seq != int64(i+1) || c.By != "web_1___" || !signing.VerifyCheckpoint(key.Public(), c.Body(), c.Sig) {
			t.Fatalf("line %d %q: %+v, %v", i+1, l, c, err)
		}
	}
	// A new writer (a restart) finds the last checkpoint and does not
	// repeat it for the same head.
	w2, err := checkpoint.NewWriter(checkpoint.Params{Chain: db, Key: key, File: file, Log: slog.New(slog.NewTextHandler(log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if c, wrote, err := w2.Checkpoint(t.Context()); err != nil || wrote || c.Seq != 3 {
		t.Fatalf("restart over an unchanged head: %+v, wrote %t, %v", c, wrote, err)
	}
	if log.String() != "" {
		t.Fatalf("unexpected log: %s", log.String())
	}
}

// A checkpoint file others may write is refused: anyone could append a
// line to it.
func TestWriterRefusesAFileOthersMayWrite(t *testing.T) {
	db := storetest.Open(t, store.BackendSQLite)
	key, _ := signing.GenerateKey()
	file := filepath.Join(t.TempDir(), "audit-checkpoints.log")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(file, 0o666); err != nil {
		t.Fatal(err)
	}
	_, err := checkpoint.NewWriter(checkpoint.Params{Chain: db, Key: key, File: file, Log: slog.New(slog.DiscardHandler)})
	if err == nil || !strings.Contains(err.Error(), "may be written by others") {
		t.Fatalf("a world-writable checkpoint file was accepted: %v", err)
	}
}

// With -audit-syslog, each checkpoint line also goes to a syslog server.
func TestWriterSendsToSyslog(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	db := storetest.Open(t, store.BackendSQLite)
	if err := db.AppendAudit(t.Context(), store.AuditEntry{Actor: "olivia", Action: "test"}); err != nil {
		t.Fatal(err)
	}
	key, _ := signing.GenerateKey()
	w, err := checkpoint.NewWriter(checkpoint.Params{Chain: db, Key: key, File: filepath.Join(t.TempDir(), "cp.log"),
		Syslog: "udp://" + pc.LocalAddr().String(), Log: slog.New(slog.NewTextHandler(t.Output(), nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	c, wrote, err := w.Checkpoint(t.Context())
	if err != nil || !wrote {
		t.Fatalf("checkpoint: %v %v", wrote, err)
	}
	if err := pc.SetReadDeadline(time.Now().Add(20 * time.Second)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	n, _, err := pc.ReadFrom(buf)
	if err != nil {
		t.Fatal(err)
	}
	msg := string(buf[:n])
	// <37>: facility auth (4) × 8 + severity notice (5).
	if !strings.HasPrefix(msg, "<37>") || !strings.Contains(msg, "chancery-audit") || !strings.Contains(msg, c.Line()) {
		t.Fatalf("syslog got %q, want the line %q", msg, c.Line())
	}
	for _, bad := range []string{"udp://nohost", "http://h:514", "unix://h/dev/log", "tcp://h:514/x"} {
		_, err := checkpoint.NewWriter(checkpoint.Params{Chain: db, Key: key, File: filepath.Join(t.TempDir(), "cp.log"), Syslog: bad, Log: slog.New(slog.DiscardHandler)})
		if err == nil {
			t.Errorf("syslog address %q accepted", bad)
		}
	}
}

// Two instances on one PostgreSQL database appending to one file at once,
// while entries are appended: every line lands whole and verifies, and the
// chain agrees with all of them.
func TestTwoWritersShareAFile(t *testing.T) {
	db := storetest.Open(t, store.BackendPostgres)
	key, _ := signing.GenerateKey()
	file := filepath.Join(t.TempDir(), "audit-checkpoints.log")
	var ws []*checkpoint.Writer
	for _, name := range []string{"web-1", "web-2"} {
		w, err := checkpoint.NewWriter(checkpoint.Params{Chain: db, Key: key, File: file, Instance: name, Log: slog.New(slog.NewTextHandler(t.Output(), nil))})
		if err != nil {
			t.Fatal(err)
		}
		ws = append(ws, w)
	}
	const rounds = 40
	var wg sync.WaitGroup
	for _, w := range ws {
		wg.Go(func() {
			for range rounds {
				if err := db.AppendAudit(context.Background(), store.AuditEntry{Actor: "olivia", Action: "test"}); err != nil {
					t.Error(err)
					return
				}
				if _, _, err := w.Checkpoint(context.Background()); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) < rounds {
		t.Fatalf("%d lines for %d rounds of two writers", len(lines), rounds)
	}
	r, err := checkpoint.Verify(t.Context(), db, []ed25519.PublicKey{key.Public()}, []string{file})
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() || r.Checkpoints != len(lines) || r.Latest.Seq != 2*rounds {
		t.Fatalf("%d lines: %+v", len(lines), r)
	}
}
