package main

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/mofa-vn/chancery/internal/config"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// With -demo, the demo conference's public session is live with the
// in-process test signal: its live page says live, and a newcomer's WHEP
// player (pion) gets 201 and receives video and audio.
func TestDemoPublicSessionIsLive(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ts := newTestServer(t, db, clock, func(c *config.Config) { c.Demo = true })
		room, err := demoLiveRoom(t.Context(), db)
		if err != nil {
			t.Fatal(err)
		}
		waitUntil(t, "the demo session to go live", func() bool { return ts.app.sfu.Live(room) })
		page := ts.get(ts.client(), "/en/events/"+demoEventSlug+"/live", nil)
		wantStatus(t, page, http.StatusOK)
		if !strings.Contains(page.Body, `data-state="live"`) || !strings.Contains(page.Body, "/whep/"+room) {
			t.Fatalf("the demo's live page is not live for %s:\n%s", room, page.Body)
		}

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
		var video, audio atomic.Int64
		pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
			n := &audio
			if tr.Kind() == webrtc.RTPCodecTypeVideo {
				n = &video
			}
			for {
				if _, _, err := tr.ReadRTP(); err != nil {
					return
				}
				n.Add(1)
			}
		})
		for _, k := range []webrtc.RTPCodecType{webrtc.RTPCodecTypeVideo, webrtc.RTPCodecTypeAudio} {
			if _, err := pc.AddTransceiverFromKind(k, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
				t.Fatal(err)
			}
		}
		offer, err := pc.CreateOffer(nil)
		if err != nil {
			t.Fatal(err)
		}
		gathered := webrtc.GatheringCompletePromise(pc)
		if err := pc.SetLocalDescription(offer); err != nil {
			t.Fatal(err)
		}
		<-gathered
		res := ts.send(ts.client(), http.MethodPost, "/whep/"+room+"?lang=en", "application/sdp", pc.LocalDescription().SDP, nil)
		wantStatus(t, res, http.StatusCreated)
		if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: res.Body}); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, "the test signal at the viewer", func() bool { return video.Load() > 15 && audio.Load() > 25 })
	})
}

// waitUntil polls cond until it holds, for up to 20 seconds.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
