package bwe

import (
	"math"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtcp"
)

// This file is a small network simulator for the estimator's tests: a fake
// clock, a sender, a bottleneck link with a drop-tail FIFO queue and random
// loss, and a receiver that reports arrivals the way browsers do, as real
// TWCC packets marshalled and unmarshalled by pion/rtcp.

var simEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// fakeClock is safe for concurrent use, for the race tests.
type fakeClock struct{ ns atomic.Int64 }

func (c *fakeClock) Now() time.Time          { return simEpoch.Add(time.Duration(c.ns.Load())) }
func (c *fakeClock) set(ns int64)            { c.ns.Store(ns) }
func (c *fakeClock) advance(d time.Duration) { c.ns.Add(int64(d)) }

// newTestEstimator returns an estimator on a fake clock whose first packet
// carries sequence number firstSeq.
func newTestEstimator(c Config, clock *fakeClock, firstSeq uint16) *Estimator {
	c.Now = clock.Now
	e := New(c)
	e.nextSeq = int64(firstSeq)
	return e
}

// link is a bottleneck: capacity bits per second (0: unlimited) served
// first in, first out, a queue that drops packets arriving when it already
// holds queueLimit of sending time, propagation delay, and random loss.
type link struct {
	capacity   float64
	queueLimit time.Duration
	delay      time.Duration
	loss       float64
	rng        *rand.Rand
	busyUntil  int64
}

// send returns the packet's arrival time, or false when it is lost.
func (l *link) send(nowNs int64, size int) (int64, bool) {
	if l.loss > 0 && l.rng.Float64() < l.loss {
		return 0, false
	}
	if l.capacity <= 0 {
		return nowNs + int64(l.delay), true
	}
	start := max(nowNs, l.busyUntil)
	if start-nowNs > int64(l.queueLimit) {
		return 0, false
	}
	l.busyUntil = start + int64(float64(size*8)/l.capacity*1e9)
	return l.busyUntil + int64(l.delay), true
}

func (l *link) queueDelay(nowNs int64) time.Duration {
	return time.Duration(max(0, l.busyUntil-nowNs))
}

type rxPacket struct {
	seq      uint16
	arriveNs int64
	lost     bool
}

// receiver collects arrivals and turns them into feedback. Its clock runs
// offsetNs ahead of the simulation's, so reference times are arbitrary
// (and can be made to wrap).
type receiver struct {
	offsetNs int64
	arrived  []rxPacket // not yet reported, in sequence order
	fbCount  uint8
	coverage encoding
}

// encoding counts what the feedback used, so tests can check that the
// estimator saw every kind of chunk and delta.
type encoding struct {
	runLength, oneBit, twoBit, small, large int
}

func (c *encoding) add(fb *rtcp.TransportLayerCC) {
	for _, ch := range fb.PacketChunks {
		switch ch := ch.(type) {
		case *rtcp.RunLengthChunk:
			c.runLength++
		case *rtcp.StatusVectorChunk:
			if ch.SymbolSize == rtcp.TypeTCCSymbolSizeOneBit {
				c.oneBit++
			} else {
				c.twoBit++
			}
		}
	}
	for _, d := range fb.RecvDeltas {
		if d.Type == rtcp.TypeTCCPacketReceivedLargeDelta {
			c.large++
		} else {
			c.small++
		}
	}
}

// feedback reports every packet up to the last one received; trailing
// losses wait, because a receiver cannot yet tell them from late packets.
func (r *receiver) feedback(t testing.TB) *rtcp.TransportLayerCC {
	t.Helper()
	last := -1
	for i, p := range r.arrived {
		if !p.lost {
			last = i
		}
	}
	if last < 0 {
		return nil
	}
	pkts := r.arrived[:last+1]
	fb := buildFeedback(t, pkts, r.offsetNs, r.fbCount)
	r.fbCount++
	r.coverage.add(fb)
	r.arrived = append(r.arrived[:0], r.arrived[last+1:]...)
	return fb
}

