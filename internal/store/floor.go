package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// FloorRequest is one request for the floor in a conference room's
// speakers' list, and the turn it became once granted. The SFU owns its
// state machine; the store keeps what it decided.
type FloorRequest struct {
	ID         int64
	RoomSlug   string
	AgendaItem string
	Identity   string
	Name       string
	Delegation string
	Role       string
	Kind       string // speech, point_of_order or reply
	State      string // pending, granted, in_progress, paused, completed, denied or cancelled
	Position   int
	Language   string
	// Limit is the speaking time of the turn; Elapsed what ran of it
	// before RunningSince (zero while the clock is stopped).
	Limit, Elapsed time.Duration
	RequestedAt    time.Time
	GrantedAt      time.Time
	StartedAt      time.Time
	RunningSince   time.Time
	EndedAt        time.Time
	EndedBy        string
}

// floorOpen lists the states of a request still in the list.
const floorOpen = `('pending', 'granted', 'in_progress', 'paused')`

const floorColumns = `id, room_slug, agenda_item, identity, name, delegation, role, kind, state, position, language,
	limit_ms, elapsed_ms, requested_at, granted_at, started_at, running_since, ended_at, ended_by`

func scanFloorRequest(rows *sql.Rows) (FloorRequest, error) {
	var r FloorRequest
	var limit, elapsed int64
	var granted, started, running, ended sql.NullTime
	err := rows.Scan(&r.ID, &r.RoomSlug, &r.AgendaItem, &r.Identity, &r.Name, &r.Delegation, &r.Role, &r.Kind, &r.State,
		&r.Position, &r.Language, &limit, &elapsed, &r.RequestedAt, &granted, &started, &running, &ended, &r.EndedBy)
	r.Limit, r.Elapsed = time.Duration(limit)*time.Millisecond, time.Duration(elapsed)*time.Millisecond
	r.RequestedAt = r.RequestedAt.UTC()
	r.GrantedAt, r.StartedAt, r.RunningSince, r.EndedAt = fromNull(granted), fromNull(started), fromNull(running), fromNull(ended)
	return r, err
}

// AddFloorRequest stores a new request and returns it with its ID set.
func (db *DB) AddFloorRequest(ctx context.Context, r FloorRequest) (FloorRequest, error) {
	if r.RequestedAt.IsZero() {
		r.RequestedAt = db.nowUTC()
	}
	r.RequestedAt = dbTime(r.RequestedAt)
	err := db.sql.QueryRowContext(ctx, `
		INSERT INTO floor_requests (room_slug, agenda_item, identity, name, delegation, role, kind, state, position, language,
			limit_ms, elapsed_ms, requested_at, granted_at, started_at, running_since, ended_at, ended_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id`,
		r.RoomSlug, r.AgendaItem, r.Identity, r.Name, r.Delegation, r.Role, r.Kind, r.State, r.Position, r.Language,
		r.Limit.Milliseconds(), r.Elapsed.Milliseconds(), r.RequestedAt, nullTime(r.GrantedAt), nullTime(r.StartedAt),
		nullTime(r.RunningSince), nullTime(r.EndedAt), r.EndedBy).Scan(&r.ID)
	if err != nil {
		return FloorRequest{}, wrap(fmt.Sprintf("add floor request in room %q", r.RoomSlug), err)
	}
	return r, nil
}

