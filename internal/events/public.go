package events

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/feed"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/store"
)

// IsCachedPage reports whether the page cache may answer r: the events
// list, the event pages, their .ics and the Atom feed of events, without a
// query string. Nothing on them depends on the reader: the reader's own
// time zone and "now in session" are computed in the browser.
func IsCachedPage(r *http.Request) bool {
	if r.URL.RawQuery != "" {
		return false
	}
	code, rest, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if !ok {
		return false
	}
	if _, known := lang.Lookup(code); !known {
		return false
	}
	if rest == "events" {
		return true
	}
	file, ok := strings.CutPrefix(rest, "events/")
	return ok && file != "" && !strings.Contains(file, "/")
}

// Card is an event in a list.
type Card struct {
	URL, Title, Dates string
	StartISO, EndISO  string
}

// ListPage is the data of the events list.
type ListPage struct {
	Upcoming, Past []Card
	Feed           string
	Canonical      string
}

// Link is a labelled URL, in another language when Lang is set.
type Link struct {
	URL, Label, Lang, Dir string
}

// Text is a value shown in a language, marked when it is not the page's.
type Text struct {
	Value, Lang, Dir string
}

// SessionView is a released session on the public page.
type SessionView struct {
	ID               int64
	Title            Text
	Kind             string
	Cancelled        bool
	Start, End       string // in the venue's zone
	StartISO, EndISO string // UTC, for the reader's zone and "now in session"
	Agenda           []Text
	Anchor           string
}

// ReleaseView is one release in the public changelog.
type ReleaseView struct {
	Version int
	Date    string
	ISO     string
	Changes []string
}

// EventPage is the data of the public event page.
type EventPage struct {
	Title, Description string
	Dates              string
	StartISO, EndISO   string
	Zone               string
	Format             string
	Languages          []string
	Sessions           []SessionView
	Released           bool
	Releases           []ReleaseView
	ICS                string
	Feed               string
	Canonical          string
	LD                 map[string]any
}

// MissingPage lists the languages an event is published in.
type MissingPage struct {
	Languages []Link
}

func (h *Handlers) t(code, key string, data map[string]any) string {
	return h.kit.Cat.T(code, key, data)
}

// publicEvent returns a public event whose text is published in code.
// An event that is closed, or does not exist, is ErrNotFound.
func (h *Handlers) publicEvent(ctx context.Context, slug string) (store.Event, error) {
	e, err := h.db.GetEventBySlug(ctx, slug)
	if err != nil {
		return store.Event{}, err
	}
	if !e.Public {
		return store.Event{}, fault.ErrNotFound
	}
	// The public sees published texts only.
	for code, t := range e.Translations {
		if t.Status != store.StatusPublished {
			delete(e.Translations, code)
		}
	}
	if len(e.Translations) == 0 {
		return store.Event{}, fault.ErrNotFound
	}
	return e, nil
}

func (h *Handlers) list(w http.ResponseWriter, r *http.Request) {
	l, _ := lang.Lookup(r.PathValue("lang")) // checked by the portal
	es, err := h.db.ListEvents(r.Context())
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	now := h.now()
	p := ListPage{Feed: "/" + l.Code + "/events/feed.atom", Canonical: h.origin(r) + "/" + l.Code + "/events"}
	for i := len(es) - 1; i >= 0; i-- { // soonest first
		e := es[i]
		t, ok := e.Translations[l.Code]
		if !e.Public || !ok || t.Status != store.StatusPublished {
			continue
		}
		c := Card{URL: EventPath(l.Code, e.Slug), Title: t.Title, Dates: h.dates(l.Code, e),
			StartISO: e.StartsAt.Format(time.RFC3339), EndISO: e.EndsAt.Format(time.RFC3339)}
		if e.EndsAt.After(now) {
			p.Upcoming = append(p.Upcoming, c)
		} else {
			p.Past = append([]Card{c}, p.Past...) // latest first
		}
	}
	h.kit.Render(w, r, http.StatusOK, "events-list.html", httpx.Page{
		Title:       h.t(l.Code, "events_title", nil),
		Description: h.t(l.Code, "events_description", nil),
		Alternates:  h.everyLanguage(r, "/events"),
		Data:        p,
	})
}

func (h *Handlers) everyLanguage(r *http.Request, rest string) []httpx.Alternate {
	base := h.origin(r)
	out := []httpx.Alternate{{Lang: "x-default", URL: base + "/" + h.kit.DefaultLang.Code + rest}}
	for _, l := range lang.All() {
		out = append(out, httpx.Alternate{Lang: l.Tag.String(), URL: base + "/" + l.Code + rest})
	}
	return out
}

