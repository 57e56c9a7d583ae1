package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Session kinds and states of an event's sessions.
const (
	SessionPlenary   = "plenary"
	SessionWorking   = "working"
	SessionSide      = "side"
	SessionBilateral = "bilateral"

	SessionScheduled = "scheduled"
	SessionCancelled = "cancelled"
)

// Event is a diplomatic conference: its metadata, organisers and the text
// of each language it has one in. Sessions are read apart.
type Event struct {
	ID   int64
	Slug string
	// Zone is the venue's IANA zone; StartLocal and EndLocal the wall
	// times typed in it (2006-01-02T15:04), StartsAt and EndsAt the same
	// in UTC.
	Zone                 string
	StartsAt, EndsAt     time.Time
	StartLocal, EndLocal string
	Format               string // virtual or hybrid
	Public               bool   // false: closed, not on the public portal
	Languages            []string
	SourceLang           string
	Organisers           []int64 // user IDs, sorted
	CreatedAt, UpdatedAt time.Time
	// Translations is keyed by language code; a language without one is
	// missing.
	Translations map[string]EventTranslation
}

// EventTranslation is an event's title and description in one language.
type EventTranslation struct {
	Lang        string
	Title       string
	Description string
	Status      ArticleStatus // draft or published
	// Rev counts the edits; SourceRev is the source translation's Rev
	// when this one was last saved.
	Rev, SourceRev int
	Outdated       bool // set on reads: the source changed since
	UpdatedAt      time.Time
}

// State returns draft, published or outdated.
func (t EventTranslation) State() ArticleStatus {
	if t.Outdated {
		return StatusOutdated
	}
	return t.Status
}

// AgendaItem is one numbered item of a session's agenda: its title per
// language. Its number is its position, from 1.
type AgendaItem struct {
	Titles map[string]string `json:"titles"`
}

// EventSession is one meeting of an event, with a conference room of its
// own (or shared with another session of the event).
type EventSession struct {
	ID      int64             `json:"id"`
	EventID int64             `json:"-"`
	Kind    string            `json:"kind"`
	Titles  map[string]string `json:"titles"`
	// StartLocal and EndLocal are wall times in the event's zone.
	StartsAt   time.Time    `json:"starts_at"`
	EndsAt     time.Time    `json:"ends_at"`
	StartLocal string       `json:"start_local"`
	EndLocal   string       `json:"end_local"`
	ChairID    int64        `json:"chair_id,omitempty"`
	RoomID     int64        `json:"room_id,omitempty"`
	RoomSlug   string       `json:"room_slug,omitempty"`
	Status     string       `json:"status"`
	Sequence   int          `json:"sequence"` // iCalendar SEQUENCE
	Agenda     []AgendaItem `json:"agenda"`
	CreatedAt  time.Time    `json:"-"`
	UpdatedAt  time.Time    `json:"updated_at"`
}

// sameSchedule reports whether two versions of a session would read the
// same in a calendar: nothing a subscriber sees changed.
func sameSchedule(a, b EventSession) bool {
	return a.Kind == b.Kind && maps.Equal(a.Titles, b.Titles) && a.StartsAt.Equal(b.StartsAt) && a.EndsAt.Equal(b.EndsAt) &&
		a.ChairID == b.ChairID && a.RoomID == b.RoomID && a.Status == b.Status && encodeAgenda(a.Agenda) == encodeAgenda(b.Agenda)
}

// TimetableChange is one line of the public changelog: what happened to a
// session between two releases.
type TimetableChange struct {
	SessionID int64             `json:"session_id"`
	Kind      string            `json:"kind"` // added, removed, moved, renamed, cancelled, restored
	Titles    map[string]string `json:"titles"`
	OldStart  time.Time         `json:"old_start,omitzero"`
	OldEnd    time.Time         `json:"old_end,omitzero"`
	NewStart  time.Time         `json:"new_start,omitzero"`
	NewEnd    time.Time         `json:"new_end,omitzero"`
}

// TimetableRelease is one released version of an event's timetable: the
// sessions as the public sees them, and what changed since the previous
// release.
type TimetableRelease struct {
	EventID    int64
	Version    int
	ReleasedAt time.Time
	ReleasedBy int64
	Sessions   []EventSession
	Changes    []TimetableChange
}

