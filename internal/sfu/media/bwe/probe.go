package bwe

// Probe clusters: a short burst at a chosen rate, padded up by the caller,
// whose feedback shows whether the path carries that rate before the
// allocator commits video to it. The result is computed like libwebrtc's
// ProbeBitrateEstimator
// (https://webrtc.googlesource.com/src/+/refs/heads/main/modules/congestion_controller/goog_cc/probe_bitrate_estimator.cc).
const (
	probeDurationNs = 150_000_000   // of sending
	probeWaitNs     = 1_000_000_000 // for feedback after that
	// A result needs 80% of the cluster reported and 5 arrival times.
	probeMinReported = 0.8
	probeMinReceived = 5
	probeMaxLoss     = 0.2
	// Receiving below 90% of the send rate means the path, not the sender,
	// set the pace: the receive rate is the capacity, and the result stays
	// 5% under it so as not to sit on a full queue.
	probeSaturated       = 0.9
	probeSaturatedTarget = 0.95
	// Receiving at over twice the send rate is a timestamp artefact.
	probeMaxRatio = 2.0

	probeBackoffMinNs = 2_000_000_000
	probeBackoffMaxNs = 30_000_000_000
	// paddingCatchUpNs is the time constant in which ProbePadding closes the
	// gap between the cluster's bytes and its schedule.
	paddingCatchUpNs = 20_000_000
)

// clusterSend is the running cluster as OnSent sees it; sendMu guards it.
// The zero value (id 0) means no cluster is sending.
type clusterSend struct {
	id              uint32
	rate            float64
	startNs, endNs  int64
	packets         int
	bytes           int64
	firstNs, lastNs int64
	lastSize        int
}

func (c *clusterSend) add(nowNs int64, size int) {
	if c.packets == 0 {
		c.firstNs = nowNs
	}
	c.packets++
	c.bytes += int64(size)
	c.lastNs = nowNs
	c.lastSize = size
}

// clusterRecv is the running cluster as feedback sees it; mu guards it.
type clusterRecv struct {
	id                    uint32
	active                bool
	endNs, deadlineNs     int64
	reported, lost, timed int
	bytes                 int64 // of timed packets
	firstArrUs, lastArrUs int64
	firstSize             int32 // of the first arrival
	overuse               bool  // the detector over-used while it ran
}

// probeShieldNs is how long after a cluster stops sending the delay-based
// estimate is not cut below where it was when the cluster started.
const probeShieldNs = 500_000_000

// probeShield keeps a probe from cutting the estimate. A cluster sent above
// what the path carries builds a queue, and the detector sees it grow while
// the cluster runs and as it drains: that says the path carries less than
// the probe, not less than before it. Without the shield a failed probe
// would take video down; real congestion shows again once the probe's
// queue has drained. Heavy loss is not shielded.
type probeShield struct {
	floor   float64
	untilNs int64
}

func (c *clusterRecv) account(a *ack) {
	switch {
	case !a.received:
		c.reported++
		c.lost++
	case a.wasLost:
		c.lost--
	default:
		c.reported++
	}
	if !a.timed {
		return
	}
	if c.timed == 0 || a.arrivalUs < c.firstArrUs {
		c.firstArrUs, c.firstSize = a.arrivalUs, a.size
	}
	if c.timed == 0 || a.arrivalUs > c.lastArrUs {
		c.lastArrUs = a.arrivalUs
	}
	c.timed++
	c.bytes += int64(a.size)
}

// Probe starts a probe cluster to find out whether the path carries rate
// bits per second (at most Max). It reports false, and does nothing, when a
// cluster is already running or awaiting its feedback, when rate is not
// above Target, while backing off after a failed probe (2 s, doubling up to
// 30 s; a successful probe resets it), or while the path is congested or
// was lately (congested). Every packet OnSent records during the next
// 150 ms belongs to the cluster.
func (e *Estimator) Probe(rate int) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.nowNs()
	e.expireProbe(now)
	r := min(float64(rate), e.max)
	if e.probe.active || r <= float64(e.target.Load()) || now < e.nextProbeNs || e.congested(now) {
		return false
	}
	e.lastCluster++
	if e.lastCluster == 0 {
		e.lastCluster = 1 // 0 marks packets outside any cluster
	}
	id := e.lastCluster
	e.probe = clusterRecv{
		id:         id,
		active:     true,
		endNs:      now + probeDurationNs,
		deadlineNs: now + probeDurationNs + probeWaitNs,
	}
	e.shield = probeShield{floor: e.rate.rate, untilNs: now + probeDurationNs + probeShieldNs}
	e.probes++
	e.sendMu.Lock()
	e.sending = clusterSend{id: id, rate: r, startNs: now, endNs: now + probeDurationNs}
	e.sendMu.Unlock()
	return true
}

