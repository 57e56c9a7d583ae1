package sfu

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzDecodeInterpMessage feeds the decoder interpretation messages: what
// it accepts has a valid language (or none), a level in 0–100 and chat
// text within bounds; what it refuses carries a code.
func FuzzDecodeInterpMessage(f *testing.F) {
	for _, s := range []string{`{"v":1,"type":"interp_listen","language":"fr"}`, `{"v":1,"type":"interp_hear","language":""}`,
		`{"v":1,"type":"interp_live","on":true}`, `{"v":1,"type":"interp_cough","on":false}`, `{"v":1,"type":"interp_ducking","level":15}`,
		`{"v":1,"type":"interp_ducking","level":101}`, `{"v":1,"type":"interp_chat","text":"  "}`, `{"v":1,"type":"interp_floor","language":"zh-Hant"}`,
		`{"v":1,"type":"interp_offer","on":true,"participant":"p3"}`, `{"v":1,"type":"interp_listen","language":"f r"}`,
		`{"v":1,"type":"interp_sign","language":"sgn"}`, `{"v":1,"type":"interp_sign","language":"a b"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := DecodeClientMessage(b)
		if err != nil {
			var pe *ProtocolError
			if !errors.As(err, &pe) || pe.Code == "" {
				t.Fatalf("error without a code: %v", err)
			}
			return
		}
		if !strings.HasPrefix(m.Type, "interp_") {
			return
		}
		if m.Language != "" && (m.Type == TypeInterpListen || m.Type == TypeInterpSign || m.Type == TypeInterpHear || m.Type == TypeInterpFloor) && !validLanguage(m.Language) {
			t.Fatalf("accepted language %q", m.Language)
		}
		if m.Type == TypeInterpDucking && (m.Level < 0 || m.Level > 100) {
			t.Fatalf("accepted level %d", m.Level)
		}
		if m.Type == TypeInterpChat && (strings.TrimSpace(m.Text) == "" || utf8.RuneCountInString(m.Text) > MaxChatRunes) {
			t.Fatalf("accepted chat %q", m.Text)
		}
	})
}

// A booth is an interpreter's only, and names a language.
func TestClaimsBooth(t *testing.T) {
	base := Claims{ID: "x", Room: "plenary", Identity: "i", Name: "N", IssuedAt: 1, ExpiresAt: 2}
	for _, tc := range []struct {
		role  Role
		booth string
		ok    bool
	}{
		{RoleInterpreter, "fr", true}, {RoleInterpreter, "", true}, {RoleDelegate, "", true},
		{RoleDelegate, "fr", false}, {RoleChair, "en", false}, {RoleInterpreter, "f r", false}, {RoleInterpreter, "fr\u202e", false},
	} {
		c := base
		c.Role, c.Booth = tc.role, tc.booth
		if err := c.Validate(); (err == nil) != tc.ok {
			t.Errorf("role %s booth %q: err %v, want ok %v", tc.role, tc.booth, err, tc.ok)
		}
	}
}
