package media

import (
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/mofa-vn/chancery/internal/sfu/media/bwe"
)

// Faults seen once each under CPU pressure (issue 22): subscribers' rewritten
// sequence numbers jumped (80 % of packets "lost" by number while every
// packet forwarded arrived), and one publisher's video reached none of its
// subscribers for a whole run. A starved server reads late, loses packets
// in full socket buffers and gets them again from the publisher after a
// NACK, long after newer ones: these tests feed the forwarder that way.

// sent is one packet a subscriber got: its outgoing sequence number, and
// for media the layer and sequence number it was received with (which
// tagged carries in its payload).
type sent struct {
	seq     uint16
	padding bool
	layer   int
	in      uint16
	stretch int // the DownTrack's switches when it was sent
}

// recorder is a subscriber's stream that remembers what it was sent. Its
// DownTrack's mutex, held while it writes, serialises the writes.
type recorder struct {
	d   *DownTrack
	got []sent
}

func (r *recorder) WriteRTP(h *rtp.Header, payload []byte) (int, error) {
	s := sent{seq: h.SequenceNumber, padding: h.Padding && len(payload) == 0, stretch: r.d.switches}
	if !s.padding {
		n := len(payload)
		s.layer, s.in = int(payload[n-3]), binary.BigEndian.Uint16(payload[n-2:])
	}
	r.got = append(r.got, s)
	return h.MarshalSize() + len(payload), nil
}

func (r *recorder) Write(b []byte) (int, error) { return len(b), nil }

// layerStream makes the packets of one simulcast layer: frames of perFrame
// packets, a keyframe every 10 frames (the first is one), each packet
// tagged with its layer and sequence number.
type layerStream struct {
	layer, perFrame int
	seq             uint16
	frame, pos      int
}

func (s *layerStream) next() *rtp.Packet {
	s.seq++
	start, key := s.pos == 0, s.frame%10 == 0
	p := vp8Payload(start, (s.frame+1000*s.layer)&0x7fff, true, s.frame&0xff, key)
	p = append(p, byte(s.layer), byte(s.seq>>8), byte(s.seq))
	s.pos++
	marker := s.pos == s.perFrame
	pkt := &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: s.seq, Timestamp: uint32(s.frame) * 3000, Marker: marker}, Payload: p}
	if marker {
		s.pos = 0
		s.frame++
	}
	return pkt
}

// recordingSubscribers returns a simulcast video (all layers live) with
// subs subscribers that record what they are sent.
func recordingSubscribers(t *testing.T, subs int) (*UpTrack, []*DownTrack, []*recorder) {
	t.Helper()
	u, ds := subscribed(t, webrtc.RTPCodecTypeVideo, subs, nil)
	rs := make([]*recorder, subs)
	for i, d := range ds {
		rs[i] = &recorder{d: d}
		d.writer = rs[i]
	}
	return u, ds, rs
}

// wantContinuous fails unless the packets are numbered one after another,
// in the order sent.
func wantContinuous(t *testing.T, got []sent) {
	t.Helper()
	for i := 1; i < len(got); i++ {
		if got[i].seq != got[i-1].seq+1 {
			t.Fatalf("packet %d (%+v) numbered %d after %d (%+v): the sequence jumped", i, got[i], got[i].seq, got[i-1].seq, got[i-1])
		}
	}
}

// A keyframe's first packet that comes late, after packets received after
// it (the publisher retransmitted it), is no place to switch layers: the
// packets after it were dropped while the subscriber waited, and the
// packets after them would be numbered as far on. The subscriber keeps its
// layer and switches at the next keyframe, numbers continuous.
func TestLateKeyframeIsNoSwitchPoint(t *testing.T) {
	u, ds, rs := recordingSubscribers(t, 1)
	d := ds[0]
	low, high := &layerStream{layer: layerLow, perFrame: 1}, &layerStream{layer: layerHigh, perFrame: 1}
	for range 5 {
		u.receive(layerLow, low.next(), 1200)
	}
	d.setTarget(layerHigh)
	key := high.next() // lost on the way in
	for range 8 {
		u.receive(layerHigh, high.next(), 1200)
		u.receive(layerLow, low.next(), 1200)
	}
	u.receive(layerHigh, key, 1200) // its retransmission
	if d.currentLayer() != layerLow {
		t.Fatalf("switched to layer %d on a keyframe that came late", d.currentLayer())
	}
	u.receive(layerLow, low.next(), 1200)
	for range 10 { // frame 10 is the next keyframe
		u.receive(layerHigh, high.next(), 1200)
	}
	if d.currentLayer() != layerHigh {
		t.Fatalf("layer %d after the next keyframe, want the high one", d.currentLayer())
	}
	wantContinuous(t, rs[0].got)
}

