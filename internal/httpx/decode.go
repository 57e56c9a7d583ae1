package httpx

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
)

// DecodeJSON reads one JSON object from the body into v, strictly: unknown
// fields, trailing data and wrong types are the caller's mistakes (400), and
// a body over the limit is 413.
func DecodeJSON(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return &Error{Status: http.StatusUnsupportedMediaType, Key: "error_json_content_type"}
		}
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return ErrTooLarge
		}
		return &Error{Status: http.StatusBadRequest, Key: "error_json_trailing"}
	}
	return nil
}

func jsonError(err error) error {
	var mbe *http.MaxBytesError
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &mbe):
		return ErrTooLarge
	case errors.Is(err, io.EOF):
		return &Error{Status: http.StatusBadRequest, Key: "error_json_empty"}
	case errors.As(err, &syn), errors.Is(err, io.ErrUnexpectedEOF):
		return &Error{Status: http.StatusBadRequest, Key: "error_json_syntax", Err: err}
	case errors.As(err, &typ):
		return &Error{Status: http.StatusBadRequest, Key: "error_json_type", Field: typ.Field, Data: map[string]any{"Field": typ.Field}, Err: err}
	default:
		// Unknown fields and other decoder complaints.
		return &Error{Status: http.StatusBadRequest, Key: "error_json_invalid", Err: err}
	}
}

// ParseForm parses a submitted form. A malformed body is 400; one over the
// limit is 413.
func ParseForm(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return ErrTooLarge
		}
		return &Error{Status: http.StatusBadRequest, Key: "error_form_invalid", Err: err}
	}
	return nil
}
