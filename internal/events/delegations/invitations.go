package delegations

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/mail"
	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/store"
)

// Invitations: an accredited person gets, for each session of the event
// that has a conference room, a personal join token (identity
// "reg-{id}"), valid from JoinLead before the session starts until it
// ends, recorded in the room's tokens so that staff can revoke it. Their
// invitation e-mail (through the outbox) lists the sessions with the join
// links, carries the .ics of their sessions and the address of their
// private calendar, /{lang}/accreditation/calendar/{token}.ics. A person
// withdrawn, rejected or sent back to pending loses their tokens.

// JoinLead is how long before a session starts its join link opens.
const JoinLead = 15 * time.Minute

// Invites are what the invitations need from outside this package.
type Invites struct {
	// Signer signs the join tokens (the conference's).
	Signer *sfu.Signer
	// CalendarKey keys the private calendar tokens (at least 32 bytes).
	CalendarKey []byte
	// ICS writes the calendar of the event's sessions listed, in the
	// language code, with join returning each session's personal link
	// (internal/events' ICS).
	ICS func(e store.Event, sessions []store.EventSession, only []int64, code, origin string, stamp time.Time, join func(store.EventSession) string) []byte
}

var errCalendar = &fault.Problem{Kind: fault.ErrNotFound, Key: "delegations_error_link_invalid"}

// identityOf is a registration's identity in the rooms, stable across
// re-issues.
func identityOf(regID int64) string { return "reg-" + strconv.FormatInt(regID, 10) }

// roleOf maps a registration category to a conference role: heads of
// delegation, delegates and advisers speak as delegates; interpreters
// interpret; observers and the press listen.
func roleOf(category string) sfu.Role {
	switch category {
	case "interpreter":
		return sfu.RoleInterpreter
	case "observer", "press":
		return sfu.RoleObserver
	}
	return sfu.RoleDelegate
}

// CalendarToken returns the private calendar token of a registration:
// its ID and a MAC of it, so that it cannot be guessed or altered.
func (s *Service) CalendarToken(regID int64) string {
	id := strconv.FormatInt(regID, 10)
	return id + "-" + s.calendarMAC(id)
}

func (s *Service) calendarMAC(id string) string {
	m := hmac.New(sha256.New, s.Invites.CalendarKey)
	m.Write([]byte("chancery accreditation calendar " + id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:24])
}

// calendarID returns the registration ID of a genuine calendar token.
func (s *Service) calendarID(token string) (int64, bool) {
	if s.Invites == nil || len(token) > 80 {
		return 0, false
	}
	id, mac, ok := strings.Cut(token, "-")
	n, err := strconv.ParseInt(id, 10, 64)
	if !ok || err != nil || n <= 0 || strconv.FormatInt(n, 10) != id || !hmac.Equal([]byte(mac), []byte(s.calendarMAC(id))) {
		return 0, false
	}
	return n, true
}

// registrationOfCalendar returns the accredited registration of a calendar
// token; anything else is errCalendar.
func (s *Service) registrationOfCalendar(ctx context.Context, token string) (store.Registration, error) {
	n, ok := s.calendarID(token)
	if !ok {
		return store.Registration{}, errCalendar
	}
	r, err := s.DB.GetRegistration(ctx, n)
	if isNotFound(err) || err == nil && r.State != store.RegAccredited {
		return store.Registration{}, errCalendar
	}
	return r, err
}

