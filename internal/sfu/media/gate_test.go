package media

import (
	"testing"

	"github.com/pion/webrtc/v4"
)

// The gate stops forwarding independently of the mute: lifting one while
// the other holds forwards nothing, and the track flows again only once
// both are open.
func TestGateAndMuteAreIndependent(t *testing.T) {
	var c Counters
	u, _ := subscribed(t, webrtc.RTPCodecTypeAudio, 1, &c)
	next := packets(webrtc.RTPCodecTypeAudio)
	step := func(want uint64, what string) {
		t.Helper()
		u.receive(0, next(), 100)
		if got := c.Totals().Forwarded; got != want {
			t.Fatalf("%s: forwarded %d, want %d", what, got, want)
		}
	}
	step(1, "open")
	u.SetGated(true)
	step(1, "gated")
	u.SetMuted(true)
	u.SetGated(false)
	step(1, "muted, gate open")
	u.SetGated(true)
	u.SetMuted(false)
	step(1, "unmuted, gated")
	if !u.Gated() || u.Muted() {
		t.Fatalf("gated %v muted %v", u.Gated(), u.Muted())
	}
	u.SetGated(false)
	step(2, "both open")
}
