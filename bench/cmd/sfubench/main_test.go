package main

import (
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtp"
)

func TestLoopbackOnly(t *testing.T) {
	for _, ok := range []string{"http://127.0.0.1:8080", "ws://127.0.0.1:7880", "ws://localhost:7880", "http://[::1]:8080", "http://127.3.2.1:1"} {
		if err := loopbackOnly(ok); err != nil {
			t.Errorf("%s refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "127.0.0.1:8080", "http://10.0.0.1:8080", "ws://example.org", "http://0.0.0.0:80", "http://127.0.0.1.example.org/", "http://[::]:80"} {
		if err := loopbackOnly(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// readProc reads this process: some CPU time after work, and its RSS.
func TestReadProc(t *testing.T) {
	buf := make([]byte, 64<<20)
	for i := range buf {
		buf[i] = byte(i)
	}
	p, err := readProc(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if p.rss < 64<<20 {
		t.Errorf("RSS %d bytes with 64 MiB touched", p.rss)
	}
	if p.cpu <= 0 {
		t.Errorf("CPU %v s", p.cpu)
	}
	if buf[12345] != byte(12345%256) {
		t.Fatal("buffer")
	}
	if _, err := readProc(1 << 30); err == nil {
		t.Error("no error for a process that does not exist")
	}
}

// The counters count what cmd/loadtest counts: packets, and the numbers
// skipped going forward (a late packet is not a gap and does not move the
// reference back); wrapping at 65535 is no gap.
func TestCountersGaps(t *testing.T) {
	var c counters
	s := &sub{}
	c.subs = append(c.subs, s)
	seqs := []uint16{65533, 65534, 65535, 0, 1, 4, 3, 5, 10}
	for _, q := range seqs {
		c.count(s, &rtp.Packet{Header: rtp.Header{SequenceNumber: q}, Payload: make([]byte, 8)})
	}
	if got := c.packets.Load(); got != uint64(len(seqs)) {
		t.Errorf("packets %d, want %d", got, len(seqs))
	}
	// 1 -> 4 skips 2 (3 arrives late), 5 -> 10 skips 4.
	if got := c.gaps.Load(); got != 6 {
		t.Errorf("gaps %d, want 6", got)
	}
	if got := c.audio.Load(); got != uint64(len(seqs)) {
		t.Errorf("audio %d", got)
	}
	snap := c.snapshot()
	if snap.silentSince(snap) != 1 || snap.silentSince(snapshot{subPackets: []uint64{0}}) != 0 {
		t.Error("silentSince")
	}
	if !strings.Contains(snap.videoMix(snapshot{}, 1), "0 paused") {
		t.Error("an audio track counted as video")
	}
}

// The time to first frame of each viewer, their median and worst, and the
// viewers that never had video.
func TestTTFFStats(t *testing.T) {
	t0 := time.Unix(1_000, 0)
	var vs []*viewer
	for _, ms := range []int{300, -1, 100, 200, 900} {
		v := &viewer{start: t0}
		if ms >= 0 {
			v.gotVideo(t0.Add(time.Duration(ms) * time.Millisecond))
			// A later packet does not move the first frame.
			v.gotVideo(t0.Add(time.Hour))
		}
		vs = append(vs, v)
	}
	med, worst, missing := ttffStats(vs)
	if med != 300*time.Millisecond || worst != 900*time.Millisecond || missing != 1 {
		t.Errorf("median %v, worst %v, missing %d; want 300ms, 900ms, 1", med, worst, missing)
	}
	if med, worst, missing := ttffStats([]*viewer{{start: t0}}); med != 0 || worst != 0 || missing != 1 {
		t.Errorf("no video: %v %v %d", med, worst, missing)
	}
}

func TestBroadcastSynthetic(t *testing.T) {
	s := broadcastSynthetic(1000, false)
	if !s.Video || !s.Audio || s.Simulcast || s.Bitrates[2] != 1_000_000 {
		t.Errorf("one stream: %+v", s)
	}
	if s := broadcastSynthetic(1000, true); !s.Simulcast || s.Bitrates != [3]int{150_000, 500_000, 1_500_000} {
		t.Errorf("simulcast: %+v", s)
	}
	if got := whepURL("http://127.0.0.1:8080/", "room a"); got != "http://127.0.0.1:8080/whep/room%20a" {
		t.Errorf("whepURL %q", got)
	}
}

// The broadcast shape refuses the conference shape's publishers.
func TestBroadcastFlags(t *testing.T) {
	err := run(t.Context(), []string{"-target", "livekit", "-server", "ws://127.0.0.1:1", "-pid", "1", "-viewers", "3", "-video-pubs", "1"}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "-viewers") {
		t.Errorf("got %v", err)
	}
}
