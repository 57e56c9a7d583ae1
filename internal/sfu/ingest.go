package sfu

import (
	"context"

	"github.com/pion/webrtc/v4"
)

// IngestParams describe one WHIP publisher to Ingest.
type IngestParams struct {
	// Room is the room's slug.
	Room string
	// TokenID names the WHIP token the publisher presented: revoking it
	// (Server.Revoke) ends the session.
	TokenID string
	// Name is shown to the room's members.
	Name string
	// Programme makes the publisher the room's programme feed: broadcast
	// viewers receive its video and sound instead of the active speaker's.
	Programme bool
	// Offer is the encoder's SDP offer.
	Offer string
}

// Ingest is one WHIP publisher (RFC 9725): a participant of the room that
// only publishes, a camera and a microphone (or a programme feed), in
// H.264 or VP8. It skips the lobby: its token was issued by staff for this
// room.
type Ingest struct {
	s         *Server
	room      string
	programme bool
	p         *Participant
	done      chan struct{}
}

// Ingest answers a WHIP encoder's offer and publishes what it sends into
// the room.
func (s *Server) Ingest(ctx context.Context, ip IngestParams) (*Ingest, string, error) {
	r := s.room(ip.Room)
	if r == nil {
		return nil, "", ErrClosed
	}
	name := ip.Name
	if name == "" {
		name = "WHIP"
	}
	c := Claims{ID: ip.TokenID, Room: ip.Room, Identity: "whip:" + ip.TokenID, Name: name, Role: RoleDelegate,
		Permissions: Permissions{PublishCamera: true, PublishMicrophone: true}}
	p := newParticipant(r, c)
	p.kindSources = map[webrtc.RTPCodecType]Source{webrtc.RTPCodecTypeVideo: SourceCamera, webrtc.RTPCodecTypeAudio: SourceMicrophone}
	in := &Ingest{s: s, room: ip.Room, programme: ip.Programme, p: p, done: make(chan struct{})}
	go p.runOps()
	drained := make(chan struct{})
	go func() {
		// Nobody reads the signalling messages of an encoder.
		defer close(drained)
		for {
			select {
			case <-p.ctx.Done():
				return
			case <-p.out:
			}
		}
	}()
	end := func() {
		p.close("left")
		<-drained
		<-p.opsDone
		p.closeMedia()
		p.wg.Wait()
		p.dropSubscriptions()
		r.leave(p)
	}
	r.mu.Lock()
	r.admitted[c.Identity] = true
	r.mu.Unlock()
	if err := r.enter(p); err != nil {
		end()
		return nil, "", err
	}
	ans, err := answer(ctx, p.pub, ip.Offer)
	if err != nil {
		end()
		return nil, "", err
	}
	p.pub.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		if st == webrtc.PeerConnectionStateFailed || st == webrtc.PeerConnectionStateClosed {
			p.close("failed")
		}
	})
	s.bc.add(nil, in)
	go func() {
		<-p.ctx.Done()
		end()
		s.bc.remove(nil, in)
		close(in.done)
	}()
	return in, ans, nil
}

// ID names the publisher in the room.
func (in *Ingest) ID() string { return in.p.id }

// Done is closed once the publisher has left the room.
func (in *Ingest) Done() <-chan struct{} { return in.done }

// Close ends the session and waits until the publisher has left.
func (in *Ingest) Close() {
	in.p.close("left")
	<-in.done
}

// AddCandidate implements Session.
func (in *Ingest) AddCandidate(c webrtc.ICECandidateInit) error { return addCandidate(in.p.pub, c) }

// Restart implements Session.
func (in *Ingest) Restart(ctx context.Context, ufrag, pwd string) (string, error) {
	return restartICE(ctx, in.p.pub, ufrag, pwd)
}

var _ Session = (*Ingest)(nil)
