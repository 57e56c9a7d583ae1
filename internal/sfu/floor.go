package sfu

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mofa-vn/chancery/internal/sfu/media"
)

// Floor control: the speakers' list of the room's current agenda item and
// the floor the media server enforces.
//
// A participant requests the floor (a raised hand is a request too); the
// chair (any moderator) reorders the list, grants, pauses, resumes, ends or
// refuses. While a turn holds the floor (granted, in progress or paused)
// only the speaker, while the turn runs, and the moderators are heard: the
// microphones of everyone else are gated in the media plane
// (media.UpTrack.SetGated), whatever their clients send. A turn that ends
// closes the speaker's microphone (a server mute the speaker may lift by
// unmuting, as after a permission change); with no turn holding the floor
// the room is as it was without floor control. A turn's clock runs on the
// server's injected clock; past its deadline the speaker gets FloorGrace,
// then the server ends the turn.
//
// The room's floor state is written through to the Store before it
// changes in memory, so that a write that fails changes nothing, and a
// restart or an empty room that fills again finds the list as it was.

// FloorKind is what a request for the floor is for.
type FloorKind string

// The kinds of requests. A point of order goes before every other pending
// request (after the points of order already waiting); a right of reply is
// marked as such in the list.
const (
	KindSpeech       FloorKind = "speech"
	KindPointOfOrder FloorKind = "point_of_order"
	KindReply        FloorKind = "reply"
)

func (k FloorKind) valid() bool {
	return k == KindSpeech || k == KindPointOfOrder || k == KindReply
}

// FloorState is where a request is in its life (conference.md §3.2).
type FloorState string

// The states of a request.
const (
	FloorPending    FloorState = "pending"
	FloorGranted    FloorState = "granted"
	FloorInProgress FloorState = "in_progress"
	FloorPaused     FloorState = "paused"
	FloorCompleted  FloorState = "completed"
	FloorDenied     FloorState = "denied"
	FloorCancelled  FloorState = "cancelled"
)

// holds reports whether a request in state s holds the floor.
func (s FloorState) holds() bool {
	return s == FloorGranted || s == FloorInProgress || s == FloorPaused
}

// open reports whether a request in state s is still in the list.
func (s FloorState) open() bool { return s == FloorPending || s.holds() }

// floorEvent is what happens to a request.
type floorEvent string

const (
	evGrant   floorEvent = "grant"   // the chair grants
	evStart   floorEvent = "start"   // the speaker is there: the turn runs
	evPause   floorEvent = "pause"   // the chair pauses
	evResume  floorEvent = "resume"  // the chair resumes
	evEnd     floorEvent = "end"     // the chair or the speaker ends, or time is up
	evDeny    floorEvent = "deny"    // the chair refuses
	evCancel  floorEvent = "cancel"  // the speaker withdraws
	evTimeout floorEvent = "timeout" // time and grace are up
)

// floorMachine is the state machine of a request: from a state, an event
// leads to a state; anything else is refused.
var floorMachine = map[FloorState]map[floorEvent]FloorState{
	FloorPending:    {evGrant: FloorGranted, evDeny: FloorDenied, evCancel: FloorCancelled},
	FloorGranted:    {evStart: FloorInProgress, evDeny: FloorDenied, evCancel: FloorCancelled},
	FloorInProgress: {evPause: FloorPaused, evEnd: FloorCompleted, evTimeout: FloorCompleted},
	FloorPaused:     {evResume: FloorInProgress, evEnd: FloorCompleted},
}

// next returns the state event leads to from s, or a protocol error.
func (s FloorState) next(ev floorEvent) (FloorState, error) {
	if to, ok := floorMachine[s][ev]; ok {
		return to, nil
	}
	return "", protoErr(CodeFloorTransition, "a request that is %s cannot be %s", s, ev)
}

// Floor defaults.
const (
	// DefaultSpeakingTime is a turn's length for a role the chair set no
	// time for.
	DefaultSpeakingTime = 3 * time.Minute
	// FloorGrace is how long a speaker may finish after the deadline
	// before the server closes the microphone.
	FloorGrace = 10 * time.Second
	// DefaultAgendaItem is the agenda item of a room whose chair chose
	// none.
	DefaultAgendaItem = "general"
	// maxPending bounds the pending requests of an agenda item.
	maxPending = 500
	// floorRecent is how many closed requests floor_state carries.
	floorRecent = 10
	// floorBurst floor actions (hands included) per floorWindow are
	// allowed to a participant who does not moderate: each one is a write
	// and a message to everyone.
	floorBurst  = 10
	floorWindow = 10 * time.Second
)

