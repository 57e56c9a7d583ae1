package conference

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/store"
)

// Room management: administrators create rooms, name them in each
// language, schedule and archive them; the staff assigned to a room see it
// (with who is in it now) and manage its invitations.

// maxTitle is the longest room title, in characters.
const maxTitle = 200

// RoomInfo is a room as the API shows it.
type RoomInfo struct {
	Slug   string            `json:"slug"`
	Title  string            `json:"title"`
	Titles map[string]string `json:"titles"`
	// OpensAt and ClosesAt are the schedule; absent: no bound.
	OpensAt    *time.Time      `json:"opens_at,omitempty"`
	ClosesAt   *time.Time      `json:"closes_at,omitempty"`
	ArchivedAt *time.Time      `json:"archived_at,omitempty"`
	State      store.RoomState `json:"state"`
	// Participants is how many are in the room on this instance now,
	// the lobby included.
	Participants int       `json:"participants"`
	CreatedAt    time.Time `json:"created_at"`
	// Languages are the meeting's languages staff set, each a booth of
	// the room's interpretation; empty: its events' languages.
	Languages []string `json:"languages"`
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func (h *Handlers) roomInfo(room store.Room) RoomInfo {
	titles := room.Titles
	if titles == nil {
		titles = map[string]string{}
	}
	return RoomInfo{Slug: room.Slug, Title: room.Title, Titles: titles, OpensAt: optTime(room.OpensAt), ClosesAt: optTime(room.ClosesAt),
		ArchivedAt: optTime(room.ArchivedAt), State: room.State(h.p.Now()), Participants: len(h.p.SFU.Members(room.Slug)), CreatedAt: room.CreatedAt,
		Languages: append([]string{}, room.Languages...)}
}

// RoomInput creates a room.
type RoomInput struct {
	Slug     string            `json:"slug"`
	Title    string            `json:"title"`
	Titles   map[string]string `json:"titles"`
	OpensAt  *time.Time        `json:"opens_at"`
	ClosesAt *time.Time        `json:"closes_at"`
}

// NullableTime is a PATCH member that may be absent (no change), null (no
// bound) or a time.
type NullableTime struct {
	Set  bool
	Time *time.Time
}

// UnmarshalJSON implements json.Unmarshaler.
func (n *NullableTime) UnmarshalJSON(b []byte) error {
	n.Set = true
	if bytes.Equal(b, []byte("null")) {
		n.Time = nil
		return nil
	}
	var t time.Time
	if err := json.Unmarshal(b, &t); err != nil {
		return err
	}
	n.Time = &t
	return nil
}

// RoomPatch changes a room: each member present replaces what it names.
type RoomPatch struct {
	Title    *string            `json:"title"`
	Titles   *map[string]string `json:"titles"`
	OpensAt  NullableTime       `json:"opens_at"`
	ClosesAt NullableTime       `json:"closes_at"`
	Archived *bool              `json:"archived"`
	// Languages replaces the meeting's languages (empty: the events').
	Languages *[]string `json:"languages"`
}

// Errors of room management.
var (
	errSlug      = &fault.Problem{Kind: fault.ErrInvalid, Key: "room_manage_slug_invalid", Field: "slug"}
	errSlugTaken = &fault.Problem{Kind: fault.ErrConflict, Key: "room_manage_slug_taken", Field: "slug"}
	errSchedule  = &fault.Problem{Kind: fault.ErrInvalid, Key: "room_manage_schedule_invalid", Field: "closes_at"}
	errArchived  = &fault.Problem{Kind: fault.ErrRefused, Key: "room_manage_is_archived"}
	errLanguages = &fault.Problem{Kind: fault.ErrInvalid, Key: "room_manage_languages_invalid", Field: "languages"}
)

// maxLanguages bounds a room's meeting languages: more booths than any
// conference staffs.
const maxLanguages = 32

// languageCode is a booth's language: a BCP 47 primary tag (ISO 639-1 or
// 639-3, sign languages included) with optional subtags, as the SFU takes
// it (and at most 16 characters).
var languageCode = regexp.MustCompile(`^[a-z]{2,3}(-[a-z0-9]{1,8}){0,3}$`)

// cleanLanguages checks a room's meeting languages: codes in lower case,
// each once, in the order given.
func cleanLanguages(in []string) ([]string, error) {
	out := []string{}
	for _, c := range in {
		c = strings.ToLower(strings.TrimSpace(c))
		if c == "" {
			continue
		}
		if len(c) > 16 || !languageCode.MatchString(c) {
			return nil, errLanguages
		}
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	if len(out) > maxLanguages {
		return nil, errLanguages
	}
	return out, nil
}

func errTitle(field string) error {
	return &fault.Problem{Kind: fault.ErrInvalid, Key: "room_manage_title_invalid", Field: field}
}

// validSlug is the SFU's rule for room names: a-z, 0-9 and dashes.
func validSlug(s string) bool {
	if s == "" || len(s) > 64 || strings.HasPrefix(s, "-") || strings.HasSuffix(s, "-") {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// cleanTitles checks a room's default title and its titles by language; an
// empty title by language means none in that language.
func cleanTitles(title string, titles map[string]string) (string, map[string]string, error) {
	title = strings.Join(strings.Fields(title), " ")
	if title == "" || utf8.RuneCountInString(title) > maxTitle {
		return "", nil, errTitle("title")
	}
	out := map[string]string{}
	for code, t := range titles {
		if _, ok := lang.Lookup(code); !ok {
			return "", nil, errTitle("titles." + code)
		}
		t = strings.Join(strings.Fields(t), " ")
		if t == "" {
			continue
		}
		if utf8.RuneCountInString(t) > maxTitle {
			return "", nil, errTitle("titles." + code)
		}
		out[code] = t
	}
	return title, out, nil
}

func checkSchedule(opens, closes time.Time) error {
	if !opens.IsZero() && !closes.IsZero() && !closes.After(opens) {
		return errSchedule
	}
	return nil
}

func deref(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// createRoom checks in and stores the room; administrators only.
func (h *Handlers) createRoom(r *http.Request, in RoomInput) (store.Room, error) {
	ctx := r.Context()
	slug := strings.TrimSpace(in.Slug)
	if !validSlug(slug) {
		return store.Room{}, errSlug
	}
	title, titles, err := cleanTitles(in.Title, in.Titles)
	if err != nil {
		return store.Room{}, err
	}
	opens, closes := deref(in.OpensAt), deref(in.ClosesAt)
	if err := checkSchedule(opens, closes); err != nil {
		return store.Room{}, err
	}
	room, err := h.p.DB.CreateRoom(ctx, store.Room{Slug: slug, Title: title, Titles: titles, OpensAt: opens, ClosesAt: closes})
	if errors.Is(err, store.ErrConflict) {
		return store.Room{}, errSlugTaken
	}
	if err != nil {
		return store.Room{}, err
	}
	h.audit(ctx, httpx.ViewerFrom(ctx), room, "create", "", title)
	return room, nil
}

// updateRoom applies p to the room of the request; administrators only.
// Everything is checked before anything is stored, and the titles and the
// schedule are stored at once.
func (h *Handlers) updateRoom(r *http.Request, p RoomPatch) (store.Room, error) {
	ctx := r.Context()
	room, err := h.p.DB.GetRoomBySlug(ctx, r.PathValue("slug"))
	if err != nil {
		return store.Room{}, err
	}
	title, titles := room.Title, room.Titles
	if p.Title != nil {
		title = *p.Title
	}
	if p.Titles != nil {
		titles = *p.Titles
	}
	title, titles, err = cleanTitles(title, titles)
	if err != nil {
		return store.Room{}, err
	}
	opens, closes := room.OpensAt, room.ClosesAt
	if p.OpensAt.Set {
		opens = deref(p.OpensAt.Time)
	}
	if p.ClosesAt.Set {
		closes = deref(p.ClosesAt.Time)
	}
	if err := checkSchedule(opens, closes); err != nil {
		return store.Room{}, err
	}
	var langs []string
	if p.Languages != nil {
		if langs, err = cleanLanguages(*p.Languages); err != nil {
			return store.Room{}, err
		}
	}
	v := httpx.ViewerFrom(ctx)
	if p.Title != nil || p.Titles != nil || p.OpensAt.Set || p.ClosesAt.Set {
		if err := h.p.DB.UpdateRoom(ctx, room.ID, store.RoomUpdate{Title: title, Titles: titles, OpensAt: opens, ClosesAt: closes}); err != nil {
			return store.Room{}, err
		}
		h.audit(ctx, v, room, "update", "", title)
	}
	if p.Languages != nil && !slices.Equal(langs, room.Languages) {
		if err := h.p.DB.SetRoomLanguages(ctx, room.ID, langs); err != nil {
			return store.Room{}, err
		}
		h.audit(ctx, v, room, "languages", "", strings.Join(langs, ","))
	}
	if p.Archived != nil && *p.Archived != room.Archived() {
		if err := h.setArchived(r, room, *p.Archived); err != nil {
			return store.Room{}, err
		}
	}
	return h.p.DB.GetRoomBySlug(ctx, room.Slug)
}

// setArchived archives the room, ending its sessions on this instance
// (other instances refuse their next join), or brings it back.
func (h *Handlers) setArchived(r *http.Request, room store.Room, archived bool) error {
	ctx := r.Context()
	if err := h.p.DB.SetRoomArchived(ctx, room.ID, archived); err != nil {
		return err
	}
	action := "unarchive"
	if archived {
		action = "archive"
		h.p.SFU.CloseRoom(room.Slug, "archived")
	}
	h.audit(ctx, httpx.ViewerFrom(ctx), room, action, "", "")
	return nil
}

// visibleRooms returns the rooms the viewer manages, archived ones only
// when asked, each with whether the viewer moderates it.
func (h *Handlers) visibleRooms(r *http.Request, archived bool) ([]store.Room, map[int64]bool, error) {
	ctx := r.Context()
	v := httpx.ViewerFrom(ctx)
	var rooms []store.Room
	mod := map[int64]bool{}
	var err error
	switch {
	case isAdmin(v) && archived:
		rooms, err = h.p.DB.ListAllRooms(ctx)
	case isAdmin(v):
		rooms, err = h.p.DB.ListRooms(ctx)
	default:
		rooms, mod, err = h.p.DB.ListRoomsOfStaff(ctx, v.User.ID)
	}
	if err != nil {
		return nil, nil, err
	}
	if isAdmin(v) {
		for _, room := range rooms {
			mod[room.ID] = true
		}
		return rooms, mod, nil
	}
	out := rooms[:0]
	for _, room := range rooms {
		if archived || !room.Archived() {
			out = append(out, room)
		}
	}
	return out, mod, nil
}

func (h *Handlers) apiListRooms(w http.ResponseWriter, r *http.Request) {
	archived, err := boolQuery(r, "archived")
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	rooms, _, err := h.visibleRooms(r, archived)
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	out := make([]RoomInfo, 0, len(rooms))
	for _, room := range rooms {
		out = append(out, h.roomInfo(room))
	}
	h.p.Kit.JSON(w, http.StatusOK, out)
}

func boolQuery(r *http.Request, name string) (bool, error) {
	switch r.URL.Query().Get(name) {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	}
	return false, &fault.Problem{Kind: fault.ErrInvalid, Key: "room_manage_bad_query", Field: name}
}

func (h *Handlers) apiCreateRoom(w http.ResponseWriter, r *http.Request) {
	var in RoomInput
	if err := httpx.DecodeJSON(r, &in); err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	room, err := h.createRoom(r, in)
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	h.p.Kit.JSON(w, http.StatusCreated, h.roomInfo(room))
}

func (h *Handlers) apiGetRoom(w http.ResponseWriter, r *http.Request) {
	room, _, err := h.managedRoom(r)
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	h.p.Kit.JSON(w, http.StatusOK, h.roomInfo(room))
}

func (h *Handlers) apiPatchRoom(w http.ResponseWriter, r *http.Request) {
	var p RoomPatch
	if err := httpx.DecodeJSON(r, &p); err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	room, err := h.updateRoom(r, p)
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	h.p.Kit.JSON(w, http.StatusOK, h.roomInfo(room))
}

func (h *Handlers) apiParticipants(w http.ResponseWriter, r *http.Request) {
	room, _, err := h.managedRoom(r)
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	h.p.Kit.JSON(w, http.StatusOK, h.p.SFU.Members(room.Slug))
}
