package delegations

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzCalendarToken: whatever the address holds, only the token the
// service made for a registration is read back, as that registration.
func FuzzCalendarToken(f *testing.F) {
	s := &Service{Invites: &Invites{CalendarKey: bytes.Repeat([]byte{7}, 32)}}
	other := &Service{Invites: &Invites{CalendarKey: bytes.Repeat([]byte{8}, 32)}}
	for _, seed := range []string{s.CalendarToken(1), s.CalendarToken(42), other.CalendarToken(42), "42-", "-x", "0-AAAA", "+42-x",
		"042-" + strings.SplitN(s.CalendarToken(42), "-", 2)[1], "9223372036854775808-x", strings.Repeat("9", 100), "42-x\x00", ""} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, token string) {
		id, ok := s.calendarID(token)
		if !ok {
			if id != 0 {
				t.Fatalf("%q refused with ID %d", token, id)
			}
			return
		}
		if id <= 0 || s.CalendarToken(id) != token {
			t.Fatalf("%q read as registration %d, whose token is %q", token, id, s.CalendarToken(id))
		}
		if _, ok := other.calendarID(token); ok {
			t.Fatalf("%q accepted under another key", token)
		}
	})
}

// TestCalendarTokenRoundTrip: a token is read back as its registration;
// one character changed, another ID or another key is refused.
func TestCalendarTokenRoundTrip(t *testing.T) {
	s := &Service{Invites: &Invites{CalendarKey: bytes.Repeat([]byte{7}, 32)}}
	tok := s.CalendarToken(42)
	if id, ok := s.calendarID(tok); !ok || id != 42 {
		t.Fatalf("%q: %d %v", tok, id, ok)
	}
	for i := range tok {
		b := []byte(tok)
		b[i] ^= 1
		if _, ok := s.calendarID(string(b)); ok {
			t.Fatalf("altered %q accepted", b)
		}
	}
	mac := strings.SplitN(tok, "-", 2)[1]
	if _, ok := s.calendarID("43-" + mac); ok {
		t.Fatal("another ID with the MAC accepted")
	}
	if _, ok := (&Service{}).calendarID(tok); ok {
		t.Fatal("accepted without invitations configured")
	}
}
