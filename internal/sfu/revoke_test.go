package sfu_test

import (
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/store"
)

// recordedToken issues a token for identity in the "plenary" room and
// records it, as the conference handlers do, so that it can be revoked.
func (e *env) recordedToken(identity string, role sfu.Role) (string, sfu.Claims) {
	e.t.Helper()
	ctx := e.t.Context()
	room, err := e.db.GetRoomBySlug(ctx, "plenary")
	if err != nil {
		if room, err = e.db.CreateRoom(ctx, store.Room{Slug: "plenary", Title: "Plenary"}); err != nil {
			e.t.Fatal(err)
		}
	}
	tok := e.token(identity, role)
	c, err := e.signer.Verify(tok)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.db.CreateRoomToken(ctx, store.RoomToken{ID: c.ID, RoomID: room.ID, Identity: identity, Name: c.Name, Role: string(role),
		IssuedAt: time.Unix(c.IssuedAt, 0), ExpiresAt: time.Unix(c.ExpiresAt, 0)}); err != nil {
		e.t.Fatal(err)
	}
	return tok, c
}

func (e *env) revoke(c sfu.Claims) {
	e.t.Helper()
	room, err := e.db.GetRoomBySlug(e.t.Context(), c.Room)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.db.RevokeRoomToken(e.t.Context(), room.ID, c.ID, 0); err != nil {
		e.t.Fatal(err)
	}
}

// Revoking a token ends the session it opened at once, with a reason the
// client can show, and neither the token nor the rejoin token the session
// was handed gets in again.
func TestRevokedTokenEndsSessionAndCannotRejoin(t *testing.T) {
	e := newEnv(t)
	tok, c := e.recordedToken("alice", sfu.RoleDelegate)
	alice := e.joinToken("alice", tok, nil)
	rejoin := alice.Token()
	if rejoin == "" {
		t.Fatal("no rejoin token")
	}
	bob := e.join("bob", sfu.RoleDelegate, nil)

	e.revoke(c)
	if n := e.srv.Revoke(c.ID); n != 1 {
		t.Errorf("Revoke ended %d sessions, want 1", n)
	}
	if m := nextEvent(t, alice, sfu.TypeBye, nil); m.Reason != "revoked" {
		t.Fatalf("alice got %+v, want bye revoked", m)
	}
	waitFor(t, 5*time.Second, "alice's connection closed", func() bool {
		select {
		case _, ok := <-alice.Events():
			return !ok
		default:
			return false
		}
	})
	// The others see her leave.
	nextEvent(t, bob, sfu.TypeLeft, func(m sfu.ServerMessage) bool { return m.ID == alice.Welcome.Self.ID })

	for name, token := range map[string]string{"the revoked token": tok, "its rejoin token": rejoin} {
		_, m, err := dial(t, e, token)
		if err == nil || m.Code != sfu.CodeRevoked {
			t.Errorf("%s: %+v, %v; want refused with %s", name, m, err, sfu.CodeRevoked)
		}
	}
	// Another token of the room still works.
	other, _ := e.recordedToken("carol", sfu.RoleDelegate)
	e.joinToken("carol", other, nil)
}

// A revocation recorded elsewhere (by another instance) ends the session
// within a few seconds: rooms look for revoked tokens of their members.
func TestRevocationFromElsewhereEndsSession(t *testing.T) {
	e := newEnv(t)
	tok, c := e.recordedToken("alice", sfu.RoleChair)
	alice := e.joinToken("alice", tok, nil)
	e.revoke(c) // no call to this server's Revoke
	if m := nextEventWithin(t, alice, sfu.TypeBye, 15*time.Second); m.Reason != "revoked" {
		t.Fatalf("alice got %+v, want bye revoked", m)
	}
}

// nextEventWithin is nextEvent with a deadline of its own.
func nextEventWithin(t *testing.T, c interface {
	Events() <-chan sfu.ServerMessage
}, typ string, d time.Duration) sfu.ServerMessage {
	t.Helper()
	timeout := time.After(d)
	for {
		select {
		case m, ok := <-c.Events():
			if !ok {
				t.Fatalf("connection closed waiting for %s", typ)
			}
			if m.Type == typ {
				return m
			}
		case <-timeout:
			t.Fatalf("timed out waiting for %s", typ)
		}
	}
}

// A burst of invitations for one identity joining at once: exactly one
// gets in, the others are refused, whatever the interleaving.
func TestConcurrentJoinsOfOneIdentity(t *testing.T) {
	e := newEnv(t)
	const n = 6
	type result struct {
		m   sfu.ServerMessage
		err error
	}
	tokens := make([]string, n)
	for i := range tokens {
		tokens[i] = e.token("alice", sfu.RoleChair)
	}
	results := make(chan result, n)
	for _, tok := range tokens {
		go func() {
			_, m, err := dial(t, e, tok)
			results <- result{m, err}
		}()
	}
	welcomed, refused := 0, 0
	for range n {
		r := <-results
		switch {
		case r.err == nil && r.m.Type == sfu.TypeWelcome:
			welcomed++
		case r.m.Code == sfu.CodeIdentityInUse:
			refused++
		default:
			t.Errorf("join: %+v, %v", r.m, r.err)
		}
	}
	if welcomed != 1 || refused != n-1 {
		t.Errorf("%d welcomed, %d refused; want 1 and %d", welcomed, refused, n-1)
	}
}
