package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Passkey is a WebAuthn credential of a user: a passkey or a security key.
// Record is the credential as the WebAuthn library keeps it, in JSON; the
// store does not read it.
type Passkey struct {
	ID         []byte
	UserID     int64
	Name       string
	Record     string
	SignCount  uint32
	CreatedAt  time.Time
	LastUsedAt time.Time // zero until first used to sign in
}

const passkeyColumns = `id, user_id, name, record, sign_count, created_at, last_used_at`

func scanPasskey(row interface{ Scan(...any) error }) (Passkey, error) {
	var p Passkey
	var count int64
	var used sql.NullTime
	if err := row.Scan(&p.ID, &p.UserID, &p.Name, &p.Record, &count, &p.CreatedAt, &used); err != nil {
		return Passkey{}, err
	}
	p.SignCount, p.CreatedAt, p.LastUsedAt = uint32(count), p.CreatedAt.UTC(), fromNull(used)
	return p, nil
}

// CreatePasskey stores p; CreatedAt is now. A credential ID already
// registered (by anyone) gives ErrConflict.
func (db *DB) CreatePasskey(ctx context.Context, p Passkey) error {
	_, err := db.sql.ExecContext(ctx, `INSERT INTO webauthn_credentials (id, user_id, name, record, sign_count, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, p.ID, p.UserID, p.Name, p.Record, int64(p.SignCount), db.nowUTC())
	return wrap(fmt.Sprintf("create passkey of user %d", p.UserID), err)
}

// ListPasskeys returns the passkeys of userID, the oldest first.
func (db *DB) ListPasskeys(ctx context.Context, userID int64) ([]Passkey, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+passkeyColumns+` FROM webauthn_credentials
		WHERE user_id = $1 ORDER BY created_at, name`, userID)
	if err != nil {
		return nil, wrap(fmt.Sprintf("list passkeys of user %d", userID), err)
	}
	defer rows.Close()
	var out []Passkey
	for rows.Next() {
		p, err := scanPasskey(rows)
		if err != nil {
			return nil, wrap(fmt.Sprintf("list passkeys of user %d", userID), err)
		}
		out = append(out, p)
	}
	return out, wrap(fmt.Sprintf("list passkeys of user %d", userID), rows.Err())
}

// DeletePasskey removes the passkey id of userID and reports whether it
// existed: a user cannot remove another's passkey.
func (db *DB) DeletePasskey(ctx context.Context, userID int64, id []byte) (bool, error) {
	res, err := db.sql.ExecContext(ctx, `DELETE FROM webauthn_credentials WHERE id = $1 AND user_id = $2`, id, userID)
	if err != nil {
		return false, wrap(fmt.Sprintf("delete passkey of user %d", userID), err)
	}
	n, err := res.RowsAffected()
	return n == 1, wrap(fmt.Sprintf("delete passkey of user %d", userID), err)
}

// UsePasskey records a sign-in with the passkey id whose authenticator
// reported signCount, and reports whether it was accepted: only a counter
// greater than the stored one is (or zero on both, for authenticators that
// keep no counter), so that of two sign-ins with one counter value, or one
// from a clone whose counter went back, none but the first wins.
func (db *DB) UsePasskey(ctx context.Context, id []byte, signCount uint32, record string) (bool, error) {
	res, err := db.sql.ExecContext(ctx, `UPDATE webauthn_credentials SET sign_count = $1, record = $2, last_used_at = $3
		WHERE id = $4 AND (sign_count < $1 OR (sign_count = 0 AND $1 = 0))`, int64(signCount), record, db.nowUTC(), id)
	if err != nil {
		return false, wrap("use passkey", err)
	}
	n, err := res.RowsAffected()
	return n == 1, wrap("use passkey", err)
}

// WebAuthnChallenge is a WebAuthn ceremony begun: the library's session
// data (with the challenge) in JSON, kept on the server until the answer.
// Only the SHA-256 of the handle given to the browser is stored.
type WebAuthnChallenge struct {
	IDHash    string
	Kind      string // "register", "signin" or "second-factor"
	UserID    int64  // 0 for a sign-in with a passkey alone
	Session   string
	ExpiresAt time.Time
}

// SaveWebAuthnChallenge stores c.
func (db *DB) SaveWebAuthnChallenge(ctx context.Context, c WebAuthnChallenge) error {
	var user any
	if c.UserID != 0 {
		user = c.UserID
	}
	_, err := db.sql.ExecContext(ctx, `INSERT INTO webauthn_challenges (id_hash, kind, user_id, session, expires_at)
		VALUES ($1, $2, $3, $4, $5)`, c.IDHash, c.Kind, user, c.Session, dbTime(c.ExpiresAt))
	return wrap("save webauthn challenge", err)
}

// TakeWebAuthnChallenge removes and returns the unexpired challenge idHash
// of kind, or ErrNotFound: each challenge is answered once, and of two
// requests with one challenge only one gets it.
func (db *DB) TakeWebAuthnChallenge(ctx context.Context, idHash, kind string) (WebAuthnChallenge, error) {
	c := WebAuthnChallenge{IDHash: idHash, Kind: kind}
	var user sql.NullInt64
	err := db.sql.QueryRowContext(ctx, `DELETE FROM webauthn_challenges WHERE id_hash = $1 AND kind = $2
		RETURNING user_id, session, expires_at`, idHash, kind).Scan(&user, &c.Session, &c.ExpiresAt)
	if err != nil {
		return WebAuthnChallenge{}, wrap("take webauthn challenge", err)
	}
	c.UserID, c.ExpiresAt = user.Int64, c.ExpiresAt.UTC()
	if !c.ExpiresAt.After(db.now()) {
		return WebAuthnChallenge{}, wrap("take webauthn challenge", sql.ErrNoRows)
	}
	return c, nil
}

// DeleteExpiredWebAuthnChallenges removes the challenges never answered.
func (db *DB) DeleteExpiredWebAuthnChallenges(ctx context.Context) error {
	_, err := db.sql.ExecContext(ctx, `DELETE FROM webauthn_challenges WHERE expires_at <= $1`, db.nowUTC())
	return wrap("delete expired webauthn challenges", err)
}

// GetPasskey returns the passkey whose credential ID is id, or ErrNotFound.
func (db *DB) GetPasskey(ctx context.Context, id []byte) (Passkey, error) {
	p, err := scanPasskey(db.sql.QueryRowContext(ctx, `SELECT `+passkeyColumns+` FROM webauthn_credentials WHERE id = $1`, id))
	return p, wrap("get passkey", err)
}
