package measure

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/mofa-vn/chancery/internal/httpx/httpxtest"
)

func newPeer(t *testing.T) *webrtc.PeerConnection {
	t.Helper()
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		t.Fatal(err)
	}
	pc, err := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(se)).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	return pc
}

// connect negotiates offerer with answerer, ICE gathered, over loopback.
func connect(t *testing.T, offerer, answerer *webrtc.PeerConnection) {
	t.Helper()
	offer, err := offerer.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	g := webrtc.GatheringCompletePromise(offerer)
	if err := offerer.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	<-g
	if err := answerer.SetRemoteDescription(*offerer.LocalDescription()); err != nil {
		t.Fatal(err)
	}
	answer, err := answerer.CreateAnswer(nil)
	if err != nil {
		t.Fatal(err)
	}
	g = webrtc.GatheringCompletePromise(answerer)
	if err := answerer.SetLocalDescription(answer); err != nil {
		t.Fatal(err)
	}
	<-g
	if err := offerer.SetRemoteDescription(*answerer.LocalDescription()); err != nil {
		t.Fatal(err)
	}
}

// Read counts what a real pion peer sends over loopback: a VP8 and an
// Opus track whose numbers skip 3, then jump by 151 across the wrap at
// 65535; the jumps are traced, and the first video packet's arrival is
// told once.
func TestReadRealPeer(t *testing.T) {
	send, recv := newPeer(t), newPeer(t)
	vt, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "video", "s")
	if err != nil {
		t.Fatal(err)
	}
	at, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "audio", "s")
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range []webrtc.TrackLocal{vt, at} {
		if _, err := send.AddTrack(tr); err != nil {
			t.Fatal(err)
		}
	}
	var trace httpxtest.SyncBuffer
	c := Counters{Trace: &trace}
	var firsts sync.Map // kind -> number of calls
	recv.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		kind := tr.Kind()
		c.Read(tr, func(at time.Time) {
			if at.IsZero() {
				t.Error("a zero arrival time")
			}
			n, _ := firsts.LoadOrStore(kind, new(int))
			*n.(*int)++
		})
	})
	connected := make(chan struct{})
	var once sync.Once
	send.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		if s == webrtc.PeerConnectionStateConnected {
			once.Do(func() { close(connected) })
		}
	})
	connect(t, send, recv)
	select {
	case <-connected:
	case <-time.After(15 * time.Second):
		t.Fatal("not connected in 15 s")
	}

	const sent = 60 // packets per track
	seq := uint16(65480)
	for i := range sent {
		switch i {
		case 20:
			seq += 3 // skips 3
		case 40:
			seq += 150 // 65522 -> 137: a jump of 151, across the wrap
		}
		h := rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: uint32(i) * 3000}
		if err := vt.WriteRTP(&rtp.Packet{Header: h, Payload: []byte{0x10, 0x00, 0x9d, 0x01, 0x2a}}); err != nil {
			t.Fatal(err)
		}
		if err := at.WriteRTP(&rtp.Packet{Header: h, Payload: []byte{0xf8, 0xff, 0xfe}}); err != nil {
			t.Fatal(err)
		}
		seq++
		time.Sleep(5 * time.Millisecond)
	}
	deadline := time.Now().Add(15 * time.Second)
	for c.Snapshot().Packets < 2*sent {
		if time.Now().After(deadline) {
			t.Fatalf("%+v after 15 s", c.Snapshot())
		}
		time.Sleep(20 * time.Millisecond)
	}
	s := c.Snapshot()
	if s.Tracks != 2 || s.Packets != 2*sent || s.Audio != sent {
		t.Errorf("tracks %d, packets %d, audio %d; want 2, %d, %d", s.Tracks, s.Packets, s.Audio, 2*sent, sent)
	}
	if s.Gaps != 2*(3+150) || s.VideoGaps != 3+150 || s.Jumps != 2 || s.MaxJump != 151 {
		t.Errorf("gaps %d (video %d), jumps %d (largest %d); want %d (%d), 2 (151)", s.Gaps, s.VideoGaps, s.Jumps, s.MaxJump, 2*153, 153)
	}
	if want := uint64(sent*(5+12) + sent*(3+12)); s.Bytes != want {
		t.Errorf("bytes %d, want %d", s.Bytes, want)
	}
	lines := strings.Split(strings.TrimSpace(trace.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("trace:\n%s", trace.String())
	}
	for _, l := range lines {
		if !strings.Contains(l, " 65522 -> 137 (+151) ") || !(strings.HasPrefix(l, "jump video ") || strings.HasPrefix(l, "jump audio ")) {
			t.Errorf("trace line %q", l)
		}
	}
	for _, k := range []webrtc.RTPCodecType{webrtc.RTPCodecTypeVideo, webrtc.RTPCodecTypeAudio} {
		if n, ok := firsts.Load(k); !ok || *n.(*int) != 1 {
			t.Errorf("first packet of %s told %v times", k, n)
		}
	}
}
