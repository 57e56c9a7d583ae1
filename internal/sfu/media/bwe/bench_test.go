package bwe

import (
	"testing"
	"time"
)

func BenchmarkOnSent(b *testing.B) {
	e := New(Config{})
	b.ReportAllocs()
	for b.Loop() {
		e.OnSent(1200)
	}
}

func BenchmarkOnSentParallel(b *testing.B) {
	e := New(Config{})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			e.OnSent(1200)
		}
	})
}

// BenchmarkOnSentFakeClock leaves out the cost of time.Now.
func BenchmarkOnSentFakeClock(b *testing.B) {
	t := simEpoch
	e := New(Config{Now: func() time.Time { return t }})
	b.ReportAllocs()
	for b.Loop() {
		e.OnSent(1200)
	}
}

// BenchmarkOnFeedback processes one feedback of 100 packets, as a
// subscriber at a few Mbit/s sends every 50 ms.
func BenchmarkOnFeedback(b *testing.B) {
	clock := &fakeClock{}
	e := newTestEstimator(Config{}, clock, 0)
	pkts := make([]rxPacket, 100)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		first := sendN(e, clock, 100)
		for j := range pkts {
			pkts[j] = rxPacket{seq: first + uint16(j), arriveNs: int64(i*100+j) * int64(time.Millisecond)}
		}
		b.StopTimer()
		fb := buildFeedback(b, pkts, 0, uint8(i))
		b.StartTimer()
		e.OnFeedback(fb)
	}
}
