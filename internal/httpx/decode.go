package httpx

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/mofa-vn/chancery/internal/fault"
)

// DecodeJSON reads one JSON object from the body into v, strictly: unknown
// fields, trailing data and wrong types are the caller's mistakes (400), and
// a body over the limit is 413.
func DecodeJSON(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return &fault.Problem{Kind: fault.ErrUnsupported, Key: "error_json_content_type"}
		}
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if !validValue(reflect.ValueOf(v)) {
		// encoding/json turns "\u0000" into a NUL, which PostgreSQL refuses
		// in text and SQLite keeps: refuse it here, the same on both.
		return ErrInvalidText
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return fault.ErrTooLarge
		}
		return &fault.Problem{Kind: fault.ErrInvalid, Key: "error_json_trailing"}
	}
	return nil
}

func jsonError(err error) error {
	var mbe *http.MaxBytesError
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &mbe):
		return fault.ErrTooLarge
	case errors.Is(err, io.EOF):
		return &fault.Problem{Kind: fault.ErrInvalid, Key: "error_json_empty"}
	case errors.As(err, &syn), errors.Is(err, io.ErrUnexpectedEOF):
		return &fault.Problem{Kind: fault.ErrInvalid, Key: "error_json_syntax", Err: err}
	case errors.As(err, &typ):
		return &fault.Problem{Kind: fault.ErrInvalid, Key: "error_json_type", Field: typ.Field, Data: map[string]any{"Field": typ.Field}, Err: err}
	default:
		// Unknown fields and other decoder complaints.
		return &fault.Problem{Kind: fault.ErrInvalid, Key: "error_json_invalid", Err: err}
	}
}

// ParseForm parses a submitted form. A malformed body is 400; one over the
// limit is 413; a value that is not valid text (a NUL, broken UTF-8) is 400.
func ParseForm(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return formError(err)
	}
	return validForm(r.PostForm)
}

// ParseMultipartForm parses a form that may carry files, keeping up to
// maxMemory bytes of them in memory, with ParseForm's answers to bad input.
// A form that is not multipart is parsed as ParseForm does.
func ParseMultipartForm(r *http.Request, maxMemory int64) error {
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		return ParseForm(r)
	}
	if err := r.ParseMultipartForm(maxMemory); err != nil {
		return formError(err)
	}
	return validForm(r.MultipartForm.Value)
}

func formError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return fault.ErrTooLarge
	}
	return &fault.Problem{Kind: fault.ErrInvalid, Key: "error_form_invalid", Err: err}
}

// ErrInvalidText refuses a request whose path, query, form or JSON carries
// a NUL character or bytes that are not UTF-8. Both would be stored
// differently by the two backends (PostgreSQL refuses them with an error,
// SQLite keeps them), and no person types them.
var ErrInvalidText = &fault.Problem{Kind: fault.ErrInvalid, Key: "error_text_invalid"}

// ValidText reports whether s is text a person could have typed: UTF-8
// without a NUL.
func ValidText(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}

func validForm(vs map[string][]string) error {
	for k, list := range vs {
		if !ValidText(k) {
			return ErrInvalidText
		}
		for _, v := range list {
			if !ValidText(v) {
				return ErrInvalidText
			}
		}
	}
	return nil
}

// validValue reports whether every string reachable from v (a decoded JSON
// document: structs, pointers, slices, maps, interfaces) is valid text.
func validValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.String:
		return ValidText(v.String())
	case reflect.Pointer, reflect.Interface:
		return v.IsNil() || validValue(v.Elem())
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() && !validValue(v.Field(i)) {
				return false
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return true // []byte is base64 in JSON: binary, not text
		}
		for i := range v.Len() {
			if !validValue(v.Index(i)) {
				return false
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			if !validValue(it.Key()) || !validValue(it.Value()) {
				return false
			}
		}
	}
	return true
}

// RefuseInvalidText answers 400 to a request whose path or query carries a
// NUL or bytes that are not UTF-8, before any handler reads them; forms and
// JSON bodies are checked where they are parsed (ParseForm, DecodeJSON).
func (h *Kit) RefuseInvalidText(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !ValidText(r.URL.Path) || !validQuery(r.URL.RawQuery) {
			h.Fail(w, r, ErrInvalidText)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func validQuery(raw string) bool {
	if raw == "" {
		return true
	}
	// A query that does not parse is left to the handlers, which ignore
	// what they cannot read; what does parse must be text.
	q, _ := url.ParseQuery(raw)
	return validForm(q) == nil
}