func encodeAgenda(items []AgendaItem) string {
	if len(items) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(items) // maps of strings: cannot fail
	return string(b)
}

func encodeJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// CreateEvent stores e with its organisers and translations in one
// transaction and returns it with its ID set. A taken slug gives
// ErrConflict; an organiser who is not a user gives ErrNotFound.
func (db *DB) CreateEvent(ctx context.Context, e Event) (Event, error) {
	now := db.nowUTC()
	e.CreatedAt, e.UpdatedAt = now, now
	e.StartsAt, e.EndsAt = dbTime(e.StartsAt), dbTime(e.EndsAt)
	e.Organisers = normalizeIDs(e.Organisers)
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `
			INSERT INTO events (slug, zone, starts_at, ends_at, start_local, end_local, format, public, languages, source_lang, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
			e.Slug, e.Zone, e.StartsAt, e.EndsAt, e.StartLocal, e.EndLocal, e.Format, e.Public, strings.Join(e.Languages, ","),
			e.SourceLang, now, now).Scan(&e.ID)
		if err != nil {
			return err
		}
		if err := setOrganisers(ctx, tx, e.ID, e.Organisers); err != nil {
			return err
		}
		tr := map[string]EventTranslation{}
		for code, t := range e.Translations {
			t.Lang, t.Rev, t.SourceRev, t.UpdatedAt = code, 1, 1, now
			if _, err := tx.ExecContext(ctx, `
				INSERT INTO event_translations (event_id, lang, title, description, status, rev, source_rev, updated_at)
				VALUES ($1, $2, $3, $4, $5, 1, 1, $6)`, e.ID, code, t.Title, t.Description, string(t.Status), now); err != nil {
				return err
			}
			tr[code] = t
		}
		e.Translations = tr
		return nil
	})
	if err != nil {
		return Event{}, wrap(fmt.Sprintf("create event %q", e.Slug), err)
	}
	return e, nil
}

func normalizeIDs(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

func setOrganisers(ctx context.Context, tx *sql.Tx, eventID int64, ids []int64) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM event_organisers WHERE event_id = $1`, eventID); err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, `INSERT INTO event_organisers (event_id, user_id) VALUES ($1, $2)`, eventID, id); err != nil {
			return err
		}
	}
	return nil
}

// UpdateEvent changes an event's metadata and organisers (not its
// translations). When the zone or a session's wall time moves, the
// sessions' UTC times given in moved are saved in the same transaction,
// each raising its sequence.
func (db *DB) UpdateEvent(ctx context.Context, e Event, moved []EventSession) (Event, error) {
	now := db.nowUTC()
	e.UpdatedAt = now
	e.StartsAt, e.EndsAt = dbTime(e.StartsAt), dbTime(e.EndsAt)
	e.Organisers = normalizeIDs(e.Organisers)
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `
			UPDATE events SET slug = $2, zone = $3, starts_at = $4, ends_at = $5, start_local = $6, end_local = $7, format = $8,
			public = $9, languages = $10, source_lang = $11, updated_at = $12 WHERE id = $1`,
			e.ID, e.Slug, e.Zone, e.StartsAt, e.EndsAt, e.StartLocal, e.EndLocal, e.Format, e.Public, strings.Join(e.Languages, ","),
			e.SourceLang, now)
		if err != nil {
			return err
		}
		if err := mustAffect(res); err != nil {
			return err
		}
		if err := setOrganisers(ctx, tx, e.ID, e.Organisers); err != nil {
			return err
		}
		for _, s := range moved {
			if _, err := tx.ExecContext(ctx, `UPDATE event_sessions SET starts_at = $3, ends_at = $4, sequence = sequence + 1, updated_at = $5
				WHERE id = $1 AND event_id = $2`, s.ID, e.ID, dbTime(s.StartsAt), dbTime(s.EndsAt), now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Event{}, wrap(fmt.Sprintf("update event %d", e.ID), err)
	}
	return db.GetEvent(ctx, e.ID)
}

