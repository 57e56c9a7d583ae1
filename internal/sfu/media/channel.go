package media

import (
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// PacketSink receives every packet a Channel sends its listeners, already
// renumbered: one continuous RTP stream per language channel, whoever
// speaks into it. It is the hook a recorder or a broadcast (WHEP) attaches
// to (Channel.AddSink). WriteChannelRTP runs on the source's read
// goroutine: it must not block, and it must copy the packet to keep it
// (the payload is the publisher's buffer).
type PacketSink interface {
	WriteChannelRTP(pkt *rtp.Packet)
}

// ChannelParams describe a language channel to NewChannel.
type ChannelParams struct {
	// ID names the channel's outgoing track to listeners; Owner is the
	// stream id they receive it under (the booth, not a participant).
	ID, Owner string
	// Language is the channel's language.
	Language string
	// Video makes a sign-language channel: a VP8 video track whose source
	// is the live sign interpreter's camera (default: an Opus audio
	// channel).
	Video bool
	// Counters receive the forwarded packets (nil: not counted).
	Counters *Counters
	// Now is the clock that advances timestamps across a switch (nil:
	// time.Now).
	Now func() time.Time
}

// minStep is the least a channel's timestamp advances across a switch of
// source: one 20 ms Opus frame, so that the first packet of the new
// source never overlaps the last of the old in a jitter buffer.
const minStep = 20 * time.Millisecond

// Channel is one simultaneous-interpretation language channel: an audio
// track whose source the room switches (the live interpreter of the
// booth, or the floor speaker when the floor speaks the channel's own
// language) while every listener keeps the same outgoing track; or, for a
// sign language, a video track whose source is the live sign
// interpreter's camera. A video channel starts each run of a new source
// at a keyframe of its highest live layer, which it requests on the
// switch, keeps VP8 picture IDs continuous (RFC 7741 §4.2), and relays
// its viewers' keyframe requests to the source. The
// channel renumbers what its source sends into one stream with its own
// continuous sequence numbers and timestamps (RFC 3550 §5.1), as a
// DownTrack does across simulcast layers; the listeners' DownTracks of
// Track() then give each listener a stable SSRC. Nothing renegotiates
// when the interpreter changes.
type Channel struct {
	track *UpTrack
	lang  string
	now   func() time.Time
	clock uint32
	video bool

	mu       sync.Mutex
	source   *UpTrack
	cough    bool
	started  bool
	rebase   bool // the next packet starts a new run: after a switch or a cough
	lastSeq  uint16
	lastTS   uint32
	lastAt   time.Time
	seqOff   uint16
	runStart uint16 // outgoing number of the run's first packet
	tsOff    uint32
	switches int
	sinks    atomic.Pointer[[]PacketSink]
	// layer is the source's layer a video channel forwards; vp8 keeps its
	// picture IDs continuous across sources, rewritten into buf.
	layer int
	vp8   vp8Munger
	buf   []byte
}

// opus is the channel's codec: interpreters publish Opus microphones.
var opus = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}

// vp8 is a sign-language channel's codec.
var vp8 = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}

// channelSSRC stands for the SSRC of a video channel's only layer, which
// no publisher sends: keyframe requests of its viewers need one.
const channelSSRC = 1

// NewChannel returns a silent channel with no source.
func NewChannel(p ChannelParams) *Channel {
	if p.Now == nil {
		p.Now = time.Now
	}
	c := &Channel{lang: p.Language, now: p.Now, video: p.Video}
	tp := TrackParams{ID: p.ID, Owner: p.Owner, Kind: webrtc.RTPCodecTypeAudio, Source: SourceInterpretation,
		Language: p.Language, Codec: opus, Counters: p.Counters}
	if p.Video {
		tp.Kind, tp.Codec = webrtc.RTPCodecTypeVideo, vp8
		tp.SendRTCP = c.keyframeRequested
	}
	c.track = NewUpTrack(tp)
	c.clock = tp.Codec.ClockRate
	if p.Video {
		c.track.layers[layerHigh].ssrc.Store(channelSSRC)
		c.track.layers[layerHigh].active.Store(true)
	}
	return c
}

// keyframeRequested relays a viewer's keyframe request (its DownTrack's,
// rate limited on the channel's track) to the source.
func (c *Channel) keyframeRequested([]rtcp.Packet) error {
	c.mu.Lock()
	src, q := c.source, c.layer
	if c.rebase || !c.started {
		q = -1
	}
	c.mu.Unlock()
	if src != nil {
		if q < 0 {
			q = src.bestLayer(layerHigh)
		}
		src.requestKeyframe(q)
	}
	return nil
}

// Video tells whether the channel is a sign-language (video) channel.
func (c *Channel) Video() bool { return c.video }

// Track is the channel's outgoing track: subscribe a listener with
// NewDownTrack(c.Track()) and c.Track().AddDown, as for any published track.
func (c *Channel) Track() *UpTrack { return c.track }

// Language is the channel's language.
func (c *Channel) Language() string { return c.lang }

// Source is the track the channel forwards now (nil: none).
func (c *Channel) Source() *UpTrack {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.source
}

