package conference_test

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/admin"
	"github.com/mofa-vn/chancery/internal/auth"
	"github.com/mofa-vn/chancery/internal/auth/authtest"
	"github.com/mofa-vn/chancery/internal/conference"
	"github.com/mofa-vn/chancery/internal/conference/conferencetest"
	"github.com/mofa-vn/chancery/internal/config"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/httpx/httpxtest"
	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

const testRoom = conferencetest.Room

// testBox is the credentials key that seals the join-token key.
var testBox = conferencetest.Box

// newSite serves the conference's pages and API with a real SFU, signed
// in through the real sign-in form and sessions, with the
// administration's dashboard and its link to the rooms (whose security
// headers allow the camera on the rooms' pages).
func newSite(t *testing.T, db *store.DB, clock *storetest.Clock) *authtest.Site {
	t.Helper()
	kit := httpxtest.Kit(t, func(p *httpx.KitParams) {
		p.SecureCookies = true
		p.StaffNav = []httpx.NavLink{{Path: "/admin", Key: "admin_heading", Roles: admin.Staff},
			{Path: "/admin/rooms", Key: "room_admin_title", Roles: conference.Moderators}}
	})
	key, err := conference.TokenKey(t.Context(), db, "", testBox)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := sfu.NewSigner(key, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	rooms, err := sfu.New(sfu.Params{Config: sfu.Config{UDPAddr: "127.0.0.1:0", Loopback: true}, Signer: signer, Store: conference.Store{DB: db, Box: testBox},
		Log: kit.Log, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rooms.Close() })
	return authtest.Serve(t, db, clock.Now, kit, func(mux *httpx.Router, svc *auth.Service) {
		admin.New(db, svc, kit).Routes(mux)
		conference.New(conference.Params{SFU: rooms, DB: db, Kit: kit, TTL: config.Default().Conference.TokenTTL, Now: clock.Now}).Routes(mux)
	}, authtest.Options{UsesMedia: conference.UsesMedia})
}

// roomToken signs a join token with the server's key (conferencetest.Token).
func roomToken(t *testing.T, db *store.DB, now func() time.Time, c sfu.Claims, ttl time.Duration) string {
	t.Helper()
	return conferencetest.Token(t, db, now, c, ttl)
}

func TestRoomJoinPageChecksTheToken(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ts := newSite(t, db, clock)
		if _, err := db.CreateRoom(t.Context(), store.Room{Slug: testRoom, Title: "ASEAN Digital Ministers 2026"}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateRoom(t.Context(), store.Room{Slug: "other", Title: "Other"}); err != nil {
			t.Fatal(err)
		}
		lan := sfu.Claims{Identity: "vn-1", Name: "Nguyễn Thị Lan", Delegation: "Việt Nam", Role: sfu.RoleDelegate, Permissions: sfu.DefaultPermissions(sfu.RoleDelegate)}
		tok := roomToken(t, db, clock.Now, lan, time.Hour)
		c := ts.Browser()

		r := ts.Get(c, "/vi/rooms/"+testRoom+"?t="+url.QueryEscape(tok), nil)
		httpxtest.WantStatus(t, r, 200)
		httpxtest.WantContains(t, r, "ASEAN Digital Ministers 2026", "Bạn sẽ tham gia với tên Nguyễn Thị Lan", "/static/room.", `data-token="`+tok)
		if r.Header.Get("Referrer-Policy") != "no-referrer" {
			t.Error("the join page leaks its token in the Referer")
		}
		if !strings.Contains(r.Header.Get("Permissions-Policy"), "camera=(self)") {
			t.Errorf("camera not allowed: %q", r.Header.Get("Permissions-Policy"))
		}
		r = ts.Get(c, "/ar/rooms/"+testRoom+"?t="+url.QueryEscape(tok), nil)
		httpxtest.WantContains(t, r, `dir="rtl"`, "ستنضم باسم")

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
				r := ts.Get(c, tc.path, nil)
				httpxtest.WantStatus(t, r, tc.status)
				httpxtest.WantContains(t, r, tc.text)
			})
		}
		clock.Advance(time.Hour)
		r = ts.Get(c, "/en/rooms/"+testRoom+"?t="+url.QueryEscape(tok), nil)
		httpxtest.WantStatus(t, r, 403)
		httpxtest.WantContains(t, r, "This invitation has expired")
	})
}