// SaveEventTranslation saves an event's text in one language, as a draft
// or published. Saving the source language's text changed makes the other
// translations outdated until they are saved again.
func (db *DB) SaveEventTranslation(ctx context.Context, eventID int64, t EventTranslation) (EventTranslation, error) {
	now := db.nowUTC()
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var source string
		if err := tx.QueryRowContext(ctx, `SELECT source_lang FROM events WHERE id = $1`, eventID).Scan(&source); err != nil {
			return err
		}
		var old EventTranslation
		err := tx.QueryRowContext(ctx, `SELECT title, description, rev FROM event_translations WHERE event_id = $1 AND lang = $2`,
			eventID, t.Lang).Scan(&old.Title, &old.Description, &old.Rev)
		exists := err == nil
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		t.Rev = old.Rev
		if !exists || old.Title != t.Title || old.Description != t.Description {
			t.Rev++
		}
		// This translation now follows the source's current text.
		t.SourceRev = t.Rev
		if t.Lang != source {
			if err := tx.QueryRowContext(ctx, `SELECT rev FROM event_translations WHERE event_id = $1 AND lang = $2`,
				eventID, source).Scan(&t.SourceRev); err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		t.UpdatedAt = now
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO event_translations (event_id, lang, title, description, status, rev, source_rev, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (event_id, lang) DO UPDATE SET title = excluded.title, description = excluded.description,
			status = excluded.status, rev = excluded.rev, source_rev = excluded.source_rev, updated_at = excluded.updated_at`,
			eventID, t.Lang, t.Title, t.Description, string(t.Status), t.Rev, t.SourceRev, now); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE events SET updated_at = $2 WHERE id = $1`, eventID, now)
		return err
	})
	if err != nil {
		return EventTranslation{}, wrap(fmt.Sprintf("save event %d translation %q", eventID, t.Lang), err)
	}
	return t, nil
}

const eventColumns = `id, slug, zone, starts_at, ends_at, start_local, end_local, format, public, languages, source_lang, created_at, updated_at`

func scanEvent(row interface{ Scan(...any) error }) (Event, error) {
	var e Event
	var langs string
	if err := row.Scan(&e.ID, &e.Slug, &e.Zone, &e.StartsAt, &e.EndsAt, &e.StartLocal, &e.EndLocal, &e.Format, &e.Public, &langs,
		&e.SourceLang, &e.CreatedAt, &e.UpdatedAt); err != nil {
		return Event{}, err
	}
	e.StartsAt, e.EndsAt, e.CreatedAt, e.UpdatedAt = e.StartsAt.UTC(), e.EndsAt.UTC(), e.CreatedAt.UTC(), e.UpdatedAt.UTC()
	if langs != "" {
		e.Languages = strings.Split(langs, ",")
	}
	return e, nil
}

// GetEvent returns an event with its organisers and translations, or
// ErrNotFound.
func (db *DB) GetEvent(ctx context.Context, id int64) (Event, error) {
	return db.getEvent(ctx, `id = $1`, id)
}

// GetEventBySlug returns the event with a slug, or ErrNotFound.
func (db *DB) GetEventBySlug(ctx context.Context, slug string) (Event, error) {
	return db.getEvent(ctx, `slug = $1`, slug)
}

func (db *DB) getEvent(ctx context.Context, where string, arg any) (Event, error) {
	e, err := scanEvent(db.sql.QueryRowContext(ctx, `SELECT `+eventColumns+` FROM events WHERE `+where, arg))
	if err != nil {
		return Event{}, wrap(fmt.Sprintf("get event %v", arg), err)
	}
	if err := db.fillEvents(ctx, []*Event{&e}); err != nil {
		return Event{}, wrap(fmt.Sprintf("get event %v", arg), err)
	}
	return e, nil
}

// ListEvents returns every event, the latest start first.
func (db *DB) ListEvents(ctx context.Context) ([]Event, error) {
	var out []Event
	err := eachRow(ctx, db.sql, func(rows *sql.Rows) error {
		e, err := scanEvent(rows)
		out = append(out, e)
		return err
	}, `SELECT `+eventColumns+` FROM events ORDER BY starts_at DESC, id DESC`)
	if err != nil {
		return nil, wrap("list events", err)
	}
	ptrs := make([]*Event, len(out))
	for i := range out {
		ptrs[i] = &out[i]
	}
	if err := db.fillEvents(ctx, ptrs); err != nil {
		return nil, wrap("list events", err)
	}
	return out, nil
}

