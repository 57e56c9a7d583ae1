package store_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// TestPasskeyStore checks the rules the store enforces for passkeys, on
// both backends: a credential ID is registered once, only its owner removes
// it, the sign counter only moves forward (also under concurrent sign-ins),
// a challenge is taken once and expires, a passkey is a second factor, and
// a reset removes the passkeys.
func TestPasskeyStore(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := t.Context()
		ana, err := db.CreateUser(ctx, account.User{Username: "ana", Roles: []account.Role{account.RoleApprover}})
		if err != nil {
			t.Fatal(err)
		}
		bao, err := db.CreateUser(ctx, account.User{Username: "bao"})
		if err != nil {
			t.Fatal(err)
		}
		if has, _ := db.HasSecondFactor(ctx, ana.ID); has {
			t.Fatal("a second factor before any")
		}
		key := store.Passkey{ID: []byte{1, 2, 3}, UserID: ana.ID, Name: "Laptop", Record: "{}", SignCount: 5}
		if err := db.CreatePasskey(ctx, key); err != nil {
			t.Fatal(err)
		}
		if err := db.CreatePasskey(ctx, store.Passkey{ID: []byte{1, 2, 3}, UserID: bao.ID, Name: "Copy", Record: "{}"}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("a credential ID registered twice: %v", err)
		}
		if has, _ := db.HasSecondFactor(ctx, ana.ID); !has {
			t.Fatal("a passkey is no second factor")
		}
		if got, err := db.GetPasskey(ctx, []byte{1, 2, 3}); err != nil || got.Name != "Laptop" || got.SignCount != 5 || !got.LastUsedAt.IsZero() {
			t.Fatalf("get: %+v, %v", got, err)
		}
		for _, tc := range []struct {
			count uint32
			want  bool
		}{{5, false}, {4, false}, {6, true}, {6, false}, {9, true}} {
			if ok, err := db.UsePasskey(ctx, key.ID, tc.count, "{}"); err != nil || ok != tc.want {
				t.Fatalf("use with counter %d: %v, %v; want %v", tc.count, ok, err, tc.want)
			}
		}
		// Ten sign-ins with one counter value: one wins.
		var wg sync.WaitGroup
		wins := make(chan bool, 10)
		for range 10 {
			wg.Go(func() {
				ok, err := db.UsePasskey(ctx, key.ID, 10, "{}")
				if err != nil {
					t.Error(err)
				}
				wins <- ok
			})
		}
		wg.Wait()
		close(wins)
		n := 0
		for ok := range wins {
			if ok {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%d concurrent sign-ins with one counter won", n)
		}
		if ok, _ := db.DeletePasskey(ctx, bao.ID, key.ID); ok {
			t.Fatal("bao removed ana's passkey")
		}

		c := store.WebAuthnChallenge{IDHash: "h1", Kind: "signin", Session: `{"challenge":"x"}`, ExpiresAt: clock.Now().Add(time.Minute)}
		if err := db.SaveWebAuthnChallenge(ctx, c); err != nil {
			t.Fatal(err)
		}
		if _, err := db.TakeWebAuthnChallenge(ctx, "h1", "register"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a sign-in challenge taken for a registration: %v", err)
		}
		takes := make(chan error, 5)
		for range 5 {
			wg.Go(func() {
				_, err := db.TakeWebAuthnChallenge(ctx, "h1", "signin")
				takes <- err
			})
		}
		wg.Wait()
		close(takes)
		n = 0
		for err := range takes {
			if err == nil {
				n++
			} else if !errors.Is(err, store.ErrNotFound) {
				t.Fatal(err)
			}
		}
		if n != 1 {
			t.Fatalf("one challenge taken %d times", n)
		}
		c.IDHash, c.UserID = "h2", ana.ID
		if err := db.SaveWebAuthnChallenge(ctx, c); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Minute)
		if _, err := db.TakeWebAuthnChallenge(ctx, "h2", "signin"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("an expired challenge: %v", err)
		}

		if had, err := db.DeleteSecondFactor(ctx, ana.ID); err != nil || !had {
			t.Fatalf("reset: %v, %v", had, err)
		}
		if list, _ := db.ListPasskeys(ctx, ana.ID); len(list) != 0 {
			t.Fatalf("passkeys after a reset: %+v", list)
		}
	})
}
