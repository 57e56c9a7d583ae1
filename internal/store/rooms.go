package store

import (
	"context"
	"fmt"
	"time"
)

// Room is a conference room of the demo, reached at /rooms/{slug}.
type Room struct {
	ID        int64
	Slug      string
	Title     string
	CreatedAt time.Time
}

// CreateRoom stores r and returns it with its ID and creation time set. A
// taken slug gives ErrConflict.
func (db *DB) CreateRoom(ctx context.Context, r Room) (Room, error) {
	r.CreatedAt = db.nowUTC()
	err := db.sql.QueryRowContext(ctx,
		`INSERT INTO rooms (slug, title, created_at) VALUES ($1, $2, $3) RETURNING id`,
		r.Slug, r.Title, r.CreatedAt).Scan(&r.ID)
	if err != nil {
		return Room{}, wrap(fmt.Sprintf("create room %q", r.Slug), err)
	}
	return r, nil
}

// ListRooms returns every room in the order they were created.
func (db *DB) ListRooms(ctx context.Context) ([]Room, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT id, slug, title, created_at FROM rooms ORDER BY id`)
	if err != nil {
		return nil, wrap("list rooms", err)
	}
	defer rows.Close()
	var rooms []Room
	for rows.Next() {
		var r Room
		if err := rows.Scan(&r.ID, &r.Slug, &r.Title, &r.CreatedAt); err != nil {
			return nil, wrap("list rooms", err)
		}
		r.CreatedAt = r.CreatedAt.UTC()
		rooms = append(rooms, r)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("list rooms", err)
	}
	return rooms, nil
}

// GetRoomBySlug returns the room with the given slug, or ErrNotFound.
func (db *DB) GetRoomBySlug(ctx context.Context, slug string) (Room, error) {
	var r Room
	err := db.sql.QueryRowContext(ctx,
		`SELECT id, slug, title, created_at FROM rooms WHERE slug = $1`, slug).
		Scan(&r.ID, &r.Slug, &r.Title, &r.CreatedAt)
	if err != nil {
		return Room{}, wrap(fmt.Sprintf("get room %q", slug), err)
	}
	r.CreatedAt = r.CreatedAt.UTC()
	return r, nil
}