// fillEvents reads the organisers and translations of events.
func (db *DB) fillEvents(ctx context.Context, es []*Event) error {
	byID := map[int64]*Event{}
	for _, e := range es {
		e.Translations = map[string]EventTranslation{}
		e.Organisers = []int64{}
		byID[e.ID] = e
	}
	if len(es) == 0 {
		return nil
	}
	err := eachRow(ctx, db.sql, func(rows *sql.Rows) error {
		var id, user int64
		if err := rows.Scan(&id, &user); err != nil {
			return err
		}
		if e := byID[id]; e != nil {
			e.Organisers = append(e.Organisers, user)
		}
		return nil
	}, `SELECT event_id, user_id FROM event_organisers ORDER BY event_id, user_id`)
	if err != nil {
		return err
	}
	err = eachRow(ctx, db.sql, func(rows *sql.Rows) error {
		var id int64
		var t EventTranslation
		var status string
		if err := rows.Scan(&id, &t.Lang, &t.Title, &t.Description, &status, &t.Rev, &t.SourceRev, &t.UpdatedAt); err != nil {
			return err
		}
		t.Status, t.UpdatedAt = ArticleStatus(status), t.UpdatedAt.UTC()
		if e := byID[id]; e != nil {
			e.Translations[t.Lang] = t
		}
		return nil
	}, `SELECT event_id, lang, title, description, status, rev, source_rev, updated_at FROM event_translations`)
	for _, e := range es {
		markOutdated(e)
	}
	return err
}

// markOutdated marks the translations whose source moved on after they were
// last saved.
func markOutdated(e *Event) {
	src, ok := e.Translations[e.SourceLang]
	for code, t := range e.Translations {
		t.Outdated = ok && code != e.SourceLang && t.SourceRev < src.Rev
		e.Translations[code] = t
	}
}

const sessionColumns = `s.id, s.event_id, s.kind, s.titles, s.starts_at, s.ends_at, s.start_local, s.end_local, s.chair_id, s.room_id,
	COALESCE(r.slug, ''), s.status, s.sequence, s.agenda, s.created_at, s.updated_at`

func scanSession(row interface{ Scan(...any) error }) (EventSession, error) {
	var s EventSession
	var titles, agenda string
	var chair, room sql.NullInt64
	if err := row.Scan(&s.ID, &s.EventID, &s.Kind, &titles, &s.StartsAt, &s.EndsAt, &s.StartLocal, &s.EndLocal, &chair, &room,
		&s.RoomSlug, &s.Status, &s.Sequence, &agenda, &s.CreatedAt, &s.UpdatedAt); err != nil {
		return EventSession{}, err
	}
	s.ChairID, s.RoomID = chair.Int64, room.Int64
	s.StartsAt, s.EndsAt, s.CreatedAt, s.UpdatedAt = s.StartsAt.UTC(), s.EndsAt.UTC(), s.CreatedAt.UTC(), s.UpdatedAt.UTC()
	if err := json.Unmarshal([]byte(titles), &s.Titles); err != nil {
		return EventSession{}, fmt.Errorf("decode session titles: %w", err)
	}
	if err := json.Unmarshal([]byte(agenda), &s.Agenda); err != nil {
		return EventSession{}, fmt.Errorf("decode agenda: %w", err)
	}
	return s, nil
}

// ListEventSessions returns an event's sessions in the order they start.
func (db *DB) ListEventSessions(ctx context.Context, eventID int64) ([]EventSession, error) {
	out := []EventSession{}
	err := eachRow(ctx, db.sql, func(rows *sql.Rows) error {
		s, err := scanSession(rows)
		out = append(out, s)
		return err
	}, `SELECT `+sessionColumns+` FROM event_sessions s LEFT JOIN rooms r ON r.id = s.room_id
		WHERE s.event_id = $1 ORDER BY s.starts_at, s.id`, eventID)
	if err != nil {
		return nil, wrap(fmt.Sprintf("list sessions of event %d", eventID), err)
	}
	return out, nil
}

