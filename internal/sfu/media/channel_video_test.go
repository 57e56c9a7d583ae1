package media

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// keepWriter keeps what a viewer's connection is given.
type keepWriter struct {
	mu   sync.Mutex
	pkts []rtp.Packet
}

func (w *keepWriter) WriteRTP(h *rtp.Header, payload []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pkts = append(w.pkts, rtp.Packet{Header: *h, Payload: append([]byte(nil), payload...)})
	return h.MarshalSize() + len(payload), nil
}

func (w *keepWriter) Write(b []byte) (int, error) { return len(b), nil }

// signer is a sign interpreter's camera: VP8 frames of three packets whose
// payloads end with tag, numbered from its own seq, timestamp and picture
// ID; it records the keyframe requests it gets.
type signer struct {
	u    *UpTrack
	tag  byte
	seq  uint16
	ts   uint32
	pic  int
	mu   sync.Mutex
	plis int
}

func newSigner(id string, tag byte, seq0 uint16, ts0 uint32, pic0 int) *signer {
	s := &signer{tag: tag, seq: seq0, ts: ts0, pic: pic0}
	s.u = NewUpTrack(TrackParams{ID: id, Owner: id, Kind: webrtc.RTPCodecTypeVideo, Source: SourceCamera, Codec: vp8,
		SendRTCP: func(ps []rtcp.Packet) error {
			s.mu.Lock()
			defer s.mu.Unlock()
			for _, p := range ps {
				if _, ok := p.(*rtcp.PictureLossIndication); ok {
					s.plis++
				}
			}
			return nil
		}})
	s.u.layers[layerHigh].ssrc.Store(uint32(seq0) + 7)
	s.u.layers[layerHigh].active.Store(true)
	return s
}

func (s *signer) keyframeRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.plis
}

// frame sends one frame, a keyframe if key.
func (s *signer) frame(key bool) {
	s.pic = (s.pic + 1) & 0x7fff
	s.ts += 3000
	for i := range 3 {
		s.seq++
		p := vp8Payload(i == 0, s.pic, true, -1, key)
		if i > 0 {
			p = vp8Payload(false, s.pic, true, -1, false)
		}
		s.u.receive(layerHigh, &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: s.seq, Timestamp: s.ts, Marker: i == 2},
			Payload: append(p, s.tag)}, 1200)
	}
}

