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

// TestIdentities: an identity makes one account, under a free variant of
// its username; it is found again by issuer and subject only; the same
// subject at another issuer is another person.
func TestIdentities(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		if _, err := db.CreateUser(ctx, account.User{Username: "lan", Roles: []account.Role{account.RoleAdmin}}); err != nil {
			t.Fatal(err)
		}
		u, err := db.CreateIdentityUser(ctx, account.User{Username: "Lan", DisplayName: "Lan", Roles: []account.Role{account.RoleChair}}, "https://idp.test", "s1")
		if err != nil {
			t.Fatal(err)
		}
		if u.Username != "lan-2" || !u.HasRole(account.RoleChair) || len(u.Roles) != 1 {
			t.Fatalf("made %+v", u)
		}
		got, err := db.UserByIdentity(ctx, "https://idp.test", "s1")
		if err != nil || got.ID != u.ID {
			t.Fatalf("found %+v %v", got, err)
		}
		if _, err := db.UserByIdentity(ctx, "https://other.test", "s1"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("another issuer's subject: %v", err)
		}
		if _, err := db.CreateIdentityUser(ctx, account.User{Username: "x"}, "https://idp.test", "s1"); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("identity linked twice: %v", err)
		}
		if _, err := db.GetUserByUsername(ctx, "x"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a refused identity left its account: %v", err)
		}
		if has, err := db.HasIdentity(ctx, u.ID); !has || err != nil {
			t.Fatalf("HasIdentity: %v %v", has, err)
		}
		local, _ := db.GetUserByUsername(ctx, "lan")
		if has, err := db.HasIdentity(ctx, local.ID); has || err != nil {
			t.Fatalf("HasIdentity of a local account: %v %v", has, err)
		}
		if err := db.TouchIdentity(ctx, "https://idp.test", "s1"); err != nil {
			t.Fatal(err)
		}
		if err := db.TouchIdentity(ctx, "https://idp.test", "nobody"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("touch a missing identity: %v", err)
		}

		// First sign-ins of one person at once: one account.
		var wg sync.WaitGroup
		var made, conflicts sync.Map
		for i := range 6 {
			wg.Go(func() {
				u, err := db.CreateIdentityUser(ctx, account.User{Username: "burst"}, "https://idp.test", "s2")
				switch {
				case err == nil:
					made.Store(i, u.ID)
				case errors.Is(err, store.ErrConflict):
					conflicts.Store(i, true)
				default:
					t.Error(err)
				}
			})
		}
		wg.Wait()
		n := 0
		made.Range(func(any, any) bool { n++; return true })
		if n != 1 {
			t.Fatalf("%d accounts made for one identity", n)
		}
	})
}

// TestOIDCSignIns: a flow is taken once, and not after it expired.
func TestOIDCSignIns(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := t.Context()
		f := store.OIDCSignIn{StateHash: "s", BrowserHash: "b", Nonce: "n", Verifier: "v", Next: "/press", ExpiresAt: clock.Now().Add(10 * time.Minute)}
		if err := db.CreateOIDCSignIn(ctx, f); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateOIDCSignIn(ctx, f); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("same state twice: %v", err)
		}
		got, err := db.TakeOIDCSignIn(ctx, "s")
		if err != nil || got.BrowserHash != "b" || got.Nonce != "n" || got.Verifier != "v" || got.Next != "/press" || !got.ExpiresAt.Equal(stored(f.ExpiresAt)) {
			t.Fatalf("took %+v %v", got, err)
		}
		if _, err := db.TakeOIDCSignIn(ctx, "s"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("taken twice: %v", err)
		}
		f.StateHash = "late"
		if err := db.CreateOIDCSignIn(ctx, f); err != nil {
			t.Fatal(err)
		}
		clock.Advance(10 * time.Minute)
		if _, err := db.TakeOIDCSignIn(ctx, "late"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("expired flow taken: %v", err)
		}
		f.StateHash = "old"
		f.ExpiresAt = clock.Now().Add(-time.Second)
		if err := db.CreateOIDCSignIn(ctx, f); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteExpiredOIDCSignIns(ctx); err != nil {
			t.Fatal(err)
		}
		clock.Advance(-time.Hour)
		if _, err := db.TakeOIDCSignIn(ctx, "old"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("expired flow not deleted: %v", err)
		}
	})
}

// TestSessionIdPSecondFactor: the mark of a session whose second factor
// the identity provider checked is kept.
func TestSessionIdPSecondFactor(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		u := createUser(t, db, "mai", account.RoleApprover)
		for _, mark := range []bool{true, false} {
			id := "h-" + map[bool]string{true: "idp", false: "local"}[mark]
			if err := db.CreateSession(t.Context(), account.Session{IDHash: id, UserID: u.ID, ExpiresAt: clock.Now().Add(time.Hour), IdPSecondFactor: mark}); err != nil {
				t.Fatal(err)
			}
			s, _, err := db.GetSession(t.Context(), id)
			if err != nil || s.IdPSecondFactor != mark {
				t.Fatalf("session %s: %+v %v", id, s, err)
			}
		}
	})
}
