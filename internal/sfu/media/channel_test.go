package media

import (
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// recordSink keeps what a channel sends, as a recorder would.
type recordSink struct {
	mu   sync.Mutex
	pkts []rtp.Packet
}

func (s *recordSink) WriteChannelRTP(p *rtp.Packet) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := rtp.Packet{Header: p.Header, Payload: append([]byte(nil), p.Payload...)}
	s.pkts = append(s.pkts, c)
}

// interpreter is an audio track whose packets carry tag in their payload,
// numbered from seq0 (each publisher numbers its stream apart).
type interpreter struct {
	u   *UpTrack
	tag byte
	seq uint16
	ts  uint32
}

func newInterpreter(id string, tag byte, seq0 uint16, ts0 uint32) *interpreter {
	u := NewUpTrack(TrackParams{ID: id, Owner: id, Kind: webrtc.RTPCodecTypeAudio, Source: SourceInterpretation,
		Language: "fr", Codec: opus})
	return &interpreter{u: u, tag: tag, seq: seq0, ts: ts0}
}

func (i *interpreter) send() {
	i.seq++
	i.ts += 960
	i.u.receive(layerHigh, &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: i.seq, Timestamp: i.ts},
		Payload: []byte{i.tag, 0, 0, 0}}, 16)
}

// clock is a settable clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

// A listener of a channel receives exactly the live interpreter's packets,
// none of the standby's; across a handover the sequence continues with no
// gap and the timestamp moves on by the time that passed, never back.
func TestChannelForwardsOnlyItsSourceAcrossSwitches(t *testing.T) {
	clk := &clock{t: time.Unix(1_700_000_000, 0)}
	var cnt Counters
	ch := NewChannel(ChannelParams{ID: "ch-fr", Owner: "booth-fr", Language: "fr", Counters: &cnt, Now: clk.now})
	d := NewDownTrack(ch.Track())
	w := &discardWriter{}
	d.bound, d.writer, d.ssrc, d.pt = true, w, 4242, 111
	ch.Track().AddDown(d)
	sink := &recordSink{}
	ch.AddSink(sink)

	a := newInterpreter("a", 'A', 100, 5000)
	b := newInterpreter("b", 'B', 60000, 3_000_000_000)
	ch.SetSource(a.u)
	for range 50 {
		a.send()
		b.send() // the standby's microphone: never forwarded
		clk.advance(20 * time.Millisecond)
	}
	ch.SetSource(b.u) // handover
	clk.advance(7 * time.Millisecond)
	for range 50 {
		a.send()
		b.send()
		clk.advance(20 * time.Millisecond)
	}
	sink.mu.Lock()
	pkts := sink.pkts
	sink.mu.Unlock()
	if len(pkts) != 100 {
		t.Fatalf("sent %d packets, want 100 (50 of each live interpreter)", len(pkts))
	}
	for i, p := range pkts {
		want := byte('A')
		if i >= 50 {
			want = 'B'
		}
		if p.Payload[0] != want {
			t.Fatalf("packet %d is %c's, want %c's", i, p.Payload[0], want)
		}
		if i > 0 {
			if p.SequenceNumber != pkts[i-1].SequenceNumber+1 {
				t.Errorf("packet %d: sequence %d after %d", i, p.SequenceNumber, pkts[i-1].SequenceNumber)
			}
			step := p.Timestamp - pkts[i-1].Timestamp
			if int32(step) <= 0 || step > 960*2 {
				t.Errorf("packet %d: timestamp step %d (a jitter buffer would see a jump)", i, int32(step))
			}
		}
	}
	if w.n != 100 || d.ssrc != 4242 {
		t.Errorf("listener got %d packets on SSRC %d, want 100 on 4242", w.n, d.ssrc)
	}
	if got := cnt.Totals().Forwarded; got != 100 {
		t.Errorf("forwarded %d, want 100", got)
	}
}

// The cough button mutes the channel while held; the numbering then goes
// on without a hole, and a packet from before the cough that arrives late
// is not sent with a number already taken.
func TestChannelCough(t *testing.T) {
	clk := &clock{t: time.Unix(1_700_000_000, 0)}
	ch := NewChannel(ChannelParams{ID: "ch-es", Language: "es", Now: clk.now})
	sink := &recordSink{}
	remove := ch.AddSink(sink)
	a := newInterpreter("a", 'A', 10, 0)
	ch.SetSource(a.u)
	for range 10 {
		a.send()
		clk.advance(20 * time.Millisecond)
	}
	ch.SetCough(true)
	if !ch.Coughing() {
		t.Fatal("cough not held")
	}
	for range 25 {
		a.send()
		clk.advance(20 * time.Millisecond)
	}
	ch.SetCough(false)
	for range 10 {
		a.send()
		clk.advance(20 * time.Millisecond)
	}
	// A late packet from before the cough.
	a.u.receive(layerHigh, &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: 15, Timestamp: 5 * 960}, Payload: []byte{'A'}}, 16)
	sink.mu.Lock()
	pkts := append([]rtp.Packet(nil), sink.pkts...)
	sink.mu.Unlock()
	if len(pkts) != 20 {
		t.Fatalf("sent %d packets, want 20 (none while the cough held, no late one)", len(pkts))
	}
	for i := 1; i < len(pkts); i++ {
		if pkts[i].SequenceNumber != pkts[i-1].SequenceNumber+1 {
			t.Errorf("packet %d: sequence %d after %d", i, pkts[i].SequenceNumber, pkts[i-1].SequenceNumber)
		}
	}
	// Across the cough the timestamp moved by the half second that passed.
	if step := pkts[10].Timestamp - pkts[9].Timestamp; step < 24000 || step > 27000 {
		t.Errorf("timestamp step across the cough %d, want about 26 frames", step)
	}
	remove()
	a.send()
	if len(sink.pkts) != 20 {
		t.Error("a removed sink still receives")
	}
}

// A channel without a source, or whose source is muted, sends nothing;
// switching back to a former source drops its old numbering.
func TestChannelSilentWithoutSource(t *testing.T) {
	ch := NewChannel(ChannelParams{ID: "ch-ru", Language: "ru"})
	sink := &recordSink{}
	ch.AddSink(sink)
	a := newInterpreter("a", 'A', 0, 0)
	a.send()
	ch.SetSource(a.u)
	a.u.SetMuted(true)
	a.send()
	a.u.SetMuted(false)
	a.send()
	ch.Close()
	a.send()
	if len(sink.pkts) != 1 || ch.Source() != nil {
		t.Errorf("sent %d packets, want the one while a was the unmuted source", len(sink.pkts))
	}
	if a.u.taps.Load() != nil && len(*a.u.taps.Load()) != 0 {
		t.Error("closed channel still taps its former source")
	}
}

// BenchmarkChannelHundredListeners is the work the SFU does for one packet
// of an interpreter heard by a hundred listeners of the channel.
func BenchmarkChannelHundredListeners(b *testing.B) {
	ch := NewChannel(ChannelParams{ID: "ch", Language: "fr"})
	for i := range 100 {
		d := NewDownTrack(ch.Track())
		d.bound, d.writer, d.ssrc, d.pt = true, &discardWriter{}, uint32(1000+i), 111
		ch.Track().AddDown(d)
	}
	a := newInterpreter("a", 'A', 0, 0)
	ch.SetSource(a.u)
	b.ReportAllocs()
	for b.Loop() {
		a.send()
	}
}
