package events

import (
	"net/http"
	"strconv"
	"time"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/store"
)

// EventJSON is an event in the API.
type EventJSON struct {
	ID           int64                      `json:"id"`
	Slug         string                     `json:"slug"`
	Zone         string                     `json:"zone"`
	Start        string                     `json:"start"`
	End          string                     `json:"end"`
	StartsAt     time.Time                  `json:"starts_at"`
	EndsAt       time.Time                  `json:"ends_at"`
	Format       string                     `json:"format"`
	Public       bool                       `json:"public"`
	Languages    []string                   `json:"languages"`
	SourceLang   string                     `json:"source_lang"`
	Organisers   []int64                    `json:"organisers"`
	Translations map[string]TranslationJSON `json:"translations"`
	Released     int                        `json:"released"` // latest timetable release, 0 when none
	UpdatedAt    time.Time                  `json:"updated_at"`
}

// TranslationJSON is an event's text in one language.
type TranslationJSON struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	Status      string `json:"status"` // draft, published or outdated
	URL         string `json:"url,omitempty"`
}

// EventDetailJSON is an event with its draft sessions and the warnings
// its timetable raises.
type EventDetailJSON struct {
	EventJSON
	Sessions []SessionJSON `json:"sessions"`
	Warnings []WarningJSON `json:"warnings"`
}

// SessionJSON is a session in the API.
type SessionJSON struct {
	ID        int64               `json:"id"`
	Kind      string              `json:"kind"`
	Titles    map[string]string   `json:"titles"`
	Start     string              `json:"start"`
	End       string              `json:"end"`
	StartsAt  time.Time           `json:"starts_at"`
	EndsAt    time.Time           `json:"ends_at"`
	ChairID   int64               `json:"chair_id"`
	RoomSlug  string              `json:"room_slug"`
	Status    string              `json:"status"`
	Sequence  int                 `json:"sequence"`
	Agenda    []map[string]string `json:"agenda"`
	Warnings  []WarningJSON       `json:"warnings"`
	UpdatedAt time.Time           `json:"updated_at"`
}

// WarningJSON is a timetable warning in the caller's language.
type WarningJSON struct {
	Code     string  `json:"code"`
	Message  string  `json:"message"`
	Sessions []int64 `json:"sessions"`
}

// ReleaseJSON is a released timetable version.
type ReleaseJSON struct {
	Version    int          `json:"version"`
	ReleasedAt time.Time    `json:"released_at"`
	Changes    []ChangeJSON `json:"changes"`
}

// ChangeJSON is one line of a release's changelog.
type ChangeJSON struct {
	SessionID int64             `json:"session_id"`
	Kind      string            `json:"kind"`
	Titles    map[string]string `json:"titles"`
}

func (h *Handlers) eventJSON(r *http.Request, e store.Event, released int) EventJSON {
	j := EventJSON{ID: e.ID, Slug: e.Slug, Zone: e.Zone, Start: e.StartLocal, End: e.EndLocal, StartsAt: e.StartsAt, EndsAt: e.EndsAt,
		Format: e.Format, Public: e.Public, Languages: nonNil(e.Languages), SourceLang: e.SourceLang, Organisers: nonNil(e.Organisers),
		Translations: map[string]TranslationJSON{}, Released: released, UpdatedAt: e.UpdatedAt}
	for code, t := range e.Translations {
		tj := TranslationJSON{Title: t.Title, Description: t.Description, Status: string(t.State())}
		if t.Status == store.StatusPublished && e.Public {
			tj.URL = h.origin(r) + EventPath(code, e.Slug)
		}
		j.Translations[code] = tj
	}
	return j
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func sessionJSON(s store.EventSession) SessionJSON {
	j := SessionJSON{ID: s.ID, Kind: s.Kind, Titles: s.Titles, Start: s.StartLocal, End: s.EndLocal, StartsAt: s.StartsAt, EndsAt: s.EndsAt,
		ChairID: s.ChairID, RoomSlug: s.RoomSlug, Status: s.Status, Sequence: s.Sequence, Agenda: []map[string]string{},
		Warnings: []WarningJSON{}, UpdatedAt: s.UpdatedAt}
	for _, it := range s.Agenda {
		j.Agenda = append(j.Agenda, it.Titles)
	}
	return j
}

func (h *Handlers) warningsJSON(code string, e store.Event, sessions []store.EventSession, ws []Warning) []WarningJSON {
	out := []WarningJSON{}
	for _, w := range ws {
		out = append(out, WarningJSON{Code: w.Kind, Message: h.warningText(code, e, sessions, w), Sessions: w.Sessions})
	}
	return out
}

// eventFromPath reads {id}.
func (h *Handlers) eventFromPath(r *http.Request) (store.Event, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return store.Event{}, fault.ErrNotFound
	}
	return h.db.GetEvent(r.Context(), id)
}

func sessionID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("sid"), 10, 64)
	if err != nil || id <= 0 {
		return 0, fault.ErrNotFound
	}
	return id, nil
}

func (h *Handlers) released(r *http.Request, id int64) (int, error) {
	rs, err := h.db.ListReleases(r.Context(), id)
	if err != nil || len(rs) == 0 {
		return 0, err
	}
	return rs[0].Version, nil
}

func (h *Handlers) apiList(w http.ResponseWriter, r *http.Request) {
	es, err := h.db.ListEvents(r.Context())
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	out := []EventJSON{}
	for _, e := range es {
		n, err := h.released(r, e.ID)
		if err != nil {
			h.kit.Fail(w, r, err)
			return
		}
		out = append(out, h.eventJSON(r, e, n))
	}
	h.kit.JSON(w, http.StatusOK, out)
}

