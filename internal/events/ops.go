package events

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/store"
)

// Limits of what an event holds.
const (
	MaxSlug        = 100
	MaxTitle       = 300
	MaxDescription = 10000
	MaxAgendaItems = 100
	MaxAgendaTitle = 500
)

var slugRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// EventInput is an event's metadata as a form or the API gives it.
type EventInput struct {
	Slug       string   `json:"slug"`
	Zone       string   `json:"zone"`
	Start      string   `json:"start"` // wall time in Zone, 2006-01-02T15:04
	End        string   `json:"end"`
	Format     string   `json:"format"` // virtual or hybrid
	Public     bool     `json:"public"`
	Languages  []string `json:"languages"`
	SourceLang string   `json:"source_lang"`
	Organisers []int64  `json:"organisers"`
	// Translations are the texts to create the event with (create only).
	Translations map[string]TextInput `json:"translations,omitempty"`
}

// TextInput is an event's title and description in one language.
type TextInput struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	Publish     bool   `json:"publish"`
}

// SessionInput is a session as a form or the API gives it.
type SessionInput struct {
	Kind   string            `json:"kind"`
	Titles map[string]string `json:"titles"`
	Start  string            `json:"start"` // wall time in the event's zone
	End    string            `json:"end"`
	Chair  int64             `json:"chair_id"`
	// Room is the slug of a room another session of the event uses, to
	// meet there too; "" keeps the session's room (a new session gets
	// one of its own).
	Room   string              `json:"room_slug"`
	Status string              `json:"status"` // scheduled (default) or cancelled
	Agenda []map[string]string `json:"agenda"` // each item's title per language
}

func invalid(field, key string, data map[string]any) error {
	return &fault.Problem{Kind: fault.ErrRefused, Key: key, Field: field, Data: data}
}

func tooLong(field string, limit int) error {
	return invalid(field, "events_error_too_long", map[string]any{"Max": limit})
}

func runes(s string) int { return utf8.RuneCountInString(s) }

// zone checks a zone name: unknown ones are refused with the zone they
// most likely meant.
func zone(name string) (*time.Location, error) {
	loc, suggestion, ok := LoadZone(strings.TrimSpace(name))
	if ok {
		return loc, nil
	}
	if suggestion != "" {
		return nil, invalid("zone", "events_error_zone_suggest", map[string]any{"Zone": name, "Suggestion": suggestion})
	}
	return nil, invalid("zone", "events_error_zone", map[string]any{"Zone": name})
}

// span reads a start and end wall time in loc; the end must come after
// the start.
func span(start, end string, loc *time.Location) (time.Time, time.Time, error) {
	s, _, err := ParseWall(start, loc)
	if err != nil {
		return time.Time{}, time.Time{}, invalid("start", "events_error_time", nil)
	}
	e, _, err := ParseWall(end, loc)
	if err != nil {
		return time.Time{}, time.Time{}, invalid("end", "events_error_time", nil)
	}
	if !e.After(s) {
		return time.Time{}, time.Time{}, invalid("end", "events_error_end_before_start", nil)
	}
	return s, e, nil
}

