package conference

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/recording"
	"github.com/mofa-vn/chancery/internal/store"
)

// Recordings of a room are for its moderating staff: administrators and
// staff assigned as the room's moderator. Others, other rooms' managers
// included, are refused.

func (h *Handlers) recordingRoutes(mux *httpx.Router, staff func(http.Handler) http.Handler) {
	if h.p.Recordings == nil {
		return
	}
	mux.Handle("GET /admin/rooms/{slug}/recordings", staff(http.HandlerFunc(h.recordingsPage)))
	mux.Handle("POST /admin/rooms/{slug}/recordings/start", staff(http.HandlerFunc(h.recordingForm)))
	mux.Handle("POST /admin/rooms/{slug}/recordings/stop", staff(http.HandlerFunc(h.recordingForm)))
	mux.Handle("GET /admin/rooms/{slug}/recordings/{id}/{file}", staff(http.HandlerFunc(h.recordingFile)))
	mux.Handle("GET /api/v1/rooms/{slug}/recordings", staff(http.HandlerFunc(h.apiRecordings)))
	mux.Handle("POST /api/v1/rooms/{slug}/recording", staff(http.HandlerFunc(h.apiRecording)))
	mux.Handle("DELETE /api/v1/rooms/{slug}/recording", staff(http.HandlerFunc(h.apiRecording)))
}

// recordJSKeys are the messages web/static/recording.js (the room's
// recording indicator, the moderators' button and warnings) shows.
var recordJSKeys = []string{"recording_error_already", "recording_error_low_disk", "recording_error_not_recording", "recording_error_room",
	"recording_error_shutdown", "recording_room_low_disk", "recording_room_shutdown", "recording_room_start", "recording_room_started",
	"recording_room_stop", "recording_room_stopped"}

// RecordingsInfo is a room's recordings, as the API lists them.
type RecordingsInfo struct {
	Recording  bool                `json:"recording"`
	UsedBytes  int64               `json:"used_bytes"`
	FreeBytes  uint64              `json:"free_bytes"`
	Recordings []recording.Summary `json:"recordings"`
}

func (h *Handlers) apiRecordings(w http.ResponseWriter, r *http.Request) {
	room, err := h.recordingRoom(r)
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	list, used, err := h.p.Recordings.List(r.Context(), room.Slug)
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	free, _ := h.p.Recordings.Free()
	h.p.Kit.JSON(w, http.StatusOK, RecordingsInfo{Recording: h.p.Recordings.Active(room.Slug) != nil, UsedBytes: used, FreeBytes: free, Recordings: list})
}

// apiRecording starts (POST) or stops (DELETE) the room's recording.
func (h *Handlers) apiRecording(w http.ResponseWriter, r *http.Request) {
	room, err := h.recordingRoom(r)
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	v := httpx.ViewerFrom(r.Context())
	actor := "staff:" + v.User.Username
	action := "recording_stop"
	if r.Method == http.MethodPost {
		action = "recording_start"
		err = h.p.Recordings.StartRecording(r.Context(), room.Slug, actor)
	} else {
		err = h.p.Recordings.StopRecording(r.Context(), room.Slug, actor)
	}
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	h.audit(r.Context(), v, room, action, "", "")
	w.WriteHeader(http.StatusNoContent)
}

// recordingRoom returns the room of the request if the viewer moderates it.
func (h *Handlers) recordingRoom(r *http.Request) (store.Room, error) {
	room, a, err := h.managedRoom(r)
	if err != nil {
		return store.Room{}, err
	}
	if !a.moderate {
		return store.Room{}, errNotAssigned
	}
	return room, nil
}

// RecordingsPage is the data of recordings.html.
type RecordingsPage struct {
	Room       store.Room
	Title      string
	Active     bool
	Notice     string
	ErrorText  string
	Used, Free string // the room's recordings' size, and the free space where they are written
	List       []RecordingRow
}

// RecordingRow is one recording, as listed.
type RecordingRow struct {
	ID       string
	Started  string
	Stopped  string
	Reason   string
	Size     string
	Tracks   []recording.TrackEntry
	Speakers int
	People   []recording.Participant
	// StartedBy and StoppedBy are identities ("staff:…" for staff), from
	// the database; Missing a recording it lists whose files are gone.
	StartedBy, StoppedBy string
	Missing              bool
}

func (h *Handlers) recordingsPage(w http.ResponseWriter, r *http.Request) {
	h.renderRecordings(w, r, http.StatusOK, RecordingsPage{})
}

