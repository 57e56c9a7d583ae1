package fault_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/mofa-vn/chancery/internal/fault"
)

func TestProblemIsOfItsKind(t *testing.T) {
	cause := errors.New("disk on fire")
	for _, tc := range []struct {
		name string
		p    *fault.Problem
		kind error
	}{
		{"no kind is invalid", &fault.Problem{Key: "portal_error_slug"}, fault.ErrInvalid},
		{"invalid", fault.Invalid("slug", "portal_error_slug"), fault.ErrInvalid},
		{"refused", fault.Refused("variants", "press_error_target_refused"), fault.ErrRefused},
		{"not found", fault.New(fault.ErrNotFound, "sessions_error_gone"), fault.ErrNotFound},
		{"conflict with a cause", &fault.Problem{Kind: fault.ErrConflict, Key: "users_error_taken", Err: cause}, fault.ErrConflict},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.p.Of() != tc.kind {
				t.Errorf("Of() = %v, want %v", tc.p.Of(), tc.kind)
			}
			wrapped := fmt.Errorf("portal: save: %w", tc.p)
			if !errors.Is(wrapped, tc.kind) {
				t.Errorf("errors.Is(%v, %v) is false", wrapped, tc.kind)
			}
			if p, ok := fault.As(wrapped, tc.kind); !ok || p != tc.p {
				t.Errorf("As(%v, %v) = %v, %v", wrapped, tc.kind, p, ok)
			}
			for _, other := range []error{fault.ErrInvalid, fault.ErrRefused, fault.ErrNotFound, fault.ErrConflict} {
				if other == tc.kind {
					continue
				}
				if errors.Is(tc.p, other) {
					t.Errorf("%v is also %v", tc.p, other)
				}
				if _, ok := fault.As(wrapped, other); ok {
					t.Errorf("As(%v, %v) found a problem of another kind", wrapped, other)
				}
			}
			if !strings.Contains(tc.p.Error(), tc.p.Key) {
				t.Errorf("Error() = %q does not name the key", tc.p.Error())
			}
		})
	}
	p := &fault.Problem{Kind: fault.ErrConflict, Key: "users_error_taken", Err: cause}
	if !errors.Is(p, cause) || !strings.Contains(p.Error(), "disk on fire") {
		t.Errorf("%v does not carry its cause", p)
	}
}

func TestNewTakesDataInPairs(t *testing.T) {
	p := fault.Refused("media", "press_error_target_media_too_large", "Channel", "Bluesky", "Max", 2_000_000, "dangling")
	if p.Field != "media" || p.Key != "press_error_target_media_too_large" || p.Kind != fault.ErrRefused {
		t.Fatalf("problem %+v", p)
	}
	if len(p.Data) != 2 || p.Data["Channel"] != "Bluesky" || p.Data["Max"] != 2_000_000 {
		t.Errorf("data %v, want the two complete pairs only", p.Data)
	}
	if p := fault.Invalid("slug", "portal_error_slug"); p.Data != nil {
		t.Errorf("a problem without data has %v", p.Data)
	}
}

func TestAsFindsNoProblemInOtherErrors(t *testing.T) {
	for _, err := range []error{nil, errors.New("plain"), fault.ErrNotFound, fmt.Errorf("store: %w", fault.ErrConflict)} {
		if p, ok := fault.As(err, fault.ErrNotFound); ok || p != nil {
			t.Errorf("As(%v) = %v, %v", err, p, ok)
		}
	}
}
