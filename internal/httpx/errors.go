package httpx

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/mofa-vn/chancery/internal/fault"
)

// kinds is the one table that turns error kinds into HTTP statuses, with
// the message a bare kind (one that is not a fault.Problem) is shown with.
// Gone, refused and too-many failures always come as problems that name
// their own message; the messages here are only what such a bare kind
// would be shown with.
var kinds = []struct {
	kind   error
	status int
	key    string
}{
	{fault.ErrInvalid, http.StatusBadRequest, "error_form_invalid"},
	{fault.ErrUnauthorized, http.StatusUnauthorized, "error_unauthorized"},
	{fault.ErrForbidden, http.StatusForbidden, "error_forbidden"},
	{fault.ErrNotFound, http.StatusNotFound, "error_not_found"},
	{fault.ErrConflict, http.StatusConflict, "error_conflict"},
	{fault.ErrGone, http.StatusGone, "error_not_found"},
	{fault.ErrTooLarge, http.StatusRequestEntityTooLarge, "error_too_large"},
	{fault.ErrUnsupported, http.StatusUnsupportedMediaType, "error_json_content_type"},
	{fault.ErrMisdirected, http.StatusMisdirectedRequest, "error_misdirected"},
	{fault.ErrRefused, http.StatusUnprocessableEntity, "error_form_invalid"},
	{fault.ErrTooMany, http.StatusTooManyRequests, "error_internal"},
	{fault.ErrInternal, http.StatusInternalServerError, "error_internal"},
}

// classify maps any error to the status and the problem it is answered
// with: a fault.Problem as it is, a bare kind (fault.ErrNotFound, a
// store error of that kind) with its message, a body over the limit as
// fault.ErrTooLarge, anything else as an internal error.
func classify(err error) (int, *fault.Problem) {
	p, ok := errors.AsType[*fault.Problem](err)
	if !ok {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			err = fault.ErrTooLarge
		}
		p = &fault.Problem{Kind: fault.ErrInternal, Err: err}
		for _, k := range kinds {
			if errors.Is(err, k.kind) {
				p = &fault.Problem{Kind: k.kind, Err: err}
				break
			}
		}
	}
	for _, k := range kinds {
		if p.Of() == k.kind { //nolint:errorlint // a kind is one of the values of the table
			if p.Key == "" {
				p = &fault.Problem{Kind: p.Kind, Key: k.key, Data: p.Data, Field: p.Field, Err: p.Err}
			}
			return k.status, p
		}
	}
	return http.StatusInternalServerError, &fault.Problem{Kind: fault.ErrInternal, Key: "error_internal", Err: err}
}

// Status is the HTTP status err is answered with.
func Status(err error) int {
	s, _ := classify(err)
	return s
}

// Fail answers the request with err, as JSON for API requests and as a page
// otherwise, in the request's language. Only server errors are logged, here
// and nowhere else.
func (h *Kit) Fail(w http.ResponseWriter, r *http.Request, err error) {
	status, e := classify(err)
	if status >= 500 {
		h.Log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	l := h.Lang(r)
	msg := h.Cat.T(l.Code, e.Key, e.Data)
	if WantsJSON(r) {
		h.JSON(w, status, ErrorBody{Error: ErrorDetail{Code: strings.TrimPrefix(e.Key, "error_"), Message: msg, Field: e.Field}})
		return
	}
	h.Render(w, r, status, "error.html", Page{
		Title: h.Cat.T(l.Code, "error_title", map[string]any{"Status": status}),
		Data:  ErrorPage{Status: status, Message: msg, Languages: status == http.StatusNotFound},
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
