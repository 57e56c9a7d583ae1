package auth

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

var cheap = Argon2Params{Memory: 64, Time: 1, Threads: 1}

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword("correct horse battery staple", DefaultArgon2)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=2$") {
		t.Fatalf("hash %q does not record argon2id with the default cost", h)
	}
	for _, tc := range []struct {
		pw   string
		want bool
	}{{"correct horse battery staple", true}, {"correct horse battery stapl", false}, {"", false}} {
		ok, err := VerifyPassword(tc.pw, h)
		if err != nil || ok != tc.want {
			t.Errorf("verify %q = %v, %v; want %v", tc.pw, ok, err, tc.want)
		}
	}
	h2, _ := HashPassword("correct horse battery staple", DefaultArgon2)
	if h2 == h {
		t.Fatal("two hashes of one password are equal: salt missing")
	}
}

func TestVerifyRejectsMalformedHashes(t *testing.T) {
	good, _ := HashPassword("pw", cheap)
	parts := strings.Split(good, "$")
	for _, bad := range []string{
		"", "plain", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=18$" + strings.Join(parts[3:], "$"),
		"$argon2id$v=19$m=999999999,t=1,p=1$" + parts[4] + "$" + parts[5], // absurd memory: refuse, don't allocate
		"$argon2id$v=19$m=64,t=1,p=0$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=64,t=1,p=1$!!!$" + parts[5],
		"$argon2id$v=19$m=64,t=1,p=1$" + parts[4] + "$c2hvcnQ",
	} {
		if ok, err := VerifyPassword("pw", bad); ok || !errors.Is(err, ErrBadHash) {
			t.Errorf("VerifyPassword(%q) = %v, %v; want ErrBadHash", bad, ok, err)
		}
	}
}

func TestTokens(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		svc, err := NewService(Params{DB: db, Log: slog.New(slog.DiscardHandler), Now: clock.Now, Argon2: cheap})
		if err != nil {
			t.Fatal(err)
		}
		ctx := t.Context()
		u, err := db.CreateUser(ctx, account.User{Username: "press", DisplayName: "P", PasswordHash: "x", Roles: []account.Role{account.RolePressOfficer, account.RoleApprover}})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.CreateToken(ctx, u, "too much", []account.Role{account.RoleAdmin}, time.Time{}); !errors.Is(err, ErrScope) {
			t.Fatalf("token with a role the owner lacks: %v", err)
		}
		secret, tok, err := svc.CreateToken(ctx, u, "bot", []account.Role{account.RolePressOfficer, account.RoleApprover}, clock.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(secret, TokenPrefix) || strings.Contains(tok.Hash, secret) || tok.Hash == secret {
			t.Fatalf("token secret %q stored as %q", secret, tok.Hash)
		}
		got, owner, err := svc.Token(ctx, secret)
		if err != nil || got.ID != tok.ID {
			t.Fatalf("Token: %v", err)
		}
		if roles := got.EffectiveRoles(owner); len(roles) != 2 {
			t.Fatalf("effective roles %v", roles)
		}
		// Taking a role from the owner takes it from the token at once.
		u.Roles = []account.Role{account.RolePressOfficer}
		if _, err := db.UpdateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		got, owner, _ = svc.Token(ctx, secret)
		if roles := got.EffectiveRoles(owner); len(roles) != 1 || roles[0] != account.RolePressOfficer {
			t.Fatalf("effective roles after demotion %v", roles)
		}
		if _, _, err := svc.Token(ctx, secret+"x"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("forged token: %v", err)
		}
		clock.Advance(2 * time.Hour)
		if _, _, err := svc.Token(ctx, secret); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("expired token: %v", err)
		}
	})
}

func TestSignInDoesNotRevealAccounts(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		svc, _ := NewService(Params{DB: db, Log: slog.New(slog.DiscardHandler), Now: clock.Now, Argon2: cheap})
		hash, _ := HashPassword("right password!", cheap)
		if _, err := db.CreateUser(t.Context(), account.User{Username: "real", DisplayName: "R", PasswordHash: hash, Roles: []account.Role{account.RoleChair}}); err != nil {
			t.Fatal(err)
		}
		_, _, errKnown := svc.SignIn(t.Context(), "real", "wrong", "192.0.2.1", "ua")
		_, _, errUnknown := svc.SignIn(t.Context(), "ghost", "wrong", "192.0.2.1", "ua")
		if !errors.Is(errKnown, ErrBadCredentials) || !errors.Is(errUnknown, ErrBadCredentials) {
			t.Fatalf("errors differ: %v / %v", errKnown, errUnknown)
		}
		secret, u, err := svc.SignIn(t.Context(), " REAL ", "right password!", "192.0.2.1", strings.Repeat("é", 300))
		if err != nil || u.Username != "real" {
			t.Fatalf("sign in: %v", err)
		}
		if _, err := svc.Session(t.Context(), secret); err != nil {
			t.Fatal(err)
		}
		// Sessions slide while used and end after the TTL of inactivity.
		clock.Advance(11 * time.Hour)
		if _, err := svc.Session(t.Context(), secret); err != nil {
			t.Fatalf("active session ended: %v", err)
		}
		clock.Advance(11 * time.Hour)
		if _, err := svc.Session(t.Context(), secret); err != nil {
			t.Fatalf("session used 11h ago ended: %v", err)
		}
		clock.Advance(13 * time.Hour)
		if _, err := svc.Session(t.Context(), secret); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("idle session still valid: %v", err)
		}
	})
}

// BenchmarkHashPassword measures the cost of one sign-in's argon2id with the
// production parameters: it bounds how many sign-ins a core can verify.
func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		if _, err := HashPassword("correct horse battery staple", DefaultArgon2); err != nil {
			b.Fatal(err)
		}
	}
}

// TestHashingIsBounded checks that sign-ins queue for a hashing slot rather
// than all running argon2id (64 MiB each) at once.
func TestHashingIsBounded(t *testing.T) {
	clock := storetest.NewClock(storetest.Start)
	db := storetest.OpenWithClock(t, store.BackendSQLite, clock.Now)
	svc, err := NewService(Params{DB: db, Log: slog.New(slog.DiscardHandler), Now: clock.Now, Argon2: cheap})
	if err != nil {
		t.Fatal(err)
	}
	if cap(svc.hashing) < 1 {
		t.Fatal("no hashing slots")
	}
	for range cap(svc.hashing) {
		if err := svc.acquireHashing(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	// Every slot is taken: a further sign-in waits until its context ends.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := svc.acquireHashing(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("acquire with every slot taken: %v", err)
	}
	<-svc.hashing
	if _, _, err := svc.SignIn(t.Context(), "someone", "pw", "192.0.2.1", "ua"); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("with a free slot: %v", err)
	}
	if len(svc.hashing) != cap(svc.hashing)-1 {
		t.Fatalf("sign-in did not release its slot: %d of %d taken", len(svc.hashing), cap(svc.hashing))
	}
}
