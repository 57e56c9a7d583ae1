package sfu

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/mofa-vn/chancery/internal/sfu/media"
)

const (
	speakerInterval  = 500 * time.Millisecond
	allocateInterval = time.Second
	// revokeInterval is how often a room asks the store whether a token
	// of one of its sessions was revoked elsewhere (another instance).
	revokeInterval = 5 * time.Second
)

// Room is one conference room: its members (in the lobby or admitted), its
// published tracks and its moderation state.
type Room struct {
	s    *Server
	slug string
	log  *slog.Logger

	mu       sync.Mutex
	members  map[string]*Participant // by participant id, lobby included
	tracks   map[string]*upTrack     // by track id
	admitted map[string]bool         // identities admitted once: reconnects skip the lobby
	// perms are permissions the server changed during the meeting, by
	// identity: a reconnect keeps them instead of the token's.
	perms map[string]Permissions
	// chairMutes are the moderators' standing mutes, by identity and
	// source, with the moderator's name (chairmute.go).
	chairMutes map[string]map[Source]string
	locked     bool
	speakers   []string
	// floor is the speakers' list and who may be heard (floor.go).
	floor floor
	// proc is the roll call, quorum and votes (procedure.go), guarded by
	// floor.mu.
	proc proc
	// in is the simultaneous interpretation: booths and channels (interp.go).
	in      interp
	stop    chan struct{}
	stopped bool

	// ranks are the precedence ranks of invited identities, and
	// receptionList the store's last reception list, read at receptionAt
	// (reception.go).
	ranks         map[string]int
	receptionList ReceptionList
	receptionAt   time.Time
	// langs are the meeting's languages the store gave at langsAt
	// (interp.go).
	langs   []string
	langsAt time.Time
}

func newRoom(s *Server, slug string) *Room {
	return &Room{s: s, slug: slug, log: s.log.With("room", slug), members: map[string]*Participant{},
		tracks: map[string]*upTrack{}, admitted: map[string]bool{}, perms: map[string]Permissions{}, stop: make(chan struct{})}
}

// run measures layer bitrates, allocates subscriber layers and pushes the
// active speakers until the room empties.
func (r *Room) run() {
	sp := time.NewTicker(speakerInterval)
	defer sp.Stop()
	last := time.Now()
	n := 0
	for {
		select {
		case <-r.stop:
			return
		case now := <-sp.C:
			r.updateSpeakers()
			r.refreshTokens()
			r.floorTick()
			n++
			if n%int(revokeInterval/speakerInterval) == 0 {
				r.sweepRevoked()
			}
			if n%int(allocateInterval/speakerInterval) == 0 {
				r.mu.Lock()
				for _, u := range r.tracks {
					u.Measure(now.Sub(last))
				}
				ps := r.joinedLocked()
				r.mu.Unlock()
				last = now
				for _, p := range ps {
					p.enqueue(p.allocate)
				}
			}
		}
	}
}

