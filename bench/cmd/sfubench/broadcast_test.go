package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/mofa-vn/chancery/internal/sfu/sfuclient/measure"
)

// whepServer answers POST /whep/{room} the way a WHEP server does, with a
// pion peer that sends VP8 and Opus packets, so that the bench's WHEP
// player is tested against a real peer over loopback.
func whepServer(t *testing.T, room string) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /whep/{room}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("room") != room {
			http.Error(w, "no such room", http.StatusNotFound)
			return
		}
		if r.Header.Get("Content-Type") != "application/sdp" {
			http.Error(w, "want application/sdp", http.StatusUnsupportedMediaType)
			return
		}
		offer, _ := io.ReadAll(r.Body)
		se := webrtc.SettingEngine{}
		se.SetIncludeLoopbackCandidate(true)
		se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
		m := &webrtc.MediaEngine{}
		if err := m.RegisterDefaultCodecs(); err != nil {
			t.Error(err)
			return
		}
		pc, err := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(se)).NewPeerConnection(webrtc.Configuration{})
		if err != nil {
			t.Error(err)
			return
		}
		t.Cleanup(func() { _ = pc.Close() })
		vt, _ := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "video", "s")
		at, _ := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "audio", "s")
		for _, tr := range []webrtc.TrackLocal{vt, at} {
			if _, err := pc.AddTrack(tr); err != nil {
				t.Error(err)
				return
			}
		}
		if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: string(offer)}); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		answer, err := pc.CreateAnswer(nil)
		if err != nil {
			t.Error(err)
			return
		}
		gathered := webrtc.GatheringCompletePromise(pc)
		if err := pc.SetLocalDescription(answer); err != nil {
			t.Error(err)
			return
		}
		<-gathered
		done := make(chan struct{})
		t.Cleanup(func() { close(done) })
		go func() {
			tick := time.NewTicker(10 * time.Millisecond)
			defer tick.Stop()
			for seq := uint16(1); ; seq++ {
				select {
				case <-done:
					return
				case <-tick.C:
				}
				h := rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: uint32(seq) * 900}
				if seq == 50 {
					seq += 3 // a gap of three packets on both tracks
				}
				_ = vt.WriteRTP(&rtp.Packet{Header: h, Payload: []byte{0x10, 0x00, 0x9d, 0x01, 0x2a}})
				_ = at.WriteRTP(&rtp.Packet{Header: h, Payload: []byte{0xf8, 0xff, 0xfe}})
			}
		}()
		w.Header().Set("Content-Type", "application/sdp")
		w.Header().Set("Location", "/whep/"+room+"/resource/1")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, pc.LocalDescription().SDP)
	})
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return ts
}

// The bench's WHEP player posts its offer, plays both tracks, records its
// time to first frame, and counts packets and the gaps; a refused POST is
// an error that names the status.
func TestChanceryWHEPViewer(t *testing.T) {
	ts := whepServer(t, "live-room")
	c := &chancery{o: &options{server: ts.URL, room: "live-room"}}
	defer c.close()
	var rx measure.Counters
	v := &viewer{start: time.Now()}
	if err := c.view(t.Context(), "v1", v, &rx); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for s := rx.Snapshot(); s.Tracks < 2 || s.Packets < 200; s = rx.Snapshot() {
		if time.Now().After(deadline) {
			t.Fatalf("%d tracks, %d packets after 15 s", s.Tracks, s.Packets)
		}
		time.Sleep(50 * time.Millisecond)
	}
	s := rx.Snapshot()
	if d, ok := v.ttff(); !ok || d <= 0 || d > 15*time.Second {
		t.Errorf("time to first frame %v, %v", d, ok)
	}
	if g := s.Gaps; g != 6 {
		t.Errorf("gaps %d, want 3 on each track", g)
	}
	if s.Audio == 0 || s.Audio == s.Packets {
		t.Errorf("audio %d of %d packets", s.Audio, s.Packets)
	}

	bad := &chancery{o: &options{server: ts.URL, room: "closed-room"}}
	defer bad.close()
	if err := bad.view(t.Context(), "v2", &viewer{start: time.Now()}, &measure.Counters{}); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("a refused POST: %v", err)
	}
}
