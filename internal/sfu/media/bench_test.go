package media

import (
	"fmt"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// discardWriter stands in for a subscriber connection's stream: it takes
// each packet as pion's would, without a network.
type discardWriter struct{ n int }

func (w *discardWriter) WriteRTP(h *rtp.Header, payload []byte) (int, error) {
	w.n++
	return h.MarshalSize() + len(payload), nil
}

func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }

// subscribed returns a published track of kind with subs subscribers bound
// to discarding writers, each forwarding the low layer.
func subscribed(tb testing.TB, kind webrtc.RTPCodecType, subs int, c *Counters) (*UpTrack, []*DownTrack) {
	tb.Helper()
	codec := webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}
	if kind == webrtc.RTPCodecTypeAudio {
		codec = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000}
	}
	u := NewUpTrack(TrackParams{ID: "t", Owner: "p", Kind: kind, Source: SourceCamera, Codec: codec,
		Simulcast: kind == webrtc.RTPCodecTypeVideo, Counters: c})
	now := time.Now().UnixNano()
	for i := range u.layers {
		u.layers[i].active.Store(true)
		u.layers[i].lastRx.Store(now)
	}
	ds := make([]*DownTrack, subs)
	for i := range ds {
		d := NewDownTrack(u)
		d.bound, d.writer, d.ssrc, d.pt, d.twccID = true, &discardWriter{}, uint32(1000+i), 96, 3
		if kind == webrtc.RTPCodecTypeVideo {
			d.target = layerLow
		}
		u.AddDown(d)
		ds[i] = d
	}
	return u, ds
}

// packets returns a function that makes the next packet of a 1,100-byte
// VP8 stream (a keyframe every 100 packets) or of a 100-byte Opus stream.
func packets(kind webrtc.RTPCodecType) func() *rtp.Packet {
	seq, pic := uint16(0), 0
	return func() *rtp.Packet {
		seq++
		if kind == webrtc.RTPCodecTypeAudio {
			return &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: uint32(seq) * 960, Marker: true},
				Payload: make([]byte, 100)}
		}
		pic = (pic + 1) & 0x7fff
		p := vp8Payload(true, pic, true, pic&0xff, seq%100 == 1)
		return &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: uint32(seq) * 3000, Marker: true},
			Payload: append(p, make([]byte, 1100-len(p))...)}
	}
}

// BenchmarkForward measures the forwarding path of one received packet to
// every subscriber of its track: layer choice, header and VP8 rewriting,
// the retransmission cache and log, counted once per packet.
func BenchmarkForward(b *testing.B) {
	for _, kind := range []webrtc.RTPCodecType{webrtc.RTPCodecTypeAudio, webrtc.RTPCodecTypeVideo} {
		for _, subs := range []int{1, 10, 50} {
			b.Run(fmt.Sprintf("%s/subscribers=%d", kind, subs), func(b *testing.B) {
				var c Counters
				u, _ := subscribed(b, kind, subs, &c)
				next := packets(kind)
				pkts := make([]*rtp.Packet, 512)
				for i := range pkts {
					pkts[i] = next()
				}
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; b.Loop(); i++ {
					p := pkts[i%len(pkts)]
					p.SequenceNumber += uint16(len(pkts))
					u.receive(layerLow, p, 1200)
				}
				b.ReportMetric(float64(c.Totals().Forwarded)/float64(b.N), "writes/op")
			})
		}
	}
}

// BenchmarkRetransmit measures answering a NACK for one video packet from
// the layer's cache, on the RTX stream.
func BenchmarkRetransmit(b *testing.B) {
	u, ds := subscribed(b, webrtc.RTPCodecTypeVideo, 1, new(Counters))
	d := ds[0]
	d.rtxSSRC, d.rtxPT = 2000, 97
	next := packets(webrtc.RTPCodecTypeVideo)
	for range sentSize {
		u.receive(layerLow, next(), 1200)
	}
	d.mu.Lock()
	last := d.lastSeq
	d.mu.Unlock()
	b.ReportAllocs()
	b.ResetTimer()
	now := int64(0)
	for i := 0; b.Loop(); i++ {
		// A different packet each time, and time enough since it was last
		// resent.
		seq := last - uint16(i%(sentSize-1))
		now += int64(resendInterval)
		d.retransmitOne(seq, now)
	}
}

// BenchmarkVP8Rewrite measures rewriting one payload descriptor.
func BenchmarkVP8Rewrite(b *testing.B) {
	p := vp8Payload(true, 0x1234, true, 7, false)
	p = append(p, make([]byte, 1100)...)
	out := make([]byte, len(p))
	var m vp8Munger
	b.ReportAllocs()
	for b.Loop() {
		m.rewrite(p, out, false)
	}
}
