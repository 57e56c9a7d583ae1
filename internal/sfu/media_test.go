package sfu_test

import (
	"bytes"
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/sfu/sfuclient"
)

// frameCounter measures packets per video frame on one received track:
// the synthetic low layer sends one packet per delta frame, the high layer
// six, so the ratio tells which layer the SFU forwards.
type frameCounter struct {
	mu      sync.Mutex
	packets int
	frames  int
	lastTS  uint32
	ssrc    webrtc.SSRC
	seqGaps int
	lastSeq uint16
	started bool
	// VP8 pictures: how many frames started with a picture ID or
	// TL0PICIDX that does not follow the previous frame's.
	pictures, picGaps int
	lastPic           uint16
	lastTL0           byte
	padding           int
}

// vp8Picture reads the 15-bit picture ID and TL0PICIDX of the descriptor
// browsers (and the synthetic publisher) send; ok is false for packets
// that do not start a frame or lack them.
func vp8Picture(p []byte) (pic uint16, tl0 byte, ok bool) {
	if len(p) < 5 || p[0]&0x90 != 0x90 || p[0]&0x07 != 0 || p[1]&0xc0 != 0xc0 || p[2]&0x80 == 0 {
		return 0, 0, false
	}
	return uint16(p[2]&0x7f)<<8 | uint16(p[3]), p[4], true
}

func (f *frameCounter) onTrack(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
	if t.Kind() != webrtc.RTPCodecTypeVideo {
		for {
			if _, _, err := t.ReadRTP(); err != nil {
				return
			}
		}
	}
	f.mu.Lock()
	f.ssrc = t.SSRC()
	f.mu.Unlock()
	for {
		p, _, err := t.ReadRTP()
		if err != nil {
			return
		}
		f.mu.Lock()
		if f.started && p.SequenceNumber != f.lastSeq+1 {
			f.seqGaps++
		}
		f.started = true
		f.lastSeq = p.SequenceNumber
		if len(p.Payload) == 0 {
			// Padding the SFU sends to probe the path: it takes a
			// sequence number but carries no video.
			f.padding++
			f.mu.Unlock()
			continue
		}
		if pic, tl0, ok := vp8Picture(p.Payload); ok {
			if f.pictures > 0 && (pic != (f.lastPic+1)&0x7fff || tl0 != f.lastTL0+1) {
				f.picGaps++
			}
			f.pictures++
			f.lastPic, f.lastTL0 = pic, tl0
		}
		f.packets++
		if p.Timestamp != f.lastTS {
			f.frames++
			f.lastTS = p.Timestamp
		}
		f.mu.Unlock()
	}
}

// perFrame returns packets per frame since the last call.
func (f *frameCounter) perFrame() (float64, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, n := f.packets, f.frames
	f.packets, f.frames = 0, 0
	if n == 0 {
		return 0, 0
	}
	return float64(p) / float64(n), n
}

