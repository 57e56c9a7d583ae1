package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

func testCreateGetUser(t *testing.T, db *store.DB, clock *storetest.Clock) {
	ctx := t.Context()
	in := account.User{
		Username:     "  Alice ",
		DisplayName:  "Alice Nguyễn",
		Email:        "alice@example.org",
		PasswordHash: "$argon2id$v=19$m=65536,t=3,p=2$c2FsdA$aGFzaA",
		Roles:        []account.Role{account.RoleDelegate, account.RoleAdmin, account.RoleAdmin},
		Lang:         "vi",
		TimeZone:     "Asia/Ho_Chi_Minh",
	}
	u, err := db.CreateUser(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	want := in
	want.ID = u.ID
	want.Username = "alice"
	want.Roles = []account.Role{account.RoleAdmin, account.RoleDelegate}
	want.CreatedAt = stored(clock.Now())
	want.UpdatedAt = want.CreatedAt
	if u.ID <= 0 {
		t.Errorf("ID = %d, want positive", u.ID)
	}
	wantEqual(t, "CreateUser", u, want)

	got, err := db.GetUser(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "GetUser", got, want)

	got, err = db.GetUserByUsername(ctx, "ALICE ")
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "GetUserByUsername", got, want)
	if n := countUsers(t, db); n != 1 {
		t.Errorf("CountUsers = %d, want 1", n)
	}
}

func testDuplicateUser(t *testing.T, db *store.DB, _ *storetest.Clock) {
	createUser(t, db, "alice", account.RoleAdmin)
	_, err := db.CreateUser(t.Context(), account.User{Username: "ALICE"})
	wantErr(t, "second alice", err, store.ErrConflict)
	if n := countUsers(t, db); n != 1 {
		t.Errorf("CountUsers = %d, want 1", n)
	}
}

func testUnknownRole(t *testing.T, db *store.DB, _ *storetest.Clock) {
	_, err := db.CreateUser(t.Context(), account.User{Username: "bob", Roles: []account.Role{"emperor"}})
	var roleErr *account.InvalidRoleError
	if !errors.As(err, &roleErr) || roleErr.Name != "emperor" {
		t.Errorf("CreateUser with role emperor: %v, want an InvalidRoleError", err)
	}
	u := createUser(t, db, "carol")
	u.Roles = []account.Role{account.RoleChair, "emperor"}
	if _, err := db.UpdateUser(t.Context(), u); !errors.As(err, &roleErr) {
		t.Errorf("UpdateUser with role emperor: %v, want an InvalidRoleError", err)
	}
	if n := countUsers(t, db); n != 1 {
		t.Errorf("CountUsers = %d, want 1", n)
	}
	if _, err := db.CreateUser(t.Context(), account.User{Username: "  "}); err == nil {
		t.Error("CreateUser with a blank username succeeded")
	}
}

func testUserNotFound(t *testing.T, db *store.DB, _ *storetest.Clock) {
	ctx := t.Context()
	u := createUser(t, db, "alice")
	missing := u.ID + 1000
	tests := []struct {
		name string
		call func() error
	}{
		{"GetUser", func() error { _, err := db.GetUser(ctx, missing); return err }},
		{"GetUserByUsername", func() error { _, err := db.GetUserByUsername(ctx, "nobody"); return err }},
		{"UpdateUser", func() error { _, err := db.UpdateUser(ctx, account.User{ID: missing}); return err }},
		{"SetPassword", func() error { return db.SetPassword(ctx, missing, "x") }},
	}
	for _, tt := range tests {
		wantErr(t, tt.name, tt.call(), store.ErrNotFound)
	}
}

func testListUsers(t *testing.T, db *store.DB, _ *storetest.Clock) {
	users, err := db.ListUsers(t.Context())
	if err != nil || len(users) != 0 {
		t.Fatalf("ListUsers on an empty database = %v, %v", users, err)
	}
	// PostgreSQL's usual collations would ignore the underscore and put
	// émile after e; the store orders byte-wise on both backends.
	for _, name := range []string{"zoe", "mariab", "émile", "maria_b", "adam"} {
		createUser(t, db, name, account.RoleDelegate, account.RoleAdmin)
	}
	createUser(t, db, "norole")
	users, err = db.ListUsers(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, u := range users {
		names = append(names, u.Username)
		want := []account.Role{account.RoleAdmin, account.RoleDelegate}
		if u.Username == "norole" {
			want = nil
		}
		wantEqual(t, u.Username+" roles", u.Roles, want)
	}
	wantEqual(t, "usernames", names, []string{"adam", "maria_b", "mariab", "norole", "zoe", "émile"})

	// The test database may well use the C collation already, which would
	// hide a missing COLLATE "C"; check the column itself.
	if db.Backend() == store.BackendPostgres {
		var coll string
		err := db.QueryRowForTest(t.Context(), `SELECT collation_name FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = 'users' AND column_name = 'username'`)(&coll)
		if err != nil || coll != "C" {
			t.Errorf("users.username collation = %q, %v; want C", coll, err)
		}
	}
}

func testUpdateUser(t *testing.T, db *store.DB, clock *storetest.Clock) {
	ctx := t.Context()
	orig := createUser(t, db, "alice", account.RoleAdmin, account.RoleChair)
	clock.Advance(time.Hour)

	change := orig
	change.Username = "mallory" // not changeable through UpdateUser
	change.PasswordHash = "changed"
	change.DisplayName = "Alice B."
	change.Email = "b@example.org"
	change.Roles = []account.Role{account.RoleDelegate, account.RoleInterpreter, account.RoleDelegate}
	change.Lang = "fr"
	change.TimeZone = "Europe/Paris"
	change.Disabled = true
	got, err := db.UpdateUser(ctx, change)
	if err != nil {
		t.Fatal(err)
	}
	want := orig
	want.DisplayName, want.Email, want.Lang, want.TimeZone, want.Disabled =
		"Alice B.", "b@example.org", "fr", "Europe/Paris", true
	want.Roles = []account.Role{account.RoleInterpreter, account.RoleDelegate}
	want.UpdatedAt = stored(clock.Now())
	wantEqual(t, "UpdateUser", got, want)
	reread, err := db.GetUser(ctx, orig.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "GetUser after update", reread, want)

	// Removing every role.
	got.Roles = nil
	got.Disabled = false
	got, err = db.UpdateUser(ctx, got)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Roles) != 0 || got.Disabled {
		t.Errorf("after clearing: roles %v, disabled %v", got.Roles, got.Disabled)
	}
}

func testSetPassword(t *testing.T, db *store.DB, clock *storetest.Clock) {
	u := createUser(t, db, "alice")
	clock.Advance(time.Minute)
	if err := db.SetPassword(t.Context(), u.ID, "new-hash"); err != nil {
		t.Fatal(err)
	}
	got, err := db.GetUser(t.Context(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.PasswordHash != "new-hash" || !got.UpdatedAt.Equal(stored(clock.Now())) {
		t.Errorf("after SetPassword: hash %q, updated %v", got.PasswordHash, got.UpdatedAt)
	}
}