// Staff issue invitations only for the rooms an administrator assigned
// them, the moderating roles only as the room's moderator; administrators
// for any room. The page and the API refuse the same way, in the viewer's
// language.
func TestStaffIssueRoomInvitations(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ts := newSite(t, db, clock)
		if _, err := db.CreateRoom(t.Context(), store.Room{Slug: testRoom, Title: "ASEAN Digital Ministers 2026"}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateRoom(t.Context(), store.Room{Slug: "bilateral", Title: "Bilateral consultations"}); err != nil {
			t.Fatal(err)
		}
		ts.AddUser("chief", "correct horse battery", account.RoleAdmin)
		ts.AddUser("protocol", "correct horse battery", account.RoleProtocolOfficer)
		ts.AddUser("delegate", "correct horse battery", account.RoleDelegate)
		ts.AddUser("press", "correct horse battery", account.RolePressOfficer)
		staff := ts.SignIn("protocol", "correct horse battery")
		admin := ts.SignIn("chief", "correct horse battery")
		en := map[string]string{"Accept-Language": "en"}
		invite := func(role string) string {
			b, _ := json.Marshal(conference.Invite{Identity: "id-" + role, Name: "Name " + role, Role: role, Lang: "en"})
			return string(b)
		}

		// The dashboard links to the room page, with the localized label.
		dash := ts.Get(staff, "/admin", nil)
		httpxtest.WantStatus(t, dash, 200)
		httpxtest.WantContains(t, dash, `<a href="/admin/rooms">Phòng hội nghị</a>`)

		// Not assigned yet: no room on the page, 403 on the form and the API.
		r := ts.Get(staff, "/admin/rooms", nil)
		httpxtest.WantStatus(t, r, 200)
		httpxtest.WantContains(t, r, "Bạn chưa được phân công phòng hội nghị nào")
		if strings.Contains(r.Body, "ASEAN Digital Ministers 2026") {
			t.Error("an unassigned officer sees the room")
		}
		r = ts.PostForm(staff, "/admin/rooms/"+testRoom+"/invite", url.Values{"identity": {"th-2"}, "name": {"Somchai"}, "role": {"delegate"}}, nil)
		httpxtest.WantStatus(t, r, 403)
		httpxtest.WantContains(t, r, "Bạn không được phân công phòng này")
		r = ts.Send(staff, "POST", "/api/v1/rooms/"+testRoom+"/tokens", "application/json", invite("delegate"), en)
		httpxtest.WantStatus(t, r, 403)
		httpxtest.WantContains(t, r, "You are not assigned to this room")

		// Staff cannot assign themselves; the administrator assigns them,
		// through the page here.
		r = ts.Send(staff, "PUT", "/api/v1/rooms/"+testRoom+"/staff/protocol", "application/json", `{"moderator":true}`, nil)
		httpxtest.WantStatus(t, r, 403)
		r = ts.PostForm(admin, "/admin/rooms/"+testRoom+"/staff", url.Values{"username": {"protocol"}}, nil)
		httpxtest.WantStatus(t, r, 200)
		httpxtest.WantContains(t, r, "PROTOCOL nay phụ trách phòng này")
		r = ts.PostForm(admin, "/admin/rooms/"+testRoom+"/staff", url.Values{"username": {"press"}}, nil)
		httpxtest.WantStatus(t, r, 400)
		httpxtest.WantContains(t, r, "Chỉ cán bộ lễ tân và chủ tọa")
		r = ts.Send(admin, "PUT", "/api/v1/rooms/"+testRoom+"/staff/nobody", "application/json", `{}`, en)
		httpxtest.WantStatus(t, r, 404)
		httpxtest.WantContains(t, r, "No account has this username")

		// Assigned: the room shows, delegates and interpreters may be
		// invited, through the page and the API.
		r = ts.Get(staff, "/admin/rooms", nil)
		httpxtest.WantStatus(t, r, 200)
		httpxtest.WantContains(t, r, "ASEAN Digital Ministers 2026", `href="/admin/rooms/`+testRoom+`"`)
		if strings.Contains(r.Body, "Bilateral consultations") {
			t.Error("the list shows a room the officer is not assigned to")
		}
		r = ts.Get(staff, "/admin/rooms/"+testRoom, nil)
		httpxtest.WantStatus(t, r, 200)
		httpxtest.WantContains(t, r, "ASEAN Digital Ministers 2026", `name="identity"`)
		if strings.Contains(r.Body, `value="chair"`) || strings.Contains(r.Body, `action="/admin/rooms/`+testRoom+`/archive"`) {
			t.Error("the page offers a role the officer may not invite, or archiving")
		}
		httpxtest.WantStatus(t, ts.Get(staff, "/admin/rooms/bilateral", nil), 403)
		r = ts.PostForm(staff, "/admin/rooms/"+testRoom+"/invite", url.Values{"identity": {"th-2"}, "name": {"Somchai"}, "delegation": {"Thailand"}, "role": {"delegate"}}, nil)
		httpxtest.WantStatus(t, r, 200)
		i := strings.Index(r.Body, "/rooms/"+testRoom+"?t=")
		if i < 0 {
			t.Fatalf("no join link: %s", httpxtest.Excerpt(r.Body))
		}
		link := r.Body[i:]
		link = link[:strings.IndexAny(link, `"<`)]
		page := ts.Get(ts.Browser(), "/en"+strings.ReplaceAll(link, "&amp;", "&"), nil)
		httpxtest.WantStatus(t, page, 200)
		httpxtest.WantContains(t, page, "Somchai", "Thailand")

		r = ts.PostForm(staff, "/admin/rooms/"+testRoom+"/invite", url.Values{"identity": {""}, "name": {"X"}, "role": {"king"}}, nil)
		httpxtest.WantStatus(t, r, 422)
		httpxtest.WantContains(t, r, "mã, tên và vai trò là bắt buộc")

		body, _ := json.Marshal(conference.Invite{Identity: "cn-1", Name: "李明", Delegation: "中国", Role: "interpreter", Lang: "zh"})
		r = ts.Send(staff, "POST", "/api/v1/rooms/"+testRoom+"/tokens", "application/json", string(body), nil)
		httpxtest.WantStatus(t, r, 201)
		var interp conference.Issued
		if err := json.Unmarshal([]byte(r.Body), &interp); err != nil || !strings.Contains(interp.URL, "/zh/rooms/"+testRoom+"?t=") || interp.ID == "" {
			t.Fatalf("issued = %+v, %v", interp, err)
		}
		r = ts.Send(staff, "POST", "/api/v1/rooms/"+testRoom+"/tokens", "application/json", `{"identity":"x","name":"X","role":"emperor"}`, nil)
		httpxtest.WantStatus(t, r, 400)
		r = ts.Send(staff, "POST", "/api/v1/rooms/nowhere/tokens", "application/json", string(body), nil)
		httpxtest.WantStatus(t, r, 404)

		// Not a chair or protocol invitation without the moderator
		// assignment, on the page or through the API.
		r = ts.PostForm(staff, "/admin/rooms/"+testRoom+"/invite", url.Values{"identity": {"chair-2"}, "name": {"Chair"}, "role": {"chair"}}, nil)
		httpxtest.WantStatus(t, r, 403)
		httpxtest.WantContains(t, r, "lời mời chủ tọa và lễ tân cần được phân công làm người điều hành")
		for _, role := range []string{"chair", "protocol"} {
			r = ts.Send(staff, "POST", "/api/v1/rooms/"+testRoom+"/tokens", "application/json", invite(role), en)
			httpxtest.WantStatus(t, r, 403)
			httpxtest.WantContains(t, r, "need an assignment as the room")
		}
		// Nor anything in a room they are not assigned to.
		r = ts.PostForm(staff, "/admin/rooms/bilateral/invite", url.Values{"identity": {"x"}, "name": {"X"}, "role": {"observer"}}, nil)
		httpxtest.WantStatus(t, r, 403)
		r = ts.Send(staff, "POST", "/api/v1/rooms/bilateral/tokens", "application/json", invite("observer"), en)
		httpxtest.WantStatus(t, r, 403)
		httpxtest.WantContains(t, r, "You are not assigned to this room")

		// The administrator invites anyone to any room, with no assignment.
		r = ts.Send(admin, "POST", "/api/v1/rooms/bilateral/tokens", "application/json", invite("chair"), nil)
		httpxtest.WantStatus(t, r, 201)
		var chair conference.Issued
		_ = json.Unmarshal([]byte(r.Body), &chair)
		r = ts.Get(admin, "/admin/rooms", nil)
		httpxtest.WantContains(t, r, "ASEAN Digital Ministers 2026", "Bilateral consultations")
		httpxtest.WantContains(t, ts.Get(admin, "/admin/rooms/"+testRoom, nil), "PROTOCOL")
		httpxtest.WantContains(t, ts.Get(admin, "/admin/rooms/bilateral", nil), chair.ID)

		// As the room's moderator, the officer invites a chair.
		r = ts.Send(admin, "PUT", "/api/v1/rooms/"+testRoom+"/staff/protocol", "application/json", `{"moderator":true}`, nil)
		httpxtest.WantStatus(t, r, 200)
		r = ts.Send(staff, "POST", "/api/v1/rooms/"+testRoom+"/tokens", "application/json", invite("chair"), nil)
		httpxtest.WantStatus(t, r, 201)

		// Revoking: the officer revokes the interpreter's invitation by its
		// ID through the API; the page shows it revoked and its link dead.
		r = ts.Send(staff, "GET", "/api/v1/rooms/"+testRoom+"/tokens", "", "", nil)
		httpxtest.WantStatus(t, r, 200)
		httpxtest.WantContains(t, r, interp.ID)
		r = ts.Send(staff, "DELETE", "/api/v1/rooms/"+testRoom+"/tokens/"+interp.ID, "", "", nil)
		httpxtest.WantStatus(t, r, 200)
		httpxtest.WantContains(t, r, `"revoked_at"`)
		r = ts.Send(staff, "DELETE", "/api/v1/rooms/bilateral/tokens/"+chair.ID, "", "", nil)
		httpxtest.WantStatus(t, r, 403)
		r = ts.Send(staff, "DELETE", "/api/v1/rooms/"+testRoom+"/tokens/"+chair.ID, "", "", nil)
		httpxtest.WantStatus(t, r, 404) // not a token of this room
		// Through the page: the delegate's invitation, found on the page.
		r = ts.Get(staff, "/admin/rooms/"+testRoom, nil)
		m := regexp.MustCompile(`(?s)<bdi>Somchai</bdi>.*?action="/admin/rooms/` + testRoom + `/tokens/([^/"]+)/revoke"`).FindStringSubmatch(r.Body)
		if m == nil {
			t.Fatalf("no revoke button for Somchai: %s", httpxtest.Excerpt(r.Body))
		}
		r = ts.PostForm(staff, "/admin/rooms/"+testRoom+"/tokens/"+m[1]+"/revoke", nil, nil)
		httpxtest.WantStatus(t, r, 200)
		httpxtest.WantContains(t, r, "Somchai đã bị thu hồi")

		// Once unassigned, the officer is refused again.
		r = ts.PostForm(admin, "/admin/rooms/"+testRoom+"/staff/protocol/remove", nil, nil)
		httpxtest.WantStatus(t, r, 200)
		r = ts.Send(staff, "DELETE", "/api/v1/rooms/"+testRoom+"/tokens/"+interp.ID, "", "", en)
		httpxtest.WantStatus(t, r, 403)

		delegate := ts.SignIn("delegate", "correct horse battery")
		httpxtest.WantStatus(t, ts.Get(delegate, "/admin/rooms", nil), 403)
		if d := ts.Get(delegate, "/admin", nil); strings.Contains(d.Body, `href="/admin/rooms"`) {
			t.Error("the dashboard shows delegates a link to a page they may not open")
		}
	})
}
