package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mofa-vn/chancery/internal/fault"
)

// The one table answers every kind of fault with its status and message,
// as JSON for the API and as a page otherwise, and logs only server errors.
func TestFailMapsEveryKind(t *testing.T) {
	var logs bytes.Buffer
	k := newKit(t, &logs)
	secret := errors.New("password=hunter2 in the cause")
	tooBig := &http.MaxBytesError{Limit: 10}
	for _, tc := range []struct {
		name   string
		err    error
		status int
		code   string
		field  string
	}{
		{"invalid", fault.ErrInvalid, http.StatusBadRequest, "form_invalid", ""},
		{"problem without kind", &fault.Problem{Key: "portal_error_slug", Field: "slug"}, http.StatusBadRequest, "portal_error_slug", "slug"},
		{"unauthorized", fault.ErrUnauthorized, http.StatusUnauthorized, "unauthorized", ""},
		{"forbidden", fault.ErrForbidden, http.StatusForbidden, "forbidden", ""},
		{"not found, wrapped", fmt.Errorf("store: get user 7: %w", fault.ErrNotFound), http.StatusNotFound, "not_found", ""},
		{"conflict", fault.ErrConflict, http.StatusConflict, "conflict", ""},
		{"gone", fault.New(fault.ErrGone, "portal_gone", "Date", "1 May"), http.StatusGone, "portal_gone", ""},
		{"too large", fault.ErrTooLarge, http.StatusRequestEntityTooLarge, "too_large", ""},
		{"body over the limit", fmt.Errorf("read: %w", tooBig), http.StatusRequestEntityTooLarge, "too_large", ""},
		{"unsupported", fault.ErrUnsupported, http.StatusUnsupportedMediaType, "json_content_type", ""},
		{"misdirected", ErrMisdirected, http.StatusMisdirectedRequest, "misdirected", ""},
		{"refused", fault.Refused("variants", "press_error_target_refused", "Channel", "X"), http.StatusUnprocessableEntity, "press_error_target_refused", "variants"},
		{"too many", fault.New(fault.ErrTooMany, "signin_error_wait", "Seconds", 30), http.StatusTooManyRequests, "signin_error_wait", ""},
		// A problem's kind decides, not its cause.
		{"conflict caused by a missing row", &fault.Problem{Kind: fault.ErrConflict, Key: "users_error_taken", Field: "username", Err: fault.ErrNotFound},
			http.StatusConflict, "users_error_taken", "username"},
		{"unknown error", secret, http.StatusInternalServerError, "internal", ""},
		{"problem of an unknown kind", &fault.Problem{Kind: errors.New("odd"), Key: "portal_error_slug", Err: secret}, http.StatusInternalServerError, "internal", ""},
		{"internal", fault.ErrInternal, http.StatusInternalServerError, "internal", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			logs.Reset()
			if got := Status(tc.err); got != tc.status {
				t.Errorf("Status = %d, want %d", got, tc.status)
			}
			rec := httptest.NewRecorder()
			k.Fail(rec, httptest.NewRequest(http.MethodGet, "/api/v1/x", nil), tc.err)
			var body ErrorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("body %q: %v", rec.Body, err)
			}
			if rec.Code != tc.status || body.Error.Code != tc.code || body.Error.Field != tc.field || body.Error.Message == "" {
				t.Errorf("API: %d %+v, want %d %s field %q", rec.Code, body.Error, tc.status, tc.code, tc.field)
			}
			if strings.Contains(rec.Body.String(), "hunter2") || strings.Contains(rec.Body.String(), "{{") {
				t.Errorf("API body %s shows a cause or an unfilled template", rec.Body)
			}
			logged := strings.Contains(logs.String(), "request failed")
			if logged != (tc.status >= 500) {
				t.Errorf("logged %v for status %d: %s", logged, tc.status, logs.String())
			}

			rec = httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodGet, "/en/x", nil)
			req.Header.Set("Accept-Language", "fr")
			k.Fail(rec, req, tc.err)
			if rec.Code != tc.status || !strings.Contains(rec.Header().Get("Content-Type"), "text/html") {
				t.Errorf("page: %d %s", rec.Code, rec.Header().Get("Content-Type"))
			}
		})
	}
}

// A kind's message is its own unless the problem names one.
func TestFailShowsTheProblemsMessage(t *testing.T) {
	k := newKit(t, &bytes.Buffer{})
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/api/v1/x", nil)
	req.Header.Set("Accept-Language", "en")
	k.Fail(rec, req, fault.New(fault.ErrTooMany, "signin_error_wait", "Seconds", 30))
	want := k.Cat.T("en", "signin_error_wait", map[string]any{"Seconds": 30})
	if !strings.Contains(rec.Body.String(), want) || !strings.Contains(want, "30") {
		t.Errorf("body %s, want %q", rec.Body, want)
	}
}
