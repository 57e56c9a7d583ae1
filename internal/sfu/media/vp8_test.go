package media

import (
	"time"

	"bytes"
	"testing"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// vp8Payload builds a payload with a descriptor: pic < 0 leaves out the
// picture ID, wide picks 15 bits; tl0 < 0 leaves out TL0PICIDX.
func vp8Payload(start bool, pic int, wide bool, tl0 int, key bool) []byte {
	b := []byte{0x80, 0x20} // X; T: a TID byte follows
	if start {
		b[0] |= 0x10
	}
	if pic >= 0 {
		b[1] |= 0x80
		if wide {
			b = append(b, 0x80|byte(pic>>8), byte(pic))
		} else {
			b = append(b, byte(pic))
		}
	}
	if tl0 >= 0 {
		b[1] |= 0x40
		b = append(b, byte(tl0))
	}
	b = append(b, 0x00) // TID 0
	frame := byte(0x01)
	if key {
		frame = 0x00
	}
	return append(b, frame, 0xaa, 0xbb)
}

func TestParseVP8Descriptor(t *testing.T) {
	for name, tc := range map[string]struct {
		p             []byte
		ok            bool
		pic           int // -1: none
		pic15         bool
		tl0At, header int
	}{
		"no extension":     {[]byte{0x10, 0x00}, true, -1, false, -1, 1},
		"15-bit and tl0":   {vp8Payload(true, 0x1234, true, 7, true), true, 0x1234, true, 4, 6},
		"7-bit and tl0":    {vp8Payload(true, 0x55, false, 9, false), true, 0x55, false, 3, 5},
		"15-bit, no tl0":   {vp8Payload(false, 0x7fff, true, -1, false), true, 0x7fff, true, -1, 5},
		"tl0 only":         {vp8Payload(true, -1, false, 200, false), true, -1, false, 2, 4},
		"empty":            {nil, false, -1, false, -1, 0},
		"cut in extension": {[]byte{0x80}, false, -1, false, -1, 0},
		"cut in 15-bit id": {[]byte{0x90, 0x80, 0x81}, false, 0, true, -1, 0},
	} {
		t.Run(name, func(t *testing.T) {
			d, ok := parseVP8Descriptor(tc.p)
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v", ok, tc.ok)
			}
			if !ok {
				return
			}
			pic, has := d.picture(tc.p)
			if has != (tc.pic >= 0) || has && int(pic) != tc.pic || d.pic15 != tc.pic15 || d.tl0At != tc.tl0At || d.header != tc.header {
				t.Errorf("got %+v picture %d/%v", d, pic, has)
			}
		})
	}
}

// frame is a packet of a layer: its picture ID and TL0PICIDX.
type frame struct {
	switching bool
	pic, tl0  int
	wantPic   int
	wantTL0   int
}

func TestVP8MungerKeepsPicturesContinuous(t *testing.T) {
	for _, wide := range []bool{true, false} {
		mask := 0x7fff
		if !wide {
			mask = 0x7f
		}
		name := "15-bit"
		if !wide {
			name = "7-bit"
		}
		t.Run(name, func(t *testing.T) {
			var m vp8Munger
			steps := []frame{
				// Low layer from its own numbering, wrapping around.
				{switching: true, pic: mask - 1, tl0: 254, wantPic: mask - 1, wantTL0: 254},
				{pic: mask, tl0: 255, wantPic: mask, wantTL0: 255},
				{pic: mask, tl0: 255, wantPic: mask, wantTL0: 255}, // second packet of a picture
				{pic: 0, tl0: 0, wantPic: 0, wantTL0: 0},
				// Switch to the high layer, numbered elsewhere: continues.
				{switching: true, pic: 0x2a0 & mask, tl0: 90, wantPic: 1, wantTL0: 1},
				{pic: 0x2a1 & mask, tl0: 91, wantPic: 2, wantTL0: 2},
				// A late packet of the previous picture keeps its number.
				{pic: 0x2a0 & mask, tl0: 90, wantPic: 1, wantTL0: 1},
				// Back down after a pause on a layer that moved on.
				{switching: true, pic: 40, tl0: 17, wantPic: 3, wantTL0: 3},
				{pic: 41, tl0: 18, wantPic: 4, wantTL0: 4},
			}
			out := make([]byte, 1500)
			for i, s := range steps {
				in := vp8Payload(true, s.pic, wide, s.tl0, s.switching)
				orig := bytes.Clone(in)
				got, _ := m.rewrite(in, out, s.switching)
				if !bytes.Equal(in, orig) {
					t.Fatalf("step %d: the shared payload was modified", i)
				}
				d, ok := parseVP8Descriptor(got)
				pic, _ := d.picture(got)
				if !ok || d.pic15 != wide || int(pic) != s.wantPic || int(got[d.tl0At]) != s.wantTL0 {
					t.Errorf("step %d: picture %d tl0 %d (15-bit %v), want %d and %d", i, pic, got[d.tl0At], d.pic15, s.wantPic, s.wantTL0)
				}
				if !bytes.Equal(got[d.header:], orig[d.header:]) {
					t.Errorf("step %d: the VP8 frame changed", i)
				}
			}
		})
	}
}