// FloorRequest is one request for the floor, and the turn it became once
// granted, as the Store keeps it.
type FloorRequest struct {
	ID         int64
	AgendaItem string
	Identity   string
	Name       string
	Delegation string
	Role       Role
	Kind       FloorKind
	State      FloorState
	Position   int
	Language   string
	// Limit is the turn's speaking time; Elapsed what ran of it before
	// RunningSince, which is zero while the clock is stopped.
	Limit, Elapsed time.Duration
	RequestedAt    time.Time
	GrantedAt      time.Time
	StartedAt      time.Time
	RunningSince   time.Time
	EndedAt        time.Time
	// EndedBy is the identity that closed the request, or "time".
	EndedBy string
}

// deadline is when a running turn's time is up.
func (q *FloorRequest) deadline() time.Time {
	return q.RunningSince.Add(q.Limit - q.Elapsed)
}

// stopClock adds what ran since RunningSince to Elapsed, at most Limit.
func (q *FloorRequest) stopClock(now time.Time) {
	if !q.RunningSince.IsZero() {
		q.Elapsed += now.Sub(q.RunningSince)
		q.RunningSince = time.Time{}
	}
	q.Elapsed = min(max(q.Elapsed, 0), q.Limit)
}

// FloorItem is what the Store keeps of one agenda item of a room.
type FloorItem struct {
	// Requests are the open requests by position, then the last closed.
	Requests []FloorRequest
	// Times are the speaking times the chair set, per role.
	Times map[Role]time.Duration
}

// FloorStore keeps the speakers' lists. main wires it to the database
// with the rest of Store.
type FloorStore interface {
	// FloorAgenda returns the agenda item the room is on ("" if none).
	FloorAgenda(ctx context.Context, room string) (string, error)
	// SaveFloorAgenda records the agenda item the room is on.
	SaveFloorAgenda(ctx context.Context, room, item string) error
	// FloorItem returns an agenda item's open requests, its last closed
	// requests (at most closed) and its speaking times.
	FloorItem(ctx context.Context, room, item string, closed int) (FloorItem, error)
	// SaveFloorTime sets an agenda item's speaking time for role.
	SaveFloorTime(ctx context.Context, room, item string, role Role, d time.Duration) error
	// AddFloorRequest stores a new request and returns it with its ID.
	AddFloorRequest(ctx context.Context, room string, q FloorRequest) (FloorRequest, error)
	// UpdateFloorRequest writes q if it is still in state from.
	UpdateFloorRequest(ctx context.Context, room string, q FloorRequest, from FloorState) error
	// SaveFloorOrder numbers the pending requests of an item in order.
	SaveFloorOrder(ctx context.Context, room, item string, ids []int64) error
}

// floor is a room's floor state.
type floor struct {
	// mu serialises floor actions. It is taken before room.mu, never
	// while room.mu is held.
	mu      sync.Mutex
	loaded  bool
	item    string
	times   map[Role]time.Duration
	pending []*FloorRequest // in order
	cur     *FloorRequest   // the turn holding the floor, if any
	recent  []FloorRequest  // the last closed, oldest first
	// hits are the recent floor actions of each identity that does not
	// moderate, for the rate limit.
	hits map[string][]time.Time

	// Guarded by room.mu: what the media gate reads.
	held bool   // a turn holds the floor
	open string // the identity heard while it does ("": only moderators)
	lang string // the language the turn holding the floor speaks (interp.go)
}

// FloorRequestInfo describes a request to clients. Times are Unix
// milliseconds on the server's clock; floor_state carries the server's
// time so that clients count down from the same deadline.
type FloorRequestInfo struct {
	ID          int64      `json:"id"`
	Identity    string     `json:"identity"`
	Participant string     `json:"participant,omitempty"` // the session's id, while in the room
	Name        string     `json:"name"`
	Delegation  string     `json:"delegation,omitempty"`
	Role        Role       `json:"role"`
	Kind        FloorKind  `json:"kind"`
	State       FloorState `json:"state"`
	Language    string     `json:"language,omitempty"`
	LimitMS     int64      `json:"limit_ms"`
	// RemainingMS is the time left of a paused turn.
	RemainingMS int64 `json:"remaining_ms,omitempty"`
	// Deadline is when a running turn's time is up; GraceUntil when the
	// server closes the microphone.
	Deadline   int64  `json:"deadline,omitempty"`
	GraceUntil int64  `json:"grace_until,omitempty"`
	EndedBy    string `json:"ended_by,omitempty"`
}

// FloorInfo is the floor_state broadcast: the agenda item, its speaking
// times (seconds per role), the turn holding the floor, the pending
// requests in order and the last closed ones.
type FloorInfo struct {
	AgendaItem   string             `json:"agenda_item"`
	Times        map[Role]int       `json:"times"`
	GraceSeconds int                `json:"grace"`
	ServerTime   int64              `json:"server_time"`
	Current      *FloorRequestInfo  `json:"current,omitempty"`
	Requests     []FloorRequestInfo `json:"requests"`
	Recent       []FloorRequestInfo `json:"recent"`
}