// buildFeedback encodes pkts (consecutive sequence numbers) like a browser
// would: reference time from the first arrival, deltas in 250 µs ticks,
// run-length chunks for long runs and one- or two-bit status vectors
// otherwise. The result goes through Marshal and Unmarshal, so it is
// exactly what OnFeedback would see from the wire.
func buildFeedback(t testing.TB, pkts []rxPacket, offsetNs int64, count uint8) *rtcp.TransportLayerCC {
	t.Helper()
	const tick = rtcp.TypeTCCDeltaScaleFactor
	fb := &rtcp.TransportLayerCC{
		SenderSSRC:         1,
		MediaSSRC:          2,
		BaseSequenceNumber: pkts[0].seq,
		PacketStatusCount:  uint16(len(pkts)),
		FbPktCount:         count,
	}
	symbols := make([]uint16, len(pkts))
	var prevTick int64
	first := true
	for i, p := range pkts {
		if p.lost {
			symbols[i] = rtcp.TypeTCCPacketNotReceived
			continue
		}
		ticks := (p.arriveNs + offsetNs) / 1000 / tick
		if first {
			ref := ticks / (refTimeUnitUs / tick)
			fb.ReferenceTime = uint32(ref & refTimeMask)
			prevTick = ref * (refTimeUnitUs / tick)
			first = false
		}
		d := ticks - prevTick
		prevTick = ticks
		sym := uint16(rtcp.TypeTCCPacketReceivedSmallDelta)
		if d < 0 || d > 255 {
			sym = rtcp.TypeTCCPacketReceivedLargeDelta
		}
		if d < math.MinInt16 || d > math.MaxInt16 {
			t.Fatalf("delta %d ticks does not fit a feedback", d)
		}
		symbols[i] = sym
		fb.RecvDeltas = append(fb.RecvDeltas, &rtcp.RecvDelta{Type: sym, Delta: d * tick})
	}
	fb.PacketChunks = encodeChunks(symbols)
	return roundTrip(t, fb)
}

func encodeChunks(symbols []uint16) []rtcp.PacketStatusChunk {
	hasLarge := func(s []uint16) bool {
		for _, v := range s {
			if v == rtcp.TypeTCCPacketReceivedLargeDelta {
				return true
			}
		}
		return false
	}
	var chunks []rtcp.PacketStatusChunk
	for i := 0; i < len(symbols); {
		run := 1
		for i+run < len(symbols) && symbols[i+run] == symbols[i] && run < 8191 {
			run++
		}
		window := symbols[i:min(i+14, len(symbols))]
		switch {
		case run >= 14 || (run >= 7 && hasLarge(window)):
			chunks = append(chunks, &rtcp.RunLengthChunk{
				Type: rtcp.TypeTCCRunLengthChunk, PacketStatusSymbol: symbols[i], RunLength: uint16(run),
			})
			i += run
		case !hasLarge(window):
			chunks = append(chunks, &rtcp.StatusVectorChunk{
				Type: rtcp.TypeTCCStatusVectorChunk, SymbolSize: rtcp.TypeTCCSymbolSizeOneBit,
				SymbolList: append([]uint16(nil), window...),
			})
			i += len(window)
		default:
			w := symbols[i:min(i+7, len(symbols))]
			chunks = append(chunks, &rtcp.StatusVectorChunk{
				Type: rtcp.TypeTCCStatusVectorChunk, SymbolSize: rtcp.TypeTCCSymbolSizeTwoBit,
				SymbolList: append([]uint16(nil), w...),
			})
			i += len(w)
		}
	}
	return chunks
}

// roundTrip sets the header, marshals fb and parses it back.
func roundTrip(t testing.TB, fb *rtcp.TransportLayerCC) *rtcp.TransportLayerCC {
	t.Helper()
	n := 4 + 16 + 2*len(fb.PacketChunks)
	for _, d := range fb.RecvDeltas {
		n++
		if d.Type == rtcp.TypeTCCPacketReceivedLargeDelta {
			n++
		}
	}
	fb.Header = rtcp.Header{
		Padding: n%4 != 0,
		Count:   rtcp.FormatTCC,
		Type:    rtcp.TypeTransportSpecificFeedback,
		Length:  uint16(fb.MarshalSize()/4 - 1),
	}
	raw, err := fb.Marshal()
	if err != nil {
		t.Fatalf("marshal feedback: %v", err)
	}
	pkts, err := rtcp.Unmarshal(raw)
	if err != nil {
		t.Fatalf("unmarshal feedback: %v", err)
	}
	out, ok := pkts[0].(*rtcp.TransportLayerCC)
	if !ok || len(pkts) != 1 {
		t.Fatalf("unmarshal feedback: got %T", pkts[0])
	}
	return out
}

// sim runs an estimator over a link in 1 ms steps.
type sim struct {
	t     testing.TB
	clock *fakeClock
	e     *Estimator
	link  *link
	rx    receiver

	packetSize  int
	paddingSize int
	// rate is the media send rate in bits per second, given the time and
	// the current target.
	rate       func(nowNs int64, target int) float64
	fbInterval time.Duration
	fbDelay    time.Duration // return path

	nowNs          int64
	budget, padBud float64
	padRate        int
	inflight       []rxPacket
	pendingFb      []pendingFb
	lastFbNs       int64
	sentBits       float64

	// onFeedback, when set, runs after every OnFeedback.
	onFeedback func(s *sim)
	// series is sampled every 100 ms.
	series []sample
}

