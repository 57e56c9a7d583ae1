package conference

import (
	"context"
	"errors"
	"time"

	"github.com/mofa-vn/chancery/internal/secrets"
	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/store"
)

// Store adapts the database to sfu.Store.
type Store struct {
	DB *store.DB
	// ReceptionOf, if set, lists who is expected in a room and the order of
	// precedence of its meeting (sfu.Reception); cmd/server gives it the
	// events' delegations.
	ReceptionOf func(ctx context.Context, slug string) (sfu.ReceptionList, error)
	// Box seals the running tally of a secret vote with the server's
	// secret key (internal/procedure); without it secret votes are
	// refused.
	Box *secrets.Box
}

var _ sfu.Reception = Store{}

// Reception implements sfu.Reception: without ReceptionOf, every room has
// an empty list and a plain lobby.
func (s Store) Reception(ctx context.Context, slug string) (sfu.ReceptionList, error) {
	if s.ReceptionOf == nil {
		return sfu.ReceptionList{}, nil
	}
	return s.ReceptionOf(ctx, slug)
}

var _ sfu.MeetingLanguages = Store{}

// MeetingLanguages implements sfu.MeetingLanguages: the room's languages
// staff set, else its events'.
func (s Store) MeetingLanguages(ctx context.Context, slug string) ([]string, error) {
	return s.DB.MeetingLanguages(ctx, slug)
}

var _ sfu.Store = Store{}

// SaveChat implements sfu.Store.
func (s Store) SaveChat(ctx context.Context, room string, m sfu.ChatMessage) (sfu.ChatMessage, error) {
	rc, err := s.DB.AddRoomChat(ctx, store.RoomChat{RoomSlug: room, Identity: m.Identity, Name: m.Name, Delegation: m.Delegation,
		Body: m.Text, CreatedAt: time.UnixMilli(m.At)})
	if err != nil {
		return sfu.ChatMessage{}, err
	}
	m.ID = rc.ID
	return m, nil
}

// RecentChat implements sfu.Store.
func (s Store) RecentChat(ctx context.Context, room string, limit int) ([]sfu.ChatMessage, error) {
	rs, err := s.DB.RecentRoomChat(ctx, room, limit)
	if err != nil {
		return nil, err
	}
	out := make([]sfu.ChatMessage, 0, len(rs))
	for _, r := range rs {
		out = append(out, sfu.ChatMessage{ID: r.ID, Identity: r.Identity, Name: r.Name, Delegation: r.Delegation, Text: r.Body, At: r.CreatedAt.UnixMilli()})
	}
	return out, nil
}

// Audit implements sfu.Store.
func (s Store) Audit(ctx context.Context, e sfu.AuditEntry) error {
	return s.DB.AddRoomAudit(ctx, store.RoomAudit{RoomSlug: e.Room, ActorIdentity: e.ActorIdentity, ActorName: e.ActorName,
		Action: e.Action, TargetIdentity: e.TargetIdentity, Detail: e.Detail, CreatedAt: e.At})
}

// Revoked implements sfu.Store.
func (s Store) Revoked(ctx context.Context, ids []string) ([]string, error) {
	return s.DB.RevokedRoomTokens(ctx, ids)
}

var _ sfu.RoomGate = Store{}

// RoomArchived implements sfu.RoomGate. A room the database does not know
// (the SFU's own tests, or a token made for a room created later) is not
// archived.
func (s Store) RoomArchived(ctx context.Context, slug string) (bool, error) {
	a, err := s.DB.RoomArchived(ctx, slug)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return a, err
}
