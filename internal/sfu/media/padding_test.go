package media

import (
	"time"

	"testing"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// headerWriter records what a DownTrack writes.
type headerWriter struct {
	headers  []rtp.Header
	payloads [][]byte
}

func (w *headerWriter) WriteRTP(h *rtp.Header, payload []byte) (int, error) {
	w.headers = append(w.headers, h.Clone())
	w.payloads = append(w.payloads, payload)
	return len(payload), nil
}

func (w *headerWriter) Write(b []byte) (int, error) { return len(b), nil }

// Probe padding goes between frames only, takes the next sequence number,
// and later packets move along while a late packet from before the padding
// keeps its number.
func TestPaddingBetweenFramesKeepsSequenceNumbers(t *testing.T) {
	up := liveTrack("v", webrtc.RTPCodecTypeVideo, SourceCamera)
	up.codec = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}
	w := &headerWriter{}
	d := NewDownTrack(up)
	d.bound, d.writer, d.target, d.ssrc, d.twccID = true, w, layerLow, 4242, 3
	pkt := func(seq uint16, ts uint32, marker, key bool) *rtp.Packet {
		return &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: ts, Marker: marker},
			Payload: vp8Payload(true, int(seq), true, int(seq)&0xff, key)}
	}
	if d.writePadding(100) {
		t.Fatal("padding before the first packet")
	}
	d.write(layerLow, pkt(1000, 9000, false, true), true, time.Now())
	if d.writePadding(100) {
		t.Fatal("padding inside a frame")
	}
	d.write(layerLow, pkt(1002, 9000, true, true), true, time.Now()) // 1001 is late
	for range 2 {
		if !d.writePadding(300) {
			t.Fatal("no padding after a frame")
		}
	}
	d.write(layerLow, pkt(1003, 12000, true, false), false, time.Now())
	d.write(layerLow, pkt(1001, 9000, false, true), true, time.Now()) // the late one

	var seqs []uint16
	for _, h := range w.headers {
		seqs = append(seqs, h.SequenceNumber)
	}
	out := func(i int) uint16 { return w.headers[i].SequenceNumber }
	base := out(0)
	want := []uint16{base, base + 2, base + 3, base + 4, base + 5, base + 1}
	for i := range want {
		if seqs[i] != want[i] {
			t.Fatalf("sequence numbers %v, want %v", seqs, want)
		}
	}
	for _, i := range []int{2, 3} {
		h := w.headers[i]
		if !h.Padding || h.PaddingSize != byte(min(300, maxPadding)) || len(w.payloads[i]) != 0 || h.Timestamp != w.headers[1].Timestamp || h.SSRC != 4242 {
			t.Errorf("padding packet %d: %+v with %d payload bytes", i, h, len(w.payloads[i]))
		}
	}
	for i, h := range w.headers {
		if ext := h.GetExtension(3); len(ext) != 2 {
			t.Errorf("packet %d has no room for its transport-wide sequence number: %+v", i, h)
		}
	}

	// A paused video may be padded whatever its last packet was; audio never.
	d.write(layerLow, pkt(1004, 15000, false, false), false, time.Now())
	d.setTarget(layerPaused)
	if !d.writePadding(50) {
		t.Error("no padding on a paused video")
	}
	a := NewDownTrack(liveTrack("a", webrtc.RTPCodecTypeAudio, SourceMicrophone))
	a.bound, a.writer = true, &headerWriter{}
	a.write(layerHigh, &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: 7, Marker: true}, Payload: []byte{1}}, false, time.Now())
	if a.writePadding(50) {
		t.Error("padding on audio")
	}
}
