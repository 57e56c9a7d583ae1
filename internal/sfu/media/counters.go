package media

import "sync/atomic"

// Counters count what the media plane does, for metrics. One set is shared
// by every track and connection of a server, given to NewUpTrack and
// NewSubscriber; the zero value is ready to use.
type Counters struct {
	forwarded  atomic.Uint64 // RTP packets sent to subscribers
	padding    atomic.Uint64 // probe padding packets sent
	probes     atomic.Uint64 // probe clusters started
	feedback   atomic.Uint64 // transport-wide feedback packets received
	rtxDropped atomic.Uint64 // retransmissions over the budget, not sent
}

// Totals are the values of Counters at one moment.
type Totals struct {
	// Forwarded counts RTP packets sent to subscribers; Padding the probe
	// padding packets sent; Probes the probe clusters started; Feedback
	// the transport-wide congestion control feedback packets subscribers
	// sent; RetransmissionsDropped the retransmissions over their budget.
	Forwarded, Padding, Probes, Feedback, RetransmissionsDropped uint64
}

// Totals returns the counters' current values.
func (c *Counters) Totals() Totals {
	return Totals{Forwarded: c.forwarded.Load(), Padding: c.padding.Load(), Probes: c.probes.Load(),
		Feedback: c.feedback.Load(), RetransmissionsDropped: c.rtxDropped.Load()}
}