// Late packets take the numbers kept for them however many runs of probe
// padding went out since: never a number another packet had.
func TestLatePacketsAcrossPaddingRuns(t *testing.T) {
	u, ds, rs := recordingSubscribers(t, 1)
	d := ds[0]
	s := &layerStream{layer: layerLow, perFrame: 3}
	var late []*rtp.Packet
	for f := range 6 {
		for i := range 3 {
			p := s.next()
			if f > 0 && i == 1 {
				late = append(late, p) // lost, retransmitted below
				continue
			}
			u.receive(layerLow, p, 1200)
		}
		for range f % 3 { // zero, one or two padding packets
			if !d.writePadding(100) {
				t.Fatal("no padding after a frame")
			}
		}
	}
	for _, p := range late {
		u.receive(layerLow, p, 1200)
	}
	numbers := map[uint16]sent{}
	lo, hi := rs[0].got[0].seq, rs[0].got[0].seq
	for _, g := range rs[0].got {
		if o, dup := numbers[g.seq]; dup {
			t.Fatalf("number %d sent twice: %+v, then %+v", g.seq, o, g)
		}
		numbers[g.seq] = g
		lo, hi = min(lo, g.seq), max(hi, g.seq)
	}
	if int(hi-lo)+1 != len(numbers) {
		t.Errorf("numbers %d to %d for %d packets: holes", lo, hi, len(numbers))
	}
	// Each media packet keeps its place among the others.
	for a := range numbers {
		for b := range numbers {
			ga, gb := numbers[a], numbers[b]
			if !ga.padding && !gb.padding && (ga.in < gb.in) != (a < b) {
				t.Fatalf("packet %d sent as %d, packet %d as %d", ga.in, a, gb.in, b)
			}
		}
	}
}

// Padding long ago does not move the numbers of packets half the sequence
// space later.
func TestPaddingLongAgoKeepsNumbers(t *testing.T) {
	u, ds, rs := recordingSubscribers(t, 1)
	s := &layerStream{layer: layerLow, perFrame: 1}
	u.receive(layerLow, s.next(), 1200)
	for range 3 {
		ds[0].writePadding(100)
	}
	for range 70_000 {
		u.receive(layerLow, s.next(), 1200)
	}
	wantContinuous(t, rs[0].got)
}