func TestSimulcastLayerFollowsViewSize(t *testing.T) {
	e := newEnv(t)
	alice := e.join("alice", sfu.RoleDelegate, nil)
	var fc frameCounter
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	bob, m, err := sfuclient.Dial(ctx, e.url, e.token("bob", sfu.RoleDelegate), sfuclient.Options{OnTrack: fc.onTrack})
	if err != nil {
		t.Fatal(err)
	}
	defer bob.Close()
	if m.Type == sfu.TypeLobby {
		e.admit(bob, "bob")
	}
	s := sfuclient.DefaultSynthetic()
	s.Audio = false
	s.GOP = time.Hour // keyframes only when the SFU asks for them
	pa, err := alice.PublishSynthetic(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	defer pa.Stop()
	video := trackOf(t, bob, alice.Welcome.Self.ID, sfu.SourceCamera)

	layerIs := func(what string, ok func(float64) bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			time.Sleep(700 * time.Millisecond)
			f, n := fc.perFrame()
			if n > 5 && ok(f) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %.1f packets per frame over %d frames", what, f, n)
			}
		}
	}
	// Shown small: the low layer, one packet per frame.
	if err := bob.Send(sfu.ClientMessage{Type: sfu.TypeView, Track: video.ID, Width: 320, Height: 180}); err != nil {
		t.Fatal(err)
	}
	layerIs("small tile", func(f float64) bool { return f < 1.5 })
	fc.mu.Lock()
	ssrc, gaps := fc.ssrc, fc.seqGaps
	fc.mu.Unlock()

	// Shown large: the high layer, six packets per frame, after a keyframe
	// the SFU requested.
	plis := pa.PLIs.Load()
	if err := bob.Send(sfu.ClientMessage{Type: sfu.TypeView, Track: video.ID, Width: 1280, Height: 720}); err != nil {
		t.Fatal(err)
	}
	layerIs("large tile", func(f float64) bool { return f > 5 })
	if pa.PLIs.Load() == plis {
		t.Error("switching up did not request a keyframe")
	}
	fc.mu.Lock()
	if fc.ssrc != ssrc || fc.seqGaps != gaps {
		t.Errorf("switch broke the stream: ssrc %d→%d, sequence gaps %d→%d", ssrc, fc.ssrc, gaps, fc.seqGaps)
	}
	// The layers number their pictures apart (thousands apart here); the
	// subscriber still sees one continuous picture ID and TL0PICIDX
	// sequence across both switches (high to low at start, low to high).
	if fc.pictures < 10 || fc.picGaps != 0 {
		t.Errorf("VP8 pictures not continuous: %d jumps over %d frames", fc.picGaps, fc.pictures)
	}
	fc.mu.Unlock()

	// Hidden: video pauses.
	if err := bob.Send(sfu.ClientMessage{Type: sfu.TypeView, Track: video.ID, Width: 0, Height: 0}); err != nil {
		t.Fatal(err)
	}
	// The view message and the packets in flight take a moment, longer
	// on a loaded machine: the video must stop, then stay stopped for a
	// whole window.
	fc.perFrame()
	deadline := time.Now().Add(10 * time.Second)
	for {
		time.Sleep(700 * time.Millisecond)
		_, n := fc.perFrame()
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("hidden video still forwarded: %d frames in the last window", n)
		}
	}
	time.Sleep(700 * time.Millisecond)
	if _, n := fc.perFrame(); n != 0 {
		t.Errorf("hidden video forwarded again: %d frames", n)
	}
}

// nackCounter records which sequence numbers arrive more than once, and
// whether a packet that arrives again is the same packet.
type nackCounter struct {
	mu      sync.Mutex
	seen    map[uint16]int
	packets map[uint16]rtp.Packet
	changed []uint16 // arrived again with another header or payload
	rtx     int      // packets that came on the RTX stream
	ssrc    webrtc.SSRC
	first   uint16
	got     bool
}

func (n *nackCounter) onTrack(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
	n.mu.Lock()
	n.ssrc = t.SSRC()
	n.mu.Unlock()
	for {
		p, a, err := t.ReadRTP()
		if err != nil {
			return
		}
		n.mu.Lock()
		if a != nil && a.Get(webrtc.AttributeRtxSsrc) != nil {
			n.rtx++
		}
		n.seen[p.SequenceNumber]++
		if q, ok := n.packets[p.SequenceNumber]; ok {
			if q.Timestamp != p.Timestamp || q.Marker != p.Marker || !bytes.Equal(q.Payload, p.Payload) {
				n.changed = append(n.changed, p.SequenceNumber)
			}
		} else {
			n.packets[p.SequenceNumber] = rtp.Packet{Header: rtp.Header{Timestamp: p.Timestamp, Marker: p.Marker}, Payload: bytes.Clone(p.Payload)}
		}
		if !n.got {
			n.first, n.got = p.SequenceNumber, true
		}
		n.mu.Unlock()
	}
}

