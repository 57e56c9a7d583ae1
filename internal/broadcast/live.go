package broadcast

import (
	"net/http"
	"strings"
	"time"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/store"
)

// LivePage is the data of the live page.
type LivePage struct {
	Title string
	// Back is the event's (or the room's) page.
	Back string
	// Room is the slug of the room broadcast; empty when no session of the
	// event has one.
	Room string
	// WHEP is the endpoint the player posts its offer to.
	WHEP  string
	State State
	// Starts is when the session shown starts (RFC 3339), for "not live
	// yet"; empty when unknown.
	Starts, StartsText string
	// Channels are the languages a viewer may choose: the floor first.
	Channels []Channel
	// SignChannels are the event's sign languages a viewer may watch
	// beside the speaker (WHEP ?sign=).
	SignChannels []Channel
	// Strings are the player's messages.
	Strings map[string]string
}

// Channel is one choice of the language selector.
type Channel struct {
	Code, Name string
}

// liveKeys are the messages live.js shows.
var liveKeys = []string{
	"broadcast_state_live", "broadcast_state_upcoming", "broadcast_state_ended", "broadcast_state_connecting",
	"broadcast_state_closed", "broadcast_state_error", "broadcast_state_full", "broadcast_play", "broadcast_unmute",
	"broadcast_mute", "broadcast_reconnecting",
}

// IsCachedPage reports the live pages, which the page cache may keep: the
// player learns the state by asking WHEP, so a page rendered a while ago
// still plays.
func IsCachedPage(r *http.Request) bool {
	if r.URL.RawQuery != "" {
		return false
	}
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if len(parts) != 4 || parts[3] != "live" || parts[2] == "" || (parts[1] != "events" && parts[1] != "rooms") {
		return false
	}
	_, ok := lang.Lookup(parts[0])
	return ok
}

// livePage is /{lang}/events/{slug}/live: the event's session under way
// (else the next, else the last) played through WHEP.
func (h *Handlers) livePage(w http.ResponseWriter, r *http.Request) {
	l, ok := lang.Lookup(r.PathValue("lang"))
	if !ok {
		h.p.Kit.Fail(w, r, fault.ErrNotFound)
		return
	}
	ctx := r.Context()
	e, err := h.p.DB.GetEventBySlug(ctx, r.PathValue("slug"))
	if err == nil && !e.Public {
		err = fault.ErrNotFound // a closed event is not on the portal
	}
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	ss, err := h.p.DB.ListEventSessions(ctx, e.ID)
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	now := h.p.Now()
	var pick *store.EventSession
	for i := range ss {
		s := &ss[i]
		if s.RoomSlug == "" || s.Status == store.SessionCancelled {
			continue
		}
		switch {
		case pick == nil:
			pick = s
		case now.Before(s.EndsAt) && (!now.Before(pick.EndsAt) || s.StartsAt.Before(pick.StartsAt)):
			pick = s // under way or next, before a past one
		case !now.Before(pick.EndsAt) && !now.Before(s.EndsAt) && s.EndsAt.After(pick.EndsAt):
			pick = s // the last, when all are over
		}
	}
	title := e.Translations[l.Code].Title
	if title == "" {
		title = e.Translations[e.SourceLang].Title
	}
	p := LivePage{Title: title, Back: "/" + l.Code + "/events/" + e.Slug, State: StateEnded}
	for _, c := range e.Languages {
		if sfu.IsSignLanguage(c) {
			p.SignChannels = append(p.SignChannels, Channel{Code: strings.ToLower(c), Name: strings.ToUpper(c)})
			continue
		}
		if ml, ok := lang.Lookup(c); ok {
			p.Channels = append(p.Channels, Channel{Code: ml.Code, Name: ml.NativeName})
		} else {
			p.Channels = append(p.Channels, Channel{Code: c, Name: c})
		}
	}
	if pick != nil {
		room, err := h.p.DB.GetRoomBySlug(ctx, pick.RoomSlug)
		if err != nil {
			h.p.Kit.Fail(w, r, err)
			return
		}
		b, err := h.broadcastOf(ctx, room)
		if err != nil {
			h.p.Kit.Fail(w, r, err)
			return
		}
		p.Room, p.State = room.Slug, b.State
		p.Starts = pick.StartsAt.UTC().Format(time.RFC3339)
		if loc, err := time.LoadLocation(e.Zone); err == nil {
			p.StartsText = lang.FormatDateTime(l.Code, pick.StartsAt, loc, lang.Medium)
		}
	}
	h.renderLive(w, r, l, p)
}

// roomLivePage is /{lang}/rooms/{slug}/live: a public room's broadcast,
// for sessions whose event page is not the place (or not yet).
func (h *Handlers) roomLivePage(w http.ResponseWriter, r *http.Request) {
	l, ok := lang.Lookup(r.PathValue("lang"))
	if !ok {
		h.p.Kit.Fail(w, r, fault.ErrNotFound)
		return
	}
	room, err := h.p.DB.GetRoomBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	b, err := h.broadcastOf(r.Context(), room)
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	if !b.Public {
		h.p.Kit.Fail(w, r, fault.ErrNotFound)
		return
	}
	p := LivePage{Title: room.TitleIn(l.Code), Back: "/" + l.Code + "/events", Room: room.Slug, State: b.State}
	if b.Session != nil {
		p.Back = "/" + l.Code + "/events/" + b.Session.EventSlug
		p.Starts = b.Session.StartsAt.UTC().Format(time.RFC3339)
		p.StartsText = lang.FormatDateTime(l.Code, b.Session.StartsAt, time.UTC, lang.Medium)
	}
	h.renderLive(w, r, l, p)
}

func (h *Handlers) renderLive(w http.ResponseWriter, r *http.Request, l lang.Language, p LivePage) {
	if p.Room != "" {
		p.WHEP = "/whep/" + p.Room
	}
	msgs := make(map[string]string, len(liveKeys))
	for _, k := range liveKeys {
		msgs[strings.TrimPrefix(k, "broadcast_")] = h.p.Kit.Cat.T(l.Code, k)
	}
	p.Strings = msgs
	h.p.Kit.Render(w, r, http.StatusOK, "broadcast-live.html", httpx.Page{Title: p.Title, Data: p})
}
