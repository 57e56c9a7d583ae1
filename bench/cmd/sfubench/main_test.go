package main

import (
	"io"
	"strings"
	"testing"
	"time"
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