// UpdateFloorRequest writes r's state, language and turn times, provided
// the stored request is still in state from: ErrConflict otherwise (a
// write that lost a race, or a request another process changed), and
// ErrNotFound when there is no such request.
func (db *DB) UpdateFloorRequest(ctx context.Context, r FloorRequest, from string) error {
	op := fmt.Sprintf("update floor request %d", r.ID)
	res, err := db.sql.ExecContext(ctx, `
		UPDATE floor_requests SET state = $1, position = $2, language = $3, limit_ms = $4, elapsed_ms = $5,
			granted_at = $6, started_at = $7, running_since = $8, ended_at = $9, ended_by = $10
		WHERE id = $11 AND state = $12`,
		r.State, r.Position, r.Language, r.Limit.Milliseconds(), r.Elapsed.Milliseconds(), nullTime(r.GrantedAt),
		nullTime(r.StartedAt), nullTime(r.RunningSince), nullTime(r.EndedAt), r.EndedBy, r.ID, from)
	if err != nil {
		return wrap(op, err)
	}
	if err := mustAffect(res); err != nil {
		var n int
		if qerr := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM floor_requests WHERE id = $1`, r.ID).Scan(&n); qerr != nil {
			return wrap(op, qerr)
		}
		if n == 1 {
			return fmt.Errorf("store: %s: %w: it is no longer %s", op, ErrConflict, from)
		}
		return wrap(op, err)
	}
	return nil
}

// SetFloorOrder numbers the given requests of a room's agenda item 0, 1, …
// in the order given, in one transaction.
func (db *DB) SetFloorOrder(ctx context.Context, room, item string, ids []int64) error {
	return wrap(fmt.Sprintf("order the speakers' list of room %q", room), db.inTx(ctx, func(tx *sql.Tx) error {
		for i, id := range ids {
			if _, err := tx.ExecContext(ctx, `UPDATE floor_requests SET position = $1 WHERE id = $2 AND room_slug = $3 AND agenda_item = $4`,
				i, id, room, item); err != nil {
				return err
			}
		}
		return nil
	}))
}

// FloorRequests returns the open requests of a room's agenda item
// (pending, granted, in progress or paused) by position, then the last
// closed requests, at most closed of them, in the order they ended.
func (db *DB) FloorRequests(ctx context.Context, room, item string, closed int) ([]FloorRequest, error) {
	op := fmt.Sprintf("speakers' list of room %q", room)
	var out []FloorRequest
	add := func(rows *sql.Rows) error {
		r, err := scanFloorRequest(rows)
		out = append(out, r)
		return err
	}
	if err := eachRow(ctx, db.sql, add, `SELECT `+floorColumns+` FROM floor_requests
		WHERE room_slug = $1 AND agenda_item = $2 AND state IN `+floorOpen+` ORDER BY position, id`, room, item); err != nil {
		return nil, wrap(op, err)
	}
	if closed > 0 {
		if err := eachRow(ctx, db.sql, add, `SELECT `+floorColumns+` FROM (
			SELECT * FROM floor_requests WHERE room_slug = $1 AND agenda_item = $2 AND state NOT IN `+floorOpen+`
			ORDER BY ended_at DESC, id DESC LIMIT $3) AS recent ORDER BY ended_at, id`, room, item, closed); err != nil {
			return nil, wrap(op, err)
		}
	}
	return out, nil
}

// FloorAgenda returns the agenda item a room's speakers' list is on; ""
// when the chair never chose one.
func (db *DB) FloorAgenda(ctx context.Context, room string) (string, error) {
	var item string
	err := db.sql.QueryRowContext(ctx, `SELECT agenda_item FROM floor_rooms WHERE room_slug = $1`, room).Scan(&item)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return item, wrap(fmt.Sprintf("agenda item of room %q", room), err)
}

// SetFloorAgenda records the agenda item a room's speakers' list is on.
func (db *DB) SetFloorAgenda(ctx context.Context, room, item string) error {
	_, err := db.sql.ExecContext(ctx, `INSERT INTO floor_rooms (room_slug, agenda_item) VALUES ($1, $2)
		ON CONFLICT (room_slug) DO UPDATE SET agenda_item = excluded.agenda_item`, room, item)
	return wrap(fmt.Sprintf("set the agenda item of room %q", room), err)
}

// FloorTimes returns the speaking time per role the chair set for a room's
// agenda item (roles not set are absent).
func (db *DB) FloorTimes(ctx context.Context, room, item string) (map[string]time.Duration, error) {
	out := map[string]time.Duration{}
	err := eachRow(ctx, db.sql, func(rows *sql.Rows) error {
		var role string
		var s int64
		err := rows.Scan(&role, &s)
		out[role] = time.Duration(s) * time.Second
		return err
	}, `SELECT role, seconds FROM floor_times WHERE room_slug = $1 AND agenda_item = $2`, room, item)
	if err != nil {
		return nil, wrap(fmt.Sprintf("speaking times of room %q", room), err)
	}
	return out, nil
}

// SetFloorTime sets the speaking time of role for a room's agenda item,
// in whole seconds (at least one).
func (db *DB) SetFloorTime(ctx context.Context, room, item, role string, d time.Duration) error {
	_, err := db.sql.ExecContext(ctx, `INSERT INTO floor_times (room_slug, agenda_item, role, seconds) VALUES ($1, $2, $3, $4)
		ON CONFLICT (room_slug, agenda_item, role) DO UPDATE SET seconds = excluded.seconds`, room, item, role, int64(d/time.Second))
	return wrap(fmt.Sprintf("set a speaking time of room %q", room), err)
}
