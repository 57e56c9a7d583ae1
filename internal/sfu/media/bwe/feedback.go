package bwe

import "github.com/pion/rtcp"

// Transport-wide feedback decoding, per
// https://datatracker.ietf.org/doc/html/draft-holmer-rmcat-transport-wide-cc-extensions-01#section-3.1
//
// pion/rtcp has already split the packet into status chunks and receive
// deltas (RecvDelta.Delta is in microseconds, a multiple of 250). What is
// left is to walk the statuses in sequence order, pair each received one
// with the next delta, and accumulate the deltas onto the reference time.
// Feedback is untrusted input: a malformed packet (too few deltas, nil
// entries, out-of-range values) ends the walk early, never panics.

const (
	// refTimeUnitUs is the unit of the 24-bit reference time: 64 ms.
	refTimeUnitUs = 64_000
	refTimeBits   = 24
	refTimeMask   = 1<<refTimeBits - 1
	refTimeHalf   = 1 << (refTimeBits - 1)

	// A receive delta is at most 16 signed bits of 250 µs; a value outside
	// that range cannot come off the wire.
	minDeltaUs = -32768 * rtcp.TypeTCCDeltaScaleFactor
	maxDeltaUs = 32767 * rtcp.TypeTCCDeltaScaleFactor
)

// fbStatus is what a feedback says about one packet.
type fbStatus uint8

const (
	fbLost fbStatus = iota
	fbReceived
	// fbReceivedUntimed is the two-bit symbol 3 ("received, no delta"): the
	// packet arrived, but there is no arrival time to use.
	fbReceivedUntimed
)

// fbEntry is one decoded status.
type fbEntry struct {
	arrivalUs int64
	seq       uint16
	st        fbStatus
}

// fbReader walks the packet statuses of one feedback. Its zero value reads
// nothing; reset prepares it for a feedback.
type fbReader struct {
	fb        *rtcp.TransportLayerCC
	remaining int    // statuses left, bounded by PacketStatusCount
	seq       uint16 // sequence number of the next status
	chunk     int    // index of the current chunk
	pos       int    // index of the next status in the current chunk
	delta     int    // index of the next receive delta
	arrivalUs int64  // arrival time of the last received packet
	read      int    // statuses returned so far
}

// reset starts reading fb, whose reference time has been unwrapped to
// refUs microseconds on the receiver's clock.
func (r *fbReader) reset(fb *rtcp.TransportLayerCC, refUs int64) {
	*r = fbReader{
		fb:        fb,
		remaining: int(fb.PacketStatusCount),
		seq:       fb.BaseSequenceNumber,
		arrivalUs: refUs,
	}
}

// next returns the next packet's sequence number and status, with its
// arrival time when the status is fbReceived. It reports false at the end
// of the feedback or at the first malformed field.
func (r *fbReader) next() (seq uint16, st fbStatus, arrivalUs int64, ok bool) {
	for r.remaining > 0 && r.chunk < len(r.fb.PacketChunks) {
		symbol, more := r.symbol()
		if !more {
			r.chunk++
			r.pos = 0
			continue
		}
		if symbol < 0 {
			break
		}
		r.pos++
		switch uint16(symbol) {
		case rtcp.TypeTCCPacketNotReceived:
			st = fbLost
		case rtcp.TypeTCCPacketReceivedSmallDelta, rtcp.TypeTCCPacketReceivedLargeDelta:
			if r.delta >= len(r.fb.RecvDeltas) || r.fb.RecvDeltas[r.delta] == nil {
				r.remaining = 0
				return 0, 0, 0, false
			}
			d := r.fb.RecvDeltas[r.delta].Delta
			if d < minDeltaUs || d > maxDeltaUs {
				r.remaining = 0
				return 0, 0, 0, false
			}
			r.delta++
			r.arrivalUs += d
			st = fbReceived
		case rtcp.TypeTCCPacketReceivedWithoutDelta:
			st = fbReceivedUntimed
		default:
			r.remaining = 0
			return 0, 0, 0, false
		}
		seq = r.seq
		r.seq++
		r.remaining--
		r.read++
		return seq, st, r.arrivalUs, true
	}
	r.remaining = 0
	return 0, 0, 0, false
}

// symbol returns the status symbol at the current position: more is false
// when the current chunk is exhausted, and the symbol is negative when the
// chunk is not one pion produces (nil or of an unknown type).
func (r *fbReader) symbol() (symbol int, more bool) {
	switch c := r.fb.PacketChunks[r.chunk].(type) {
	case *rtcp.RunLengthChunk:
		if c == nil {
			return -1, true
		}
		if r.pos >= int(c.RunLength) {
			return 0, false
		}
		return int(c.PacketStatusSymbol), true
	case *rtcp.StatusVectorChunk:
		if c == nil {
			return -1, true
		}
		if r.pos >= len(c.SymbolList) {
			return 0, false
		}
		// pion decodes a one-bit symbol "1" as TypeTCCPacketReceivedSmallDelta
		// already, so both symbol sizes share the two-bit meanings.
		return int(c.SymbolList[r.pos]), true
	default:
		return -1, true
	}
}

// unwrapRef turns a feedback's 24-bit reference time into microseconds on
// an unwrapped timeline, choosing the epoch nearest to the previous
// feedback's, so that wraparound (every 12.4 days) and reordered feedback
// both land in the right place.
func (e *Estimator) unwrapRef(ref uint32) int64 {
	r := int64(ref & refTimeMask)
	if e.refKnown {
		d := (r-e.lastRef+refTimeHalf)&refTimeMask - refTimeHalf
		r = e.lastRef + d
	}
	return r
}