// dates is an event's span in its venue's zone, in a language.
func (h *Handlers) dates(code string, e store.Event) string {
	loc, err := time.LoadLocation(e.Zone)
	if err != nil {
		loc = time.UTC
	}
	return h.t(code, "events_dates", map[string]any{
		"Start": lang.FormatDateTime(code, e.StartsAt, loc, lang.Long),
		"End":   lang.FormatDateTime(code, e.EndsAt, loc, lang.Long),
	})
}

// file serves /{lang}/events/{file}: an event page, its .ics, or the Atom
// feed of events.
func (h *Handlers) file(w http.ResponseWriter, r *http.Request) {
	l, ok := lang.Lookup(r.PathValue("lang"))
	if !ok {
		h.kit.Fail(w, r, fault.ErrNotFound)
		return
	}
	name := r.PathValue("file")
	switch {
	case name == "feed.atom":
		h.atom(w, r, l)
	case strings.HasSuffix(name, ".ics"):
		h.ics(w, r, l, strings.TrimSuffix(name, ".ics"))
	default:
		h.page(w, r, l, name)
	}
}

func (h *Handlers) text(code string, m map[string]string, source string) Text {
	v, in := Pick(m, code, source)
	t := Text{Value: v}
	if in != code {
		if l, ok := lang.Lookup(in); ok {
			t.Lang, t.Dir = l.Tag.String(), l.Dir
		}
	}
	return t
}

// publicTimetable returns the latest release, or ok false when none.
func (h *Handlers) releases(ctx context.Context, e store.Event) ([]store.TimetableRelease, error) {
	return h.db.ListReleases(ctx, e.ID)
}

func (h *Handlers) page(w http.ResponseWriter, r *http.Request, l lang.Language, slug string) {
	ctx := r.Context()
	e, err := h.publicEvent(ctx, slug)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	t, ok := e.Translations[l.Code]
	if !ok {
		h.missing(w, r, l, e)
		return
	}
	loc, err := time.LoadLocation(e.Zone)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	rels, err := h.releases(ctx, e)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	origin := h.origin(r)
	p := EventPage{Title: t.Title, Description: t.Description, Dates: h.dates(l.Code, e), StartISO: e.StartsAt.Format(time.RFC3339),
		EndISO: e.EndsAt.Format(time.RFC3339), Zone: e.Zone, Format: h.t(l.Code, "events_format_"+e.Format, nil),
		ICS: EventPath(l.Code, e.Slug) + ".ics", Feed: "/" + l.Code + "/events/feed.atom", Canonical: origin + EventPath(l.Code, e.Slug)}
	for _, c := range e.Languages {
		if ml, ok := lang.Lookup(c); ok {
			p.Languages = append(p.Languages, ml.NativeName)
		}
	}
	var sub []map[string]any
	if len(rels) > 0 {
		p.Released = true
		for _, s := range rels[0].Sessions {
			v := SessionView{ID: s.ID, Title: h.text(l.Code, s.Titles, e.SourceLang), Kind: h.t(l.Code, "events_kind_"+s.Kind, nil),
				Cancelled: s.Status == store.SessionCancelled, Start: lang.FormatDateTime(l.Code, s.StartsAt, loc, lang.Medium),
				End: lang.FormatDateTime(l.Code, s.EndsAt, loc, lang.Medium), StartISO: s.StartsAt.Format(time.RFC3339),
				EndISO: s.EndsAt.Format(time.RFC3339), Anchor: "session-" + strconv.FormatInt(s.ID, 10)}
			for _, it := range s.Agenda {
				v.Agenda = append(v.Agenda, h.text(l.Code, it.Titles, e.SourceLang))
			}
			p.Sessions = append(p.Sessions, v)
			status := "https://schema.org/EventScheduled"
			if v.Cancelled {
				status = "https://schema.org/EventCancelled"
			}
			sub = append(sub, map[string]any{"@type": "Event", "name": v.Title.Value, "startDate": v.StartISO, "endDate": v.EndISO,
				"eventStatus": status, "url": p.Canonical + "#" + v.Anchor})
		}
		for _, rel := range rels {
			rv := ReleaseView{Version: rel.Version, Date: lang.FormatDateTime(l.Code, rel.ReleasedAt, loc, lang.Long),
				ISO: rel.ReleasedAt.Format(time.RFC3339)}
			for _, c := range rel.Changes {
				rv.Changes = append(rv.Changes, h.changeText(l.Code, e, loc, c))
			}
			p.Releases = append(p.Releases, rv)
		}
	}
	mode := "https://schema.org/OnlineEventAttendanceMode"
	if e.Format == "hybrid" {
		mode = "https://schema.org/MixedEventAttendanceMode"
	}
	p.LD = map[string]any{
		"@context": "https://schema.org", "@type": "Event", "name": t.Title, "description": t.Description,
		"startDate": p.StartISO, "endDate": p.EndISO, "eventStatus": "https://schema.org/EventScheduled",
		"eventAttendanceMode": mode, "inLanguage": l.Tag.String(), "url": p.Canonical,
		"location":  map[string]any{"@type": "VirtualLocation", "url": p.Canonical},
		"organizer": map[string]any{"@type": "GovernmentOrganization", "name": h.t(l.Code, "site_name", nil), "url": origin + "/" + l.Code + "/"},
	}
	if sub != nil {
		p.LD["subEvent"] = sub
	}
	var alts []httpx.Alternate
	for _, al := range lang.All() {
		if _, ok := e.Translations[al.Code]; ok {
			alts = append(alts, httpx.Alternate{Lang: al.Tag.String(), URL: origin + EventPath(al.Code, e.Slug)})
		}
	}
	def := e.SourceLang
	if _, ok := e.Translations[def]; !ok {
		def = l.Code
	}
	alts = append(alts, httpx.Alternate{Lang: "x-default", URL: origin + EventPath(def, e.Slug)})
	h.kit.Render(w, r, http.StatusOK, "events-event.html", httpx.Page{Title: t.Title, Description: firstLine(t.Description), Alternates: alts, Data: p})
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if r := []rune(s); len(r) > 200 {
		return string(r[:200]) + "…"
	}
	return s
}

