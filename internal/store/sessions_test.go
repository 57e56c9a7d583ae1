package store_test

import (
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

func newSession(db *store.DB, t *testing.T, id string, userID int64, expires time.Time) account.Session {
	t.Helper()
	s := account.Session{IDHash: id, UserID: userID, ExpiresAt: expires, UserAgent: "Firefox", IP: "192.0.2.1"}
	if err := db.CreateSession(t.Context(), s); err != nil {
		t.Fatalf("CreateSession(%q): %v", id, err)
	}
	return s
}

func testSessionLifecycle(t *testing.T, db *store.DB, clock *storetest.Clock) {
	ctx := t.Context()
	u := createUser(t, db, "alice", account.RoleChair)
	start := clock.Now()
	newSession(db, t, "h1", u.ID, start.Add(time.Hour))

	s, su, err := db.GetSession(ctx, "h1")
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "session", s, account.Session{
		IDHash: "h1", UserID: u.ID, UserAgent: "Firefox", IP: "192.0.2.1",
		CreatedAt: stored(start), LastSeenAt: stored(start), ExpiresAt: stored(start.Add(time.Hour)),
	})
	wantEqual(t, "session user", su, u)

	clock.Advance(30 * time.Minute)
	if err := db.TouchSession(ctx, "h1", clock.Now(), clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	s, _, err = db.GetSession(ctx, "h1")
	if err != nil {
		t.Fatal(err)
	}
	if !s.LastSeenAt.Equal(stored(clock.Now())) || !s.ExpiresAt.Equal(stored(clock.Now().Add(time.Hour))) {
		t.Errorf("after touch: last seen %v, expires %v", s.LastSeenAt, s.ExpiresAt)
	}

	// A session expires at its expiry time, not a microsecond later.
	clock.Set(s.ExpiresAt.Add(-time.Microsecond))
	if _, _, err := db.GetSession(ctx, "h1"); err != nil {
		t.Errorf("just before expiry: %v", err)
	}
	clock.Set(s.ExpiresAt)
	_, _, err = db.GetSession(ctx, "h1")
	wantErr(t, "at expiry", err, store.ErrNotFound)

	clock.Set(start)
	if err := db.DeleteSession(ctx, "h1"); err != nil {
		t.Fatal(err)
	}
	_, _, err = db.GetSession(ctx, "h1")
	wantErr(t, "after delete", err, store.ErrNotFound)
	if err := db.DeleteSession(ctx, "h1"); err != nil {
		t.Errorf("second DeleteSession: %v", err)
	}
	wantErr(t, "TouchSession of a missing session", db.TouchSession(ctx, "h1", start, start), store.ErrNotFound)
	_, _, err = db.GetSession(ctx, "never")
	wantErr(t, "GetSession of a missing session", err, store.ErrNotFound)
}

func testSessionDisabledUser(t *testing.T, db *store.DB, clock *storetest.Clock) {
	ctx := t.Context()
	u := createUser(t, db, "alice")
	newSession(db, t, "h1", u.ID, clock.Now().Add(time.Hour))
	u.Disabled = true
	if _, err := db.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	_, _, err := db.GetSession(ctx, "h1")
	wantErr(t, "session of a disabled user", err, store.ErrNotFound)
	u.Disabled = false
	if _, err := db.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.GetSession(ctx, "h1"); err != nil {
		t.Errorf("after re-enabling: %v", err)
	}
}

func testSessionCreateErrors(t *testing.T, db *store.DB, clock *storetest.Clock) {
	ctx := t.Context()
	u := createUser(t, db, "alice")
	exp := clock.Now().Add(time.Hour)
	newSession(db, t, "h1", u.ID, exp)
	wantErr(t, "duplicate id hash",
		db.CreateSession(ctx, account.Session{IDHash: "h1", UserID: u.ID, ExpiresAt: exp}), store.ErrConflict)
	wantErr(t, "missing user",
		db.CreateSession(ctx, account.Session{IDHash: "h2", UserID: u.ID + 1000, ExpiresAt: exp}), store.ErrNotFound)
	if err := db.CreateSession(ctx, account.Session{IDHash: "h3", UserID: u.ID}); err == nil {
		t.Error("CreateSession without an expiry succeeded")
	}
}

func testDeleteUserSessions(t *testing.T, db *store.DB, clock *storetest.Clock) {
	ctx := t.Context()
	a, b := createUser(t, db, "alice"), createUser(t, db, "bob")
	exp := clock.Now().Add(time.Hour)
	newSession(db, t, "a1", a.ID, exp)
	newSession(db, t, "a2", a.ID, exp)
	newSession(db, t, "b1", b.ID, exp)
	if err := db.DeleteUserSessions(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"a1", "a2"} {
		_, _, err := db.GetSession(ctx, id)
		wantErr(t, id, err, store.ErrNotFound)
	}
	if _, _, err := db.GetSession(ctx, "b1"); err != nil {
		t.Errorf("bob's session: %v", err)
	}
}

func testDeleteExpiredSessions(t *testing.T, db *store.DB, clock *storetest.Clock) {
	ctx := t.Context()
	u := createUser(t, db, "alice")
	now := clock.Now()
	newSession(db, t, "m1", u.ID, now.Add(time.Minute))
	newSession(db, t, "m2", u.ID, now.Add(2*time.Minute))
	newSession(db, t, "h1", u.ID, now.Add(time.Hour))
	clock.Advance(2 * time.Minute)
	n, err := db.DeleteExpiredSessions(ctx)
	if err != nil || n != 2 {
		t.Fatalf("DeleteExpiredSessions = %d, %v; want 2", n, err)
	}
	if _, _, err := db.GetSession(ctx, "h1"); err != nil {
		t.Errorf("live session: %v", err)
	}
	if n, err := db.DeleteExpiredSessions(ctx); err != nil || n != 0 {
		t.Errorf("second DeleteExpiredSessions = %d, %v; want 0", n, err)
	}
}

func testTokenLifecycle(t *testing.T, db *store.DB, clock *storetest.Clock) {
	ctx := t.Context()
	u := createUser(t, db, "alice", account.RoleAdmin, account.RolePressOfficer)
	other := createUser(t, db, "bob")
	in := account.APIToken{UserID: u.ID, Name: "newsroom", Hash: "hash1", Prefix: "chy_ab",
		Roles: []account.Role{account.RolePressOfficer, account.RoleAdmin}}
	tok, err := db.CreateAPIToken(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	want := in
	want.ID = tok.ID
	want.Roles = []account.Role{account.RoleAdmin, account.RolePressOfficer}
	want.CreatedAt = stored(clock.Now())
	wantEqual(t, "CreateAPIToken", tok, want)

	got, owner, err := db.GetAPITokenByHash(ctx, "hash1")
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "GetAPITokenByHash", got, want)
	wantEqual(t, "owner", owner, u)

	clock.Advance(time.Minute)
	if err := db.TouchAPIToken(ctx, tok.ID, clock.Now()); err != nil {
		t.Fatal(err)
	}
	want.LastUsedAt = stored(clock.Now())
	second, err := db.CreateAPIToken(ctx, account.APIToken{UserID: u.ID, Name: "ci", Hash: "hash2",
		Prefix: "chy_cd", ExpiresAt: clock.Now().Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	list, err := db.ListAPITokens(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "ListAPITokens", list, []account.APIToken{want, second})
	if list, err := db.ListAPITokens(ctx, other.ID); err != nil || len(list) != 0 {
		t.Errorf("bob's tokens = %v, %v", list, err)
	}

	wantErr(t, "delete by someone else", db.DeleteAPIToken(ctx, other.ID, tok.ID), store.ErrNotFound)
	if err := db.DeleteAPIToken(ctx, u.ID, tok.ID); err != nil {
		t.Fatal(err)
	}
	_, _, err = db.GetAPITokenByHash(ctx, "hash1")
	wantErr(t, "after delete", err, store.ErrNotFound)
	wantErr(t, "second delete", db.DeleteAPIToken(ctx, u.ID, tok.ID), store.ErrNotFound)
}

func testTokenExpiry(t *testing.T, db *store.DB, clock *storetest.Clock) {
	ctx := t.Context()
	u := createUser(t, db, "alice")
	exp := clock.Now().Add(time.Hour)
	if _, err := db.CreateAPIToken(ctx, account.APIToken{UserID: u.ID, Name: "n", Hash: "h", Prefix: "p", ExpiresAt: exp}); err != nil {
		t.Fatal(err)
	}
	tok, _, err := db.GetAPITokenByHash(ctx, "h")
	if err != nil {
		t.Fatal(err)
	}
	if !tok.ExpiresAt.Equal(stored(exp)) {
		t.Errorf("ExpiresAt = %v, want %v", tok.ExpiresAt, stored(exp))
	}
	clock.Set(tok.ExpiresAt)
	_, _, err = db.GetAPITokenByHash(ctx, "h")
	wantErr(t, "expired token", err, store.ErrNotFound)
	if list, err := db.ListAPITokens(ctx, u.ID); err != nil || len(list) != 1 {
		t.Errorf("ListAPITokens must still show the expired token: %v, %v", list, err)
	}
}

func testTokenDisabledOwner(t *testing.T, db *store.DB, _ *storetest.Clock) {
	ctx := t.Context()
	u := createUser(t, db, "alice")
	if _, err := db.CreateAPIToken(ctx, account.APIToken{UserID: u.ID, Name: "n", Hash: "h", Prefix: "p"}); err != nil {
		t.Fatal(err)
	}
	u.Disabled = true
	if _, err := db.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	_, _, err := db.GetAPITokenByHash(ctx, "h")
	wantErr(t, "token of a disabled user", err, store.ErrNotFound)
}

func testTokenErrors(t *testing.T, db *store.DB, clock *storetest.Clock) {
	ctx := t.Context()
	u := createUser(t, db, "alice")
	tok := account.APIToken{UserID: u.ID, Name: "n", Hash: "h", Prefix: "p"}
	if _, err := db.CreateAPIToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	_, err := db.CreateAPIToken(ctx, tok)
	wantErr(t, "duplicate hash", err, store.ErrConflict)
	tok.Hash, tok.UserID = "h2", u.ID+1000
	_, err = db.CreateAPIToken(ctx, tok)
	wantErr(t, "missing user", err, store.ErrNotFound)
	wantErr(t, "touch a missing token", db.TouchAPIToken(ctx, 1000, clock.Now()), store.ErrNotFound)
	_, _, err = db.GetAPITokenByHash(ctx, "nope")
	wantErr(t, "missing hash", err, store.ErrNotFound)
}
