package media

import (
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// Simulcast qualities, lowest first. Publishers send rids "q", "h" and "f".
const (
	layerLow    = 0
	layerMedium = 1
	layerHigh   = 2
	layerPaused = -1
)

// nominalBitrate is what each simulcast layer is expected to carry before
// it is measured (bits per second).
var nominalBitrate = [3]uint64{150_000, 500_000, 1_500_000}

// RIDLayer is the simulcast layer (0 lowest, 2 highest) of a stream with
// the given RTP stream id (RFC 8852); a stream without one is the highest.
// It is negative for a rid the SFU does not know.
func RIDLayer(rid string) int {
	switch rid {
	case "q", "l", "low":
		return layerLow
	case "h", "m", "mid":
		return layerMedium
	case "f", "high", "":
		return layerHigh
	}
	return -2
}

// Source is what a track carries, as the signalling protocol names it. The
// media plane treats cameras and screens apart when it allocates bandwidth
// (cameras step down first, screens come back first and stay sharp), and
// ranks only microphones as speakers.
type Source string

// Sources the media plane tells apart; any other is allocated as a camera
// would be after the cameras.
const (
	SourceCamera         Source = "camera"
	SourceMicrophone     Source = "microphone"
	SourceScreen         Source = "screen"
	SourceInterpretation Source = "interpretation"
)

// keyframeInterval is the shortest time between two keyframe requests to
// one publisher layer: subscribers that lose packets together must not make
// the publisher send a keyframe each.
const keyframeInterval = 500 * time.Millisecond

type layer struct {
	ssrc    atomic.Uint32
	bytes   atomic.Uint64 // since the last rate measurement
	bitrate atomic.Uint64 // bits per second, measured each second
	lastKF  atomic.Int64  // last keyframe request, Unix nanoseconds
	active  atomic.Bool
	lastRx  atomic.Int64 // last packet received, Unix nanoseconds
	// cache keeps the layer's recent packets for retransmissions (video).
	cache packetCache
	// newest is the sequence number of the newest packet received, once
	// seen is set. Only the layer's read loop touches them.
	newest uint16
	seen   bool
}

// switchWindow is how far behind the newest packet forwarded a packet of
// the same layer may arrive and still be sent: far more than any reordering
// or retransmission, and less than half the 16-bit sequence space, so that
// "older than the layer switch" stays decidable on a long stream.
const switchWindow = 1 << 14

// layerIdle is how long a simulcast layer may go without packets before the
// SFU stops choosing it: browsers stop sending their upper layers when
// their own uplink estimate drops.
const layerIdle = time.Second

func (l *layer) live(now int64) bool {
	return l.active.Load() && now-l.lastRx.Load() < int64(layerIdle)
}

// UpTrack is one published track: one RTP stream, or three for simulcast.
// It reads what the publisher sends and writes each packet to the
// DownTracks of its subscribers.
type UpTrack struct {
	id        string
	owner     string // the publisher's id
	kind      webrtc.RTPCodecType
	source    Source
	language  string
	codec     webrtc.RTPCodecCapability
	simulcast bool
	layers    [3]layer
	muted     atomic.Bool // the server stops forwarding while set
	selfMuted atomic.Bool // the publisher said it muted (display only)
	gated     atomic.Bool // a second stop, independent of muted (SetGated)
	level     audioLevel
	levelExt  uint8 // negotiated id of the audio level extension
	// sinks get each forwarded packet (sink.go): a recorder.
	sinks atomic.Pointer[[]TrackSink]

	mu    sync.Mutex
	downs atomic.Pointer[[]*DownTrack]
	// taps are the language channels this track is the source of
	// (channel.go): they get each packet forwarded.
	taps atomic.Pointer[[]*Channel]
	// sendRTCP writes RTCP to the publisher's connection.
	sendRTCP func([]rtcp.Packet) error
	// counters count packets written to subscribers, for metrics.
	counters *Counters
	// batch, when set, holds the socket's writes during each fan-out.
	batch Batcher
}

// Batcher is a socket that queues the writes of one packet's fan-out to
// its subscribers and sends them together (one sendmmsg): Hold before the
// first DownTrack write, Release after the last, which sends what is
// queued. It must send whatever is queued at each Release, so that no
// packet waits beyond the fan-out it was written in.
type Batcher interface {
	Hold()
	Release()
}

// TrackParams describe a published track to NewUpTrack.
type TrackParams struct {
	// ID names the track to subscribers; Owner is its publisher's id.
	ID, Owner string
	Kind      webrtc.RTPCodecType
	Source    Source
	// Language is the language an interpretation track carries.
	Language string
	Codec    webrtc.RTPCodecCapability
	// Simulcast tells that the publisher sends several layers, each with
	// its rid.
	Simulcast bool
	// AudioLevelExt is the negotiated id of the RFC 6464 audio level
	// header extension (0: not negotiated).
	AudioLevelExt uint8
	// SendRTCP writes RTCP (keyframe requests) to the publisher.
	SendRTCP func([]rtcp.Packet) error
	// Counters receive the track's forwarded packets (nil: not counted).
	Counters *Counters
	// Batch, when not nil, is held while a packet is written to the
	// subscribers, so that their datagrams leave together.
	Batch Batcher
}

// NewUpTrack returns a published track, with no layer read yet and no
// subscriber.
func NewUpTrack(p TrackParams) *UpTrack {
	if p.Counters == nil {
		p.Counters = new(Counters)
	}
	return &UpTrack{id: p.ID, owner: p.Owner, kind: p.Kind, source: p.Source, language: p.Language, codec: p.Codec,
		simulcast: p.Simulcast, levelExt: p.AudioLevelExt, sendRTCP: p.SendRTCP, counters: p.Counters, batch: p.Batch}
}

// ID is the track's id.
func (u *UpTrack) ID() string { return u.id }

// Owner is the id of the track's publisher.
func (u *UpTrack) Owner() string { return u.owner }

// Kind is audio or video.
func (u *UpTrack) Kind() webrtc.RTPCodecType { return u.kind }

// Source is what the track carries.
func (u *UpTrack) Source() Source { return u.source }

// Language is the language of an interpretation track.
func (u *UpTrack) Language() string { return u.language }

// Simulcast tells whether the publisher sends several layers.
func (u *UpTrack) Simulcast() bool { return u.simulcast }

// Muted tells whether the server stopped forwarding the track.
func (u *UpTrack) Muted() bool { return u.muted.Load() }

// SetMuted stops (true) or resumes forwarding the track.
func (u *UpTrack) SetMuted(v bool) { u.muted.Store(v) }

// Gated tells whether the track's gate is closed (SetGated).
func (u *UpTrack) Gated() bool { return u.gated.Load() }

// SetGated closes (true) or opens a gate that stops forwarding the track
// independently of SetMuted: the track is forwarded only while neither
// holds it, so that two owners of the decision (a mute, and a rule of
// who may be heard now) never undo each other's stop.
func (u *UpTrack) SetGated(v bool) { u.gated.Store(v) }

// SelfMuted tells whether the publisher said it muted the track; it is
// shown to others and changes nothing of the forwarding.
func (u *UpTrack) SelfMuted() bool { return u.selfMuted.Load() }

// SetSelfMuted records what the publisher said.
func (u *UpTrack) SetSelfMuted(v bool) { u.selfMuted.Store(v) }

// Subscribers is how many DownTracks the track is forwarded to.
func (u *UpTrack) Subscribers() int {
	if ds := u.downs.Load(); ds != nil {
		return len(*ds)
	}
	return 0
}

// Loudness closes one speaker interval of an audio track and returns its
// smoothed loudness (0 silent, 127 loudest), for RankSpeakers. Only one
// goroutine, the room's speaker loop, may call it.
func (u *UpTrack) Loudness() float64 { return u.level.tick() }

// AddDown starts forwarding the track to d.
func (u *UpTrack) AddDown(d *DownTrack) { u.addDown(d) }

// RemoveDown stops forwarding the track to d.
func (u *UpTrack) RemoveDown(d *DownTrack) { u.removeDown(d) }

func (u *UpTrack) addDown(d *DownTrack) {
	u.mu.Lock()
	defer u.mu.Unlock()
	old := u.downs.Load()
	var ds []*DownTrack
	if old != nil {
		ds = append(ds, *old...)
	}
	ds = append(ds, d)
	u.downs.Store(&ds)
}

func (u *UpTrack) addTap(c *Channel) {
	u.mu.Lock()
	defer u.mu.Unlock()
	var cs []*Channel
	if old := u.taps.Load(); old != nil {
		cs = append(cs, *old...)
	}
	cs = append(cs, c)
	u.taps.Store(&cs)
}

func (u *UpTrack) removeTap(c *Channel) {
	u.mu.Lock()
	defer u.mu.Unlock()
	old := u.taps.Load()
	if old == nil {
		return
	}
	cs := make([]*Channel, 0, len(*old))
	for _, x := range *old {
		if x != c {
			cs = append(cs, x)
		}
	}
	u.taps.Store(&cs)
}

func (u *UpTrack) removeDown(d *DownTrack) {
	u.mu.Lock()
	defer u.mu.Unlock()
	old := u.downs.Load()
	if old == nil {
		return
	}
	ds := make([]*DownTrack, 0, len(*old))
	for _, x := range *old {
		if x != d {
			ds = append(ds, x)
		}
	}
	u.downs.Store(&ds)
}

// ReadLoop forwards the packets of layer q (RIDLayer of the stream's rid)
// until the publisher's stream ends.
//
// Only packets of the track's codec are media. A publisher's
// retransmission stream (RTX, RFC 4588) that names its layer with the rid
// extension, where RFC 8852 §3.2 wants the repaired rid (pion's NACK
// responder copies the original header, rid included), is taken by pion
// for the layer itself: it hands the layer's TrackRemote over to that
// stream and announces the track again, its codec now RTX. Forwarded as
// media, those packets, numbered in the repair stream's own sequence
// space with the original number in front of the payload, made every
// subscriber's numbers jump by thousands, and the layer's keyframe
// requests went to the repair stream's SSRC, so that subscribers waiting
// for a keyframe waited for the whole run. A loop for such a stream ends
// at once, and a packet of another payload type than the layer's first is
// never forwarded: the layer falls silent and the allocation moves its
// subscribers to the layers still live.
func (u *UpTrack) ReadLoop(remote *webrtc.TrackRemote, q int) {
	// The codec's payload type: a simulcast layer's PayloadType is set
	// only once a packet has been read.
	c := remote.Codec()
	if !strings.EqualFold(c.MimeType, u.codec.MimeType) {
		return
	}
	u.readLoop(remote, q, uint32(remote.SSRC()), uint8(c.PayloadType))
}

// packetReader is what readLoop needs of a *webrtc.TrackRemote.
type packetReader interface {
	Read(b []byte) (int, interceptor.Attributes, error)
}

// readLoop is ReadLoop on the stream ssrc, whose media have payload type pt.
func (u *UpTrack) readLoop(r packetReader, q int, ssrc uint32, pt uint8) {
	lay := &u.layers[q]
	lay.ssrc.Store(ssrc)
	lay.active.Store(true)
	defer lay.active.Store(false)
	buf := make([]byte, 1500)
	var pkt rtp.Packet
	for {
		n, _, err := r.Read(buf)
		if err != nil {
			return
		}
		if pkt.Unmarshal(buf[:n]) != nil || pkt.PayloadType != pt {
			continue
		}
		u.receive(q, &pkt, n)
	}
}

// receive forwards pkt, n bytes received on layer q, to every subscriber
// that wants it.
func (u *UpTrack) receive(q int, pkt *rtp.Packet, n int) {
	lay := &u.layers[q]
	lay.bytes.Add(uint64(n))
	// One reading of the clock for the whole fan-out: every subscriber's
	// copy leaves within it.
	now := time.Now()
	lay.lastRx.Store(now.UnixNano())

	if u.muted.Load() || u.gated.Load() {
		return
	}
	u.sink(q, pkt)
	if u.kind == webrtc.RTPCodecTypeAudio {
		if id := u.levelExt; id != 0 {
			if ext := pkt.GetExtension(id); len(ext) > 0 {
				u.level.observe(ext[0] & 0x7f)
			}
		}
	}
	kf := false
	if u.kind == webrtc.RTPCodecTypeVideo {
		// A subscriber switches layers on a keyframe's first packet and
		// numbers the packets after it from there. That packet must be the
		// newest of its layer: one that comes late (retransmitted by the
		// publisher after a loss, or reordered) would be followed by packets
		// received before it, numbered as far after it, and the subscriber
		// would see the sequence jump (and a keyframe it cannot decode, its
		// other packets dropped while it waited). It waits for the next.
		// Far older than the newest, it is no late packet but a numbering
		// started anew (a publisher's new stream on the layer).
		age := int16(pkt.SequenceNumber - lay.newest)
		fresh := !lay.seen || age > 0 || age < -switchWindow
		if fresh {
			lay.newest, lay.seen = pkt.SequenceNumber, true
		}
		kf = fresh && isKeyframe(u.codec.MimeType, pkt.Payload)
		lay.cache.put(pkt.SequenceNumber, pkt.Payload)
	}
	if cs := u.taps.Load(); cs != nil {
		for _, c := range *cs {
			c.feed(u, q, pkt, n, kf)
		}
	}
	if ds := u.downs.Load(); ds != nil && len(*ds) > 0 {
		if u.batch != nil {
			u.batch.Hold()
			defer u.batch.Release()
		}
		sent := uint64(0)
		for _, d := range *ds {
			if d.write(q, pkt, kf, now) {
				sent++
			}
		}
		if sent > 0 {
			u.counters.forwarded.Add(sent) // once per packet, not per subscriber: the counter is shared
		}
	}
}

// RequestKeyframes asks the publisher for a keyframe on each layer of a
// video, as requestKeyframe does: after a mute, for example.
func (u *UpTrack) RequestKeyframes() {
	for q := range u.layers {
		u.requestKeyframe(q)
	}
}

// RequestKeyframe asks the publisher for a keyframe on layer q, at most
// once per keyframeInterval (RFC 4585 PLI); it does nothing for audio.
func (u *UpTrack) RequestKeyframe(q int) { u.requestKeyframe(q) }

// requestKeyframe asks the publisher for a keyframe on layer q, at most once
// per keyframeInterval (RFC 4585 PLI).
func (u *UpTrack) requestKeyframe(q int) {
	if q < 0 || q > 2 || u.kind != webrtc.RTPCodecTypeVideo || u.sendRTCP == nil {
		return
	}
	lay := &u.layers[q]
	ssrc := lay.ssrc.Load()
	if ssrc == 0 {
		return
	}
	now := time.Now().UnixNano()
	last := lay.lastKF.Load()
	if now-last < int64(keyframeInterval) || !lay.lastKF.CompareAndSwap(last, now) {
		return
	}
	_ = u.sendRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: ssrc}})
}

