package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
)

// TOTP is a user's authenticator-app secret as stored: sealed by the
// caller, so that a copy of the database does not give the codes away.
type TOTP struct {
	UserID      int64
	Sealed      []byte
	CreatedAt   time.Time
	ConfirmedAt time.Time // zero while the user is enrolling
	LastStep    int64     // the last time step whose code was accepted
}

// Confirmed reports whether the secret is in use.
func (t TOTP) Confirmed() bool { return !t.ConfirmedAt.IsZero() }

// GetTOTP returns the TOTP secret of userID, confirmed or not, or
// ErrNotFound.
func (db *DB) GetTOTP(ctx context.Context, userID int64) (TOTP, error) {
	t := TOTP{UserID: userID}
	var confirmed sql.NullTime
	err := db.sql.QueryRowContext(ctx,
		`SELECT secret, created_at, confirmed_at, last_step FROM user_totp WHERE user_id = $1`, userID).
		Scan(&t.Sealed, &t.CreatedAt, &confirmed, &t.LastStep)
	if err != nil {
		return TOTP{}, wrap(fmt.Sprintf("get totp of user %d", userID), err)
	}
	t.CreatedAt, t.ConfirmedAt = t.CreatedAt.UTC(), fromNull(confirmed)
	return t, nil
}

// HasSecondFactor reports whether userID has a confirmed second factor: a
// TOTP secret or a passkey.
func (db *DB) HasSecondFactor(ctx context.Context, userID int64) (bool, error) {
	var n int
	err := db.sql.QueryRowContext(ctx,
		`SELECT (SELECT count(*) FROM user_totp WHERE user_id = $1 AND confirmed_at IS NOT NULL)
			+ (SELECT count(*) FROM webauthn_credentials WHERE user_id = $1)`, userID).Scan(&n)
	if err != nil {
		return false, wrap(fmt.Sprintf("has second factor of user %d", userID), err)
	}
	return n > 0, nil
}

// StartTOTP stores a new, unconfirmed secret for userID, replacing an
// earlier unconfirmed one. A user whose secret is already confirmed gets
// ErrConflict: a second factor is replaced only after a reset.
func (db *DB) StartTOTP(ctx context.Context, userID int64, sealed []byte) error {
	res, err := db.sql.ExecContext(ctx, `
		INSERT INTO user_totp (user_id, secret, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at, last_step = 0
		WHERE user_totp.confirmed_at IS NULL`, userID, sealed, db.nowUTC())
	if err == nil {
		if n, _ := res.RowsAffected(); n == 0 {
			err = ErrConflict
		}
	}
	return wrap(fmt.Sprintf("start totp of user %d", userID), err)
}

// ConfirmTOTP puts the unconfirmed secret of userID in use, spending step
// (the code that confirmed it), and replaces the user's recovery codes with
// codeHashes. It gives ErrConflict when there is no unconfirmed secret
// (confirmed already, by a concurrent request too).
func (db *DB) ConfirmTOTP(ctx context.Context, userID, step int64, codeHashes []string) error {
	return wrap(fmt.Sprintf("confirm totp of user %d", userID), db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE user_totp SET confirmed_at = $1, last_step = $2
			WHERE user_id = $3 AND confirmed_at IS NULL`, db.nowUTC(), step, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrConflict
		}
		return replaceRecoveryCodes(ctx, tx, userID, codeHashes)
	}))
}

func replaceRecoveryCodes(ctx context.Context, tx *sql.Tx, userID int64, codeHashes []string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM recovery_codes WHERE user_id = $1`, userID); err != nil {
		return err
	}
	for _, h := range codeHashes {
		if _, err := tx.ExecContext(ctx, `INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)`, userID, h); err != nil {
			return err
		}
	}
	return nil
}

// UseTOTPStep spends step for userID and reports whether it was still
// unspent: only a step later than the last one accepted is. Two requests
// with the same code race on one row, and only one of them wins.
func (db *DB) UseTOTPStep(ctx context.Context, userID, step int64) (bool, error) {
	res, err := db.sql.ExecContext(ctx, `UPDATE user_totp SET last_step = $1
		WHERE user_id = $2 AND confirmed_at IS NOT NULL AND last_step < $1`, step, userID)
	if err != nil {
		return false, wrap(fmt.Sprintf("use totp step of user %d", userID), err)
	}
	n, err := res.RowsAffected()
	return n == 1, wrap(fmt.Sprintf("use totp step of user %d", userID), err)
}

// UseRecoveryCode spends the recovery code of userID whose hash is
// codeHash and reports whether it existed unspent.
func (db *DB) UseRecoveryCode(ctx context.Context, userID int64, codeHash string) (bool, error) {
	res, err := db.sql.ExecContext(ctx, `UPDATE recovery_codes SET used_at = $1
		WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL`, db.nowUTC(), userID, codeHash)
	if err != nil {
		return false, wrap(fmt.Sprintf("use recovery code of user %d", userID), err)
	}
	n, err := res.RowsAffected()
	return n == 1, wrap(fmt.Sprintf("use recovery code of user %d", userID), err)
}

