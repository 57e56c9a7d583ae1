package bwe

import "math"

// The delay-based detector: packets are grouped into send bursts, the
// change in one-way delay between consecutive groups is accumulated, and a
// least-squares line through the smoothed accumulated delay tells whether
// queues are filling. It follows draft-ietf-rmcat-gcc-02 sections 5.2–5.4 in
// the shape of libwebrtc's InterArrivalDelta and TrendlineEstimator
// (https://webrtc.googlesource.com/src/+/refs/heads/main/modules/congestion_controller/goog_cc/trendline_estimator.cc),
// which replaced the draft's Kalman filter.
const (
	// groupLengthNs: packets sent within 5 ms of a group's first packet
	// belong to it (a frame, or a paced burst).
	groupLengthNs = 5_000_000
	// A packet that arrives within burstDeltaUs of the previous one and
	// earlier than its send spacing predicts was queued behind it: it joins
	// the group, unless the group already spans burstMaxUs of arrivals.
	burstDeltaUs = 5_000
	burstMaxUs   = 100_000
	// A delay change this large is a clock jump, not congestion.
	clockJumpMs = 3_000
	// After reorderedReset consecutive reordered groups, start over.
	reorderedReset = 3

	trendWindow    = 20   // groups in the least-squares fit
	trendSmoothing = 0.9  // weight of the old smoothed delay
	trendGain      = 4.0  // scales the slope to the threshold's units
	trendMinDeltas = 60   // the slope is multiplied by min(deltas, this)
	deltaCountMax  = 1000 // keeps the delta counter bounded

	thresholdInit    = 12.5
	thresholdMin     = 6.0
	thresholdMax     = 600.0
	thresholdKUp     = 0.0087 // adapt slowly up, so real overuse is not absorbed
	thresholdKDown   = 0.039  // and quickly down, so TCP flows do not starve us
	thresholdSpikeMs = 15.0   // ignore spikes this far above the threshold
	thresholdStepMs  = 100.0  // cap on the time step of one adaptation

	overuseTimeMs = 10.0 // the trend must stay over the threshold this long
)

// sendGroup is one burst of packets.
type sendGroup struct {
	firstSendNs int64
	sendNs      int64 // latest send time in the group
	firstArrUs  int64
	lastArrUs   int64 // arrival of its last packet: the group's completion
}

type trendPoint struct {
	x, y float64 // arrival time, smoothed accumulated delay; ms
}

// delayDetector is the inter-arrival grouping, the trendline filter and the
// over-use detector with its adaptive threshold. The owner's mutex guards
// it.
type delayDetector struct {
	cur, prev       sendGroup
	hasCur, hasPrev bool
	reordered       int

	deltas        int
	firstArrMs    float64
	hasFirst      bool
	accumulated   float64
	smoothed      float64
	hist          [trendWindow]trendPoint
	histLen, next int
	prevTrend     float64

	threshold     float64
	thresholdAtMs float64
	hasThreshold  bool
	overusingMs   float64 // < 0 when not over the threshold
	overuseCount  int
	usage         Usage
}

func newDelayDetector() delayDetector {
	return delayDetector{threshold: thresholdInit, overusingMs: -1}
}

// onPacket feeds one received packet; packets must come in arrival order.
func (d *delayDetector) onPacket(sendNs, arrUs int64) {
	if !d.hasCur {
		d.cur = sendGroup{firstSendNs: sendNs, sendNs: sendNs, firstArrUs: arrUs, lastArrUs: arrUs}
		d.hasCur = true
		return
	}
	if sendNs < d.cur.firstSendNs {
		return // sent before the current group: reordered on the way
	}
	if d.newGroup(sendNs, arrUs) {
		if d.hasPrev {
			sendMs := float64(d.cur.sendNs-d.prev.sendNs) / 1e6
			arrMs := float64(d.cur.lastArrUs-d.prev.lastArrUs) / 1e3
			if arrMs < 0 {
				// The groups were reordered after arrival was stamped.
				if d.reordered++; d.reordered >= reorderedReset {
					d.resetGroups()
				}
				return
			}
			d.reordered = 0
			if math.Abs(arrMs-sendMs) > clockJumpMs {
				d.resetGroups()
				return
			}
			d.update(arrMs, sendMs, float64(arrUs)/1e3)
		}
		d.prev, d.hasPrev = d.cur, true
		d.cur = sendGroup{firstSendNs: sendNs, sendNs: sendNs, firstArrUs: arrUs}
	} else if sendNs > d.cur.sendNs {
		d.cur.sendNs = sendNs
	}
	d.cur.lastArrUs = arrUs
}

