package store

import (
	"context"
	"fmt"
	"time"
)

// RoomChat is one chat message of a conference room.
type RoomChat struct {
	ID         int64
	RoomSlug   string
	Identity   string
	Name       string
	Delegation string
	Body       string
	CreatedAt  time.Time
}

// AddRoomChat stores m and returns it with its ID set. CreatedAt is kept
// if set (the SFU's clock), else taken from the store's clock.
func (db *DB) AddRoomChat(ctx context.Context, m RoomChat) (RoomChat, error) {
	if m.CreatedAt.IsZero() {
		m.CreatedAt = db.nowUTC()
	}
	m.CreatedAt = m.CreatedAt.UTC()
	err := db.sql.QueryRowContext(ctx,
		`INSERT INTO room_chat (room_slug, identity, name, delegation, body, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		m.RoomSlug, m.Identity, m.Name, m.Delegation, m.Body, m.CreatedAt).Scan(&m.ID)
	if err != nil {
		return RoomChat{}, wrap(fmt.Sprintf("add chat to room %q", m.RoomSlug), err)
	}
	return m, nil
}

// RecentRoomChat returns the last limit messages of a room, oldest first.
func (db *DB) RecentRoomChat(ctx context.Context, slug string, limit int) ([]RoomChat, error) {
	rows, err := db.sql.QueryContext(ctx, `
		SELECT id, room_slug, identity, name, delegation, body, created_at FROM (
			SELECT * FROM room_chat WHERE room_slug = $1 ORDER BY id DESC LIMIT $2
		) AS recent ORDER BY id`, slug, limit)
	if err != nil {
		return nil, wrap(fmt.Sprintf("chat of room %q", slug), err)
	}
	defer rows.Close()
	var out []RoomChat
	for rows.Next() {
		var m RoomChat
		if err := rows.Scan(&m.ID, &m.RoomSlug, &m.Identity, &m.Name, &m.Delegation, &m.Body, &m.CreatedAt); err != nil {
			return nil, wrap(fmt.Sprintf("chat of room %q", slug), err)
		}
		m.CreatedAt = m.CreatedAt.UTC()
		out = append(out, m)
	}
	return out, wrap(fmt.Sprintf("chat of room %q", slug), rows.Err())
}

// RoomAudit is one moderator action in a conference room.
type RoomAudit struct {
	ID             int64
	RoomSlug       string
	ActorIdentity  string
	ActorName      string
	Action         string
	TargetIdentity string
	Detail         string
	CreatedAt      time.Time
}

// AddRoomAudit records a moderator action.
func (db *DB) AddRoomAudit(ctx context.Context, a RoomAudit) error {
	if a.CreatedAt.IsZero() {
		a.CreatedAt = db.nowUTC()
	}
	_, err := db.sql.ExecContext(ctx, `
		INSERT INTO room_audit (room_slug, actor_identity, actor_name, action, target_identity, detail, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		a.RoomSlug, a.ActorIdentity, a.ActorName, a.Action, a.TargetIdentity, a.Detail, a.CreatedAt.UTC())
	return wrap(fmt.Sprintf("audit room %q", a.RoomSlug), err)
}

// ListRoomAudit returns a room's moderator actions, oldest first.
func (db *DB) ListRoomAudit(ctx context.Context, slug string) ([]RoomAudit, error) {
	rows, err := db.sql.QueryContext(ctx, `
		SELECT id, room_slug, actor_identity, actor_name, action, target_identity, detail, created_at
		FROM room_audit WHERE room_slug = $1 ORDER BY id`, slug)
	if err != nil {
		return nil, wrap(fmt.Sprintf("audit of room %q", slug), err)
	}
	defer rows.Close()
	var out []RoomAudit
	for rows.Next() {
		var a RoomAudit
		if err := rows.Scan(&a.ID, &a.RoomSlug, &a.ActorIdentity, &a.ActorName, &a.Action, &a.TargetIdentity, &a.Detail, &a.CreatedAt); err != nil {
			return nil, wrap(fmt.Sprintf("audit of room %q", slug), err)
		}
		a.CreatedAt = a.CreatedAt.UTC()
		out = append(out, a)
	}
	return out, wrap(fmt.Sprintf("audit of room %q", slug), rows.Err())
}
