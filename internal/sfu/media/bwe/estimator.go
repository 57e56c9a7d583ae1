package bwe

import (
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
)

// Defaults for Config, in bits per second.
const (
	DefaultInitial = 1_500_000
	DefaultMin     = 150_000
	DefaultMax     = 20_000_000
)

// rttSmoothing is the weight of a new round-trip sample.
const rttSmoothing = 0.125

// Config configures an Estimator. The zero value is usable.
type Config struct {
	// Initial, Min and Max bound the estimate, in bits per second.
	// Defaults: 1_500_000, 150_000, 20_000_000. New raises Max to Min if
	// it is lower and moves Initial into [Min, Max].
	Initial, Min, Max int
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

func (c Config) withDefaults() Config {
	if c.Min <= 0 {
		c.Min = DefaultMin
	}
	if c.Max <= 0 {
		c.Max = DefaultMax
	}
	c.Max = max(c.Max, c.Min)
	if c.Initial <= 0 {
		c.Initial = DefaultInitial
	}
	c.Initial = min(max(c.Initial, c.Min), c.Max)
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Stats describes the estimator, for metrics and tests.
type Stats struct {
	Target int     // bits per second
	Acked  int     // acknowledged (received) rate, bits per second; 0 until known
	Loss   float64 // recent fraction of packets reported lost, 0..1
	Usage  Usage   // delay-based detector state
	// Probing is true while a probe cluster is sending or awaiting its
	// feedback.
	Probing bool
	// Probes counts the clusters started since New; ProbesSucceeded those
	// whose result raised the target without the path limiting it (a
	// saturated cluster may raise the target too, but counts as failed).
	Probes, ProbesSucceeded int
}

// Estimator is the send-side bandwidth estimator of one subscriber
// connection. Its methods are safe for concurrent use.
type Estimator struct {
	now      func() time.Time
	epoch    time.Time
	min, max float64
	target   atomic.Int64

	// sendMu guards what OnSent touches: the sequence counter, the send
	// history and the running cluster's send accounting. It is held only
	// for a few field writes per packet, and once per feedback while its
	// decoded statuses (at most historySize) are matched against the
	// history.
	sendMu  sync.Mutex
	nextSeq int64 // unwrapped; the next packet's sequence number
	sending clusterSend
	history [historySize]sentPacket

	// mu guards the estimation state, which only feedback, Probe and Stats
	// touch. Lock order: mu before sendMu.
	mu       sync.Mutex
	lastRef  int64 // unwrapped reference time of the last feedback
	refKnown bool
	statuses []fbEntry // reused for every feedback
	batch    []ack     // reused for every feedback
	acked    ackedRate
	delay    delayDetector
	rate     aimd
	loss     lossBased
	rttMs    float64
	rttKnown bool

	probe           clusterRecv
	shield          probeShield
	lastCluster     uint32
	backoffNs       int64 // wait after the next failed probe
	nextProbeNs     int64 // no probe before this
	probes          int
	probesSucceeded int
}

// New returns an estimator at c.Initial, numbering packets from a random
// sequence number.
func New(c Config) *Estimator {
	c = c.withDefaults()
	e := &Estimator{
		now:       c.Now,
		epoch:     c.Now(),
		min:       float64(c.Min),
		max:       float64(c.Max),
		nextSeq:   int64(rand.N(1 << 16)),
		delay:     newDelayDetector(),
		rate:      aimd{rate: float64(c.Initial)},
		backoffNs: probeBackoffMinNs,
	}
	for i := range e.history {
		e.history[i].seq = emptySeq
	}
	e.target.Store(int64(c.Initial))
	return e
}

// nowNs reads the clock as nanoseconds since New.
func (e *Estimator) nowNs() int64 {
	return int64(e.now().Sub(e.epoch))
}

// OnSent records a packet that is about to leave: size is the whole RTP
// packet in bytes (header, extensions, payload, padding). It returns the
// transport-wide sequence number the packet must carry (they start at an
// arbitrary value and increase by one per call, wrapping at 65535).
// OnSent is safe for concurrent use and does not allocate.
func (e *Estimator) OnSent(size int) uint16 {
	now := e.nowNs()
	sz := clampSize(size)
	e.sendMu.Lock()
	seq := e.nextSeq
	e.nextSeq++
	p := &e.history[seq&historyMask]
	*p = sentPacket{seq: seq, sendNs: now, size: sz}
	if c := &e.sending; c.id != 0 && now < c.endNs {
		p.cluster = c.id
		c.add(now, int(sz))
	}
	e.sendMu.Unlock()
	return uint16(seq)
}

// Target is the estimate in bits per second: what the path is believed to
// carry now. It is always within [Min, Max].
func (e *Estimator) Target() int {
	return int(e.target.Load())
}

// Lossy reports whether loss confirms the congestion: the recent loss is
// above the level that cuts the estimate, or the loss-based limit still
// holds the estimate down. A falling estimate without loss is the delay
// detector alone, which a starved CPU at either end fools as well as a
// filling queue (packets leave and are read late, so delays grow): the
// allocator then steps videos down but does not pause them.
func (e *Estimator) Lossy() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.loss.smoothed > lossHigh || e.loss.limit > 0
}

// Stats describes the estimator now.
func (e *Estimator) Stats() Stats {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.expireProbe(e.nowNs())
	return Stats{
		Target:          e.Target(),
		Acked:           int(e.acked.bps),
		Loss:            e.loss.smoothed,
		Usage:           e.delay.usage,
		Probing:         e.probe.active,
		Probes:          e.probes,
		ProbesSucceeded: e.probesSucceeded,
	}
}

// OnFeedback processes one TWCC feedback packet from the subscriber.
// Packets it reports that are unknown, too old or already reported are
// ignored; a malformed packet is used up to its first inconsistency.
func (e *Estimator) OnFeedback(fb *rtcp.TransportLayerCC) {
	if fb == nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.nowNs()

	// Decode without holding sendMu, keeping only what the history may
	// still hold: a hostile feedback can list 65535 statuses, and OnSent
	// must not wait for them. The window only moves forward meanwhile, and
	// resolve checks again.
	e.sendMu.Lock()
	newest := uint16(e.nextSeq - 1)
	e.sendMu.Unlock()
	ref := e.unwrapRef(fb.ReferenceTime)
	var r fbReader
	r.reset(fb, ref*refTimeUnitUs)
	e.statuses = e.statuses[:0]
	for {
		seq, st, arrivalUs, ok := r.next()
		if !ok {
			break
		}
		if newest-seq < historySize {
			e.statuses = append(e.statuses, fbEntry{seq: seq, st: st, arrivalUs: arrivalUs})
		}
	}

	e.batch = e.batch[:0]
	e.sendMu.Lock()
	for _, s := range e.statuses {
		e.resolve(s.seq, s.st, s.arrivalUs)
	}
	sent := e.sending
	e.sendMu.Unlock()
	if r.read > 0 {
		e.lastRef, e.refKnown = ref, true
	}

	e.onAcks(now)
	e.evaluateProbe(now, &sent)
	e.target.Store(int64(e.combined()))
}

// onAcks runs one feedback's newly reported packets through the
// acknowledged rate, the delay-based detector and rate control, and the
// loss-based control.
func (e *Estimator) onAcks(nowNs int64) {
	lost, received := 0, 0
	minRTT := int64(math.MaxInt64)
	for i := range e.batch {
		a := &e.batch[i]
		if a.received {
			received++
			minRTT = min(minRTT, nowNs-a.sendNs)
		} else {
			lost++
		}
		if a.timed {
			e.acked.add(a.arrivalUs, a.size)
		}
		if e.probe.active && a.cluster == e.probe.id {
			e.probe.account(a)
		}
	}
	e.acked.update()
	if minRTT != math.MaxInt64 {
		// The newest packet's send-to-feedback time: the round trip plus the
		// receiver's feedback interval, a fair stand-in for libwebrtc's
		// feedback-based RTT.
		e.sampleRTT(float64(minRTT) / 1e6)
	}

	// The detector wants arrival order; a well-behaved receiver reports it
	// already, so sorting is rare.
	if !slices.IsSortedFunc(e.batch, byArrival) {
		slices.SortFunc(e.batch, byArrival)
	}
	timed := 0
	for i := range e.batch {
		a := &e.batch[i]
		if !a.timed {
			break
		}
		timed++
		e.delay.onPacket(a.sendNs, a.arrivalUs)
		if e.delay.usage == Overusing && e.probe.active {
			e.probe.overuse = true
		}
	}
	if timed > 0 {
		acked := e.acked.bps
		e.rate.update(nowNs, e.delay.usage, acked, ackedLimit(acked), e.rtt())
		if nowNs < e.shield.untilNs && e.rate.rate < e.shield.floor && e.loss.last < probeMaxLoss {
			e.rate.rate = e.shield.floor
		}
		e.rate.rate = clampRate(e.rate.rate, e.min, e.max)
	}
	e.loss.add(nowNs, lost, received, e.combined(), e.rate.rate, e.min)
}

// byArrival orders timed packets first, by arrival time, then the rest.
func byArrival(a, b ack) int {
	switch {
	case a.timed != b.timed:
		if a.timed {
			return -1
		}
		return 1
	case a.arrivalUs != b.arrivalUs:
		if a.arrivalUs < b.arrivalUs {
			return -1
		}
		return 1
	case a.sendNs < b.sendNs:
		return -1
	case a.sendNs > b.sendNs:
		return 1
	}
	return 0
}

func (e *Estimator) sampleRTT(ms float64) {
	ms = min(max(ms, 1), 5000)
	if !e.rttKnown {
		e.rttMs, e.rttKnown = ms, true
		return
	}
	e.rttMs += rttSmoothing * (ms - e.rttMs)
}

func (e *Estimator) rtt() float64 {
	if !e.rttKnown {
		return defaultRTTMs
	}
	return e.rttMs
}

// ackedLimit is how far evidence lets the estimate increase: 1.5 × the
// acknowledged rate plus 10 kbit/s, or no ceiling before the acknowledged
// rate is known. It never lowers the estimate: a successful probe raises it
// past the ceiling (rebase), and it stays there until the detector or loss
// says otherwise.
func ackedLimit(acked float64) float64 {
	if acked <= 0 {
		return math.Inf(1)
	}
	return ackedCapFactor*acked + ackedCapSlackBps
}

// combined is the target: the delay-based estimate, lowered by the loss
// limit, within [Min, Max].
func (e *Estimator) combined() float64 {
	t := e.rate.rate
	if e.loss.limit > 0 {
		t = min(t, e.loss.limit)
	}
	return clampRate(t, e.min, e.max)
}

// clampRate bounds r to [lo, hi], mapping NaN to lo so that no arithmetic
// accident escapes as a target.
func clampRate(r, lo, hi float64) float64 {
	if !(r >= lo) {
		return lo
	}
	return min(r, hi)
}
