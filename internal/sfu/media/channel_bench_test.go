package media

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkInterpretedChannelDelay is the delay the SFU adds to one packet
// of a live interpreter before the first listener's write: the tap, the
// channel's renumbering and one DownTrack. (The network and pion's
// send path come on top, as for any forwarded packet.)
func BenchmarkInterpretedChannelDelay(b *testing.B) {
	ch := NewChannel(ChannelParams{ID: "ch", Language: "fr"})
	d := NewDownTrack(ch.Track())
	d.bound, d.writer, d.ssrc, d.pt = true, &discardWriter{}, 1, 111
	ch.Track().AddDown(d)
	a := newInterpreter("a", 'A', 0, 0)
	ch.SetSource(a.u)
	b.ReportAllocs()
	for b.Loop() {
		a.send()
	}
}

// BenchmarkSixBoothsHundredListeners is one 20 ms round of audio in a room
// with six booths of two interpreters (one live, one standby) and a
// hundred listeners spread over the six channels: the floor's microphone
// goes to every listener and interpreter, each live interpreter's packet
// to its channel's listeners and its partner, each standby's to its
// partner only. It reports the share of one core the room costs.
func BenchmarkSixBoothsHundredListeners(b *testing.B) {
	const booths, listeners = 6, 100
	bind := func(u *UpTrack, n int) {
		for i := range n {
			d := NewDownTrack(u)
			d.bound, d.writer, d.ssrc, d.pt = true, &discardWriter{}, uint32(i+1), 111
			u.AddDown(d)
		}
	}
	floor := newInterpreter("floor", 'F', 0, 0)
	floor.u.source = SourceMicrophone
	bind(floor.u, listeners+2*booths)
	var live, standby []*interpreter
	for i := range booths {
		ch := NewChannel(ChannelParams{ID: fmt.Sprint("ch", i), Language: fmt.Sprint("l", i)})
		bind(ch.Track(), listeners/booths)
		l, s := newInterpreter(fmt.Sprint("live", i), 'L', 0, 0), newInterpreter(fmt.Sprint("standby", i), 'S', 0, 0)
		bind(l.u, 1) // the partner hears the live interpreter
		bind(s.u, 1) // and the other way round
		ch.SetSource(l.u)
		live, standby = append(live, l), append(standby, s)
	}
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		floor.send()
		for i := range booths {
			live[i].send()
			standby[i].send()
		}
	}
	perRound := time.Since(start) / time.Duration(b.N)
	b.ReportMetric(float64(perRound)/float64(20*time.Millisecond)*100, "%core")
}
