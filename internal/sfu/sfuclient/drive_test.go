package sfuclient

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// recorder keeps what the generator writes; it fails every write after
// limit packets, which ends that sender as a closed track would.
type recorder struct {
	mu    sync.Mutex
	pkts  []rtp.Packet
	limit int
	full  chan struct{}
	once  sync.Once
}

var errFull = errors.New("recorder full")

func newRecorder(limit int) *recorder { return &recorder{limit: limit, full: make(chan struct{})} }

func (r *recorder) WriteRTP(p *rtp.Packet) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.pkts) >= r.limit {
		r.once.Do(func() { close(r.full) })
		return errFull
	}
	c := *p
	c.Header.Extensions = append([]rtp.Extension(nil), p.Header.Extensions...)
	c.Payload = append([]byte(nil), p.Payload...)
	r.pkts = append(r.pkts, c)
	return nil
}

func (r *recorder) wait(t *testing.T) []rtp.Packet {
	t.Helper()
	select {
	case <-r.full:
	case <-time.After(30 * time.Second):
		t.Fatal("the generator did not write its packets")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.pkts
}

// Drive writes what PublishSynthetic sends, on writers of another client:
// VP8 frames of each layer's size (a keyframe first, three times as large),
// numbered without gaps, the marker on each frame's last packet; 80-byte
// audio packets with the level in the negotiated extension.
func TestDriveWritesTheSyntheticMedia(t *testing.T) {
	s := DefaultSynthetic()
	layers := []*recorder{newRecorder(40), newRecorder(40), newRecorder(40)}
	audio := newRecorder(5)
	p := Drive(s, []RTPWriter{layers[0], layers[1], layers[2]}, audio, 3)
	defer p.Stop()
	for i, l := range layers {
		pkts := l.wait(t)
		frame := s.Bitrates[i] / 8 / s.FPS
		// The first frame is a keyframe: P bit clear in the VP8 header
		// after the 6-byte descriptor, S set, three frames' worth of bytes.
		if pkts[0].Payload[0]&0x10 == 0 || pkts[0].Payload[vp8Desc]&0x01 != 0 {
			t.Fatalf("layer %d: the first packet does not start a keyframe: % x", i, pkts[0].Payload[:8])
		}
		size, n := 0, 0
		for j, pk := range pkts {
			if j > 0 && pk.SequenceNumber != pkts[j-1].SequenceNumber+1 {
				t.Fatalf("layer %d: sequence %d after %d", i, pk.SequenceNumber, pkts[j-1].SequenceNumber)
			}
			size += len(pk.Payload) - vp8Desc
			n++
			if pk.Marker {
				break
			}
		}
		if size != 3*frame {
			t.Errorf("layer %d: keyframe of %d bytes in %d packets, want %d", i, size, n, 3*frame)
		}
		if pkts[n].Payload[vp8Desc]&0x01 != 1 {
			t.Errorf("layer %d: the second frame is a keyframe too", i)
		}
	}
	for _, pk := range audio.wait(t) {
		if len(pk.Payload) != 80 {
			t.Fatalf("audio payload of %d bytes", len(pk.Payload))
		}
		if ext := pk.GetExtension(3); len(ext) != 1 || ext[0] != 0x80|30 {
			t.Fatalf("audio level extension %x, want %x", ext, 0x80|30)
		}
	}
}

// RequestKeyframe makes the next frame of that layer a keyframe, as a PLI
// does; the other layers go on with delta frames.
func TestDriveKeyframeOnRequest(t *testing.T) {
	s := DefaultSynthetic()
	s.Audio = false
	s.GOP = time.Hour // only the first frame and requests make keyframes
	low := newRecorder(1 << 20)
	p := Drive(s, []RTPWriter{low}, nil, 0)
	keyframes := func() int {
		low.mu.Lock()
		defer low.mu.Unlock()
		n := 0
		for _, pk := range low.pkts {
			if pk.Payload[0]&0x10 != 0 && pk.Payload[vp8Desc]&0x01 == 0 {
				n++
			}
		}
		return n
	}
	frames := func() int {
		low.mu.Lock()
		defer low.mu.Unlock()
		n := 0
		for _, pk := range low.pkts {
			if pk.Marker {
				n++
			}
		}
		return n
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); !ok(); time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				p.Stop()
				t.Fatal(what)
			}
		}
	}
	waitFor("no first keyframe", func() bool { return keyframes() == 1 && frames() >= 3 })
	p.RequestKeyframe(0)
	p.RequestKeyframe(7) // no such layer: ignored
	waitFor("no keyframe after the request", func() bool { return keyframes() >= 2 })
	p.Stop()
	if got := p.PLIs.Load(); got != 1 {
		t.Errorf("PLIs = %d, want 1 (the out-of-range layer is not counted)", got)
	}
}

// Publishers add up what each sent, and Stop ends them all: nothing is
// written after it returns.
func TestPublishers(t *testing.T) {
	s := DefaultSynthetic()
	s.Video = false
	a, b := newRecorder(3), newRecorder(1000)
	ps := Publishers{Drive(s, nil, a, 0), Drive(s, nil, b, 0)}
	a.wait(t) // a's sender ended after its 3 packets
	deadline := time.Now().Add(30 * time.Second)
	for ps[1].Sent.Load() < 5 {
		if time.Now().After(deadline) {
			t.Fatal("the second publisher did not send")
		}
		time.Sleep(10 * time.Millisecond)
	}
	ps.Stop()
	b.mu.Lock()
	written := len(b.pkts)
	b.mu.Unlock()
	if got, want := ps.Sent(), uint64(3+written); got != want {
		t.Errorf("Sent %d, want %d (3 + %d)", got, want, written)
	}
	time.Sleep(100 * time.Millisecond) // five audio packets' time
	b.mu.Lock()
	after := len(b.pkts)
	b.mu.Unlock()
	if after != written {
		t.Errorf("%d packets written after Stop", after-written)
	}
}
