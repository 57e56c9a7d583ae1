package bwe

import (
	"slices"
	"testing"
	"time"

	"github.com/pion/rtcp"
)

type status struct {
	seq       uint16
	st        fbStatus
	arrivalUs int64 // for fbReceived only
}

func readAll(fb *rtcp.TransportLayerCC, refUs int64) []status {
	var r fbReader
	r.reset(fb, refUs)
	var out []status
	for {
		seq, st, arr, ok := r.next()
		if !ok {
			return out
		}
		if st != fbReceived {
			arr = 0
		}
		out = append(out, status{seq, st, arr})
	}
}

func rl(symbol, n uint16) *rtcp.RunLengthChunk {
	return &rtcp.RunLengthChunk{Type: rtcp.TypeTCCRunLengthChunk, PacketStatusSymbol: symbol, RunLength: n}
}

func sv(size uint16, symbols ...uint16) *rtcp.StatusVectorChunk {
	return &rtcp.StatusVectorChunk{Type: rtcp.TypeTCCStatusVectorChunk, SymbolSize: size, SymbolList: symbols}
}

func deltas(us ...int64) []*rtcp.RecvDelta {
	out := make([]*rtcp.RecvDelta, len(us))
	for i, d := range us {
		typ := uint16(rtcp.TypeTCCPacketReceivedSmallDelta)
		if d < 0 || d > 255*rtcp.TypeTCCDeltaScaleFactor {
			typ = rtcp.TypeTCCPacketReceivedLargeDelta
		}
		out[i] = &rtcp.RecvDelta{Type: typ, Delta: d}
	}
	return out
}

func TestFeedbackDecoding(t *testing.T) {
	const (
		lost  = rtcp.TypeTCCPacketNotReceived
		small = rtcp.TypeTCCPacketReceivedSmallDelta
		large = rtcp.TypeTCCPacketReceivedLargeDelta
		bare  = rtcp.TypeTCCPacketReceivedWithoutDelta
		one   = rtcp.TypeTCCSymbolSizeOneBit
		two   = rtcp.TypeTCCSymbolSizeTwoBit
	)
	tests := []struct {
		name string
		fb   rtcp.TransportLayerCC
		want []status
	}{
		{
			name: "run lengths and a one-bit vector",
			fb: rtcp.TransportLayerCC{
				BaseSequenceNumber: 100, PacketStatusCount: 7,
				PacketChunks: []rtcp.PacketStatusChunk{rl(small, 2), rl(lost, 2), sv(one, 1, 0, 1)},
				RecvDeltas:   deltas(1000, 250, 500, 750),
			},
			want: []status{
				{100, fbReceived, 1000}, {101, fbReceived, 1250}, {102, fbLost, 0}, {103, fbLost, 0},
				{104, fbReceived, 1750}, {105, fbLost, 0}, {106, fbReceived, 2500},
			},
		},
		{
			name: "two-bit vector with large, negative and missing deltas",
			fb: rtcp.TransportLayerCC{
				BaseSequenceNumber: 7, PacketStatusCount: 5,
				PacketChunks: []rtcp.PacketStatusChunk{sv(two, large, small, large, bare, lost)},
				RecvDeltas:   deltas(100_000, 250, -20_000),
			},
			want: []status{
				{7, fbReceived, 100_000}, {8, fbReceived, 100_250}, {9, fbReceived, 80_250},
				{10, fbReceivedUntimed, 0}, {11, fbLost, 0},
			},
		},
		{
			name: "status count stops inside a chunk",
			fb: rtcp.TransportLayerCC{
				BaseSequenceNumber: 1, PacketStatusCount: 3,
				PacketChunks: []rtcp.PacketStatusChunk{sv(one, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1)},
				RecvDeltas:   deltas(250, 250, 250),
			},
			want: []status{{1, fbReceived, 250}, {2, fbReceived, 500}, {3, fbReceived, 750}},
		},
		{
			name: "sequence numbers wrap",
			fb: rtcp.TransportLayerCC{
				BaseSequenceNumber: 65534, PacketStatusCount: 4,
				PacketChunks: []rtcp.PacketStatusChunk{rl(small, 4)},
				RecvDeltas:   deltas(0, 250, 250, 250),
			},
			want: []status{{65534, fbReceived, 0}, {65535, fbReceived, 250}, {0, fbReceived, 500}, {1, fbReceived, 750}},
		},
		{
			name: "more received statuses than deltas",
			fb: rtcp.TransportLayerCC{
				BaseSequenceNumber: 10, PacketStatusCount: 4,
				PacketChunks: []rtcp.PacketStatusChunk{rl(small, 4)},
				RecvDeltas:   deltas(250, 250),
			},
			want: []status{{10, fbReceived, 250}, {11, fbReceived, 500}},
		},
		{
			name: "status count beyond the chunks",
			fb: rtcp.TransportLayerCC{
				BaseSequenceNumber: 10, PacketStatusCount: 1000,
				PacketChunks: []rtcp.PacketStatusChunk{rl(lost, 2)},
			},
			want: []status{{10, fbLost, 0}, {11, fbLost, 0}},
		},
		{
			name: "nil delta",
			fb: rtcp.TransportLayerCC{
				BaseSequenceNumber: 10, PacketStatusCount: 3,
				PacketChunks: []rtcp.PacketStatusChunk{rl(small, 3)},
				RecvDeltas:   []*rtcp.RecvDelta{{Delta: 250}, nil, {Delta: 250}},
			},
			want: []status{{10, fbReceived, 250}},
		},
		{
			name: "delta out of the wire's range",
			fb: rtcp.TransportLayerCC{
				BaseSequenceNumber: 10, PacketStatusCount: 2,
				PacketChunks: []rtcp.PacketStatusChunk{rl(small, 2)},
				RecvDeltas:   []*rtcp.RecvDelta{{Delta: 250}, {Delta: 1 << 40}},
			},
			want: []status{{10, fbReceived, 250}},
		},
		{
			name: "nil and unknown chunks",
			fb: rtcp.TransportLayerCC{
				BaseSequenceNumber: 10, PacketStatusCount: 9,
				PacketChunks: []rtcp.PacketStatusChunk{rl(lost, 1), (*rtcp.RunLengthChunk)(nil), rl(lost, 1), nil},
			},
			want: []status{{10, fbLost, 0}},
		},
		{
			name: "empty run and symbol out of range",
			fb: rtcp.TransportLayerCC{
				BaseSequenceNumber: 10, PacketStatusCount: 9,
				PacketChunks: []rtcp.PacketStatusChunk{rl(small, 0), rl(lost, 1), sv(two, lost, 9, lost)},
			},
			want: []status{{10, fbLost, 0}, {11, fbLost, 0}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := readAll(&tt.fb, 0); !slices.Equal(got, tt.want) {
				t.Errorf("statuses:\n got  %v\n want %v", got, tt.want)
			}
		})
	}
}

