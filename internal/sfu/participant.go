package sfu

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/mofa-vn/chancery/internal/sfu/media"
)

// Participant is one member of a room: one signalling connection and, once
// admitted, two PeerConnections. The client offers on the publishing one;
// the server offers on the subscribing one, so that neither side's offers
// ever collide.
type Participant struct {
	id     string
	room   *Room
	claims Claims
	log    *slog.Logger

	// Guarded by room.mu.
	perms     Permissions
	joined    bool
	hand      bool
	refreshAt time.Time // when the rejoin token is refreshed
	entered   time.Time // when the session opened (Members)

	// out queues the client's messages by pointer: a queue of 256 whole
	// messages held about 170 KB per participant, empty.
	out       chan *ServerMessage
	ctx       context.Context
	cancel    context.CancelFunc
	closeOnce sync.Once
	reason    atomic.Pointer[string]
	wg        sync.WaitGroup
	ops       chan func()
	opsDone   chan struct{} // closed when the ops goroutine has returned

	mediaMu     sync.Mutex // guards creating and closing pub and sub
	mediaClosed bool
	pub, sub    *webrtc.PeerConnection
	// pubGate and subGate order each connection's candidates after its
	// answer or offer.
	pubGate, subGate candidateGate
	// subscriber is the subscriber connection's media side: its bandwidth
	// estimator and layer allocation.
	subscriber *media.Subscriber

	// Owned by the ops goroutine.
	downs         map[string]*downTrack
	negotiating   bool
	pendingOffer  bool
	pendingICE    bool
	subCandidates []webrtc.ICECandidateInit
	pubCandidates []webrtc.ICECandidateInit

	// kindSources, set for a WHIP publisher before its connection exists,
	// give each kind of track the source it publishes as, since encoders
	// announce no track specs (ingest.go).
	kindSources map[webrtc.RTPCodecType]Source

	pubMu  sync.Mutex
	specs  map[string]TrackSpec
	uplink map[string]*upTrack // by the publisher's track id
	layers map[string]int      // remaining layers per upTrack id

	chatTimes []time.Time
}

func newParticipant(r *Room, c Claims) *Participant {
	ctx, cancel := context.WithCancel(context.Background())
	id := r.s.newID("p")
	if c.Role == RoleInterpreter && IsSignLanguage(c.Booth) {
		// A sign interpreter's camera is their interpretation (interp.go).
		c.Permissions.PublishCamera = true
	}
	return &Participant{id: id, room: r, claims: c, perms: c.Permissions, entered: r.s.now().UTC(), log: r.log.With("participant", id),
		out: make(chan *ServerMessage, 256), ctx: ctx, cancel: cancel, ops: make(chan func(), 256), opsDone: make(chan struct{}),
		downs: map[string]*downTrack{}, specs: map[string]TrackSpec{}, uplink: map[string]*upTrack{}, layers: map[string]int{}}
}

// infoLocked describes p; room.mu must be held.
func (p *Participant) infoLocked() ParticipantInfo {
	return ParticipantInfo{ID: p.id, Identity: p.claims.Identity, Name: p.claims.Name, Delegation: p.claims.Delegation,
		Head: p.claims.Head, Role: p.claims.Role, Booth: boothOf(p), Permissions: p.perms, Hand: p.hand, Rank: p.room.ranks[p.claims.Identity], ChairMuted: p.room.chairMutesLocked(p.claims.Identity)}
}

func (p *Participant) permissions() Permissions {
	p.room.mu.Lock()
	defer p.room.mu.Unlock()
	return p.perms
}

// send queues m for the client. A client too slow to keep up is
// disconnected rather than allowed to hold memory.
func (p *Participant) send(m ServerMessage) {
	m.V = ProtocolVersion
	select {
	case <-p.ctx.Done():
	case p.out <- &m:
	default:
		p.close("slow")
	}
}

// enqueue runs f on p's ops goroutine, which serialises every change to the
// PeerConnections.
func (p *Participant) enqueue(f func()) {
	select {
	case <-p.ctx.Done():
	case p.ops <- f:
	}
}

func (p *Participant) runOps() {
	defer close(p.opsDone)
	for {
		select {
		case <-p.ctx.Done():
			return
		case f := <-p.ops:
			f()
		}
	}
}

