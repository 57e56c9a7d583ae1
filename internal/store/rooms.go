package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Room is a conference room, reached at /{lang}/rooms/{slug}.
type Room struct {
	ID   int64
	Slug string
	// Title is the room's title in every language that has none in
	// Titles.
	Title string
	// Titles are the room's titles by language code; nil when it has none.
	Titles map[string]string
	// OpensAt and ClosesAt are the room's schedule; zero: no bound.
	OpensAt, ClosesAt time.Time
	// ArchivedAt is when the room was archived; zero: it is not. An
	// archived room refuses joins and leaves the default lists.
	ArchivedAt time.Time
	CreatedAt  time.Time
	// Languages are the meeting's languages staff set for the room, in
	// their order: the booths of its interpretation (SetRoomLanguages).
	// Empty: the languages of its events (MeetingLanguages).
	Languages []string
}

// Archived reports whether the room was archived.
func (r Room) Archived() bool { return !r.ArchivedAt.IsZero() }

// TitleIn returns the room's title in the language code, or its default
// title.
func (r Room) TitleIn(code string) string {
	if t := r.Titles[code]; t != "" {
		return t
	}
	return r.Title
}

// RoomState is where a room stands at a given time.
type RoomState string

// The states of a room.
const (
	RoomScheduled RoomState = "scheduled" // it opens later
	RoomOpen      RoomState = "open"
	RoomClosed    RoomState = "closed" // its schedule has ended
	RoomArchived  RoomState = "archived"
)

// State returns where the room stands at now.
func (r Room) State(now time.Time) RoomState {
	switch {
	case r.Archived():
		return RoomArchived
	case !r.OpensAt.IsZero() && now.Before(r.OpensAt):
		return RoomScheduled
	case !r.ClosesAt.IsZero() && !now.Before(r.ClosesAt):
		return RoomClosed
	}
	return RoomOpen
}

// CreateRoom stores r (its titles and schedule, if any) and returns it with
// its ID and creation time set. A taken slug gives ErrConflict.
func (db *DB) CreateRoom(ctx context.Context, r Room) (Room, error) {
	r.CreatedAt = db.nowUTC()
	r.ArchivedAt = time.Time{}
	if !r.OpensAt.IsZero() {
		r.OpensAt = dbTime(r.OpensAt)
	}
	if !r.ClosesAt.IsZero() {
		r.ClosesAt = dbTime(r.ClosesAt)
	}
	if len(r.Titles) == 0 {
		r.Titles = nil
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx,
			`INSERT INTO rooms (slug, title, opens_at, closes_at, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			r.Slug, r.Title, nullTime(r.OpensAt), nullTime(r.ClosesAt), r.CreatedAt).Scan(&r.ID); err != nil {
			return err
		}
		return putRoomTitles(ctx, tx, r.ID, r.Titles)
	})
	if err != nil {
		return Room{}, wrap(fmt.Sprintf("create room %q", r.Slug), err)
	}
	return r, nil
}

func putRoomTitles(ctx context.Context, tx *sql.Tx, roomID int64, titles map[string]string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM room_titles WHERE room_id = $1`, roomID); err != nil {
		return err
	}
	for _, code := range slices.Sorted(maps.Keys(titles)) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO room_titles (room_id, lang, title) VALUES ($1, $2, $3)`, roomID, code, titles[code]); err != nil {
			return err
		}
	}
	return nil
}

// RoomUpdate is a change of a room's titles and schedule.
type RoomUpdate struct {
	Title             string
	Titles            map[string]string // replaces every title by language
	OpensAt, ClosesAt time.Time         // zero: no bound
}

// UpdateRoom changes the room's titles and schedule at once, or gives
// ErrNotFound.
func (db *DB) UpdateRoom(ctx context.Context, id int64, u RoomUpdate) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE rooms SET title = $1, opens_at = $2, closes_at = $3 WHERE id = $4`,
			u.Title, nullTime(u.OpensAt), nullTime(u.ClosesAt), id)
		if err != nil {
			return err
		}
		if err := mustAffect(res); err != nil {
			return err
		}
		return putRoomTitles(ctx, tx, id, u.Titles)
	})
	return wrap(fmt.Sprintf("update room %d", id), err)
}

// splitLanguages reads a comma-separated list of language codes.
func splitLanguages(s string) []string {
	var out []string
	for _, c := range strings.Split(s, ",") {
		if c = strings.TrimSpace(c); c != "" {
			out = append(out, c)
		}
	}
	return out
}

// SetRoomLanguages sets the room's meeting languages (codes, in order;
// none: its events'), or gives ErrNotFound. The caller checks the codes.
func (db *DB) SetRoomLanguages(ctx context.Context, id int64, langs []string) error {
	res, err := db.sql.ExecContext(ctx, `UPDATE rooms SET meeting_languages = $1 WHERE id = $2`, strings.Join(langs, ","), id)
	if err == nil {
		err = mustAffect(res)
	}
	return wrap(fmt.Sprintf("set languages of room %d", id), err)
}