// TestStarvedForwarder runs a simulcast video to subscribers while busy
// goroutines take the CPUs, each layer's packets come out of order (some
// retransmitted long after, keyframes' first packets most often: the
// largest), the subscribers' layers change all the time, pauses included,
// and probe padding goes out between frames. Every subscriber's numbers
// stay continuous: no number twice, and no more holes than there were late
// packets (one dropped after its layer was left). Then, once the layers
// stay put, every subscription receives at the layer it asked for.
func TestStarvedForwarder(t *testing.T) {
	const subs, perLayer = 6, 3000
	u, ds, rs := recordingSubscribers(t, subs)
	streams := []*layerStream{{layer: 0, perFrame: 2}, {layer: 1, perFrame: 4}, {layer: 2, perFrame: 8}}

	// Each layer's arrival order: a packet is retransmitted 20 to 120
	// packets later (a quarter of keyframes' first packets, 1 % of the
	// others), or swapped with the next (2 %).
	rng := rand.New(rand.NewPCG(22, 2))
	arrivals := make([][]*rtp.Packet, len(streams))
	// late[q][seq]: the packet came after a newer one of its layer.
	late := make([]map[uint16]bool, len(streams))
	for q, s := range streams {
		type held struct {
			p   *rtp.Packet
			due int
		}
		var pending []held
		var out []*rtp.Packet
		for i := range perLayer {
			p := s.next()
			kf := isVP8Keyframe(p.Payload)
			switch r := rng.Float64(); {
			case kf && r < 0.25 || !kf && r < 0.01:
				pending = append(pending, held{p, i + 20 + rng.IntN(100)})
			case r > 0.98:
				pending = append(pending, held{p, i + 1})
			default:
				out = append(out, p)
			}
			keep := pending[:0]
			for _, h := range pending {
				if h.due <= i {
					out = append(out, h.p)
				} else {
					keep = append(keep, h)
				}
			}
			pending = keep
		}
		for _, h := range pending {
			out = append(out, h.p)
		}
		newest := uint16(0)
		late[q] = map[uint16]bool{}
		for _, p := range out {
			if int16(p.SequenceNumber-newest) < 0 {
				late[q][p.SequenceNumber] = true
			} else {
				newest = p.SequenceNumber
			}
		}
		arrivals[q] = out
	}

	var stop atomic.Bool
	var busy sync.WaitGroup
	for range 2 * runtime.GOMAXPROCS(0) {
		busy.Go(func() {
			x := 0
			for !stop.Load() {
				for i := range 10_000 {
					x += i
				}
				runtime.Gosched() // else a yielding reader waits out a time slice
			}
			_ = x
		})
	}
	var readers, meddlers sync.WaitGroup
	for q, pkts := range arrivals {
		readers.Go(func() { // as ReadLoop does
			for i, p := range pkts {
				u.receive(q, p, 1200)
				if i%4 == 0 {
					runtime.Gosched() // let the allocator and padding in
				}
			}
		})
	}
	done := make(chan struct{})
	meddlers.Go(func() { // the allocator
		r := rand.New(rand.NewPCG(22, 5))
		for {
			select {
			case <-done:
				return
			default:
			}
			q := r.IntN(7) - 1 // sometimes a pause
			ds[r.IntN(subs)].setTarget(min(q, layerHigh))
			runtime.Gosched()
		}
	})
	meddlers.Go(func() { // probe padding
		r := rand.New(rand.NewPCG(22, 6))
		for {
			select {
			case <-done:
				return
			default:
			}
			ds[r.IntN(subs)].writePadding(100)
			runtime.Gosched()
		}
	})
	readers.Wait()
	close(done)
	meddlers.Wait()

	// Calm: the layers stay put and the publisher keeps sending, in order.
	// (A layer whose reader finished early, silent for a second, is not
	// chosen until it sends again.)
	for q, s := range streams {
		u.receive(q, s.next(), 1200)
	}
	for i, d := range ds {
		d.setTarget(i % 3)
	}
	for range 200 {
		for q, s := range streams {
			u.receive(q, s.next(), 1200)
		}
	}
	stop.Store(true)
	busy.Wait()

	for i, r := range rs {
		numbers := map[uint16]sent{}
		first := r.got[0].seq
		lo, hi := 0, 0
		for _, g := range r.got {
			if o, dup := numbers[g.seq]; dup {
				t.Fatalf("subscriber %d: number %d sent twice: %+v, then %+v", i, g.seq, o, g)
			}
			numbers[g.seq] = g
			off := int(int16(g.seq - first))
			lo, hi = min(lo, off), max(hi, off)
		}
		// A hole is a number kept for a packet that never came, or came
		// after its layer was left: a late one, between two the subscriber
		// got in one stretch on its layer, from one switch to the next.
		// (Packets dropped while the subscriber waited for a keyframe must
		// have none.)
		holes := hi - lo + 1 - len(numbers)
		type stretch struct {
			layer  int
			lo, hi uint16
			got    map[uint16]bool
		}
		var stretches []*stretch
		for _, g := range r.got {
			if g.padding {
				continue
			}
			for len(stretches) <= g.stretch {
				stretches = append(stretches, &stretch{layer: -1, lo: 0xffff, got: map[uint16]bool{}})
			}
			st := stretches[g.stretch]
			st.layer = g.layer
			st.got[g.in] = true
			st.lo, st.hi = min(st.lo, g.in), max(st.hi, g.in)
		}
		missed := 0
		for _, st := range stretches {
			if st.layer < 0 {
				continue
			}
			for seq := range late[st.layer] {
				if !st.got[seq] && st.lo < seq && seq < st.hi {
					missed++
				}
			}
		}
		if holes > missed {
			t.Errorf("subscriber %d: %d holes in %d numbers, with only %d late packets missed", i, holes, len(numbers), missed)
		}
		if last := r.got[len(r.got)-1]; last.padding || last.layer != i%3 {
			t.Errorf("subscriber %d: last sent %+v, want layer %d", i, last, i%3)
		}
		t.Logf("subscriber %d: %d packets, %d holes, %d late packets missed", i, len(numbers), holes, missed)
	}
}

