package conference

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/auth"
	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/procedure"
	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/store"
)

// The procedure's pages beside the room: the public observers' view of a
// room its chair made public (the speakers' list and the results as they
// are published, refreshed from a JSON twin every few seconds), and the
// result sheet of a vote in any of the seven languages, printable, as CSV
// and as JSON. A room that is not public shows neither to the public; its
// result sheets are for the staff who manage it.

// ObserveSpeaker is one entry of the public speakers' list.
type ObserveSpeaker struct {
	Name       string `json:"name"`
	Delegation string `json:"delegation,omitempty"`
	Kind       string `json:"kind"`
	State      string `json:"state"`
}

// Observe is the public view of a room's procedure.
type Observe struct {
	Room       string           `json:"room"`
	Title      string           `json:"title"`
	AgendaItem string           `json:"agenda_item"`
	Current    *ObserveSpeaker  `json:"current,omitempty"`
	Speakers   []ObserveSpeaker `json:"speakers"`
	// VoteOpen is the motion of the vote in progress, if any: its
	// ballots are not shown until it closes.
	VoteOpen string         `json:"vote_open,omitempty"`
	Results  []sfu.VoteInfo `json:"results"`
	// Lines are the results as sentences in the page's language.
	Lines []string `json:"lines"`
}

// errNotPublic hides a room whose procedure is not public.
var errNotPublic = &fault.Problem{Kind: fault.ErrNotFound, Key: "procedure_observe_not_public"}

// observe reads the public view of the room of the request.
func (h *Handlers) observe(r *http.Request) (Observe, error) {
	ctx := r.Context()
	room, err := h.p.DB.GetRoomBySlug(ctx, r.PathValue("slug"))
	if errors.Is(err, store.ErrNotFound) {
		return Observe{}, errNotPublic
	}
	if err != nil {
		return Observe{}, err
	}
	pr, err := h.p.DB.ProcedureRoom(ctx, room.Slug)
	if err != nil {
		return Observe{}, err
	}
	if !pr.Public {
		return Observe{}, errNotPublic
	}
	l := h.p.Kit.Lang(r)
	o := Observe{Room: room.Slug, Title: room.TitleIn(l.Code), Speakers: []ObserveSpeaker{}, Results: []sfu.VoteInfo{}, Lines: []string{}}
	if o.AgendaItem, err = h.p.DB.FloorAgenda(ctx, room.Slug); err != nil {
		return Observe{}, err
	}
	if o.AgendaItem == "" {
		o.AgendaItem = sfu.DefaultAgendaItem
	}
	qs, err := h.p.DB.FloorRequests(ctx, room.Slug, o.AgendaItem, 0)
	if err != nil {
		return Observe{}, err
	}
	for _, q := range qs {
		s := ObserveSpeaker{Name: q.Name, Delegation: q.Delegation, Kind: q.Kind, State: q.State}
		if q.State == string(sfu.FloorPending) {
			o.Speakers = append(o.Speakers, s)
		} else if o.Current == nil {
			o.Current = &s
		}
	}
	vs, err := h.p.DB.RoomVotes(ctx, room.Slug, 10)
	if err != nil {
		return Observe{}, err
	}
	for _, v := range vs {
		if v.State == "open" {
			o.VoteOpen = v.Motion
			continue
		}
		vi := sfu.NewVoteInfo(VoteFromStore(v))
		o.Results = append(o.Results, vi)
		o.Lines = append(o.Lines, h.resultLine(l.Code, vi))
	}
	return o, nil
}

// resultLine is a result as a sentence in the language code.
func (h *Handlers) resultLine(code string, v sfu.VoteInfo) string {
	if v.Rule == procedure.Consensus {
		return h.p.Kit.Cat.T(code, "procedure_result_consensus", map[string]any{"Motion": isolate(v.Motion)})
	}
	key := "procedure_result_rejected"
	if v.Outcome == procedure.Adopted {
		key = "procedure_result_adopted"
	}
	c := procedure.Counts{}
	if v.Counts != nil {
		c = *v.Counts
	}
	return h.p.Kit.Cat.T(code, key, map[string]any{"Motion": isolate(v.Motion), "Yes": c.Yes, "No": c.No, "Abstain": c.Abstain})
}

// isolate keeps a motion's direction its own inside a sentence of another
// script (FSI … PDI), as a Latin motion in an Arabic result.
func isolate(s string) string { return "\u2068" + s + "\u2069" }

// live marks a response the page cache must not keep: it changes with
// every action in the room.
func live(w http.ResponseWriter) { w.Header().Set("Cache-Control", "private, no-cache") }

func (h *Handlers) observePage(w http.ResponseWriter, r *http.Request) {
	o, err := h.observe(r)
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	live(w)
	h.p.Kit.Render(w, r, http.StatusOK, "procedure_observe.html", httpx.Page{Title: o.Title, Data: o})
}

func (h *Handlers) observeJSON(w http.ResponseWriter, r *http.Request) {
	o, err := h.observe(r)
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	liveJSON(w, o)
}

