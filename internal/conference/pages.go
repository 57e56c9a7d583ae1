package conference

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/store"
)

// The staff pages of room management: /admin/rooms lists the rooms the
// viewer manages, /admin/rooms/new creates one, /admin/rooms/{slug} is one
// room: its titles and schedule, archiving, moderators, invitations and
// who is in it now.

// zone is the viewer's time zone, UTC when they chose none.
func zone(r *http.Request) *time.Location {
	if v := httpx.ViewerFrom(r.Context()); v != nil && v.User.TimeZone != "" {
		if loc, err := time.LoadLocation(v.User.TimeZone); err == nil {
			return loc
		}
	}
	return time.UTC
}

const inputLayout = "2006-01-02T15:04"

// formTime reads a datetime-local field in the viewer's zone; empty is nil.
func formTime(r *http.Request, name string) (*time.Time, error) {
	v := strings.TrimSpace(r.PostFormValue(name))
	if v == "" {
		return nil, nil //nolint:nilnil // an empty field is no time, and no error
	}
	t, err := time.ParseInLocation(inputLayout, v, zone(r))
	if err != nil {
		return nil, &fault.Problem{Kind: fault.ErrInvalid, Key: "room_manage_time_invalid", Field: name}
	}
	return &t, nil
}

// formWindow reads an invitation form's window.
func formWindow(r *http.Request) (from, until *time.Time, err error) {
	if from, err = formTime(r, "not_before"); err != nil {
		return nil, nil, err
	}
	if until, err = formTime(r, "expires_at"); err != nil {
		return nil, nil, err
	}
	return from, until, nil
}

// inputValue is t as a datetime-local value in the viewer's zone.
func inputValue(r *http.Request, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(zone(r)).Format(inputLayout)
}

// when is t for people: date and time in the page's language and the
// viewer's zone, named.
func (h *Handlers) when(r *http.Request, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	loc := zone(r)
	return lang.FormatDateTime(h.p.Kit.Lang(r).Code, t, loc, lang.Medium) + " (" + loc.String() + ")"
}

// RoomsPage is the data of the list of rooms.
type RoomsPage struct {
	Rooms []RoomRow
	// Admin is set for administrators, who manage every room, create and
	// archive them.
	Admin bool
	// Archived is set when archived rooms are listed too.
	Archived bool
}

// RoomRow is one room of the list.
type RoomRow struct {
	Slug, Title   string
	State         store.RoomState
	Opens, Closes string
	Participants  int
}

func (h *Handlers) roomsPage(w http.ResponseWriter, r *http.Request) {
	archived := r.URL.Query().Get("archived") == "1"
	rooms, _, err := h.visibleRooms(r, archived)
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	l := h.p.Kit.Lang(r)
	p := RoomsPage{Admin: isAdmin(httpx.ViewerFrom(r.Context())), Archived: archived}
	for _, room := range rooms {
		p.Rooms = append(p.Rooms, RoomRow{Slug: room.Slug, Title: room.TitleIn(l.Code), State: room.State(h.p.Now()),
			Opens: h.when(r, room.OpensAt), Closes: h.when(r, room.ClosesAt), Participants: len(h.p.SFU.Members(room.Slug))})
	}
	title := h.p.Kit.Cat.T(l.Code, "room_admin_title", nil)
	h.p.Kit.Render(w, r, http.StatusOK, "rooms.html", httpx.Page{Title: title, Data: p})
}

// TitleField is the title of a room in one language, for the form.
type TitleField struct {
	Lang  lang.Language
	Value string
}

// RoomForm is the data of the new-room page.
type RoomForm struct {
	Form                    url.Values
	Titles                  []TitleField
	Zone                    string
	OpensInput, ClosesInput string // always empty: a new room
	ErrorText               string
}

func titleFields(titles map[string]string) []TitleField {
	var out []TitleField
	for _, l := range lang.All() {
		out = append(out, TitleField{Lang: l, Value: titles[l.Code]})
	}
	return out
}

// formTitles reads the title_{code} fields.
func formTitles(r *http.Request) map[string]string {
	out := map[string]string{}
	for _, l := range lang.All() {
		if v := strings.TrimSpace(r.PostFormValue("title_" + l.Code)); v != "" {
			out[l.Code] = v
		}
	}
	return out
}

func (h *Handlers) newRoomPage(w http.ResponseWriter, r *http.Request) {
	h.renderNew(w, r, http.StatusOK, RoomForm{})
}

