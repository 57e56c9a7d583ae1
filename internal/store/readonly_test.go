package store_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// A database opened ReadOnly reads beside the server that holds it (the
// audit verify command), changes nothing, and refuses a schema it would
// have to migrate.
func TestReadOnlyBesideTheServer(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			o := storetest.Options(t, backend)
			server, err := store.Open(t.Context(), o)
			if err != nil {
				t.Fatal(err)
			}
			for i := range 3 {
				if err := server.AppendAudit(t.Context(), store.AuditEntry{Actor: "olivia", Action: "test", Payload: fmt.Sprint(i)}); err != nil {
					t.Fatal(err)
				}
			}
			read := o
			read.ReadOnly = true
			reader, err := store.Open(t.Context(), read)
			if err != nil {
				t.Fatalf("beside the server: %v", err)
			}
			if n, err := reader.VerifyAudit(t.Context()); err != nil || n != 3 {
				t.Errorf("verify beside the server: %d, %v", n, err)
			}
			// The server goes on writing; the reader sees it.
			if err := server.AppendAudit(t.Context(), store.AuditEntry{Actor: "olivia", Action: "test", Payload: "3"}); err != nil {
				t.Fatal(err)
			}
			if n, err := reader.VerifyAudit(t.Context()); err != nil || n != 4 {
				t.Errorf("verify after a write: %d, %v", n, err)
			}
			if err := reader.AppendAudit(t.Context(), store.AuditEntry{Actor: "mallory", Action: "test"}); err == nil {
				t.Error("a read-only store wrote")
			}
			reader.Close()
			server.Close()
			// And with no server running.
			reader, err = store.Open(t.Context(), read)
			if err != nil {
				t.Fatalf("alone: %v", err)
			}
			if n, err := reader.VerifyAudit(t.Context()); err != nil || n != 4 {
				t.Errorf("verify alone: %d, %v", n, err)
			}
			reader.Close()
		})
	}
	empty := store.Options{DataDir: storetest.DataDir(t), ReadOnly: true}
	if _, err := store.Open(t.Context(), empty); err == nil || !strings.Contains(err.Error(), "no database to read") {
		t.Errorf("an empty directory: %v", err)
	}
}
