package bwe

import "math"

// Loss-based control (draft-ietf-rmcat-gcc-02 section 6, as libwebrtc's
// SendSideBandwidthEstimation applies it to transport-wide feedback): heavy
// loss caps the target below the delay-based estimate, which cannot see
// loss that comes without queuing (a lossy radio link, a policer).
const (
	lossSamplePackets = 20   // a loss sample covers at least this many packets
	lossSmoothing     = 0.3  // weight of a new sample
	lossHigh          = 0.10 // above: cut
	lossLow           = 0.02 // below: recover
	lossCutGapNs      = 300_000_000
	// Once loss is low again the limit rises 8% a second, as libwebrtc does,
	// and disappears when it reaches the delay-based estimate; lifting it at
	// once would jump straight back into the loss.
	lossRecoverPerSec = 1.08
)

// lossBased tracks the loss fraction and the limit it imposes. The owner's
// mutex guards it.
type lossBased struct {
	lost, total  int // toward the next sample
	smoothed     float64
	last         float64 // the latest sample
	limit        float64 // bits per second; 0 when loss imposes none
	lastCutNs    int64
	cut          bool // lastCutNs is set
	lastSampleNs int64
	sampled      bool
}

// add counts one feedback's newly reported packets. When enough have
// accumulated it takes a sample and updates the limit: target is the
// current target and delay the delay-based estimate, both in bits per
// second, and floor the lowest the limit may go.
func (l *lossBased) add(nowNs int64, lost, received int, target, delay, floor float64) {
	l.lost += lost
	l.total += lost + received
	if l.total < lossSamplePackets {
		return
	}
	sample := float64(l.lost) / float64(l.total)
	l.lost, l.total = 0, 0
	l.last = sample
	l.smoothed += lossSmoothing * (sample - l.smoothed)

	dt := 0.0
	if l.sampled {
		dt = min(max(float64(nowNs-l.lastSampleNs)/1e9, 0), 1)
	}
	l.lastSampleNs, l.sampled = nowNs, true

	switch {
	case l.smoothed > lossHigh:
		// Cut only while the loss goes on: the smoothed fraction lags
		// behind a burst (a link that narrowed at once), and cutting on
		// it after the sender has already backed off would cut again and
		// again for losses already paid for.
		if sample <= lossHigh || (l.cut && nowNs-l.lastCutNs < lossCutGapNs) {
			return
		}
		l.limit = max(target*(1-0.5*l.smoothed), floor)
		l.lastCutNs, l.cut = nowNs, true
	case l.smoothed < lossLow && l.limit > 0:
		l.limit *= math.Pow(lossRecoverPerSec, dt)
		if l.limit >= delay {
			l.limit = 0
		}
	}
}