// Measure updates the layers' bitrates over the elapsed interval; the room
// calls it every second, before allocating.
func (u *UpTrack) Measure(elapsed time.Duration) {
	for i := range u.layers {
		b := u.layers[i].bytes.Swap(0)
		u.layers[i].bitrate.Store(uint64(float64(b*8) / elapsed.Seconds()))
	}
}

// layerBitrate is the measured, else nominal, bitrate of layer q.
func (u *UpTrack) layerBitrate(q int) uint64 {
	if b := u.layers[q].bitrate.Load(); b > 0 {
		return b
	}
	if u.simulcast {
		return nominalBitrate[q]
	}
	return nominalBitrate[layerMedium]
}

// bestLayer is the highest active layer at or below q.
func (u *UpTrack) bestLayer(q int) int {
	if !u.simulcast {
		if q < 0 {
			return layerPaused
		}
		return layerHigh
	}
	now := time.Now().UnixNano()
	for ; q >= 0; q-- {
		if u.layers[q].live(now) {
			return q
		}
	}
	return layerPaused
}

// padRuns is how many runs of padding a DownTrack remembers the offsets
// of: one run goes between two frames at most, so late packets are
// numbered right for half a second of 30 frames per second. Later ones are
// not sent.
const padRuns = 16

// padRun is one run of probe padding: packets received at or before in
// (and after the run before) are sent with the offset off.
type padRun struct{ in, off uint16 }

