package sfu_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/sfu/sfuclient"
	"github.com/mofa-vn/chancery/internal/store"
)

// A token valid from a later time is refused until then, by Verify and by
// the join, and opens the room once that time comes; the rejoin token the
// session gets has no such bound.
func TestTokenNotBefore(t *testing.T) {
	var mu sync.Mutex // the server's goroutines read the clock the test moves
	now := time.Date(2026, 11, 23, 5, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	e := newEnvParams(t, sfu.Params{Config: sfu.Config{UDPAddr: "127.0.0.1:0", Loopback: true}, Now: clock})
	c := sfu.Claims{Room: "plenary", Identity: "vn-1", Name: "Lan", Role: sfu.RoleChair, Permissions: sfu.DefaultPermissions(sfu.RoleChair)}
	tok, err := e.signer.IssueWindow(c, now.Add(time.Hour), now.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.signer.Verify(tok); !errors.Is(err, sfu.ErrTokenNotYetValid) {
		t.Fatalf("verify before nbf: %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if _, m, err := sfuclient.Dial(ctx, e.url, tok, sfuclient.Options{}); err == nil || m.Code != sfu.CodeNotYetValid {
		t.Fatalf("join before nbf: %+v, %v", m, err)
	}
	// A window that ends before it starts is refused at issue.
	if _, err := e.signer.IssueWindow(c, now.Add(2*time.Hour), now.Add(time.Hour)); err == nil {
		t.Error("issued a token that expires before it becomes valid")
	}
	// A start in the past is no bound.
	past, _ := e.signer.IssueWindow(c, now.Add(-time.Hour), now.Add(time.Hour))
	if pc, err := e.signer.Verify(past); err != nil || pc.NotBefore != 0 {
		t.Errorf("past start: %+v, %v", pc, err)
	}

	mu.Lock()
	now = now.Add(time.Hour)
	mu.Unlock()
	got, err := e.signer.Verify(tok)
	if err != nil || got.NotBefore != now.Unix() {
		t.Fatalf("verify at nbf: %+v, %v", got, err)
	}
	chair := e.joinToken("vn-1", tok, nil)
	rc, err := e.signer.Verify(chair.Token())
	if err != nil || rc.NotBefore != 0 {
		t.Errorf("rejoin token: %+v, %v", rc, err)
	}
	mu.Lock()
	now = now.Add(time.Hour)
	mu.Unlock()
	if _, err := e.signer.Verify(tok); !errors.Is(err, sfu.ErrTokenExpired) {
		t.Errorf("verify at exp: %v", err)
	}
}

// Members lists who is in a room, the lobby included, with when they came;
// archiving the room refuses joins and rejoins, and CloseRoom ends the
// sessions with the reason "archived".
func TestMembersAndArchivedRoom(t *testing.T) {
	e := newEnv(t)
	room, err := e.db.CreateRoom(t.Context(), store.Room{Slug: "plenary", Title: "Plenary"})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.srv.Members("plenary"); len(got) != 0 {
		t.Fatalf("empty room: %+v", got)
	}
	chair := e.join("chair", sfu.RoleChair, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	waiting, m, err := sfuclient.Dial(ctx, e.url, e.token("zoe", sfu.RoleDelegate), sfuclient.Options{})
	if err != nil || m.Type != sfu.TypeLobby {
		t.Fatalf("delegate: %+v, %v", m, err)
	}
	t.Cleanup(waiting.Close)
	got := e.srv.Members("plenary")
	if len(got) != 2 || got[0].Identity != "chair" || got[0].InLobby || got[0].Role != sfu.RoleChair || got[0].JoinedAt.IsZero() ||
		got[1].Identity != "zoe" || !got[1].InLobby || got[1].Delegation != "Delegation of zoe" {
		t.Fatalf("members = %+v", got)
	}
	if other := e.srv.Members("elsewhere"); other == nil || len(other) != 0 {
		t.Errorf("members of an empty room = %#v, want []", other)
	}

	rejoin := chair.Token()
	if err := e.db.SetRoomArchived(t.Context(), room.ID, true); err != nil {
		t.Fatal(err)
	}
	if n := e.srv.CloseRoom("plenary", "archived"); n != 2 {
		t.Errorf("CloseRoom ended %d sessions, want 2", n)
	}
	if m := nextEvent(t, chair, sfu.TypeBye, nil); m.Reason != "archived" {
		t.Errorf("chair got %+v", m)
	}
	for name, tok := range map[string]string{"new token": e.token("bob", sfu.RoleChair), "rejoin token": rejoin} {
		if _, m, err := sfuclient.Dial(ctx, e.url, tok, sfuclient.Options{}); err == nil || m.Code != sfu.CodeArchived {
			t.Errorf("%s into an archived room: %+v, %v", name, m, err)
		}
	}
	if err := e.db.SetRoomArchived(t.Context(), room.ID, false); err != nil {
		t.Fatal(err)
	}
	e.join("bob", sfu.RoleChair, nil)
}
