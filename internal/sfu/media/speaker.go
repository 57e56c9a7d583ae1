package media

import (
	"slices"
	"sync/atomic"
)

// Active-speaker detection from the RFC 6464 audio level that publishers put
// in every audio packet (0 is 0 dBov, the loudest; 127 is silence).
//
// Every interval of its speaker loop (500 ms) the room takes each
// microphone's mean loudness (127 − level) over the packets a 20 ms stream
// carries in that time — so DTX silence, which sends almost nothing, counts as quiet — and smooths it
// with an exponential moving average over speakerSmoothing intervals. Tracks
// above activeLoudness are speaking, loudest first.
const (
	speakerSmoothing = 4
	activeLoudness   = 60.0 // ≈ −67 dBov averaged over the interval
	packetsPerTick   = 25   // 500 ms of 20 ms packets
)

type audioLevel struct {
	sum      atomic.Uint64
	n        atomic.Uint64
	smoothed float64 // only the room's speaker loop touches it
}

func (a *audioLevel) observe(level uint8) {
	a.sum.Add(uint64(127 - level))
	a.n.Add(1)
}

// tick closes one interval and returns the smoothed loudness.
func (a *audioLevel) tick() float64 {
	sum, n := a.sum.Swap(0), a.n.Swap(0)
	if n < packetsPerTick {
		n = packetsPerTick
	}
	mean := float64(sum) / float64(n)
	a.smoothed += (mean - a.smoothed) / speakerSmoothing
	return a.smoothed
}

// Loudness is the smoothed loudness of one microphone (UpTrack.Loudness)
// and the publisher it belongs to.
type Loudness struct {
	Owner string
	Value float64
}

// RankSpeakers returns the owners of the tracks above the threshold,
// loudest first, each once. It sorts ls.
func RankSpeakers(ls []Loudness) []string {
	slices.SortStableFunc(ls, func(a, b Loudness) int {
		switch {
		case a.Value > b.Value:
			return -1
		case a.Value < b.Value:
			return 1
		}
		return 0
	})
	var out []string
	for _, l := range ls {
		if l.Value >= activeLoudness && !slices.Contains(out, l.Owner) {
			out = append(out, l.Owner)
		}
	}
	return out
}