// personalTokens returns the live tokens of the registration by session
// ID, issuing those missing when issue is set.
func (s *Service) personalTokens(ctx context.Context, r store.Registration, d store.Delegation, sessions []store.EventSession, issue bool) (map[int64]store.RoomToken, error) {
	out := map[int64]store.RoomToken{}
	identity := identityOf(r.ID)
	now := s.Now()
	var fresh []store.RoomToken
	for _, ss := range sessions {
		if ss.RoomID == 0 || ss.RoomSlug == "" || ss.Status == store.SessionCancelled || !ss.EndsAt.After(now) {
			continue
		}
		toks, err := s.DB.ListRoomTokens(ctx, ss.RoomID)
		if err != nil {
			return nil, err
		}
		for _, t := range toks {
			if t.Identity == identity && !t.Revoked() && t.ExpiresAt.Unix() == ss.EndsAt.Unix() && t.NotBefore.Unix() == ss.StartsAt.Add(-JoinLead).Unix() {
				out[ss.ID] = t
			}
		}
		if _, ok := out[ss.ID]; ok || !issue {
			continue
		}
		t := store.RoomToken{ID: sfu.NewTokenID(), RoomID: ss.RoomID, Identity: identity, Name: truncate(r.Name, 100), Role: string(roleOf(r.Category)),
			IssuedAt: now.Truncate(time.Second), NotBefore: ss.StartsAt.Add(-JoinLead).Truncate(time.Second), ExpiresAt: ss.EndsAt.Truncate(time.Second)}
		fresh = append(fresh, t)
		out[ss.ID] = t
	}
	if len(fresh) > 0 {
		if err := s.DB.CreateRoomTokens(ctx, fresh); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// joinLink signs the recorded token t (its ID, so revoking the record
// revokes the link) for the room, in language code.
// A head of delegation's token says so: the head answers the roll call and
// votes for the delegation, or designates who does.
func (s *Service) joinLink(t store.RoomToken, slug, delegation, code string, head bool) (string, error) {
	role := sfu.Role(t.Role)
	c := sfu.Claims{ID: t.ID, Room: slug, Identity: t.Identity, Name: t.Name, Delegation: truncate(delegation, 100), Role: role,
		Head: head && role == sfu.RoleDelegate, Permissions: sfu.DefaultPermissions(role)}
	tok, err := s.Invites.Signer.IssueWindow(c, t.NotBefore, t.ExpiresAt)
	if err != nil {
		return "", err
	}
	return strings.TrimRight(s.PublicURL, "/") + "/" + code + "/rooms/" + slug + "?t=" + url.QueryEscape(tok), nil
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// calendarOf returns the .ics of the registration's sessions with their
// join links, issuing the missing tokens when issue is set, and the
// sessions listed.
func (s *Service) calendarOf(ctx context.Context, r store.Registration, d store.Delegation, issue bool) ([]byte, []store.EventSession, map[int64]string, error) {
	e, err := s.DB.GetEvent(ctx, r.EventID)
	if err != nil {
		return nil, nil, nil, err
	}
	sessions, err := s.DB.ListEventSessions(ctx, r.EventID)
	if err != nil {
		return nil, nil, nil, err
	}
	toks, err := s.personalTokens(ctx, r, d, sessions, issue)
	if err != nil {
		return nil, nil, nil, err
	}
	links := map[int64]string{}
	only := []int64{}
	var listed []store.EventSession
	for _, ss := range sessions {
		if ss.RoomID == 0 {
			continue
		}
		only = append(only, ss.ID)
		listed = append(listed, ss)
		if t, ok := toks[ss.ID]; ok {
			// The delegation's name in the event's source language, the
			// same for every member whatever language they registered in:
			// the room counts roll calls and votes by delegation.
			if links[ss.ID], err = s.joinLink(t, ss.RoomSlug, NameIn(d, e.SourceLang), r.Lang, r.Category == "head"); err != nil {
				return nil, nil, nil, err
			}
		}
	}
	ics := s.Invites.ICS(e, sessions, only, r.Lang, strings.TrimRight(s.PublicURL, "/"), s.Now(), func(ss store.EventSession) string { return links[ss.ID] })
	return ics, listed, links, nil
}

// Invite issues the accredited registration's join tokens and queues its
// invitation e-mail (when e-mail is on).
func (s *Service) Invite(ctx context.Context, r store.Registration) error {
	return s.invite(ctx, r, "accredited")
}

// invite issues the missing tokens and queues the mail of the kind:
// "accredited" (the invitation) or "update" (a session changed).
func (s *Service) invite(ctx context.Context, r store.Registration, kind string) error {
	if s.Invites == nil || r.State != store.RegAccredited {
		return nil
	}
	d, err := s.DB.GetDelegation(ctx, r.DelegationID)
	if err != nil {
		return err
	}
	ics, sessions, links, err := s.calendarOf(ctx, r, d, true)
	if err != nil || !s.MailOn() {
		return err
	}
	code := r.Lang
	ev := s.eventOr(ctx, r.EventID)
	e, err := s.DB.GetEvent(ctx, r.EventID)
	if err != nil {
		return err
	}
	data := map[string]any{"Name": r.Name, "Event": ev.TitleIn(code), "Delegation": NameIn(d, code),
		"Category": s.Cat.T(code, "delegations_category_"+r.Category, nil)}
	var b strings.Builder
	b.WriteString(s.Cat.T(code, "delegations_mail_accredited_text", data))
	if kind == "update" {
		b.Reset()
		b.WriteString(s.Cat.T(code, "delegations_mail_update_text", data))
	}
	m := mail.Message{To: r.Email, Subject: s.Cat.T(code, "delegations_mail_"+kind+"_subject", data)}
	if len(sessions) == 0 { // no session with a room yet: the accreditation alone
		m.Text = b.String() + "\n\n-- \n" + s.Cat.T(code, "delegations_mail_footer", data) + "\n"
		return s.enqueue(ctx, r, m)
	}
	b.WriteString("\n\n")
	b.WriteString(s.Cat.T(code, "delegations_mail_invitation_sessions", data))
	b.WriteString("\n")
	loc, err := time.LoadLocation(e.Zone)
	if err != nil {
		loc = time.UTC
	}
	for _, ss := range sessions {
		title := ss.Titles[code]
		if title == "" {
			title = ss.Titles[e.SourceLang]
		}
		fmt.Fprintf(&b, "\n- %s (%s – %s %s)\n", title, ss.StartsAt.In(loc).Format("2006-01-02 15:04"), ss.EndsAt.In(loc).Format("15:04"), e.Zone)
		if l := links[ss.ID]; l != "" {
			b.WriteString("  " + l + "\n")
		}
	}
	b.WriteString("\n" + s.Cat.T(code, "delegations_mail_invitation_calendar", data) + "\n")
	b.WriteString(strings.TrimRight(s.PublicURL, "/") + "/" + code + "/accreditation/calendar/" + s.CalendarToken(r.ID) + ".ics\n")
	b.WriteString("\n" + s.Cat.T(code, "delegations_register_edit_link", data) + "\n")
	b.WriteString(strings.TrimRight(s.PublicURL, "/") + "/" + code + "/accreditation/mine/" + s.EditToken(r.ID) + "\n")
	b.WriteString("\n-- \n" + s.Cat.T(code, "delegations_mail_footer", data) + "\n")
	m.Text = b.String()
	m.Attachments = []mail.Attachment{{Name: ev.Slug + ".ics", ContentType: "text/calendar; charset=utf-8; method=PUBLISH", Data: ics}}
	return s.enqueue(ctx, r, m)
}

// enqueue writes m to the outbox and wakes the relay.
func (s *Service) enqueue(ctx context.Context, r store.Registration, m mail.Message) error {
	msg, err := m.Bytes(s.MailFrom, s.Now())
	if err != nil {
		return err
	}
	if err := s.DB.EnqueueMail(ctx, store.OutboxMail{Recipient: r.Email, Message: msg}); err != nil {
		return err
	}
	if s.MailQueued != nil {
		s.MailQueued()
	}
	return nil
}

// InviteAll issues the tokens of every accredited person of the event
// and sends their invitations; it returns how many were invited.
func (s *Service) InviteAll(ctx context.Context, eventID int64) (int, error) {
	regs, err := s.DB.ListRegistrations(ctx, store.RegistrationFilter{EventID: eventID})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range regs {
		if r.State != store.RegAccredited {
			continue
		}
		if err := s.Invite(ctx, r); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// RevokeInvitations revokes every token of the registration in the
// event's rooms.
func (s *Service) RevokeInvitations(ctx context.Context, r store.Registration, by int64) error {
	if s.Invites == nil {
		return nil
	}
	sessions, err := s.DB.ListEventSessions(ctx, r.EventID)
	if err != nil {
		return err
	}
	identity := identityOf(r.ID)
	seen := map[int64]bool{}
	for _, ss := range sessions {
		if ss.RoomID == 0 || seen[ss.RoomID] {
			continue
		}
		seen[ss.RoomID] = true
		toks, err := s.DB.ListRoomTokens(ctx, ss.RoomID)
		if err != nil {
			return err
		}
		for _, t := range toks {
			if t.Identity == identity && !t.Revoked() {
				if err := s.DB.RevokeRoomToken(ctx, ss.RoomID, t.ID, by); err != nil && !isNotFound(err) {
					return err
				}
			}
		}
	}
	return nil
}

// SessionChanged follows sessions added, moved or cancelled (several at
// once when the venue's zone changes): each accredited person of the
// event loses their tokens of the sessions' rooms that no longer match a
// session's window, gets the new ones and, with e-mail on, one updated
// calendar (its SEQUENCE raised) in their language.
func (s *Service) SessionChanged(ctx context.Context, eventID int64, sessionIDs ...int64) {
	if err := s.sessionChanged(ctx, eventID, sessionIDs); err != nil {
		s.Log.ErrorContext(ctx, "delegations: session update", "event", eventID, "sessions", sessionIDs, "err", err)
	}
}

func (s *Service) sessionChanged(ctx context.Context, eventID int64, sessionIDs []int64) error {
	if s.Invites == nil || len(sessionIDs) == 0 {
		return nil
	}
	sessions, err := s.DB.ListEventSessions(ctx, eventID)
	if err != nil {
		return err
	}
	changedRooms := map[int64]bool{}
	for _, ss := range sessions {
		if slices.Contains(sessionIDs, ss.ID) && ss.RoomID != 0 {
			changedRooms[ss.RoomID] = true
		}
	}
	if len(changedRooms) == 0 {
		return nil
	}
	// The windows each room's tokens may still have.
	type window struct {
		room        int64
		from, until int64
	}
	live := map[window]bool{}
	for _, ss := range sessions {
		if changedRooms[ss.RoomID] && ss.Status != store.SessionCancelled {
			live[window{ss.RoomID, ss.StartsAt.Add(-JoinLead).Unix(), ss.EndsAt.Unix()}] = true
		}
	}
	var toks []store.RoomToken
	for room := range changedRooms {
		ts, err := s.DB.ListRoomTokens(ctx, room)
		if err != nil {
			return err
		}
		toks = append(toks, ts...)
	}
	regs, err := s.DB.ListRegistrations(ctx, store.RegistrationFilter{EventID: eventID})
	if err != nil {
		return err
	}
	for _, r := range regs {
		if r.State != store.RegAccredited {
			continue
		}
		identity := identityOf(r.ID)
		for _, t := range toks {
			if t.Identity == identity && !t.Revoked() && !live[window{t.RoomID, t.NotBefore.Unix(), t.ExpiresAt.Unix()}] {
				if err := s.DB.RevokeRoomToken(ctx, t.RoomID, t.ID, 0); err != nil {
					return err
				}
			}
		}
		if err := s.invite(ctx, r, "update"); err != nil {
			return err
		}
	}
	return nil
}

// afterDecision issues or revokes the person's tokens once a decision is
// recorded.
func (s *Service) afterDecision(ctx context.Context, before string, r store.Registration, actor Actor) {
	var err error
	switch {
	case r.State == store.RegAccredited && before != store.RegAccredited:
		err = s.Invite(ctx, r)
	case r.State != store.RegAccredited && before == store.RegAccredited:
		err = s.RevokeInvitations(ctx, r, actor.UserID)
	}
	if err != nil {
		s.Log.ErrorContext(ctx, "delegations: invitations", "registration", r.ID, "err", err)
	}
}

func (h *Handlers) calendar(w http.ResponseWriter, r *http.Request) {
	token, ok := strings.CutSuffix(r.PathValue("file"), ".ics")
	if !ok {
		h.kit.Fail(w, r, errCalendar)
		return
	}
	reg, err := h.s.registrationOfCalendar(r.Context(), token)
	var d store.Delegation
	if err == nil {
		d, err = h.s.DB.GetDelegation(r.Context(), reg.DelegationID)
	}
	var ics []byte
	if err == nil {
		ics, _, _, err = h.s.calendarOf(r.Context(), reg, d, false)
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "text/calendar; charset=utf-8")
	hdr.Set("Cache-Control", "private, no-store")
	hdr.Set("Referrer-Policy", "no-referrer")
	hdr.Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(ics)
}

func (h *Handlers) adminInviteAll(w http.ResponseWriter, r *http.Request) {
	eventID, err := pathID(r, "id")
	if err == nil {
		_, err = h.s.event(r.Context(), eventID)
	}
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	if h.s.Invites == nil {
		h.kit.Fail(w, r, errors.New("delegations: invitations are not configured"))
		return
	}
	n, err := h.s.InviteAll(r.Context(), eventID)
	code := h.kit.Lang(r).Code
	h.adminResult(w, r, err, AdminPage{Notice: h.kit.Cat.T(code, "delegations_notice_invited", map[string]any{"Count": n})})
}
