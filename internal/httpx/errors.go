package httpx

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/mofa-vn/chancery/internal/store"
)

// Error is an error a user can act on: an HTTP status and a message key in
// the locales catalogue, with the data its template needs.
type Error struct {
	Status int
	Key    string         // message ID, shown in the user's language
	Data   map[string]any // template data of the message
	Field  string         // form or JSON field at fault, if any
	Err    error          // cause, for logs only
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("httpx: %d %s: %v", e.Status, e.Key, e.Err)
	}
	return fmt.Sprintf("httpx: %d %s", e.Status, e.Key)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf is a shorthand for a user-facing error.
func Errorf(status int, key string, data map[string]any) *Error {
	return &Error{Status: status, Key: key, Data: data}
}

// Common user-facing errors.
var (
	ErrUnauthorized = &Error{Status: http.StatusUnauthorized, Key: "error_unauthorized"}
	ErrForbidden    = &Error{Status: http.StatusForbidden, Key: "error_forbidden"}
	ErrNotFound     = &Error{Status: http.StatusNotFound, Key: "error_not_found"}
	ErrConflict     = &Error{Status: http.StatusConflict, Key: "error_conflict"}
	ErrTooLarge     = &Error{Status: http.StatusRequestEntityTooLarge, Key: "error_too_large"}
	ErrInternal     = &Error{Status: http.StatusInternalServerError, Key: "error_internal"}
)

// classify maps any error to a user-facing one. This is the one table that
// turns error kinds into HTTP statuses.
func classify(err error) *Error {
	var he *Error
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &he):
		return he
	case errors.As(err, &mbe):
		return ErrTooLarge
	case errors.Is(err, store.ErrNotFound):
		return ErrNotFound
	case errors.Is(err, store.ErrConflict):
		return ErrConflict
	default:
		return &Error{Status: http.StatusInternalServerError, Key: ErrInternal.Key, Err: err}
	}
}

// Fail answers the request with err, as JSON for API requests and as a page
// otherwise, in the request's language. Only server errors are logged, here
// and nowhere else.
func (h *Kit) Fail(w http.ResponseWriter, r *http.Request, err error) {
	e := classify(err)
	if e.Status >= 500 {
		h.Log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	l := h.Lang(r)
	msg := h.Cat.T(l.Code, e.Key, e.Data)
	if WantsJSON(r) {
		h.JSON(w, e.Status, ErrorBody{Error: ErrorDetail{Code: strings.TrimPrefix(e.Key, "error_"), Message: msg, Field: e.Field}})
		return
	}
	h.Render(w, r, e.Status, "error.html", Page{
		Title: h.Cat.T(l.Code, "error_title", map[string]any{"Status": e.Status}),
		Data:  ErrorPage{Status: e.Status, Message: msg, Languages: e.Status == http.StatusNotFound},
	})
}

// ErrorBody is the JSON shape of every API error.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail describes an API error in the caller's language.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// ErrorPage is the data of the error template.
type ErrorPage struct {
	Status    int
	Message   string
	Languages bool // offer links to every language (for 404s)
}

// WantsJSON reports whether the request is an API call.
func WantsJSON(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/api/") ||
		(strings.Contains(r.Header.Get("Accept"), "application/json") && !strings.Contains(r.Header.Get("Accept"), "text/html"))
}

// JSON writes v as JSON with the status.
func (h *Kit) JSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	if err := enc.Encode(v); err != nil {
		h.Log.Debug("write json", "err", err)
	}
}