// close ends the session: the signalling connection is told why and
// closed, the PeerConnections are closed and every goroutine ends.
func (p *Participant) close(reason string) {
	p.closeOnce.Do(func() {
		p.reason.Store(&reason)
		p.cancel()
	})
}

// startMedia creates the two PeerConnections.
func (p *Participant) startMedia() error {
	p.mediaMu.Lock()
	defer p.mediaMu.Unlock()
	if p.mediaClosed {
		return protoErr(CodeNotFound, "you left the room")
	}
	if p.pub != nil {
		return nil
	}
	ice := p.room.s.t.iceServers(time.Hour)
	pub, err := p.room.s.t.newPeerConnectionWith(ice, nil, p.kindSources != nil)
	if err != nil {
		return err
	}
	sm := media.NewSubscriber(media.SubscriberParams{Counters: &p.room.s.counters, Log: p.log, Go: p.wg.Go,
		Reallocate: func() { p.enqueue(p.allocate) }})
	sub, err := p.room.s.t.newPeerConnection(ice, sm.Interceptor())
	if err != nil {
		_ = pub.Close()
		return err
	}
	p.pub, p.sub, p.subscriber = pub, sub, sm
	pub.OnICECandidate(func(c *webrtc.ICECandidate) { p.trickle(TargetPublish, c) })
	sub.OnICECandidate(func(c *webrtc.ICECandidate) { p.trickle(TargetSubscribe, c) })
	pub.OnTrack(p.onTrack)
	sub.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		if s == webrtc.PeerConnectionStateFailed {
			p.log.Debug("subscriber connection failed; waiting for an ICE restart")
		}
	})
	return nil
}

func (p *Participant) trickle(target string, c *webrtc.ICECandidate) {
	if c == nil {
		return
	}
	init := c.ToJSON()
	p.gate(target).send(p, ServerMessage{Type: TypeCandidate, Target: target, Candidate: &init})
}

func (p *Participant) gate(target string) *candidateGate {
	if target == TargetSubscribe {
		return &p.subGate
	}
	return &p.pubGate
}

// candidateGate keeps a connection's trickled candidates behind the
// description they belong to. pion starts gathering inside
// SetLocalDescription and reports candidates from its own goroutine, so the
// first ones can be ready before the offer or answer is queued; a client
// that receives a candidate before the description cannot add it. Over UDP
// a lost candidate is found again as peer reflexive, but ICE over TCP and
// TURN depend on the client having the server's candidates.
type candidateGate struct {
	mu   sync.Mutex
	hold bool
	held []ServerMessage
}

// close holds candidates until open: call it before anything that may
// start gathering (SetLocalDescription, or CreateOffer with an ICE restart).
func (g *candidateGate) close() {
	g.mu.Lock()
	g.hold = true
	g.mu.Unlock()
}

// open sends what was held, in order, once the description is queued.
func (g *candidateGate) open(p *Participant) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, m := range g.held {
		p.send(m)
	}
	g.held, g.hold = nil, false
}

func (g *candidateGate) send(p *Participant, m ServerMessage) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.hold {
		g.held = append(g.held, m)
		return
	}
	p.send(m)
}

// closeMedia closes the PeerConnections; pion then ends every track read
// and RTCP loop.
func (p *Participant) closeMedia() {
	p.mediaMu.Lock()
	defer p.mediaMu.Unlock()
	p.mediaClosed = true
	for _, pc := range []*webrtc.PeerConnection{p.pub, p.sub} {
		if pc != nil {
			_ = pc.GracefulClose()
		}
	}
}

