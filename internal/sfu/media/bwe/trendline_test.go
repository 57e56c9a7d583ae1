package bwe

import (
	"testing"
	"time"
)

func TestDelayDetector(t *testing.T) {
	tests := []struct {
		name string
		// extra is the queuing delay of the packet sent at ms (one every
		// 10 ms, each its own group).
		extra func(ms int64) time.Duration
		want  Usage
	}{
		{name: "constant delay", extra: func(int64) time.Duration { return 0 }, want: Normal},
		{name: "jitter without a trend", extra: func(ms int64) time.Duration {
			return time.Duration(ms%30) * 100 * time.Microsecond
		}, want: Normal},
		// The queue grows by 1 ms per 10 ms: sending 10% above capacity.
		{name: "growing queue", extra: func(ms int64) time.Duration {
			return time.Duration(ms) * 100 * time.Microsecond
		}, want: Overusing},
		// A 200 ms queue draining at 1 ms per 10 ms.
		{name: "draining queue", extra: func(ms int64) time.Duration {
			return max(0, 200*time.Millisecond-time.Duration(ms)*100*time.Microsecond)
		}, want: Underusing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDelayDetector()
			seen := map[Usage]bool{}
			for ms := int64(0); ms < 1500; ms += 10 {
				send := ms * int64(time.Millisecond)
				arrival := send + int64(30*time.Millisecond+tt.extra(ms))
				d.onPacket(send, arrival/1000)
				if ms > 500 {
					seen[d.usage] = true
				}
			}
			if !seen[tt.want] {
				t.Errorf("states after 500 ms: %v; want %v among them", seen, tt.want)
			}
			if tt.want == Normal && (seen[Overusing] || seen[Underusing]) {
				t.Errorf("states after 500 ms: %v; want only normal", seen)
			}
			if d.threshold < thresholdMin || d.threshold > thresholdMax {
				t.Errorf("threshold %v outside [%v, %v]", d.threshold, thresholdMin, thresholdMax)
			}
		})
	}
}

// TestDelayDetectorGrouping checks that a burst (a frame's packets sent
// back to back) is one group, so the spreading a bottleneck applies inside
// a burst is not mistaken for growing delay.
func TestDelayDetectorGrouping(t *testing.T) {
	d := newDelayDetector()
	// 30 frames a second, five packets each, sent within 1 ms and spread by a
	// 2 Mbit/s bottleneck (4.8 ms per 1200-byte packet): the burst takes 24 ms
	// to arrive, but the link keeps up on average (5 × 4.8 < 33 ms).
	for f := int64(0); f < 90; f++ {
		send := f * int64(33*time.Millisecond)
		for p := int64(0); p < 5; p++ {
			arrival := send + int64(20*time.Millisecond) + (p+1)*int64(4800*time.Microsecond)
			d.onPacket(send+p*200_000, arrival/1000)
		}
		if d.usage == Overusing {
			t.Fatalf("frame %d: over-use on a link that keeps up", f)
		}
	}
	if d.deltas < 80 {
		t.Errorf("%d group deltas from 90 frames, want one per frame", d.deltas)
	}
}