func (h *Handlers) renderRecordings(w http.ResponseWriter, r *http.Request, status int, p RecordingsPage) {
	room, err := h.recordingRoom(r)
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	m := h.p.Recordings
	list, used, err := m.List(r.Context(), room.Slug)
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	p.Room, p.Title, p.Active, p.Used = room, room.TitleIn(h.p.Kit.Lang(r).Code), m.Active(room.Slug) != nil, size(uint64(used)) //nolint:gosec // a size
	if free, err := m.Free(); err == nil {
		p.Free = size(free)
	}
	for _, s := range list {
		row := RecordingRow{ID: s.ID, Started: h.when(r, s.Manifest.Started), Reason: s.Manifest.Reason, Size: size(uint64(s.Bytes)), //nolint:gosec // a size
			Tracks: s.Manifest.Tracks, Speakers: len(s.Manifest.Speakers), People: s.Manifest.Participants,
			StartedBy: s.StartedBy, StoppedBy: s.StoppedBy, Missing: s.Missing}
		if s.Reason != "" {
			row.Reason = s.Reason
		}
		if s.Manifest.Stopped != nil {
			row.Stopped = h.when(r, *s.Manifest.Stopped)
		}
		p.List = append(p.List, row)
	}
	h.p.Kit.Render(w, r, status, "recordings.html", httpx.Page{Title: p.Title, Data: p})
}

// recordingForm starts or stops the room's recording.
func (h *Handlers) recordingForm(w http.ResponseWriter, r *http.Request) {
	room, err := h.recordingRoom(r)
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	v := httpx.ViewerFrom(r.Context())
	start := strings.HasSuffix(r.URL.Path, "/start")
	actor := "staff:" + v.User.Username
	action, key := "recording_stop", "recording_stopped"
	if start {
		action, key = "recording_start", "recording_started"
		err = h.p.Recordings.StartRecording(r.Context(), room.Slug, actor)
	} else {
		err = h.p.Recordings.StopRecording(r.Context(), room.Slug, actor)
	}
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	h.audit(r.Context(), v, room, action, "", "")
	h.renderRecordings(w, r, http.StatusOK, RecordingsPage{Notice: h.p.Kit.Cat.T(h.p.Kit.Lang(r).Code, key, nil)})
}

// recordingFile serves one file of a recording, with ranges, for the
// players and as a download (?download=1).
func (h *Handlers) recordingFile(w http.ResponseWriter, r *http.Request) {
	room, err := h.recordingRoom(r)
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	f, ctype, err := h.p.Recordings.Open(room.Slug, r.PathValue("id"), r.PathValue("file"))
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	defer func() { _ = f.Close() }()
	st, err := f.Stat()
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, no-store")
	disp := "inline"
	if r.URL.Query().Get("download") != "" {
		disp = "attachment"
	}
	// The name is the manifest's, made of [a-z0-9.-] only, prefixed with
	// the room and the recording.
	w.Header().Set("Content-Disposition", disp+`; filename="`+room.Slug+"-"+r.PathValue("id")+"-"+r.PathValue("file")+`"`)
	http.ServeContent(w, r, "", st.ModTime(), f)
}

// size writes n bytes in MiB (or GiB), with a dot: the same in every
// language the pages speak, beside its unit, isolated left to right
// (U+2066…U+2069) so that Arabic keeps the number before the unit.
func size(n uint64) string {
	if n >= 10<<30 {
		return "\u2066" + strconv.FormatFloat(float64(n)/(1<<30), 'f', 1, 64) + " GiB\u2069"
	}
	return "\u2066" + strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MiB\u2069"
}

// RecordingCatalog keeps the record of the rooms' recordings in the
// database, for recording.Manager.
func RecordingCatalog(db *store.DB) recording.Catalog { return catalog{db} }

type catalog struct{ db *store.DB }

func (c catalog) Started(ctx context.Context, e recording.Entry) error {
	_, err := c.db.RecordingStarted(ctx, store.Recording{RoomSlug: e.Room, Recording: e.ID, StartedAt: e.StartedAt, StartedBy: e.StartedBy})
	return err
}

func (c catalog) Stopped(ctx context.Context, e recording.Entry) error {
	r := store.Recording{RoomSlug: e.Room, Recording: e.ID, StoppedAt: e.StoppedAt, StoppedBy: e.StoppedBy, Reason: e.Reason, Bytes: e.Bytes,
		Files: make([]store.RecordingFile, 0, len(e.Files))}
	for _, f := range e.Files {
		r.Files = append(r.Files, store.RecordingFile{Name: f.Name, ContentType: f.ContentType, Kind: f.Kind, Language: f.Language, Bytes: f.Bytes})
	}
	return c.db.RecordingStopped(ctx, r)
}

func (c catalog) List(ctx context.Context, room string) ([]recording.Entry, error) {
	rs, err := c.db.ListRecordings(ctx, room)
	if err != nil {
		return nil, err
	}
	out := make([]recording.Entry, 0, len(rs))
	for _, r := range rs {
		e := recording.Entry{Room: r.RoomSlug, ID: r.Recording, StartedAt: r.StartedAt, StartedBy: r.StartedBy, StoppedAt: r.StoppedAt,
			StoppedBy: r.StoppedBy, Reason: r.Reason, Bytes: r.Bytes}
		for _, f := range r.Files {
			e.Files = append(e.Files, recording.File{Name: f.Name, ContentType: f.ContentType, Kind: f.Kind, Language: f.Language, Bytes: f.Bytes})
		}
		out = append(out, e)
	}
	return out, nil
}