// Error codes of floor control.
const (
	// CodeFloorTransition is an action the request's state does not allow.
	CodeFloorTransition = "floor_transition"
	// CodeFloorBusy is a grant, or a change of agenda item, while a turn
	// holds the floor.
	CodeFloorBusy = "floor_busy"
	// CodeFloorDuplicate is a second open request of the same kind.
	CodeFloorDuplicate = "floor_duplicate"
	// CodeUnavailable is a change the database did not take: nothing
	// changed.
	CodeUnavailable = "unavailable"
)

// Floor message types: client to server, and floor_state back.
const (
	TypeFloorRequest  = "floor_request"  // kind, language: ask for the floor
	TypeFloorCancel   = "floor_cancel"   // request: withdraw one's own request
	TypeFloorGrant    = "floor_grant"    // request (moderator)
	TypeFloorPause    = "floor_pause"    // request (moderator)
	TypeFloorResume   = "floor_resume"   // request (moderator)
	TypeFloorEnd      = "floor_end"      // request (moderator, or the speaker)
	TypeFloorDeny     = "floor_deny"     // request (moderator)
	TypeFloorReorder  = "floor_reorder"  // request, position (moderator)
	TypeFloorAgenda   = "floor_agenda"   // agenda_item, times (moderator)
	TypeFloorLanguage = "floor_language" // request, language (the speaker, or a moderator)
	TypeFloorState    = "floor_state"    // floor: server to client
)

// chairOnly are the floor actions only moderators may take.
var chairOnly = map[string]bool{TypeFloorGrant: true, TypeFloorPause: true, TypeFloorResume: true, TypeFloorDeny: true,
	TypeFloorReorder: true, TypeFloorAgenda: true}

// checkFloor checks a floor message's fields.
func (m *ClientMessage) checkFloor() error {
	switch m.Type {
	case TypeFloorRequest:
		if m.Kind != "" && !m.Kind.valid() {
			return protoErr(CodeBadMessage, "unknown kind %q", m.Kind)
		}
		if m.Language != "" && !validLanguage(m.Language) {
			return protoErr(CodeBadMessage, "bad language %q", m.Language)
		}
		if m.Request != 0 {
			return protoErr(CodeBadMessage, "floor_request takes no request")
		}
	case TypeFloorAgenda:
		if !validAgendaItem(m.AgendaItem) {
			return protoErr(CodeBadMessage, "an agenda item is 1 to 64 printable characters")
		}
		if len(m.Times) > len(Roles) {
			return protoErr(CodeBadMessage, "too many speaking times")
		}
		for r, s := range m.Times {
			if !r.Valid() || s < 10 || s > 3600 {
				return protoErr(CodeBadMessage, "a speaking time is 10 to 3600 seconds for a known role")
			}
		}
	default:
		if m.Request <= 0 {
			return protoErr(CodeBadMessage, "%s needs a request", m.Type)
		}
		if m.Type == TypeFloorReorder && (m.Position < 0 || m.Position >= maxPending) {
			return protoErr(CodeBadMessage, "position out of range")
		}
		if m.Type == TypeFloorLanguage && !validLanguage(m.Language) {
			return protoErr(CodeBadMessage, "bad language %q", m.Language)
		}
	}
	return nil
}

// validLanguage accepts a BCP 47-like tag: letters, digits and hyphens,
// starting with a letter, at most 16 bytes.
func validLanguage(s string) bool {
	if s == "" || len(s) > 16 {
		return false
	}
	for i, c := range s {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || (i > 0 && (c >= '0' && c <= '9' || c == '-'))
		if !ok {
			return false
		}
	}
	return true
}

// validAgendaItem accepts 1 to 64 characters with no control or format
// characters.
func validAgendaItem(s string) bool {
	if !utf8.ValidString(s) || s == "" || utf8.RuneCountInString(s) > 64 {
		return false
	}
	for _, c := range s {
		if unicode.IsControl(c) || unicode.Is(unicode.Cf, c) {
			return false
		}
	}
	return true
}

// ensureLoadedLocked reads the room's floor from the Store once. f.mu
// must be held.
func (r *Room) ensureLoadedLocked(ctx context.Context) error {
	f := &r.floor
	if f.loaded {
		return nil
	}
	ctx, cancel := r.s.storeContext(ctx)
	defer cancel()
	item, err := r.s.store.FloorAgenda(ctx, r.slug)
	if err != nil {
		return err
	}
	if item == "" {
		item = DefaultAgendaItem
	}
	if err := r.loadItemLocked(ctx, item); err != nil {
		return err
	}
	f.loaded = true
	return nil
}

