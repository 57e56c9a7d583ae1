package sfu_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/sfu/sfuclient"
)

// audioMeter counts the audio packets a client receives and the ones it
// missed (sequence gaps).
type audioMeter struct {
	mu      sync.Mutex
	got     int
	missed  int
	last    uint16
	started bool
}

func (a *audioMeter) read(t *webrtc.TrackRemote) {
	for {
		p, _, err := t.ReadRTP()
		if err != nil {
			return
		}
		a.mu.Lock()
		if a.started {
			if d := int16(p.SequenceNumber - a.last); d > 1 {
				a.missed += int(d - 1)
			}
		}
		if !a.started || int16(p.SequenceNumber-a.last) > 0 {
			a.last, a.started = p.SequenceNumber, true
		}
		a.got++
		a.mu.Unlock()
	}
}

// take returns the packets received and missed since the last call.
func (a *audioMeter) take() (got, missed int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	got, missed = a.got, a.missed
	a.got, a.missed = 0, 0
	return got, missed
}

// A subscriber whose downlink narrows keeps its audio whole while its video
// steps down to what the link carries; when the link widens again, the SFU
// finds the room (probing) and the video steps back up to what the tile
// asks for, with no change on the subscriber's side.
func TestCongestionStepsVideoDownBeforeAudioAndRecovers(t *testing.T) {
	e := newEnv(t)
	alice := e.join("alice", sfu.RoleDelegate, nil)
	var fc frameCounter
	var audio audioMeter
	link := sfuclient.NewLink(0, 150*time.Millisecond)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	bob, m, err := sfuclient.Dial(ctx, e.url, e.token("bob", sfu.RoleDelegate), sfuclient.Options{Downlink: link,
		OnTrack: func(tr *webrtc.TrackRemote, r *webrtc.RTPReceiver) {
			if tr.Kind() == webrtc.RTPCodecTypeAudio {
				audio.read(tr)
				return
			}
			fc.onTrack(tr, r)
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer bob.Close()
	if m.Type == sfu.TypeLobby {
		e.admit(bob, "bob")
	}
	pa, err := alice.PublishSynthetic(t.Context(), sfuclient.DefaultSynthetic())
	if err != nil {
		t.Fatal(err)
	}
	defer pa.Stop()
	video := trackOf(t, bob, alice.Welcome.Self.ID, sfu.SourceCamera)
	if err := bob.Send(sfu.ClientMessage{Type: sfu.TypeView, Track: video.ID, Width: 1280, Height: 720}); err != nil {
		t.Fatal(err)
	}
	layer := func(what string, timeout time.Duration, ok func(perFrame float64, frames int) bool) {
		t.Helper()
		deadline := time.Now().Add(timeout)
		fc.perFrame()
		for {
			time.Sleep(time.Second)
			f, n := fc.perFrame()
			if ok(f, n) {
				t.Logf("%s: %.1f packets per frame over %d frames", what, f, n)
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %.1f packets per frame over %d frames after %s", what, f, n, timeout)
			}
		}
	}
	// Wide open: the high layer (six packets a frame).
	layer("open link", 15*time.Second, func(f float64, n int) bool { return n > 10 && f > 5 })

	// 400 kbit/s carries the low layer (150 kbit/s) and the audio, not
	// more: video steps down at once (or pauses while the queue drains),
	// then settles at the layer the link carries.
	link.SetRate(400_000)
	layer("narrow link", 15*time.Second, func(f float64, n int) bool { return n == 0 || f < 1.5 })
	steady := 0
	layer("narrow link, settled at the low layer", 30*time.Second, func(f float64, n int) bool {
		if n > 20 && f < 1.5 {
			steady++
		} else {
			steady = 0
		}
		return steady == 2
	})
	// Audio is whole meanwhile. Measured over a count of packets and
	// frames rather than a span of time: a loaded machine reads late,
	// which is no loss.
	audio.take()
	fc.perFrame()
	var got, missed, frames int
	var packets float64
	for deadline := time.Now().Add(60 * time.Second); got < 150 || frames < 75; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("on the narrow link, after a minute: %d audio packets and %d video frames received", got, frames)
		}
		g, m := audio.take()
		got, missed = got+g, missed+m
		f, n := fc.perFrame()
		packets, frames = packets+f*float64(n), frames+n
	}
	t.Logf("audio on the narrow link: %d packets received, %d missed", got, missed)
	// A probe that finds no room can cost a packet or two when the
	// bottleneck's queue overflows; without the retransmission budget and
	// the allocator, a quarter of the audio was lost here.
	if missed*20 > got {
		t.Errorf("audio suffered on the narrow link: %d received, %d missed", got, missed)
	}
	if f := packets / float64(frames); f > 1.5 {
		t.Errorf("video left the low layer on the narrow link: %.1f packets per frame over %d frames", f, frames)
	}

	// Wide open again: back to the high layer.
	link.SetRate(0)
	layer("link open again", 30*time.Second, func(f float64, n int) bool { return n > 10 && f > 5 })
	fc.mu.Lock()
	t.Logf("padding packets received: %d, dropped by the link: %d", fc.padding, link.Dropped())
	fc.mu.Unlock()
}