// DownTrack forwards one UpTrack to one subscriber. It implements
// webrtc.TrackLocal, so that each subscriber gets its own SSRC, sequence
// numbers and timestamps, continuous across simulcast layer switches and
// pauses.
type DownTrack struct {
	up        *UpTrack
	streamID  string
	sender    *webrtc.RTPSender
	transport *webrtc.DTLSTransport // the sender's, for sender reports

	// view is the size at which the subscriber shows the video, as
	// reported by its client; viewSet tells if it reported at all.
	viewW, viewH atomic.Int32
	viewSet      atomic.Bool

	mu        sync.Mutex
	bound     bool
	ssrc      uint32
	pt        uint8
	writer    webrtc.TrackLocalWriter
	current   int // layer being forwarded
	target    int // layer wanted; layerPaused stops video
	started   bool
	lastSeq   uint16
	lastTS    uint32
	lastAt    time.Time
	seqOff    uint16
	tsOff     uint32
	startSeq  uint16 // older packets of the current layer are not sent: the first after the switch, then at most switchWindow behind
	switches  int    // times the numbering started or moved to another layer, for tests
	clockRate uint32
	sent      atomic.Uint64
	// rebase makes the next packet sent continue the numbering of the
	// DownTrack this one took over from (Continue).
	rebase bool
	// vp8 rewrites picture IDs and TL0PICIDX into buf, for VP8 video.
	vp8 *vp8Munger
	buf []byte

	// lastMarker tells whether the last packet sent ended a frame: probe
	// padding goes only between frames.
	lastMarker bool
	// lastIn is the sequence number, as received, of the newest packet
	// forwarded. Padding takes outgoing sequence numbers, and later packets
	// move along: pads remembers, oldest first, the offset each run of
	// padding since the layer switch left to the packets received before
	// it, so that a late one (reordered, or retransmitted by the publisher)
	// takes the number kept for it, not one already sent.
	lastIn uint16
	pads   [padRuns]padRun
	npads  int

	// sentLog remembers how the last packets were sent, to retransmit
	// them (video only); rtxSSRC and rtxPT are the RTX stream's, when
	// negotiated, and rtxSeq its next sequence number.
	sentLog *sentRing
	rtxSSRC uint32
	rtxPT   uint8
	rtxSeq  uint16

	// twccID is the negotiated id of the transport-wide sequence number
	// extension (0: none); exts and twcc give each packet room for it, so
	// that the twccInterceptor numbers packets without allocating.
	twccID uint8
	exts   [1]rtp.Extension
	twcc   [2]byte

	// The sender report's figures (RFC 3550 §6.4.1): packets and payload
	// octets sent on the stream, and when the last report went.
	srPackets, srOctets uint32
	lastSR              time.Time
}

