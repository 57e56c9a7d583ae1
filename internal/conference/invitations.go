package conference

import (
	"crypto/rand"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/store"
)

// Invitations are issued for one person or a list, valid in a window the
// issuer chooses: from a start (at once by default) until an end (the
// room's closing time, else the configured lifetime), at most
// MaxInvitationWindow long.

// MaxInvitationWindow is the longest an invitation stays valid.
const MaxInvitationWindow = 30 * 24 * time.Hour

// maxLead is how far ahead an invitation may start.
const maxLead = 366 * 24 * time.Hour

// MaxInvitees is the longest list issued at once.
const MaxInvitees = 500

// window is when an invitation opens the room; a zero from is at once.
type window struct{ from, until time.Time }

// invitationWindow checks the requested window, filling in the defaults.
func (h *Handlers) invitationWindow(room store.Room, from, until *time.Time) (window, error) {
	now := h.p.Now()
	w := window{from: deref(from), until: deref(until)}
	if !w.from.After(now) {
		w.from = time.Time{}
	}
	start := now
	if !w.from.IsZero() {
		start = w.from
	}
	if w.from.After(now.Add(maxLead)) {
		return window{}, &fault.Problem{Kind: fault.ErrInvalid, Key: "room_invite_window_invalid", Field: "not_before"}
	}
	if until == nil {
		w.until = start.Add(h.p.TTL)
		if room.ClosesAt.After(start) {
			w.until = room.ClosesAt
		}
		w.until = minTime(w.until, start.Add(MaxInvitationWindow))
	}
	if !w.until.After(start) {
		return window{}, &fault.Problem{Kind: fault.ErrInvalid, Key: "room_invite_window_invalid", Field: "expires_at"}
	}
	if w.until.Sub(start) > MaxInvitationWindow {
		return window{}, &fault.Problem{Kind: fault.ErrInvalid, Key: "room_invite_window_too_long", Field: "expires_at",
			Data: map[string]any{"Days": int(MaxInvitationWindow / (24 * time.Hour))}}
	}
	return w, nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// Invitee is one person of a list of invitations.
type Invitee struct {
	Identity   string `json:"identity"`
	Name       string `json:"name"`
	Delegation string `json:"delegation"`
	Role       string `json:"role"`
	// Booth is an interpreter's language booth (fr, es, …).
	Booth string `json:"booth,omitempty"`
}

// Invitations is a request to invite a list of people at once.
type Invitations struct {
	Invitees []Invitee `json:"invitees"`
	// Role is the role of the invitees without one.
	Role      string     `json:"role"`
	NotBefore *time.Time `json:"not_before"`
	ExpiresAt *time.Time `json:"expires_at"`
	Lang      string     `json:"lang"`
}

// Batch is the invitations issued for a list, in its order.
type Batch struct {
	Invitations []Issued `json:"invitations"`
}

// lineError is a refusal of entry n (from 1) of a list.
func lineError(kind error, key string, n int, field string) error {
	return &fault.Problem{Kind: kind, Key: key, Data: map[string]any{"Line": n}, Field: field}
}

// parseList reads a pasted list: one person per line, either a name alone
// or "identity,name,role" with an optional fourth column, the delegation,
// and an optional fifth, an interpreter's booth (CSV quoting allowed). Empty lines and a header line are skipped; an
// empty role is the form's.
func parseList(text string) ([]Invitee, error) {
	var out []Invitee
	for i, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		n := i + 1
		if strings.TrimSpace(line) == "" {
			continue
		}
		cr := csv.NewReader(strings.NewReader(line))
		cr.FieldsPerRecord = -1
		cr.TrimLeadingSpace = true
		rec, err := cr.Read()
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, lineError(fault.ErrInvalid, "room_invite_line_format", n, "list")
		}
		for j := range rec {
			rec[j] = strings.TrimSpace(rec[j])
		}
		switch len(rec) {
		case 1:
			out = append(out, Invitee{Name: rec[0]})
		case 3, 4, 5:
			if len(out) == 0 && strings.EqualFold(rec[0], "identity") && strings.EqualFold(rec[1], "name") {
				continue // a header
			}
			in := Invitee{Identity: rec[0], Name: rec[1], Role: rec[2]}
			if len(rec) >= 4 {
				in.Delegation = rec[3]
			}
			if len(rec) == 5 {
				in.Booth = rec[4]
			}
			if in.Identity == "" {
				return nil, lineError(fault.ErrInvalid, "room_invite_line_invalid", n, "list")
			}
			out = append(out, in)
		default:
			return nil, lineError(fault.ErrInvalid, "room_invite_line_format", n, "list")
		}
		if len(out) > MaxInvitees {
			return nil, &fault.Problem{Kind: fault.ErrInvalid, Key: "room_invite_list_too_long", Field: "list", Data: map[string]any{"Max": MaxInvitees}}
		}
	}
	return out, nil
}