// checkEvent validates an event's metadata and returns it as stored.
func (h *Handlers) checkEvent(ctx context.Context, in EventInput) (store.Event, error) {
	in.Slug = strings.TrimSpace(in.Slug)
	if len(in.Slug) > MaxSlug || !slugRE.MatchString(in.Slug) {
		return store.Event{}, invalid("slug", "events_error_slug", map[string]any{"Max": MaxSlug})
	}
	loc, err := zone(in.Zone)
	if err != nil {
		return store.Event{}, err
	}
	starts, ends, err := span(in.Start, in.End, loc)
	if err != nil {
		return store.Event{}, err
	}
	if in.Format != "virtual" && in.Format != "hybrid" {
		return store.Event{}, invalid("format", "events_error_format", nil)
	}
	if _, ok := lang.Lookup(in.SourceLang); !ok {
		return store.Event{}, invalid("source_lang", "events_error_language", nil)
	}
	var langs []string
	for _, l := range lang.All() { // the registry's order, no duplicates
		if slices.Contains(in.Languages, l.Code) {
			langs = append(langs, l.Code)
		}
	}
	for _, c := range in.Languages {
		if _, ok := lang.Lookup(c); !ok {
			return store.Event{}, invalid("languages", "events_error_language", nil)
		}
	}
	if len(in.Organisers) > 50 {
		return store.Event{}, invalid("organisers", "events_error_organiser", nil)
	}
	for _, id := range in.Organisers {
		u, err := h.db.GetUser(ctx, id)
		if errors.Is(err, store.ErrNotFound) || (err == nil && !u.HasRole(Organisers...)) {
			return store.Event{}, invalid("organisers", "events_error_organiser", nil)
		} else if err != nil {
			return store.Event{}, err
		}
	}
	return store.Event{Slug: in.Slug, Zone: loc.String(), StartsAt: starts, EndsAt: ends, StartLocal: in.Start, EndLocal: in.End,
		Format: in.Format, Public: in.Public, Languages: langs, SourceLang: in.SourceLang, Organisers: in.Organisers}, nil
}

func checkText(code string, t TextInput) (store.EventTranslation, error) {
	t.Title, t.Description = strings.TrimSpace(t.Title), strings.TrimSpace(t.Description)
	if t.Title == "" {
		return store.EventTranslation{}, invalid("title", "events_error_title_missing", nil)
	}
	if runes(t.Title) > MaxTitle {
		return store.EventTranslation{}, tooLong("title", MaxTitle)
	}
	if runes(t.Description) > MaxDescription {
		return store.EventTranslation{}, tooLong("description", MaxDescription)
	}
	st := store.StatusDraft
	if t.Publish {
		st = store.StatusPublished
	}
	return store.EventTranslation{Lang: code, Title: t.Title, Description: t.Description, Status: st}, nil
}

// createEvent validates and stores a new event with its texts, all or
// nothing. At least one language must have a title.
func (h *Handlers) createEvent(ctx context.Context, in EventInput) (store.Event, error) {
	e, err := h.checkEvent(ctx, in)
	if err != nil {
		return store.Event{}, err
	}
	e.Translations = map[string]store.EventTranslation{}
	for code, t := range in.Translations {
		if _, ok := lang.Lookup(code); !ok {
			return store.Event{}, invalid("translations", "events_error_language", nil)
		}
		if strings.TrimSpace(t.Title) == "" && strings.TrimSpace(t.Description) == "" {
			continue // an empty column of the form
		}
		tr, err := checkText(code, t)
		if err != nil {
			tr.Lang = code
			return store.Event{}, err
		}
		e.Translations[code] = tr
	}
	if len(e.Translations) == 0 {
		return store.Event{}, invalid("title", "events_error_no_title", nil)
	}
	e, err = h.db.CreateEvent(ctx, e)
	if errors.Is(err, store.ErrConflict) {
		return store.Event{}, &fault.Problem{Kind: fault.ErrConflict, Key: "events_error_slug_taken", Field: "slug", Err: err}
	}
	if err != nil {
		return store.Event{}, err
	}
	h.changed(ctx)
	return e, nil
}

// updateEvent changes an event's metadata. Sessions keep their wall
// times: a new zone moves them in UTC.
func (h *Handlers) updateEvent(ctx context.Context, old store.Event, in EventInput) (store.Event, error) {
	e, err := h.checkEvent(ctx, in)
	if err != nil {
		return store.Event{}, err
	}
	e.ID = old.ID
	var moved []store.EventSession
	if e.Zone != old.Zone {
		loc, _ := time.LoadLocation(e.Zone) // checked
		sessions, err := h.db.ListEventSessions(ctx, e.ID)
		if err != nil {
			return store.Event{}, err
		}
		for _, s := range sessions {
			s.StartsAt, _, _ = ParseWall(s.StartLocal, loc)
			s.EndsAt, _, _ = ParseWall(s.EndLocal, loc)
			moved = append(moved, s)
		}
	}
	e, err = h.db.UpdateEvent(ctx, e, moved)
	if errors.Is(err, store.ErrConflict) {
		return store.Event{}, &fault.Problem{Kind: fault.ErrConflict, Key: "events_error_slug_taken", Field: "slug", Err: err}
	}
	if err != nil {
		return store.Event{}, err
	}
	h.changed(ctx)
	if len(moved) > 0 && h.onSession != nil {
		ids := make([]int64, len(moved))
		for i, s := range moved {
			ids[i] = s.ID
		}
		h.onSession(ctx, e.ID, ids...)
	}
	return e, nil
}