// senderReportInterval is how often a stream that sends reports it, in
// nanoseconds (RFC 3550 §6.2 leaves the interval to the profile; browsers
// send about one a second).
var senderReportInterval atomic.Int64

func init() { senderReportInterval.Store(int64(time.Second)) }

// SetSenderReportInterval changes how often streams send their reports, for
// tests that make every packet send one; it returns the interval before.
func SetSenderReportInterval(d time.Duration) time.Duration {
	return time.Duration(senderReportInterval.Swap(int64(d)))
}

// NewDownTrack returns the track that forwards up to one subscriber, to be
// added to the subscriber's connection, then given its sender (SetSender)
// and up.AddDown.
func NewDownTrack(up *UpTrack) *DownTrack {
	d := &DownTrack{up: up, streamID: up.owner, current: layerPaused, target: layerHigh, clockRate: up.codec.ClockRate}
	if up.kind == webrtc.RTPCodecTypeAudio || !up.simulcast {
		d.target = layerHigh
	}
	if up.kind == webrtc.RTPCodecTypeVideo && strings.EqualFold(up.codec.MimeType, webrtc.MimeTypeVP8) {
		d.vp8 = &vp8Munger{}
	}
	if up.kind == webrtc.RTPCodecTypeVideo {
		d.sentLog = new(sentRing)
	}
	return d
}

