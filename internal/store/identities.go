package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
)

// OIDCSignIn is an authorization request sent to the identity provider
// and not answered yet. The state is stored as its SHA-256, and the
// browser that started it as the SHA-256 of its pre-session cookie.
type OIDCSignIn struct {
	StateHash   string
	BrowserHash string
	Nonce       string
	Verifier    string // PKCE code verifier
	Next        string
	ExpiresAt   time.Time
}

// CreateOIDCSignIn stores s. A taken state gives ErrConflict.
func (db *DB) CreateOIDCSignIn(ctx context.Context, s OIDCSignIn) error {
	_, err := db.sql.ExecContext(ctx, `
		INSERT INTO oidc_signins (state_hash, browser_hash, nonce, verifier, next, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6)`,
		s.StateHash, s.BrowserHash, s.Nonce, s.Verifier, s.Next, dbTime(s.ExpiresAt))
	return wrap("create oidc sign-in", err)
}

// TakeOIDCSignIn removes the sign-in of stateHash and returns it, or gives
// ErrNotFound when there is none or it expired. Of two callbacks with the
// same state only one gets it.
func (db *DB) TakeOIDCSignIn(ctx context.Context, stateHash string) (OIDCSignIn, error) {
	var s OIDCSignIn
	err := db.sql.QueryRowContext(ctx, `
		DELETE FROM oidc_signins WHERE state_hash = $1
		RETURNING state_hash, browser_hash, nonce, verifier, next, expires_at`, stateHash).
		Scan(&s.StateHash, &s.BrowserHash, &s.Nonce, &s.Verifier, &s.Next, &s.ExpiresAt)
	if err != nil {
		return OIDCSignIn{}, wrap("take oidc sign-in", err)
	}
	s.ExpiresAt = s.ExpiresAt.UTC()
	if !s.ExpiresAt.After(db.now()) {
		return OIDCSignIn{}, fmt.Errorf("store: take oidc sign-in: expired: %w", ErrNotFound)
	}
	return s, nil
}

// DeleteExpiredOIDCSignIns removes the sign-ins nobody came back from.
func (db *DB) DeleteExpiredOIDCSignIns(ctx context.Context) error {
	_, err := db.sql.ExecContext(ctx, `DELETE FROM oidc_signins WHERE expires_at <= $1`, db.nowUTC())
	return wrap("delete expired oidc sign-ins", err)
}

// UserByIdentity returns the user an identity provider's subject signs in
// as, or ErrNotFound. Disabled users are returned too: the caller refuses
// them and says why.
func (db *DB) UserByIdentity(ctx context.Context, issuer, subject string) (account.User, error) {
	var id int64
	err := db.sql.QueryRowContext(ctx, `SELECT user_id FROM user_identities WHERE issuer = $1 AND subject = $2`,
		issuer, subject).Scan(&id)
	if err != nil {
		return account.User{}, wrap("get user by identity", err)
	}
	return db.GetUser(ctx, id)
}

// TouchIdentity records a sign-in through the identity of issuer and
// subject.
func (db *DB) TouchIdentity(ctx context.Context, issuer, subject string) error {
	res, err := db.sql.ExecContext(ctx, `UPDATE user_identities SET last_signin_at = $1 WHERE issuer = $2 AND subject = $3`,
		db.nowUTC(), issuer, subject)
	if err == nil {
		err = mustAffect(res)
	}
	return wrap("touch identity", err)
}

// CreateIdentityUser creates u and links it to the identity of issuer and
// subject, in one transaction. The username is tried as given, then with
// "-2", "-3"… appended while it is taken, so that an identity provider's
// name never takes over a local account. An identity already linked gives
// ErrConflict.
func (db *DB) CreateIdentityUser(ctx context.Context, u account.User, issuer, subject string) (account.User, error) {
	base := account.NormalizeUsername(u.Username)
	roles, err := cleanRoles(u.Roles)
	if err != nil {
		return account.User{}, fmt.Errorf("store: create identity user %q: %w", base, err)
	}
	u.Roles = roles
	u.CreatedAt = db.nowUTC()
	u.UpdatedAt = u.CreatedAt
	for n := 1; n <= 100; n++ {
		u.Username = base
		if n > 1 {
			u.Username = fmt.Sprintf("%s-%d", base, n)
		}
		err = db.inTx(ctx, func(tx *sql.Tx) error {
			var taken int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE username = $1`, u.Username).Scan(&taken); err != nil {
				return err
			}
			if taken > 0 {
				return errUsernameTaken
			}
			err := tx.QueryRowContext(ctx, `
				INSERT INTO users (username, display_name, email, password_hash,
					lang, time_zone, disabled, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
				RETURNING id`,
				u.Username, u.DisplayName, u.Email, u.PasswordHash,
				u.Lang, u.TimeZone, u.Disabled, u.CreatedAt, u.UpdatedAt,
			).Scan(&u.ID)
			if err != nil {
				return err
			}
			if err := insertRoles(ctx, tx, `user_roles (user_id, role)`, u.ID, u.Roles); err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO user_identities (issuer, subject, user_id, created_at, last_signin_at)
				VALUES ($1, $2, $3, $4, $4)`, issuer, subject, u.ID, u.CreatedAt)
			return err
		})
		if !errors.Is(err, errUsernameTaken) {
			break
		}
	}
	if errors.Is(err, errUsernameTaken) {
		return account.User{}, fmt.Errorf("store: create identity user %q: every variant of the username is taken: %w", base, ErrConflict)
	}
	if err != nil {
		return account.User{}, wrap(fmt.Sprintf("create identity user %q", base), err)
	}
	return u, nil
}

var errUsernameTaken = errors.New("username taken")

// HasIdentity reports whether userID signs in through an identity
// provider.
func (db *DB) HasIdentity(ctx context.Context, userID int64) (bool, error) {
	var n int
	err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM user_identities WHERE user_id = $1`, userID).Scan(&n)
	return n > 0, wrap(fmt.Sprintf("has identity of user %d", userID), err)
}