// GetEventSession returns one session of an event, or ErrNotFound.
func (db *DB) GetEventSession(ctx context.Context, eventID, id int64) (EventSession, error) {
	s, err := scanSession(db.sql.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM event_sessions s LEFT JOIN rooms r ON r.id = s.room_id
		WHERE s.event_id = $1 AND s.id = $2`, eventID, id))
	if err != nil {
		return EventSession{}, wrap(fmt.Sprintf("get session %d of event %d", id, eventID), err)
	}
	return s, nil
}

// CreateEventSession stores a session of an event. With RoomID 0 it makes the
// session a conference room of its own, named roomTitle, at the slug
// {event slug}-{session id}, in the same transaction; otherwise the room
// must be one another session of the event uses.
func (db *DB) CreateEventSession(ctx context.Context, eventSlug, roomTitle string, s EventSession) (EventSession, error) {
	now := db.nowUTC()
	s.CreatedAt, s.UpdatedAt, s.Sequence = now, now, 0
	if s.Status == "" {
		s.Status = SessionScheduled
	}
	titles, err := encodeJSON(s.Titles)
	if err != nil {
		return EventSession{}, err
	}
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		if s.RoomID != 0 {
			if err := roomOfEvent(ctx, tx, s.EventID, s.RoomID); err != nil {
				return err
			}
		}
		if err := tx.QueryRowContext(ctx, `
			INSERT INTO event_sessions (event_id, kind, titles, starts_at, ends_at, start_local, end_local, chair_id, room_id, status, sequence, agenda, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, $11, $12, $12) RETURNING id`,
			s.EventID, s.Kind, titles, dbTime(s.StartsAt), dbTime(s.EndsAt), s.StartLocal, s.EndLocal, nullID(s.ChairID), nullID(s.RoomID),
			s.Status, encodeAgenda(s.Agenda), now).Scan(&s.ID); err != nil {
			return err
		}
		if s.RoomID == 0 {
			slug := fmt.Sprintf("%s-%d", eventSlug, s.ID)
			if err := tx.QueryRowContext(ctx, `INSERT INTO rooms (slug, title, created_at) VALUES ($1, $2, $3) RETURNING id`,
				slug, roomTitle, now).Scan(&s.RoomID); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE event_sessions SET room_id = $2 WHERE id = $1`, s.ID, s.RoomID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return EventSession{}, wrap(fmt.Sprintf("create session of event %d", s.EventID), err)
	}
	return db.GetEventSession(ctx, s.EventID, s.ID)
}

// roomOfEvent checks that a room is used by a session of the event.
func roomOfEvent(ctx context.Context, q querier, eventID, roomID int64) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM event_sessions WHERE event_id = $1 AND room_id = $2`, eventID, roomID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("room %d is not a room of event %d: %w", roomID, eventID, ErrNotFound)
	}
	return nil
}

// UpdateEventSession saves a session. Any change a calendar shows raises its
// sequence; saving it unchanged leaves it as it was.
func (db *DB) UpdateEventSession(ctx context.Context, s EventSession) (EventSession, error) {
	titles, err := encodeJSON(s.Titles)
	if err != nil {
		return EventSession{}, err
	}
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		old, err := scanSession(tx.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM event_sessions s LEFT JOIN rooms r ON r.id = s.room_id
			WHERE s.event_id = $1 AND s.id = $2`, s.EventID, s.ID))
		if err != nil {
			return err
		}
		if s.RoomID != old.RoomID && s.RoomID != 0 {
			if err := roomOfEvent(ctx, tx, s.EventID, s.RoomID); err != nil {
				return err
			}
		}
		if s.RoomID == 0 {
			s.RoomID = old.RoomID
		}
		s.StartsAt, s.EndsAt = dbTime(s.StartsAt), dbTime(s.EndsAt)
		if sameSchedule(old, s) && old.StartLocal == s.StartLocal && old.EndLocal == s.EndLocal {
			return nil
		}
		_, err = tx.ExecContext(ctx, `UPDATE event_sessions SET kind = $3, titles = $4, starts_at = $5, ends_at = $6, start_local = $7,
			end_local = $8, chair_id = $9, room_id = $10, status = $11, agenda = $12, sequence = sequence + 1, updated_at = $13
			WHERE event_id = $1 AND id = $2`,
			s.EventID, s.ID, s.Kind, titles, s.StartsAt, s.EndsAt, s.StartLocal, s.EndLocal, nullID(s.ChairID), nullID(s.RoomID),
			s.Status, encodeAgenda(s.Agenda), db.nowUTC())
		return err
	})
	if err != nil {
		return EventSession{}, wrap(fmt.Sprintf("update session %d", s.ID), err)
	}
	return db.GetEventSession(ctx, s.EventID, s.ID)
}