func TestNACKRetransmission(t *testing.T) {
	e := newEnv(t)
	alice := e.join("alice", sfu.RoleDelegate, nil)
	nc := &nackCounter{seen: map[uint16]int{}, packets: map[uint16]rtp.Packet{}}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	// Bob's client has no NACK generator of its own: the test sends the NACK.
	bob, m, err := sfuclient.Dial(ctx, e.url, e.token("bob", sfu.RoleDelegate), sfuclient.Options{OnTrack: nc.onTrack, NoNACK: true})
	if err != nil {
		t.Fatal(err)
	}
	defer bob.Close()
	if m.Type == sfu.TypeLobby {
		e.admit(bob, "bob")
	}
	s := sfuclient.Synthetic{Video: true, Bitrates: [3]int{0, 0, 300_000}, FPS: 30, GOP: time.Second}
	pa, err := alice.PublishSynthetic(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	defer pa.Stop()
	waitFor(t, 10*time.Second, "video at bob", func() bool {
		nc.mu.Lock()
		defer nc.mu.Unlock()
		return len(nc.seen) > 30
	})
	nc.mu.Lock()
	ssrc, lost := nc.ssrc, nc.first+5
	nc.mu.Unlock()
	if err := bob.Sub.WriteRTCP([]rtcp.Packet{&rtcp.TransportLayerNack{MediaSSRC: uint32(ssrc), Nacks: rtcp.NackPairsFromSequenceNumbers([]uint16{lost})}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the retransmission", func() bool {
		nc.mu.Lock()
		defer nc.mu.Unlock()
		return nc.seen[lost] >= 2
	})
	// The retransmission is the packet as sent: same timestamp, marker and
	// payload (picture ID rewritten the same way), rebuilt from the
	// layer's one cache; it came on the RTX stream and pion restored it.
	nc.mu.Lock()
	defer nc.mu.Unlock()
	if len(nc.changed) > 0 {
		t.Errorf("retransmitted packets differ from the originals: %v", nc.changed)
	}
	if len(nc.packets[lost].Payload) == 0 {
		t.Error("the lost packet's payload was empty")
	}
	if nc.rtx == 0 {
		t.Error("no packet came on the RTX stream")
	}
}

func TestPermissionsEnforced(t *testing.T) {
	e := newEnv(t)
	rb := newReceiver()
	bob := e.join("bob", sfu.RoleDelegate, rb)
	// An observer may not publish: the offer is refused and nothing is
	// forwarded.
	obs := e.join("observer", sfu.RoleObserver, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
	defer cancel()
	if _, err := obs.PublishSynthetic(ctx, sfuclient.Synthetic{Audio: true}); err == nil {
		t.Fatal("observer published")
	}
	if m := nextEvent(t, obs, sfu.TypeError, nil); m.Code != sfu.CodeForbidden {
		t.Fatalf("observer publish: %+v", m)
	}
	// An interpreter may publish a microphone but not a camera.
	interp := e.join("interp", sfu.RoleInterpreter, nil)
	if _, err := interp.PublishSynthetic(ctx, sfuclient.Synthetic{Video: true, Bitrates: [3]int{0, 0, 100_000}}); err == nil {
		t.Fatal("interpreter published a camera")
	}

	// The server revokes a delegate's microphone (floor control): the
	// track stops being forwarded at once.
	aliceToken := e.token("alice", sfu.RoleDelegate)
	alice := e.joinToken("alice", aliceToken, nil)
	pa, err := alice.PublishSynthetic(t.Context(), sfuclient.Synthetic{Audio: true})
	if err != nil {
		t.Fatal(err)
	}
	defer pa.Stop()
	mic := trackOf(t, bob, alice.Welcome.Self.ID, sfu.SourceMicrophone)
	waitFor(t, 10*time.Second, "bob hears alice", func() bool { return rb.count(mic.ID) > 20 })
	perms := sfu.DefaultPermissions(sfu.RoleDelegate)
	perms.PublishMicrophone = false
	if err := e.srv.SetPermissions(t.Context(), "plenary", "alice", perms, "floor"); err != nil {
		t.Fatal(err)
	}
	nextEvent(t, alice, sfu.TypeParticipant, func(m sfu.ServerMessage) bool {
		return m.Participant.Identity == "alice" && !m.Participant.Permissions.PublishMicrophone
	})
	time.Sleep(200 * time.Millisecond)
	before := rb.count(mic.ID)
	time.Sleep(500 * time.Millisecond)
	if rb.count(mic.ID) != before {
		t.Error("revoked microphone still forwarded")
	}
	// She cannot unmute herself without the permission.
	_ = alice.Send(sfu.ClientMessage{Type: sfu.TypeMuteSelf, Source: sfu.SourceMicrophone, Muted: false})
	time.Sleep(500 * time.Millisecond)
	if rb.count(mic.ID) != before {
		t.Error("self-unmute bypassed the revoked permission")
	}
	// Reconnecting with the original token does not restore it.
	again, m, err := dial(t, e, aliceToken)
	if err != nil || m.Type != sfu.TypeWelcome || again.Welcome.Self.Permissions.PublishMicrophone {
		t.Fatalf("rejoin = %+v, %v", m.Self, err)
	}
}

func TestActiveSpeaker(t *testing.T) {
	e := newEnv(t)
	alice := e.join("alice", sfu.RoleDelegate, nil)
	bob := e.join("bob", sfu.RoleDelegate, nil)
	pa, err := alice.PublishSynthetic(t.Context(), sfuclient.Synthetic{Audio: true, AudioLevel: 127})
	if err != nil {
		t.Fatal(err)
	}
	defer pa.Stop()
	pb, err := bob.PublishSynthetic(t.Context(), sfuclient.Synthetic{Audio: true, AudioLevel: 20})
	if err != nil {
		t.Fatal(err)
	}
	defer pb.Stop()
	bobID, aliceID := bob.Welcome.Self.ID, alice.Welcome.Self.ID
	nextEvent(t, alice, sfu.TypeSpeakers, func(m sfu.ServerMessage) bool { return len(m.Speakers) == 1 && m.Speakers[0] == bobID })
	// Bob falls silent, alice speaks.
	pb.SetAudioLevel(127)
	pa.SetAudioLevel(15)
	nextEvent(t, bob, sfu.TypeSpeakers, func(m sfu.ServerMessage) bool { return len(m.Speakers) == 1 && m.Speakers[0] == aliceID })
}

func TestICERestartAndRenegotiation(t *testing.T) {
	e := newEnv(t)
	rb := newReceiver()
	alice := e.join("alice", sfu.RoleDelegate, nil)
	bob := e.join("bob", sfu.RoleDelegate, rb)
	pa, err := alice.PublishSynthetic(t.Context(), sfuclient.Synthetic{Audio: true})
	if err != nil {
		t.Fatal(err)
	}
	defer pa.Stop()
	mic := trackOf(t, bob, alice.Welcome.Self.ID, sfu.SourceMicrophone)
	waitFor(t, 10*time.Second, "bob hears alice", func() bool { return rb.count(mic.ID) > 10 })
	remoteUfrag := bob.Sub.RemoteDescription().SDP
	if err := bob.Send(sfu.ClientMessage{Type: sfu.TypeRestart}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "a restarted offer", func() bool { return bob.Sub.RemoteDescription().SDP != remoteUfrag })
	// Publisher side: an ICE-restart offer from the client.
	if err := alice.Negotiate(t.Context(), nil, true); err != nil {
		t.Fatal(err)
	}
	n := rb.count(mic.ID)
	waitFor(t, 10*time.Second, "media after both restarts", func() bool { return rb.count(mic.ID) > n+25 })
	// Renegotiation: alice adds a screen share; bob receives it as a
	// separate track.
	ps, err := alice.PublishSynthetic(t.Context(), sfuclient.Synthetic{Video: true, Bitrates: [3]int{0, 0, 300_000}, FPS: 10, GOP: time.Second, Source: sfu.SourceScreen})
	if err != nil {
		t.Fatal(err)
	}
	defer ps.Stop()
	screen := trackOf(t, bob, alice.Welcome.Self.ID, sfu.SourceScreen)
	waitFor(t, 10*time.Second, "bob sees the screen", func() bool { return rb.count(screen.ID) > 10 })
}

// TestJoinLeaveLeak joins and leaves 200 times and checks that goroutines
// and heap return to their baseline.
func TestJoinLeaveLeak(t *testing.T) {
	e := newEnv(t)
	host := e.join("host", sfu.RoleChair, nil)
	ph, err := host.PublishSynthetic(t.Context(), sfuclient.Synthetic{Audio: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ph.Stop()
	settle := func() (int, uint64) {
		var ms runtime.MemStats
		for range 3 {
			runtime.GC()
			time.Sleep(100 * time.Millisecond)
		}
		runtime.ReadMemStats(&ms)
		return runtime.NumGoroutine(), ms.HeapAlloc
	}
	// One token, as a reloading page: a new session may come before the
	// server has seen the last one go, and replaces it.
	guest := e.token("guest", sfu.RoleProtocol)
	cycle := func(i int) {
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		c, _, err := sfuclient.Dial(ctx, e.url, guest, sfuclient.Options{})
		if err != nil {
			t.Fatalf("join %d: %v", i, err)
		}
		c.Close()
	}
	for i := range 20 { // warm up pools and caches
		cycle(i)
	}
	waitFor(t, 10*time.Second, "warm-up guests gone", func() bool { return e.srv.Stats().Participants == 1 })
	g0, h0 := settle()
	for i := range 200 {
		cycle(i)
	}
	waitFor(t, 20*time.Second, "guests gone", func() bool { return e.srv.Stats().Participants == 1 })
	deadline := time.Now().Add(20 * time.Second)
	for {
		g1, h1 := settle()
		if g1 <= g0+5 && h1 <= h0+4<<20 {
			t.Logf("goroutines %d → %d, heap %d → %d KiB", g0, g1, h0>>10, h1>>10)
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("leak: goroutines %d → %d, heap %d → %d KiB\n%s", g0, g1, h0>>10, h1>>10, buf[:runtime.Stack(buf, true)])
		}
	}
}

// seqWatch records, per received track, the packets and the largest
// forward jump of its sequence numbers.
type seqWatch struct {
	mu      sync.Mutex
	packets map[string]int
	maxJump map[string]int
}

func (w *seqWatch) onTrack(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
	started, last := false, uint16(0)
	for {
		p, _, err := t.ReadRTP()
		if err != nil {
			return
		}
		w.mu.Lock()
		if d := int(int16(p.SequenceNumber - last)); started && d > w.maxJump[t.ID()] {
			w.maxJump[t.ID()] = d
		}
		if !started || int16(p.SequenceNumber-last) > 0 {
			started, last = true, p.SequenceNumber
		}
		w.packets[t.ID()]++
		w.mu.Unlock()
	}
}

func (w *seqWatch) get(id string) (packets, maxJump int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.packets[id], w.maxJump[id]
}

// A starved server loses publishers' packets in full buffers and asks for
// them again (NACK); the publishers answer on their repair streams (RTX).
// pion's own NACK responder names the repaired layer with the rid, and
// pion then takes the repair stream for the layer: in loaded load runs,
// subscribers saw their sequence numbers jump by thousands (80 % "lost"
// while everything forwarded arrived) and one publisher's video reached no
// one. Here the server loses one in twelve of the publisher's video
// packets: with the repaired rid (as browsers and sfuclient send it) the
// retransmissions repair the layer; with the rid, the hijacked layer falls
// silent, its subscribers move to another, and no number jumps.
func TestPublisherRetransmissionsUnderLoss(t *testing.T) {
	for _, tc := range []struct {
		name string
		rid  bool
	}{{"repaired rid", false}, {"rid as pion sends it", true}} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			w := &seqWatch{packets: map[string]int{}, maxJump: map[string]int{}}
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			carol, m, err := sfuclient.Dial(ctx, e.url, e.token("carol", sfu.RoleDelegate), sfuclient.Options{OnTrack: w.onTrack})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(carol.Close)
			if m.Type == sfu.TypeLobby {
				e.admit(carol, "carol")
			}
			alice, m, err := sfuclient.Dial(ctx, e.url, e.token("alice", sfu.RoleDelegate), sfuclient.Options{RTXWithRID: tc.rid})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(alice.Close)
			if m.Type == sfu.TypeLobby {
				e.admit(alice, "alice")
			}
			s := sfuclient.DefaultSynthetic()
			s.Audio = false
			s.GOP = time.Second
			pa, err := alice.PublishSynthetic(t.Context(), s)
			if err != nil {
				t.Fatal(err)
			}
			defer pa.Stop()
			video := trackOf(t, carol, alice.Welcome.Self.ID, sfu.SourceCamera)
			waitFor(t, 10*time.Second, "video before the loss", func() bool { n, _ := w.get(video.ID); return n > 50 })

			var seen atomic.Uint64
			sfu.SetInboundLoss(e.srv, func(n int) bool {
				// Only media (STUN, DTLS and RTCP are smaller): one in twelve.
				return n > 500 && seen.Add(1)%12 == 0
			})
			n0, _ := w.get(video.ID)
			// Many NACKs and retransmissions later, video still arrives.
			waitFor(t, 15*time.Second, "video under loss", func() bool { n, _ := w.get(video.ID); return n > n0+600 })
			n1, _ := w.get(video.ID)
			waitFor(t, 10*time.Second, "video still", func() bool { n, _ := w.get(video.ID); return n > n1+200 })
			if _, jump := w.get(video.ID); jump > 30 {
				t.Errorf("the subscriber's sequence numbers jumped by %d", jump)
			}
		})
	}
}
