package sfu

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"
)

// Broadcast errors, for the WHEP and WHIP handlers to map to statuses.
var (
	// ErrNotLive is a room nobody publishes in: there is nothing to watch
	// yet.
	ErrNotLive = errors.New("sfu: the room is not live")
	// ErrBadOffer is an SDP offer the server cannot answer.
	ErrBadOffer = errors.New("sfu: the offer cannot be answered")
	// ErrClosed is a server shutting down.
	ErrClosed = errors.New("sfu: the server is shutting down")
)

// broadcasts keeps the server's WHEP viewers and WHIP publishers, so that
// Close ends them, and which publisher is each room's programme feed.
type broadcasts struct {
	mu        sync.Mutex
	viewers   map[*Viewer]struct{}
	ingests   map[*Ingest]struct{}
	programme map[string]string // room slug → participant id of its programme feed
}

func (b *broadcasts) add(v *Viewer, in *Ingest) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.viewers == nil {
		b.viewers, b.ingests, b.programme = map[*Viewer]struct{}{}, map[*Ingest]struct{}{}, map[string]string{}
	}
	if v != nil {
		b.viewers[v] = struct{}{}
	}
	if in != nil {
		b.ingests[in] = struct{}{}
		if in.programme {
			b.programme[in.room] = in.p.id
		}
	}
}

func (b *broadcasts) remove(v *Viewer, in *Ingest) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.viewers, v)
	delete(b.ingests, in)
	if in != nil && b.programme[in.room] == in.p.id {
		delete(b.programme, in.room)
	}
}

func (b *broadcasts) programmeOf(room string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.programme[room]
}

func (b *broadcasts) closeAll() {
	b.mu.Lock()
	vs := make([]*Viewer, 0, len(b.viewers))
	for v := range b.viewers {
		vs = append(vs, v)
	}
	ins := make([]*Ingest, 0, len(b.ingests))
	for in := range b.ingests {
		ins = append(ins, in)
	}
	b.mu.Unlock()
	for _, v := range vs {
		v.Close()
	}
	for _, in := range ins {
		in.Close()
	}
}

// Viewers is how many WHEP viewers the server serves now.
func (s *Server) Viewers() int {
	s.bc.mu.Lock()
	defer s.bc.mu.Unlock()
	return len(s.bc.viewers)
}

// Live reports whether someone publishes media in the room now.
func (s *Server) Live(room string) bool {
	s.mu.Lock()
	r := s.rooms[room]
	s.mu.Unlock()
	if r == nil {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.tracks) > 0
}

// ICEServers returns the TURN servers, with fresh credentials, that a
// broadcast client may use (the WHIP and WHEP Link headers).
func (s *Server) ICEServers() []webrtc.ICEServer { return s.t.iceServers(time.Hour) }

// H.264 payload types. Each profile a studio encoder or a browser may use
// is registered, since an offer's H.264 is matched on profile and
// packetization mode (RFC 6184 §8.1).
var h264Profiles = []struct {
	pt      webrtc.PayloadType
	profile string
}{
	{102, "42e01f"}, // constrained baseline, what browsers prefer
	{104, "42001f"}, // baseline
	{106, "4d001f"}, // main: OBS's default
	{108, "64001f"}, // high
}

func registerH264(m *webrtc.MediaEngine) error {
	for _, p := range h264Profiles {
		if err := m.RegisterCodec(webrtc.RTPCodecParameters{
			RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000,
				SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=" + p.profile},
			PayloadType: p.pt,
		}, webrtc.RTPCodecTypeVideo); err != nil {
			return fmt.Errorf("sfu: register h264 %s: %w", p.profile, err)
		}
	}
	return nil
}

// answer applies offer to pc and returns the answer with every candidate
// gathered: WHIP and WHEP clients such as OBS do not trickle, and those
// that do may send their own candidates by PATCH.
func answer(ctx context.Context, pc *webrtc.PeerConnection, offer string) (string, error) {
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		return "", fmt.Errorf("%w: %w", ErrBadOffer, err)
	}
	ans, err := pc.CreateAnswer(nil)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrBadOffer, err)
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(ans); err != nil {
		return "", fmt.Errorf("%w: %w", ErrBadOffer, err)
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	return pc.LocalDescription().SDP, nil
}

// Session is what WHIP and WHEP resources share: trickled candidates and
// ICE restarts (RFC 9725 §4.3).
type Session interface {
	// AddCandidate adds a candidate the client trickled.
	AddCandidate(c webrtc.ICECandidateInit) error
	// Restart restarts ICE with the client's new credentials and returns
	// the server's new local description.
	Restart(ctx context.Context, ufrag, pwd string) (string, error)
	// Done is closed when the session has ended.
	Done() <-chan struct{}
	// Close ends the session.
	Close()
}

// addCandidate adds a trickled candidate to pc.
func addCandidate(pc *webrtc.PeerConnection, c webrtc.ICECandidateInit) error {
	if pc.RemoteDescription() == nil {
		return ErrBadOffer
	}
	if err := pc.AddICECandidate(c); err != nil {
		return fmt.Errorf("%w: %w", ErrBadOffer, err)
	}
	return nil
}

// restartICE applies the client's new ICE credentials as a new remote
// offer, as RFC 9725 §4.3.2 describes, and returns the server's new
// answer with its new credentials and candidates.
func restartICE(ctx context.Context, pc *webrtc.PeerConnection, ufrag, pwd string) (string, error) {
	rd := pc.RemoteDescription()
	if rd == nil {
		return "", ErrBadOffer
	}
	// Parse a copy: Unmarshal caches the parsed form in the description,
	// which pion reads concurrently on its own goroutines.
	cp := webrtc.SessionDescription{Type: rd.Type, SDP: rd.SDP}
	sd, err := cp.Unmarshal()
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrBadOffer, err)
	}
	for _, m := range sd.MediaDescriptions {
		for i, a := range m.Attributes {
			switch a.Key {
			case "ice-ufrag":
				m.Attributes[i].Value = ufrag
			case "ice-pwd":
				m.Attributes[i].Value = pwd
			}
		}
	}
	for i, a := range sd.Attributes {
		switch a.Key {
		case "ice-ufrag":
			sd.Attributes[i].Value = ufrag
		case "ice-pwd":
			sd.Attributes[i].Value = pwd
		}
	}
	raw, err := sd.Marshal()
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrBadOffer, err)
	}
	return answer(ctx, pc, string(raw))
}

// roomCodec reports whether members of a room can receive u: their
// connections negotiate VP8 and Opus only, so an H.264 feed from a WHIP
// encoder reaches broadcast viewers, not the room.
func roomCodec(u *upTrack) bool {
	c := u.Codec()
	return strings.EqualFold(c.MimeType, webrtc.MimeTypeVP8) || strings.EqualFold(c.MimeType, webrtc.MimeTypeOpus)
}