// Up is the published track d forwards.
func (d *DownTrack) Up() *UpTrack { return d.up }

// SetSender records the sender the subscriber's connection made for d
// (AddTrack), which RTCPLoop reads and Sender returns, and its transport,
// on which d sends its sender reports. Call it before d is added to its
// UpTrack.
func (d *DownTrack) SetSender(s *webrtc.RTPSender) {
	d.sender = s
	if s != nil {
		// Taken now, not when reporting: write holds d.mu, and pion holds
		// the sender's lock when it unbinds d (Unbind takes d.mu), so
		// asking the sender from write could deadlock.
		d.transport = s.Transport()
	}
}

// Sender is the sender given to SetSender.
func (d *DownTrack) Sender() *webrtc.RTPSender { return d.sender }

// SetView records the size at which the subscriber shows the video; the
// next allocation fits the layer to it (0 × 0: hidden, paused).
func (d *DownTrack) SetView(w, h int) {
	d.viewW.Store(int32(w))
	d.viewH.Store(int32(h))
	d.viewSet.Store(true)
}

// ID implements webrtc.TrackLocal: the UpTrack id, so clients can find the
// track's metadata.
func (d *DownTrack) ID() string { return d.up.id }

// RID implements webrtc.TrackLocal; the subscriber gets one stream.
func (d *DownTrack) RID() string { return "" }