func (h *Handlers) renderNew(w http.ResponseWriter, r *http.Request, status int, f RoomForm) {
	titles := map[string]string{}
	if f.Form != nil {
		titles = formTitles(r)
	}
	f.Titles, f.Zone = titleFields(titles), zone(r).String()
	title := h.p.Kit.Cat.T(h.p.Kit.Lang(r).Code, "room_manage_new", nil)
	h.p.Kit.Render(w, r, status, "room_new.html", httpx.Page{Title: title, Data: f})
}

func (h *Handlers) createForm(w http.ResponseWriter, r *http.Request) {
	if err := httpx.ParseForm(r); err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	opens, err := formTime(r, "opens_at")
	var closes *time.Time
	if err == nil {
		closes, err = formTime(r, "closes_at")
	}
	var room store.Room
	if err == nil {
		room, err = h.createRoom(r, RoomInput{Slug: r.PostFormValue("slug"), Title: r.PostFormValue("title"), Titles: formTitles(r), OpensAt: opens, ClosesAt: closes})
	}
	if he, ok := errors.AsType[*fault.Problem](err); ok && (httpx.Status(he) == http.StatusBadRequest || httpx.Status(he) == http.StatusConflict) {
		status := http.StatusUnprocessableEntity
		if httpx.Status(he) == http.StatusConflict {
			status = http.StatusConflict
		}
		h.renderNew(w, r, status, RoomForm{Form: r.PostForm, ErrorText: h.p.Kit.Cat.T(h.p.Kit.Lang(r).Code, he.Key, he.Data)})
		return
	}
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/rooms/"+room.Slug, http.StatusSeeOther)
}

// ManagePage is the data of one room's page.
type ManagePage struct {
	// Recordings links the room's recordings (its moderating staff).
	Recordings bool
	Room       store.Room
	Title      string // in the page's language
	State      store.RoomState
	// Opens and Closes are the schedule for people; OpensInput and
	// ClosesInput for the form.
	Opens, Closes           string
	OpensInput, ClosesInput string
	Archived                string
	Zone                    string
	Admin                   bool
	Titles                  []TitleField
	Roles                   []sfu.Role // the roles the viewer may invite
	Tokens                  []TokenRow
	Staff                   []StaffInfo
	// Assignable are the protocol officers and chairs who may be
	// assigned, offered by the assignment form.
	Assignable []StaffInfo
	Members    []MemberRow
	// Issued are the invitations just issued, with their links.
	Issued    []IssuedRow
	Notice    string
	ErrorText string
	Form      url.Values
}

// TokenRow is an invitation of the room, for the page.
type TokenRow struct {
	TokenInfo
	From, Until string
}

// IssuedRow is an invitation just issued, for the page.
type IssuedRow struct {
	Issued
	From, Until string
}

// MemberRow is someone in the room now, for the page.
type MemberRow struct {
	sfu.Member
	Since string
}

func (h *Handlers) roomManagePage(w http.ResponseWriter, r *http.Request) {
	h.renderManage(w, r, http.StatusOK, ManagePage{})
}

// renderManage shows the room of the request to a viewer who manages it.
func (h *Handlers) renderManage(w http.ResponseWriter, r *http.Request, status int, p ManagePage) {
	ctx := r.Context()
	room, a, err := h.managedRoom(r)
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	l := h.p.Kit.Lang(r)
	p.Room, p.Title, p.State = room, room.TitleIn(l.Code), room.State(h.p.Now())
	p.Opens, p.Closes, p.Archived = h.when(r, room.OpensAt), h.when(r, room.ClosesAt), h.when(r, room.ArchivedAt)
	p.OpensInput, p.ClosesInput = inputValue(r, room.OpensAt), inputValue(r, room.ClosesAt)
	p.Zone = zone(r).String()
	p.Admin = isAdmin(httpx.ViewerFrom(ctx))
	p.Titles = titleFields(room.Titles)
	if p.Form.Has("title") {
		p.Titles = titleFields(formTitles(r)) // an update refused: as sent
	}
	p.Roles = inviteRoles(a)
	p.Recordings = a.moderate && h.p.Recordings != nil
	ts, err := h.p.DB.ListRoomTokens(ctx, room.ID)
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	for _, t := range ts {
		p.Tokens = append(p.Tokens, TokenRow{TokenInfo: tokenInfo(t, a), From: h.when(r, t.NotBefore), Until: h.when(r, t.ExpiresAt)})
	}
	if p.Admin {
		staff, err := h.p.DB.ListRoomStaff(ctx, room.ID)
		if err != nil {
			h.p.Kit.Fail(w, r, err)
			return
		}
		for _, s := range staff {
			p.Staff = append(p.Staff, StaffInfo{Username: s.Username, Name: s.DisplayName, Moderator: s.Moderator})
		}
		users, err := h.p.DB.ListUsers(ctx)
		if err != nil {
			h.p.Kit.Fail(w, r, err)
			return
		}
		for _, u := range users {
			if !u.Disabled && assignable(u) {
				p.Assignable = append(p.Assignable, StaffInfo{Username: u.Username, Name: u.DisplayName})
			}
		}
	}
	for _, m := range h.p.SFU.Members(room.Slug) {
		p.Members = append(p.Members, MemberRow{Member: m, Since: h.when(r, m.JoinedAt)})
	}
	h.p.Kit.Render(w, r, status, "room_manage.html", httpx.Page{Title: p.Title, Data: p})
}

