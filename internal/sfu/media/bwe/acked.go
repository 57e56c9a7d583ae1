package bwe

// The acknowledged rate is what the path demonstrably carried: the bytes of
// received packets over the last ackedWindowUs of arrival time. It caps
// every increase of the estimate (GCC section 5.5) and is the base of every
// delay-based decrease, like libwebrtc's AcknowledgedBitrateEstimator.
const (
	ackedWindowUs  = 500_000
	ackedMinSpanUs = 100_000 // shorter spans give no estimate yet
	// ackedJumpUs is how far back an arrival must lie to be taken for a
	// receiver clock jump (which restarts the window) rather than a stale
	// packet from reordered feedback (which is skipped).
	ackedJumpUs = 5_000_000
	ackedCap    = 2048 // 4096 packets a second fill the window; more shorten it
)

type arrival struct {
	us   int64
	size int32
}

// ackedRate is a FIFO of arrivals within the window, with a running byte
// sum, so adding a packet costs O(1) amortised and never allocates.
type ackedRate struct {
	buf      [ackedCap]arrival
	head, n  int
	bytes    int64
	latestUs int64
	bps      float64 // 0 until known
}

func (a *ackedRate) add(us int64, size int32) {
	if a.n > 0 && us < a.latestUs-ackedWindowUs {
		if us > a.latestUs-ackedJumpUs {
			return
		}
		a.head, a.n, a.bytes = 0, 0, 0
	}
	if a.n == 0 || us > a.latestUs {
		a.latestUs = us
	}
	if a.n == ackedCap {
		a.pop()
	}
	a.buf[(a.head+a.n)%ackedCap] = arrival{us: us, size: size}
	a.n++
	a.bytes += int64(size)
}

func (a *ackedRate) pop() {
	a.bytes -= int64(a.buf[a.head].size)
	a.head = (a.head + 1) % ackedCap
	a.n--
}

// update drops arrivals that left the window and recomputes the rate. Like
// a probe's receive rate, the oldest packet's bytes are left out: they
// arrived at the start of the span, not during it. While the span is too
// short the previous estimate stands.
func (a *ackedRate) update() {
	for a.n > 0 && a.buf[a.head].us < a.latestUs-ackedWindowUs {
		a.pop()
	}
	if a.n < 2 {
		return
	}
	oldest := a.buf[a.head]
	span := a.latestUs - oldest.us
	if span < ackedMinSpanUs {
		return
	}
	a.bps = float64(a.bytes-int64(oldest.size)) * 8e6 / float64(span)
}
