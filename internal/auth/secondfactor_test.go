package auth

import (
	"bytes"
	"context"
	"encoding/base32"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/auth/totp"
	"github.com/mofa-vn/chancery/internal/secrets"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// twofa is a service with a real secrets.Box and the default policy, and
// the users of a test.
type twofa struct {
	t     *testing.T
	db    *store.DB
	clock *storetest.Clock
	svc   *Service
}

func newTwofa(t *testing.T, db *store.DB, clock *storetest.Clock) *twofa {
	t.Helper()
	box, err := secrets.NewBox(bytes.Repeat([]byte{7}, secrets.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	svc, err := NewService(Params{DB: db, Log: slog.New(slog.DiscardHandler), Now: clock.Now, Argon2: cheap,
		Sealer: box, SecondFactorRoles: []account.Role{account.RoleAdmin, account.RoleApprover}})
	if err != nil {
		t.Fatal(err)
	}
	return &twofa{t: t, db: db, clock: clock, svc: svc}
}

func (f *twofa) user(name string, roles ...account.Role) account.User {
	f.t.Helper()
	hash, err := HashPassword(name+" passphrase", cheap)
	if err != nil {
		f.t.Fatal(err)
	}
	u, err := f.db.CreateUser(f.t.Context(), account.User{Username: name, DisplayName: name, PasswordHash: hash, Roles: roles})
	if err != nil {
		f.t.Fatal(err)
	}
	return u
}

// enrol sets up and confirms a TOTP for u, returning the secret as the app
// holds it and the recovery codes.
func (f *twofa) enrol(u account.User) ([]byte, []string) {
	f.t.Helper()
	e, err := f.svc.StartEnrolment(f.t.Context(), u)
	if err != nil {
		f.t.Fatal(err)
	}
	secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(e.Secret)
	if err != nil {
		f.t.Fatal(err)
	}
	if !strings.Contains(e.URI, "secret="+e.Secret) || !strings.HasPrefix(e.URI, "otpauth://totp/Chancery:"+u.Username+"?") {
		f.t.Fatalf("enrolment URI %s", e.URI)
	}
	codes, err := f.svc.ConfirmEnrolment(f.t.Context(), u, totp.Code(secret, totp.Step(f.clock.Now())))
	if err != nil {
		f.t.Fatal(err)
	}
	return secret, codes
}

// begin signs in with the password and requires a second step.
func (f *twofa) begin(u account.User) string {
	f.t.Helper()
	res, err := f.svc.Begin(f.t.Context(), u.Username, u.Username+" passphrase", "192.0.2.10", "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0")
	if err != nil {
		f.t.Fatal(err)
	}
	if !res.SecondStep {
		f.t.Fatalf("%s signed in with a password alone", u.Username)
	}
	return res.Secret
}

func (f *twofa) complete(pending, code string) error {
	f.t.Helper()
	_, _, err := f.svc.CompleteSignIn(f.t.Context(), pending, code, "192.0.2.10", "test")
	return err
}

// TestEnrolment sets up a TOTP: a wrong first code is refused, the right one
// turns it on and gives ten distinct recovery codes, the secret is stored
// sealed, and a second enrolment is refused.
func TestEnrolment(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		f := newTwofa(t, db, clock)
		ctx := t.Context()
		ana := f.user("ana", account.RoleApprover)
		if _, err := f.svc.ConfirmEnrolment(ctx, ana, "123456"); !errors.Is(err, ErrNotEnrolling) {
			t.Fatalf("confirming without an enrolment: %v", err)
		}
		e, err := f.svc.StartEnrolment(ctx, ana)
		if err != nil {
			t.Fatal(err)
		}
		secret, _ := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(e.Secret)
		stored, err := db.GetTOTP(ctx, ana.ID)
		if err != nil || bytes.Contains(stored.Sealed, secret) || stored.Confirmed() {
			t.Fatalf("stored secret: %v, in plain text %v, confirmed %v", err, bytes.Contains(stored.Sealed, secret), stored.Confirmed())
		}
		if has, _ := f.svc.HasSecondFactor(ctx, ana.ID); has {
			t.Fatal("an unconfirmed secret counts as a second factor")
		}
		step := totp.Step(clock.Now())
		if _, err := f.svc.ConfirmEnrolment(ctx, ana, totp.Code(secret, step+2)); !errors.Is(err, ErrBadCode) {
			t.Fatalf("a code two steps ahead confirmed the enrolment: %v", err)
		}
		codes, err := f.svc.ConfirmEnrolment(ctx, ana, totp.Code(secret, step))
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, c := range codes {
			if len(c) != 19 || seen[c] {
				t.Errorf("recovery code %q (len %d, repeated %v)", c, len(c), seen[c])
			}
			seen[c] = true
		}
		if len(codes) != RecoveryCodeCount {
			t.Fatalf("%d recovery codes", len(codes))
		}
		if n, _ := f.svc.RecoveryCodesLeft(ctx, ana.ID); n != RecoveryCodeCount {
			t.Fatalf("%d recovery codes stored", n)
		}
		if has, _ := f.svc.HasSecondFactor(ctx, ana.ID); !has {
			t.Fatal("confirmed, but no second factor")
		}
		if _, err := f.svc.StartEnrolment(ctx, ana); !errors.Is(err, ErrAlreadyEnrolled) {
			t.Fatalf("a second enrolment over a confirmed one: %v", err)
		}
		if _, err := f.svc.PendingEnrolment(ctx, ana); !errors.Is(err, ErrNotEnrolling) {
			t.Fatalf("the confirmed secret is still offered for scanning: %v", err)
		}
		// The code that confirmed the enrolment is spent.
		if err := f.complete(f.begin(ana), totp.Code(secret, step)); !errors.Is(err, ErrCodeReused) {
			t.Fatalf("the confirmation code signed in again: %v", err)
		}
	})
}

// TestSecondStep walks the second sign-in step with an injected clock:
// one step of drift either way is accepted, two are refused, no code is
// accepted twice, another account's code is refused, recovery codes work
// once each, and a password alone opens nothing.
func TestSecondStep(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		f := newTwofa(t, db, clock)
		ctx := t.Context()
		ana, bob := f.user("ana", account.RoleApprover), f.user("bob", account.RolePressOfficer)
		secret, recovery := f.enrol(ana)
		bobSecret, _ := f.enrol(bob)

		if _, _, err := f.svc.SignIn(ctx, "ana", "ana passphrase", "192.0.2.10", "x"); !errors.Is(err, ErrSecondFactorRequired) {
			t.Fatalf("SignIn with a password alone: %v", err)
		}
		if _, _, err := f.svc.CompleteSignIn(ctx, "made-up", totp.Code(secret, totp.Step(clock.Now())), "192.0.2.10", "x"); !errors.Is(err, ErrPendingExpired) {
			t.Fatalf("a made-up pending sign-in: %v", err)
		}

		clock.Advance(10 * totp.Period)
		now := totp.Step(clock.Now())
		pending := f.begin(ana)
		for _, d := range []int64{-2, 2, -3} {
			if err := f.complete(pending, totp.Code(secret, now+d)); !errors.Is(err, ErrBadCode) {
				t.Fatalf("a code %+d steps away: %v", d, err)
			}
		}
		if err := f.complete(pending, totp.Code(bobSecret, now)); !errors.Is(err, ErrBadCode) {
			t.Fatalf("bob's code for ana: %v", err)
		}
		if err := f.complete(pending, totp.Code(secret, now-1)); err != nil {
			t.Fatalf("a code one step late: %v", err)
		}
		// The pending sign-in is used up.
		if err := f.complete(pending, totp.Code(secret, now)); !errors.Is(err, ErrPendingExpired) {
			t.Fatalf("a pending sign-in finished twice: %v", err)
		}
		// The same code again, and any earlier one, is a replay.
		if err := f.complete(f.begin(ana), totp.Code(secret, now-1)); !errors.Is(err, ErrCodeReused) {
			t.Fatalf("a replayed code: %v", err)
		}
		if err := f.complete(f.begin(ana), totp.Code(secret, now+1)); err != nil {
			t.Fatalf("a code one step early: %v", err)
		}
		if err := f.complete(f.begin(ana), totp.Code(secret, now)); !errors.Is(err, ErrCodeReused) {
			t.Fatalf("a code older than the last one used: %v", err)
		}

		// Recovery codes: once each, typed any way.
		typed := strings.ToUpper(strings.ReplaceAll(recovery[0], "-", " "))
		if err := f.complete(f.begin(ana), typed); err != nil {
			t.Fatalf("a recovery code: %v", err)
		}
		if err := f.complete(f.begin(ana), recovery[0]); !errors.Is(err, ErrBadCode) {
			t.Fatalf("a recovery code used twice: %v", err)
		}
		if n, _ := f.svc.RecoveryCodesLeft(ctx, ana.ID); n != RecoveryCodeCount-1 {
			t.Fatalf("%d recovery codes left", n)
		}
		if err := f.complete(f.begin(bob), recovery[1]); !errors.Is(err, ErrBadCode) {
			t.Fatalf("ana's recovery code for bob: %v", err)
		}

		// A pending sign-in lasts PendingTTL.
		pending = f.begin(ana)
		clock.Advance(PendingTTL + time.Second)
		if err := f.complete(pending, totp.Code(secret, totp.Step(clock.Now()))); !errors.Is(err, ErrPendingExpired) {
			t.Fatalf("after %s: %v", PendingTTL, err)
		}
		entries, err := db.ListAudit(ctx, store.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, e := range entries {
			got[e.Action]++
		}
		if got["signin.ok"] != 3 || got["signin.fail"] < 6 || got["second-factor.enrol"] != 2 {
			t.Errorf("audit log: %v", got)
		}
	})
}