// MeetingLanguages are the languages of the meeting in the room named
// slug: those staff set for the room, else those of the events whose
// sessions (not cancelled) it hosts, in the events' order, each once. An
// unknown room has none.
func (db *DB) MeetingLanguages(ctx context.Context, slug string) ([]string, error) {
	var own string
	err := db.sql.QueryRowContext(ctx, `SELECT meeting_languages FROM rooms WHERE slug = $1`, slug).Scan(&own)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, wrap("meeting languages", err)
	}
	if langs := splitLanguages(own); len(langs) > 0 {
		return langs, nil
	}
	var out []string
	err = eachRow(ctx, db.sql, func(rows *sql.Rows) error {
		var langs string
		if err := rows.Scan(&langs); err != nil {
			return err
		}
		for _, c := range splitLanguages(langs) {
			if !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
		return nil
	}, `SELECT e.languages FROM events e JOIN event_sessions s ON s.event_id = e.id JOIN rooms r ON r.id = s.room_id
		WHERE r.slug = $1 AND s.status <> $2 ORDER BY e.id`, slug, SessionCancelled)
	return out, wrap("meeting languages", err)
}

// SetRoomArchived archives the room now, or brings it back; archiving an
// archived room keeps its first date. An unknown room gives ErrNotFound.
func (db *DB) SetRoomArchived(ctx context.Context, id int64, archived bool) error {
	var res sql.Result
	var err error
	if archived {
		res, err = db.sql.ExecContext(ctx, `UPDATE rooms SET archived_at = COALESCE(archived_at, $1) WHERE id = $2`, db.nowUTC(), id)
	} else {
		res, err = db.sql.ExecContext(ctx, `UPDATE rooms SET archived_at = NULL WHERE id = $1`, id)
	}
	if err == nil {
		err = mustAffect(res)
	}
	return wrap(fmt.Sprintf("archive room %d", id), err)
}

const roomColumns = `r.id, r.slug, r.title, r.opens_at, r.closes_at, r.archived_at, r.created_at, r.meeting_languages`

func scanRoom(s interface{ Scan(...any) error }, extra ...any) (Room, error) {
	var r Room
	var opens, closes, archived sql.NullTime
	var langs string
	if err := s.Scan(append([]any{&r.ID, &r.Slug, &r.Title, &opens, &closes, &archived, &r.CreatedAt, &langs}, extra...)...); err != nil {
		return Room{}, err
	}
	r.Languages = splitLanguages(langs)
	r.OpensAt, r.ClosesAt, r.ArchivedAt = fromNull(opens), fromNull(closes), fromNull(archived)
	r.CreatedAt = r.CreatedAt.UTC()
	return r, nil
}

// withTitles fills the Titles of rooms.
func (db *DB) withTitles(ctx context.Context, rooms []Room) error {
	if len(rooms) == 0 {
		return nil
	}
	ph := make([]string, len(rooms))
	args := make([]any, len(rooms))
	at := make(map[int64]int, len(rooms))
	for i, r := range rooms {
		ph[i] = "$" + strconv.Itoa(i+1)
		args[i] = r.ID
		at[r.ID] = i
	}
	return eachRow(ctx, db.sql, func(rows *sql.Rows) error {
		var id int64
		var code, title string
		if err := rows.Scan(&id, &code, &title); err != nil {
			return err
		}
		r := &rooms[at[id]]
		if r.Titles == nil {
			r.Titles = map[string]string{}
		}
		r.Titles[code] = title
		return nil
	}, `SELECT room_id, lang, title FROM room_titles WHERE room_id IN (`+strings.Join(ph, ", ")+`)`, args...)
}

// ListRooms returns the rooms that are not archived, in the order they
// were created.
func (db *DB) ListRooms(ctx context.Context) ([]Room, error) {
	return db.listRooms(ctx, `WHERE r.archived_at IS NULL`)
}

// ListAllRooms returns every room, archived ones included, in the order
// they were created.
func (db *DB) ListAllRooms(ctx context.Context) ([]Room, error) {
	return db.listRooms(ctx, ``)
}

func (db *DB) listRooms(ctx context.Context, where string) ([]Room, error) {
	var rooms []Room
	err := eachRow(ctx, db.sql, func(rows *sql.Rows) error {
		r, err := scanRoom(rows)
		rooms = append(rooms, r)
		return err
	}, `SELECT `+roomColumns+` FROM rooms r `+where+` ORDER BY r.id`)
	if err == nil {
		err = db.withTitles(ctx, rooms)
	}
	if err != nil {
		return nil, wrap("list rooms", err)
	}
	return rooms, nil
}

// GetRoomBySlug returns the room with the given slug, archived or not, or
// ErrNotFound.
func (db *DB) GetRoomBySlug(ctx context.Context, slug string) (Room, error) {
	r, err := scanRoom(db.sql.QueryRowContext(ctx, `SELECT `+roomColumns+` FROM rooms r WHERE r.slug = $1`, slug))
	if err != nil {
		return Room{}, wrap(fmt.Sprintf("get room %q", slug), err)
	}
	rooms := []Room{r}
	if err := db.withTitles(ctx, rooms); err != nil {
		return Room{}, wrap(fmt.Sprintf("get room %q", slug), err)
	}
	return rooms[0], nil
}

// RoomArchived reports whether the room with the given slug is archived;
// an unknown slug gives ErrNotFound.
func (db *DB) RoomArchived(ctx context.Context, slug string) (bool, error) {
	var at sql.NullTime
	if err := db.sql.QueryRowContext(ctx, `SELECT archived_at FROM rooms WHERE slug = $1`, slug).Scan(&at); err != nil {
		return false, wrap(fmt.Sprintf("room %q archived", slug), err)
	}
	return at.Valid, nil
}
