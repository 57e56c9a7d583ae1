package sfu

import (
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

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

func ridLayer(rid string) int {
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
}

// layerIdle is how long a simulcast layer may go without packets before the
// SFU stops choosing it: browsers stop sending their upper layers when
// their own uplink estimate drops.
const layerIdle = time.Second

func (l *layer) live(now int64) bool {
	return l.active.Load() && now-l.lastRx.Load() < int64(layerIdle)
}

// upTrack is one published track: one RTP stream, or three for simulcast.
type upTrack struct {
	id        string
	owner     string // participant id
	mediaID   string // the publisher's MediaStreamTrack id
	kind      webrtc.RTPCodecType
	source    Source
	language  string
	codec     webrtc.RTPCodecCapability
	simulcast bool
	layers    [3]layer
	muted     atomic.Bool // the server stops forwarding while set
	selfMuted atomic.Bool // the publisher said it muted (display only)
	level     audioLevel
	levelExt  atomic.Uint32 // negotiated id of the audio level extension

	mu    sync.Mutex
	downs atomic.Pointer[[]*downTrack]
	// sendRTCP writes RTCP to the publisher's connection.
	sendRTCP func([]rtcp.Packet) error
	// forwarded counts packets written to subscribers, for metrics.
	forwarded *atomic.Uint64
}

func (u *upTrack) info() TrackInfo {
	return TrackInfo{ID: u.id, Participant: u.owner, Kind: u.kind.String(), Source: u.source,
		Language: u.language, Simulcast: u.simulcast, Muted: u.muted.Load() || u.selfMuted.Load()}
}

func (u *upTrack) addDown(d *downTrack) {
	u.mu.Lock()
	defer u.mu.Unlock()
	old := u.downs.Load()
	var ds []*downTrack
	if old != nil {
		ds = append(ds, *old...)
	}
	ds = append(ds, d)
	u.downs.Store(&ds)
}

func (u *upTrack) removeDown(d *downTrack) {
	u.mu.Lock()
	defer u.mu.Unlock()
	old := u.downs.Load()
	if old == nil {
		return
	}
	ds := make([]*downTrack, 0, len(*old))
	for _, x := range *old {
		if x != d {
			ds = append(ds, x)
		}
	}
	u.downs.Store(&ds)
}

// readLoop forwards the packets of one layer until the track ends.
func (u *upTrack) readLoop(remote *webrtc.TrackRemote, q int) {
	lay := &u.layers[q]
	lay.ssrc.Store(uint32(remote.SSRC()))
	lay.active.Store(true)
	defer lay.active.Store(false)
	buf := make([]byte, 1500)
	var pkt rtp.Packet
	for {
		n, _, err := remote.Read(buf)
		if err != nil {
			return
		}
		if pkt.Unmarshal(buf[:n]) != nil {
			continue
		}
		lay.bytes.Add(uint64(n))
		lay.lastRx.Store(time.Now().UnixNano())

		if u.muted.Load() {
			continue
		}
		if u.kind == webrtc.RTPCodecTypeAudio {
			if id := u.levelExt.Load(); id != 0 {
				if ext := pkt.GetExtension(uint8(id)); len(ext) > 0 {
					u.level.observe(ext[0] & 0x7f)
				}
			}
		}
		kf := false
		if u.kind == webrtc.RTPCodecTypeVideo {
			kf = isVP8Keyframe(pkt.Payload)
			lay.cache.put(pkt.SequenceNumber, pkt.Payload)
		}
		if ds := u.downs.Load(); ds != nil {
			n := uint64(0)
			for _, d := range *ds {
				if d.write(q, &pkt, kf) {
					n++
				}
			}
			if n > 0 && u.forwarded != nil {
				u.forwarded.Add(n) // once per packet, not per subscriber: the counter is shared
			}
		}
	}
}

// requestKeyframe asks the publisher for a keyframe on layer q, at most once
// per keyframeInterval (RFC 4585 PLI).
func (u *upTrack) requestKeyframe(q int) {
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

// measure updates the layers' bitrates over the elapsed interval.
func (u *upTrack) measure(elapsed time.Duration) {
	for i := range u.layers {
		b := u.layers[i].bytes.Swap(0)
		u.layers[i].bitrate.Store(uint64(float64(b*8) / elapsed.Seconds()))
	}
}

// layerBitrate is the measured, else nominal, bitrate of layer q.
func (u *upTrack) layerBitrate(q int) uint64 {
	if b := u.layers[q].bitrate.Load(); b > 0 {
		return b
	}
	if u.simulcast {
		return nominalBitrate[q]
	}
	return nominalBitrate[layerMedium]
}

// bestLayer is the highest active layer at or below q.
func (u *upTrack) bestLayer(q int) int {
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

// downTrack forwards one upTrack to one subscriber. It implements
// webrtc.TrackLocal, so that each subscriber gets its own SSRC, sequence
// numbers and timestamps, continuous across simulcast layer switches and
// pauses.
type downTrack struct {
	up       *upTrack
	streamID string
	sender   *webrtc.RTPSender

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
	startSeq  uint16 // first sequence number forwarded from the current layer
	clockRate uint32
	sent      atomic.Uint64
	// vp8 rewrites picture IDs and TL0PICIDX into buf, for VP8 video.
	vp8 *vp8Munger
	buf []byte

	// lastMarker tells whether the last packet sent ended a frame: probe
	// padding goes only between frames.
	lastMarker bool
	// lastIn is the sequence number, as received, of the newest packet
	// forwarded. Padding takes outgoing sequence numbers: a packet received
	// at or before padIn (a late, reordered one) keeps the offset it had
	// before, padOff; later ones move along.
	lastIn, padIn uint16
	padOff        uint16
	padded        bool

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
}

func newDownTrack(up *upTrack, subscriber string) *downTrack {
	d := &downTrack{up: up, streamID: up.owner, current: layerPaused, target: layerHigh, clockRate: up.codec.ClockRate}
	if up.kind == webrtc.RTPCodecTypeAudio || !up.simulcast {
		d.target = layerHigh
	}
	if up.kind == webrtc.RTPCodecTypeVideo && strings.EqualFold(up.codec.MimeType, webrtc.MimeTypeVP8) {
		d.vp8 = &vp8Munger{}
	}
	if up.kind == webrtc.RTPCodecTypeVideo {
		d.sentLog = new(sentRing)
	}
	_ = subscriber
	return d
}

// ID implements webrtc.TrackLocal: the upTrack id, so clients can find the
// track's metadata.
func (d *downTrack) ID() string { return d.up.id }

// RID implements webrtc.TrackLocal; the subscriber gets one stream.
func (d *downTrack) RID() string { return "" }

// StreamID implements webrtc.TrackLocal: the publisher's participant id.
func (d *downTrack) StreamID() string { return d.streamID }

// Kind implements webrtc.TrackLocal.
func (d *downTrack) Kind() webrtc.RTPCodecType { return d.up.kind }

// Bind implements webrtc.TrackLocal.
func (d *downTrack) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
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
func (d *downTrack) Unbind(webrtc.TrackLocalContext) error {
	d.mu.Lock()
	d.bound = false
	d.mu.Unlock()
	return nil
}

func (d *downTrack) targetLayer() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.target
}

// currentLayer is the layer forwarded now.
func (d *downTrack) currentLayer() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.current
}

// setTarget chooses the layer to forward. The switch happens at the next
// keyframe of that layer, which is requested now; pausing is immediate.
func (d *downTrack) setTarget(q int) {
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

// write forwards pkt, received on layer q, if this subscriber wants it. It
// reports whether the packet was sent.
func (d *downTrack) write(q int, pkt *rtp.Packet, keyframe bool) bool {
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
		} else if int16(pkt.SequenceNumber-d.startSeq) < 0 {
			return false // older than the switch: its numbers are taken
		}
	} else if !d.started {
		switching = true
	}
	now := time.Now()
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
		d.padded = false // another layer numbers its packets apart
	}
	seqOff := d.seqOff
	if d.padded && !switching && int16(pkt.SequenceNumber-d.padIn) <= 0 {
		seqOff = d.padOff // sent before the padding: its number was kept for it
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
	if _, err := d.writer.WriteRTP(&h, payload); err != nil {
		return false
	}
	if d.sentLog != nil {
		d.sentLog.record(&h, pkt.SequenceNumber, q, payload[:rewritten])
	}
	d.sent.Add(1)
	return true
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
func (d *downTrack) setExtensions(h *rtp.Header) {
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
func (d *downTrack) writePadding(n int) bool {
	if d.up.kind != webrtc.RTPCodecTypeVideo {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.bound || !d.started || (!d.lastMarker && d.current != layerPaused) {
		return false
	}
	if !d.padded || d.padIn != d.lastIn {
		// The first padding after a media packet: packets received up to
		// that one keep the offset they had.
		d.padIn, d.padOff, d.padded = d.lastIn, d.seqOff, true
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
	d.seqOff--
	d.lastSeq = h.SequenceNumber
	return true
}

// rtcpLoop reads the subscriber's RTCP for this track (which also feeds the
// report interceptors and the bandwidth estimator), answers its NACKs and
// relays its keyframe requests to the publisher, rate limited there.
func (d *downTrack) rtcpLoop() {
	for {
		pkts, _, err := d.sender.ReadRTCP()
		if err != nil {
			return
		}
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
}