// StreamID implements webrtc.TrackLocal: the publisher's participant id.
func (d *DownTrack) StreamID() string { return d.streamID }

// Kind implements webrtc.TrackLocal.
func (d *DownTrack) Kind() webrtc.RTPCodecType { return d.up.kind }

// Bind implements webrtc.TrackLocal.
func (d *DownTrack) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	var twcc uint8
	for _, e := range ctx.HeaderExtensions() {
		if e.URI == sdp.TransportCCURI {
			twcc = uint8(e.ID)
		}
	}
	for _, c := range ctx.CodecParameters() {
		if strings.EqualFold(c.MimeType, d.up.codec.MimeType) {
			d.mu.Lock()
			d.bound, d.ssrc, d.pt, d.writer = true, uint32(ctx.SSRC()), uint8(c.PayloadType), ctx.WriteStream()
			d.twccID = twcc
			d.rtxSSRC, d.rtxPT = 0, 0
			if rtx := ctx.SSRCRetransmission(); rtx != 0 {
				if pt, ok := rtxPayloadType(ctx.CodecParameters(), c.PayloadType); ok {
					d.rtxSSRC, d.rtxPT = uint32(rtx), uint8(pt)
				}
			}
			d.mu.Unlock()
			d.up.requestKeyframe(d.targetLayer())
			return c, nil
		}
	}
	return webrtc.RTPCodecParameters{}, webrtc.ErrUnsupportedCodec
}

// Unbind implements webrtc.TrackLocal.
func (d *DownTrack) Unbind(webrtc.TrackLocalContext) error {
	d.mu.Lock()
	d.bound = false
	d.mu.Unlock()
	return nil
}

func (d *DownTrack) targetLayer() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.target
}

// currentLayer is the layer forwarded now.
func (d *DownTrack) currentLayer() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.current
}

// setTarget chooses the layer to forward. The switch happens at the next
// keyframe of that layer, which is requested now; pausing is immediate.
func (d *DownTrack) setTarget(q int) {
	if d.up.kind != webrtc.RTPCodecTypeVideo {
		return
	}
	q = d.up.bestLayer(q)
	d.mu.Lock()
	d.target = q
	if q == layerPaused {
		d.current = layerPaused
	}
	cur := d.current
	d.mu.Unlock()
	// Ask again while the switch waits: the keyframe may have been lost,
	// and requests are rate limited at the publisher anyway.
	if q != layerPaused && q != cur {
		d.up.requestKeyframe(q)
	}
}

