package social

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestClassOf(t *testing.T) {
	wrapped := fmt.Errorf("publish: %w", &Error{Network: X, Class: Duplicate})
	if got := ClassOf(wrapped); got != Duplicate {
		t.Errorf("ClassOf(wrapped duplicate) = %v, want duplicate", got)
	}
	if got := ClassOf(errors.New("connection reset")); got != Unknown {
		t.Errorf("ClassOf(plain error) = %v, want unknown: an unclassified error may have taken effect", got)
	}
}

func TestErrorMessage(t *testing.T) {
	err := &Error{Network: Facebook, Class: AuthExpired, Code: "190", Reason: "the page token was revoked: reconnect the page"}
	if got, want := err.Error(), "facebook: auth-expired (190): the page token was revoked: reconnect the page"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestRecord(t *testing.T) {
	Record(context.Background(), Exchange{Method: "POST"}) // no recorder: nothing happens
	var got []Exchange
	ctx := WithRecorder(context.Background(), func(ex Exchange) { got = append(got, ex) })
	Record(ctx, Exchange{Method: "POST", Status: 201})
	if len(got) != 1 || got[0].Status != 201 {
		t.Errorf("recorded %v, want the one exchange", got)
	}
}