// changeText is a changelog line in a language.
func (h *Handlers) changeText(code string, e store.Event, loc *time.Location, c store.TimetableChange) string {
	title, _ := Pick(c.Titles, code, e.SourceLang)
	when := func(t time.Time) string { return lang.FormatDateTime(code, t, loc, lang.Medium) }
	data := map[string]any{"Title": title}
	switch c.Kind {
	case ChangeAdded, ChangeRestored:
		data["Start"] = when(c.NewStart)
	case ChangeRemoved, ChangeCancelled:
		data["Start"] = when(c.OldStart)
	case ChangeMoved:
		data["Old"], data["New"] = when(c.OldStart), when(c.NewStart)
	}
	return h.t(code, "events_change_"+c.Kind, data)
}

// warningText is a warning in a language.
func (h *Handlers) warningText(code string, e store.Event, sessions []store.EventSession, w Warning) string {
	name := func(id int64) string {
		for _, s := range sessions {
			if s.ID == id {
				t, _ := Pick(s.Titles, code, e.SourceLang)
				return t
			}
		}
		return strconv.FormatInt(id, 10)
	}
	data := map[string]any{"A": name(w.Sessions[0]), "Zone": e.Zone, "Time": strings.Replace(w.Wall, "T", " ", 1)}
	if len(w.Sessions) > 1 {
		data["B"] = name(w.Sessions[1])
	}
	return h.t(code, "events_warning_"+w.Kind, data)
}

func (h *Handlers) missing(w http.ResponseWriter, r *http.Request, l lang.Language, e store.Event) {
	var links []Link
	for _, al := range lang.All() {
		if t, ok := e.Translations[al.Code]; ok {
			links = append(links, Link{URL: EventPath(al.Code, e.Slug), Label: al.NativeName + ": " + t.Title, Lang: al.Tag.String(), Dir: al.Dir})
		}
	}
	h.kit.Render(w, r, http.StatusNotFound, "portal-missing.html", httpx.Page{
		Title: h.t(l.Code, "translation_not_available", nil),
		Data:  MissingPage{Languages: links},
	})
}

