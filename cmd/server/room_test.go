package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/conference"
	"github.com/mofa-vn/chancery/internal/config"
	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

const testRoom = "asean-digital-2026"

// roomToken signs a join token with the server's key (generated and kept in
// the database on first start).
func roomToken(t *testing.T, db *store.DB, now func() time.Time, c sfu.Claims, ttl time.Duration) string {
	t.Helper()
	key, err := conference.TokenKey(t.Context(), db, "", testBox)
	if err != nil {
		t.Fatal(err)
	}
	s, err := sfu.NewSigner(key, now)
	if err != nil {
		t.Fatal(err)
	}
	if c.Room == "" {
		c.Room = testRoom
	}
	tok, err := s.Issue(c, ttl)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestRoomJoinPageChecksTheToken(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ts := newTestServer(t, db, clock)
		if _, err := db.CreateRoom(t.Context(), store.Room{Slug: testRoom, Title: "ASEAN Digital Ministers 2026"}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateRoom(t.Context(), store.Room{Slug: "other", Title: "Other"}); err != nil {
			t.Fatal(err)
		}
		lan := sfu.Claims{Identity: "vn-1", Name: "Nguyễn Thị Lan", Delegation: "Việt Nam", Role: sfu.RoleDelegate, Permissions: sfu.DefaultPermissions(sfu.RoleDelegate)}
		tok := roomToken(t, db, clock.Now, lan, time.Hour)
		c := ts.client()

		r := ts.get(c, "/vi/rooms/"+testRoom+"?t="+url.QueryEscape(tok), nil)
		wantStatus(t, r, 200)
		wantContains(t, r, "ASEAN Digital Ministers 2026", "Bạn sẽ tham gia với tên Nguyễn Thị Lan", "/static/room.", `data-token="`+tok)
		if r.Header.Get("Referrer-Policy") != "no-referrer" {
			t.Error("the join page leaks its token in the Referer")
		}
		if !strings.Contains(r.Header.Get("Permissions-Policy"), "camera=(self)") {
			t.Errorf("camera not allowed: %q", r.Header.Get("Permissions-Policy"))
		}
		r = ts.get(c, "/ar/rooms/"+testRoom+"?t="+url.QueryEscape(tok), nil)
		wantContains(t, r, `dir="rtl"`, "ستنضم باسم")

		forged := tok[:len(tok)-4] + "AAAA"
		other := roomToken(t, db, clock.Now, sfu.Claims{Room: "other", Identity: "x", Name: "X", Role: sfu.RoleChair}, time.Hour)
		for name, tc := range map[string]struct {
			path   string
			status int
			text   string
		}{
			"forged":        {"/en/rooms/" + testRoom + "?t=" + url.QueryEscape(forged), 403, "This invitation link is not valid"},
			"missing":       {"/fr/rooms/" + testRoom, 403, "Ce lien d&#39;invitation n&#39;est pas valide"},
			"another room":  {"/en/rooms/" + testRoom + "?t=" + url.QueryEscape(other), 403, "not valid"},
			"unknown room":  {"/en/rooms/no-such-room?t=" + url.QueryEscape(tok), 404, ""},
			"garbage token": {"/en/rooms/" + testRoom + "?t=gar%21bage~%20", 403, "not valid"},
			"not text":      {"/en/rooms/" + testRoom + "?t=%00%ff", 400, "not valid text"},
		} {
			t.Run(name, func(t *testing.T) {
				r := ts.get(c, tc.path, nil)
				wantStatus(t, r, tc.status)
				wantContains(t, r, tc.text)
			})
		}
		clock.Advance(time.Hour)
		r = ts.get(c, "/en/rooms/"+testRoom+"?t="+url.QueryEscape(tok), nil)
		wantStatus(t, r, 403)
		wantContains(t, r, "This invitation has expired")
	})
}