// write forwards pkt, received on layer q, if this subscriber wants it, at
// now. It reports whether the packet was sent.
func (d *DownTrack) write(q int, pkt *rtp.Packet, keyframe bool, now time.Time) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.bound {
		return false
	}
	switching := false
	if d.up.kind == webrtc.RTPCodecTypeVideo {
		if q != d.current {
			if q != d.target || !keyframe {
				return false
			}
			d.current = q
			switching = true
			d.startSeq = pkt.SequenceNumber
		} else if gap := pkt.SequenceNumber - d.startSeq; int16(gap) < 0 {
			return false // older than the switch: its numbers are taken
		} else if gap > switchWindow {
			// Keep the switch within reach: half the sequence space after
			// it, every packet would compare as older.
			d.startSeq = pkt.SequenceNumber - switchWindow
		}
	} else if !d.started || d.rebase {
		switching = true
	}
	d.rebase = false
	if switching {
		if d.started {
			// Continue the outgoing sequence right after the last packet,
			// and advance the timestamp by the wall time elapsed.
			d.seqOff = pkt.SequenceNumber - (d.lastSeq + 1)
			step := uint32(now.Sub(d.lastAt).Seconds() * float64(d.clockRate))
			if step == 0 {
				step = 1
			}
			d.tsOff = pkt.Timestamp - (d.lastTS + step)
		}
		d.started = true
		d.switches++
		d.npads = 0 // another layer numbers its packets apart
	}
	seqOff := d.seqOff
	if !switching {
		for _, r := range d.pads[:d.npads] {
			if int16(pkt.SequenceNumber-r.in) <= 0 {
				seqOff = r.off // received before that padding: its number was kept for it
				break
			}
		}
	}
	h := pkt.Header
	h.SSRC = d.ssrc
	h.PayloadType = d.pt
	h.SequenceNumber = pkt.SequenceNumber - seqOff
	h.Timestamp = pkt.Timestamp - d.tsOff
	d.setExtensions(&h)
	if int16(h.SequenceNumber-d.lastSeq) > 0 || switching {
		d.lastSeq = h.SequenceNumber
		d.lastTS = h.Timestamp
		d.lastAt = now
		d.lastIn = pkt.SequenceNumber
		d.lastMarker = h.Marker
		// Runs older than any packet still sent need no offset: forget
		// them before their numbers could compare as newer.
		for d.npads > 0 && d.lastIn-d.pads[0].in > switchWindow {
			d.dropPadRun()
		}
	}
	payload, rewritten := pkt.Payload, 0
	if d.vp8 != nil {
		// The payload is shared by every subscriber: rewrite a copy. The
		// writer is done with it when WriteRTP returns.
		if cap(d.buf) < len(payload) {
			d.buf = make([]byte, max(len(payload), 1500))
		}
		payload, rewritten = d.vp8.rewrite(payload, d.buf, switching)
	}
	// The number is taken whether or not the write succeeds: remembered
	// first, the packet can be retransmitted when the subscriber asks for
	// the hole a failed write leaves.
	if d.sentLog != nil {
		d.sentLog.record(&h, pkt.SequenceNumber, q, payload[:rewritten])
	}
	if _, err := d.writer.WriteRTP(&h, payload); err != nil {
		return false
	}
	d.sent.Add(1)
	d.srPackets++
	d.srOctets += uint32(len(payload))
	if int64(now.Sub(d.lastSR)) >= senderReportInterval.Load() {
		d.senderReport(now, h.Timestamp)
	}
	return true
}

// senderReport sends the stream's sender report (RFC 3550 §6.4.1) with the
// packet just sent: its timestamp and the wall clock now, which is when it
// left. The receiver aligns audio and video by them (lip sync) and measures
// the round trip. The DownTrack sends them itself, with the packets it
// already counts, rather than pion's report interceptor, which takes a lock
// and reads the clock for every packet of every subscriber.
func (d *DownTrack) senderReport(now time.Time, ts uint32) {
	if d.transport == nil {
		return
	}
	d.lastSR = now
	_, _ = d.transport.WriteRTCP([]rtcp.Packet{&rtcp.SenderReport{
		SSRC: d.ssrc, NTPTime: ntpTime(now), RTPTime: ts,
		PacketCount: d.srPackets, OctetCount: d.srOctets,
	}})
}

// ntpTime is t in the 64-bit NTP format of RTCP (RFC 3550 §4): seconds
// since 1900 in the high 32 bits, the fraction in the low.
func ntpTime(t time.Time) uint64 {
	const unixToNTP = 2_208_988_800 // seconds from 1900 to 1970
	ns := uint64(t.UnixNano())
	sec := ns/1e9 + unixToNTP
	frac := (ns % 1e9) << 32 / 1e9
	return sec<<32 | frac
}

