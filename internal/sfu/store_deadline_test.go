package sfu_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/conference"
	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// hangingStore is a database that stops answering while hang is set: each
// call then returns only when its context ends.
type hangingStore struct {
	sfu.Store
	hang  atomic.Bool
	calls atomic.Int64 // calls that hung
}

func (s *hangingStore) wait(ctx context.Context) error {
	s.calls.Add(1)
	<-ctx.Done()
	return ctx.Err()
}

func (s *hangingStore) SaveChat(ctx context.Context, room string, m sfu.ChatMessage) (sfu.ChatMessage, error) {
	if s.hang.Load() {
		return sfu.ChatMessage{}, s.wait(ctx)
	}
	return s.Store.SaveChat(ctx, room, m)
}

func (s *hangingStore) RecentChat(ctx context.Context, room string, limit int) ([]sfu.ChatMessage, error) {
	if s.hang.Load() {
		return nil, s.wait(ctx)
	}
	return s.Store.RecentChat(ctx, room, limit)
}

func (s *hangingStore) Audit(ctx context.Context, e sfu.AuditEntry) error {
	if s.hang.Load() {
		return s.wait(ctx)
	}
	return s.Store.Audit(ctx, e)
}

// A database that hangs costs a chat message, the history and audit
// entries, never a session: every Store call has a deadline.
func TestStoreCallsHaveDeadlines(t *testing.T) {
	st := &hangingStore{Store: conference.Store{DB: storetest.Open(t, "sqlite")}}
	e := newEnvParams(t, sfu.Params{Config: sfu.Config{UDPAddr: "127.0.0.1:0", Loopback: true},
		Store: st, StoreTimeout: 50 * time.Millisecond})
	officer := e.join("officer", sfu.RoleProtocol, nil)
	e.officer = officer
	st.hang.Store(true)

	// Joining reads the chat history: the welcome comes without it.
	alice := e.join("alice", sfu.RoleDelegate, nil)
	if len(alice.Welcome.Chat) != 0 {
		t.Errorf("history from a hung store: %+v", alice.Welcome.Chat)
	}
	// Chatting writes: the sender is told, and its session goes on.
	if err := alice.Send(sfu.ClientMessage{Type: sfu.TypeChat, Text: "Xin chào"}); err != nil {
		t.Fatal(err)
	}
	if m := nextEvent(t, alice, sfu.TypeError, nil); m.Code != "unavailable" {
		t.Fatalf("chat on a hung store: %+v", m)
	}
	if err := alice.Send(sfu.ClientMessage{Type: sfu.TypeHand, Raised: true}); err != nil {
		t.Fatal(err)
	}
	nextEvent(t, alice, sfu.TypeParticipant, func(m sfu.ServerMessage) bool { return m.Participant.Hand })
	// A moderator's action is audited: the action holds, and the
	// moderator's next message is still read.
	if err := officer.Send(sfu.ClientMessage{Type: sfu.TypeLock, Locked: true}); err != nil {
		t.Fatal(err)
	}
	nextEvent(t, alice, sfu.TypeLocked, func(m sfu.ServerMessage) bool { return m.Locked != nil && *m.Locked })
	if err := officer.Send(sfu.ClientMessage{Type: sfu.TypePing}); err != nil {
		t.Fatal(err)
	}
	nextEvent(t, officer, sfu.TypePong, nil)
	// Floor control from the HTTP side gets the store's error, in time.
	err := e.srv.SetPermissions(t.Context(), "plenary", "alice", sfu.Permissions{Subscribe: true, Chat: true}, "officer")
	if err == nil {
		t.Error("SetPermissions on a hung store reported success")
	}
	if n := st.calls.Load(); n < 4 {
		t.Errorf("%d store calls hung, want the history, the chat, the lock and the permissions", n)
	}

	// The database comes back: everything works again.
	st.hang.Store(false)
	if err := alice.Send(sfu.ClientMessage{Type: sfu.TypeChat, Text: "Xin chào"}); err != nil {
		t.Fatal(err)
	}
	nextEvent(t, alice, sfu.TypeChat, func(m sfu.ServerMessage) bool { return m.Message.Text == "Xin chào" })
}