// TestFeedbackDecodingWire decodes feedback that went through pion's
// Marshal and Unmarshal, so the reader agrees with what pion makes of the
// wire format.
func TestFeedbackDecodingWire(t *testing.T) {
	pkts := []rxPacket{
		{seq: 65530, arriveNs: 1_000_000},
		{seq: 65531, lost: true},
		{seq: 65532, arriveNs: 1_500_000},
		{seq: 65533, arriveNs: 90_000_000}, // 88.5 ms later: a large delta
		{seq: 65534, arriveNs: 89_000_000}, // reordered: negative
		{seq: 65535, lost: true},
		{seq: 0, arriveNs: 95_000_000},
	}
	for i := 1; i < 30; i++ { // long enough for a run-length chunk
		pkts = append(pkts, rxPacket{seq: uint16(i), arriveNs: 95_000_000 + int64(i)*1_000_000})
	}
	fb := buildFeedback(t, pkts, 0, 0)
	got := readAll(fb, int64(fb.ReferenceTime)*refTimeUnitUs)
	if len(got) != len(pkts) {
		t.Fatalf("read %d statuses, want %d", len(got), len(pkts))
	}
	for i, p := range pkts {
		want := status{seq: p.seq, st: fbLost}
		if !p.lost {
			want = status{seq: p.seq, st: fbReceived, arrivalUs: p.arriveNs / 1000}
		}
		if got[i] != want {
			t.Errorf("status %d = %v, want %v", i, got[i], want)
		}
	}
}

func TestUnwrapRef(t *testing.T) {
	tests := []struct {
		name string
		refs []uint32
		want []int64
	}{
		{name: "increasing", refs: []uint32{100, 101, 103}, want: []int64{100, 101, 103}},
		{name: "wraps forward", refs: []uint32{refTimeMask - 1, refTimeMask, 0, 2}, want: []int64{refTimeMask - 1, refTimeMask, refTimeMask + 1, refTimeMask + 3}},
		{name: "reordered across the wrap", refs: []uint32{1, refTimeMask, 2}, want: []int64{1, -1, 2}},
		{name: "upper bits ignored", refs: []uint32{5, 0xff000006}, want: []int64{5, 6}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := New(Config{})
			for i, ref := range tt.refs {
				got := e.unwrapRef(ref)
				if got != tt.want[i] {
					t.Fatalf("ref %d: unwrapped %#x to %d, want %d", i, ref, got, tt.want[i])
				}
				e.lastRef, e.refKnown = got, true
			}
		})
	}
}