// loadItemLocked makes item the current agenda item, from the Store.
func (r *Room) loadItemLocked(ctx context.Context, item string) error {
	f := &r.floor
	fi, err := r.s.store.FloorItem(ctx, r.slug, item, floorRecent)
	if err != nil {
		return err
	}
	f.item, f.times, f.pending, f.cur, f.recent = item, fi.Times, nil, nil, nil
	if f.times == nil {
		f.times = map[Role]time.Duration{}
	}
	for i := range fi.Requests {
		q := fi.Requests[i]
		switch {
		case q.State == FloorPending:
			f.pending = append(f.pending, &q)
		case q.State.holds() && f.cur == nil:
			f.cur = &q
		case !q.State.open():
			f.recent = append(f.recent, q)
		}
	}
	return nil
}

// loadFloor reads the room's floor from the Store if it was not read yet,
// and sets the media gates from it: admit calls it before a member can
// publish. A Store that fails leaves the floor open and is retried on the
// next admit or action.
func (r *Room) loadFloor(ctx context.Context) {
	f := &r.floor
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.loaded {
		return
	}
	if err := r.ensureLoadedLocked(ctx); err != nil {
		r.log.Error("load the speakers' list", "err", err)
		return
	}
	r.applyFloorLocked()
}

// floorJoined starts a granted turn whose speaker just arrived, and sends
// the newcomer the floor's state.
func (r *Room) floorJoined(p *Participant) {
	f := &r.floor
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.loaded {
		return
	}
	if open, _ := r.voteOpenLocked(context.WithoutCancel(p.ctx)); open {
		// Nobody speaks while a vote is open: the turn starts when the
		// chair resumes the floor after it.
		p.send(ServerMessage{Type: TypeFloorState, Floor: r.floorInfoLocked()})
		return
	}
	if q := f.cur; q != nil && q.State == FloorGranted && q.Identity == p.claims.Identity {
		// The speaker given the floor in their absence is here: the turn
		// starts, and everyone learns it.
		r.floorStartLocked(context.WithoutCancel(p.ctx))
		r.applyFloorLocked()
		r.broadcastFloorLocked()
		return
	}
	p.send(ServerMessage{Type: TypeFloorState, Floor: r.floorInfoLocked()})
}

// present returns the admitted member of identity, or nil.
func (r *Room) present(identity string) *Participant {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range r.members {
		if p.joined && p.claims.Identity == identity {
			return p
		}
	}
	return nil
}

// floorGateLocked reports whether u must not be forwarded now: a
// microphone while a turn holds the floor, of someone who is neither the
// speaker heard now nor a moderator. r.mu must be held.
func (r *Room) floorGateLocked(u *upTrack) bool {
	f := &r.floor
	if !f.held || u.Source() != media.SourceMicrophone {
		return false
	}
	p := r.members[u.Owner()]
	if p == nil {
		return true
	}
	return !p.perms.Moderate && (f.open == "" || p.claims.Identity != f.open)
}

// applyFloorLocked sets who may be heard from the floor's state and gates
// every microphone accordingly; the tracks that changed are announced.
// f.mu must be held.
func (r *Room) applyFloorLocked() {
	f := &r.floor
	held, open, lang := false, "", ""
	if q := f.cur; q != nil {
		held = true
		if q.State == FloorInProgress {
			open, lang = q.Identity, q.Language
		}
	}
	r.mu.Lock()
	f.held, f.open, f.lang = held, open, lang
	var changed []*upTrack
	for _, u := range r.tracks {
		if g := r.floorGateLocked(u); g != u.Gated() {
			u.SetGated(g)
			changed = append(changed, u)
		}
	}
	r.mu.Unlock()
	for _, u := range changed {
		r.trackChanged(u)
	}
	r.interpChanged() // passthrough follows the floor's language
	r.recordFloorLocked()
}

// openMicrophone gives the floor's speaker their microphone: a chair's
// mute of it is lifted (granting the floor is the chair's consent) and
// the server's stop of it too, as the speaker asked for the floor.
func (r *Room) openMicrophone(identity string) {
	r.mu.Lock()
	lifted := false
	if ms := r.chairMutes[identity]; ms != nil {
		if _, ok := ms[SourceMicrophone]; ok {
			delete(ms, SourceMicrophone)
			lifted = true
			if len(ms) == 0 {
				delete(r.chairMutes, identity)
			}
		}
	}
	var speaker *Participant
	for _, p := range r.members {
		if p.joined && p.claims.Identity == identity {
			speaker = p
		}
	}
	r.mu.Unlock()
	if speaker == nil {
		return
	}
	if speaker.permissions().CanPublish(SourceMicrophone) {
		for _, u := range speaker.micTracks() {
			if u.Muted() {
				u.SetMuted(false)
				r.trackChanged(u)
			}
		}
	}
	r.mu.Lock()
	handWas := speaker.hand
	speaker.hand = false
	r.mu.Unlock()
	if lifted || handWas {
		r.participantChanged(speaker)
	}
}

