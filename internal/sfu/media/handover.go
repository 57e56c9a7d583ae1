package media

import (
	"time"

	"github.com/pion/webrtc/v4"
)

// Continue makes d take over the outgoing stream of prev, which forwarded
// another published track on the same sender (a broadcast viewer's video
// follows the active speaker): d's first packet continues prev's sequence
// numbers, timestamps (advanced by the wall time elapsed) and VP8 picture
// IDs, so that the receiver sees one stream rather than a jump it would
// take for loss. Call it before d is bound and added to its UpTrack.
func (d *DownTrack) Continue(prev *DownTrack) {
	prev.mu.Lock()
	started, lastSeq, lastTS, lastAt := prev.started, prev.lastSeq, prev.lastTS, prev.lastAt
	var m vp8Munger
	if prev.vp8 != nil {
		m = *prev.vp8
	}
	prevRate := prev.clockRate
	srPackets, srOctets, lastSR := prev.srPackets, prev.srOctets, prev.lastSR
	prev.mu.Unlock()
	if !started {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.started, d.rebase = true, true
	d.lastSeq, d.lastTS, d.lastAt = lastSeq, lastTS, lastAt
	// One stream for the receiver: its sender reports count on.
	d.srPackets, d.srOctets, d.lastSR = srPackets, srOctets, lastSR
	if d.clockRate != prevRate {
		// Another clock: start its timestamps afresh from now.
		d.lastAt = time.Now()
	}
	if d.vp8 != nil && m.started {
		*d.vp8 = m
	}
}

// Sent is how many packets d has sent to its subscriber.
func (d *DownTrack) Sent() uint64 { return d.sent.Load() }

// Codec is the track's codec, as its publisher negotiated it.
func (u *UpTrack) Codec() webrtc.RTPCodecCapability { return u.codec }