// RecoveryCodesLeft counts the unspent recovery codes of userID.
func (db *DB) RecoveryCodesLeft(ctx context.Context, userID int64) (int, error) {
	var n int
	err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL`, userID).Scan(&n)
	return n, wrap(fmt.Sprintf("count recovery codes of user %d", userID), err)
}

// DeleteSecondFactor removes the TOTP secret, recovery codes and passkeys
// of userID and reports whether there was a secret or a passkey.
func (db *DB) DeleteSecondFactor(ctx context.Context, userID int64) (bool, error) {
	var had bool
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM user_totp WHERE user_id = $1`, userID)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		if res, err = tx.ExecContext(ctx, `DELETE FROM webauthn_credentials WHERE user_id = $1`, userID); err != nil {
			return err
		}
		m, _ := res.RowsAffected()
		had = n+m > 0
		_, err = tx.ExecContext(ctx, `DELETE FROM recovery_codes WHERE user_id = $1`, userID)
		return err
	})
	return had, wrap(fmt.Sprintf("delete second factor of user %d", userID), err)
}

// PendingSignIn is a sign-in whose password was right and whose second
// factor is still to come. Only the SHA-256 of its cookie secret is stored.
type PendingSignIn struct {
	IDHash    string
	UserID    int64
	CreatedAt time.Time
	ExpiresAt time.Time
	Failures  int
	UserAgent string
	IP        string
}

// CreatePendingSignIn stores p; CreatedAt is now.
func (db *DB) CreatePendingSignIn(ctx context.Context, p PendingSignIn) error {
	_, err := db.sql.ExecContext(ctx, `INSERT INTO pending_signins (id_hash, user_id, created_at, expires_at, user_agent, ip)
		VALUES ($1, $2, $3, $4, $5, $6)`, p.IDHash, p.UserID, db.nowUTC(), dbTime(p.ExpiresAt), p.UserAgent, p.IP)
	return wrap(fmt.Sprintf("create pending sign-in of user %d", p.UserID), err)
}

// GetPendingSignIn returns the unexpired pending sign-in of idHash and its
// user, or ErrNotFound (also for a disabled user).
func (db *DB) GetPendingSignIn(ctx context.Context, idHash string) (PendingSignIn, account.User, error) {
	var p PendingSignIn
	var u account.User
	err := scanUser(db.sql.QueryRowContext(ctx, `
		SELECT `+userColumns+`, s.id_hash, s.user_id, s.created_at, s.expires_at, s.failures, s.user_agent, s.ip
		FROM pending_signins s JOIN users u ON u.id = s.user_id
		WHERE s.id_hash = $1 AND s.expires_at > $2 AND NOT u.disabled`, idHash, db.nowUTC()), &u,
		&p.IDHash, &p.UserID, &p.CreatedAt, &p.ExpiresAt, &p.Failures, &p.UserAgent, &p.IP)
	if err == nil {
		u.Roles, err = userRoles(ctx, db.sql, u.ID)
	}
	if err != nil {
		return PendingSignIn{}, account.User{}, wrap("get pending sign-in", err)
	}
	p.CreatedAt, p.ExpiresAt = p.CreatedAt.UTC(), p.ExpiresAt.UTC()
	return p, u, nil
}

// FailPendingSignIn counts a wrong code against a pending sign-in and
// returns its failures so far.
func (db *DB) FailPendingSignIn(ctx context.Context, idHash string) (int, error) {
	var n int
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE pending_signins SET failures = failures + 1 WHERE id_hash = $1`, idHash); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT failures FROM pending_signins WHERE id_hash = $1`, idHash).Scan(&n)
	})
	return n, wrap("fail pending sign-in", err)
}

// DeletePendingSignIn removes a pending sign-in and reports whether it
// existed, so that of two requests finishing the same one only one wins.
func (db *DB) DeletePendingSignIn(ctx context.Context, idHash string) (bool, error) {
	res, err := db.sql.ExecContext(ctx, `DELETE FROM pending_signins WHERE id_hash = $1`, idHash)
	if err != nil {
		return false, wrap("delete pending sign-in", err)
	}
	n, err := res.RowsAffected()
	return n == 1, wrap("delete pending sign-in", err)
}

// DeleteExpiredPendingSignIns removes the pending sign-ins that expired.
func (db *DB) DeleteExpiredPendingSignIns(ctx context.Context) error {
	_, err := db.sql.ExecContext(ctx, `DELETE FROM pending_signins WHERE expires_at <= $1`, db.nowUTC())
	return wrap("delete expired pending sign-ins", err)
}

// ListUserSessions returns the unexpired sessions of userID, the most
// recently used first.
func (db *DB) ListUserSessions(ctx context.Context, userID int64) ([]account.Session, error) {
	rows, err := db.sql.QueryContext(ctx, `
		SELECT id_hash, user_id, created_at, last_seen_at, expires_at, user_agent, ip FROM sessions
		WHERE user_id = $1 AND expires_at > $2 ORDER BY last_seen_at DESC, created_at DESC`, userID, db.nowUTC())
	if err != nil {
		return nil, wrap(fmt.Sprintf("list sessions of user %d", userID), err)
	}
	defer rows.Close()
	var out []account.Session
	for rows.Next() {
		var s account.Session
		if err := rows.Scan(&s.IDHash, &s.UserID, &s.CreatedAt, &s.LastSeenAt, &s.ExpiresAt, &s.UserAgent, &s.IP); err != nil {
			return nil, wrap(fmt.Sprintf("list sessions of user %d", userID), err)
		}
		s.CreatedAt, s.LastSeenAt, s.ExpiresAt = s.CreatedAt.UTC(), s.LastSeenAt.UTC(), s.ExpiresAt.UTC()
		out = append(out, s)
	}
	return out, wrap(fmt.Sprintf("list sessions of user %d", userID), rows.Err())
}
