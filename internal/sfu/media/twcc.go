package media

import (
	"sync"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"

	"github.com/mofa-vn/chancery/internal/sfu/media/bwe"
)

// twccInterceptor connects one subscriber connection to its bandwidth
// estimator: every RTP packet the connection sends gets the transport-wide
// sequence number the estimator assigns (draft-holmer-rmcat-transport-wide-
// cc-extensions-01, §3), and the subscriber's transport-wide feedback goes
// to the estimator. It is registered first, closest to the network, so that
// it sees probe padding and retransmissions: the first are numbered, the
// second kept within a budget.
type twccInterceptor struct {
	interceptor.NoOp
	est      *bwe.Estimator
	counters *Counters
	rtx      retransmitBudget
}

// subscriberBWE is what a subscriber connection's interceptor needs: the
// estimator and where to count.
type subscriberBWE struct {
	est      *bwe.Estimator
	counters *Counters
}

// retransmitShare is the share of the estimate retransmissions may use.
// Without a cap, a subscriber that keeps asking for packets lost on a link
// that is already full (its receiver never gives up on them) fills the link
// with retransmissions, and audio suffers with everything else.
const retransmitShare = 0.15

// retransmitBudget is a token bucket over retransmitted bytes, refilled at
// retransmitShare of the estimate, holding 250 ms of it.
type retransmitBudget struct {
	mu     sync.Mutex
	tokens float64 // bytes
	last   time.Time
}

func (b *retransmitBudget) allow(now time.Time, size int, target int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	rate := retransmitShare * float64(target) / 8 // bytes per second
	if !b.last.IsZero() {
		b.tokens = min(b.tokens+rate*now.Sub(b.last).Seconds(), max(rate/4, 3000))
	} else {
		b.tokens = max(rate/4, 3000)
	}
	b.last = now
	if b.tokens < float64(size) {
		return false
	}
	b.tokens -= float64(size)
	return true
}

// twccFactory builds the interceptor of one connection.
type twccFactory struct{ *subscriberBWE }

func (f twccFactory) NewInterceptor(string) (interceptor.Interceptor, error) {
	return &twccInterceptor{est: f.est, counters: f.counters}, nil
}

// BindLocalStream numbers the packets of streams that negotiated the
// transport-wide sequence number extension.
func (t *twccInterceptor) BindLocalStream(info *interceptor.StreamInfo, writer interceptor.RTPWriter) interceptor.RTPWriter {
	var id uint8
	for _, e := range info.RTPHeaderExtensions {
		if e.URI == sdp.TransportCCURI {
			id = uint8(e.ID)
		}
	}
	if id == 0 {
		return writer
	}
	return interceptor.RTPWriterFunc(func(h *rtp.Header, payload []byte, a interceptor.Attributes) (int, error) {
		if h.SSRC != info.SSRC {
			// A retransmission (RTX, RFC 4588). Over the budget it is
			// dropped: the receiver asks again, or for a keyframe. It is not
			// numbered: retransmissions have a budget of their own, and a
			// receiver that drops its repair stream unread (pion does until
			// the application asks for it) must not look like a lossy path.
			if !t.rtx.allow(time.Now(), h.MarshalSize()+len(payload), t.est.Target()) {
				t.counters.rtxDropped.Add(1)
				return len(payload), nil
			}
			return writer.Write(h, payload, a)
		}
		setTWCC(h, id, 0) // make room first: the size includes the extension
		seq := t.est.OnSent(h.MarshalSize() + len(payload) + int(h.PaddingSize))
		setTWCC(h, id, seq)
		return writer.Write(h, payload, a)
	})
}

// setTWCC writes seq as the transport-wide sequence number extension of h,
// in place when h already carries one (DownTrack.write reserves it, so the
// forwarding path does not allocate).
func setTWCC(h *rtp.Header, id uint8, seq uint16) {
	if p := h.GetExtension(id); len(p) == 2 {
		p[0], p[1] = byte(seq>>8), byte(seq)
		return
	}
	_ = h.SetExtension(id, []byte{byte(seq >> 8), byte(seq)})
}

// BindRTCPReader hands transport-wide feedback to the estimator.
func (t *twccInterceptor) BindRTCPReader(reader interceptor.RTCPReader) interceptor.RTCPReader {
	return interceptor.RTCPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		n, a, err := reader.Read(b, a)
		if err != nil {
			return n, a, err
		}
		if a == nil {
			a = make(interceptor.Attributes)
		}
		pkts, err := a.GetRTCPPackets(b[:n])
		if err != nil {
			return n, a, nil // not ours to refuse; the other readers see the error
		}
		for _, p := range pkts {
			if fb, ok := p.(*rtcp.TransportLayerCC); ok {
				t.counters.feedback.Add(1)
				t.est.OnFeedback(fb)
			}
		}
		return n, a, nil
	})
}
