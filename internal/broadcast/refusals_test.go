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

const minimalOffer = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=recvonly\r\na=rtpmap:96 VP8/90000\r\n"

// Every refusal of WHEP and WHIP has the status RFC 9725 (and HTTP) names
// and a clear plain-text body, while a viewer already watching keeps
// receiving media.
func TestRefusals(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.user("admin", account.RoleAdmin)
		room := f.room.Slug
		tok := f.issue("admin", room, false)
		pub, res, body := f.publish(room, tok.Token, webrtc.MimeTypeVP8)
		if pub == nil {
			t.Fatalf("WHIP: %d %s", res.StatusCode, body)
		}
		waitFor(t, 10*time.Second, "the room to go live", func() bool { return f.srv.Live(room) })
		watcher, res, body := f.view("/whep/" + room)
		if watcher == nil {
			t.Fatalf("WHEP: %d %s", res.StatusCode, body)
		}
		waitFor(t, 10*time.Second, "media at the watcher", func() bool { return watcher.video.Load() > 5 })

		_, closedRoom := f.publicSession("closed-talks", false, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
		_, endedRoom := f.publicSession("past-talks", true, time.Now().Add(-48*time.Hour), time.Now().Add(-47*time.Hour))
		_, otherRoom := f.publicSession("other-talks", true, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
		other := f.issue("admin", otherRoom.Slug, false)
		if err := db.SetRoomArchived(t.Context(), otherRoom.ID, true); err != nil {
			t.Fatal(err)
		}
		huge := minimalOffer + "a=x:" + strings.Repeat("y", 70<<10) + "\r\n"
		bearer := "Bearer " + tok.Token
		for _, tc := range []struct {
			name, method, path, ctype, body string
			hdr                             []string
			status                          int
			text                            string
		}{
			{"WHEP as text/plain", "POST", "/whep/" + room, "text/plain", minimalOffer, nil, 415, "application/sdp"},
			{"WHEP without a type", "POST", "/whep/" + room, "", minimalOffer, nil, 415, "application/sdp"},
			{"WHEP oversize offer", "POST", "/whep/" + room, "application/sdp", huge, nil, 413, "too large"},
			{"WHEP empty offer", "POST", "/whep/" + room, "application/sdp", "", nil, 400, "malformed"},
			{"WHEP garbage offer", "POST", "/whep/" + room, "application/sdp", "hello\r\n", nil, 400, "malformed"},
			{"WHEP offer without media", "POST", "/whep/" + room, "application/sdp", "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n", nil, 400, "malformed"},
			{"WHEP offer pion refuses", "POST", "/whep/" + room, "application/sdp", minimalOffer, nil, 400, "malformed"},
			{"WHEP bad language", "POST", "/whep/" + room + "?lang=%3Cscript%3E", "application/sdp", minimalOffer, nil, 400, "lang"},
			{"WHEP unknown room", "POST", "/whep/no-such-room", "application/sdp", minimalOffer, nil, 404, "no such room"},
			{"WHEP closed session", "POST", "/whep/" + closedRoom.Slug, "application/sdp", minimalOffer, nil, 403, "closed"},
			{"WHEP ended session", "POST", "/whep/" + endedRoom.Slug, "application/sdp", minimalOffer, nil, 410, "ended"},
			{"WHEP archived room", "POST", "/whep/" + otherRoom.Slug, "application/sdp", minimalOffer, nil, 410, "ended"},
			{"PATCH unknown resource", "PATCH", "/whep/" + room + "/0123456789abcdef0123456789abcdef", "application/trickle-ice-sdpfrag", "a=end-of-candidates\r\n", nil, 404, "No such broadcast session"},
			{"PATCH resource of another room", "PATCH", strings.Replace(watcher.location, room, endedRoom.Slug, 1), "application/trickle-ice-sdpfrag", "a=end-of-candidates\r\n", nil, 404, "No such"},
			{"DELETE unknown resource", "DELETE", "/whep/" + room + "/nope", "", "", nil, 404, "No such"},
			{"WHIP without a token", "POST", "/whip/" + room, "application/sdp", minimalOffer, nil, 401, "bearer token"},
			{"WHIP with a wrong scheme", "POST", "/whip/" + room, "application/sdp", minimalOffer, []string{"Authorization", "Basic " + tok.Token}, 401, "bearer token"},
			{"WHIP with an unknown token", "POST", "/whip/" + room, "application/sdp", minimalOffer, []string{"Authorization", "Bearer chwhip_forged"}, 401, "bearer token"},
			{"WHIP with another room's token", "POST", "/whip/" + room, "application/sdp", minimalOffer, []string{"Authorization", "Bearer " + other.Token}, 403, "another room"},
			{"WHIP as text/plain", "POST", "/whip/" + room, "text/plain", minimalOffer, []string{"Authorization", bearer}, 415, "application/sdp"},
			{"WHIP oversize offer", "POST", "/whip/" + room, "application/sdp", huge, []string{"Authorization", bearer}, 413, "too large"},
			{"WHIP garbage offer", "POST", "/whip/" + room, "application/sdp", "v=0\r\nbogus", []string{"Authorization", bearer}, 400, "malformed"},
			{"WHIP to an archived room", "POST", "/whip/" + otherRoom.Slug, "application/sdp", minimalOffer, []string{"Authorization", "Bearer " + other.Token}, 410, "archived"},
			{"WHIP DELETE without the token", "DELETE", pub.location, "", "", nil, 401, "bearer token"},
			{"WHIP DELETE with another token", "DELETE", pub.location, "", "", []string{"Authorization", "Bearer " + other.Token}, 403, "another room"},
			{"WHIP PATCH without the token", "PATCH", pub.location, "application/trickle-ice-sdpfrag", "a=end-of-candidates\r\n", nil, 401, "bearer token"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res, body := f.do(tc.method, tc.path, tc.ctype, tc.body, tc.hdr...)
				if res.StatusCode != tc.status || !strings.Contains(body, tc.text) || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") {
					t.Fatalf("%d %q (%s), want %d with %q", res.StatusCode, body, res.Header.Get("Content-Type"), tc.status, tc.text)
				}
				if tc.status == 401 && res.Header.Get("WWW-Authenticate") == "" {
					t.Fatal("401 without WWW-Authenticate")
				}
			})
		}
		// The encoder and the watcher were not affected.
		n := watcher.video.Load()
		waitFor(t, 10*time.Second, "media at the watcher after the refusals", func() bool { return watcher.video.Load() > n+10 })
		if whep, whip := f.h.Counts(); whep != 1 || whip != 1 {
			t.Fatalf("sessions after the refusals: %d WHEP, %d WHIP", whep, whip)
		}
	})
}