// feedbackFor reports seqs [from, from+n) as received 1 ms apart from
// startNs, except those in lost.
func feedbackFor(t *testing.T, from uint16, n int, startNs int64, lost ...uint16) *rtcp.TransportLayerCC {
	t.Helper()
	pkts := make([]rxPacket, n)
	for i := range pkts {
		seq := from + uint16(i)
		pkts[i] = rxPacket{seq: seq, arriveNs: startNs + int64(i)*int64(time.Millisecond), lost: slices.Contains(lost, seq)}
	}
	return buildFeedback(t, pkts, 0, 0)
}

// sendN sends n 1000-byte packets 1 ms apart and returns the first one's
// sequence number.
func sendN(e *Estimator, clock *fakeClock, n int) uint16 {
	first := uint16(e.nextSeq)
	for range n {
		e.OnSent(1000)
		clock.advance(time.Millisecond)
	}
	return first
}

func TestFeedbackMatching(t *testing.T) {
	type step struct {
		fb       func(first uint16) *rtcp.TransportLayerCC
		acks     int // newly reported packets the step must yield
		received int
	}
	tests := []struct {
		name     string
		firstSeq uint16
		sent     int
		steps    []step
	}{
		{
			name: "in order", firstSeq: 10, sent: 20,
			steps: []step{
				{fb: func(f uint16) *rtcp.TransportLayerCC { return feedbackFor(t, f, 10, 0) }, acks: 10, received: 10},
				{fb: func(f uint16) *rtcp.TransportLayerCC { return feedbackFor(t, f+10, 10, 10e6) }, acks: 10, received: 10},
			},
		},
		{
			name: "sequence numbers wrap", firstSeq: 65530, sent: 20,
			steps: []step{
				{fb: func(f uint16) *rtcp.TransportLayerCC { return feedbackFor(t, f, 20, 0) }, acks: 20, received: 20},
			},
		},
		{
			name: "duplicate feedback counts once", firstSeq: 10, sent: 20,
			steps: []step{
				{fb: func(f uint16) *rtcp.TransportLayerCC { return feedbackFor(t, f, 20, 0) }, acks: 20, received: 20},
				{fb: func(f uint16) *rtcp.TransportLayerCC { return feedbackFor(t, f, 20, 0) }},
				{fb: func(f uint16) *rtcp.TransportLayerCC { return feedbackFor(t, f+5, 10, 5e6) }},
			},
		},
		{
			name: "reordered feedback", firstSeq: 10, sent: 20,
			steps: []step{
				{fb: func(f uint16) *rtcp.TransportLayerCC { return feedbackFor(t, f+10, 10, 10e6) }, acks: 10, received: 10},
				{fb: func(f uint16) *rtcp.TransportLayerCC { return feedbackFor(t, f, 10, 0) }, acks: 10, received: 10},
			},
		},
		{
			name: "lost, then received late", firstSeq: 10, sent: 20,
			steps: []step{
				{fb: func(f uint16) *rtcp.TransportLayerCC { return feedbackFor(t, f, 10, 0, f+3) }, acks: 10, received: 9},
				{fb: func(f uint16) *rtcp.TransportLayerCC { return feedbackFor(t, f+3, 1, 12e6) }, acks: 1, received: 1},
				{fb: func(f uint16) *rtcp.TransportLayerCC { return feedbackFor(t, f+3, 1, 12e6, f+3) }},
			},
		},
		{
			name: "never sent", firstSeq: 10, sent: 20,
			steps: []step{
				{fb: func(f uint16) *rtcp.TransportLayerCC { return feedbackFor(t, f+20, 10, 0) }},
				{fb: func(f uint16) *rtcp.TransportLayerCC { return feedbackFor(t, f-10, 10, 0) }},
				{fb: func(f uint16) *rtcp.TransportLayerCC { return feedbackFor(t, f+15, 10, 0) }, acks: 5, received: 5},
			},
		},
		{
			name: "too old", firstSeq: 10, sent: historySize + 50,
			steps: []step{
				{fb: func(f uint16) *rtcp.TransportLayerCC { return feedbackFor(t, f, 50, 0) }},
				{fb: func(f uint16) *rtcp.TransportLayerCC { return feedbackFor(t, f+40, 20, 0) }, acks: 10, received: 10},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := &fakeClock{}
			e := newTestEstimator(Config{}, clock, tt.firstSeq)
			first := sendN(e, clock, tt.sent)
			for i, s := range tt.steps {
				e.OnFeedback(s.fb(first))
				received := 0
				for _, a := range e.batch {
					if a.received {
						received++
					}
				}
				if len(e.batch) != s.acks || received != s.received {
					t.Errorf("step %d: %d packets newly reported, %d received; want %d, %d",
						i, len(e.batch), received, s.acks, s.received)
				}
			}
		})
	}
}
