package events

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/store"
)

// AdminRow is an event in the staff list.
type AdminRow struct {
	ID     int64
	Slug   string
	Title  Text
	Dates  string
	States []LangState
}

// LangState is the state of one language's text.
type LangState struct {
	Lang  lang.Language
	State string // missing, draft, published or outdated
	URL   string
}

// Option is a choice in a select or a set of checkboxes.
type Option struct {
	Value, Label, Key string
	Lang              string
	Selected          bool
}

// EditEventPage is the data of the event editor.
type EditEventPage struct {
	New          bool
	ID           int64
	Input        EventInput
	Zones        []string
	Formats      []Option
	Languages    []Option
	Sources      []Option
	Organisers   []Option
	Texts        []TextField // create only
	States       []LangState
	Sessions     []AdminSession
	Warnings     []string
	Releases     []ReleaseView
	Released     int
	PublicURL    string
	CanAnnounce  bool
	Saved        string
	Error, Field string
}

// TextField is one language's title and description on the create form.
type TextField struct {
	Lang               lang.Language
	Title, Description string
}

// AdminSession is a session in the editor's timetable.
type AdminSession struct {
	ID               int64
	URL              string
	Title            Text
	Kind, Start, End string
	Room             string
	Cancelled        bool
	Sequence         int
}

// EditTextPage is the data of a translation's editor.
type EditTextPage struct {
	EventID            int64
	Slug               string
	Lang               lang.Language
	State              string
	Title, Description string
	Published          bool
	Source             Text // the source language's title, for reference
	Saved              bool
	Error, Field       string
}

// EditSessionPage is the data of a session's editor.
type EditSessionPage struct {
	EventID      int64
	EventSlug    string
	ID           int64 // 0: new
	Zone         string
	Kinds        []Option
	Titles       []TextField // Title only
	Agenda       []TextField // Description: one item a line
	Start, End   string
	Chairs       []Option
	Rooms        []Option
	Cancelled    bool
	Room         string
	Sequence     int
	Warnings     []string
	Saved        bool
	Error, Field string
}

func (h *Handlers) formError(r *http.Request, err error) (msg, field string, status int, ok bool) {
	var he *fault.Problem
	if errors.As(err, &he) && httpx.Status(he) < 500 {
		return h.t(h.kit.Lang(r).Code, he.Key, he.Data), he.Field, httpx.Status(he), true
	}
	return "", "", 0, false
}

func (h *Handlers) adminList(w http.ResponseWriter, r *http.Request) {
	code := h.kit.Lang(r).Code
	es, err := h.db.ListEvents(r.Context())
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	var rows []AdminRow
	for _, e := range es {
		rows = append(rows, AdminRow{ID: e.ID, Slug: e.Slug, Title: h.text(code, titlesOf(e), e.SourceLang), Dates: h.dates(code, e), States: states(e)})
	}
	h.kit.Render(w, r, http.StatusOK, "events-admin-list.html", httpx.Page{Title: h.t(code, "events_admin_title", nil), Data: rows})
}

func states(e store.Event) []LangState {
	var out []LangState
	for _, l := range lang.All() {
		st := "missing"
		if t, ok := e.Translations[l.Code]; ok {
			st = string(t.State())
		}
		out = append(out, LangState{Lang: l, State: st, URL: "/admin/events/" + strconv.FormatInt(e.ID, 10) + "/translations/" + l.Code})
	}
	return out
}

// editPage fills the choices of the event form.
func (h *Handlers) editPage(ctx context.Context, p *EditEventPage) error {
	p.Zones = zones()
	p.Formats = []Option{{Value: "virtual", Key: "events_format_virtual", Selected: p.Input.Format == "virtual"},
		{Value: "hybrid", Key: "events_format_hybrid", Selected: p.Input.Format == "hybrid"}}
	for _, l := range lang.All() {
		p.Languages = append(p.Languages, Option{Value: l.Code, Label: l.NativeName, Lang: l.Tag.String(), Selected: slices.Contains(p.Input.Languages, l.Code)})
		p.Sources = append(p.Sources, Option{Value: l.Code, Label: l.NativeName, Lang: l.Tag.String(), Selected: p.Input.SourceLang == l.Code})
	}
	users, err := h.db.ListUsers(ctx)
	if err != nil {
		return err
	}
	for _, u := range users {
		if u.HasRole(Organisers...) {
			p.Organisers = append(p.Organisers, Option{Value: strconv.FormatInt(u.ID, 10), Label: u.DisplayName + " (" + u.Username + ")",
				Selected: slices.Contains(p.Input.Organisers, u.ID)})
		}
	}
	return nil
}