type pendingFb struct {
	atNs int64
	fb   *rtcp.TransportLayerCC
}

type sample struct {
	at       time.Duration
	target   int
	stats    Stats
	queue    time.Duration
	sendRate float64 // over the last 100 ms
}

func newSim(t testing.TB, c Config, l *link, rate func(int64, int) float64) *sim {
	clock := &fakeClock{}
	if l.rng == nil {
		l.rng = rand.New(rand.NewPCG(1, 2))
	}
	return &sim{
		t:           t,
		clock:       clock,
		e:           newTestEstimator(c, clock, 1000),
		link:        l,
		rx:          receiver{offsetNs: int64(3 * time.Hour)},
		packetSize:  1200,
		paddingSize: 1000,
		rate:        rate,
		fbInterval:  50 * time.Millisecond,
		fbDelay:     l.delay,
	}
}

func fixedRate(bps float64) func(int64, int) float64 {
	return func(int64, int) float64 { return bps }
}

// followTarget sends at the target, like an encoder driven by the
// allocator, up to limit.
func followTarget(limit float64) func(int64, int) float64 {
	return func(_ int64, target int) float64 { return min(float64(target), limit) }
}

func (s *sim) send(size int) {
	seq := s.e.OnSent(size)
	at, ok := s.link.send(s.nowNs, size)
	s.inflight = append(s.inflight, rxPacket{seq: seq, arriveNs: at, lost: !ok})
	s.sentBits += float64(size * 8)
}

// run advances the simulation by d.
func (s *sim) run(d time.Duration) {
	const step = int64(time.Millisecond)
	end := s.nowNs + int64(d)
	sinceSample := 0.0
	for ; s.nowNs < end; s.nowNs += step {
		s.clock.set(s.nowNs)

		for len(s.pendingFb) > 0 && s.pendingFb[0].atNs <= s.nowNs {
			s.e.OnFeedback(s.pendingFb[0].fb)
			s.pendingFb = s.pendingFb[1:]
			if s.onFeedback != nil {
				s.onFeedback(s)
			}
		}

		// Media, paced: a fixed budget per millisecond, no bursts.
		s.budget = min(s.budget+s.rate(s.nowNs, s.e.Target())/1000, float64(4*s.packetSize*8))
		for s.budget >= float64(s.packetSize*8) {
			s.send(s.packetSize)
			s.budget -= float64(s.packetSize * 8)
		}
		// Probe padding, polled every 5 ms as an SFU would.
		if s.nowNs%(5*step) == 0 {
			bps, ok := s.e.ProbePadding()
			if !ok {
				bps, s.padBud = 0, 0
			}
			s.padRate = bps
		}
		s.padBud += float64(s.padRate) / 1000
		for s.padBud >= float64(s.paddingSize*8) {
			s.send(s.paddingSize)
			s.padBud -= float64(s.paddingSize * 8)
		}

		for len(s.inflight) > 0 && (s.inflight[0].lost || s.inflight[0].arriveNs <= s.nowNs) {
			s.rx.arrived = append(s.rx.arrived, s.inflight[0])
			s.inflight = s.inflight[1:]
		}
		if s.nowNs-s.lastFbNs >= int64(s.fbInterval) {
			s.lastFbNs = s.nowNs
			if fb := s.rx.feedback(s.t); fb != nil {
				s.pendingFb = append(s.pendingFb, pendingFb{atNs: s.nowNs + int64(s.fbDelay), fb: fb})
			}
		}

		if sinceSample++; sinceSample == 100 {
			s.series = append(s.series, sample{
				at:       time.Duration(s.nowNs + step),
				target:   s.e.Target(),
				stats:    s.e.Stats(),
				queue:    s.link.queueDelay(s.nowNs),
				sendRate: s.sentBits * 10,
			})
			s.sentBits, sinceSample = 0, 0
		}
	}
	s.clock.set(s.nowNs)
}

// window returns the samples taken in [from, to).
func (s *sim) window(from, to time.Duration) []sample {
	var out []sample
	for _, x := range s.series {
		if x.at > from && x.at <= to {
			out = append(out, x)
		}
	}
	return out
}

func (s *sim) dump() {
	s.t.Helper()
	for _, x := range s.series {
		s.t.Logf("%6v target=%8d acked=%8d send=%8.0f loss=%.3f usage=%-10v queue=%v probing=%v",
			x.at, x.target, x.stats.Acked, x.sendRate, x.stats.Loss, x.stats.Usage, x.queue, x.stats.Probing)
	}
}
