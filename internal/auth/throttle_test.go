package auth

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

func throttleService(t *testing.T, db *store.DB, clock *storetest.Clock) *Service {
	t.Helper()
	svc, err := NewService(Params{DB: db, Log: slog.New(slog.DiscardHandler), Now: clock.Now, Argon2: cheap})
	if err != nil {
		t.Fatal(err)
	}
	hash, err := HashPassword("the owner's passphrase", cheap)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateUser(t.Context(), account.User{Username: "owner", DisplayName: "Owner", PasswordHash: hash, Roles: []account.Role{account.RoleApprover}}); err != nil {
		t.Fatal(err)
	}
	return svc
}

// burst sends n sign-ins at once and counts the passwords that were checked
// (a wrong one answers ErrBadCredentials) and the attempts refused unchecked.
func burst(t *testing.T, svc *Service, n int, username func(i int) string, ip func(i int) string) (checked, refused int) {
	t.Helper()
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			_, _, err := svc.SignIn(context.Background(), username(i), "a guess", ip(i), "test")
			mu.Lock()
			defer mu.Unlock()
			var te *ThrottledError
			switch {
			case errors.Is(err, ErrBadCredentials):
				checked++
			case errors.As(err, &te):
				refused++
			default:
				t.Errorf("attempt %d: %v", i, err)
			}
		})
	}
	close(start)
	wg.Wait()
	return checked, refused
}

// Twenty guesses sent at once are twenty against the limit: no more
// passwords are checked than the limit allows, on either backend.
func TestConcurrentGuessesAreAllCounted(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		svc := throttleService(t, db, clock)
		limit := svc.throttle.PerAccount

		checked, refused := burst(t, svc, 20, func(int) string { return "owner" }, func(i int) string { return "198.51.100." + string(rune('1'+i%9)) })
		if checked > limit || checked+refused != 20 {
			t.Errorf("account: %d passwords checked and %d refused of 20 sent at once; at most %d may be checked", checked, refused, limit)
		}

		clock.Advance(time.Hour)
		perAddr := svc.throttle.PerAddress
		checked, refused = burst(t, svc, perAddr+20, func(i int) string { return "nobody-" + string(rune('a'+i%26)) + string(rune('a'+i/26)) }, func(int) string { return "203.0.113.9" })
		if checked > perAddr || checked+refused != perAddr+20 {
			t.Errorf("address: %d passwords checked and %d refused of %d sent at once; at most %d may be checked", checked, refused, perAddr+20, perAddr)
		}
	})
}

// Wrong guesses slow the account down rather than lock it: the owner waits
// seconds, not a quarter of an hour, the wait doubles with each further
// failure, an administrator can clear it, and both are audited.
func TestAccountSlowsDownInsteadOfLocking(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		svc := throttleService(t, db, clock)
		ctx := t.Context()
		attacker := func(i int) string { return "192.0.2." + string(rune('1'+i%9)) } // one address each: no address block
		for i := range svc.throttle.PerAccount {
			if _, _, err := svc.SignIn(ctx, "owner", "guess", attacker(i), "x"); !errors.Is(err, ErrBadCredentials) {
				t.Fatalf("guess %d: %v", i, err)
			}
		}
		// The owner, with the right password, is asked to wait a moment.
		_, _, err := svc.SignIn(ctx, "owner", "the owner's passphrase", "198.51.100.7", "x")
		var te *ThrottledError
		if !errors.As(err, &te) || te.RetryAfter > svc.throttle.Delay {
			t.Fatalf("right after the fifth failure: %v, want a wait of at most %s", err, svc.throttle.Delay)
		}
		// The refused attempt did not make the wait longer.
		clock.Advance(svc.throttle.Delay)
		if _, _, err := svc.SignIn(ctx, "owner", "the owner's passphrase", "198.51.100.7", "x"); err != nil {
			t.Fatalf("after the wait the owner cannot sign in: %v", err)
		}

		// Failures keep doubling the wait.
		clock.Advance(time.Hour)
		var waits []time.Duration
		for i := range svc.throttle.PerAccount + 4 {
			_, _, err := svc.SignIn(ctx, "owner", "guess", attacker(i), "x")
			if errors.As(err, &te) {
				waits = append(waits, te.RetryAfter.Round(time.Millisecond)) // the store keeps microseconds
				clock.Advance(te.RetryAfter)
				if _, _, err = svc.SignIn(ctx, "owner", "guess", attacker(i), "x"); !errors.Is(err, ErrBadCredentials) {
					t.Fatalf("after waiting %s: %v", te.RetryAfter, err)
				}
			}
		}
		if len(waits) != 4 || waits[1] != 2*waits[0] || waits[2] != 2*waits[1] || waits[3] != 2*waits[2] {
			t.Errorf("waits %v: want four, each twice the one before", waits)
		}
		if n, wait, err := svc.LockState(ctx, "owner"); err != nil || n == 0 || wait == 0 {
			t.Fatalf("lock state: %d failures, wait %s, %v", n, wait, err)
		}
		admin := account.User{ID: 1, Username: "root"}
		if err := svc.ClearLock(ctx, admin, "owner"); err != nil {
			t.Fatal(err)
		}
		if n, wait, _ := svc.LockState(ctx, "owner"); n != 0 || wait != 0 {
			t.Errorf("after clearing: %d failures, wait %s", n, wait)
		}
		if _, _, err := svc.SignIn(ctx, "owner", "the owner's passphrase", "198.51.100.7", "x"); err != nil {
			t.Fatalf("after the administrator cleared the lock: %v", err)
		}

		entries, err := db.ListAudit(ctx, store.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range entries {
			actions = append(actions, e.Actor+" "+e.Action)
		}
		got := strings.Join(actions, ", ")
		if strings.Count(got, "signin signin.slow-down") != 2 || !strings.Contains(got, "root signin.unlock") {
			t.Errorf("audit log: %s; want two slow-downs and the administrator's unlock", got)
		}
	})
}

// An address that keeps failing is blocked, whatever accounts it tries,
// until its failures leave the window; the block is audited once.
func TestAddressIsBlocked(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		svc := throttleService(t, db, clock)
		ctx := t.Context()
		for i := range svc.throttle.PerAddress {
			if _, _, err := svc.SignIn(ctx, "user-"+string(rune('a'+i%26))+string(rune('a'+i/26)), "x", "203.0.113.50", "x"); !errors.Is(err, ErrBadCredentials) {
				t.Fatalf("attempt %d: %v", i, err)
			}
		}
		for range 3 {
			_, _, err := svc.SignIn(ctx, "owner", "the owner's passphrase", "203.0.113.50", "x")
			var te *ThrottledError
			if !errors.As(err, &te) {
				t.Fatalf("a blocked address signed in: %v", err)
			}
		}
		// The owner elsewhere is not affected.
		if _, _, err := svc.SignIn(ctx, "owner", "the owner's passphrase", "198.51.100.8", "x"); err != nil {
			t.Fatalf("from another address: %v", err)
		}
		clock.Advance(svc.throttle.Window + time.Second)
		if _, _, err := svc.SignIn(ctx, "owner", "the owner's passphrase", "203.0.113.50", "x"); err != nil {
			t.Fatalf("after the window: %v", err)
		}
		entries, err := db.ListAudit(ctx, store.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		blocks := 0
		for _, e := range entries {
			if e.Action == "signin.block-address" {
				blocks++
			}
		}
		if blocks != 1 {
			t.Errorf("%d address blocks audited, want 1", blocks)
		}
	})
}
