package measure

import (
	"context"
	"flag"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtp"
)

func packet(seq uint16, payload int) *rtp.Packet {
	return &rtp.Packet{Header: rtp.Header{SequenceNumber: seq}, Payload: make([]byte, payload)}
}

// Gaps are the numbers skipped going forward: wrapping at 65535 is no gap,
// a late packet is not one and does not move the reference back, and a
// jump of over 100 is counted as a jump too, with the largest kept.
func TestCountGaps(t *testing.T) {
	var c Counters
	audio := c.Track(false)
	video := c.Track(true)
	// audio: 1 -> 4 skips 2 (3 arrives late), 5 -> 10 skips 4.
	audioSeqs := []uint16{65533, 65534, 65535, 0, 1, 4, 3, 5, 10}
	wantAudio := []int{0, 1, 1, 1, 1, 3, -1, 1, 5}
	for i, q := range audioSeqs {
		if d := audio.Count(packet(q, 8)); d != wantAudio[i] {
			t.Errorf("audio packet %d (seq %d): Count %d, want %d", i, q, d, wantAudio[i])
		}
	}
	// video: a jump of 136 across the wrap (65500 -> 100 skips 135), a
	// duplicate, then one of 101 (skips 100), then one of exactly 100
	// (skips 99), which is no jump, then one lost packet (skips 1).
	videoSeqs := []uint16{65499, 65500, 100, 100, 201, 301, 303}
	wantVideo := []int{0, 1, 136, 0, 101, 100, 2}
	for i, q := range videoSeqs {
		if d := video.Count(packet(q, 1000)); d != wantVideo[i] {
			t.Errorf("video packet %d (seq %d): Count %d, want %d", i, q, d, wantVideo[i])
		}
	}
	// A padding-only probe counts as a packet and as padding.
	video.Count(&rtp.Packet{Header: rtp.Header{SequenceNumber: 304, Padding: true}})

	s := c.Snapshot()
	want := Snapshot{
		Packets:   uint64(len(audioSeqs) + len(videoSeqs) + 1),
		Bytes:     uint64(len(audioSeqs)*(8+12) + len(videoSeqs)*(1000+12) + 12),
		Gaps:      6 + 135 + 100 + 99 + 1,
		VideoGaps: 135 + 100 + 99 + 1,
		Audio:     uint64(len(audioSeqs)),
		Jumps:     2, MaxJump: 136, Padding: 1, Tracks: 2,
	}
	got := s
	got.video, got.packets, got.bytes = nil, nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("snapshot\n got %+v\nwant %+v", got, want)
	}
	if s.packets[0] != uint64(len(audioSeqs)) || s.packets[1] != uint64(len(videoSeqs)+1) || s.bytes[0] != uint64(len(audioSeqs)*20) {
		t.Errorf("per track: packets %v, bytes %v", s.packets, s.bytes)
	}
}

// A window is the difference of two snapshots: rates, loss against what
// was received and skipped, the subscriptions that got nothing and the
// rate each video got.
func TestWindow(t *testing.T) {
	var c Counters
	low, high, audio := c.Track(true), c.Track(true), c.Track(false)
	low.Count(packet(0, 0))
	high.Count(packet(0, 0))
	audio.Count(packet(0, 0))
	s0 := c.Snapshot()
	// In 2 s: low gets 25,000 bytes (100 kbit/s), high 375,000 (1.5
	// Mbit/s) and 2 numbers skipped; the audio track nothing.
	for i := range 25 {
		low.Count(packet(uint16(1+i), 1000-12))
	}
	for i := range 375 {
		high.Count(packet(uint16(1+i), 1000-12))
	}
	high.Count(packet(375+3, 1000-12))
	late := c.Track(true) // a video that arrived during the window, paused
	late.Count(packet(1, 0))
	s1 := c.Snapshot()

	w := s1.Since(s0, 2)
	if w.Packets != 25+375+1+1 || w.Gaps != 2 || w.VideoGaps != 2 || w.Audio != 0 || w.Jumps != 0 {
		t.Errorf("window %+v", w)
	}
	if got := w.PacketRate(); got != 201 {
		t.Errorf("packet rate %v", got)
	}
	if got, want := w.Mbps(), float64(w.Bytes)*8/2/1e6; got != want || got < 1.6 {
		t.Errorf("Mbit/s %v", got)
	}
	if got, want := w.LossPercent(), 2.0/404*100; got != want {
		t.Errorf("loss %v %%, want %v", got, want)
	}
	if (Window{Seconds: 1}).LossPercent() != 0 {
		t.Error("loss of nothing")
	}
	if got := s1.Silent(s0); got != 1 {
		t.Errorf("silent %d, want the audio track", got)
	}
	if got := s1.Silent(s1); got != 4 {
		t.Errorf("silent against itself %d", got)
	}
	if got, want := s1.VideoMix(s0, 2), "1 high, 0 medium, 1 low, 1 paused"; got != want {
		t.Errorf("video mix %q, want %q", got, want)
	}
}

func TestLoadFlags(t *testing.T) {
	var l Load
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	l.Register(fs, 6*time.Second)
	if l != (Load{Subs: 10, Duration: 20 * time.Second, Warmup: 6 * time.Second, ViewWidth: 640, ViewHeight: 360}) {
		t.Errorf("defaults %+v", l)
	}
	if err := fs.Parse([]string{"-subs", "4", "-duration", "5s", "-warmup", "3s", "-view-width", "320", "-view-height", "180"}); err != nil {
		t.Fatal(err)
	}
	if l != (Load{Subs: 4, Duration: 5 * time.Second, Warmup: 3 * time.Second, ViewWidth: 320, ViewHeight: 180}) {
		t.Errorf("parsed %+v", l)
	}
}

func TestSleepAndPerCore(t *testing.T) {
	if !Sleep(t.Context(), time.Millisecond) {
		t.Error("Sleep ended early")
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if Sleep(ctx, time.Hour) {
		t.Error("Sleep outlived its context")
	}
	if PerCore(1000, 0.5) != 2000 || PerCore(1000, 0) != 0 || PerCore(1000, -1) != 0 {
		t.Error("PerCore")
	}
}

// The counters as bench/cmd/sfubench tested them before they were shared:
// packets, and the numbers skipped going forward (a late packet is not a
// gap and does not move the reference back); wrapping at 65535 is no gap.
func TestCountersGaps(t *testing.T) {
	var c Counters
	s := c.Track(false)
	seqs := []uint16{65533, 65534, 65535, 0, 1, 4, 3, 5, 10}
	for _, q := range seqs {
		s.Count(&rtp.Packet{Header: rtp.Header{SequenceNumber: q}, Payload: make([]byte, 8)})
	}
	snap := c.Snapshot()
	if got := snap.Packets; got != uint64(len(seqs)) {
		t.Errorf("packets %d, want %d", got, len(seqs))
	}
	// 1 -> 4 skips 2 (3 arrives late), 5 -> 10 skips 4.
	if got := snap.Gaps; got != 6 {
		t.Errorf("gaps %d, want 6", got)
	}
	if got := snap.Audio; got != uint64(len(seqs)) {
		t.Errorf("audio %d", got)
	}
	if snap.Silent(snap) != 1 || snap.Silent(Snapshot{packets: []uint64{0}}) != 0 {
		t.Error("Silent")
	}
	if !strings.Contains(snap.VideoMix(Snapshot{}, 1), "0 paused") {
		t.Error("an audio track counted as video")
	}
}