func (d *delayDetector) resetGroups() {
	d.hasCur, d.hasPrev, d.reordered = false, false, 0
}

func (d *delayDetector) newGroup(sendNs, arrUs int64) bool {
	if d.belongsToBurst(sendNs, arrUs) {
		return false
	}
	return sendNs-d.cur.firstSendNs > groupLengthNs
}

func (d *delayDetector) belongsToBurst(sendNs, arrUs int64) bool {
	sendDeltaNs := sendNs - d.cur.sendNs
	if sendDeltaNs == 0 {
		return true
	}
	arrDeltaUs := arrUs - d.cur.lastArrUs
	propagationNs := arrDeltaUs*1000 - sendDeltaNs
	return propagationNs < 0 && arrDeltaUs <= burstDeltaUs && arrUs-d.cur.firstArrUs < burstMaxUs
}

// update is one inter-group delay sample: the trendline update and the
// detection that follows it.
func (d *delayDetector) update(arrMs, sendMs, nowMs float64) {
	d.deltas = min(d.deltas+1, deltaCountMax)
	if !d.hasFirst {
		d.firstArrMs, d.hasFirst = nowMs, true
	}
	d.accumulated += arrMs - sendMs
	d.smoothed = trendSmoothing*d.smoothed + (1-trendSmoothing)*d.accumulated
	d.hist[d.next] = trendPoint{x: nowMs - d.firstArrMs, y: d.smoothed}
	d.next = (d.next + 1) % trendWindow
	d.histLen = min(d.histLen+1, trendWindow)

	trend := d.prevTrend
	if d.histLen == trendWindow {
		if s, ok := d.slope(); ok {
			trend = s
		}
	}
	d.detect(trend, sendMs, nowMs)
}

// slope is the least-squares slope of the smoothed delay over the window.
// The slope estimates (send rate − capacity) / capacity: positive while
// queues fill.
func (d *delayDetector) slope() (float64, bool) {
	var sx, sy float64
	for _, p := range d.hist[:d.histLen] {
		sx += p.x
		sy += p.y
	}
	n := float64(d.histLen)
	mx, my := sx/n, sy/n
	var num, den float64
	for _, p := range d.hist[:d.histLen] {
		num += (p.x - mx) * (p.y - my)
		den += (p.x - mx) * (p.x - mx)
	}
	if den == 0 {
		return 0, false
	}
	return num / den, true
}

func (d *delayDetector) detect(trend, sendMs, nowMs float64) {
	if d.deltas < 2 {
		d.usage = Normal
		return
	}
	modified := float64(min(d.deltas, trendMinDeltas)) * trend * trendGain
	switch {
	case modified > d.threshold:
		if d.overusingMs < 0 {
			// Assume the path has been over-using for half the time since the
			// previous group.
			d.overusingMs = sendMs / 2
		} else {
			d.overusingMs += sendMs
		}
		d.overuseCount++
		if d.overusingMs > overuseTimeMs && d.overuseCount > 1 && trend >= d.prevTrend {
			d.overusingMs, d.overuseCount = 0, 0
			d.usage = Overusing
		}
	case modified < -d.threshold:
		d.overusingMs, d.overuseCount = -1, 0
		d.usage = Underusing
	default:
		d.overusingMs, d.overuseCount = -1, 0
		d.usage = Normal
	}
	d.prevTrend = trend
	d.adaptThreshold(modified, nowMs)
}

// adaptThreshold moves the threshold toward |modified| (GCC section 5.4),
// so that the detector stays sensitive without starving against loss-based
// flows.
func (d *delayDetector) adaptThreshold(modified, nowMs float64) {
	if !d.hasThreshold {
		d.thresholdAtMs, d.hasThreshold = nowMs, true
	}
	m := math.Abs(modified)
	if m > d.threshold+thresholdSpikeMs {
		// A sudden capacity drop would otherwise raise the threshold and hide
		// the congestion it causes.
		d.thresholdAtMs = nowMs
		return
	}
	k := thresholdKUp
	if m < d.threshold {
		k = thresholdKDown
	}
	dt := min(nowMs-d.thresholdAtMs, thresholdStepMs)
	if dt < 0 {
		dt = 0
	}
	d.threshold += k * (m - d.threshold) * dt
	d.threshold = min(max(d.threshold, thresholdMin), thresholdMax)
	d.thresholdAtMs = nowMs
}