// rtxPayloadType finds the RTX payload type associated with pt (RFC 4588
// §8.6: apt=pt in its format parameters).
func rtxPayloadType(codecs []webrtc.RTPCodecParameters, pt webrtc.PayloadType) (webrtc.PayloadType, bool) {
	want := "apt=" + strconv.Itoa(int(pt))
	for _, c := range codecs {
		if strings.EqualFold(c.MimeType, webrtc.MimeTypeRTX) {
			for _, f := range strings.Split(c.SDPFmtpLine, ";") {
				if strings.TrimSpace(f) == want {
					return c.PayloadType, true
				}
			}
		}
	}
	return 0, false
}

// setExtensions replaces the publisher's header extensions with the one
// the subscriber's connection adds: the transport-wide sequence number,
// whose value the twccInterceptor writes.
func (d *DownTrack) setExtensions(h *rtp.Header) {
	h.Extension = false
	h.Extensions = d.exts[:0]
	if d.twccID != 0 {
		_ = h.SetExtension(d.twccID, d.twcc[:])
	}
}

// maxPadding is the most padding one RTP packet carries: its count is one
// byte (RFC 3550 §5.1).
const maxPadding = 255

// writePadding sends one packet of padding only, n bytes (at most
// maxPadding), to probe the path (bandwidth estimation). It goes on a video
// the subscriber has received, between two of its frames, so that the
// receiver's frame assembly never sees a hole inside a frame (a paused
// video has no frame to break: after its last packet, whatever it was, the
// next one it gets starts a keyframe); it takes the next sequence number
// and repeats the last timestamp. It reports whether the packet was sent.
func (d *DownTrack) writePadding(n int) bool {
	if d.up.kind != webrtc.RTPCodecTypeVideo {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.bound || !d.started || (!d.lastMarker && d.current != layerPaused) {
		return false
	}
	if d.npads == 0 || d.pads[d.npads-1].in != d.lastIn {
		// The first padding after a media packet: packets received up to
		// that one keep the offset they had.
		if d.npads == len(d.pads) {
			// Packets from before the oldest run would have no number
			// kept: they are no longer sent.
			d.startSeq = d.pads[0].in + 1
			d.dropPadRun()
		}
		d.pads[d.npads] = padRun{in: d.lastIn, off: d.seqOff}
		d.npads++
	}
	h := rtp.Header{Version: 2, Padding: true, PaddingSize: byte(min(max(n, 1), maxPadding)),
		SSRC: d.ssrc, PayloadType: d.pt, SequenceNumber: d.lastSeq + 1, Timestamp: d.lastTS}
	d.setExtensions(&h)
	if _, err := d.writer.WriteRTP(&h, nil); err != nil {
		return false
	}
	if d.sentLog != nil {
		d.sentLog.recordPadding(&h)
	}
	d.srPackets++ // a packet of the stream; its padding is no payload
	d.seqOff--
	d.lastSeq = h.SequenceNumber
	return true
}

// dropPadRun forgets the oldest run of padding.
func (d *DownTrack) dropPadRun() {
	copy(d.pads[:], d.pads[1:d.npads])
	d.npads--
}

// RTCPLoop reads the subscriber's RTCP for this track (which also feeds the
// report interceptors and the bandwidth estimator), answers its NACKs and
// relays its keyframe requests to the publisher, rate limited there, until
// the sender closes.
func (d *DownTrack) RTCPLoop() {
	for {
		pkts, _, err := d.sender.ReadRTCP()
		if err != nil {
			return
		}
		d.HandleRTCP(pkts)
	}
}

// HandleRTCP answers the subscriber's NACKs and relays its keyframe
// requests, for a caller that reads the sender's RTCP itself (a sender
// whose track changes publisher, as a broadcast viewer's does).
func (d *DownTrack) HandleRTCP(pkts []rtcp.Packet) {
	for _, p := range pkts {
		switch p := p.(type) {
		case *rtcp.TransportLayerNack:
			if d.sentLog != nil {
				d.retransmit(p)
			}
		case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
			q := d.currentLayer()
			if q == layerPaused {
				q = d.targetLayer()
			}
			d.up.requestKeyframe(q)
		}
	}
}