// closeMicrophone stops the speaker's microphone at the end of a turn;
// a moderator's stays open, as moderators are always heard.
func (r *Room) closeMicrophone(identity string) {
	p := r.present(identity)
	if p == nil || p.permissions().Moderate {
		return
	}
	for _, u := range p.micTracks() {
		if !u.Muted() {
			u.SetMuted(true)
			r.trackChanged(u)
		}
	}
}

func (p *Participant) micTracks() []*upTrack {
	p.pubMu.Lock()
	defer p.pubMu.Unlock()
	var us []*upTrack
	for _, u := range p.uplink {
		if u.Source() == media.SourceMicrophone {
			us = append(us, u)
		}
	}
	return us
}

// floorInfoLocked describes the floor to clients. f.mu must be held.
func (r *Room) floorInfoLocked() *FloorInfo {
	f := &r.floor
	now := r.s.now()
	times := map[Role]int{}
	for _, role := range Roles {
		times[role] = int(r.speakingTimeLocked(role) / time.Second)
	}
	r.mu.Lock()
	ids := map[string]string{}
	for _, p := range r.members {
		if p.joined {
			ids[p.claims.Identity] = p.id
		}
	}
	r.mu.Unlock()
	info := func(q *FloorRequest) FloorRequestInfo {
		fi := FloorRequestInfo{ID: q.ID, Identity: q.Identity, Participant: ids[q.Identity], Name: q.Name, Delegation: q.Delegation,
			Role: q.Role, Kind: q.Kind, State: q.State, Language: q.Language, LimitMS: q.Limit.Milliseconds(), EndedBy: q.EndedBy}
		switch q.State {
		case FloorInProgress:
			d := q.deadline()
			fi.Deadline, fi.GraceUntil = d.UnixMilli(), d.Add(FloorGrace).UnixMilli()
		case FloorPaused, FloorGranted:
			fi.RemainingMS = (q.Limit - q.Elapsed).Milliseconds()
		}
		return fi
	}
	out := &FloorInfo{AgendaItem: f.item, Times: times, GraceSeconds: int(FloorGrace / time.Second), ServerTime: now.UnixMilli(),
		Requests: make([]FloorRequestInfo, 0, len(f.pending)), Recent: make([]FloorRequestInfo, 0, len(f.recent))}
	if f.cur != nil {
		c := info(f.cur)
		out.Current = &c
	}
	for _, q := range f.pending {
		out.Requests = append(out.Requests, info(q))
	}
	for i := range f.recent {
		out.Recent = append(out.Recent, info(&f.recent[i]))
	}
	return out
}

// speakingTimeLocked is the current agenda item's speaking time for role.
func (r *Room) speakingTimeLocked(role Role) time.Duration {
	if d, ok := r.floor.times[role]; ok && d > 0 {
		return d
	}
	return DefaultSpeakingTime
}

// broadcastFloorLocked sends everyone the floor's state. f.mu must be
// held, so that the states go out in the order they were reached.
func (r *Room) broadcastFloorLocked() {
	r.broadcast(ServerMessage{Type: TypeFloorState, Floor: r.floorInfoLocked()})
}

// handleFloor runs a floor message. A refusal goes to the sender alone
// and changes nothing; the session goes on.
func (p *Participant) handleFloor(m ClientMessage) {
	if chairOnly[m.Type] && !p.permissions().Moderate {
		p.send(errorMessage(protoErr(CodeForbidden, "only the chair may do this")))
		return
	}
	// The change and its audit are written even when the sender leaves
	// right after it; each Store call has its own deadline.
	if err := p.room.floorAction(context.WithoutCancel(p.ctx), p, m); err != nil {
		p.send(errorMessage(err))
	}
}

// floorAction applies m from p to the room's floor.
func (r *Room) floorAction(ctx context.Context, p *Participant, m ClientMessage) error {
	f := &r.floor
	f.mu.Lock()
	defer f.mu.Unlock()
	if !r.floorAllowedLocked(p) {
		return protoErr(CodeRateLimit, "too many requests for the floor; wait a moment")
	}
	if err := r.ensureLoadedLocked(ctx); err != nil {
		r.log.Error("load the speakers' list", "err", err)
		return protoErr(CodeUnavailable, "the speakers' list cannot be read now; try again")
	}
	if m.Type == TypeFloorRequest || m.Type == TypeFloorGrant || m.Type == TypeFloorResume {
		if open, err := r.voteOpenLocked(ctx); err != nil || open {
			if err == nil {
				err = errVoteOpen
			}
			return err
		}
	}
	var err error
	switch m.Type {
	case TypeFloorRequest:
		err = r.floorRequestLocked(ctx, p, m.Kind, m.Language)
	case TypeFloorAgenda:
		err = r.floorAgendaLocked(ctx, p, m.AgendaItem, m.Times)
	case TypeFloorReorder:
		err = r.floorReorderLocked(ctx, p, m.Request, m.Position)
	default:
		err = r.floorChangeLocked(ctx, p, m)
	}
	if err != nil {
		return err
	}
	r.applyFloorLocked()
	r.broadcastFloorLocked()
	return nil
}