// onTrack runs on pion's goroutine for each incoming stream (one per
// simulcast layer) and forwards it until it ends.
func (p *Participant) onTrack(remote *webrtc.TrackRemote, recv *webrtc.RTPReceiver) {
	p.pubMu.Lock()
	spec, ok := p.specs[remote.ID()]
	p.pubMu.Unlock()
	if src := p.kindSources[remote.Kind()]; !ok && src != "" {
		spec, ok = TrackSpec{ID: remote.ID(), Source: src}, true
	}
	kind, _ := spec.Source.kind()
	if !ok || kind != remote.Kind() || !p.permissions().CanPublish(spec.Source) {
		p.send(errorMessage(protoErr(CodeForbidden, "you may not publish this track")))
		discard(remote)
		return
	}
	q := media.RIDLayer(remote.RID())
	if q < 0 {
		discard(remote)
		return
	}
	p.pubMu.Lock()
	u := p.uplink[remote.ID()]
	fresh := u == nil
	if fresh {
		var levelExt uint8
		for _, h := range recv.GetParameters().HeaderExtensions {
			if h.URI == audioLevelURI {
				levelExt = uint8(h.ID)
			}
		}
		u = media.NewUpTrack(media.TrackParams{ID: p.room.s.newID("t"), Owner: p.id, Kind: remote.Kind(),
			Source: media.Source(spec.Source), Language: spec.Language, Codec: remote.Codec().RTPCodecCapability,
			Simulcast: remote.RID() != "", AudioLevelExt: levelExt, SendRTCP: p.pub.WriteRTCP, Counters: &p.room.s.counters,
			Batch: p.room.s.t.batch})
		p.uplink[remote.ID()] = u
	}
	p.layers[u.ID()]++
	p.pubMu.Unlock()
	if fresh {
		p.startMutedIfChairMuted(u)
		p.room.publish(u)
	}
	u.RequestKeyframe(q)
	u.ReadLoop(remote, q)

	p.pubMu.Lock()
	p.layers[u.ID()]--
	last := p.layers[u.ID()] == 0
	if last {
		delete(p.layers, u.ID())
		if p.uplink[remote.ID()] == u {
			delete(p.uplink, remote.ID())
		}
	}
	p.pubMu.Unlock()
	if last {
		p.room.unpublish(u)
	}
}

func discard(t *webrtc.TrackRemote) {
	buf := make([]byte, 1500)
	for {
		if _, _, err := t.Read(buf); err != nil {
			return
		}
	}
}

// handleOffer answers the client's offer on the publishing connection.
func (p *Participant) handleOffer(m ClientMessage) error {
	perms := p.permissions()
	p.pubMu.Lock()
	for _, t := range m.Tracks {
		if !perms.CanPublish(t.Source) {
			p.pubMu.Unlock()
			return protoErr(CodeForbidden, "you may not publish %s", t.Source)
		}
		if err := p.checkInterpTrack(t); err != nil {
			p.pubMu.Unlock()
			return err
		}
		p.specs[t.ID] = t
	}
	p.pubMu.Unlock()
	// An offer that restarts ICE makes pion gather anew while it is applied.
	p.pubGate.close()
	defer p.pubGate.open(p)
	if err := p.pub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: m.SDP}); err != nil {
		return protoErr(CodeBadSDP, "offer refused: %v", err)
	}
	ans, err := p.pub.CreateAnswer(nil)
	if err != nil {
		return protoErr(CodeBadSDP, "cannot answer: %v", err)
	}
	if err := p.pub.SetLocalDescription(ans); err != nil {
		return protoErr(CodeBadSDP, "cannot answer: %v", err)
	}
	// pion accepts only the answer it created as its local description;
	// the publisher receives it with Opus DTX and FEC asked for.
	p.send(ServerMessage{Type: TypeAnswer, SDP: media.WithOpusDTXAndFEC(ans.SDP), Target: TargetPublish})
	for _, c := range p.pubCandidates {
		_ = p.pub.AddICECandidate(c)
	}
	p.pubCandidates = nil
	return nil
}

// negotiate sends a new offer on the subscribing connection, or marks one
// pending while the previous offer waits for its answer.
func (p *Participant) negotiate(restart bool) {
	if restart {
		p.pendingICE = true
	}
	if p.negotiating {
		p.pendingOffer = true
		return
	}
	if p.sub.LocalDescription() == nil {
		// Nothing was offered yet, so there is no ICE to restart: pion has
		// no ICE agent before the first offer and refuses the restart, and
		// a restart left pending would make every later offer fail the
		// same way. The first offer, made with the first track, starts ICE
		// afresh anyway.
		p.pendingICE = false
		if len(p.sub.GetTransceivers()) == 0 {
			return
		}
	}
	// An ICE restart gathers anew inside CreateOffer.
	p.subGate.close()
	defer p.subGate.open(p)
	offer, err := p.sub.CreateOffer(&webrtc.OfferOptions{ICERestart: p.pendingICE})
	if err != nil {
		p.log.Warn("subscriber offer", "err", err)
		return
	}
	if err := p.sub.SetLocalDescription(offer); err != nil {
		p.log.Warn("subscriber offer", "err", err)
		return
	}
	p.pendingICE, p.pendingOffer, p.negotiating = false, false, true
	p.send(ServerMessage{Type: TypeOffer, SDP: offer.SDP, Target: TargetSubscribe})
}