// When the estimates of a room's subscribers fall together (a starved
// server, a shared uplink) and each can carry all videos but one, each
// pauses one, and keeps the same one from one allocation to the next; but
// not all the same one: every publisher still reaches subscribers. (With
// one order for everyone, one delegate's video reached nobody for a whole
// run.)
func TestCongestionPausesNotTheSameVideoForEveryone(t *testing.T) {
	const subs = 30
	ups := []*UpTrack{
		liveTrack("cam-a", webrtc.RTPCodecTypeVideo, SourceCamera),
		liveTrack("cam-b", webrtc.RTPCodecTypeVideo, SourceCamera),
		liveTrack("cam-c", webrtc.RTPCodecTypeVideo, SourceCamera),
	}
	reached := map[string]int{}
	for i := range subs {
		s := NewSubscriber(SubscriberParams{Go: func(func()) {}, Reallocate: func() {}})
		downs := map[string]*DownTrack{}
		for _, u := range ups {
			d := NewDownTrack(u)
			d.SetView(640, 360)
			downs[u.id] = d
		}
		// Room for two low layers (150 kbit/s each), not three, with loss
		// saying so.
		s.allocateWith(t.Context(), downs, &fixedEstimate{target: 320_000, lossy: true})
		first := map[string]int{}
		paused := 0
		for id, d := range downs {
			first[id] = d.targetLayer()
			if first[id] == layerPaused {
				paused++
			} else {
				reached[id]++
			}
		}
		if paused != 1 {
			t.Fatalf("subscriber %d: layers %v, want one video paused", i, first)
		}
		s.allocateWith(t.Context(), downs, &fixedEstimate{target: 320_000, lossy: true})
		for id, d := range downs {
			if d.targetLayer() != first[id] {
				t.Fatalf("subscriber %d: %s went from layer %d to %d with the same estimate", i, id, first[id], d.targetLayer())
			}
		}
	}
	for _, u := range ups {
		if reached[u.id] == 0 {
			t.Errorf("%s reached none of %d subscribers (%v)", u.id, subs, reached)
		}
	}
	t.Logf("subscribers each video reached: %v", reached)
}

// failingWriter fails the writes while fail is set, as a subscriber's
// connection may when it falls behind, and records the rest.
type failingWriter struct {
	recorder
	fail bool
}

func (w *failingWriter) WriteRTP(h *rtp.Header, payload []byte) (int, error) {
	if w.fail {
		return 0, errWriteFailed
	}
	return w.recorder.WriteRTP(h, payload)
}

var errWriteFailed = errors.New("write failed")

// A packet whose write failed left a hole in the subscriber's numbers; the
// subscriber's NACK for it gets it, as any lost packet.
func TestFailedWriteIsRetransmitted(t *testing.T) {
	u, ds, _ := recordingSubscribers(t, 1)
	d := ds[0]
	w := &failingWriter{recorder: recorder{d: d}}
	d.writer = w
	s := &layerStream{layer: layerLow, perFrame: 1}
	u.receive(layerLow, s.next(), 1200)
	w.fail = true
	u.receive(layerLow, s.next(), 1200)
	w.fail = false
	u.receive(layerLow, s.next(), 1200)
	if len(w.got) != 2 || w.got[1].seq != w.got[0].seq+2 {
		t.Fatalf("sent %+v, want two packets around a hole", w.got)
	}
	hole := w.got[0].seq + 1
	d.retransmitOne(hole, int64(time.Hour))
	if len(w.got) != 3 || w.got[2].seq != hole || w.got[2].in != 2 {
		t.Fatalf("after a NACK for %d: sent %+v, want packet 2 as %d", hole, w.got, hole)
	}
}

// fakeStream is a TrackRemote's Read over a list of packets.
type fakeStream struct{ pkts []*rtp.Packet }

func (f *fakeStream) Read(b []byte) (int, interceptor.Attributes, error) {
	if len(f.pkts) == 0 {
		return 0, nil, io.EOF
	}
	p := f.pkts[0]
	f.pkts = f.pkts[1:]
	raw, err := p.Marshal()
	if err != nil {
		return 0, nil, err
	}
	return copy(b, raw), nil, nil
}

