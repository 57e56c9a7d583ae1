package sfu

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestTokens(t *testing.T) {
	now := time.Date(2026, 11, 23, 5, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	s, err := NewSigner([]byte(strings.Repeat("k", 32)), clock)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := NewSigner([]byte(strings.Repeat("x", 32)), clock)
	c := Claims{Room: "asean-digital-2026", Identity: "vn-1", Name: "Nguyễn Lan", Delegation: "Việt Nam", Role: RoleDelegate, Permissions: DefaultPermissions(RoleDelegate)}
	tok, err := s.Issue(c, 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Verify(tok)
	if err != nil || got.Identity != "vn-1" || got.Name != "Nguyễn Lan" || !got.Permissions.PublishCamera || got.Permissions.Moderate {
		t.Fatalf("verify = %+v, %v", got, err)
	}
	// Every token gets an ID of its own, to be revoked by.
	again, _ := s.Issue(c, time.Minute)
	if gotAgain, _ := s.Verify(again); got.ID == "" || gotAgain.ID == "" || got.ID == gotAgain.ID {
		t.Errorf("token IDs %q and %q", got.ID, gotAgain.ID)
	}
	forgedBody := func() string {
		// Raise the role without re-signing.
		p, sig, _ := strings.Cut(tok, ".")
		c2 := c
		c2.Role, c2.Permissions = RoleChair, DefaultPermissions(RoleChair)
		t2, _ := s.Issue(c2, time.Minute)
		p2, _, _ := strings.Cut(t2, ".")
		_ = p
		return p2 + "." + sig
	}()
	otherTok, _ := other.Issue(c, time.Minute)
	for name, tc := range map[string]struct {
		token string
		want  error
	}{
		"forged claims":   {forgedBody, ErrTokenForged},
		"other key":       {otherTok, ErrTokenForged},
		"no signature":    {strings.Split(tok, ".")[0], ErrTokenMalformed},
		"garbage":         {"%%%.###", ErrTokenMalformed},
		"empty":           {"", ErrTokenMalformed},
		"too long":        {strings.Repeat("a", 5000), ErrTokenMalformed},
		"truncated sig":   {tok[:len(tok)-3], ErrTokenForged},
		"flipped payload": {"x" + tok[1:], ErrTokenForged},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := s.Verify(tc.token); !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
	now = now.Add(10 * time.Minute)
	if _, err := s.Verify(tok); !errors.Is(err, ErrTokenExpired) {
		t.Errorf("expired: err = %v", err)
	}
	if _, err := NewSigner([]byte("short"), nil); err == nil {
		t.Error("short key accepted")
	}
	for _, bad := range []Claims{
		{Room: "Bad Room", Identity: "a", Name: "A", Role: RoleDelegate},
		{Room: "r", Identity: "", Name: "A", Role: RoleDelegate},
		{Room: "r", Identity: "a", Name: " ", Role: RoleDelegate},
		{Room: "r", Identity: "a", Name: "A", Role: "king"},
		{ID: strings.Repeat("j", 65), Room: "r", Identity: "a", Name: "A", Role: RoleDelegate},
	} {
		if _, err := s.Issue(bad, time.Minute); err == nil {
			t.Errorf("issued %+v", bad)
		}
	}
}

func TestDecodeClientMessage(t *testing.T) {
	for _, tc := range []struct {
		in   string
		code string
	}{
		{`{"v":1,"type":"join","token":"abc"}`, ""},
		{`{"v":1,"type":"chat","text":"hello"}`, ""},
		{`{"v":2,"type":"join","token":"abc"}`, CodeBadVersion},
		{`{"v":1,"type":"teleport"}`, CodeBadMessage},
		{`{"v":1,"type":"join"}`, CodeBadMessage},
		{`{"v":1,"type":"join","token":"a","evil":1}`, CodeBadMessage},
		{`{"v":1,"type":"chat","text":"   "}`, CodeBadMessage},
		{`{"v":1,"type":"view","track":"t1","width":-1}`, CodeBadMessage},
		{`{"v":1,"type":"candidate","target":"x","candidate":{"candidate":""}}`, CodeBadMessage},
		{`{"v":1,"type":"offer","sdp":"v=0","tracks":[{"id":"a","source":"hologram"}]}`, CodeBadMessage},
		{`{"v":1,"type":"mute","participant":"p1","source":"camera"}`, ""},
		{`not json`, CodeBadMessage},
		{`{"v":1,"type":"ping"} {"v":1}`, CodeBadMessage},
		{`{"v":1,"type":"chat","text":"` + strings.Repeat("é", MaxChatRunes+1) + `"}`, CodeBadMessage},
		{`{"v":1,"type":"join","token":"` + strings.Repeat("a", MaxMessageBytes) + `"}`, CodeTooLarge},
	} {
		_, err := DecodeClientMessage([]byte(tc.in))
		var pe *ProtocolError
		switch {
		case tc.code == "" && err != nil:
			t.Errorf("%.40s: %v", tc.in, err)
		case tc.code != "" && (!errors.As(err, &pe) || pe.Code != tc.code):
			t.Errorf("%.40s: err = %v, want code %s", tc.in, err, tc.code)
		}
	}
}

func FuzzDecodeClientMessage(f *testing.F) {
	for _, s := range []string{`{"v":1,"type":"join","token":"abc"}`, `{"v":1,"type":"offer","sdp":"v=0","tracks":[{"id":"a","source":"camera"}]}`,
		`{"v":1,"type":"candidate","target":"pub","candidate":{"candidate":"candidate:1 1 udp 1 1.2.3.4 5 typ host"}}`, `{"v":1,"type":"view","track":"t","width":10,"height":5}`} {
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
		if m.V != ProtocolVersion || m.Type == "" {
			t.Fatalf("accepted %+v", m)
		}
	})
}