func TestVP8Keyframe(t *testing.T) {
	for _, tc := range []struct {
		p    []byte
		want bool
	}{
		{[]byte{0x10, 0x00}, true},
		{[]byte{0x10, 0x01}, false},
		{[]byte{0x00, 0x00}, false},                  // not the start of a frame
		{[]byte{0x90, 0x80, 0x05, 0x00}, true},       // 7-bit picture id
		{[]byte{0x90, 0x80, 0x85, 0x01, 0x00}, true}, // 15-bit picture id
		{[]byte{0x90, 0xe0, 0x85, 0x01, 0x07, 0x20, 0x00}, true},
		{[]byte{0x90, 0xe0, 0x85, 0x01, 0x07, 0x20, 0x01}, false},
		{[]byte{0x90}, false},
		{nil, false},
	} {
		if got := isVP8Keyframe(tc.p); got != tc.want {
			t.Errorf("%x: %v, want %v", tc.p, got, tc.want)
		}
	}
}

// recordingWriter keeps what a DownTrack writes.
type recordingWriter struct{ payloads [][]byte }

func (w *recordingWriter) WriteRTP(_ *rtp.Header, payload []byte) (int, error) {
	w.payloads = append(w.payloads, bytes.Clone(payload))
	return len(payload), nil
}

func (w *recordingWriter) Write(b []byte) (int, error) { return len(b), nil }

// A subscriber switched between simulcast layers sees one picture ID
// sequence; another subscriber of the same packets is not affected.
func TestDownTrackRewritesPictureIDsAcrossLayers(t *testing.T) {
	up := liveTrack("v", webrtc.RTPCodecTypeVideo, SourceCamera)
	up.codec = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}
	w1, w2 := &recordingWriter{}, &recordingWriter{}
	d1, d2 := NewDownTrack(up), NewDownTrack(up)
	for _, x := range []struct {
		d *DownTrack
		w *recordingWriter
	}{{d1, w1}, {d2, w2}} {
		x.d.bound, x.d.writer, x.d.target = true, x.w, layerLow
	}
	seq := [3]uint16{100, 5000, 30000}
	pic := [3]int{10, 20000, 32760}
	send := func(q int, key bool) {
		p := &rtp.Packet{Header: rtp.Header{SequenceNumber: seq[q], Timestamp: uint32(seq[q]) * 3000}, Payload: vp8Payload(true, pic[q], true, pic[q]&0xff, key)}
		seq[q]++
		pic[q] = (pic[q] + 1) & 0x7fff
		d1.write(q, p, key, time.Now())
		d2.write(q, p, key, time.Now())
	}
	send(layerLow, true)
	for range 3 {
		send(layerLow, false)
		send(layerHigh, false)
	}
	d1.mu.Lock()
	d1.target = layerHigh
	d1.mu.Unlock()
	send(layerHigh, false) // not a keyframe: d1 stays on the low layer
	send(layerLow, false)
	send(layerHigh, true) // d1 switches here, across the 15-bit wrap
	for range 10 {
		send(layerHigh, false)
		send(layerLow, false)
	}
	check := func(name string, w *recordingWriter, n int) {
		t.Helper()
		if len(w.payloads) != n {
			t.Fatalf("%s got %d pictures, want %d", name, len(w.payloads), n)
		}
		var prevPic uint16
		var prevTL0 byte
		for i, p := range w.payloads {
			d, _ := parseVP8Descriptor(p)
			id, _ := d.picture(p)
			if i > 0 && (id != (prevPic+1)&0x7fff || p[d.tl0At] != prevTL0+1) {
				t.Errorf("%s picture %d: id %d tl0 %d after %d and %d", name, i, id, p[d.tl0At], prevPic, prevTL0)
			}
			prevPic, prevTL0 = id, p[d.tl0At]
		}
	}
	check("switched subscriber", w1, 1+3+1+1+10)
	check("low-layer subscriber", w2, 1+3+1+10)
}

// FuzzVP8Munger feeds publisher payloads to the rewriter: it never panics,
// never writes past the payload and leaves the VP8 frame itself alone.
func FuzzVP8Munger(f *testing.F) {
	f.Add(vp8Payload(true, 0x1234, true, 7, true), true)
	f.Add(vp8Payload(false, 0x55, false, -1, false), false)
	f.Add([]byte{0x80}, true)
	f.Add([]byte{0x90, 0xff, 0xff}, false)
	var m vp8Munger
	f.Fuzz(func(t *testing.T, p []byte, switching bool) {
		out := make([]byte, len(p))
		orig := bytes.Clone(p)
		got, _ := m.rewrite(p, out, switching)
		if len(got) != len(p) || !bytes.Equal(p, orig) {
			t.Fatalf("rewrite changed the length or the input")
		}
		if d, ok := parseVP8Descriptor(p); ok && !bytes.Equal(got[d.header:], p[d.header:]) {
			t.Fatalf("rewrite changed the frame")
		}
	})
}