// newIdentity names an invitee the list gave a name only.
func newIdentity() string {
	const digits = "abcdefghijklmnopqrstuvwxyz234567"
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = digits[int(b[i])%len(digits)]
	}
	return "guest-" + string(b)
}

// RoleHead, in an invitation list, is a head of delegation: a delegate
// whose token says so (sfu.Claims.Head), who answers the roll call and
// votes for the delegation, or designates who does.
const RoleHead = "head"

// checkInvitees cleans the list and checks every entry before anything is
// issued: a bad entry refuses the whole list, naming its line.
func checkInvitees(list []Invitee, defRole string, a access, field string) ([]Invitee, error) {
	if len(list) == 0 {
		return nil, &fault.Problem{Kind: fault.ErrInvalid, Key: "room_invite_list_empty", Field: field}
	}
	if len(list) > MaxInvitees {
		return nil, &fault.Problem{Kind: fault.ErrInvalid, Key: "room_invite_list_too_long", Field: field, Data: map[string]any{"Max": MaxInvitees}}
	}
	seen := map[string]bool{}
	out := make([]Invitee, 0, len(list))
	for i, in := range list {
		n := i + 1
		in.Identity, in.Name, in.Delegation, in.Role = strings.TrimSpace(in.Identity), strings.TrimSpace(in.Name), strings.TrimSpace(in.Delegation), strings.TrimSpace(in.Role)
		in.Booth = strings.ToLower(strings.TrimSpace(in.Booth))
		if in.Role == "" {
			in.Role = defRole
		}
		if in.Identity == "" {
			in.Identity = newIdentity()
		}
		if utf8.RuneCountInString(in.Identity) > 128 || in.Name == "" || utf8.RuneCountInString(in.Name) > 100 || utf8.RuneCountInString(in.Delegation) > 100 {
			return nil, lineError(fault.ErrInvalid, "room_invite_line_invalid", n, field)
		}
		role := sfu.Role(in.Role)
		if in.Role == RoleHead {
			// A head of delegation is a delegate who votes for it.
			if in.Delegation == "" {
				return nil, lineError(fault.ErrInvalid, "room_invite_line_head", n, field)
			}
			role = sfu.RoleDelegate
		}
		if !role.Valid() {
			return nil, lineError(fault.ErrInvalid, "room_invite_line_role", n, field)
		}
		if in.Booth != "" && (role != sfu.RoleInterpreter || len(in.Booth) > 16 || !languageCode.MatchString(in.Booth)) {
			// A booth is an interpreter's, and a language.
			return nil, lineError(fault.ErrInvalid, "room_invite_line_invalid", n, field)
		}
		if !a.may(role) {
			return nil, lineError(fault.ErrForbidden, "room_invite_line_forbidden", n, field)
		}
		if seen[in.Identity] {
			return nil, lineError(fault.ErrInvalid, "room_invite_line_duplicate", n, field)
		}
		seen[in.Identity] = true
		out = append(out, in)
	}
	return out, nil
}

