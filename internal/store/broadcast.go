package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// WHIPToken is a bearer token staff issued for a WHIP encoder to publish
// into one room. Only its SHA-256 is stored.
type WHIPToken struct {
	ID        int64     `json:"id"`
	RoomID    int64     `json:"-"`
	RoomSlug  string    `json:"room"`
	Label     string    `json:"label"`
	Programme bool      `json:"programme"`
	CreatedBy int64     `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	RevokedAt time.Time `json:"-"`
}

// Revoked reports whether the token was revoked.
func (t WHIPToken) Revoked() bool { return !t.RevokedAt.IsZero() }

const whipCols = `w.id, w.room_id, r.slug, w.label, w.programme, w.created_by, w.created_at, w.revoked_at`

func scanWHIP(s interface{ Scan(...any) error }) (WHIPToken, error) {
	var t WHIPToken
	var by sql.NullInt64
	var rev sql.NullTime
	err := s.Scan(&t.ID, &t.RoomID, &t.RoomSlug, &t.Label, &t.Programme, &by, &t.CreatedAt, &rev)
	t.CreatedBy, t.CreatedAt, t.RevokedAt = by.Int64, t.CreatedAt.UTC(), fromNull(rev)
	return t, err
}

// CreateWHIPToken stores a token of t.RoomID whose secret has the SHA-256
// tokenHash, and returns it with its ID and creation time set.
func (db *DB) CreateWHIPToken(ctx context.Context, t WHIPToken, tokenHash string) (WHIPToken, error) {
	t.CreatedAt, t.RevokedAt = db.nowUTC(), time.Time{}
	err := db.sql.QueryRowContext(ctx, `INSERT INTO whip_tokens (room_id, label, programme, token_hash, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, t.RoomID, t.Label, t.Programme, tokenHash, nullID(t.CreatedBy), t.CreatedAt).Scan(&t.ID)
	if err != nil {
		return WHIPToken{}, wrap("create whip token", err)
	}
	return db.GetWHIPToken(ctx, t.RoomID, t.ID)
}

// GetWHIPToken returns the token id of the room, or ErrNotFound.
func (db *DB) GetWHIPToken(ctx context.Context, roomID, id int64) (WHIPToken, error) {
	t, err := scanWHIP(db.sql.QueryRowContext(ctx, `SELECT `+whipCols+` FROM whip_tokens w JOIN rooms r ON r.id = w.room_id
		WHERE w.room_id = $1 AND w.id = $2`, roomID, id))
	return t, wrap(fmt.Sprintf("get whip token %d", id), err)
}

// WHIPTokenByHash returns the token whose secret has the SHA-256
// tokenHash, revoked ones included (the caller refuses them), or
// ErrNotFound.
func (db *DB) WHIPTokenByHash(ctx context.Context, tokenHash string) (WHIPToken, error) {
	t, err := scanWHIP(db.sql.QueryRowContext(ctx, `SELECT `+whipCols+` FROM whip_tokens w JOIN rooms r ON r.id = w.room_id
		WHERE w.token_hash = $1`, tokenHash))
	return t, wrap("find whip token", err)
}

// ListWHIPTokens returns the room's tokens, the latest first.
func (db *DB) ListWHIPTokens(ctx context.Context, roomID int64) ([]WHIPToken, error) {
	out := []WHIPToken{}
	err := eachRow(ctx, db.sql, func(rows *sql.Rows) error {
		t, err := scanWHIP(rows)
		out = append(out, t)
		return err
	}, `SELECT `+whipCols+` FROM whip_tokens w JOIN rooms r ON r.id = w.room_id WHERE w.room_id = $1 ORDER BY w.id DESC`, roomID)
	return out, wrap("list whip tokens", err)
}

// RevokeWHIPToken revokes the token id of the room; revoking it again
// keeps the first time. It returns ErrNotFound for another room's token.
func (db *DB) RevokeWHIPToken(ctx context.Context, roomID, id int64) (WHIPToken, error) {
	res, err := db.sql.ExecContext(ctx, `UPDATE whip_tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE room_id = $2 AND id = $3`,
		db.nowUTC(), roomID, id)
	if err != nil {
		return WHIPToken{}, wrap("revoke whip token", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return WHIPToken{}, wrap("revoke whip token", sql.ErrNoRows)
	}
	return db.GetWHIPToken(ctx, roomID, id)
}

// RoomSession is a session of an event held in a room, as the broadcast
// sees it.
type RoomSession struct {
	EventSlug        string
	EventPublic      bool
	StartsAt, EndsAt time.Time
	Cancelled        bool
}

// RoomSessions returns the sessions held in the room, earliest first.
func (db *DB) RoomSessions(ctx context.Context, roomID int64) ([]RoomSession, error) {
	out := []RoomSession{}
	err := eachRow(ctx, db.sql, func(rows *sql.Rows) error {
		var s RoomSession
		var status string
		err := rows.Scan(&s.EventSlug, &s.EventPublic, &s.StartsAt, &s.EndsAt, &status)
		s.StartsAt, s.EndsAt, s.Cancelled = s.StartsAt.UTC(), s.EndsAt.UTC(), status == SessionCancelled
		out = append(out, s)
		return err
	}, `SELECT e.slug, e.public, s.starts_at, s.ends_at, s.status FROM event_sessions s JOIN events e ON e.id = s.event_id
		WHERE s.room_id = $1 ORDER BY s.starts_at, s.id`, roomID)
	return out, wrap("room sessions", err)
}
