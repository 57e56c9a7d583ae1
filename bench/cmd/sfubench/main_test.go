package main

import (
	"os"
	"strings"
	"testing"

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
