package broadcast

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strconv"

	"github.com/mofa-vn/chancery/internal/sfu"
)

// whepPost opens a WHEP viewer of a public, live room: 201 with the SDP
// answer; 403 for a closed room, 410 for an ended broadcast, 503 with
// Retry-After for one not live yet.
func (h *Handlers) whepPost(w http.ResponseWriter, r *http.Request) {
	cors(w)
	offer, err := offerOf(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	code := r.URL.Query().Get("lang")
	if code != "" && !langTag.MatchString(code) {
		h.fail(w, r, statusErr(http.StatusBadRequest, "broadcast_error_bad_lang"))
		return
	}
	sign := r.URL.Query().Get("sign")
	if sign != "" && (!langTag.MatchString(sign) || !sfu.IsSignLanguage(sign)) {
		h.fail(w, r, statusErr(http.StatusBadRequest, "broadcast_error_bad_lang"))
		return
	}
	room, err := h.p.DB.GetRoomBySlug(r.Context(), r.PathValue("room"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	b, err := h.broadcastOf(r.Context(), room)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	switch {
	case !b.Public:
		h.fail(w, r, statusErr(http.StatusForbidden, "broadcast_error_closed"))
		return
	case b.State == StateEnded:
		h.fail(w, r, statusErr(http.StatusGone, "broadcast_error_ended"))
		return
	case b.State != StateLive:
		h.fail(w, r, errNotLive())
		return
	}
	if h.p.SFU.Viewers() >= h.p.MaxViewers {
		h.fail(w, r, errFull(30))
		return
	}
	v, answer, err := answerWith(r, func(ctx context.Context) (*sfu.Viewer, string, error) {
		return h.p.SFU.View(ctx, sfu.ViewParams{Room: room.Slug, Offer: offer, Lang: code, Sign: sign})
	})
	if errors.Is(err, sfu.ErrNotLive) {
		err = errNotLive()
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if v.Floor() {
		// The player mixes the floor (second audio) in at the room's level.
		w.Header().Set("Interpretation-Ducking", strconv.Itoa(v.Ducking()))
	}
	h.created(w, h.add("whep", room.Slug, 0, v), answer)
}

// errNotLive is the refusal of a viewer before the broadcast is live: 503
// with when to try again.
func errNotLive() error {
	return &httpError{status: http.StatusServiceUnavailable, key: "broadcast_error_not_live", retryAfter: int(retryAfter.Seconds())}
}

// langTag is a language a channel may carry: a BCP 47 primary tag with
// optional subtags (interpreters may work into languages the portal does
// not have).
var langTag = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$`)