func (h *Handlers) renderEdit(w http.ResponseWriter, r *http.Request, status int, p EditEventPage) {
	if err := h.editPage(r.Context(), &p); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	code := h.kit.Lang(r).Code
	title := h.t(code, "events_admin_new", nil)
	if !p.New {
		title = h.t(code, "events_admin_edit", map[string]any{"Slug": p.Input.Slug})
	}
	h.kit.Render(w, r, status, "events-admin-edit.html", httpx.Page{Title: title, Data: p})
}

func (h *Handlers) adminNew(w http.ResponseWriter, r *http.Request) {
	p := EditEventPage{New: true, Input: EventInput{Zone: "Asia/Ho_Chi_Minh", Format: "virtual", Public: true, SourceLang: h.kit.Lang(r).Code}}
	for _, l := range lang.All() {
		p.Texts = append(p.Texts, TextField{Lang: l})
	}
	h.renderEdit(w, r, http.StatusOK, p)
}

// eventForm reads the event form.
func eventForm(r *http.Request, withTexts bool) (EventInput, []TextField) {
	f := r.PostForm
	in := EventInput{Slug: strings.TrimSpace(f.Get("slug")), Zone: strings.TrimSpace(f.Get("zone")), Start: f.Get("start"), End: f.Get("end"),
		Format: f.Get("format"), Public: f.Get("public") != "", Languages: f["languages"], SourceLang: f.Get("source_lang")}
	for _, s := range f["organisers"] {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil {
			in.Organisers = append(in.Organisers, id)
		} else {
			in.Organisers = append(in.Organisers, -1) // refused as unknown
		}
	}
	var texts []TextField
	if withTexts {
		in.Translations = map[string]TextInput{}
		for _, l := range lang.All() {
			t := TextField{Lang: l, Title: f.Get("title_" + l.Code), Description: f.Get("description_" + l.Code)}
			texts = append(texts, t)
			in.Translations[l.Code] = TextInput{Title: t.Title, Description: t.Description}
		}
	}
	return in, texts
}