func (r *Room) updateSpeakers() {
	r.mu.Lock()
	var ls []media.Loudness
	for _, u := range r.tracks {
		if u.Kind() == webrtc.RTPCodecTypeAudio && u.Source() == media.SourceMicrophone {
			v := u.Loudness()
			if u.Muted() {
				v = 0
			}
			ls = append(ls, media.Loudness{Owner: u.Owner(), Value: v})
		}
	}
	sp := media.RankSpeakers(ls)
	changed := !slices.Equal(sp, r.speakers)
	r.speakers = sp
	ps := r.joinedLocked()
	r.mu.Unlock()
	if changed {
		r.recordSpeakers(sp)
		for _, p := range ps {
			p.send(ServerMessage{Type: TypeSpeakers, Speakers: orEmpty(sp)})
		}
	}
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// joinedLocked returns the admitted members. r.mu must be held.
func (r *Room) joinedLocked() []*Participant {
	ps := make([]*Participant, 0, len(r.members))
	for _, p := range r.members {
		if p.joined {
			ps = append(ps, p)
		}
	}
	return ps
}

func (r *Room) moderatorsLocked() []*Participant {
	var ps []*Participant
	for _, p := range r.members {
		if p.joined && p.perms.Moderate {
			ps = append(ps, p)
		}
	}
	return ps
}

func (r *Room) byIdentity(identity string) *Participant {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range r.members {
		if p.claims.Identity == identity {
			return p
		}
	}
	return nil
}

func (r *Room) byID(id string) *Participant {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.members[id]
}

// enter adds p to the room: it is refused when the room is locked, and
// waits in the lobby unless it moderates or was admitted before.
//
// An identity is one person: a session opened with the same token (or a
// rejoin token handed to that session, which carries its ID) replaces a
// member of the same identity, as after a reload or a network loss; a
// different token for an identity in the room is refused while the member
// stays, so that one token holder cannot take over another's seat, name
// and permissions. A stale session drops within the ping timeout, or staff
// revoke its token.
func (r *Room) enter(p *Participant) error {
	l, hasList := r.reception(p.ctx)
	r.mu.Lock()
	if hasList {
		r.rememberRanksLocked(l)
	}
	if r.stopped {
		r.mu.Unlock()
		return protoErr(CodeNotFound, "the room is closed")
	}
	if pp, ok := r.perms[p.claims.Identity]; ok {
		p.perms = pp
	}
	admit := p.perms.Moderate || r.admitted[p.claims.Identity]
	if r.locked && !admit {
		r.mu.Unlock()
		return protoErr(CodeLocked, "the room is locked")
	}
	var stale *Participant
	for _, m := range r.members {
		if m.claims.Identity == p.claims.Identity {
			if m.claims.ID != p.claims.ID {
				r.mu.Unlock()
				return protoErr(CodeIdentityInUse, "this participant is already in the room with another invitation")
			}
			stale = m
		}
	}
	r.members[p.id] = p
	r.mu.Unlock()
	if stale != nil {
		// A reload or a reconnect: the old session goes, the new one takes
		// its place without waiting in the lobby again if it was admitted.
		stale.close("replaced")
		r.leave(stale)
	}
	if admit {
		return r.admit(p)
	}
	p.send(ServerMessage{Type: TypeLobby, Room: r.slug})
	r.pushWaiting()
	return nil
}

// admit lets p in: it gets its connections, the room's state and every
// published track; the others learn about it.
func (r *Room) admit(p *Participant) error {
	if err := p.startMedia(); err != nil {
		return err
	}
	// The floor's gates are set before the member can publish.
	r.loadFloor(p.ctx)
	ctx, cancel := r.s.storeContext(p.ctx)
	chat, err := r.s.store.RecentChat(ctx, r.slug, r.s.history)
	cancel()
	if err != nil && p.ctx.Err() == nil {
		r.log.Error("chat history", "err", err)
	}
	token, exp := r.rejoinToken(p)
	ice := r.s.t.iceServers(time.Hour)

	r.mu.Lock()
	if r.members[p.id] != p {
		r.mu.Unlock()
		return protoErr(CodeNotFound, "you left the room")
	}
	p.joined = true
	r.admitted[p.claims.Identity] = true
	self := p.infoLocked()
	others := r.joinedLocked()
	parts := make([]ParticipantInfo, 0, len(others))
	for _, o := range others {
		parts = append(parts, o.infoLocked())
	}
	tracks := make([]TrackInfo, 0, len(r.tracks))
	ups := make([]*upTrack, 0, len(r.tracks))
	for _, u := range r.tracks {
		tracks = append(tracks, trackInfo(u))
		if r.wantsLocked(p, u) {
			ups = append(ups, u)
		}
	}
	locked := r.locked
	speakers := r.speakers
	// The welcome is queued under the room lock: a track published from
	// now on is announced by publish, which takes the lock, so its event
	// always follows the welcome that did not list it. (send only queues.)
	p.send(ServerMessage{Type: TypeWelcome, Room: r.slug, Self: &self, Participants: parts, Tracks: tracks, Chat: chat,
		Locked: &locked, Speakers: orEmpty(speakers), ICEServers: ice, Token: token, ExpiresAt: exp, Recording: r.s.recordingFlag(r.slug)})
	r.mu.Unlock()

	for _, o := range others {
		if o != p {
			o.send(ServerMessage{Type: TypeParticipant, Participant: &self})
		}
	}
	for _, u := range ups {
		p.enqueue(func() { p.subscribe(u) })
	}
	if p.perms.Moderate {
		r.pushWaiting()
	}
	r.floorJoined(p)
	r.procJoined(p)
	r.interpJoined(p)
	return nil
}

// leave removes p and everything it published.
func (r *Room) leave(p *Participant) {
	r.mu.Lock()
	if r.members[p.id] != p {
		r.mu.Unlock()
		return
	}
	delete(r.members, p.id)
	var gone []*upTrack
	for id, u := range r.tracks {
		if u.Owner() == p.id {
			gone = append(gone, u)
			delete(r.tracks, id)
		}
	}
	others := r.joinedLocked()
	wasJoined := p.joined
	empty := len(r.members) == 0
	if empty {
		r.stopped = true
		close(r.stop)
	}
	r.mu.Unlock()
	for _, u := range gone {
		r.unrecordTrack(u)
		for _, o := range others {
			o.send(ServerMessage{Type: TypeUntrack, TrackID: u.ID()})
			o.enqueue(func() { o.unsubscribe(u) })
		}
	}
	if wasJoined {
		for _, o := range others {
			o.send(ServerMessage{Type: TypeLeft, ID: p.id})
		}
	} else {
		r.pushWaiting()
	}
	r.interpLeft(p, empty)
	if empty {
		r.unrecordChannels()
		r.s.dropRoom(r)
	}
}

// publish makes u available to every admitted member but its owner.
func (r *Room) publish(u *upTrack) {
	r.mu.Lock()
	r.tracks[u.ID()] = u
	u.SetGated(r.floorGateLocked(u))
	ps := r.joinedLocked()
	wants := make([]bool, len(ps))
	for i, p := range ps {
		wants[i] = r.wantsLocked(p, u)
	}
	r.mu.Unlock()
	r.recordTrack(u)
	info := trackInfo(u)
	for i, p := range ps {
		p.send(ServerMessage{Type: TypeTrack, Track: &info})
		if wants[i] {
			p.enqueue(func() { p.subscribe(u) })
		}
	}
	r.interpChanged() // a live interpreter's or the floor speaker's track feeds a channel
}

// unpublish withdraws u.
func (r *Room) unpublish(u *upTrack) {
	r.mu.Lock()
	if r.tracks[u.ID()] != u {
		r.mu.Unlock()
		return
	}
	delete(r.tracks, u.ID())
	ps := r.joinedLocked()
	r.mu.Unlock()
	r.unrecordTrack(u)
	for _, p := range ps {
		p.send(ServerMessage{Type: TypeUntrack, TrackID: u.ID()})
		p.enqueue(func() { p.unsubscribe(u) })
	}
	r.interpChanged()
}

// trackChanged tells everyone about u's new state (muted, for example).
func (r *Room) trackChanged(u *upTrack) {
	info := trackInfo(u)
	r.broadcast(ServerMessage{Type: TypeTrack, Track: &info})
}

func (r *Room) broadcast(m ServerMessage) {
	r.mu.Lock()
	ps := r.joinedLocked()
	r.mu.Unlock()
	for _, p := range ps {
		p.send(m)
	}
}

func (r *Room) participantChanged(p *Participant) {
	r.mu.Lock()
	info := p.infoLocked()
	r.mu.Unlock()
	r.broadcast(ServerMessage{Type: TypeParticipant, Participant: &info})
}

// pushWaiting tells moderators who waits in the lobby, in order of
// precedence, and, in a room with a Reception, who is expected.
func (r *Room) pushWaiting() {
	r.mu.Lock()
	anyMod := len(r.moderatorsLocked()) > 0
	r.mu.Unlock()
	if !anyMod {
		return
	}
	l, hasList := r.reception(context.Background())
	r.mu.Lock()
	var list *ReceptionList
	if hasList {
		r.rememberRanksLocked(l)
		list = r.receptionStateLocked(l)
	}
	waiting := []ParticipantInfo{}
	for _, p := range r.members {
		if !p.joined {
			waiting = append(waiting, p.infoLocked())
		}
	}
	slices.SortFunc(waiting, byPrecedence)
	mods := r.moderatorsLocked()
	r.mu.Unlock()
	for _, m := range mods {
		m.send(ServerMessage{Type: TypeWaiting, Waiting: waiting, Reception: list})
	}
}

func compareIDs(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (r *Room) setPermissions(p *Participant, perms Permissions) {
	r.mu.Lock()
	p.perms = perms
	r.perms[p.claims.Identity] = perms
	var revoked []*upTrack
	for _, u := range r.tracks {
		if u.Owner() == p.id && !perms.CanPublish(Source(u.Source())) && !u.Muted() {
			u.SetMuted(true)
			revoked = append(revoked, u)
		}
	}
	joined := p.joined
	r.mu.Unlock()
	for _, u := range revoked {
		r.trackChanged(u)
	}
	r.participantChanged(p)
	if joined {
		// The rejoin token carries the permissions: replace it at once.
		token, exp := r.rejoinToken(p)
		p.send(ServerMessage{Type: TypeToken, Token: token, ExpiresAt: exp})
	}
}

// rejoinToken issues p a short-lived token to rejoin with after a network
// loss, bound to its identity, this room and its current permissions, and
// records when it should be refreshed. It returns the token and its expiry
// (Unix seconds); an empty token if the claims no longer validate.
func (r *Room) rejoinToken(p *Participant) (string, int64) {
	r.mu.Lock()
	c := p.claims
	c.Room = r.slug
	c.Permissions = p.perms
	r.mu.Unlock()
	ttl := r.s.rejoin
	token, err := r.s.signer.Issue(c, ttl)
	if err != nil {
		r.log.Error("issue rejoin token", "err", err)
		return "", 0
	}
	issued := r.s.signer.now()
	r.mu.Lock()
	p.refreshAt = issued.Add(ttl / 2)
	r.mu.Unlock()
	return token, issued.Add(ttl).Unix()
}

// refreshTokens sends a new rejoin token to every participant whose token
// has lived half its lifetime, so that a reconnect late in a long meeting
// still gets in.
func (r *Room) refreshTokens() {
	now := r.s.signer.now()
	r.mu.Lock()
	var due []*Participant
	for _, p := range r.joinedLocked() {
		if !p.refreshAt.IsZero() && !now.Before(p.refreshAt) {
			due = append(due, p)
		}
	}
	r.mu.Unlock()
	for _, p := range due {
		if token, exp := r.rejoinToken(p); token != "" {
			p.send(ServerMessage{Type: TypeToken, Token: token, ExpiresAt: exp})
		}
	}
}

func (r *Room) setLocked(v bool) {
	r.mu.Lock()
	r.locked = v
	r.mu.Unlock()
	r.broadcast(ServerMessage{Type: TypeLocked, Locked: &v})
}

// forget makes a removed identity wait in the lobby if it comes back.
func (r *Room) forget(identity string) {
	r.mu.Lock()
	delete(r.admitted, identity)
	r.mu.Unlock()
}

// revoke closes the members whose token ID is in ids and returns how many.
func (r *Room) revoke(ids map[string]bool) int {
	r.mu.Lock()
	var gone []*Participant
	for _, p := range r.members {
		if ids[p.claims.ID] {
			gone = append(gone, p)
		}
	}
	r.mu.Unlock()
	for _, p := range gone {
		r.log.Info("session ended: token revoked", "participant", p.id, "identity", p.claims.Identity)
		p.close("revoked")
	}
	return len(gone)
}

// sweepRevoked ends the sessions whose token was revoked elsewhere.
func (r *Room) sweepRevoked() {
	r.mu.Lock()
	ids := make([]string, 0, len(r.members))
	seen := map[string]bool{}
	for _, p := range r.members {
		if !seen[p.claims.ID] {
			seen[p.claims.ID] = true
			ids = append(ids, p.claims.ID)
		}
	}
	r.mu.Unlock()
	revoked, err := r.s.store.Revoked(context.Background(), ids)
	if err != nil {
		r.log.Error("check token revocations", "err", err)
		return
	}
	if len(revoked) > 0 {
		m := make(map[string]bool, len(revoked))
		for _, id := range revoked {
			m[id] = true
		}
		r.revoke(m)
	}
}

func (r *Room) closeAll(reason string) {
	r.mu.Lock()
	ps := make([]*Participant, 0, len(r.members))
	for _, p := range r.members {
		ps = append(ps, p)
	}
	r.mu.Unlock()
	for _, p := range ps {
		p.close(reason)
	}
}

func (r *Room) audit(ctx context.Context, actor *Participant, action string, target *Participant, detail string) {
	e := AuditEntry{Room: r.slug, ActorIdentity: actor.claims.Identity, ActorName: actor.claims.Name, Action: action, Detail: detail, At: r.s.now().UTC()}
	if target != nil {
		e.TargetIdentity = target.claims.Identity
	}
	ctx, cancel := r.s.storeContext(ctx)
	defer cancel()
	if err := r.s.store.Audit(ctx, e); err != nil {
		r.log.Error("audit", "action", action, "err", err)
	}
}