// floorAllowedLocked counts an action of p against the rate limit and
// reports whether it may run. Moderators are not limited. f.mu must be
// held.
func (r *Room) floorAllowedLocked(p *Participant) bool {
	if p.permissions().Moderate {
		return true
	}
	f := &r.floor
	if f.hits == nil {
		f.hits = map[string][]time.Time{}
	}
	now := r.s.now()
	id := p.claims.Identity
	keep := f.hits[id][:0]
	for _, at := range f.hits[id] {
		if now.Sub(at) < floorWindow {
			keep = append(keep, at)
		}
	}
	if len(keep) >= floorBurst {
		f.hits[id] = keep
		return false
	}
	f.hits[id] = append(keep, now)
	return true
}

// storeErr turns a failed write into the client's refusal.
func (r *Room) storeErr(what string, err error) error {
	r.log.Error(what, "err", err)
	return protoErr(CodeUnavailable, "the change was not saved; nothing changed")
}

func (r *Room) floorRequestLocked(ctx context.Context, p *Participant, kind FloorKind, lang string) error {
	f := &r.floor
	perms := p.permissions()
	if !perms.PublishMicrophone || p.claims.Role == RoleInterpreter || p.claims.Role == RoleObserver {
		return protoErr(CodeForbidden, "you may not take the floor")
	}
	if kind == "" {
		kind = KindSpeech
	}
	all := f.pending
	if f.cur != nil {
		all = append(slices.Clip(all), f.cur)
	}
	for _, q := range all {
		if q.Identity == p.claims.Identity && q.Kind == kind {
			return protoErr(CodeFloorDuplicate, "you already asked for the floor")
		}
	}
	if len(f.pending) >= maxPending {
		return protoErr(CodeRateLimit, "the speakers' list is full")
	}
	at := len(f.pending)
	if kind == KindSpeech {
		at = r.speechAt(f.pending, p.claims.Identity)
	}
	if kind == KindPointOfOrder {
		at = 0
		for at < len(f.pending) && f.pending[at].Kind == KindPointOfOrder {
			at++
		}
	}
	q := FloorRequest{AgendaItem: f.item, Identity: p.claims.Identity, Name: p.claims.Name, Delegation: p.claims.Delegation,
		Role: p.claims.Role, Kind: kind, State: FloorPending, Position: at, Language: lang, Limit: r.speakingTimeLocked(p.claims.Role),
		RequestedAt: r.s.now().UTC()}
	sctx, cancel := r.s.storeContext(ctx)
	defer cancel()
	saved, err := r.s.store.AddFloorRequest(sctx, r.slug, q)
	if err != nil {
		return r.storeErr("add a floor request", err)
	}
	pending := slices.Insert(slices.Clone(f.pending), at, &saved)
	// The stored positions of the others may have gaps (requests granted
	// or withdrawn): number the whole list again.
	if len(pending) > 1 {
		if err := r.s.store.SaveFloorOrder(sctx, r.slug, f.item, requestIDs(pending)); err != nil {
			// The request is stored at its position; only the others'
			// numbers are stale, and the next reorder renumbers them.
			r.log.Error("order the speakers' list", "err", err)
		}
	}
	f.pending = pending
	r.floorAudit(ctx, p, "floor_request", &saved, string(kind))
	return nil
}

func requestIDs(qs []*FloorRequest) []int64 {
	ids := make([]int64, len(qs))
	for i, q := range qs {
		ids[i] = q.ID
	}
	return ids
}

func (r *Room) floorAgendaLocked(ctx context.Context, p *Participant, item string, times map[Role]int) error {
	f := &r.floor
	sctx, cancel := r.s.storeContext(ctx)
	defer cancel()
	if item != f.item {
		if f.cur != nil {
			return protoErr(CodeFloorBusy, "end the turn that holds the floor first")
		}
		if err := r.s.store.SaveFloorAgenda(sctx, r.slug, item); err != nil {
			return r.storeErr("set the agenda item", err)
		}
		if err := r.loadItemLocked(sctx, item); err != nil {
			return r.storeErr("load the agenda item", err)
		}
		r.floorAudit(ctx, p, "floor_agenda", nil, item)
	}
	roles := make([]Role, 0, len(times))
	for role := range times {
		roles = append(roles, role)
	}
	slices.Sort(roles)
	for _, role := range roles {
		d := time.Duration(times[role]) * time.Second
		if err := r.s.store.SaveFloorTime(sctx, r.slug, f.item, role, d); err != nil {
			return r.storeErr("set a speaking time", err)
		}
		f.times[role] = d
		r.floorAudit(ctx, p, "floor_time", nil, fmt.Sprintf("%s: %s for %s", f.item, d, role))
	}
	return nil
}

