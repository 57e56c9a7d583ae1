package bwe

import "math"

// Delay-based rate control: additive-increase, multiplicative-decrease
// driven by the detector (draft-ietf-rmcat-gcc-02 section 5.5), in the shape
// of libwebrtc's AimdRateControl and LinkCapacityEstimator
// (https://webrtc.googlesource.com/src/+/refs/heads/main/modules/remote_bitrate_estimator/aimd_rate_control.cc).
const (
	decreaseFactor   = 0.85        // beta: back off to 85% of what got through
	decreaseMinGapNs = 200_000_000 // at most one decrease per ~round trip
	increasePerSec   = 1.08        // multiplicative increase, far from capacity
	minIncreaseBps   = 1_000       // a multiplicative step is never smaller
	minAdditiveBps   = 4_000       // per second, near capacity
	ackedCapFactor   = 1.5         // increases never go past 1.5 × acked
	ackedCapSlackBps = 10_000      // + 10 kbit/s, so low rates are not stuck
	frameRate        = 30.0        // for the additive step: one packet per frame
	packetBits       = 1200 * 8    // typical video packet
	responseExtraMs  = 100.0       // response time = RTT + this
	defaultRTTMs     = 200.0
)

type rateState int

const (
	stateHold rateState = iota
	stateIncrease
	stateDecrease
)

// linkCapacity tracks the rate at which the path last over-used, with its
// deviation. While the acknowledged rate is near it, the estimate grows
// additively (carefully, where the last congestion was); far from it,
// multiplicatively. All values are in kbit/s, as in libwebrtc.
type linkCapacity struct {
	estimate  float64
	deviation float64 // normalised variance
	known     bool
}

func (l *linkCapacity) reset() { l.known = false }

func (l *linkCapacity) upper() float64 {
	if !l.known {
		return math.Inf(1)
	}
	return l.estimate + 3*math.Sqrt(l.deviation*l.estimate)
}

func (l *linkCapacity) lower() float64 {
	if !l.known {
		return 0
	}
	return max(0, l.estimate-3*math.Sqrt(l.deviation*l.estimate))
}

func (l *linkCapacity) sample(kbps, alpha float64) {
	if !l.known {
		l.estimate, l.deviation, l.known = kbps, 0.4, true
	} else {
		l.estimate = (1-alpha)*l.estimate + alpha*kbps
	}
	e := l.estimate - kbps
	l.deviation = (1-alpha)*l.deviation + alpha*e*e/max(l.estimate, 1)
	// 0.4 ≈ 14 kbit/s and 2.5 ≈ 35 kbit/s of deviation at 500 kbit/s.
	l.deviation = min(max(l.deviation, 0.4), 2.5)
}

// aimd is the delay-based estimate. The owner's mutex guards it.
type aimd struct {
	rate           float64 // bits per second
	state          rateState
	lastChangeNs   int64
	lastDecreaseNs int64
	decreased      bool // lastDecreaseNs is set
	link           linkCapacity
}

// update applies one feedback's verdict. acked is the acknowledged rate (0
// when unknown) and limit the acked-rate cap (+Inf when unknown).
func (a *aimd) update(nowNs int64, u Usage, acked, limit, rttMs float64) {
	switch u {
	case Normal:
		if a.state == stateHold {
			a.state = stateIncrease
			a.lastChangeNs = nowNs
		}
	case Overusing:
		a.state = stateDecrease
	case Underusing:
		// Queues are draining: let them, without adding to them.
		a.state = stateHold
	}

	switch a.state {
	case stateIncrease:
		if acked > 0 && acked/1000 > a.link.upper() {
			// The path carries more than where it last congested: that
			// capacity estimate is stale.
			a.link.reset()
		}
		if a.rate < limit {
			dt := min(float64(nowNs-a.lastChangeNs)/1e9, 1)
			dt = max(dt, 0)
			var inc float64
			if a.link.known {
				inc = additiveRate(a.rate, rttMs) * dt
			} else {
				inc = max(a.rate*(math.Pow(increasePerSec, dt)-1), minIncreaseBps)
			}
			a.rate = min(a.rate+inc, limit)
		}
		a.lastChangeNs = nowNs
	case stateDecrease:
		// Give the last decrease a round trip to take effect, unless the
		// path is carrying less than half the estimate.
		if a.decreased && nowNs-a.lastDecreaseNs < decreaseMinGapNs &&
			(acked <= 0 || acked >= a.rate/2) {
			break
		}
		base := acked
		if base <= 0 {
			base = a.rate
		}
		r := decreaseFactor * base
		if r > a.rate && a.link.known {
			r = decreaseFactor * a.link.estimate * 1000
		}
		if r < a.rate {
			a.rate = r
		}
		if acked > 0 {
			if acked/1000 < a.link.lower() {
				a.link.reset()
			}
			a.link.sample(acked/1000, 0.05)
		}
		a.state = stateHold // until the queues have drained
		a.lastChangeNs, a.lastDecreaseNs, a.decreased = nowNs, nowNs, true
	}
	// limit caps increases only: a sender that uses less than the
	// estimate (the allocator keeping video down for a small tile, say)
	// is no evidence that the path carries less, and pulling the estimate
	// down to what it sends would leave nothing to step up into without a
	// probe, nor a way to start video at all.
}

// additiveRate is the near-capacity increase in bits per second per second:
// about one packet per response time, so a step up costs at most one
// packet's worth of queue.
func additiveRate(rate, rttMs float64) float64 {
	bitsPerFrame := rate / frameRate
	packets := math.Ceil(bitsPerFrame / packetBits)
	avgPacket := bitsPerFrame / max(packets, 1)
	return max(minAdditiveBps, avgPacket*1000/(rttMs+responseExtraMs))
}

// rebase restarts the controller at a rate a probe has proven, so the next
// increase starts from there.
func (a *aimd) rebase(nowNs int64, rate float64, capacityKnown bool) {
	a.rate = rate
	a.state = stateHold
	a.lastChangeNs = nowNs
	a.link.reset()
	if capacityKnown {
		// The probe saturated the path: its receive rate is the capacity.
		a.link.sample(rate/1000, 0.5)
	}
}
