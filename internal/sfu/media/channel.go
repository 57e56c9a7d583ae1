package media

import (
	"sync"
	"sync/atomic"
	"time"

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
// language) while every listener keeps the same outgoing track. The
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
}

// opus is the channel's codec: interpreters publish Opus microphones.
var opus = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}

// NewChannel returns a silent channel with no source.
func NewChannel(p ChannelParams) *Channel {
	if p.Now == nil {
		p.Now = time.Now
	}
	up := NewUpTrack(TrackParams{ID: p.ID, Owner: p.Owner, Kind: webrtc.RTPCodecTypeAudio, Source: SourceInterpretation,
		Language: p.Language, Codec: opus, Counters: p.Counters})
	return &Channel{track: up, lang: p.Language, now: p.Now, clock: opus.ClockRate}
}

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

// feed forwards pkt, received from src (n bytes), if src is the
// channel's source and no cough holds, renumbered into the channel's
// stream.
func (c *Channel) feed(src *UpTrack, pkt *rtp.Packet, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if src != c.source || c.cough {
		return
	}
	now := c.now()
	first := c.rebase || !c.started
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