func (h *Handlers) saveText(ctx context.Context, e store.Event, code string, t TextInput) (store.EventTranslation, error) {
	tr, err := checkText(code, t)
	if err != nil {
		return store.EventTranslation{}, err
	}
	tr, err = h.db.SaveEventTranslation(ctx, e.ID, tr)
	if err != nil {
		return store.EventTranslation{}, err
	}
	h.changed(ctx)
	return tr, nil
}

// checkSession validates a session of e against its zone.
func (h *Handlers) checkSession(ctx context.Context, e store.Event, in SessionInput) (store.EventSession, error) {
	switch in.Kind {
	case store.SessionPlenary, store.SessionWorking, store.SessionSide, store.SessionBilateral:
	default:
		return store.EventSession{}, invalid("kind", "events_error_kind", nil)
	}
	titles := map[string]string{}
	for code, t := range in.Titles {
		if _, ok := lang.Lookup(code); !ok {
			return store.EventSession{}, invalid("titles", "events_error_language", nil)
		}
		if t = strings.TrimSpace(t); t != "" {
			if runes(t) > MaxTitle {
				return store.EventSession{}, tooLong("titles", MaxTitle)
			}
			titles[code] = t
		}
	}
	if len(titles) == 0 {
		return store.EventSession{}, invalid("titles", "events_error_no_title", nil)
	}
	loc, err := time.LoadLocation(e.Zone)
	if err != nil {
		return store.EventSession{}, err
	}
	starts, ends, err := span(in.Start, in.End, loc)
	if err != nil {
		return store.EventSession{}, err
	}
	if in.Status == "" {
		in.Status = store.SessionScheduled
	}
	if in.Status != store.SessionScheduled && in.Status != store.SessionCancelled {
		return store.EventSession{}, invalid("status", "events_error_status", nil)
	}
	if len(in.Agenda) > MaxAgendaItems {
		return store.EventSession{}, invalid("agenda", "events_error_agenda", map[string]any{"Max": MaxAgendaItems})
	}
	var agenda []store.AgendaItem
	for _, it := range in.Agenda {
		item := store.AgendaItem{Titles: map[string]string{}}
		for code, t := range it {
			if _, ok := lang.Lookup(code); !ok {
				return store.EventSession{}, invalid("agenda", "events_error_language", nil)
			}
			if t = strings.TrimSpace(t); t != "" {
				if runes(t) > MaxAgendaTitle {
					return store.EventSession{}, tooLong("agenda", MaxAgendaTitle)
				}
				item.Titles[code] = t
			}
		}
		if len(item.Titles) > 0 {
			agenda = append(agenda, item)
		}
	}
	s := store.EventSession{EventID: e.ID, Kind: in.Kind, Titles: titles, StartsAt: starts, EndsAt: ends, StartLocal: in.Start,
		EndLocal: in.End, Status: in.Status, Agenda: agenda}
	if in.Chair != 0 {
		if _, err := h.db.GetUser(ctx, in.Chair); errors.Is(err, store.ErrNotFound) {
			return store.EventSession{}, invalid("chair_id", "events_error_chair", nil)
		} else if err != nil {
			return store.EventSession{}, err
		}
		s.ChairID = in.Chair
	}
	if in.Room != "" {
		room, err := h.db.GetRoomBySlug(ctx, in.Room)
		if errors.Is(err, store.ErrNotFound) {
			return store.EventSession{}, invalid("room_slug", "events_error_room", nil)
		} else if err != nil {
			return store.EventSession{}, err
		}
		s.RoomID = room.ID
	}
	return s, nil
}