// Staff issue invitations only for the rooms an administrator assigned
// them, the moderating roles only as the room's moderator; administrators
// for any room. The page and the API refuse the same way, in the viewer's
// language.
func TestStaffIssueRoomInvitations(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ts := newTestServer(t, db, clock)
		if _, err := db.CreateRoom(t.Context(), store.Room{Slug: testRoom, Title: "ASEAN Digital Ministers 2026"}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateRoom(t.Context(), store.Room{Slug: "bilateral", Title: "Bilateral consultations"}); err != nil {
			t.Fatal(err)
		}
		ts.addUser("chief", "correct horse battery", account.RoleAdmin)
		ts.addUser("protocol", "correct horse battery", account.RoleProtocolOfficer)
		ts.addUser("delegate", "correct horse battery", account.RoleDelegate)
		ts.addUser("press", "correct horse battery", account.RolePressOfficer)
		staff := ts.signIn("protocol", "correct horse battery")
		admin := ts.signIn("chief", "correct horse battery")
		en := map[string]string{"Accept-Language": "en"}
		invite := func(role string) string {
			b, _ := json.Marshal(conference.Invite{Identity: "id-" + role, Name: "Name " + role, Role: role, Lang: "en"})
			return string(b)
		}

		// The dashboard links to the room page, with the localized label.
		dash := ts.get(staff, "/admin", nil)
		wantStatus(t, dash, 200)
		wantContains(t, dash, `<a href="/admin/rooms">Phòng hội nghị</a>`)

		// Not assigned yet: no room on the page, 403 on the form and the API.
		r := ts.get(staff, "/admin/rooms", nil)
		wantStatus(t, r, 200)
		wantContains(t, r, "Bạn chưa được phân công phòng hội nghị nào")
		if strings.Contains(r.Body, "ASEAN Digital Ministers 2026") {
			t.Error("an unassigned officer sees the room")
		}
		r = ts.postForm(staff, "/admin/rooms/"+testRoom+"/invite", url.Values{"identity": {"th-2"}, "name": {"Somchai"}, "role": {"delegate"}}, nil)
		wantStatus(t, r, 403)
		wantContains(t, r, "Bạn không được phân công phòng này")
		r = ts.send(staff, "POST", "/api/v1/rooms/"+testRoom+"/tokens", "application/json", invite("delegate"), en)
		wantStatus(t, r, 403)
		wantContains(t, r, "You are not assigned to this room")

		// Staff cannot assign themselves; the administrator assigns them,
		// through the page here.
		r = ts.send(staff, "PUT", "/api/v1/rooms/"+testRoom+"/staff/protocol", "application/json", `{"moderator":true}`, nil)
		wantStatus(t, r, 403)
		r = ts.postForm(admin, "/admin/rooms/"+testRoom+"/staff", url.Values{"username": {"protocol"}}, nil)
		wantStatus(t, r, 200)
		wantContains(t, r, "PROTOCOL nay phụ trách phòng này")
		r = ts.postForm(admin, "/admin/rooms/"+testRoom+"/staff", url.Values{"username": {"press"}}, nil)
		wantStatus(t, r, 400)
		wantContains(t, r, "Chỉ cán bộ lễ tân và chủ tọa")
		r = ts.send(admin, "PUT", "/api/v1/rooms/"+testRoom+"/staff/nobody", "application/json", `{}`, en)
		wantStatus(t, r, 404)
		wantContains(t, r, "No account has this username")

		// Assigned: the room shows, delegates and interpreters may be
		// invited, through the page and the API.
		r = ts.get(staff, "/admin/rooms", nil)
		wantStatus(t, r, 200)
		wantContains(t, r, "ASEAN Digital Ministers 2026", `href="/admin/rooms/`+testRoom+`"`)
		if strings.Contains(r.Body, "Bilateral consultations") {
			t.Error("the list shows a room the officer is not assigned to")
		}
		r = ts.get(staff, "/admin/rooms/"+testRoom, nil)
		wantStatus(t, r, 200)
		wantContains(t, r, "ASEAN Digital Ministers 2026", `name="identity"`)
		if strings.Contains(r.Body, `value="chair"`) || strings.Contains(r.Body, `action="/admin/rooms/`+testRoom+`/archive"`) {
			t.Error("the page offers a role the officer may not invite, or archiving")
		}
		wantStatus(t, ts.get(staff, "/admin/rooms/bilateral", nil), 403)
		r = ts.postForm(staff, "/admin/rooms/"+testRoom+"/invite", url.Values{"identity": {"th-2"}, "name": {"Somchai"}, "delegation": {"Thailand"}, "role": {"delegate"}}, nil)
		wantStatus(t, r, 200)
		i := strings.Index(r.Body, "/rooms/"+testRoom+"?t=")
		if i < 0 {
			t.Fatalf("no join link: %s", excerpt(r.Body))
		}
		link := r.Body[i:]
		link = link[:strings.IndexAny(link, `"<`)]
		page := ts.get(ts.client(), "/en"+strings.ReplaceAll(link, "&amp;", "&"), nil)
		wantStatus(t, page, 200)
		wantContains(t, page, "Somchai", "Thailand")

		r = ts.postForm(staff, "/admin/rooms/"+testRoom+"/invite", url.Values{"identity": {""}, "name": {"X"}, "role": {"king"}}, nil)
		wantStatus(t, r, 422)
		wantContains(t, r, "mã, tên và vai trò là bắt buộc")

		body, _ := json.Marshal(conference.Invite{Identity: "cn-1", Name: "李明", Delegation: "中国", Role: "interpreter", Lang: "zh"})
		r = ts.send(staff, "POST", "/api/v1/rooms/"+testRoom+"/tokens", "application/json", string(body), nil)
		wantStatus(t, r, 201)
		var interp conference.Issued
		if err := json.Unmarshal([]byte(r.Body), &interp); err != nil || !strings.Contains(interp.URL, "/zh/rooms/"+testRoom+"?t=") || interp.ID == "" {
			t.Fatalf("issued = %+v, %v", interp, err)
		}
		r = ts.send(staff, "POST", "/api/v1/rooms/"+testRoom+"/tokens", "application/json", `{"identity":"x","name":"X","role":"emperor"}`, nil)
		wantStatus(t, r, 400)
		r = ts.send(staff, "POST", "/api/v1/rooms/nowhere/tokens", "application/json", string(body), nil)
		wantStatus(t, r, 404)

		// Not a chair or protocol invitation without the moderator
		// assignment, on the page or through the API.
		r = ts.postForm(staff, "/admin/rooms/"+testRoom+"/invite", url.Values{"identity": {"chair-2"}, "name": {"Chair"}, "role": {"chair"}}, nil)
		wantStatus(t, r, 403)
		wantContains(t, r, "lời mời chủ tọa và lễ tân cần được phân công làm người điều hành")
		for _, role := range []string{"chair", "protocol"} {
			r = ts.send(staff, "POST", "/api/v1/rooms/"+testRoom+"/tokens", "application/json", invite(role), en)
			wantStatus(t, r, 403)
			wantContains(t, r, "need an assignment as the room")
		}
		// Nor anything in a room they are not assigned to.
		r = ts.postForm(staff, "/admin/rooms/bilateral/invite", url.Values{"identity": {"x"}, "name": {"X"}, "role": {"observer"}}, nil)
		wantStatus(t, r, 403)
		r = ts.send(staff, "POST", "/api/v1/rooms/bilateral/tokens", "application/json", invite("observer"), en)
		wantStatus(t, r, 403)
		wantContains(t, r, "You are not assigned to this room")

		// The administrator invites anyone to any room, with no assignment.
		r = ts.send(admin, "POST", "/api/v1/rooms/bilateral/tokens", "application/json", invite("chair"), nil)
		wantStatus(t, r, 201)
		var chair conference.Issued
		_ = json.Unmarshal([]byte(r.Body), &chair)
		r = ts.get(admin, "/admin/rooms", nil)
		wantContains(t, r, "ASEAN Digital Ministers 2026", "Bilateral consultations")
		wantContains(t, ts.get(admin, "/admin/rooms/"+testRoom, nil), "PROTOCOL")
		wantContains(t, ts.get(admin, "/admin/rooms/bilateral", nil), chair.ID)

		// As the room's moderator, the officer invites a chair.
		r = ts.send(admin, "PUT", "/api/v1/rooms/"+testRoom+"/staff/protocol", "application/json", `{"moderator":true}`, nil)
		wantStatus(t, r, 200)
		r = ts.send(staff, "POST", "/api/v1/rooms/"+testRoom+"/tokens", "application/json", invite("chair"), nil)
		wantStatus(t, r, 201)

		// Revoking: the officer revokes the interpreter's invitation by its
		// ID through the API; the page shows it revoked and its link dead.
		r = ts.send(staff, "GET", "/api/v1/rooms/"+testRoom+"/tokens", "", "", nil)
		wantStatus(t, r, 200)
		wantContains(t, r, interp.ID)
		r = ts.send(staff, "DELETE", "/api/v1/rooms/"+testRoom+"/tokens/"+interp.ID, "", "", nil)
		wantStatus(t, r, 200)
		wantContains(t, r, `"revoked_at"`)
		r = ts.send(staff, "DELETE", "/api/v1/rooms/bilateral/tokens/"+chair.ID, "", "", nil)
		wantStatus(t, r, 403)
		r = ts.send(staff, "DELETE", "/api/v1/rooms/"+testRoom+"/tokens/"+chair.ID, "", "", nil)
		wantStatus(t, r, 404) // not a token of this room
		// Through the page: the delegate's invitation, found on the page.
		r = ts.get(staff, "/admin/rooms/"+testRoom, nil)
		m := regexp.MustCompile(`(?s)<bdi>Somchai</bdi>.*?action="/admin/rooms/` + testRoom + `/tokens/([^/"]+)/revoke"`).FindStringSubmatch(r.Body)
		if m == nil {
			t.Fatalf("no revoke button for Somchai: %s", excerpt(r.Body))
		}
		r = ts.postForm(staff, "/admin/rooms/"+testRoom+"/tokens/"+m[1]+"/revoke", nil, nil)
		wantStatus(t, r, 200)
		wantContains(t, r, "Somchai đã bị thu hồi")

		// Once unassigned, the officer is refused again.
		r = ts.postForm(admin, "/admin/rooms/"+testRoom+"/staff/protocol/remove", nil, nil)
		wantStatus(t, r, 200)
		r = ts.send(staff, "DELETE", "/api/v1/rooms/"+testRoom+"/tokens/"+interp.ID, "", "", en)
		wantStatus(t, r, 403)

		delegate := ts.signIn("delegate", "correct horse battery")
		wantStatus(t, ts.get(delegate, "/admin/rooms", nil), 403)
		if d := ts.get(delegate, "/admin", nil); strings.Contains(d.Body, `href="/admin/rooms"`) {
			t.Error("the dashboard shows delegates a link to a page they may not open")
		}
	})
}