// A sign-language channel gives its viewer exactly the live sign
// interpreter's video on one track: across a handover the SSRC stays, the
// sequence numbers and VP8 picture IDs continue, and the new interpreter's
// video starts at a keyframe, requested on the switch; the viewer's own
// keyframe requests reach whoever is live.
func TestSignChannelHandover(t *testing.T) {
	clk := &clock{t: time.Unix(1_700_000_000, 0)}
	ch := NewChannel(ChannelParams{ID: "interp-sgn", Owner: "booth-sgn", Language: "sgn", Video: true, Now: clk.now})
	if !ch.Video() || ch.Track().Kind() != webrtc.RTPCodecTypeVideo {
		t.Fatal("a sign channel is not a video track")
	}
	d := NewDownTrack(ch.Track())
	w := &keepWriter{}
	d.bound, d.writer, d.ssrc, d.pt = true, w, 5151, 96
	ch.Track().AddDown(d)
	var tapped []byte
	var tapMu sync.Mutex
	removeTap := ch.AddTap(func(p *rtp.Packet) {
		tapMu.Lock()
		defer tapMu.Unlock()
		tapped = append(tapped, p.Payload[len(p.Payload)-1])
	})

	a := newSigner("a", 'A', 100, 1000, 300)
	b := newSigner("b", 'B', 50000, 4_000_000_000, 20000)
	ch.SetSource(a.u)
	if a.keyframeRequests() != 1 {
		t.Errorf("a got %d keyframe requests on becoming the source, want 1", a.keyframeRequests())
	}
	a.frame(false) // before any keyframe: not sent
	for i := range 10 {
		a.frame(i == 0)
		b.frame(i == 0) // the standby's camera: never forwarded
		clk.advance(33 * time.Millisecond)
	}
	ch.SetSource(b.u) // handover
	if b.keyframeRequests() != 1 {
		t.Errorf("b got %d keyframe requests on becoming the source, want 1", b.keyframeRequests())
	}
	for i := range 10 {
		a.frame(false)
		b.frame(i == 3) // b's video goes out from its keyframe on
		clk.advance(33 * time.Millisecond)
	}

	w.mu.Lock()
	pkts := append([]rtp.Packet(nil), w.pkts...)
	w.mu.Unlock()
	if len(pkts) != 30+21 {
		t.Fatalf("viewer got %d packets, want 51 (10 frames of a from its keyframe, 7 of b from its keyframe)", len(pkts))
	}
	for i, p := range pkts {
		want := byte('A')
		if i >= 30 {
			want = 'B'
		}
		if got := p.Payload[len(p.Payload)-1]; got != want {
			t.Fatalf("packet %d is %c's, want %c's", i, got, want)
		}
		if p.SSRC != 5151 {
			t.Fatalf("packet %d on SSRC %d, want the viewer's one 5151", i, p.SSRC)
		}
		if i == 0 || i == 30 {
			if !isVP8Keyframe(p.Payload) {
				t.Errorf("packet %d starts %c's run but is no keyframe", i, want)
			}
		}
		if i > 0 {
			prev := pkts[i-1]
			if p.SequenceNumber != prev.SequenceNumber+1 {
				t.Errorf("packet %d: sequence %d after %d", i, p.SequenceNumber, prev.SequenceNumber)
			}
			if step := p.Timestamp - prev.Timestamp; int32(step) < 0 || step > 90000 {
				t.Errorf("packet %d: timestamp step %d", i, int32(step))
			}
			dp, _ := parseVP8Descriptor(p.Payload)
			dq, _ := parseVP8Descriptor(prev.Payload)
			pp, _ := dp.picture(p.Payload)
			pq, _ := dq.picture(prev.Payload)
			if i%3 == 0 && pp != (pq+1)&0x7fff || i%3 != 0 && pp != pq {
				t.Errorf("packet %d: picture ID %d after %d", i, pp, pq)
			}
		}
	}
	tapMu.Lock()
	if len(tapped) != 51 || tapped[0] != 'A' || tapped[50] != 'B' {
		t.Errorf("tap got %d packets, want the viewer's 51", len(tapped))
	}
	tapMu.Unlock()
	removeTap()
	b.frame(false)
	tapMu.Lock()
	if len(tapped) != 51 {
		t.Error("a removed tap still receives")
	}
	tapMu.Unlock()

	// The viewer's keyframe request reaches the live interpreter, not the
	// former one.
	b.u.layers[layerHigh].lastKF.Store(0)
	before := a.keyframeRequests()
	d.HandleRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: 5151}})
	if b.keyframeRequests() != 2 || a.keyframeRequests() != before {
		t.Errorf("viewer's PLI: b got %d requests (want 2), a %d more", b.keyframeRequests(), a.keyframeRequests()-before)
	}
}

// A sign channel forwards VP8 video only: an audio track or another codec
// made its source by mistake sends nothing.
func TestSignChannelRefusesOtherMedia(t *testing.T) {
	ch := NewChannel(ChannelParams{ID: "interp-sgn", Language: "sgn", Video: true})
	sink := &recordSink{}
	ch.AddSink(sink)
	mic := newInterpreter("mic", 'M', 0, 0)
	ch.SetSource(mic.u)
	mic.send()
	h := NewUpTrack(TrackParams{ID: "h264", Kind: webrtc.RTPCodecTypeVideo, Source: SourceCamera,
		Codec: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000}})
	ch.SetSource(h)
	h.receive(layerHigh, &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: 1}, Payload: []byte{0x65, 0, 0}}, 100)
	if len(sink.pkts) != 0 {
		t.Errorf("sign channel sent %d packets of audio or H.264", len(sink.pkts))
	}
}

// A Subscriber made with no Go or Reallocate works: a probe's padding runs
// and its result is looked at without a panic.
func TestSubscriberZeroConfiguration(t *testing.T) {
	s := NewSubscriber(SubscriberParams{})
	v := NewDownTrack(liveTrack("cam", webrtc.RTPCodecTypeVideo, SourceCamera))
	v.bound, v.writer, v.ssrc, v.pt = true, &discardWriter{}, 1, 96
	v.viewW.Store(1280)
	v.viewH.Store(720)
	v.viewSet.Store(true)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	est := &probingEstimate{target: 100_000}
	s.allocateWith(ctx, map[string]*DownTrack{"cam": v}, est)
	if est.probes == 0 {
		t.Fatal("no probe started: the test does not reach the padding")
	}
	<-ctx.Done()
}

// probingEstimate is a low estimate, confirmed by loss, that accepts every
// probe and asks for padding once.
type probingEstimate struct {
	mu     sync.Mutex
	target int
	probes int
	padded bool
}

func (p *probingEstimate) Target() int { return p.target }
func (p *probingEstimate) Lossy() bool { return true }
func (p *probingEstimate) Probe(int) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.probes++
	return true
}
func (p *probingEstimate) ProbePadding() (int, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.padded {
		return 0, false
	}
	p.padded = true
	return 50_000, true
}