func (h *Handlers) adminCreate(w http.ResponseWriter, r *http.Request) {
	if err := httpx.ParseForm(r); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	in, texts := eventForm(r, true)
	e, err := h.createEvent(r.Context(), in)
	if msg, field, status, ok := h.formError(r, err); ok {
		h.renderEdit(w, r, status, EditEventPage{New: true, Input: in, Texts: texts, Error: msg, Field: field})
		return
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/events/"+strconv.FormatInt(e.ID, 10)+"?saved=created", http.StatusSeeOther)
}

func (h *Handlers) adminEvent(w http.ResponseWriter, r *http.Request) {
	e, err := h.eventFromPath(r)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.renderEvent(w, r, http.StatusOK, e, EditEventPage{Input: inputOf(e), Saved: r.URL.Query().Get("saved")})
}

// renderEvent shows the editor of an existing event with its timetable,
// warnings and releases.
func (h *Handlers) renderEvent(w http.ResponseWriter, r *http.Request, status int, e store.Event, p EditEventPage) {
	ctx := r.Context()
	code := h.kit.Lang(r).Code
	p.ID, p.States = e.ID, states(e)
	sessions, err := h.db.ListEventSessions(ctx, e.ID)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	loc, err := time.LoadLocation(e.Zone)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	for _, s := range sessions {
		p.Sessions = append(p.Sessions, AdminSession{ID: s.ID, URL: "/admin/events/" + strconv.FormatInt(e.ID, 10) + "/sessions/" + strconv.FormatInt(s.ID, 10),
			Title: h.text(code, s.Titles, e.SourceLang), Kind: h.t(code, "events_kind_"+s.Kind, nil),
			Start: lang.FormatDateTime(code, s.StartsAt, loc, lang.Medium), End: lang.FormatDateTime(code, s.EndsAt, loc, lang.Medium),
			Room: s.RoomSlug, Cancelled: s.Status == store.SessionCancelled, Sequence: s.Sequence})
	}
	for _, wn := range Warnings(sessions, loc) {
		p.Warnings = append(p.Warnings, h.warningText(code, e, sessions, wn))
	}
	rels, err := h.db.ListReleases(ctx, e.ID)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	for _, rel := range rels {
		rv := ReleaseView{Version: rel.Version, Date: lang.FormatDateTime(code, rel.ReleasedAt, loc, lang.Long), ISO: rel.ReleasedAt.Format(time.RFC3339)}
		for _, c := range rel.Changes {
			rv.Changes = append(rv.Changes, h.changeText(code, e, loc, c))
		}
		p.Releases = append(p.Releases, rv)
	}
	if len(rels) > 0 {
		p.Released = rels[0].Version
	}
	if t, ok := e.Translations[code]; ok && t.Status == store.StatusPublished && e.Public {
		p.PublicURL = EventPath(code, e.Slug)
	}
	if v := httpx.ViewerFrom(ctx); v != nil && h.announce != nil {
		p.CanAnnounce = v.User.HasRole(Announcers...)
	}
	h.renderEdit(w, r, status, p)
}

func (h *Handlers) adminUpdate(w http.ResponseWriter, r *http.Request) {
	e, err := h.eventFromPath(r)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	if err := httpx.ParseForm(r); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	in, _ := eventForm(r, false)
	_, err = h.updateEvent(r.Context(), e, in)
	if msg, field, status, ok := h.formError(r, err); ok {
		h.renderEvent(w, r, status, e, EditEventPage{Input: in, Error: msg, Field: field})
		return
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/events/"+strconv.FormatInt(e.ID, 10)+"?saved=event", http.StatusSeeOther)
}

func (h *Handlers) textPage(e store.Event, l lang.Language, code string) EditTextPage {
	p := EditTextPage{EventID: e.ID, Slug: e.Slug, Lang: l, State: "missing"}
	if t, ok := e.Translations[l.Code]; ok {
		p.State, p.Title, p.Description, p.Published = string(t.State()), t.Title, t.Description, t.Status == store.StatusPublished
	}
	if l.Code != e.SourceLang {
		if src, ok := e.Translations[e.SourceLang]; ok {
			p.Source = h.text(code, map[string]string{e.SourceLang: src.Title}, e.SourceLang)
		}
	}
	return p
}

func (h *Handlers) renderText(w http.ResponseWriter, r *http.Request, status int, p EditTextPage) {
	code := h.kit.Lang(r).Code
	h.kit.Render(w, r, status, "events-admin-translation.html", httpx.Page{
		Title: h.t(code, "events_admin_translation", map[string]any{"Slug": p.Slug, "Language": p.Lang.NativeName}), Data: p})
}

func (h *Handlers) adminTranslation(w http.ResponseWriter, r *http.Request) {
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
	p := h.textPage(e, l, h.kit.Lang(r).Code)
	p.Saved = r.URL.Query().Get("saved") == "1"
	h.renderText(w, r, http.StatusOK, p)
}

func (h *Handlers) adminSaveTranslation(w http.ResponseWriter, r *http.Request) {
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
	if err := httpx.ParseForm(r); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	in := TextInput{Title: r.PostForm.Get("title"), Description: r.PostForm.Get("description"), Publish: r.PostForm.Get("publish") != ""}
	_, err = h.saveText(r.Context(), e, l.Code, in)
	if msg, field, status, ok := h.formError(r, err); ok {
		p := h.textPage(e, l, h.kit.Lang(r).Code)
		p.Title, p.Description, p.Published, p.Error, p.Field = in.Title, in.Description, in.Publish, msg, field
		h.renderText(w, r, status, p)
		return
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/events/"+strconv.FormatInt(e.ID, 10)+"/translations/"+l.Code+"?saved=1", http.StatusSeeOther)
}

// sessionPage fills the session editor's choices.
func (h *Handlers) sessionPage(ctx context.Context, code string, e store.Event, in SessionInput, p *EditSessionPage) error {
	p.EventID, p.EventSlug, p.Zone = e.ID, e.Slug, e.Zone
	p.Start, p.End, p.Cancelled, p.Room = in.Start, in.End, in.Status == store.SessionCancelled, in.Room
	for _, k := range []string{store.SessionPlenary, store.SessionWorking, store.SessionSide, store.SessionBilateral} {
		p.Kinds = append(p.Kinds, Option{Value: k, Key: "events_kind_" + k, Selected: in.Kind == k})
	}
	for i, l := range lang.All() {
		p.Titles = append(p.Titles, TextField{Lang: l, Title: in.Titles[l.Code]})
		var lines []string
		for _, it := range in.Agenda {
			lines = append(lines, it[l.Code])
		}
		p.Agenda = append(p.Agenda, TextField{Lang: l, Description: strings.TrimRight(strings.Join(lines, "\n"), "\n")})
		_ = i
	}
	users, err := h.db.ListUsers(ctx)
	if err != nil {
		return err
	}
	for _, u := range users {
		if u.HasRole(account.RoleChair, account.RoleProtocolOfficer, account.RoleAdmin) {
			p.Chairs = append(p.Chairs, Option{Value: strconv.FormatInt(u.ID, 10), Label: u.DisplayName + " (" + u.Username + ")", Selected: in.Chair == u.ID})
		}
	}
	sessions, err := h.db.ListEventSessions(ctx, e.ID)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, s := range sessions {
		if s.RoomSlug == "" || seen[s.RoomSlug] {
			continue
		}
		seen[s.RoomSlug] = true
		t, _ := Pick(s.Titles, code, e.SourceLang)
		p.Rooms = append(p.Rooms, Option{Value: s.RoomSlug, Label: s.RoomSlug + " (" + t + ")", Selected: in.Room == s.RoomSlug})
	}
	if p.ID != 0 {
		loc, err := time.LoadLocation(e.Zone)
		if err != nil {
			return err
		}
		for _, wn := range Warnings(sessions, loc) {
			if slices.Contains(wn.Sessions, p.ID) {
				p.Warnings = append(p.Warnings, h.warningText(code, e, sessions, wn))
			}
		}
	}
	return nil
}

func (h *Handlers) renderSession(w http.ResponseWriter, r *http.Request, status int, e store.Event, in SessionInput, p EditSessionPage) {
	code := h.kit.Lang(r).Code
	if err := h.sessionPage(r.Context(), code, e, in, &p); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	title := h.t(code, "events_admin_session_new", nil)
	if p.ID != 0 {
		t, _ := Pick(in.Titles, code, e.SourceLang)
		title = h.t(code, "events_admin_session_edit", map[string]any{"Title": t})
	}
	h.kit.Render(w, r, status, "events-admin-session.html", httpx.Page{Title: title, Data: p})
}

func (h *Handlers) adminNewSession(w http.ResponseWriter, r *http.Request) {
	e, err := h.eventFromPath(r)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	h.renderSession(w, r, http.StatusOK, e, SessionInput{Kind: store.SessionPlenary, Start: e.StartLocal, End: e.StartLocal}, EditSessionPage{})
}

// sessionForm reads the session form. Agenda item n is line n of every
// language's list.
func sessionForm(r *http.Request) SessionInput {
	f := r.PostForm
	in := SessionInput{Kind: f.Get("kind"), Titles: map[string]string{}, Start: f.Get("start"), End: f.Get("end"), Room: f.Get("room"),
		Status: store.SessionScheduled}
	if f.Get("cancelled") != "" {
		in.Status = store.SessionCancelled
	}
	if c := f.Get("chair"); c != "" {
		if id, err := strconv.ParseInt(c, 10, 64); err == nil {
			in.Chair = id
		} else {
			in.Chair = -1
		}
	}
	for _, l := range lang.All() {
		in.Titles[l.Code] = f.Get("title_" + l.Code)
		lines := strings.Split(strings.ReplaceAll(f.Get("agenda_"+l.Code), "\r\n", "\n"), "\n")
		for i, line := range lines {
			for len(in.Agenda) <= i {
				if len(in.Agenda) > MaxAgendaItems {
					break
				}
				in.Agenda = append(in.Agenda, map[string]string{})
			}
			if i < len(in.Agenda) {
				in.Agenda[i][l.Code] = line
			}
		}
	}
	return in
}

func (h *Handlers) adminCreateSession(w http.ResponseWriter, r *http.Request) {
	e, err := h.eventFromPath(r)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	if err := httpx.ParseForm(r); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	in := sessionForm(r)
	s, err := h.createSession(r.Context(), e, in)
	if msg, field, status, ok := h.formError(r, err); ok {
		h.renderSession(w, r, status, e, in, EditSessionPage{Error: msg, Field: field})
		return
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/events/"+strconv.FormatInt(e.ID, 10)+"/sessions/"+strconv.FormatInt(s.ID, 10)+"?saved=1", http.StatusSeeOther)
}

func (h *Handlers) adminSession(w http.ResponseWriter, r *http.Request) {
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
	s, err := h.db.GetEventSession(r.Context(), e.ID, id)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	in := sessionInputOf(s)
	in.Room = s.RoomSlug
	h.renderSession(w, r, http.StatusOK, e, in, EditSessionPage{ID: s.ID, Sequence: s.Sequence, Saved: r.URL.Query().Get("saved") == "1"})
}

func (h *Handlers) adminUpdateSession(w http.ResponseWriter, r *http.Request) {
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
	if err := httpx.ParseForm(r); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	in := sessionForm(r)
	s, err := h.updateSession(r.Context(), e, id, in)
	if msg, field, status, ok := h.formError(r, err); ok {
		h.renderSession(w, r, status, e, in, EditSessionPage{ID: id, Error: msg, Field: field})
		return
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/events/"+strconv.FormatInt(e.ID, 10)+"/sessions/"+strconv.FormatInt(s.ID, 10)+"?saved=1", http.StatusSeeOther)
}

func (h *Handlers) adminRelease(w http.ResponseWriter, r *http.Request) {
	e, err := h.eventFromPath(r)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	if _, err := h.release(r.Context(), e, httpx.ViewerFrom(r.Context()).User.ID); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/events/"+strconv.FormatInt(e.ID, 10)+"?saved=released", http.StatusSeeOther)
}

func (h *Handlers) adminAnnounce(w http.ResponseWriter, r *http.Request) {
	e, err := h.eventFromPath(r)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	to, err := h.doAnnounce(r.Context(), httpx.ViewerFrom(r.Context()).User, e, h.origin(r))
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}