// TestWrongCodesAreThrottled counts every wrong code in the sign-in
// throttle, whoever knows the password: after a pending sign-in takes
// maxCodeFailures it is dropped, and the account's failures stay across a
// new password so that the slow-down applies.
func TestWrongCodesAreThrottled(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		f := newTwofa(t, db, clock)
		ctx := t.Context()
		ana := f.user("ana", account.RoleApprover)
		secret, _ := f.enrol(ana)
		clock.Advance(5 * totp.Period)
		pending := f.begin(ana)
		for i := range maxCodeFailures {
			if err := f.complete(pending, "000000"); !errors.Is(err, ErrBadCode) {
				t.Fatalf("wrong code %d: %v", i, err)
			}
		}
		if n, _, _ := f.svc.LockState(ctx, "ana"); n != maxCodeFailures {
			t.Fatalf("%d failures counted, want %d", n, maxCodeFailures)
		}
		if err := f.complete(pending, totp.Code(secret, totp.Step(clock.Now()))); !errors.Is(err, ErrPendingExpired) {
			t.Fatalf("after %d wrong codes the pending sign-in still works: %v", maxCodeFailures, err)
		}
		// The failures are still there: the password, too, must wait now.
		_, err := f.svc.Begin(ctx, "ana", "ana passphrase", "192.0.2.10", "x")
		var te *ThrottledError
		if !errors.As(err, &te) {
			t.Fatalf("the password right after %d wrong codes: %v", maxCodeFailures, err)
		}
		clock.Advance(te.RetryAfter + time.Second)
		pending = f.begin(ana)
		if err := f.complete(pending, "111111"); !errors.Is(err, ErrBadCode) {
			t.Fatalf("a wrong code after the wait: %v", err)
		}
		if err := f.complete(pending, totp.Code(secret, totp.Step(clock.Now()))); !errors.As(err, &te) {
			t.Fatalf("the account is not slowed down after %d wrong codes: %v", maxCodeFailures+1, err)
		}
		// After the wait, the right code still gets in and clears them.
		clock.Advance(te.RetryAfter + time.Second)
		if err := f.complete(pending, totp.Code(secret, totp.Step(clock.Now()))); err != nil {
			t.Fatalf("the right code after the wait: %v", err)
		}
		if n, _, _ := f.svc.LockState(ctx, "ana"); n != 0 {
			t.Fatalf("%d failures left after signing in", n)
		}
	})
}