// DeleteEventSession removes a session that was never released; a released
// one must be cancelled instead, so that calendars learn of it. Its room
// stays (tokens and audit refer to it).
func (db *DB) DeleteEventSession(ctx context.Context, eventID, id int64) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var sessions string
		err := tx.QueryRowContext(ctx, `SELECT sessions FROM event_releases WHERE event_id = $1 ORDER BY version DESC LIMIT 1`, eventID).Scan(&sessions)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err == nil {
			var released []EventSession
			if err := json.Unmarshal([]byte(sessions), &released); err != nil {
				return err
			}
			if slices.ContainsFunc(released, func(r EventSession) bool { return r.ID == id }) {
				return fmt.Errorf("session %d was released: %w", id, ErrConflict)
			}
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM event_sessions WHERE event_id = $1 AND id = $2`, eventID, id)
		if err != nil {
			return err
		}
		return mustAffect(res)
	})
	return wrap(fmt.Sprintf("delete session %d", id), err)
}

// ReleaseTimetable records a new release of the event's timetable with
// the sessions and changes given, numbered one past the latest.
func (db *DB) ReleaseTimetable(ctx context.Context, r TimetableRelease) (TimetableRelease, error) {
	r.ReleasedAt = db.nowUTC()
	if r.Sessions == nil {
		r.Sessions = []EventSession{}
	}
	if r.Changes == nil {
		r.Changes = []TimetableChange{}
	}
	sessions, err := encodeJSON(r.Sessions)
	if err != nil {
		return TimetableRelease{}, err
	}
	changes, err := encodeJSON(r.Changes)
	if err != nil {
		return TimetableRelease{}, err
	}
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) + 1 FROM event_releases WHERE event_id = $1`, r.EventID).Scan(&r.Version); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO event_releases (event_id, version, released_at, released_by, sessions, changes)
			VALUES ($1, $2, $3, $4, $5, $6)`, r.EventID, r.Version, r.ReleasedAt, nullID(r.ReleasedBy), sessions, changes)
		return err
	})
	if err != nil {
		return TimetableRelease{}, wrap(fmt.Sprintf("release timetable of event %d", r.EventID), err)
	}
	return r, nil
}

// ListReleases returns an event's timetable releases, the latest first.
func (db *DB) ListReleases(ctx context.Context, eventID int64) ([]TimetableRelease, error) {
	out := []TimetableRelease{}
	err := eachRow(ctx, db.sql, func(rows *sql.Rows) error {
		var r TimetableRelease
		var by sql.NullInt64
		var sessions, changes string
		if err := rows.Scan(&r.EventID, &r.Version, &r.ReleasedAt, &by, &sessions, &changes); err != nil {
			return err
		}
		r.ReleasedAt, r.ReleasedBy = r.ReleasedAt.UTC(), by.Int64
		if err := json.Unmarshal([]byte(sessions), &r.Sessions); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(changes), &r.Changes); err != nil {
			return err
		}
		out = append(out, r)
		return nil
	}, `SELECT event_id, version, released_at, released_by, sessions, changes FROM event_releases WHERE event_id = $1 ORDER BY version DESC`, eventID)
	if err != nil {
		return nil, wrap(fmt.Sprintf("list releases of event %d", eventID), err)
	}
	return out, nil
}
