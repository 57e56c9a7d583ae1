package bwe

import "math"

// historySize is how many sent packets the estimator remembers. At the
// default Max (20 Mbit/s of 1200-byte packets, about 2100 packets a second)
// it covers about two seconds, far longer than feedback takes to return;
// feedback about anything older is ignored. It must be a power of two.
const (
	historySize = 4096
	historyMask = historySize - 1
)

// emptySeq marks a history slot that never held a packet. Unwrapped
// sequence numbers are never below -65536, so it cannot match one.
const emptySeq = math.MinInt64

// What feedback has said about a sent packet so far. A packet is counted
// once: a repeated report is ignored, and the only change allowed is from
// lost to received, for a packet that arrived after a feedback had already
// declared it missing.
const (
	unreported uint8 = iota
	reportedLost
	reportedReceived
)

// sentPacket is one slot of the send history ring. It is kept small (24
// bytes) because the ring is allocated once per subscriber connection.
type sentPacket struct {
	seq     int64  // unwrapped transport-wide sequence number, or emptySeq
	sendNs  int64  // send time, nanoseconds since Estimator.epoch
	cluster uint32 // probe cluster id, 0 when sent outside a cluster
	size    uint16 // whole RTP packet, bytes
	state   uint8
}

// ack is what one feedback reports about one packet the history knows.
type ack struct {
	sendNs    int64
	arrivalUs int64 // receiver clock, microseconds; valid when timed
	cluster   uint32
	size      int32
	received  bool
	timed     bool // received with an arrival time
	wasLost   bool // an earlier feedback reported it lost
}

// clampSize fits a packet size into a history slot: RTP over UDP never
// exceeds 65535 bytes, and a nonsensical negative size counts as empty.
func clampSize(size int) uint16 {
	switch {
	case size < 0:
		return 0
	case size > math.MaxUint16:
		return math.MaxUint16
	}
	return uint16(size)
}

// lookup unwraps a 16-bit sequence number against the newest sent one and
// returns its history slot, or nil when the packet is too old, was never
// sent, or its slot has been reused. The caller holds sendMu.
func (e *Estimator) lookup(seq uint16) *sentPacket {
	newest := e.nextSeq - 1
	back := uint16(uint16(newest) - seq)
	if int(back) >= historySize {
		return nil
	}
	s := newest - int64(back)
	p := &e.history[s&historyMask]
	if p.seq != s {
		return nil
	}
	return p
}

// resolve records one feedback status in the history and, the first time
// the packet is reported (or when a lost packet turns up after all), appends
// what the estimator needs to e.batch. The caller holds sendMu.
func (e *Estimator) resolve(seq uint16, st fbStatus, arrivalUs int64) {
	p := e.lookup(seq)
	if p == nil {
		return
	}
	a := ack{sendNs: p.sendNs, cluster: p.cluster, size: int32(p.size)}
	switch st {
	case fbLost:
		if p.state != unreported {
			return
		}
		p.state = reportedLost
	case fbReceived, fbReceivedUntimed:
		if p.state == reportedReceived {
			return
		}
		a.wasLost = p.state == reportedLost
		p.state = reportedReceived
		a.received = true
		a.timed = st == fbReceived
		a.arrivalUs = arrivalUs
	default:
		return
	}
	e.batch = append(e.batch, a)
}