// A publisher whose retransmissions (RTX) name their layer by its rid, as
// pion's NACK responder sends them, gets its repair stream read as the
// layer (pion hands the layer's TrackRemote over to it). Those packets,
// numbered in the repair stream's own space with the original number in
// front of the payload, are no media: forwarded, they made the subscribers'
// numbers jump by thousands (the 80 % "lost" of a starved load run), and a
// keyframe was never recognised in them. The layer's reader forwards only
// packets of the layer's payload type: numbers stay continuous.
func TestRepairStreamIsNotForwardedAsMedia(t *testing.T) {
	u, ds, rs := recordingSubscribers(t, 3)
	for _, d := range ds {
		d.target = layerMedium
	}
	s := layerStream{layer: layerMedium, perFrame: 3}
	var in []*rtp.Packet
	rtxSeq := uint16(17_500) // pion's repair streams start at a random number
	for i := range 600 {
		p := s.next()
		in = append(in, p)
		if i%7 == 3 {
			// The publisher's retransmission of an earlier packet: the
			// original number, then the original payload.
			orig := in[len(in)-3]
			payload := append(binary.BigEndian.AppendUint16(nil, orig.SequenceNumber), orig.Payload...)
			in = append(in, &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 97, SSRC: 9,
				SequenceNumber: rtxSeq, Timestamp: orig.Timestamp}, Payload: payload})
			rtxSeq++
		}
	}
	for _, p := range in {
		if p.PayloadType == 0 {
			p.PayloadType = 96
		}
	}
	u.readLoop(&fakeStream{pkts: in}, layerMedium, 1, 96)
	for i, r := range rs {
		if len(r.got) != 600 {
			t.Errorf("subscriber %d got %d packets, want the 600 media packets", i, len(r.got))
		}
		wantContinuous(t, r.got)
	}
}

// TestStarvedFeedbackKeepsLowestLayer: on a starved machine the estimate
// falls to its minimum (the delay detector reads scheduling delays as a
// queue) while nothing is lost. Every video used to pause for the whole
// run (issue 22, the plenary and video shapes against LiveKit). Delay
// alone now steps each video down to its lowest layer and no further; the
// videos come back up as soon as the estimate does; loss, which says even
// the lowest layer does not fit, still pauses them.
func TestStarvedFeedbackKeepsLowestLayer(t *testing.T) {
	s := NewSubscriber(SubscriberParams{Go: func(func()) {}, Reallocate: func() {}})
	downs := map[string]*DownTrack{}
	var cams []*DownTrack
	for _, id := range []string{"a", "b", "c"} {
		d := NewDownTrack(liveTrack("cam-"+id, webrtc.RTPCodecTypeVideo, SourceCamera))
		d.SetView(640, 360)
		downs[d.up.id] = d
		cams = append(cams, d)
		a := NewDownTrack(liveTrack("mic-"+id, webrtc.RTPCodecTypeAudio, SourceMicrophone))
		downs[a.up.id] = a
	}
	layers := func() []int {
		var out []int
		for _, d := range cams {
			out = append(out, d.targetLayer())
			d.mu.Lock()
			d.current = d.target // as if the keyframes had arrived
			d.mu.Unlock()
		}
		return out
	}
	s.allocateWith(t.Context(), downs, &fixedEstimate{target: 3_000_000})
	if got := layers(); !slices.Equal(got, []int{layerMedium, layerMedium, layerMedium}) {
		t.Fatalf("before the starvation: layers %v, want medium for all", got)
	}
	// Starved: the estimate at the estimator's minimum, less than the
	// three microphones' reserve, without loss. Each video keeps its
	// lowest layer, second after second.
	for range 5 {
		s.allocateWith(t.Context(), downs, &fixedEstimate{target: bwe.DefaultMin})
		if got := layers(); !slices.Equal(got, []int{layerLow, layerLow, layerLow}) {
			t.Fatalf("starved without loss: layers %v, want low for all", got)
		}
	}
	// The estimate comes back: so do the layers, without waiting for
	// anything but the allocation.
	s.allocateWith(t.Context(), downs, &fixedEstimate{target: 3_000_000})
	if got := layers(); !slices.Equal(got, []int{layerMedium, layerMedium, layerMedium}) {
		t.Fatalf("after the starvation: layers %v, want medium for all", got)
	}
	// Loss at the same estimate: the lowest layer does not fit either.
	s.allocateWith(t.Context(), downs, &fixedEstimate{target: bwe.DefaultMin, lossy: true})
	if got := layers(); !slices.Equal(got, []int{layerPaused, layerPaused, layerPaused}) {
		t.Fatalf("with loss: layers %v, want every video paused", got)
	}
	// Loss gone, estimate still low: back to the lowest layer at once.
	s.allocateWith(t.Context(), downs, &fixedEstimate{target: bwe.DefaultMin})
	if got := layers(); !slices.Equal(got, []int{layerLow, layerLow, layerLow}) {
		t.Fatalf("loss over: layers %v, want low for all", got)
	}
}