func (h *Handlers) ics(w http.ResponseWriter, r *http.Request, l lang.Language, slug string) {
	e, err := h.publicEvent(r.Context(), slug)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	rels, err := h.releases(r.Context(), e)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	var sessions []store.EventSession
	stamp := e.UpdatedAt
	if len(rels) > 0 {
		sessions, stamp = rels[0].Sessions, rels[0].ReleasedAt
	}
	// DTSTAMP is when this calendar's content was released, so that the
	// page cache's copy and a fresh one are the same bytes.
	body := ICS(e, sessions, nil, ICSOptions{Lang: l.Code, Origin: h.origin(r), Stamp: stamp})
	w.Header().Set("Content-Type", ICSType)
	w.Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="%s.ics"`, e.Slug))
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(body)
}

// Feed returns the Atom feed of the public events published in code,
// the latest start first.
func (h *Handlers) Feed(ctx context.Context, origin, code string) (feed.Feed, error) {
	es, err := h.db.ListEvents(ctx)
	if err != nil {
		return feed.Feed{}, err
	}
	l, _ := lang.Lookup(code)
	f := feed.Feed{Lang: l.Tag.String(), Title: h.t(code, "events_title", nil) + " · " + h.t(code, "site_name", nil),
		Subtitle: h.t(code, "events_description", nil), SelfURL: origin + "/" + code + "/events/feed.atom",
		PageURL: origin + "/" + code + "/events", Author: feed.Person{Name: h.t(code, "site_name", nil), URI: origin + "/" + code + "/"},
		Generator: "Chancery"}
	f.ID = f.SelfURL
	host := strings.TrimPrefix(strings.TrimPrefix(origin, "https://"), "http://")
	host, _, _ = strings.Cut(host, ":")
	for _, al := range lang.All() {
		if al.Code != code {
			f.Translations = append(f.Translations, feed.Alternate{Lang: al.Tag.String(), Href: origin + "/" + al.Code + "/events/feed.atom"})
		}
	}
	for _, e := range es {
		t, ok := e.Translations[code]
		if !e.Public || !ok || t.Status != store.StatusPublished {
			continue
		}
		f.Entries = append(f.Entries, feed.Entry{ID: feed.TagURI(host, e.CreatedAt, "event/"+strconv.FormatInt(e.ID, 10)+"/"+code),
			Title: t.Title, Summary: h.dates(code, e) + "\n\n" + t.Description, URL: origin + EventPath(code, e.Slug),
			Published: e.CreatedAt, Updated: e.UpdatedAt})
		if len(f.Entries) == 50 {
			break
		}
	}
	for _, en := range f.Entries {
		if en.Updated.After(f.Updated) {
			f.Updated = en.Updated
		}
	}
	if f.Updated.IsZero() {
		f.Updated = time.Unix(0, 0).UTC()
	}
	return f, nil
}

func (h *Handlers) atom(w http.ResponseWriter, r *http.Request, l lang.Language) {
	f, err := h.Feed(r.Context(), h.origin(r), l.Code)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := feed.WriteAtom(&buf, f); err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", feed.AtomType+"; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = buf.WriteTo(w)
}

// Sitemap returns the pages of public events published in code, each with
// its alternates, skipping offset and returning at most limit.
func (h *Handlers) Sitemap(ctx context.Context, origin, code string, offset, limit int) ([]feed.URL, error) {
	es, err := h.sitemapEvents(ctx, code)
	if err != nil {
		return nil, err
	}
	var out []feed.URL
	for i, e := range es {
		if i < offset {
			continue
		}
		if len(out) == limit {
			break
		}
		u := feed.URL{Loc: origin + EventPath(code, e.Slug), LastMod: e.UpdatedAt}
		for _, al := range lang.All() {
			if t, ok := e.Translations[al.Code]; ok && t.Status == store.StatusPublished {
				u.Alternates = append(u.Alternates, feed.Alternate{Lang: al.Tag.String(), Href: origin + EventPath(al.Code, e.Slug)})
			}
		}
		def := e.SourceLang
		if t, ok := e.Translations[def]; !ok || t.Status != store.StatusPublished {
			def = code
		}
		u.Alternates = append(u.Alternates, feed.Alternate{Lang: "x-default", Href: origin + EventPath(def, e.Slug)})
		out = append(out, u)
	}
	return out, nil
}

// SitemapStats returns how many event pages Sitemap has in code and the
// latest change among them.
func (h *Handlers) SitemapStats(ctx context.Context, code string) (int, time.Time, error) {
	es, err := h.sitemapEvents(ctx, code)
	var newest time.Time
	for _, e := range es {
		if e.UpdatedAt.After(newest) {
			newest = e.UpdatedAt
		}
	}
	return len(es), newest, err
}

func (h *Handlers) sitemapEvents(ctx context.Context, code string) ([]store.Event, error) {
	es, err := h.db.ListEvents(ctx)
	if err != nil {
		return nil, fmt.Errorf("events: sitemap: %w", err)
	}
	var out []store.Event
	for i := len(es) - 1; i >= 0; i-- { // stable: oldest first
		e := es[i]
		if t, ok := e.Translations[code]; e.Public && ok && t.Status == store.StatusPublished {
			out = append(out, e)
		}
	}
	return out, nil
}