func (r *Room) floorReorderLocked(ctx context.Context, p *Participant, id int64, pos int) error {
	f := &r.floor
	i := slices.IndexFunc(f.pending, func(q *FloorRequest) bool { return q.ID == id })
	if i < 0 {
		return r.notPending(id)
	}
	pos = min(pos, len(f.pending)-1)
	if pos == i {
		return nil
	}
	q := f.pending[i]
	pending := slices.Insert(slices.Delete(slices.Clone(f.pending), i, i+1), pos, q)
	sctx, cancel := r.s.storeContext(ctx)
	defer cancel()
	if err := r.s.store.SaveFloorOrder(sctx, r.slug, f.item, requestIDs(pending)); err != nil {
		return r.storeErr("order the speakers' list", err)
	}
	f.pending = pending
	r.floorAudit(ctx, p, "floor_reorder", q, fmt.Sprintf("to position %d", pos+1))
	return nil
}

// notPending explains why a request is not in the pending list.
func (r *Room) notPending(id int64) error {
	f := &r.floor
	if f.cur != nil && f.cur.ID == id {
		return protoErr(CodeFloorTransition, "request %d holds the floor", id)
	}
	for _, q := range f.recent {
		if q.ID == id {
			return protoErr(CodeFloorTransition, "request %d is %s", id, q.State)
		}
	}
	return protoErr(CodeNotFound, "no request %d in the speakers' list", id)
}

// floorChangeLocked runs an action on one request: grant, pause, resume,
// end, deny, cancel or a change of language.
func (r *Room) floorChangeLocked(ctx context.Context, p *Participant, m ClientMessage) error {
	f := &r.floor
	var q *FloorRequest
	if f.cur != nil && f.cur.ID == m.Request {
		q = f.cur
	} else if i := slices.IndexFunc(f.pending, func(x *FloorRequest) bool { return x.ID == m.Request }); i >= 0 {
		q = f.pending[i]
	}
	if q == nil {
		return r.notPending(m.Request)
	}
	own := q.Identity == p.claims.Identity
	chair := p.permissions().Moderate
	var ev floorEvent
	switch m.Type {
	case TypeFloorGrant:
		ev = evGrant
	case TypeFloorPause:
		ev = evPause
	case TypeFloorResume:
		ev = evResume
	case TypeFloorDeny:
		ev = evDeny
	case TypeFloorEnd:
		if !own && !chair {
			return protoErr(CodeForbidden, "only the chair or the speaker may end a turn")
		}
		ev = evEnd
	case TypeFloorCancel:
		if !own {
			return protoErr(CodeForbidden, "only the one who asked may withdraw a request")
		}
		ev = evCancel
	case TypeFloorLanguage:
		if !own && !chair {
			return protoErr(CodeForbidden, "only the chair or the speaker may set the language")
		}
		nq := *q
		nq.Language = m.Language
		if err := r.saveRequest(ctx, &nq, q.State); err != nil {
			return err
		}
		*q = nq
		r.floorAudit(ctx, p, "floor_language", q, m.Language)
		return nil
	}
	if ev == evGrant && f.cur != nil {
		return protoErr(CodeFloorBusy, "%s holds the floor; end that turn first", f.cur.Name)
	}
	return r.floorStepLocked(ctx, p, q, ev)
}

// floorStepLocked moves q by ev, writing it first, then updates the list
// and the microphones. p is the actor (nil: the server's clock).
func (r *Room) floorStepLocked(ctx context.Context, p *Participant, q *FloorRequest, ev floorEvent) error {
	f := &r.floor
	to, err := q.State.next(ev)
	if err != nil {
		return err
	}
	now := r.s.now().UTC()
	nq := *q
	nq.State = to
	switch ev {
	case evGrant:
		nq.GrantedAt = now
	case evPause:
		nq.stopClock(now)
	case evResume:
		nq.RunningSince = now
	case evEnd, evTimeout, evDeny, evCancel:
		nq.stopClock(now)
		nq.EndedAt = now
		nq.EndedBy = "time"
		if p != nil {
			nq.EndedBy = p.claims.Identity
		}
	}
	if err := r.saveRequest(ctx, &nq, q.State); err != nil {
		return err
	}
	from := q.State
	*q = nq
	switch {
	case to.holds():
		if from == FloorPending {
			f.pending = slices.DeleteFunc(slices.Clone(f.pending), func(x *FloorRequest) bool { return x == q })
			f.cur = q
		}
	default:
		if f.cur == q {
			f.cur = nil
		} else {
			f.pending = slices.DeleteFunc(slices.Clone(f.pending), func(x *FloorRequest) bool { return x == q })
		}
		f.recent = append(f.recent, *q)
		if len(f.recent) > floorRecent {
			f.recent = slices.Delete(f.recent, 0, len(f.recent)-floorRecent)
		}
	}
	r.floorAudit(ctx, p, "floor_"+string(ev), q, "")
	switch {
	case ev == evGrant:
		if r.present(q.Identity) != nil {
			r.floorStartLocked(ctx)
		}
	case ev == evResume:
		r.openMicrophone(q.Identity)
	case from == FloorInProgress || from == FloorPaused:
		if to == FloorCompleted {
			// Closed before the gate opens for everyone else, so that the
			// speaker's microphone is never heard once the turn is over.
			r.closeMicrophone(q.Identity)
		}
	}
	return nil
}

