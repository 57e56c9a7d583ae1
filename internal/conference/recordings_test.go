package conference_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// fetch is get that returns the response, for its headers.
func (f *fixture) fetch(user, path string, hdr map[string]string) (*http.Response, string) {
	f.t.Helper()
	req, _ := http.NewRequestWithContext(f.t.Context(), "GET", f.ts.URL+path, nil)
	req.Header.Set("X-Test-User", user)
	req.Header.Set("Accept-Language", "en")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// The recordings of a room are for its moderating staff: an administrator
// and the staff assigned as its moderator start, stop, list, play and
// download them; a delegate, a press officer, the room's non-moderating
// staff and another room's moderator are refused, and a file name that is
// not the manifest's is not found.
func TestRecordingsPagesRoles(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.user("admin", account.RoleAdmin)
		f.user("delegate", account.RoleDelegate)
		f.user("press", account.RolePressOfficer)
		chair := f.user("chairperson", account.RoleProtocolOfficer)
		helper := f.user("helper", account.RoleProtocolOfficer)
		other := f.user("other", account.RoleProtocolOfficer)
		side, err := db.CreateRoom(t.Context(), store.Room{Slug: "side", Title: "Side"})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range []struct {
			room, user int64
			mod        bool
		}{{f.room.ID, chair.ID, true}, {f.room.ID, helper.ID, false}, {side.ID, other.ID, true}} {
			if err := db.AssignRoomStaff(t.Context(), a.room, a.user, a.mod); err != nil {
				t.Fatal(err)
			}
		}

		for _, u := range []string{"", "delegate", "press", "helper", "other"} {
			if st, _ := f.form(u, "/admin/rooms/plenary/recordings/start", nil); st != http.StatusForbidden && st != http.StatusUnauthorized && st != http.StatusSeeOther {
				t.Errorf("%q started a recording: %d", u, st)
			}
			if st, _ := f.get(u, "/admin/rooms/plenary/recordings"); st == http.StatusOK {
				t.Errorf("%q sees the recordings page", u)
			}
		}
		if f.recs.Active("plenary") != nil {
			t.Fatal("a refused start recorded")
		}

		st, page := f.form("chairperson", "/admin/rooms/plenary/recordings/start", nil)
		if st != http.StatusOK || !strings.Contains(page, "Recording started") || !strings.Contains(page, "/recordings/stop") {
			t.Fatalf("start: %d\n%s", st, page)
		}
		if st, _ := f.form("admin", "/admin/rooms/plenary/recordings/start", nil); st != http.StatusConflict {
			t.Errorf("a second start: %d, want 409", st)
		}
		rec := f.recs.Active("plenary")
		sink := rec.AddTrack(sfu.RecordedTrack{ID: "t1", Participant: "p1", Identity: "lan", Kind: "audio", Source: "microphone",
			MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2})
		for i := range 50 {
			sink.WriteTrackRTP(0, &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: uint16(i), Timestamp: uint32(i * 960)}, Payload: []byte{0x78, 1, 2, 3}})
		}
		if st, _ := f.form("admin", "/admin/rooms/plenary/recordings/stop", nil); st != http.StatusOK {
			t.Fatalf("stop: %d", st)
		}
		audits, err := db.ListRoomAudit(t.Context(), "plenary")
		if err != nil {
			t.Fatal(err)
		}
		var acts []string
		for _, a := range audits {
			acts = append(acts, a.ActorIdentity+" "+a.Action)
		}
		if got := strings.Join(acts, ","); !strings.Contains(got, "staff:chairperson recording_start") || !strings.Contains(got, "staff:admin recording_stop") {
			t.Errorf("audit: %s", got)
		}

		// The database keeps who started and stopped it, why, and its files.
		rows, err := db.ListRecordings(t.Context(), "plenary")
		if err != nil || len(rows) != 1 {
			t.Fatalf("recordings in the database: %+v %v", rows, err)
		}
		if r := rows[0]; r.StartedBy != "staff:chairperson" || r.StoppedBy != "staff:admin" || r.Reason != "staff" || r.StoppedAt.IsZero() ||
			len(r.Files) != 1 || r.Files[0].ContentType != "audio/ogg" || r.Files[0].Bytes <= 0 || r.Bytes <= r.Files[0].Bytes {
			t.Errorf("recording in the database: %+v", r)
		}

		list, _, err := f.recs.List(t.Context(), "plenary")
		if err != nil || len(list) != 1 || len(list[0].Manifest.Tracks) != 1 {
			t.Fatalf("list: %+v %v", list, err)
		}
		id, file := list[0].ID, list[0].Manifest.Tracks[0].File
		st, page = f.get("chairperson", "/admin/rooms/plenary/recordings")
		if st != http.StatusOK || !strings.Contains(page, "<audio") || !strings.Contains(page, file) || !strings.Contains(page, "MiB") {
			t.Fatalf("page: %d\n%s", st, page)
		}
		if !strings.Contains(page, "Started by <bdi dir=\"ltr\">staff:chairperson</bdi>") || !strings.Contains(page, "Stopped by <bdi dir=\"ltr\">staff:admin</bdi>") {
			t.Errorf("the page does not say who started and stopped the recording:\n%s", page)
		}
		path := "/admin/rooms/plenary/recordings/" + id + "/" + file
		res, body := f.fetch("chairperson", path+"?download=1", map[string]string{"Range": "bytes=0-3"})
		if res.StatusCode != http.StatusPartialContent || body != "OggS" || res.Header.Get("Content-Type") != "audio/ogg" ||
			res.Header.Get("Content-Disposition") != `attachment; filename="plenary-`+id+"-"+file+`"` {
			t.Errorf("download: %d %q %v", res.StatusCode, body, res.Header)
		}
		for _, u := range []string{"", "delegate", "press", "helper", "other"} {
			for _, p := range []string{path, path + "?download=1", "/admin/rooms/plenary/recordings/" + id + "/manifest.json", "/api/v1/rooms/plenary/recordings"} {
				res, body := f.fetch(u, p, map[string]string{"Range": "bytes=0-3"})
				if c := res.StatusCode; (c != http.StatusForbidden && c != http.StatusNotFound && c != http.StatusUnauthorized && c != http.StatusSeeOther) ||
					strings.Contains(body, "OggS") || strings.Contains(body, `"tracks"`) || strings.Contains(body, `"recordings"`) {
					t.Errorf("%q got %s: %d %.40q", u, p, c, body)
				}
			}
		}
		for _, p := range []string{
			"/admin/rooms/plenary/recordings/" + id + "/..%2f..%2f..%2fetc%2fpasswd",
			"/admin/rooms/plenary/recordings/" + id + "/%2e%2e",
			"/admin/rooms/plenary/recordings/..%2f" + id + "/" + file,
			"/admin/rooms/side/recordings/" + id + "/" + file,
		} {
			if res, _ := f.fetch("admin", p, nil); res.StatusCode != http.StatusNotFound {
				t.Errorf("%s: %d, want 404", p, res.StatusCode)
			}
		}
	})
}