// issueAll signs an invitation for each invitee, records them all at once
// (a token not recorded could not be revoked, so none is handed out unless
// every record is written) and returns their links in language code.
func (h *Handlers) issueAll(r *http.Request, room store.Room, list []Invitee, w window, code string) ([]Issued, error) {
	ctx := r.Context()
	if room.Archived() {
		return nil, errArchived
	}
	v := httpx.ViewerFrom(ctx)
	signer := h.p.SFU.Signer()
	tokens := make([]string, len(list))
	records := make([]store.RoomToken, len(list))
	for i, in := range list {
		role, head := sfu.Role(in.Role), in.Role == RoleHead
		if head {
			role = sfu.RoleDelegate
		}
		c := sfu.Claims{ID: sfu.NewTokenID(), Room: room.Slug, Identity: in.Identity, Name: in.Name, Delegation: in.Delegation,
			Head: head, Role: role, Booth: strings.TrimSpace(in.Booth), Permissions: sfu.DefaultPermissions(role)}
		tok, err := signer.IssueWindow(c, w.from, w.until)
		if err != nil {
			return nil, &fault.Problem{Kind: fault.ErrInvalid, Key: "room_admin_invalid", Err: err}
		}
		// Read the claims back as a join will: the record matches the token.
		if c, err = verifyIssued(signer, tok); err != nil {
			return nil, err
		}
		tokens[i] = tok
		rec := store.RoomToken{ID: c.ID, RoomID: room.ID, Identity: c.Identity, Name: c.Name, Role: string(c.Role), IssuedBy: v.User.ID,
			IssuedAt: time.Unix(c.IssuedAt, 0), ExpiresAt: time.Unix(c.ExpiresAt, 0)}
		if c.NotBefore != 0 {
			rec.NotBefore = time.Unix(c.NotBefore, 0)
		}
		records[i] = rec
	}
	if _, err := h.p.DB.PurgeRoomTokens(ctx); err != nil {
		h.p.Kit.Log.Warn("conference: purge expired tokens", "err", err)
	}
	if err := h.p.DB.CreateRoomTokens(ctx, records); err != nil {
		return nil, err
	}
	base := h.p.PublicURL
	if base == "" {
		base = httpx.Origin(r)
	}
	out := make([]Issued, len(records))
	for i, t := range records {
		h.audit(ctx, v, room, "invite", t.Identity, t.Role+" "+t.ID)
		out[i] = Issued{ID: t.ID, Token: tokens[i], URL: JoinURL(base, code, room.Slug, tokens[i]), ExpiresAt: t.ExpiresAt.UTC(),
			NotBefore: optTime(t.NotBefore), Identity: t.Identity, Name: t.Name, Role: t.Role}
		if list[i].Role == RoleHead {
			out[i].Role = RoleHead
		}
	}
	return out, nil
}

// verifyIssued reads back a token just signed, as a join will, but
// whatever its window: one that starts later is not valid yet, which is
// what was asked.
func verifyIssued(s *sfu.Signer, tok string) (sfu.Claims, error) {
	c, err := s.Inspect(tok)
	if err != nil {
		return sfu.Claims{}, fmt.Errorf("conference: read the token just issued: %w", err)
	}
	return c, nil
}

// linkLang is the language of the join links: the one asked for, else the
// request's.
func (h *Handlers) linkLang(r *http.Request, code string) (string, error) {
	if code == "" {
		return h.p.Kit.Lang(r).Code, nil
	}
	if _, ok := lang.Lookup(code); !ok {
		return "", &fault.Problem{Kind: fault.ErrInvalid, Key: "room_admin_invalid", Field: "lang"}
	}
	return code, nil
}

func (h *Handlers) apiInviteList(w http.ResponseWriter, r *http.Request) {
	var in Invitations
	if err := httpx.DecodeJSON(r, &in); err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	out, err := h.inviteList(r, in.Invitees, in.Role, in.NotBefore, in.ExpiresAt, in.Lang, "invitees")
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	h.p.Kit.JSON(w, http.StatusCreated, Batch{Invitations: out})
}

// inviteList checks the viewer's access, the window and every entry, then
// issues them all.
func (h *Handlers) inviteList(r *http.Request, list []Invitee, defRole string, from, until *time.Time, code, field string) ([]Issued, error) {
	room, a, err := h.managedRoom(r)
	if err != nil {
		return nil, err
	}
	if room.Archived() {
		return nil, errArchived
	}
	if defRole == "" {
		defRole = string(sfu.RoleDelegate)
	}
	if code, err = h.linkLang(r, code); err != nil {
		return nil, err
	}
	wnd, err := h.invitationWindow(room, from, until)
	if err != nil {
		return nil, err
	}
	list, err = checkInvitees(list, defRole, a, field)
	if err != nil {
		return nil, err
	}
	return h.issueAll(r, room, list, wnd, code)
}