// floorStartLocked starts the granted turn: the speaker is there. When
// the database does not take it, the turn stays granted (the floor held,
// nobody but the moderators heard) and starts when the speaker next
// joins, or the chair ends or refuses it.
func (r *Room) floorStartLocked(ctx context.Context) {
	f := &r.floor
	q := f.cur
	to, err := q.State.next(evStart)
	if err != nil {
		return
	}
	nq := *q
	now := r.s.now().UTC()
	nq.State, nq.StartedAt, nq.RunningSince = to, now, now
	if err := r.saveRequest(ctx, &nq, q.State); err != nil {
		return // logged by saveRequest
	}
	*q = nq
	r.floorAudit(ctx, nil, "floor_start", q, "")
	r.openMicrophone(q.Identity)
}

// saveRequest writes q, which leaves state from.
func (r *Room) saveRequest(ctx context.Context, q *FloorRequest, from FloorState) error {
	sctx, cancel := r.s.storeContext(ctx)
	defer cancel()
	if err := r.s.store.UpdateFloorRequest(sctx, r.slug, *q, from); err != nil {
		return r.storeErr("update a floor request", err)
	}
	return nil
}

// floorTick ends the running turn once its time and grace are up, on the
// server's clock. The room's loop calls it.
func (r *Room) floorTick() {
	f := &r.floor
	// A floor action waiting on the database must not hold up the room's
	// loop: the next tick looks again.
	if !f.mu.TryLock() {
		return
	}
	defer f.mu.Unlock()
	q := f.cur
	if !f.loaded || q == nil || q.State != FloorInProgress || r.s.now().Before(q.deadline().Add(FloorGrace)) {
		return
	}
	if err := r.floorStepLocked(context.Background(), nil, q, evTimeout); err != nil {
		var pe *ProtocolError
		if !errors.As(err, &pe) {
			r.log.Error("end a turn whose time is up", "err", err)
		}
		return
	}
	r.applyFloorLocked()
	r.broadcastFloorLocked()
}

// floorHand makes a raised hand a request for the floor, and a lowered
// hand withdraw a pending one. Refusals are not errors here: the hand
// stays as the participant set it.
func (r *Room) floorHand(p *Participant, raised bool) {
	if !p.permissions().PublishMicrophone || p.claims.Role == RoleInterpreter || p.claims.Role == RoleObserver {
		return
	}
	f := &r.floor
	ctx := context.WithoutCancel(p.ctx)
	f.mu.Lock()
	defer f.mu.Unlock()
	if !r.floorAllowedLocked(p) {
		return
	}
	if err := r.ensureLoadedLocked(ctx); err != nil {
		r.log.Error("load the speakers' list", "err", err)
		return
	}
	var err error
	if raised {
		if open, _ := r.voteOpenLocked(ctx); open {
			return
		}
		err = r.floorRequestLocked(ctx, p, KindSpeech, "")
	} else {
		i := slices.IndexFunc(f.pending, func(q *FloorRequest) bool { return q.Identity == p.claims.Identity && q.Kind == KindSpeech })
		if i < 0 {
			return
		}
		err = r.floorStepLocked(ctx, p, f.pending[i], evCancel)
	}
	if err != nil {
		return
	}
	r.applyFloorLocked()
	r.broadcastFloorLocked()
}

// floorAudit records a floor action in the room's audit trail; p nil is
// the server (a turn whose time is up, a speaker who arrived).
func (r *Room) floorAudit(ctx context.Context, p *Participant, action string, q *FloorRequest, detail string) {
	e := AuditEntry{Room: r.slug, Action: action, At: r.s.now().UTC()}
	if p != nil {
		e.ActorIdentity, e.ActorName = p.claims.Identity, p.claims.Name
	}
	if q != nil {
		e.TargetIdentity = q.Identity
		d := fmt.Sprintf("request %d (%s) on %q", q.ID, q.Kind, q.AgendaItem)
		if detail != "" {
			d += ": " + detail
		}
		detail = d
	}
	e.Detail = detail
	ctx, cancel := r.s.storeContext(ctx)
	defer cancel()
	if err := r.s.store.Audit(ctx, e); err != nil {
		r.log.Error("audit", "action", action, "err", err)
	}
}
