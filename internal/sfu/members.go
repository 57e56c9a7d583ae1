package sfu

import (
	"cmp"
	"context"
	"slices"
	"time"
)

// Codes of the joins a room's state refuses.
const (
	// CodeNotYetValid is a join token used before its "nbf" time.
	CodeNotYetValid = "token_not_yet_valid"
	// CodeArchived is a join to a room staff archived.
	CodeArchived = "room_archived"
)

// RoomGate is what a Store implements when rooms can be archived: every
// join (a rejoin too) asks it first, and a join to an archived room is
// refused with CodeArchived. A Store without it admits every room.
type RoomGate interface {
	// RoomArchived reports whether the room named slug is archived.
	RoomArchived(ctx context.Context, slug string) (bool, error)
}

// Member is someone in a live room, in the lobby or admitted, as staff see
// them from outside the room.
type Member struct {
	ID         string    `json:"id"`
	Identity   string    `json:"identity"`
	Name       string    `json:"name"`
	Delegation string    `json:"delegation,omitempty"`
	Role       Role      `json:"role"`
	JoinedAt   time.Time `json:"joined_at"` // when the session opened
	InLobby    bool      `json:"in_lobby"`
	Hand       bool      `json:"hand"`
}

// Members returns who is in the room named slug on this server now, by
// name; none when the room is empty.
func (s *Server) Members(slug string) []Member {
	s.mu.Lock()
	r := s.rooms[slug]
	s.mu.Unlock()
	out := []Member{}
	if r == nil {
		return out
	}
	r.mu.Lock()
	for _, p := range r.members {
		out = append(out, Member{ID: p.id, Identity: p.claims.Identity, Name: p.claims.Name, Delegation: p.claims.Delegation,
			Role: p.claims.Role, JoinedAt: p.entered, InLobby: !p.joined, Hand: p.hand})
	}
	r.mu.Unlock()
	slices.SortFunc(out, func(a, b Member) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Identity, b.Identity), compareIDs(a.ID, b.ID))
	})
	return out
}

// CloseRoom ends every session of the room named slug with reason (as
// when staff archive it) and returns how many ended.
func (s *Server) CloseRoom(slug, reason string) int {
	s.mu.Lock()
	r := s.rooms[slug]
	s.mu.Unlock()
	if r == nil {
		return 0
	}
	r.mu.Lock()
	n := len(r.members)
	r.mu.Unlock()
	r.closeAll(reason)
	return n
}

// archived asks the store, when it is a RoomGate, whether slug is archived.
func (s *Server) archived(ctx context.Context, slug string) (bool, error) {
	g, ok := s.store.(RoomGate)
	if !ok {
		return false, nil
	}
	ctx, cancel := s.storeContext(ctx)
	defer cancel()
	return g.RoomArchived(ctx, slug)
}