// liveJSON writes v as JSON the page cache must not keep (Kit.JSON's
// no-store does not keep it out).
func liveJSON(w http.ResponseWriter, v any) {
	live(w)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_ = json.NewEncoder(w).Encode(v)
}

// SheetPage is a vote's result sheet.
type SheetPage struct {
	Room  store.Room
	Title string
	Vote  sfu.VoteInfo
	Line  string
	// Opened and Closed are the vote's times in words, in the event's
	// time zone (when one event meets in the room) or else in UTC, the
	// zone named; OpenedISO and ClosedISO the same instants for machines.
	Opened, OpenedISO string
	Closed, ClosedISO string
	Ballots           []SheetBallot
	Voters            []string
	Base              string
	Outcome           string
	RuleName          string
	// CanPress shows "Send to the press office" to a press writer.
	CanPress bool
}

// SheetBallot is a delegation's ballot on a named vote's sheet.
type SheetBallot struct {
	Delegation string
	Choice     string
}

// sheetVote reads the closed vote of the request, for a viewer who may
// see it: anyone when the room is public, its managers otherwise.
func (h *Handlers) sheetVote(r *http.Request) (store.Room, store.Vote, error) {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return store.Room{}, store.Vote{}, fault.ErrNotFound
	}
	room, err := h.p.DB.GetRoomBySlug(ctx, r.PathValue("slug"))
	if err != nil {
		return store.Room{}, store.Vote{}, err
	}
	pr, err := h.p.DB.ProcedureRoom(ctx, room.Slug)
	if err != nil {
		return store.Room{}, store.Vote{}, err
	}
	if !pr.Public {
		if httpx.ViewerFrom(ctx) == nil {
			return store.Room{}, store.Vote{}, errNotPublic
		}
		if _, _, err := h.managedRoom(r); err != nil {
			return store.Room{}, store.Vote{}, err
		}
	}
	v, err := h.p.DB.GetVote(ctx, id)
	if err != nil {
		return store.Room{}, store.Vote{}, err
	}
	if v.RoomSlug != room.Slug || v.State != "closed" {
		return store.Room{}, store.Vote{}, fault.ErrNotFound
	}
	return room, v, nil
}

// sheetZone is the zone a result sheet's times are given in: the zone of
// the event that meets in the room, when exactly one does, else UTC.
func (h *Handlers) sheetZone(r *http.Request, room store.Room) (*time.Location, error) {
	name, err := h.p.DB.RoomEventZone(r.Context(), room.Slug)
	if err != nil {
		return nil, err
	}
	if name == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC, nil //nolint:nilerr // a zone this server does not know: the sheet says UTC
	}
	return loc, nil
}

// sheetTime writes t in language code, in loc, with the zone named: "UTC",
// or the zone's IANA name and its offset from UTC at that moment.
func (h *Handlers) sheetTime(code string, t time.Time, loc *time.Location) string {
	zone := "UTC"
	if loc != time.UTC {
		_, off := t.In(loc).Zone()
		zone = loc.String() + ", UTC" + offset(off)
	}
	return h.p.Kit.Cat.T(code, "procedure_sheet_time", map[string]any{"Time": lang.FormatDateTime(code, t, loc, lang.Long), "Zone": zone})
}

// offset writes a UTC offset in seconds as +07:00.
func offset(sec int) string {
	sign := "+"
	if sec < 0 {
		sign, sec = "−", -sec
	}
	return fmt.Sprintf("%s%02d:%02d", sign, sec/3600, sec%3600/60)
}

func (h *Handlers) sheet(r *http.Request) (SheetPage, error) {
	room, v, err := h.sheetVote(r)
	if err != nil {
		return SheetPage{}, err
	}
	l := h.p.Kit.Lang(r)
	vi := sfu.NewVoteInfo(VoteFromStore(v))
	p := SheetPage{Room: room, Title: room.TitleIn(l.Code), Vote: vi, Line: h.resultLine(l.Code, vi),
		OpenedISO: v.OpenedAt.UTC().Format(time.RFC3339), ClosedISO: v.ClosedAt.UTC().Format(time.RFC3339),
		Base:     "/" + l.Code + "/rooms/" + room.Slug + "/votes/" + strconv.FormatInt(v.ID, 10),
		Outcome:  h.p.Kit.Cat.T(l.Code, "procedure_outcome_"+v.Outcome, nil),
		RuleName: h.p.Kit.Cat.T(l.Code, "procedure_rule_"+v.Rule, nil)}
	loc, err := h.sheetZone(r, room)
	if err != nil {
		return SheetPage{}, err
	}
	p.Opened, p.Closed = h.sheetTime(l.Code, v.OpenedAt, loc), h.sheetTime(l.Code, v.ClosedAt, loc)
	for _, b := range v.Ballots {
		p.Ballots = append(p.Ballots, SheetBallot{Delegation: b.Delegation, Choice: h.p.Kit.Cat.T(l.Code, "procedure_choice_"+b.Choice, nil)})
	}
	if v.Secret {
		p.Voters = v.Voters
	}
	if vw := httpx.ViewerFrom(r.Context()); vw != nil && h.p.Announce != nil {
		p.CanPress = vw.User.HasRole(account.PressWriters...)
	}
	return p, nil
}

