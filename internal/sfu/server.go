package sfu

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mofa-vn/chancery/internal/sfu/media"
)

// Store keeps what outlives a room's members: chat history and the audit
// trail of moderator actions. main wires it to the database.
type Store interface {
	// SaveChat stores m and returns it with its ID set.
	SaveChat(ctx context.Context, room string, m ChatMessage) (ChatMessage, error)
	// RecentChat returns the last limit messages of room, oldest first.
	RecentChat(ctx context.Context, room string, limit int) ([]ChatMessage, error)
	// Audit records a moderator action.
	Audit(ctx context.Context, e AuditEntry) error
	// Revoked returns which of the join token IDs were revoked.
	Revoked(ctx context.Context, ids []string) ([]string, error)
	// FloorStore keeps the speakers' lists (floor.go).
	FloorStore
	// ProcedureStore keeps roll calls and votes (procedure.go).
	ProcedureStore
}

// AuditEntry is one moderator action.
type AuditEntry struct {
	Room           string
	ActorIdentity  string
	ActorName      string
	Action         string // admit, deny, mute, remove, lock, unlock, permissions
	TargetIdentity string
	Detail         string
	At             time.Time
}

// Params are the dependencies of a Server.
type Params struct {
	Config Config
	Signer *Signer
	Store  Store
	Log    *slog.Logger
	// Now is the clock for chat and audit times (nil: time.Now).
	Now func() time.Time
	// ChatHistory is how many messages late joiners receive (0: 100).
	ChatHistory int
	// RejoinTTL is the lifetime of the rejoin tokens the server hands its
	// participants (0: DefaultRejoinTTL). They are refreshed over the
	// signalling channel once half of it has passed.
	RejoinTTL time.Duration
	// StoreTimeout bounds each call to Store (0: DefaultStoreTimeout): a
	// database that hangs costs a chat message or an audit entry, never a
	// participant's session.
	StoreTimeout time.Duration
}

// DefaultStoreTimeout is how long the SFU waits for one Store call.
const DefaultStoreTimeout = 5 * time.Second

// DefaultRejoinTTL is the lifetime of a rejoin token: long enough to ride
// out a network loss, short enough that a leaked one soon dies.
const DefaultRejoinTTL = 10 * time.Minute

// Server is the SFU: it owns the rooms and the shared media sockets.
type Server struct {
	t       *transport
	signer  *Signer
	store   Store
	log     *slog.Logger
	now     func() time.Time
	history int
	rejoin  time.Duration
	// storeTimeout bounds each Store call.
	storeTimeout time.Duration

	mu     sync.Mutex
	rooms  map[string]*Room
	closed bool
	// recordings are the rooms being recorded, by slug (recording.go),
	// under recsMu, which is taken last; recMu orders attaching and
	// detaching their sinks.
	recsMu     sync.Mutex
	recordings map[string]*recording
	recMu      sync.Mutex
	// recordControl starts and stops recordings for moderators.
	recordControl RecordControl
	wg            sync.WaitGroup // connections and rooms
	ids           atomic.Uint64

	// counters are the media plane's, shared by every track and
	// subscriber connection.
	counters media.Counters
	// bc are the WHEP viewers and WHIP publishers (broadcast.go).
	bc broadcasts
}

// New opens the media sockets and returns a ready server.
func New(p Params) (*Server, error) {
	if p.Signer == nil || p.Store == nil || p.Log == nil {
		return nil, errors.New("sfu: New needs a signer, a store and a logger")
	}
	t, err := newTransport(p.Config, p.Log)
	if err != nil {
		return nil, err
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	if p.ChatHistory <= 0 {
		p.ChatHistory = 100
	}
	if p.RejoinTTL <= 0 {
		p.RejoinTTL = DefaultRejoinTTL
	}
	if p.StoreTimeout <= 0 {
		p.StoreTimeout = DefaultStoreTimeout
	}
	return &Server{t: t, signer: p.Signer, store: p.Store, log: p.Log, now: p.Now, history: p.ChatHistory, rejoin: p.RejoinTTL,
		storeTimeout: p.StoreTimeout, rooms: map[string]*Room{}}, nil
}

// storeContext bounds one Store call made on behalf of ctx.
func (s *Server) storeContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.storeTimeout)
}

// UDPAddr is the address of the shared media socket.
func (s *Server) UDPAddr() string { return s.t.udp.LocalAddr().String() }

