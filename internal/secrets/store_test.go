package secrets_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/secrets"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

func testBox(t *testing.T) *secrets.Box {
	t.Helper()
	box, err := secrets.NewBox(bytes.Repeat([]byte{7}, secrets.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return box
}

func TestStoreCredentials(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		storetest.Channels(t, db, 42)
		ctx := context.Background()
		c := secrets.NewCredentials(db, testBox(t), 42)
		if _, err := c.Load(ctx); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("Load before any secret: %v, want ErrNotFound", err)
		}
		failed := errors.New("refresh failed")
		if err := c.Update(ctx, func([]byte) ([]byte, error) { return nil, failed }); !errors.Is(err, failed) {
			t.Fatalf("Update: %v, want fn's error", err)
		}
		if _, err := c.Load(ctx); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a failed first Update left a row: %v", err)
		}
		if err := c.Update(ctx, func(cur []byte) ([]byte, error) {
			if cur != nil {
				t.Errorf("first Update sees %q, want nil", cur)
			}
			return []byte(`{"refresh_token":"r1"}`), nil
		}); err != nil {
			t.Fatal(err)
		}
		got, err := c.Load(ctx)
		if err != nil || string(got) != `{"refresh_token":"r1"}` {
			t.Fatalf("Load = %s, %v", got, err)
		}
		// Sealed for channel 42, the row does not open as channel 43.
		sealed, _ := db.ChannelCredential(ctx, 42)
		if _, err := testBox(t).Open(43, sealed); !errors.Is(err, secrets.ErrCorrupt) {
			t.Errorf("opened as another channel: %v", err)
		}
		ids, err := db.CredentialKeyIDs(ctx)
		if err != nil || ids[testBox(t).PrimaryKeyID()] != 1 {
			t.Errorf("CredentialKeyIDs = %v, %v", ids, err)
		}

		// Reconnecting without a refresh token keeps the working one.
		if err := secrets.Reconnect(ctx, c, []byte(`{"access_token":"a2","refresh_token":""}`)); err != nil {
			t.Fatal(err)
		}
		got, _ = c.Load(ctx)
		if string(got) != `{"access_token":"a2","refresh_token":"r1"}` {
			t.Errorf("after reconnect: %s", got)
		}
		if err := db.DeleteChannelCredential(ctx, 42); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Load(ctx); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("after delete: %v", err)
		}
	})
}

// TestStoreRotation re-seals with the new key on the next Update.
func TestStoreRotation(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		storetest.Channels(t, db, 42)
		ctx := context.Background()
		oldKey, newKey := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
		oldBox, _ := secrets.NewBox(oldKey)
		newBox, _ := secrets.NewBox(newKey, oldKey)
		if err := secrets.NewCredentials(db, oldBox, 1).Update(ctx, func([]byte) ([]byte, error) { return []byte("s"), nil }); err != nil {
			t.Fatal(err)
		}
		c := secrets.NewCredentials(db, newBox, 1)
		if got, err := c.Load(ctx); err != nil || string(got) != "s" {
			t.Fatalf("Load with the rotated box: %q, %v", got, err)
		}
		if err := c.Update(ctx, func(cur []byte) ([]byte, error) { return cur, nil }); err != nil {
			t.Fatal(err)
		}
		ids, _ := db.CredentialKeyIDs(ctx)
		if ids[secrets.KeyID(newKey)] != 1 || ids[secrets.KeyID(oldKey)] != 0 {
			t.Errorf("after an unchanged Update the key ids are %v, want the new key only", ids)
		}

		// Reseal moves every other channel to the new key.
		for ch := int64(2); ch <= 4; ch++ {
			if err := secrets.NewCredentials(db, oldBox, ch).Update(ctx, func([]byte) ([]byte, error) { return []byte{byte(ch)}, nil }); err != nil {
				t.Fatal(err)
			}
		}
		n, err := secrets.Reseal(ctx, db, newBox)
		if err != nil || n != 3 {
			t.Fatalf("Reseal = %d, %v; want 3", n, err)
		}
		if ids, _ := db.CredentialKeyIDs(ctx); len(ids) != 1 || ids[secrets.KeyID(newKey)] != 4 {
			t.Errorf("after Reseal the key ids are %v", ids)
		}
		onlyNew, _ := secrets.NewBox(newKey)
		for ch := int64(2); ch <= 4; ch++ {
			if got, err := secrets.NewCredentials(db, onlyNew, ch).Load(ctx); err != nil || !bytes.Equal(got, []byte{byte(ch)}) {
				t.Errorf("channel %d after Reseal: %v, %v", ch, got, err)
			}
		}
		if n, err := secrets.Reseal(ctx, db, newBox); err != nil || n != 0 {
			t.Errorf("a second Reseal = %d, %v", n, err)
		}
	})
}