func TestTokenCommandPrintsAJoinURL(t *testing.T) {
	data := storetest.DataDir(t)
	ctx := context.Background()
	db, err := store.Open(ctx, store.Options{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateRoom(ctx, store.Room{Slug: testRoom, Title: "ASEAN"}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	var out, errOut bytes.Buffer
	args := []string{"token", "-room", testRoom, "-identity", "ph-3", "-name", "Maria Santos", "-role", "chair", "-data", data, "-lang", "en", "-base-url", "https://chancery.example"}
	if err := dispatch(ctx, args, nil, nil, &out, &errOut); err != nil {
		t.Fatalf("token: %v; %s", err, errOut.String())
	}
	u, err := url.Parse(strings.TrimSpace(out.String()))
	if err != nil || u.Host != "chancery.example" || u.Path != "/en/rooms/"+testRoom {
		t.Fatalf("printed %q", out.String())
	}
	db, err = store.Open(ctx, store.Options{DataDir: filepath.Clean(data)})
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.Storage.DataDir = data
	box, err := openSecrets(cfg)
	if err != nil {
		t.Fatal(err)
	}
	key, err := conference.TokenKey(ctx, db, "", box)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := sfu.NewSigner(key, nil)
	c, err := s.Verify(u.Query().Get("t"))
	if err != nil || c.Identity != "ph-3" || c.Role != sfu.RoleChair || !c.Permissions.Moderate {
		t.Fatalf("claims = %+v, %v", c, err)
	}
	// It is recorded, so that staff can revoke it, and its ID is printed.
	room, _ := db.GetRoomBySlug(ctx, testRoom)
	if rec, err := db.GetRoomToken(ctx, room.ID, c.ID); err != nil || rec.Identity != "ph-3" || rec.Role != "chair" {
		t.Fatalf("recorded = %+v, %v", rec, err)
	}
	if !strings.Contains(errOut.String(), c.ID) {
		t.Errorf("the token ID is not printed: %q", errOut.String())
	}
	db.Close()
	// An interpreter's token names their booth.
	out.Reset()
	if err := dispatch(ctx, []string{"token", "-room", testRoom, "-identity", "int-1", "-name", "Amélie", "-role", "interpreter", "-booth", "fr", "-data", data}, nil, nil, &out, &errOut); err != nil {
		t.Fatalf("token -booth: %v; %s", err, errOut.String())
	}
	if u, err = url.Parse(strings.TrimSpace(out.String())); err != nil {
		t.Fatal(err)
	}
	if c, err := s.Verify(u.Query().Get("t")); err != nil || c.Booth != "fr" || c.Role != sfu.RoleInterpreter {
		t.Fatalf("interpreter claims = %+v, %v", c, err)
	}
	for _, bad := range [][]string{
		{"token", "-room", testRoom, "-identity", "x", "-name", "X", "-role", "delegate", "-booth", "fr", "-data", data},
		{"token", "-room", testRoom, "-identity", "x", "-name", "X", "-role", "interpreter", "-booth", "f r", "-data", data},
		{"token", "-room", testRoom, "-identity", "x", "-name", "X", "-role", "king", "-data", data},
		{"token", "-room", "nowhere", "-identity", "x", "-name", "X", "-data", data},
		{"token", "-room", testRoom, "-name", "X", "-data", data},
	} {
		err := dispatch(ctx, bad, nil, nil, &out, &errOut)
		if _, ok := err.(usageError); !ok {
			t.Errorf("%v: err = %v, want a usage error", bad, err)
		}
	}
}