// OPTIONS says what POST and PATCH take, with CORS for players on other
// origins, and opens nothing.
func TestOptions(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		for _, tc := range []struct{ path, header, want string }{
			{"/whep/" + f.room.Slug, "Accept-Post", "application/sdp"},
			{"/whip/" + f.room.Slug, "Accept-Post", "application/sdp"},
			{"/whep/" + f.room.Slug + "/abc", "Accept-Patch", "application/trickle-ice-sdpfrag"},
		} {
			res, _ := f.do("OPTIONS", tc.path, "", "", "Origin", "https://player.example", "Access-Control-Request-Method", "POST")
			if res.StatusCode != http.StatusNoContent || res.Header.Get(tc.header) != tc.want || res.Header.Get("Access-Control-Allow-Origin") != "*" ||
				!strings.Contains(res.Header.Get("Access-Control-Expose-Headers"), "Location") {
				t.Fatalf("OPTIONS %s: %d %v", tc.path, res.StatusCode, res.Header)
			}
		}
		if whep, whip := f.h.Counts(); whep+whip != 0 {
			t.Fatal("OPTIONS opened a session")
		}
	})
}

// PATCH trickles candidates (204) and restarts ICE (200 with the server's
// new credentials and a new ETag), refusing malformed fragments, a wrong
// type and a stale ETag.
func TestPatch(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.user("admin", account.RoleAdmin)
		room := f.room.Slug
		tok := f.issue("admin", room, false)
		if pub, res, body := f.publish(room, tok.Token, webrtc.MimeTypeVP8); pub == nil {
			t.Fatalf("WHIP: %d %s", res.StatusCode, body)
		}
		waitFor(t, 10*time.Second, "the room to go live", func() bool { return f.srv.Live(room) })
		v, res, body := f.view("/whep/" + room)
		if v == nil {
			t.Fatalf("WHEP: %d %s", res.StatusCode, body)
		}
		frag := "application/trickle-ice-sdpfrag"
		trickle := "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:0\r\na=candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host\r\na=end-of-candidates\r\n"
		if res, body := f.do("PATCH", v.location, frag, trickle, "If-Match", v.etag); res.StatusCode != http.StatusNoContent {
			t.Fatalf("trickle: %d %s", res.StatusCode, body)
		}
		if res, body := f.do("PATCH", v.location, frag, trickle); res.StatusCode != http.StatusNoContent {
			t.Fatalf("trickle without If-Match: %d %s", res.StatusCode, body)
		}
		if res, _ := f.do("PATCH", v.location, frag, trickle, "If-Match", `"stale"`); res.StatusCode != http.StatusPreconditionFailed {
			t.Fatalf("stale ETag: %d", res.StatusCode)
		}
		if res, _ := f.do("PATCH", v.location, "application/sdp", trickle); res.StatusCode != http.StatusUnsupportedMediaType {
			t.Fatalf("wrong type: %d", res.StatusCode)
		}
		for _, bad := range []string{"", "hello", "a=candidate:garbage\r\n", "a=ice-ufrag:abcd\r\n", "a=ice-ufrag:ab cd\r\na=ice-pwd:x\r\n", "v=0\r\n"} {
			if res, body := f.do("PATCH", v.location, frag, bad); res.StatusCode != http.StatusBadRequest {
				t.Fatalf("fragment %q: %d %s", bad, res.StatusCode, body)
			}
		}
		restart := "a=ice-ufrag:newufrag1\r\na=ice-pwd:newpasswordnewpasswordnew1\r\n"
		if res, _ := f.do("PATCH", v.location, frag, restart); res.StatusCode != http.StatusPreconditionRequired {
			t.Fatalf("restart without If-Match: %d", res.StatusCode)
		}
		res, body = f.do("PATCH", v.location, frag, restart, "If-Match", "*")
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != frag || res.Header.Get("ETag") == "" || res.Header.Get("ETag") == v.etag {
			t.Fatalf("restart: %d %v %s", res.StatusCode, res.Header, body)
		}
		if !strings.Contains(body, "a=ice-ufrag:") || !strings.Contains(body, "a=ice-pwd:") || strings.Contains(body, "a=ice-ufrag:"+ufragOf(v.pc.RemoteDescription().SDP)+"\r\n") {
			t.Fatalf("restart answer did not bring new credentials: %s", body)
		}
	})
}

func attr(sdp, key string) string {
	for _, l := range strings.Split(sdp, "\r\n") {
		if v, ok := strings.CutPrefix(l, "a="+key+":"); ok {
			return v
		}
	}
	return ""
}

func ufragOf(sdp string) string { return attr(sdp, "ice-ufrag") }
