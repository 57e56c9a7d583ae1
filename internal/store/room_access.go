package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// RoomStaff is a staff member assigned to a conference room: they may
// issue and revoke its join tokens. Moderator also allows the moderating
// roles (chair, protocol).
type RoomStaff struct {
	RoomID      int64
	UserID      int64
	Username    string // filled by ListRoomStaff
	DisplayName string // filled by ListRoomStaff
	Moderator   bool
	AssignedAt  time.Time
}

// AssignRoomStaff assigns the user to the room, or changes whether they
// moderate it. An unknown room or user gives ErrNotFound.
func (db *DB) AssignRoomStaff(ctx context.Context, roomID, userID int64, moderator bool) error {
	_, err := db.sql.ExecContext(ctx,
		`INSERT INTO room_staff (room_id, user_id, moderator, assigned_at) VALUES ($1, $2, $3, $4)
		 ON CONFLICT (room_id, user_id) DO UPDATE SET moderator = excluded.moderator`,
		roomID, userID, moderator, db.nowUTC())
	return wrap(fmt.Sprintf("assign user %d to room %d", userID, roomID), err)
}

// UnassignRoomStaff removes the user's assignment to the room, or gives
// ErrNotFound.
func (db *DB) UnassignRoomStaff(ctx context.Context, roomID, userID int64) error {
	res, err := db.sql.ExecContext(ctx, `DELETE FROM room_staff WHERE room_id = $1 AND user_id = $2`, roomID, userID)
	if err != nil {
		return wrap(fmt.Sprintf("unassign user %d from room %d", userID, roomID), err)
	}
	return wrap(fmt.Sprintf("unassign user %d from room %d", userID, roomID), mustAffect(res))
}

// GetRoomStaff returns the user's assignment to the room, or ErrNotFound.
func (db *DB) GetRoomStaff(ctx context.Context, roomID, userID int64) (RoomStaff, error) {
	s := RoomStaff{RoomID: roomID, UserID: userID}
	err := db.sql.QueryRowContext(ctx,
		`SELECT moderator, assigned_at FROM room_staff WHERE room_id = $1 AND user_id = $2`, roomID, userID).
		Scan(&s.Moderator, &s.AssignedAt)
	if err != nil {
		return RoomStaff{}, wrap(fmt.Sprintf("get assignment of user %d to room %d", userID, roomID), err)
	}
	s.AssignedAt = s.AssignedAt.UTC()
	return s, nil
}

// ListRoomStaff returns the staff assigned to the room, by username.
func (db *DB) ListRoomStaff(ctx context.Context, roomID int64) ([]RoomStaff, error) {
	rows, err := db.sql.QueryContext(ctx,
		`SELECT s.user_id, u.username, u.display_name, s.moderator, s.assigned_at
		 FROM room_staff s JOIN users u ON u.id = s.user_id WHERE s.room_id = $1 ORDER BY u.username`, roomID)
	if err != nil {
		return nil, wrap("list room staff", err)
	}
	defer rows.Close()
	var out []RoomStaff
	for rows.Next() {
		s := RoomStaff{RoomID: roomID}
		if err := rows.Scan(&s.UserID, &s.Username, &s.DisplayName, &s.Moderator, &s.AssignedAt); err != nil {
			return nil, wrap("list room staff", err)
		}
		s.AssignedAt = s.AssignedAt.UTC()
		out = append(out, s)
	}
	return out, wrap("list room staff", rows.Err())
}

// ListRoomsOfStaff returns the rooms the user is assigned to, archived ones
// included, in the order they were created, each with whether the user
// moderates it.
func (db *DB) ListRoomsOfStaff(ctx context.Context, userID int64) ([]Room, map[int64]bool, error) {
	var rooms []Room
	mod := map[int64]bool{}
	err := eachRow(ctx, db.sql, func(rows *sql.Rows) error {
		var m bool
		r, err := scanRoom(rows, &m)
		rooms = append(rooms, r)
		mod[r.ID] = m
		return err
	}, `SELECT `+roomColumns+`, s.moderator FROM rooms r JOIN room_staff s ON s.room_id = r.id WHERE s.user_id = $1 ORDER BY r.id`, userID)
	if err == nil {
		err = db.withTitles(ctx, rooms)
	}
	if err != nil {
		return nil, nil, wrap("list rooms of staff", err)
	}
	return rooms, mod, nil
}

// RoomToken is a join token issued for a room; ID is the token's "jti".
type RoomToken struct {
	ID        string
	RoomID    int64
	Identity  string
	Name      string
	Role      string
	IssuedBy  int64 // 0: the command line
	IssuedAt  time.Time
	NotBefore time.Time // zero: valid from its issue
	ExpiresAt time.Time
	RevokedAt time.Time // zero: not revoked
	RevokedBy int64
}

// Revoked reports whether the token was revoked.
func (t RoomToken) Revoked() bool { return !t.RevokedAt.IsZero() }

// RevokedKeep is how long a revoked token's row outlives the revocation at
// least: the rejoin tokens the server handed the session before it was
// revoked carry the same ID and may outlive the token itself.
const RevokedKeep = 24 * time.Hour

// CreateRoomToken records an issued token. A taken ID gives ErrConflict.
func (db *DB) CreateRoomToken(ctx context.Context, t RoomToken) error {
	return wrap(fmt.Sprintf("create room token %q", t.ID), insertRoomToken(ctx, db.sql, t))
}