func (h *Handlers) createSession(ctx context.Context, e store.Event, in SessionInput) (store.EventSession, error) {
	s, err := h.checkSession(ctx, e, in)
	if err != nil {
		return store.EventSession{}, err
	}
	title, _ := Pick(s.Titles, e.SourceLang, e.SourceLang)
	s, err = h.db.CreateEventSession(ctx, e.Slug, title, s)
	if errors.Is(err, store.ErrNotFound) && s.RoomID != 0 {
		return store.EventSession{}, invalid("room_slug", "events_error_room", nil)
	}
	if err == nil && h.onSession != nil {
		h.onSession(ctx, e.ID, s.ID)
	}
	return s, err
}

func (h *Handlers) updateSession(ctx context.Context, e store.Event, id int64, in SessionInput) (store.EventSession, error) {
	before, err := h.db.GetEventSession(ctx, e.ID, id)
	if err != nil {
		return store.EventSession{}, err
	}
	s, err := h.checkSession(ctx, e, in)
	if err != nil {
		return store.EventSession{}, err
	}
	s.ID = id
	s, err = h.db.UpdateEventSession(ctx, s)
	if errors.Is(err, store.ErrNotFound) && in.Room != "" {
		return store.EventSession{}, invalid("room_slug", "events_error_room", nil)
	}
	if err == nil && s.Sequence != before.Sequence && h.onSession != nil {
		h.onSession(ctx, e.ID, s.ID)
	}
	return s, err
}

func (h *Handlers) deleteSession(ctx context.Context, e store.Event, id int64) error {
	err := h.db.DeleteEventSession(ctx, e.ID, id)
	if errors.Is(err, store.ErrConflict) {
		return &fault.Problem{Kind: fault.ErrConflict, Key: "events_error_released_session", Err: err}
	}
	return err
}

// release freezes the current timetable for the public, with the
// changelog from the previous release.
func (h *Handlers) release(ctx context.Context, e store.Event, by int64) (store.TimetableRelease, error) {
	sessions, err := h.db.ListEventSessions(ctx, e.ID)
	if err != nil {
		return store.TimetableRelease{}, err
	}
	releases, err := h.db.ListReleases(ctx, e.ID)
	if err != nil {
		return store.TimetableRelease{}, err
	}
	var prev []store.EventSession
	if len(releases) > 0 {
		prev = releases[0].Sessions
	}
	r, err := h.db.ReleaseTimetable(ctx, store.TimetableRelease{EventID: e.ID, ReleasedBy: by, Sessions: sessions, Changes: Changelog(prev, sessions)})
	if err != nil {
		return store.TimetableRelease{}, err
	}
	h.changed(ctx)
	return r, nil
}

// announcement builds the statement texts that announce e: its published
// title and page address in each language it is published in.
func (h *Handlers) announcement(e store.Event, origin string) []Announcement {
	var out []Announcement
	for _, l := range lang.All() {
		t, ok := e.Translations[l.Code]
		if !ok || t.Status != store.StatusPublished {
			continue
		}
		link := origin + EventPath(l.Code, e.Slug)
		out = append(out, Announcement{Lang: l.Code, Title: t.Title, Body: t.Title + "\n\n" + link})
	}
	return out
}

func (h *Handlers) doAnnounce(ctx context.Context, u account.User, e store.Event, origin string) (string, error) {
	if h.announce == nil {
		return "", fault.ErrNotFound
	}
	texts := h.announcement(e, origin)
	if len(texts) == 0 || !e.Public {
		return "", &fault.Problem{Kind: fault.ErrConflict, Key: "events_error_announce_unpublished"}
	}
	return h.announce(ctx, u, texts)
}