// sheetPress opens a statement draft in the press office with the result
// in each language; it then goes through clearance like any other.
func (h *Handlers) sheetPress(w http.ResponseWriter, r *http.Request) {
	if h.p.Announce == nil {
		h.p.Kit.Fail(w, r, fault.ErrNotFound)
		return
	}
	_, v, err := h.sheetVote(r)
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	room, err := h.p.DB.GetRoomBySlug(r.Context(), v.RoomSlug)
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	vi := sfu.NewVoteInfo(VoteFromStore(v))
	var texts []Announcement
	for _, l := range lang.All() {
		T := func(k string) string { return h.p.Kit.Cat.T(l.Code, k, nil) }
		body := h.resultLine(l.Code, vi)
		if len(v.Ballots) > 0 {
			body += "\n\n" + T("procedure_named_ballots") + ":"
			for _, b := range v.Ballots {
				body += "\n- " + b.Delegation + ": " + T("procedure_choice_"+b.Choice)
			}
		}
		texts = append(texts, Announcement{Lang: l.Code, Title: room.TitleIn(l.Code) + " — " + T("procedure_sheet_title") + ": " + v.Motion, Body: body})
	}
	to, err := h.p.Announce(r.Context(), httpx.ViewerFrom(r.Context()).User, texts)
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func (h *Handlers) sheetPage(w http.ResponseWriter, r *http.Request) {
	p, err := h.sheet(r)
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	live(w)
	h.p.Kit.Render(w, r, http.StatusOK, "procedure_sheet.html", httpx.Page{Title: p.Vote.Motion, Data: p})
}

func (h *Handlers) sheetJSON(w http.ResponseWriter, r *http.Request) {
	p, err := h.sheet(r)
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	liveJSON(w, struct {
		Room  string       `json:"room"`
		Title string       `json:"title"`
		Text  string       `json:"text"`
		Vote  sfu.VoteInfo `json:"vote"`
	}{p.Room.Slug, p.Title, p.Line, p.Vote})
}

func (h *Handlers) sheetCSV(w http.ResponseWriter, r *http.Request) {
	p, err := h.sheet(r)
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	code := h.p.Kit.Lang(r).Code
	T := func(k string) string { return h.p.Kit.Cat.T(code, k, nil) }
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	c := procedure.Counts{}
	if p.Vote.Counts != nil {
		c = *p.Vote.Counts
	}
	rows := [][]string{
		{T("procedure_motion"), csvSafe(p.Vote.Motion)},
		{T("procedure_rule"), p.RuleName},
		{T("procedure_sheet_opened"), p.Opened},
		{T("procedure_sheet_closed"), p.Closed},
		{T("procedure_sheet_present"), strconv.Itoa(p.Vote.Present)},
		{T("procedure_choice_yes"), strconv.Itoa(c.Yes)},
		{T("procedure_choice_no"), strconv.Itoa(c.No)},
		{T("procedure_choice_abstain"), strconv.Itoa(c.Abstain)},
		{T("procedure_results"), p.Outcome},
		{},
	}
	if len(p.Ballots) > 0 {
		rows = append(rows, []string{T("procedure_sheet_delegation"), T("procedure_sheet_choice")})
		for _, b := range p.Ballots {
			rows = append(rows, []string{csvSafe(b.Delegation), b.Choice})
		}
	}
	for _, d := range p.Voters {
		rows = append(rows, []string{csvSafe(d)})
	}
	_ = cw.WriteAll(rows)
	live(w)
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="vote-`+strconv.FormatInt(p.Vote.ID, 10)+`-`+code+`.csv"`)
	_, _ = w.Write(append([]byte("\ufeff"), buf.Bytes()...))
}

// csvSafe keeps a spreadsheet from reading text as a formula.
func csvSafe(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r') {
		return "'" + s
	}
	return s
}

// procRoutes lists the procedure's pages.
func (h *Handlers) procRoutes(mux *httpx.Router) {
	// Public when the chair made the room's procedure public; otherwise
	// not found, or for the room's managers (result sheets).
	mux.HandleFunc("GET /{lang}/rooms/{slug}/observe", h.observePage)
	mux.HandleFunc("GET /{lang}/rooms/{slug}/observe.json", h.observeJSON)
	mux.HandleFunc("GET /{lang}/rooms/{slug}/votes/{id}", h.sheetPage)
	mux.HandleFunc("GET /{lang}/rooms/{slug}/votes/{id}/sheet.csv", h.sheetCSV)
	mux.HandleFunc("GET /{lang}/rooms/{slug}/votes/{id}/sheet.json", h.sheetJSON)
	mux.Handle("POST /{lang}/rooms/{slug}/votes/{id}/press", auth.Require(h.p.Kit, account.PressWriters...)(http.HandlerFunc(h.sheetPress)))
}
