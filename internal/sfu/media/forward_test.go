package media

import (
	"testing"

	"github.com/pion/webrtc/v4"
)

// The forwarded counter counts packets written to subscribers, into the
// Counters given at construction: a muted track and a subscriber waiting
// for a keyframe count nothing.
func TestForwardCountsIntoGivenCounters(t *testing.T) {
	var c Counters
	u, ds := subscribed(t, webrtc.RTPCodecTypeVideo, 3, &c)
	ds[2].setTarget(layerHigh) // waits for a keyframe of the high layer
	next := packets(webrtc.RTPCodecTypeVideo)
	u.receive(layerLow, next(), 1200) // a keyframe: the first two start
	u.receive(layerLow, next(), 1200)
	if got := c.Totals().Forwarded; got != 4 {
		t.Errorf("forwarded %d, want 4 (two packets to two subscribers)", got)
	}
	u.SetMuted(true)
	u.receive(layerLow, next(), 1200)
	if got := c.Totals().Forwarded; got != 4 {
		t.Errorf("a muted track counted: %d", got)
	}
	if got := c.Totals(); got != (Totals{Forwarded: 4}) {
		t.Errorf("counters %+v, want only the four packets forwarded", got)
	}
}

// A subscriber keeps receiving a video however long it runs on one layer:
// sequence numbers wrap every 65,536 packets (about 7 minutes of a 1.5
// Mbit/s layer), and a packet is older than the layer switch only just
// after it.
func TestLongStreamKeepsForwarding(t *testing.T) {
	var c Counters
	u, ds := subscribed(t, webrtc.RTPCodecTypeVideo, 1, &c)
	w := ds[0].writer.(*discardWriter)
	next := packets(webrtc.RTPCodecTypeVideo)
	const n = 3 * 65536
	for range n {
		u.receive(layerLow, next(), 1200)
	}
	if w.n != n {
		t.Errorf("%d of %d packets forwarded", w.n, n)
	}
}
