package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// The real binary signs the audit log's head into <data>/audit-checkpoints.log
// with the key it generated, "chancery audit verify" with its defaults
// checks against them beside the running server, and a log cut while the
// server was stopped is reported by the command and by the next start.
func TestProcessAuditCheckpoints(t *testing.T) {
	data := storetest.DataDir(t)
	o := store.Options{DataDir: data}
	db, err := store.Open(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := db.AppendAudit(t.Context(), store.AuditEntry{Actor: "olivia", Action: "test", Payload: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	args := []string{"-addr", "127.0.0.1:0", "-data", data}
	p := serveChild(t, "audit checkpoints", childEnv(), args...)
	file := filepath.Join(data, "audit-checkpoints.log")
	deadline := time.Now().Add(startTimeout)
	for {
		if b, _ := os.ReadFile(file); strings.Contains(string(b), " seq=3 ") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no checkpoint of entry 3 in %s\n%s", file, p.dump())
		}
		time.Sleep(20 * time.Millisecond) // polling
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("checkpoint file: %v, %v", fi, err)
	}
	r := runChild(t, "", childEnv(), "audit", "verify", "-data", data)
	if r.code != 0 || !strings.Contains(r.stdout, "audit log intact: 3 entries; its signed checkpoint agrees, the latest covers entries 1 to 3") {
		t.Fatalf("verify beside the server: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	p.stop()

	db = storetest.OpenOptions(t, o)
	storetest.TruncateAudit(t, db, storetest.Raw(t, o), 2)
	db.Close()
	r = runChild(t, "", childEnv(), "audit", "verify", "-data", data)
	if r.code != 1 || !strings.Contains(r.stdout, "truncated: the log ends at entry 2") || !strings.Contains(r.stdout, "entry 3 was deleted") {
		t.Fatalf("verify after a cut: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	noStackTrace(t, r.stderr)

	again := serveChild(t, "audit checkpoints again", childEnv(), args...)
	again.waitLog("does not extend its last signed checkpoint")
	again.stop()
}
