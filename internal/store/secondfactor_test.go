package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// TestSecondFactorStore checks the rules the store itself enforces, on both
// backends: a confirmed secret is never replaced by a new enrolment, steps
// only move forward, a recovery code is spent once, a pending sign-in is
// finished once and expires, and a reset removes the secret and the codes.
func TestSecondFactorStore(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := t.Context()
		u, err := db.CreateUser(ctx, account.User{Username: "ana", Roles: []account.Role{account.RoleApprover}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.GetTOTP(ctx, u.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("no secret yet: %v", err)
		}
		if err := db.StartTOTP(ctx, u.ID, []byte("sealed-1")); err != nil {
			t.Fatal(err)
		}
		if err := db.StartTOTP(ctx, u.ID, []byte("sealed-2")); err != nil {
			t.Fatalf("restarting an unconfirmed enrolment: %v", err)
		}
		if got, _ := db.GetTOTP(ctx, u.ID); string(got.Sealed) != "sealed-2" || got.Confirmed() {
			t.Fatalf("after restarting: %+v", got)
		}
		if err := db.ConfirmTOTP(ctx, u.ID, 100, []string{"h1", "h2"}); err != nil {
			t.Fatal(err)
		}
		if err := db.ConfirmTOTP(ctx, u.ID, 101, []string{"h3"}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("confirming twice: %v", err)
		}
		if err := db.StartTOTP(ctx, u.ID, []byte("sealed-3")); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("a new enrolment over a confirmed one: %v", err)
		}
		if got, _ := db.GetTOTP(ctx, u.ID); string(got.Sealed) != "sealed-2" || !got.Confirmed() || got.LastStep != 100 {
			t.Fatalf("confirmed secret: %+v", got)
		}
		for _, tc := range []struct {
			step int64
			want bool
		}{{100, false}, {99, false}, {101, true}, {101, false}, {103, true}, {102, false}} {
			if ok, err := db.UseTOTPStep(ctx, u.ID, tc.step); err != nil || ok != tc.want {
				t.Fatalf("use step %d: %v, %v; want %v", tc.step, ok, err, tc.want)
			}
		}
		if ok, _ := db.UseRecoveryCode(ctx, u.ID, "h1"); !ok {
			t.Fatal("a fresh recovery code is refused")
		}
		if ok, _ := db.UseRecoveryCode(ctx, u.ID, "h1"); ok {
			t.Fatal("a recovery code is accepted twice")
		}
		if n, _ := db.RecoveryCodesLeft(ctx, u.ID); n != 1 {
			t.Fatalf("%d codes left", n)
		}

		p := store.PendingSignIn{IDHash: "p1", UserID: u.ID, ExpiresAt: clock.Now().Add(time.Minute), IP: "192.0.2.1"}
		if err := db.CreatePendingSignIn(ctx, p); err != nil {
			t.Fatal(err)
		}
		if n, err := db.FailPendingSignIn(ctx, "p1"); err != nil || n != 1 {
			t.Fatalf("fail: %d, %v", n, err)
		}
		if got, gu, err := db.GetPendingSignIn(ctx, "p1"); err != nil || got.Failures != 1 || gu.Username != "ana" {
			t.Fatalf("pending: %+v, %v", got, err)
		}
		if ok, _ := db.DeletePendingSignIn(ctx, "p1"); !ok {
			t.Fatal("finishing a pending sign-in")
		}
		if ok, _ := db.DeletePendingSignIn(ctx, "p1"); ok {
			t.Fatal("finishing a pending sign-in twice")
		}
		p.IDHash = "p2"
		if err := db.CreatePendingSignIn(ctx, p); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Minute)
		if _, _, err := db.GetPendingSignIn(ctx, "p2"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("an expired pending sign-in: %v", err)
		}
		if err := db.DeleteExpiredPendingSignIns(ctx); err != nil {
			t.Fatal(err)
		}

		if had, err := db.DeleteSecondFactor(ctx, u.ID); err != nil || !had {
			t.Fatalf("delete: %v, %v", had, err)
		}
		if has, _ := db.HasSecondFactor(ctx, u.ID); has {
			t.Fatal("still has a second factor")
		}
		if n, _ := db.RecoveryCodesLeft(ctx, u.ID); n != 0 {
			t.Fatalf("%d codes left after the reset", n)
		}
	})
}