// issuedRows are just-issued invitations for the page.
func (h *Handlers) issuedRows(r *http.Request, out []Issued) []IssuedRow {
	rows := make([]IssuedRow, 0, len(out))
	for _, i := range out {
		row := IssuedRow{Issued: i, Until: h.when(r, i.ExpiresAt)}
		if i.NotBefore != nil {
			row.From = h.when(r, *i.NotBefore)
		}
		rows = append(rows, row)
	}
	return rows
}

// formFailed shows the room's page again with the refusal of a form, the
// form as it was sent, or the error page when the viewer may not see the
// room.
func (h *Handlers) formFailed(w http.ResponseWriter, r *http.Request, err error) {
	he, ok := errors.AsType[*fault.Problem](err)
	if !ok || !(httpx.Status(he) == http.StatusBadRequest || httpx.Status(he) == http.StatusUnprocessableEntity || httpx.Status(he) == http.StatusConflict ||
		(httpx.Status(he) == http.StatusForbidden && he.Data["Line"] != nil)) {
		h.p.Kit.Fail(w, r, err)
		return
	}
	status := httpx.Status(he)
	if status == http.StatusBadRequest {
		status = http.StatusUnprocessableEntity
	}
	h.renderManage(w, r, status, ManagePage{ErrorText: h.p.Kit.Cat.T(h.p.Kit.Lang(r).Code, he.Key, he.Data), Form: r.PostForm})
}

func (h *Handlers) updateForm(w http.ResponseWriter, r *http.Request) {
	if err := httpx.ParseForm(r); err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	opens, err := formTime(r, "opens_at")
	var closes *time.Time
	if err == nil {
		closes, err = formTime(r, "closes_at")
	}
	if err == nil {
		title, titles := r.PostFormValue("title"), formTitles(r)
		patch := RoomPatch{Title: &title, Titles: &titles, OpensAt: NullableTime{Set: true, Time: opens},
			ClosesAt: NullableTime{Set: true, Time: closes}}
		if _, ok := r.PostForm["languages"]; ok {
			// Codes separated by commas or spaces.
			langs := strings.FieldsFunc(r.PostFormValue("languages"), func(c rune) bool { return c == ',' || c == ' ' || c == ';' })
			patch.Languages = &langs
		}
		_, err = h.updateRoom(r, patch)
	}
	if err != nil {
		h.formFailed(w, r, err)
		return
	}
	h.renderManage(w, r, http.StatusOK, ManagePage{Notice: h.p.Kit.Cat.T(h.p.Kit.Lang(r).Code, "room_manage_saved", nil)})
}

func (h *Handlers) archiveForm(w http.ResponseWriter, r *http.Request) {
	archive := strings.HasSuffix(r.URL.Path, "/archive")
	room, err := h.p.DB.GetRoomBySlug(r.Context(), r.PathValue("slug"))
	if err == nil && room.Archived() != archive {
		err = h.setArchived(r, room, archive)
	}
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	key := "room_manage_unarchived"
	if archive {
		key = "room_manage_archived"
	}
	h.renderManage(w, r, http.StatusOK, ManagePage{Notice: h.p.Kit.Cat.T(h.p.Kit.Lang(r).Code, key, nil)})
}