func (p *Participant) handleAnswer(m ClientMessage) error {
	if !p.negotiating {
		return protoErr(CodeBadMessage, "no offer is waiting for an answer")
	}
	if err := p.sub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: m.SDP}); err != nil {
		return protoErr(CodeBadSDP, "answer refused: %v", err)
	}
	p.negotiating = false
	p.log.Debug("subscriber answer applied", "transceivers", len(p.sub.GetTransceivers()))
	for _, c := range p.subCandidates {
		_ = p.sub.AddICECandidate(c)
	}
	p.subCandidates = nil
	if p.pendingOffer || p.pendingICE {
		p.negotiate(false)
	}
	return nil
}

func (p *Participant) handleCandidate(m ClientMessage) error {
	pc, queue := p.pub, &p.pubCandidates
	if m.Target == TargetSubscribe {
		pc, queue = p.sub, &p.subCandidates
	}
	// A candidate may overtake the description it belongs to (trickle ICE
	// starts as soon as the client sets its local description): keep it.
	if pc.RemoteDescription() == nil || (m.Target == TargetSubscribe && p.negotiating) {
		if len(*queue) >= 64 {
			return protoErr(CodeBadMessage, "too many candidates before a description")
		}
		*queue = append(*queue, *m.Candidate)
		return nil
	}
	if err := pc.AddICECandidate(*m.Candidate); err != nil {
		return protoErr(CodeBadMessage, "bad candidate: %v", err)
	}
	return nil
}

// subscribe starts forwarding u to p.
func (p *Participant) subscribe(u *upTrack) {
	if p.ctx.Err() != nil || p.sub == nil || !p.permissions().Subscribe {
		return
	}
	if _, ok := p.downs[u.ID()]; ok {
		return
	}
	if !roomCodec(u) {
		return // an H.264 studio feed reaches broadcast viewers only (broadcast.go)
	}
	d := media.NewDownTrack(u)
	sender, err := p.sub.AddTrack(d)
	if err != nil {
		p.log.Warn("subscribe", "track", u.ID(), "err", err)
		return
	}
	d.SetSender(sender)
	p.downs[u.ID()] = d
	u.AddDown(d)
	p.wg.Go(d.RTCPLoop)
	p.negotiate(false)
}

func (p *Participant) unsubscribe(u *upTrack) {
	d, ok := p.downs[u.ID()]
	if !ok {
		return
	}
	delete(p.downs, u.ID())
	u.RemoveDown(d)
	if p.sub.ConnectionState() != webrtc.PeerConnectionStateClosed {
		_ = p.sub.RemoveTrack(d.Sender())
		p.negotiate(false)
	}
}

// dropSubscriptions detaches p from every track it received, once its ops
// goroutine has ended.
func (p *Participant) dropSubscriptions() {
	for id, d := range p.downs {
		d.Up().RemoveDown(d)
		delete(p.downs, id)
	}
}

// setView records the size at which the client shows a track.
func (p *Participant) setView(track string, w, h int) error {
	d, ok := p.downs[track]
	if !ok {
		return nil // the track may have just gone; not the client's fault
	}
	d.SetView(w, h)
	p.allocate()
	return nil
}

// muteTrack stops (or, for the publisher itself, resumes) forwarding p's
// tracks of source.
func (p *Participant) muteTrack(source Source, muted, byServer bool) {
	p.pubMu.Lock()
	var us []*upTrack
	for _, u := range p.uplink {
		if u.Source() == media.Source(source) {
			us = append(us, u)
		}
	}
	p.pubMu.Unlock()
	for _, u := range us {
		if byServer {
			u.SetMuted(true)
		} else {
			u.SetSelfMuted(muted)
			if !muted && p.permissions().CanPublish(source) {
				u.SetMuted(false)
				u.RequestKeyframes()
			}
		}
		p.room.trackChanged(u)
	}
}

// chatAllowed limits a participant to 10 chat messages in 10 seconds.
func (p *Participant) chatAllowed(now time.Time) bool {
	keep := p.chatTimes[:0]
	for _, t := range p.chatTimes {
		if now.Sub(t) < 10*time.Second {
			keep = append(keep, t)
		}
	}
	p.chatTimes = keep
	if len(keep) >= 10 {
		return false
	}
	p.chatTimes = append(p.chatTimes, now)
	return true
}
