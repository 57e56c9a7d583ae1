// Package measure is what Chancery's two load tools, cmd/loadtest and
// bench/cmd/sfubench, measure the same way: the packets, bytes and RTP
// sequence gaps their subscribers receive (gaps split into video and
// audio, jumps of over 100 numbers, padding-only packets), the rate each
// video subscription got in the window, a server's CPU time and resident
// memory read from /proc/<pid>, and the flags that size the load and the
// window.
//
// It must not import the store, the HTTP areas or cmd/: it measures from
// outside, as a subscriber and as /proc sees a server.
package measure

import (
	"context"
	"flag"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// Load is what both tools take from their flags to size the subscribers
// and the window.
type Load struct {
	Subs                  int
	Duration, Warmup      time.Duration
	ViewWidth, ViewHeight int
}

// Register adds -subs, -duration, -warmup, -view-width and -view-height to
// fs; warmup is the tool's default warm-up.
func (l *Load) Register(fs *flag.FlagSet, warmup time.Duration) {
	fs.IntVar(&l.Subs, "subs", 10, "subscribers (each receives every publisher)")
	fs.DurationVar(&l.Duration, "duration", 20*time.Second, "measurement time")
	fs.DurationVar(&l.Warmup, "warmup", warmup, "time between the last join and the measurement")
	fs.IntVar(&l.ViewWidth, "view-width", 640, "size at which subscribers show each video (chooses the simulcast layer)")
	fs.IntVar(&l.ViewHeight, "view-height", 360, "")
}

// Sleep waits d, or until ctx ends: false then.
func Sleep(ctx context.Context, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}

// PerCore is a rate per CPU core, 0 when no CPU time was measured.
func PerCore(rate, cores float64) float64 {
	if cores <= 0 {
		return 0
	}
	return rate / cores
}

// JumpOver is the size from which a sequence gap counts as a jump: more
// than this many numbers at once (a stream switched without renumbering,
// say), not ordinary loss.
const JumpOver = 100

// headerBytes is what a received packet counts for besides its payload:
// the fixed RTP header.
const headerBytes = 12

// Counters are what all the subscriptions of a run received: packets,
// bytes, sequence gaps (numbers the server skipped when renumbering, or
// packets lost on the way), the gaps of video tracks, the audio packets,
// the jumps of over JumpOver numbers and the largest, the padding-only
// packets (probes), and each subscription's packets and bytes. The zero
// value is ready; a Counters is safe for concurrent use, each Track by
// one reader.
type Counters struct {
	packets, bytes, gaps, videoGaps, audio atomic.Uint64
	jumps, maxJump, padding                atomic.Uint64

	// Trace, when set before the first track is read, gets a line for each
	// jump of over JumpOver numbers Read sees, with the packet's header and
	// first payload bytes; tracks are read at once, so it must take
	// concurrent writes (as os.Stderr does).
	Trace io.Writer

	mu     sync.Mutex
	tracks []*Track
}

// Track is one subscription's counts and its place in the sequence.
type Track struct {
	c              *Counters
	video          bool
	packets, bytes atomic.Uint64
	// the highest sequence number seen, for the reader only
	last    uint16
	started bool
}

// Track adds a subscription, of video or audio.
func (c *Counters) Track(video bool) *Track {
	t := &Track{c: c, video: video}
	c.mu.Lock()
	c.tracks = append(c.tracks, t)
	c.mu.Unlock()
	return t
}

// Read counts the packets of a received track until it ends; first, when
// set, is called with the arrival time of its first packet.
func (c *Counters) Read(t *webrtc.TrackRemote, first func(time.Time)) {
	s := c.Track(t.Kind() == webrtc.RTPCodecTypeVideo)
	for {
		p, attrs, err := t.ReadRTP()
		if err != nil {
			return
		}
		if first != nil {
			first(time.Now())
			first = nil
		}
		last := s.last
		if d := s.Count(p); d > JumpOver && c.Trace != nil {
			fmt.Fprintf(c.Trace, "jump %s ssrc %d/%d %d -> %d (+%d) ts %d pt %d pad %v len %d marker %v attrs %v payload % x hdr %+v\n", t.Kind(), t.SSRC(), p.SSRC, last, p.SequenceNumber, d, p.Timestamp, p.PayloadType, p.Padding, len(p.Payload), p.Marker, attrs, p.Payload[:min(10, len(p.Payload))], p.Header)
		}
	}
}

// Count adds one packet of the subscription. It returns how far its
// sequence number is ahead of the highest seen before (wrapping at 65535):
// 1 for the next one, more after a gap, 0 or less for a late or repeated
// packet, which is no gap and does not move the reference back, and 0 for
// the first packet.
func (s *Track) Count(p *rtp.Packet) int {
	c := s.c
	var d int16
	if s.started {
		if d = int16(p.SequenceNumber - s.last); d > 1 {
			c.gaps.Add(uint64(d - 1))
			if s.video {
				c.videoGaps.Add(uint64(d - 1))
			}
			if d > JumpOver {
				c.jumps.Add(1)
				for m := c.maxJump.Load(); uint64(d) > m && !c.maxJump.CompareAndSwap(m, uint64(d)); m = c.maxJump.Load() {
				}
			}
		}
	}
	if !s.started || d > 0 {
		s.last, s.started = p.SequenceNumber, true
	}
	if p.Padding && len(p.Payload) == 0 {
		c.padding.Add(1)
	}
	n := uint64(len(p.Payload) + headerBytes)
	c.packets.Add(1)
	c.bytes.Add(n)
	s.packets.Add(1)
	s.bytes.Add(n)
	if !s.video {
		c.audio.Add(1)
	}
	return int(d)
}

// Snapshot is the counters at one moment; MaxJump is the largest jump so
// far.
type Snapshot struct {
	Packets, Bytes, Gaps, VideoGaps, Audio uint64
	Jumps, MaxJump, Padding                uint64
	// Tracks is the subscriptions counted so far.
	Tracks int

	video          []bool
	packets, bytes []uint64
}

// Snapshot reads the counters.
func (c *Counters) Snapshot() Snapshot {
	s := Snapshot{Packets: c.packets.Load(), Bytes: c.bytes.Load(), Gaps: c.gaps.Load(), VideoGaps: c.videoGaps.Load(),
		Audio: c.audio.Load(), Jumps: c.jumps.Load(), MaxJump: c.maxJump.Load(), Padding: c.padding.Load()}
	c.mu.Lock()
	s.Tracks = len(c.tracks)
	for _, t := range c.tracks {
		s.video = append(s.video, t.video)
		s.packets = append(s.packets, t.packets.Load())
		s.bytes = append(s.bytes, t.bytes.Load())
	}
	c.mu.Unlock()
	return s
}

// Window is what was received between two snapshots Seconds apart.
type Window struct {
	Seconds                                float64
	Packets, Bytes, Gaps, VideoGaps, Audio uint64
	Jumps, Padding                         uint64
}

// Since is what was received between s0 and s, taken seconds apart.
func (s Snapshot) Since(s0 Snapshot, seconds float64) Window {
	return Window{Seconds: seconds, Packets: s.Packets - s0.Packets, Bytes: s.Bytes - s0.Bytes, Gaps: s.Gaps - s0.Gaps,
		VideoGaps: s.VideoGaps - s0.VideoGaps, Audio: s.Audio - s0.Audio, Jumps: s.Jumps - s0.Jumps, Padding: s.Padding - s0.Padding}
}

// PacketRate is the packets received per second.
func (w Window) PacketRate() float64 { return float64(w.Packets) / w.Seconds }

// Mbps is the bit rate received, header included, in Mbit/s.
func (w Window) Mbps() float64 { return float64(w.Bytes) * 8 / w.Seconds / 1e6 }

// LossPercent is the gaps against the packets received and the gaps.
func (w Window) LossPercent() float64 {
	if n := w.Packets + w.Gaps; n > 0 {
		return float64(w.Gaps) / float64(n) * 100
	}
	return 0
}

// Silent counts the subscriptions that received nothing between s0 and s.
func (s Snapshot) Silent(s0 Snapshot) int {
	n := 0
	for i, p := range s.packets {
		var p0 uint64
		if i < len(s0.packets) {
			p0 = s0.packets[i]
		}
		if p == p0 {
			n++
		}
	}
	return n
}

// VideoMix sorts the video subscriptions by the rate each got between s0
// and s, taken seconds apart: the simulcast layer the server chose (about
// 150, 500 or 1,500 kbit/s), or a pause.
func (s Snapshot) VideoMix(s0 Snapshot, seconds float64) string {
	var paused, low, medium, high int
	for i, b := range s.bytes {
		if !s.video[i] {
			continue
		}
		var b0 uint64
		if i < len(s0.bytes) {
			b0 = s0.bytes[i]
		}
		switch kbps := float64(b-b0) * 8 / seconds / 1000; {
		case kbps < 50:
			paused++
		case kbps < 300:
			low++
		case kbps < 900:
			medium++
		default:
			high++
		}
	}
	return fmt.Sprintf("%d high, %d medium, %d low, %d paused", high, medium, low, paused)
}
