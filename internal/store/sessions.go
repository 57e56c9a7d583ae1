package store

import (
	"context"
	"fmt"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
)

// CreateSession stores s. A zero CreatedAt becomes now and a zero
// LastSeenAt becomes CreatedAt. A taken IDHash gives ErrConflict; a missing
// user gives ErrNotFound. ExpiresAt is required.
func (db *DB) CreateSession(ctx context.Context, s account.Session) error {
	if s.ExpiresAt.IsZero() {
		return fmt.Errorf("store: create session for user %d: no expiry time", s.UserID)
	}
	if s.CreatedAt.IsZero() {
		s.CreatedAt = db.now()
	}
	if s.LastSeenAt.IsZero() {
		s.LastSeenAt = s.CreatedAt
	}
	_, err := db.sql.ExecContext(ctx, `
		INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at, user_agent, ip, idp_second_factor)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		s.IDHash, s.UserID, dbTime(s.CreatedAt), dbTime(s.LastSeenAt), dbTime(s.ExpiresAt),
		s.UserAgent, s.IP, s.IdPSecondFactor)
	return wrap(fmt.Sprintf("create session for user %d", s.UserID), err)
}

// GetSession returns the session with the given ID hash and its user. It
// gives ErrNotFound when the session is missing, has expired, or belongs to
// a disabled user, so that a caller cannot forget one of those checks.
func (db *DB) GetSession(ctx context.Context, idHash string) (account.Session, account.User, error) {
	var s account.Session
	var u account.User
	err := scanUser(db.sql.QueryRowContext(ctx, `
		SELECT `+userColumns+`,
			s.id_hash, s.user_id, s.created_at, s.last_seen_at, s.expires_at, s.user_agent, s.ip, s.idp_second_factor
		FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.id_hash = $1 AND s.expires_at > $2 AND NOT u.disabled`,
		idHash, db.nowUTC()), &u,
		&s.IDHash, &s.UserID, &s.CreatedAt, &s.LastSeenAt, &s.ExpiresAt, &s.UserAgent, &s.IP, &s.IdPSecondFactor)
	if err == nil {
		u.Roles, err = userRoles(ctx, db.sql, u.ID)
	}
	if err != nil {
		return account.Session{}, account.User{}, wrap("get session", err)
	}
	s.CreatedAt = s.CreatedAt.UTC()
	s.LastSeenAt = s.LastSeenAt.UTC()
	s.ExpiresAt = s.ExpiresAt.UTC()
	return s, u, nil
}

// TouchSession records activity on a session and moves its expiry, or
// gives ErrNotFound.
func (db *DB) TouchSession(ctx context.Context, idHash string, lastSeen, expires time.Time) error {
	res, err := db.sql.ExecContext(ctx,
		`UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE id_hash = $3`,
		dbTime(lastSeen), dbTime(expires), idHash)
	if err == nil {
		err = mustAffect(res)
	}
	return wrap("touch session", err)
}

// DeleteSession removes a session. Removing a missing session is not an
// error, so that signing out twice succeeds.
func (db *DB) DeleteSession(ctx context.Context, idHash string) error {
	_, err := db.sql.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = $1`, idHash)
	return wrap("delete session", err)
}

// DeleteUserSessions signs a user out everywhere.
func (db *DB) DeleteUserSessions(ctx context.Context, userID int64) error {
	_, err := db.sql.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID)
	return wrap(fmt.Sprintf("delete sessions of user %d", userID), err)
}

// DeleteOtherSessions removes every session of userID but the one whose
// hash is keep: after a password change, only the browser that made it
// stays signed in.
func (db *DB) DeleteOtherSessions(ctx context.Context, userID int64, keep string) error {
	_, err := db.sql.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2`, userID, keep)
	return wrap(fmt.Sprintf("delete other sessions of user %d", userID), err)
}

// DeleteExpiredSessions removes the sessions that have expired at now and
// returns how many it removed.
func (db *DB) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	res, err := db.sql.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= $1`, db.nowUTC())
	if err != nil {
		return 0, wrap("delete expired sessions", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, wrap("delete expired sessions", err)
	}
	return n, nil
}
