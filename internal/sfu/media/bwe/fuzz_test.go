package bwe

import (
	"testing"
	"time"

	"github.com/pion/rtcp"
)

// FuzzOnFeedback feeds arbitrary bytes through rtcp.Unmarshal into an
// estimator that has sent packets the feedback may refer to. It must never
// panic, and Target must stay within [Min, Max].
func FuzzOnFeedback(f *testing.F) {
	// Seeds: real feedback about the packets the fuzz target sends (first
	// sequence number 1000, 1 ms apart), and some damaged copies.
	seeds := [][]rxPacket{
		{{seq: 1000, arriveNs: 20e6}, {seq: 1001, arriveNs: 21e6}, {seq: 1002, lost: true}, {seq: 1003, arriveNs: 23e6}},
		{{seq: 1010, arriveNs: 30e6}, {seq: 1011, arriveNs: 200e6}, {seq: 1012, arriveNs: 150e6}},
	}
	long := make([]rxPacket, 40)
	for i := range long {
		long[i] = rxPacket{seq: 1020 + uint16(i), arriveNs: int64(40+i) * 1e6, lost: i%7 == 3}
	}
	seeds = append(seeds, long)
	for _, pkts := range seeds {
		raw, err := buildFeedback(f, pkts, 0, 0).Marshal()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
		f.Add(raw[:len(raw)-2])
		damaged := append([]byte(nil), raw...)
		damaged[14], damaged[15] = 0xff, 0xff // status count
		f.Add(damaged)
	}
	f.Add([]byte{})

	f.Fuzz(func(t *testing.T, data []byte) {
		pkts, err := rtcp.Unmarshal(data)
		if err != nil {
			return
		}
		clock := &fakeClock{}
		e := newTestEstimator(Config{Initial: 1_000_000, Min: 100_000, Max: 5_000_000}, clock, 1000)
		sendN(e, clock, 200)
		check := func() {
			t.Helper()
			st := e.Stats()
			if st.Target < 100_000 || st.Target > 5_000_000 {
				t.Fatalf("Target = %d, outside [Min, Max]", st.Target)
			}
			if st.Loss < 0 || st.Loss > 1 || st.Acked < 0 {
				t.Fatalf("Stats = %+v", st)
			}
		}
		e.Probe(3_000_000)
		// Each packet twice, as duplicated feedback, with more sending and
		// time in between.
		for range 2 {
			for _, p := range pkts {
				if fb, ok := p.(*rtcp.TransportLayerCC); ok {
					e.OnFeedback(fb)
					check()
				}
			}
			sendN(e, clock, 100)
			clock.advance(time.Second)
			e.ProbePadding()
			check()
		}
	})
}
