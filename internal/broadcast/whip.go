package broadcast

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/store"
)

// tokenPrefix marks Chancery's WHIP tokens, so that a leaked one is
// recognised by secret scanners.
const tokenPrefix = "chwhip_"

// hashToken is the stored form of a token: only its SHA-256.
func hashToken(t string) string {
	s := sha256.Sum256([]byte(t))
	return hex.EncodeToString(s[:])
}

// bearer returns the request's bearer token (RFC 6750 §2.1).
func bearer(r *http.Request) string {
	a := r.Header.Get("Authorization")
	if len(a) < 7 || !strings.EqualFold(a[:7], "bearer ") {
		return ""
	}
	return strings.TrimSpace(a[7:])
}

// tokenFor checks the request's bearer token for room: 401 when there is
// none, it is unknown or revoked (RFC 9725 §4.5), 403 when it is valid for
// another room.
func (h *Handlers) tokenFor(r *http.Request, room string) (store.WHIPToken, error) {
	raw := bearer(r)
	if raw == "" || len(raw) > 256 {
		return store.WHIPToken{}, statusErr(http.StatusUnauthorized, "broadcast_error_token")
	}
	t, err := h.p.DB.WHIPTokenByHash(r.Context(), hashToken(raw))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return store.WHIPToken{}, statusErr(http.StatusUnauthorized, "broadcast_error_token")
	case err != nil:
		return store.WHIPToken{}, err
	case t.Revoked():
		return store.WHIPToken{}, statusErr(http.StatusUnauthorized, "broadcast_error_token_revoked")
	case t.RoomSlug != room:
		return store.WHIPToken{}, statusErr(http.StatusForbidden, "broadcast_error_token_room")
	}
	return t, nil
}

// authorised checks that a PATCH or DELETE on a WHIP resource carries the
// token that created it, answering the refusal itself.
func (h *Handlers) authorised(w http.ResponseWriter, r *http.Request, res *resource) bool {
	t, err := h.tokenFor(r, res.room)
	if err == nil && t.ID != res.tokenID {
		err = statusErr(http.StatusForbidden, "broadcast_error_token_session")
	}
	if err != nil {
		h.fail(w, r, err)
		return false
	}
	return true
}

// whipPost publishes an encoder into the room of its token: 201 with the
// SDP answer.
func (h *Handlers) whipPost(w http.ResponseWriter, r *http.Request) {
	cors(w)
	room := r.PathValue("room")
	t, err := h.tokenFor(r, room)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	offer, err := offerOf(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	rm, err := h.p.DB.GetRoomBySlug(r.Context(), room)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if rm.Archived() {
		h.fail(w, r, statusErr(http.StatusGone, "broadcast_error_archived"))
		return
	}
	in, answer, err := answerWith(r, func(ctx context.Context) (*sfu.Ingest, string, error) {
		return h.p.SFU.Ingest(ctx, sfu.IngestParams{Room: room, TokenID: whipSessionID(t.ID), Name: t.Label, Programme: t.Programme, Offer: offer})
	})
	if pe := (*sfu.ProtocolError)(nil); errors.As(err, &pe) {
		err = errFull(5) // the room refused the participant (it is closing)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.created(w, h.add("whip", room, t.ID, in), answer)
}

// whipSessionID is the identity the SFU knows a WHIP token's sessions by:
// revoking the token ends them (sfu.Server.Revoke).
func whipSessionID(id int64) string { return "whip-" + strconv.FormatInt(id, 10) }
