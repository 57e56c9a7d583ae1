package broadcast

import (
	"context"
	"time"

	"github.com/mofa-vn/chancery/internal/store"
)

// State is where a room's broadcast stands.
type State string

// The states of a broadcast.
const (
	StateLive     State = "live"     // someone publishes: viewers are served
	StateUpcoming State = "upcoming" // not live yet
	StateEnded    State = "ended"    // its sessions are over, or the room closed
)

// Broadcast is what the public may know of a room's broadcast.
type Broadcast struct {
	Room   store.Room
	Public bool // the room holds a session of a public event
	State  State
	// Session is the session shown: the one under way, else the next,
	// else the last.
	Session *store.RoomSession
}

// broadcastOf looks at room now.
func (h *Handlers) broadcastOf(ctx context.Context, room store.Room) (Broadcast, error) {
	ss, err := h.p.DB.RoomSessions(ctx, room.ID)
	if err != nil {
		return Broadcast{}, err
	}
	now := h.p.Now()
	b := Broadcast{Room: room}
	ended := true
	for i := range ss {
		s := &ss[i]
		if s.Cancelled {
			continue
		}
		if s.EventPublic {
			b.Public = true
		}
		if now.Before(s.EndsAt) {
			ended = false
			if b.Session == nil || b.Session.EndsAt.Before(now) {
				b.Session = s
			}
		} else if b.Session == nil || b.Session.EndsAt.Before(now) {
			b.Session = s
		}
	}
	if len(ss) == 0 {
		ended = false
	}
	switch st := room.State(now); {
	case st == store.RoomArchived:
		b.State = StateEnded
	case h.p.SFU.Live(room.Slug):
		b.State = StateLive
	case st == store.RoomClosed || ended:
		b.State = StateEnded
	default:
		b.State = StateUpcoming
	}
	return b, nil
}

// retryAfter is what a viewer of a broadcast not live yet is told to wait.
const retryAfter = 10 * time.Second