// SetSource makes u (an audio track; nil: none) the channel's source. From
// its next packet on, listeners hear u and nothing of the previous source;
// the outgoing numbering continues where it was.
func (c *Channel) SetSource(u *UpTrack) {
	c.mu.Lock()
	old := c.source
	if old == u {
		c.mu.Unlock()
		return
	}
	c.source = u
	c.rebase = true
	c.mu.Unlock()
	if old != nil {
		old.removeTap(c)
	}
	if u != nil {
		u.addTap(c)
		if c.video {
			// The new source's next keyframe starts its run: ask for it.
			u.requestKeyframe(u.bestLayer(layerHigh))
		}
	}
}

// SetCough mutes (true) or restores the channel's outgoing audio, as an
// interpreter's cough button does while held. What the interpreter hears
// is not touched.
func (c *Channel) SetCough(on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cough && !on {
		c.rebase = true
	}
	c.cough = on
}

// Coughing tells whether the cough mute holds.
func (c *Channel) Coughing() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cough
}

// AddSink attaches s to the channel's output; the returned function
// detaches it.
func (c *Channel) AddSink(s PacketSink) (remove func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var ss []PacketSink
	if old := c.sinks.Load(); old != nil {
		ss = append(ss, *old...)
	}
	ss = append(ss, s)
	c.sinks.Store(&ss)
	return func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		old := c.sinks.Load()
		if old == nil {
			return
		}
		keep := make([]PacketSink, 0, len(*old))
		removed := false
		for _, x := range *old {
			if !removed && x == s {
				removed = true
				continue
			}
			keep = append(keep, x)
		}
		c.sinks.Store(&keep)
	}
}

// AddTap attaches f to the channel's output, as AddSink does: f gets every
// packet the channel sends, renumbered, on the source's read goroutine; it
// must not block and must copy what it keeps. The returned function
// detaches it.
func (c *Channel) AddTap(f func(*rtp.Packet)) (remove func()) {
	return c.AddSink(&tapSink{f})
}

// tapSink adapts a function to PacketSink; a pointer, so that each AddTap
// is removed alone.
type tapSink struct{ f func(*rtp.Packet) }

func (t *tapSink) WriteChannelRTP(p *rtp.Packet) { t.f(p) }

// Close detaches the channel from its source.
func (c *Channel) Close() { c.SetSource(nil) }

// feed forwards pkt, received from src on layer q (n bytes; keyframe:
// the first packet of a keyframe, video), if src is the channel's source
// and no cough holds, renumbered into the channel's stream.
func (c *Channel) feed(src *UpTrack, q int, pkt *rtp.Packet, n int, keyframe bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if src != c.source || c.cough {
		return
	}
	now := c.now()
	first := c.rebase || !c.started
	if c.video {
		if src.kind != webrtc.RTPCodecTypeVideo || !strings.EqualFold(src.codec.MimeType, vp8.MimeType) {
			return // a sign channel carries VP8 video only
		}
		best := src.bestLayer(layerHigh)
		switch {
		case first && (!keyframe || q != best):
			// Nothing of the new source before its keyframe: a viewer
			// could not decode it.
			src.requestKeyframe(best)
			return
		case !first && q != c.layer:
			if !keyframe || q != best {
				return
			}
			first = true // the source's layer went idle or came back: move at its keyframe
		}
		c.layer = q
	}
	if first {
		if c.started {
			// Continue right after the last packet sent, the timestamp
			// advanced by the time that passed (at least one frame).
			step := max(now.Sub(c.lastAt), minStep)
			c.seqOff = pkt.SequenceNumber - (c.lastSeq + 1)
			c.tsOff = pkt.Timestamp - (c.lastTS + uint32(step.Seconds()*float64(c.clock)))
		} else {
			c.seqOff, c.tsOff = 0, 0
		}
		c.runStart = pkt.SequenceNumber - c.seqOff
		c.started, c.rebase = true, false
		c.switches++
	}
	out := rtp.Packet{Header: pkt.Header, Payload: pkt.Payload}
	out.SequenceNumber = pkt.SequenceNumber - c.seqOff
	out.Timestamp = pkt.Timestamp - c.tsOff
	if gap := out.SequenceNumber - c.runStart; int16(gap) < 0 {
		return // sent before this run started (before a cough): its number is taken
	} else if gap > switchWindow {
		c.runStart = out.SequenceNumber - switchWindow
	}
	if c.video {
		if cap(c.buf) < len(pkt.Payload) {
			c.buf = make([]byte, max(len(pkt.Payload), 1500))
		}
		out.Payload, _ = c.vp8.rewrite(pkt.Payload, c.buf, first)
	}
	if first || int16(out.SequenceNumber-c.lastSeq) > 0 {
		c.lastSeq, c.lastTS, c.lastAt = out.SequenceNumber, out.Timestamp, now
	}
	c.track.receive(layerHigh, &out, n)
	if ss := c.sinks.Load(); ss != nil {
		for _, s := range *ss {
			s.WriteChannelRTP(&out)
		}
	}
}
