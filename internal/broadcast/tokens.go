package broadcast

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/store"
)

var errNotModerator = &fault.Problem{Kind: fault.ErrForbidden, Key: "broadcast_error_not_moderator"}

// moderatedRoom returns the room of the request's {slug} if the viewer
// may manage its broadcast: those who moderate the room, as the
// conference decides (Params.Moderates: administrators, and staff
// assigned to the room as its moderators), since a WHIP token puts a feed
// in front of the public.
func (h *Handlers) moderatedRoom(r *http.Request) (store.Room, error) {
	ctx := r.Context()
	room, err := h.p.DB.GetRoomBySlug(ctx, r.PathValue("slug"))
	if err != nil {
		return store.Room{}, err
	}
	ok, err := h.p.Moderates(ctx, httpx.ViewerFrom(ctx), room)
	if err != nil {
		return store.Room{}, fmt.Errorf("broadcast: access to %s: %w", room.Slug, err)
	}
	if !ok {
		return store.Room{}, errNotModerator
	}
	return room, nil
}

// TokenInput is a request for a WHIP token.
type TokenInput struct {
	// Label names the encoder ("Studio A", "OBS press room").
	Label string `json:"label"`
	// Programme makes its feed the room's programme for broadcast viewers.
	Programme bool `json:"programme"`
}

// IssuedToken is a new WHIP token: the secret is shown this once.
type IssuedToken struct {
	TokenInfo
	Token string `json:"token"`
	// URL is the WHIP endpoint to give the encoder with the token.
	URL string `json:"url"`
}

// TokenInfo is a WHIP token as the API lists it.
type TokenInfo struct {
	store.WHIPToken
	RevokedAt *string `json:"revoked_at,omitempty"`
	// Sessions is how many sessions of the token publish now.
	Sessions int `json:"sessions"`
}

func (h *Handlers) tokenInfo(t store.WHIPToken) TokenInfo {
	ti := TokenInfo{WHIPToken: t}
	if t.Revoked() {
		at := t.RevokedAt.UTC().Format("2006-01-02T15:04:05Z")
		ti.RevokedAt = &at
	}
	h.mu.Lock()
	for _, r := range h.res {
		if r.kind == "whip" && r.tokenID == t.ID {
			ti.Sessions++
		}
	}
	h.mu.Unlock()
	return ti
}

// maxLabel bounds a token's label, in characters.
const maxLabel = 80

func (h *Handlers) issue(r *http.Request, in TokenInput) (IssuedToken, error) {
	room, err := h.moderatedRoom(r)
	if err != nil {
		return IssuedToken{}, err
	}
	in.Label = strings.TrimSpace(in.Label)
	if in.Label == "" {
		return IssuedToken{}, fault.Invalid("label", "broadcast_error_label_required")
	}
	if utf8.RuneCountInString(in.Label) > maxLabel || !httpx.ValidText(in.Label) {
		return IssuedToken{}, fault.Invalid("label", "broadcast_error_label_long")
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	secret := tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	v := httpx.ViewerFrom(r.Context())
	t, err := h.p.DB.CreateWHIPToken(r.Context(), store.WHIPToken{RoomID: room.ID, Label: in.Label, Programme: in.Programme, CreatedBy: v.User.ID}, hashToken(secret))
	if err != nil {
		return IssuedToken{}, err
	}
	h.audit(r.Context(), v, room, "whip_issue", fmt.Sprintf("token %d %q programme=%t", t.ID, t.Label, t.Programme))
	return IssuedToken{TokenInfo: h.tokenInfo(t), Token: secret, URL: httpx.Origin(r) + "/whip/" + room.Slug}, nil
}

// revoke revokes the token {id}: recorded first, so that it cannot publish
// again, then its sessions end.
func (h *Handlers) revoke(r *http.Request) (TokenInfo, error) {
	room, err := h.moderatedRoom(r)
	if err != nil {
		return TokenInfo{}, err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return TokenInfo{}, &fault.Problem{Kind: fault.ErrNotFound, Key: "broadcast_error_no_token"}
	}
	t, err := h.p.DB.RevokeWHIPToken(r.Context(), room.ID, id)
	if errors.Is(err, store.ErrNotFound) {
		return TokenInfo{}, &fault.Problem{Kind: fault.ErrNotFound, Key: "broadcast_error_no_token"}
	}
	if err != nil {
		return TokenInfo{}, err
	}
	h.endToken(t.ID)
	h.audit(r.Context(), httpx.ViewerFrom(r.Context()), room, "whip_revoke", fmt.Sprintf("token %d %q", t.ID, t.Label))
	return h.tokenInfo(t), nil
}

// endToken ends every session of the WHIP token id.
func (h *Handlers) endToken(id int64) {
	h.mu.Lock()
	var rs []*resource
	for _, r := range h.res {
		if r.kind == "whip" && r.tokenID == id {
			rs = append(rs, r)
		}
	}
	h.mu.Unlock()
	for _, r := range rs {
		r.session.Close()
	}
	h.p.SFU.Revoke(whipSessionID(id))
}

// audit records a staff action in the room's audit trail, as the
// conference area does.
func (h *Handlers) audit(ctx context.Context, v *httpx.Viewer, room store.Room, action, detail string) {
	err := h.p.DB.AddRoomAudit(ctx, store.RoomAudit{RoomSlug: room.Slug, ActorIdentity: "staff:" + v.User.Username,
		ActorName: v.User.DisplayName, Action: action, Detail: detail, CreatedAt: h.p.Now().UTC()})
	if err != nil {
		h.p.Kit.Log.Error("broadcast: audit", "action", action, "room", room.Slug, "err", err)
	}
}

// listTokens lists the WHIP tokens of the room {slug}.
func (h *Handlers) listTokens(r *http.Request) ([]TokenInfo, error) {
	room, err := h.moderatedRoom(r)
	if err != nil {
		return nil, err
	}
	ts, err := h.p.DB.ListWHIPTokens(r.Context(), room.ID)
	if err != nil {
		return nil, err
	}
	out := make([]TokenInfo, 0, len(ts))
	for _, t := range ts {
		out = append(out, h.tokenInfo(t))
	}
	return out, nil
}

func (h *Handlers) apiList(w http.ResponseWriter, r *http.Request) {
	httpx.API(h.p.Kit, http.StatusOK, h.listTokens)(w, r)
}

func (h *Handlers) apiIssue(w http.ResponseWriter, r *http.Request) {
	httpx.APIWith(h.p.Kit, http.StatusCreated, h.issue)(w, r)
}

func (h *Handlers) apiRevoke(w http.ResponseWriter, r *http.Request) {
	httpx.API(h.p.Kit, http.StatusOK, h.revoke)(w, r)
}
