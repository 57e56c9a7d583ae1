package broadcast

import (
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/mofa-vn/chancery/internal/store"
)

// httpError is a refusal of a WHEP or WHIP request: encoders and players
// read the status and show the body, plain text in the request's
// language (Accept-Language).
type httpError struct {
	status     int
	key        string
	retryAfter int // seconds; 0: none
}

func (e *httpError) Error() string { return "broadcast: " + e.key }

func statusErr(status int, key string) *httpError { return &httpError{status: status, key: key} }

func bodyErr(err error) error {
	if errors.Is(err, errTooLarge) {
		return statusErr(http.StatusRequestEntityTooLarge, "broadcast_error_too_large")
	}
	return statusErr(http.StatusBadRequest, "broadcast_error_bad_sdp")
}

// fail answers a WHEP or WHIP request with err.
func (h *Handlers) fail(w http.ResponseWriter, r *http.Request, err error) {
	var he *httpError
	switch {
	case errors.As(err, &he):
	case errors.Is(err, store.ErrNotFound):
		he = statusErr(http.StatusNotFound, "broadcast_error_no_room")
	default:
		h.p.Kit.Log.ErrorContext(r.Context(), "broadcast request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		he = statusErr(http.StatusInternalServerError, "broadcast_error_internal")
	}
	l := h.p.Kit.Lang(r)
	if he.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(he.retryAfter))
	}
	switch he.key {
	case "broadcast_error_not_live":
		w.Header().Set("Broadcast-State", string(StateUpcoming))
	case "broadcast_error_full":
		w.Header().Set("Broadcast-State", "full")
	case "broadcast_error_ended":
		w.Header().Set("Broadcast-State", string(StateEnded))
	}
	if he.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="chancery-whip"`)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Language", l.Code)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(he.status)
	_, _ = io.WriteString(w, h.p.Kit.Cat.T(l.Code, he.key)+"\n")
}
