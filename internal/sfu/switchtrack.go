package sfu

import (
	"sync"

	"github.com/pion/webrtc/v4"

	"github.com/mofa-vn/chancery/internal/sfu/media"
)

// switchTrack is a broadcast viewer's outgoing track: one sender, one SSRC,
// whose packets come from the published track chosen now. Each choice is a
// media.DownTrack bound to the sender's context and continuing the
// previous one's numbering (DownTrack.Continue), so that the viewer's
// player sees one stream. A published track whose codec the viewer did not
// negotiate (H.264 for a viewer that offered VP8 only) is never chosen for
// it.
type switchTrack struct {
	kind   webrtc.RTPCodecType
	id     string
	stream string
	sender *webrtc.RTPSender

	mu    sync.Mutex
	ctx   webrtc.TrackLocalContext
	bound bool
	down  *media.DownTrack
	// refused are published tracks this viewer cannot decode.
	refused map[*media.UpTrack]bool
}

// ID implements webrtc.TrackLocal.
func (t *switchTrack) ID() string { return t.id }

// RID implements webrtc.TrackLocal.
func (t *switchTrack) RID() string { return "" }

// StreamID implements webrtc.TrackLocal.
func (t *switchTrack) StreamID() string { return t.stream }

// Kind implements webrtc.TrackLocal.
func (t *switchTrack) Kind() webrtc.RTPCodecType { return t.kind }

// Bind implements webrtc.TrackLocal: the sender is negotiated; the current
// published track, if any, starts flowing.
func (t *switchTrack) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.ctx, t.bound = negotiated{ctx, t.sender}, true
	if t.down != nil {
		// pion holds the sender while it binds: the context as it is, not
		// negotiated, which would ask the sender again.
		if c, err := t.down.Bind(ctx); err == nil {
			return c, nil
		}
	}
	cs := ctx.CodecParameters()
	if len(cs) == 0 {
		return webrtc.RTPCodecParameters{}, webrtc.ErrUnsupportedCodec
	}
	return cs[0], nil
}

// Unbind implements webrtc.TrackLocal.
func (t *switchTrack) Unbind(ctx webrtc.TrackLocalContext) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.bound = false
	if t.down != nil {
		_ = t.down.Unbind(ctx)
	}
	return nil
}

func (t *switchTrack) current() *media.DownTrack {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.down
}

func (t *switchTrack) up() *media.UpTrack {
	if d := t.current(); d != nil {
		return d.Up()
	}
	return nil
}

// set makes u the track forwarded (nil: none).
func (t *switchTrack) set(u *media.UpTrack) {
	t.mu.Lock()
	defer t.mu.Unlock()
	old := t.down
	if old != nil && old.Up() == u {
		return
	}
	if u != nil && t.refused[u] {
		return // keep what plays rather than go dark
	}
	var d *media.DownTrack
	if u != nil {
		d = media.NewDownTrack(u)
		if old != nil {
			d.Continue(old)
		}
		d.SetSender(t.sender)
		if t.bound {
			if _, err := d.Bind(t.ctx); err != nil {
				if t.refused == nil {
					t.refused = map[*media.UpTrack]bool{}
				}
				t.refused[u] = true
				return
			}
		}
	}
	if old != nil {
		old.Up().RemoveDown(old)
		_ = old.Unbind(t.ctx)
	}
	t.down = d
	if d != nil {
		u.AddDown(d)
	}
}

// rtcpLoop reads the viewer's RTCP for the sender and hands it to the
// DownTrack forwarding now, until the connection closes.
func (t *switchTrack) rtcpLoop() {
	for {
		pkts, _, err := t.sender.ReadRTCP()
		if err != nil {
			return
		}
		if d := t.current(); d != nil {
			d.HandleRTCP(pkts)
		}
	}
}

// negotiated is the context pion binds the sender's track with, listing
// every codec the viewer negotiated on the transceiver rather than the one
// pion chose at first: the published track forwarded may change codec
// (an H.264 studio feed after a VP8 camera).
type negotiated struct {
	webrtc.TrackLocalContext
	sender *webrtc.RTPSender
}

// CodecParameters implements webrtc.TrackLocalContext.
func (n negotiated) CodecParameters() []webrtc.RTPCodecParameters {
	if n.sender == nil {
		return n.TrackLocalContext.CodecParameters()
	}
	if cs := n.sender.GetParameters().Codecs; len(cs) > 0 {
		return cs
	}
	return n.TrackLocalContext.CodecParameters()
}