// refresh is what a connector does under Update: refresh only when the
// current token is the stale one.
func refresh(calls *atomic.Int32, entered chan<- struct{}, release <-chan struct{}) func([]byte) ([]byte, error) {
	return func(cur []byte) ([]byte, error) {
		if string(cur) != "stale" {
			return cur, nil // another instance refreshed already
		}
		if entered != nil {
			entered <- struct{}{}
			<-release
		}
		calls.Add(1)
		return []byte("fresh"), nil
	}
}

// TestUpdateLocksAcrossInstances opens the same database twice (two
// server instances on PostgreSQL; two users of one SQLite DB in a process)
// and refreshes concurrently from both: exactly one refresh happens, and
// the second waits for the first.
func TestUpdateLocksAcrossInstances(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			o := storetest.Options(t, backend)
			a := storetest.OpenOptions(t, o)
			storetest.Channels(t, a, 5)
			b := a
			if backend == store.BackendPostgres {
				b = storetest.OpenOptions(t, o) // a second instance
			}
			box := testBox(t)
			ca, cb := secrets.NewCredentials(a, box, 5), secrets.NewCredentials(b, box, 5)
			if err := ca.Update(ctx, func([]byte) ([]byte, error) { return []byte("stale"), nil }); err != nil {
				t.Fatal(err)
			}
			var calls atomic.Int32
			entered, release := make(chan struct{}), make(chan struct{})
			errs := make(chan error, 2)
			go func() { errs <- ca.Update(ctx, refresh(&calls, entered, release)) }()
			<-entered
			var bEntered atomic.Bool
			go func() {
				errs <- cb.Update(ctx, func(cur []byte) ([]byte, error) {
					bEntered.Store(true)
					return refresh(&calls, nil, nil)(cur)
				})
			}()
			// Asserting that something does not happen needs a wait.
			select {
			case err := <-errs:
				t.Fatalf("the second Update returned while the first held the lock: %v", err)
			case <-time.After(200 * time.Millisecond):
			}
			if bEntered.Load() {
				t.Fatal("the second Update ran fn while the first held the lock")
			}
			close(release)
			for range 2 {
				if err := <-errs; err != nil {
					t.Fatal(err)
				}
			}
			if n := calls.Load(); n != 1 {
				t.Errorf("%d refreshes, want exactly 1", n)
			}
			if got, _ := cb.Load(ctx); string(got) != "fresh" {
				t.Errorf("stored %q, want fresh", got)
			}
		})
	}
}

func TestUpdateManyConcurrent(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		storetest.Channels(t, db, 42)
		ctx := context.Background()
		c := secrets.NewCredentials(db, testBox(t), 9)
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				if err := c.Update(ctx, func(cur []byte) ([]byte, error) { return append(cur, 'x'), nil }); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if got, _ := c.Load(ctx); string(got) != "xxxxxxxx" {
			t.Errorf("after 8 concurrent appends: %q (a lost update)", got)
		}
	})
}

// TestPlaintextNeverStored writes a secret through the SQLite store with a
// logger at debug level, then searches the database files and the log.
func TestPlaintextNeverStored(t *testing.T) {
	dir := storetest.DataDir(t)
	var logBuf bytes.Buffer
	db := storetest.OpenOptions(t, store.Options{DataDir: dir,
		Logger: slog.New(slog.NewTextHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	ctx := context.Background()
	storetest.Channels(t, db, 1)
	const token = "SECRET-refresh-token-4f9a2c"
	c := secrets.NewCredentials(db, testBox(t), 1)
	for i := range 3 {
		if err := secrets.Reconnect(ctx, c, []byte(`{"refresh_token":"`+token+`","n":`+string(rune('0'+i))+`}`)); err != nil {
			t.Fatal(err)
		}
	}
	// A failing Update's error must not carry the secret either.
	err := c.Update(ctx, func(cur []byte) ([]byte, error) { return nil, errors.New("refused") })
	if err == nil || bytes.Contains([]byte(err.Error()), []byte(token)) {
		t.Errorf("Update error %v", err)
	}
	if got, _ := c.Load(ctx); !bytes.Contains(got, []byte(token)) {
		t.Fatal("the secret did not round-trip")
	}
	if err := db.Close(); err != nil { // checkpoint the WAL into the file
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "chancery.db*"))
	if len(files) == 0 {
		t.Fatal("no database file found")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(token)) || bytes.Contains(b, []byte("refresh_token")) {
			t.Errorf("%s holds the plaintext", f)
		}
	}
	if bytes.Contains(logBuf.Bytes(), []byte(token)) {
		t.Errorf("the log holds the secret:\n%s", logBuf.String())
	}
	if logBuf.Len() == 0 {
		t.Error("the log is empty: the test would not see a leak")
	}
}