func (h *Handlers) detail(w http.ResponseWriter, r *http.Request, status int, e store.Event) {
	ctx := r.Context()
	sessions, err := h.db.ListEventSessions(ctx, e.ID)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	n, err := h.released(r, e.ID)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	loc, err := time.LoadLocation(e.Zone)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	code := h.kit.Lang(r).Code
	d := EventDetailJSON{EventJSON: h.eventJSON(r, e, n), Sessions: []SessionJSON{},
		Warnings: h.warningsJSON(code, e, sessions, Warnings(sessions, loc))}
	for _, s := range sessions {
		d.Sessions = append(d.Sessions, sessionJSON(s))
	}
	h.kit.JSON(w, status, d)
}

func (h *Handlers) apiGet(w http.ResponseWriter, r *http.Request) {
	e, err := h.eventFromPath(r)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.detail(w, r, http.StatusOK, e)
}

func (h *Handlers) apiCreate(w http.ResponseWriter, r *http.Request) {
	var in EventInput
	if err := httpx.DecodeJSON(r, &in); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	e, err := h.createEvent(r.Context(), in)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/events/"+strconv.FormatInt(e.ID, 10))
	h.detail(w, r, http.StatusCreated, e)
}

// inputOf is the metadata of e as an EventInput, which a PATCH body
// overwrites field by field.
func inputOf(e store.Event) EventInput {
	return EventInput{Slug: e.Slug, Zone: e.Zone, Start: e.StartLocal, End: e.EndLocal, Format: e.Format, Public: e.Public,
		Languages: e.Languages, SourceLang: e.SourceLang, Organisers: e.Organisers}
}

func (h *Handlers) apiUpdate(w http.ResponseWriter, r *http.Request) {
	e, err := h.eventFromPath(r)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	in := inputOf(e)
	if err := httpx.DecodeJSON(r, &in); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	if in.Translations != nil {
		h.kit.Fail(w, r, invalid("translations", "events_error_translations_patch", nil))
		return
	}
	if e, err = h.updateEvent(r.Context(), e, in); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.detail(w, r, http.StatusOK, e)
}

func (h *Handlers) apiSaveTranslation(w http.ResponseWriter, r *http.Request) {
	e, err := h.eventFromPath(r)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	l, ok := lang.Lookup(r.PathValue("tl"))
	if !ok {
		h.kit.Fail(w, r, fault.ErrNotFound)
		return
	}
	var in TextInput
	if err := httpx.DecodeJSON(r, &in); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	if _, err := h.saveText(r.Context(), e, l.Code, in); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	if e, err = h.db.GetEvent(r.Context(), e.ID); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.detail(w, r, http.StatusOK, e)
}

func (h *Handlers) apiCreateSession(w http.ResponseWriter, r *http.Request) {
	e, err := h.eventFromPath(r)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	var in SessionInput
	if err := httpx.DecodeJSON(r, &in); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	s, err := h.createSession(r.Context(), e, in)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.sessionAnswer(w, r, http.StatusCreated, e, s)
}

// sessionAnswer writes a session with the warnings that concern it.
func (h *Handlers) sessionAnswer(w http.ResponseWriter, r *http.Request, status int, e store.Event, s store.EventSession) {
	sessions, err := h.db.ListEventSessions(r.Context(), e.ID)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	loc, err := time.LoadLocation(e.Zone)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	j := sessionJSON(s)
	var mine []Warning
	for _, wn := range Warnings(sessions, loc) {
		for _, id := range wn.Sessions {
			if id == s.ID {
				mine = append(mine, wn)
				break
			}
		}
	}
	j.Warnings = h.warningsJSON(h.kit.Lang(r).Code, e, sessions, mine)
	h.kit.JSON(w, status, j)
}

// sessionInputOf is a session as a SessionInput, which a PATCH body
// overwrites field by field.
func sessionInputOf(s store.EventSession) SessionInput {
	in := SessionInput{Kind: s.Kind, Titles: s.Titles, Start: s.StartLocal, End: s.EndLocal, Chair: s.ChairID, Status: s.Status}
	for _, it := range s.Agenda {
		in.Agenda = append(in.Agenda, it.Titles)
	}
	return in
}

func (h *Handlers) apiUpdateSession(w http.ResponseWriter, r *http.Request) {
	e, err := h.eventFromPath(r)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	id, err := sessionID(r)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	old, err := h.db.GetEventSession(r.Context(), e.ID, id)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	in := sessionInputOf(old)
	in.Titles, in.Agenda = nil, nil // replaced whole when given
	if err := httpx.DecodeJSON(r, &in); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	if in.Titles == nil {
		in.Titles = old.Titles
	}
	if in.Agenda == nil {
		in.Agenda = sessionInputOf(old).Agenda
	}
	s, err := h.updateSession(r.Context(), e, id, in)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.sessionAnswer(w, r, http.StatusOK, e, s)
}

func (h *Handlers) apiDeleteSession(w http.ResponseWriter, r *http.Request) {
	e, err := h.eventFromPath(r)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	id, err := sessionID(r)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	if err := h.deleteSession(r.Context(), e, id); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handlers) apiRelease(w http.ResponseWriter, r *http.Request) {
	e, err := h.eventFromPath(r)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	v := httpx.ViewerFrom(r.Context())
	rel, err := h.release(r.Context(), e, v.User.ID)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	j := ReleaseJSON{Version: rel.Version, ReleasedAt: rel.ReleasedAt, Changes: []ChangeJSON{}}
	for _, c := range rel.Changes {
		j.Changes = append(j.Changes, ChangeJSON{SessionID: c.SessionID, Kind: c.Kind, Titles: c.Titles})
	}
	h.kit.JSON(w, http.StatusCreated, j)
}
