package broadcast_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// An encoder may publish H.264: a viewer that negotiates H.264 receives
// its video, one that offers VP8 only receives the sound and no video it
// could not decode.
func TestH264FeedIsNegotiatedPerViewer(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.user("admin", account.RoleAdmin)
		room := f.room.Slug
		tok := f.issue("admin", room, false)
		pub, res, body := f.publish(room, tok.Token, webrtc.MimeTypeH264)
		if pub == nil {
			t.Fatalf("WHIP H.264: %d %s", res.StatusCode, body)
		}
		if !strings.Contains(body, "H264/90000") {
			t.Fatalf("the answer did not take H.264: %s", body)
		}
		waitFor(t, 10*time.Second, "the room to go live", func() bool { return f.srv.Live(room) })
		h264, res, body := f.view("/whep/"+room, webrtc.MimeTypeVP8, webrtc.MimeTypeH264)
		if h264 == nil {
			t.Fatalf("WHEP: %d %s", res.StatusCode, body)
		}
		vp8, res, body := f.view("/whep/"+room, webrtc.MimeTypeVP8)
		if vp8 == nil {
			t.Fatalf("WHEP VP8 only: %d %s", res.StatusCode, body)
		}
		waitFor(t, 15*time.Second, "H.264 video at the H.264 viewer", func() bool { return h264.video.Load() > 30 })
		h264.mu.Lock()
		codec := h264.videoCodec
		h264.mu.Unlock()
		if !strings.EqualFold(codec, webrtc.MimeTypeH264) {
			t.Fatalf("the H.264 viewer received %q", codec)
		}
		waitFor(t, 15*time.Second, "sound at the VP8-only viewer", func() bool { return vp8.audio.Load() > 50 })
		if n := vp8.video.Load(); n != 0 {
			t.Fatalf("the VP8-only viewer received %d video packets it cannot decode", n)
		}
	})
}

// A programme feed takes the picture and the sound from the cameras: a
// viewer watching a delegate's camera switches to the studio's programme
// when it starts, on the same tracks, with no jump in sequence numbers
// its player would take for loss.
func TestProgrammeFeedTakesOver(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.user("admin", account.RoleAdmin)
		room := f.room.Slug
		cam := f.issue("admin", room, false)
		if p, res, body := f.publishTagged(room, cam.Token, 0xc1); p == nil {
			t.Fatalf("camera: %d %s", res.StatusCode, body)
		}
		waitFor(t, 10*time.Second, "the room to go live", func() bool { return f.srv.Live(room) })
		v, res, body := f.viewTagged("/whep/" + room)
		if v == nil {
			t.Fatalf("WHEP: %d %s", res.StatusCode, body)
		}
		waitFor(t, 10*time.Second, "the camera at the viewer", func() bool { return v.lastTag() == 0xc1 })
		prog := f.issue("admin", room, true)
		if p, res, body := f.publishTagged(room, prog.Token, 0xd2); p == nil {
			t.Fatalf("programme: %d %s", res.StatusCode, body)
		}
		waitFor(t, 10*time.Second, "the programme at the viewer", func() bool { return v.lastTag() == 0xd2 })
		n := v.video.Load()
		waitFor(t, 10*time.Second, "more programme frames", func() bool { return v.video.Load() > n+10 })
		if gap := v.maxGap(); gap > 5 {
			t.Fatalf("the viewer saw a sequence jump of %d across the switch", gap)
		}
		if res, _ := f.do("GET", "/api/v1/rooms/"+room+"/whip-tokens", "", "", "X-Test-User", "admin"); res.StatusCode != http.StatusOK {
			t.Fatalf("list: %d", res.StatusCode)
		}
	})
}