// TestOneCodeOneSession sends the same right code through ten pending
// sign-ins at once: exactly one opens a session; the others are refused
// as replays, or, once the replays have counted as failures, by the
// throttle.
func TestOneCodeOneSession(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		f := newTwofa(t, db, clock)
		ana := f.user("ana", account.RoleAdmin)
		secret, _ := f.enrol(ana)
		clock.Advance(totp.Period)
		code := totp.Code(secret, totp.Step(clock.Now()))
		var pendings []string
		for range 10 {
			pendings = append(pendings, f.begin(ana))
		}
		var mu sync.Mutex
		var wg sync.WaitGroup
		ok, refused := 0, 0
		start := make(chan struct{})
		for _, p := range pendings {
			wg.Go(func() {
				<-start
				_, _, err := f.svc.CompleteSignIn(context.Background(), p, code, "192.0.2.10", "x")
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case errors.Is(err, ErrCodeReused), errors.As(err, new(*ThrottledError)):
					refused++
				default:
					t.Errorf("%v", err)
				}
			})
		}
		close(start)
		wg.Wait()
		if ok != 1 || refused != 9 {
			t.Fatalf("%d sessions and %d refused, want 1 and 9", ok, refused)
		}
	})
}

// TestResetSecondFactor: an administrator's reset removes the second
// factor and the recovery codes, signs the user out everywhere, leaves a
// notice for them, and is audited.
func TestResetSecondFactor(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		f := newTwofa(t, db, clock)
		ctx := t.Context()
		root, ana := f.user("root", account.RoleAdmin), f.user("ana", account.RoleApprover)
		secret, _ := f.enrol(ana)
		clock.Advance(totp.Period)
		if err := f.complete(f.begin(ana), totp.Code(secret, totp.Step(clock.Now()))); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.ResetSecondFactor(ctx, root, ana); err != nil {
			t.Fatal(err)
		}
		if has, _ := f.svc.HasSecondFactor(ctx, ana.ID); has {
			t.Fatal("still has a second factor")
		}
		if n, _ := f.svc.RecoveryCodesLeft(ctx, ana.ID); n != 0 {
			t.Fatalf("%d recovery codes left", n)
		}
		if s, _ := db.ListUserSessions(ctx, ana.ID); len(s) != 0 {
			t.Fatalf("%d sessions left", len(s))
		}
		if by, _ := f.svc.ResetNotice(ctx, ana.ID); by != "root" {
			t.Fatalf("notice %q", by)
		}
		// The password alone signs in again, to enrol.
		res, err := f.svc.Begin(ctx, "ana", "ana passphrase", "192.0.2.10", "x")
		if err != nil || res.SecondStep {
			t.Fatalf("after the reset: %+v, %v", res, err)
		}
		entries, err := db.ListAudit(ctx, store.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, e := range entries {
			if e.Action == "second-factor.reset" && e.Actor == "root" && strings.Contains(e.Payload, `"username":"ana"`) {
				found = true
			}
		}
		if !found {
			t.Fatal("the reset is not in the audit log")
		}
	})
}