// CreateRoomTokens records issued tokens all at once, or none of them.
func (db *DB) CreateRoomTokens(ctx context.Context, ts []RoomToken) error {
	return wrap(fmt.Sprintf("create %d room tokens", len(ts)), db.inTx(ctx, func(tx *sql.Tx) error {
		for _, t := range ts {
			if err := insertRoomToken(ctx, tx, t); err != nil {
				return err
			}
		}
		return nil
	}))
}

func insertRoomToken(ctx context.Context, q querier, t RoomToken) error {
	_, err := q.ExecContext(ctx,
		`INSERT INTO room_tokens (id, room_id, identity, name, role, issued_by, issued_at, not_before, expires_at)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		t.ID, t.RoomID, t.Identity, t.Name, t.Role, nullID(t.IssuedBy), dbTime(t.IssuedAt), nullTime(t.NotBefore), dbTime(t.ExpiresAt))
	return err
}

// GetRoomToken returns the token of the room with the given ID, or
// ErrNotFound.
func (db *DB) GetRoomToken(ctx context.Context, roomID int64, id string) (RoomToken, error) {
	rows, err := db.sql.QueryContext(ctx, roomTokenSelect+` WHERE room_id = $1 AND id = $2`, roomID, id)
	if err != nil {
		return RoomToken{}, wrap(fmt.Sprintf("get room token %q", id), err)
	}
	ts, err := scanRoomTokens(rows)
	if err != nil {
		return RoomToken{}, wrap(fmt.Sprintf("get room token %q", id), err)
	}
	if len(ts) == 0 {
		return RoomToken{}, fmt.Errorf("store: get room token %q: %w", id, ErrNotFound)
	}
	return ts[0], nil
}

// ListRoomTokens returns the room's tokens that have not expired yet, the
// latest first.
func (db *DB) ListRoomTokens(ctx context.Context, roomID int64) ([]RoomToken, error) {
	rows, err := db.sql.QueryContext(ctx, roomTokenSelect+` WHERE room_id = $1 AND expires_at > $2 ORDER BY issued_at DESC, id`,
		roomID, db.nowUTC())
	if err != nil {
		return nil, wrap("list room tokens", err)
	}
	ts, err := scanRoomTokens(rows)
	return ts, wrap("list room tokens", err)
}

const roomTokenSelect = `SELECT id, room_id, identity, name, role, issued_by, issued_at, not_before, expires_at, revoked_at, revoked_by FROM room_tokens`

func scanRoomTokens(rows *sql.Rows) ([]RoomToken, error) {
	defer rows.Close()
	var out []RoomToken
	for rows.Next() {
		var t RoomToken
		var by, rby sql.NullInt64
		var rat, nbf sql.NullTime
		if err := rows.Scan(&t.ID, &t.RoomID, &t.Identity, &t.Name, &t.Role, &by, &t.IssuedAt, &nbf, &t.ExpiresAt, &rat, &rby); err != nil {
			return nil, err
		}
		t.NotBefore = fromNull(nbf)
		t.IssuedBy, t.RevokedBy = by.Int64, rby.Int64
		t.IssuedAt, t.ExpiresAt = t.IssuedAt.UTC(), t.ExpiresAt.UTC()
		if rat.Valid {
			t.RevokedAt = rat.Time.UTC()
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeRoomToken marks the room's token revoked by the user (0: the
// command line). Revoking a revoked token changes nothing; an unknown one
// gives ErrNotFound.
func (db *DB) RevokeRoomToken(ctx context.Context, roomID int64, id string, by int64) error {
	if _, err := db.GetRoomToken(ctx, roomID, id); err != nil {
		return err
	}
	_, err := db.sql.ExecContext(ctx,
		`UPDATE room_tokens SET revoked_at = $1, revoked_by = $2 WHERE room_id = $3 AND id = $4 AND revoked_at IS NULL`,
		db.nowUTC(), nullID(by), roomID, id)
	return wrap(fmt.Sprintf("revoke room token %q", id), err)
}

// RevokedRoomTokens returns which of the token IDs are revoked.
func (db *DB) RevokedRoomTokens(ctx context.Context, ids []string) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	ph := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		ph[i] = "$" + strconv.Itoa(i+1)
		args[i] = id
	}
	rows, err := db.sql.QueryContext(ctx,
		`SELECT id FROM room_tokens WHERE revoked_at IS NOT NULL AND id IN (`+strings.Join(ph, ", ")+`)`, args...)
	if err != nil {
		return nil, wrap("revoked room tokens", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, wrap("revoked room tokens", err)
		}
		out = append(out, id)
	}
	return out, wrap("revoked room tokens", rows.Err())
}

// PurgeRoomTokens deletes the tokens that have expired, keeping revoked
// ones for RevokedKeep after their revocation, and returns how many went.
func (db *DB) PurgeRoomTokens(ctx context.Context) (int64, error) {
	now := db.nowUTC()
	res, err := db.sql.ExecContext(ctx,
		`DELETE FROM room_tokens WHERE expires_at <= $1 AND (revoked_at IS NULL OR revoked_at <= $2)`, now, now.Add(-RevokedKeep))
	if err != nil {
		return 0, wrap("purge room tokens", err)
	}
	n, err := res.RowsAffected()
	return n, wrap("purge room tokens", err)
}
