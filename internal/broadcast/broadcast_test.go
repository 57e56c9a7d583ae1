package broadcast_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

func decode(t testing.TB, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("decode %q: %v", s, err)
	}
}

// A studio encoder publishes with WHIP and a member of the public watches
// with WHEP, both pion peers through the real handlers: RTP flows end to
// end, the resources answer as RFC 9725 says, and DELETE and revocation
// end them.
func TestWHIPToWHEPEndToEnd(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.user("admin", account.RoleAdmin)
		room := f.room.Slug

		// Not live yet: 503 with Retry-After and a clear body.
		if _, res, body := f.view("/whep/" + room); res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" ||
			!strings.Contains(body, "not live yet") || res.Header.Get("Broadcast-State") != "upcoming" {
			t.Fatalf("before anyone publishes: %d %q %q", res.StatusCode, res.Header.Get("Retry-After"), body)
		}

		tok := f.issue("admin", room, false)
		if !strings.HasPrefix(tok.Token, "chwhip_") || !strings.HasSuffix(tok.URL, "/whip/"+room) {
			t.Fatalf("issued %+v", tok)
		}
		pub, res, body := f.publish(room, tok.Token, webrtc.MimeTypeVP8)
		if pub == nil {
			t.Fatalf("WHIP: %d %s", res.StatusCode, body)
		}
		if res.Header.Get("Content-Type") != "application/sdp" || !strings.HasPrefix(pub.location, "/whip/"+room+"/") || pub.etag == "" ||
			res.Header.Get("Accept-Patch") != "application/trickle-ice-sdpfrag" {
			t.Fatalf("WHIP 201 headers: %v", res.Header)
		}
		waitFor(t, 10*time.Second, "the room to go live", func() bool { return f.srv.Live(room) })

		v, res, body := f.view("/whep/" + room + "?lang=fr")
		if v == nil {
			t.Fatalf("WHEP: %d %s", res.StatusCode, body)
		}
		if !strings.HasPrefix(v.location, "/whep/"+room+"/") || v.etag == "" || res.Header.Get("Access-Control-Expose-Headers") == "" {
			t.Fatalf("WHEP 201 headers: %v", res.Header)
		}
		waitFor(t, 15*time.Second, "video and audio at the viewer", func() bool { return v.video.Load() > 30 && v.audio.Load() > 30 })

		// A second viewer; the first one leaving does not affect it.
		v2, res, body := f.view("/whep/" + room)
		if v2 == nil {
			t.Fatalf("second WHEP: %d %s", res.StatusCode, body)
		}
		waitFor(t, 15*time.Second, "media at the second viewer", func() bool { return v2.video.Load() > 10 })
		if res, body := f.do("DELETE", v.location, "", ""); res.StatusCode != http.StatusOK {
			t.Fatalf("DELETE viewer: %d %s", res.StatusCode, body)
		}
		if res, _ := f.do("DELETE", v.location, "", ""); res.StatusCode != http.StatusNotFound {
			t.Fatalf("DELETE again: %d", res.StatusCode)
		}
		if res, _ := f.do("PATCH", v.location, "application/trickle-ice-sdpfrag", "a=end-of-candidates\r\n"); res.StatusCode != http.StatusNotFound {
			t.Fatalf("PATCH after DELETE: %d", res.StatusCode)
		}
		n := v2.video.Load()
		waitFor(t, 10*time.Second, "media at the second viewer after the first left", func() bool { return v2.video.Load() > n+10 })

		// Revoking the token ends the encoder's session: the room is no
		// longer live, and the token cannot publish again.
		var revoked map[string]any
		res, body = f.do("DELETE", "/api/v1/rooms/"+room+"/whip-tokens/"+jsonID(tok.ID), "", "", "X-Test-User", "admin")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("revoke: %d %s", res.StatusCode, body)
		}
		decode(t, body, &revoked)
		waitFor(t, 10*time.Second, "the room to stop being live", func() bool { return !f.srv.Live(room) })
		if _, res, body := f.publish(room, tok.Token, webrtc.MimeTypeVP8); res.StatusCode != http.StatusUnauthorized || res.Header.Get("WWW-Authenticate") == "" {
			t.Fatalf("revoked token: %d %s", res.StatusCode, body)
		}
		audit, err := db.ListRoomAudit(t.Context(), room)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, a := range audit {
			actions = append(actions, a.Action)
		}
		if strings.Join(actions, ",") != "whip_issue,whip_revoke" {
			t.Fatalf("audit: %v", actions)
		}
	})
}

func jsonID(id int64) string {
	b, _ := json.Marshal(id)
	return string(b)
}