// Signer returns the token signer.
func (s *Server) Signer() *Signer { return s.signer }

func (s *Server) newID(prefix string) string {
	return prefix + strconv.FormatUint(s.ids.Add(1), 36)
}

// room returns the room named slug, creating it; nil once the server closes.
func (s *Server) room(slug string) *Room {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	r := s.rooms[slug]
	if r == nil {
		r = newRoom(s, slug)
		s.rooms[slug] = r
		s.wg.Go(r.run)
	}
	return r
}

// dropRoom forgets r if it is still empty.
func (s *Server) dropRoom(r *Room) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rooms[r.slug] == r {
		delete(s.rooms, r.slug)
	}
}

// Stats are counters for the metrics endpoint.
type Stats struct {
	Rooms, Participants, Tracks, Subscriptions int
	Forwarded                                  uint64 // RTP packets sent to subscribers
	// Padding counts probe padding packets sent; Probes the probe clusters
	// started; Feedback the transport-wide congestion control feedback
	// packets subscribers sent; RetransmissionsDropped the retransmissions
	// over their budget.
	Padding, Probes, Feedback, RetransmissionsDropped uint64
}

// Stats returns the current counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	rooms := make([]*Room, 0, len(s.rooms))
	for _, r := range s.rooms {
		rooms = append(rooms, r)
	}
	s.mu.Unlock()
	c := s.counters.Totals()
	st := Stats{Rooms: len(rooms), Forwarded: c.Forwarded, Padding: c.Padding, Probes: c.Probes,
		Feedback: c.Feedback, RetransmissionsDropped: c.RetransmissionsDropped}
	for _, r := range rooms {
		r.mu.Lock()
		st.Participants += len(r.members)
		st.Tracks += len(r.tracks)
		for _, u := range r.tracks {
			st.Subscriptions += u.Subscribers()
		}
		for _, b := range r.in.booths {
			st.Subscriptions += b.ch.Track().Subscribers() // listeners of the language channels
		}
		r.mu.Unlock()
	}
	return st
}

// Close disconnects everyone, waits for every goroutine the server started
// and closes the media sockets.
func (s *Server) Close() error {
	s.mu.Lock()
	rc := s.recordControl
	s.mu.Unlock()
	if rc != nil {
		rc.Shutdown() // the recordings end whole, their manifests saying why
	}
	s.mu.Lock()
	s.closed = true
	rooms := make([]*Room, 0, len(s.rooms))
	for _, r := range s.rooms {
		rooms = append(rooms, r)
	}
	s.mu.Unlock()
	s.bc.closeAll()
	for _, r := range rooms {
		r.closeAll("shutdown")
	}
	s.wg.Wait()
	s.t.close()
	return nil
}

// SetPermissions changes what a participant may do, at any time: floor
// control grants and revokes the microphone this way. Tracks of sources no
// longer allowed stop being forwarded at once.
func (s *Server) SetPermissions(ctx context.Context, room, identity string, perms Permissions, actor string) error {
	s.mu.Lock()
	r := s.rooms[room]
	s.mu.Unlock()
	if r == nil {
		return fmt.Errorf("sfu: room %q: %w", room, ErrNotFound)
	}
	p := r.byIdentity(identity)
	if p == nil {
		return fmt.Errorf("sfu: participant %q: %w", identity, ErrNotFound)
	}
	r.setPermissions(p, perms)
	ctx, cancel := s.storeContext(ctx)
	defer cancel()
	return s.store.Audit(ctx, AuditEntry{Room: room, ActorIdentity: actor, Action: "permissions", TargetIdentity: identity,
		Detail: fmt.Sprintf("%+v", perms), At: s.now().UTC()})
}

// Revoke ends at once every session opened with the join token id, or with
// the rejoin tokens handed to such a session, telling the client the
// reason "revoked". The caller records the revocation in the Store first,
// so that the token cannot join again; rooms also look for revocations
// made elsewhere (another instance) every few seconds. It returns how many
// sessions ended.
func (s *Server) Revoke(id string) int {
	s.mu.Lock()
	rooms := make([]*Room, 0, len(s.rooms))
	for _, r := range s.rooms {
		rooms = append(rooms, r)
	}
	s.mu.Unlock()
	n := 0
	for _, r := range rooms {
		n += r.revoke(map[string]bool{id: true})
	}
	return n
}

// ErrNotFound is a room or participant that is not there.
var ErrNotFound = errors.New("sfu: not found")