// probeQuietNs is how long after the estimate was last cut no probe starts.
const probeQuietNs = 1_000_000_000

// congested reports whether the path shows congestion now or showed it
// lately: queues growing or draining, loss in the latest sample above the
// low mark (the smoothed fraction lags for seconds after a burst the
// sender has already answered), or a cut of the estimate within
// probeQuietNs. A probe then would only measure the congestion (and add to
// it): it fails, and its backoff delays the probe that would find the room
// once the path has settled.
func (e *Estimator) congested(nowNs int64) bool {
	switch {
	case e.delay.usage != Normal, e.loss.last > lossLow:
		return true
	case e.rate.decreased && nowNs-e.rate.lastDecreaseNs < probeQuietNs:
		return true
	case e.loss.cut && nowNs-e.loss.lastCutNs < probeQuietNs:
		return true
	}
	return false
}

// ProbePadding reports whether a probe cluster is sending, and how many
// bits per second of padding the caller should add now, on top of what it
// already sends, so that the cluster's send rate reaches the probe rate.
// The caller polls it every few milliseconds while it returns ok.
//
// The answer is the probe rate corrected by how far the bytes OnSent has
// seen since the cluster started are behind (or ahead of) schedule, closed
// over 20 ms. Media counts toward the schedule, so once the cluster is on
// pace the padding settles at the probe rate minus the media rate, without
// the estimator having to tell media from padding.
func (e *Estimator) ProbePadding() (bps int, ok bool) {
	now := e.nowNs()
	e.sendMu.Lock()
	defer e.sendMu.Unlock()
	c := &e.sending
	if c.id == 0 || now < c.startNs || now >= c.endNs {
		return 0, false
	}
	elapsed := float64(now-c.startNs) / 1e9
	behind := c.rate*elapsed - float64(c.bytes*8)
	pad := c.rate + behind/(paddingCatchUpNs/1e9)
	return int(clampRate(pad, 0, c.rate)), true
}

// evaluateProbe concludes the running cluster once its sending is over and
// enough feedback is in (or its wait has expired). sent is the cluster's
// send accounting as of this feedback.
func (e *Estimator) evaluateProbe(nowNs int64, sent *clusterSend) {
	c := &e.probe
	if !c.active || nowNs < c.endNs {
		return
	}
	if sent.id != c.id || sent.packets < probeMinReceived {
		e.concludeProbe(nowNs, false)
		return
	}
	if float64(c.reported) < probeMinReported*float64(sent.packets) || c.timed < probeMinReceived {
		e.expireProbe(nowNs)
		return
	}
	sendSpan := float64(sent.lastNs-sent.firstNs) / 1e9
	recvSpan := float64(c.lastArrUs-c.firstArrUs) / 1e6
	if sendSpan <= 0 || recvSpan <= 0 || c.reported == 0 {
		e.concludeProbe(nowNs, false)
		return
	}
	sendRate := float64(sent.bytes-int64(sent.lastSize)) * 8 / sendSpan
	recvRate := float64(c.bytes-int64(c.firstSize)) * 8 / recvSpan
	loss := float64(c.lost) / float64(c.reported)
	if loss >= probeMaxLoss || c.overuse || recvRate > probeMaxRatio*sendRate {
		e.concludeProbe(nowNs, false)
		return
	}
	saturated := recvRate < probeSaturated*sendRate
	result := min(sendRate, recvRate)
	if saturated {
		result = probeSaturatedTarget * recvRate
	}
	result = min(result, e.max)
	if result <= float64(e.target.Load()) {
		e.concludeProbe(nowNs, false)
		return
	}
	e.rate.rebase(nowNs, result, saturated)
	if e.loss.limit > 0 && e.loss.limit < result {
		e.loss.limit = 0
	}
	// A saturated cluster still raised the target, but it showed the path
	// does not carry the rate asked for: asking again at once would only
	// congest it again, so it backs off like a failure.
	e.concludeProbe(nowNs, !saturated)
}

// expireProbe fails the running cluster once its feedback is overdue.
func (e *Estimator) expireProbe(nowNs int64) {
	if e.probe.active && nowNs >= e.probe.deadlineNs {
		e.concludeProbe(nowNs, false)
	}
}

func (e *Estimator) concludeProbe(nowNs int64, succeeded bool) {
	e.probe.active = false
	e.sendMu.Lock()
	e.sending = clusterSend{}
	e.sendMu.Unlock()
	if succeeded {
		e.probesSucceeded++
		e.backoffNs = probeBackoffMinNs
		e.nextProbeNs = nowNs
		return
	}
	e.nextProbeNs = nowNs + e.backoffNs
	e.backoffNs = min(2*e.backoffNs, probeBackoffMaxNs)
}
