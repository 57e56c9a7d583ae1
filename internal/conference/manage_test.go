package conference_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/conference"
	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// apiError is the error member of an API answer.
type apiError struct {
	Error struct {
		Code, Message, Field string
	}
}

// form posts a form as the user and returns the status and the page.
func (f *fixture) form(user, path string, v url.Values) (int, string) {
	f.t.Helper()
	req, _ := http.NewRequestWithContext(f.t.Context(), "POST", f.ts.URL+path, strings.NewReader(v.Encode()))
	req.Header.Set("X-Test-User", user)
	req.Header.Set("Accept-Language", "en")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// get fetches a page as the user (anonymous when user is "").
func (f *fixture) get(user, path string) (int, string) {
	f.t.Helper()
	req, _ := http.NewRequestWithContext(f.t.Context(), "GET", f.ts.URL+path, nil)
	req.Header.Set("X-Test-User", user)
	req.Header.Set("Accept-Language", "en")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func (f *fixture) tokens() []store.RoomToken {
	f.t.Helper()
	ts, err := f.db.ListRoomTokens(f.t.Context(), f.room.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return ts
}

// Only administrators create, rename, schedule and archive rooms; a
// delegate, a press officer or a room's own staff cannot, through the API
// or the pages. Bad input is a clear 4xx naming the field, and nothing is
// saved.
func TestRoomManagementRoles(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.user("admin", account.RoleAdmin)
		f.user("delegate", account.RoleDelegate)
		f.user("press", account.RolePressOfficer)
		officer := f.user("officer", account.RoleProtocolOfficer)
		if err := db.AssignRoomStaff(t.Context(), f.room.ID, officer.ID, true); err != nil {
			t.Fatal(err)
		}
		create := `{"slug":"side-event","title":"Side event","titles":{"ar":"حدث جانبي"}}`
		for _, u := range []string{"delegate", "press", "officer"} {
			f.api(u, "POST", "/api/v1/rooms", create, http.StatusForbidden, nil)
			f.api(u, "PATCH", "/api/v1/rooms/plenary", `{"title":"Hijacked"}`, http.StatusForbidden, nil)
			if st, _ := f.form(u, "/admin/rooms", url.Values{"slug": {"x"}, "title": {"X"}}); st != http.StatusForbidden {
				t.Errorf("%s created a room through the form: %d", u, st)
			}
			if st, _ := f.form(u, "/admin/rooms/plenary", url.Values{"title": {"Hijacked"}}); st != http.StatusForbidden {
				t.Errorf("%s renamed a room through the form: %d", u, st)
			}
			if st, _ := f.form(u, "/admin/rooms/plenary/archive", nil); st != http.StatusForbidden {
				t.Errorf("%s archived a room: %d", u, st)
			}
		}
		for _, u := range []string{"delegate", "press"} {
			f.api(u, "GET", "/api/v1/rooms", "", http.StatusForbidden, nil)
			f.api(u, "GET", "/api/v1/rooms/plenary/participants", "", http.StatusForbidden, nil)
		}
		if got, _ := db.GetRoomBySlug(t.Context(), "plenary"); got.Title != "Plenary" || got.Archived() {
			t.Fatalf("the room changed: %+v", got)
		}

		var made conference.RoomInfo
		f.api("admin", "POST", "/api/v1/rooms", create, http.StatusCreated, &made)
		if made.Slug != "side-event" || made.Titles["ar"] != "حدث جانبي" || made.State != store.RoomOpen {
			t.Fatalf("created %+v", made)
		}
		// Staff of plenary see plenary, not the new room.
		var mine []conference.RoomInfo
		f.api("officer", "GET", "/api/v1/rooms", "", http.StatusOK, &mine)
		if len(mine) != 1 || mine[0].Slug != "plenary" {
			t.Fatalf("officer's rooms: %+v", mine)
		}
		f.api("officer", "GET", "/api/v1/rooms/side-event", "", http.StatusForbidden, nil)
		f.api("officer", "POST", "/api/v1/rooms/side-event/invitations", `{"invitees":[{"name":"Lan"}]}`, http.StatusForbidden, nil)
		f.api("officer", "POST", "/api/v1/rooms/side-event/tokens", `{"identity":"x","name":"X","role":"delegate"}`, http.StatusForbidden, nil)
		f.api("officer", "GET", "/api/v1/rooms/side-event/participants", "", http.StatusForbidden, nil)

		for _, c := range []struct{ body, field string }{
			{`{"slug":"Side Event","title":"x"}`, "slug"},
			{`{"slug":"-x","title":"x"}`, "slug"},
			{`{"slug":"x","title":"   "}`, "title"},
			{`{"slug":"x","title":"x","titles":{"de":"Raum"}}`, "titles.de"},
			{`{"slug":"x","title":"x","titles":{"fr":"` + strings.Repeat("é", 201) + `"}}`, "titles.fr"},
			{`{"slug":"x","title":"x","opens_at":"2026-12-02T10:00:00Z","closes_at":"2026-12-02T09:00:00Z"}`, "closes_at"},
		} {
			var e apiError
			f.api("admin", "POST", "/api/v1/rooms", c.body, http.StatusBadRequest, &e)
			if e.Error.Field != c.field || e.Error.Message == "" {
				t.Errorf("%s: error %+v, want field %s", c.body, e, c.field)
			}
		}
		var e apiError
		f.api("admin", "POST", "/api/v1/rooms", create, http.StatusConflict, &e)
		if e.Error.Code != "room_manage_slug_taken" {
			t.Errorf("taken slug: %+v", e)
		}
		if _, err := db.GetRoomBySlug(t.Context(), "x"); err == nil {
			t.Error("a refused room was stored")
		}

		// Rename in Arabic and schedule; a bad patch changes nothing.
		var patched conference.RoomInfo
		f.api("admin", "PATCH", "/api/v1/rooms/plenary", `{"titles":{"ar":"الجلسة العامة","vi":"Phiên toàn thể"},"opens_at":"2030-01-01T08:00:00Z"}`, http.StatusOK, &patched)
		if patched.Titles["ar"] != "الجلسة العامة" || patched.State != store.RoomScheduled || patched.OpensAt == nil || patched.Title != "Plenary" {
			t.Fatalf("patched %+v", patched)
		}
		f.api("admin", "PATCH", "/api/v1/rooms/plenary", `{"title":"New","closes_at":"2029-01-01T08:00:00Z"}`, http.StatusBadRequest, nil)
		patched = conference.RoomInfo{}
		f.api("admin", "PATCH", "/api/v1/rooms/plenary", `{"opens_at":null}`, http.StatusOK, &patched)
		if patched.OpensAt != nil || patched.Title != "Plenary" || patched.Titles["vi"] != "Phiên toàn thể" {
			t.Fatalf("after clearing the opening: %+v", patched)
		}
		f.api("admin", "PATCH", "/api/v1/rooms/nowhere", `{"title":"x"}`, http.StatusNotFound, nil)
		f.api("admin", "PATCH", "/api/v1/rooms/plenary", `{"owner":"me"}`, http.StatusBadRequest, nil)
		f.api("admin", "GET", "/api/v1/rooms?archived=maybe", "", http.StatusBadRequest, nil)

		// The form: an Arabic title, through the page, and a refused one.
		st, page := f.form("admin", "/admin/rooms/plenary", url.Values{"title": {"Plenary"}, "title_ar": {"القاعة الكبرى"}, "opens_at": {""}, "closes_at": {""}})
		if st != http.StatusOK || !strings.Contains(page, "القاعة الكبرى") {
			t.Fatalf("form rename: %d", st)
		}
		st, page = f.form("admin", "/admin/rooms/plenary", url.Values{"title": {""}, "title_ar": {"لا"}})
		if st != http.StatusUnprocessableEntity || !strings.Contains(page, "A title must be 1 to 200 characters") {
			t.Fatalf("empty title through the form: %d", st)
		}
		if got, _ := db.GetRoomBySlug(t.Context(), "plenary"); got.Titles["ar"] != "القاعة الكبرى" {
			t.Errorf("a refused form changed the room: %+v", got)
		}
		st, page = f.form("admin", "/admin/rooms", url.Values{"slug": {"Bad Slug"}, "title": {"X"}})
		if st != http.StatusUnprocessableEntity || !strings.Contains(page, "lowercase letters") || !strings.Contains(page, `value="Bad Slug"`) {
			t.Errorf("bad slug through the form: %d", st)
		}
	})
}

// Creating one slug many times at once makes exactly one room.
func TestConcurrentCreatesMakeOneRoom(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.user("admin", account.RoleAdmin)
		var wg sync.WaitGroup
		var mu sync.Mutex
		codes := map[int]int{}
		for range 8 {
			wg.Go(func() {
				req, _ := http.NewRequestWithContext(t.Context(), "POST", f.ts.URL+"/api/v1/rooms", strings.NewReader(`{"slug":"burst","title":"Burst"}`))
				req.Header.Set("X-Test-User", "admin")
				req.Header.Set("Content-Type", "application/json")
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				res.Body.Close()
				mu.Lock()
				codes[res.StatusCode]++
				mu.Unlock()
			})
		}
		wg.Wait()
		if codes[http.StatusCreated] != 1 || codes[http.StatusConflict] != 7 {
			t.Errorf("statuses %v, want one 201 and seven 409", codes)
		}
	})
}

// An archived room refuses joins (the page and the signalling, an existing
// invitation and a rejoin alike), ends the sessions in it, issues no
// invitation and leaves the default list; brought back, it works again.
func TestArchivedRoomRefusesJoins(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.user("admin", account.RoleAdmin)
		inv := f.issue("admin", "chair-1", "chair")
		chair, m, err := f.dial(inv.Token)
		if err != nil || m.Type != sfu.TypeWelcome {
			t.Fatalf("join = %+v, %v", m, err)
		}
		var members []sfu.Member
		f.api("admin", "GET", "/api/v1/rooms/plenary/participants", "", http.StatusOK, &members)
		if len(members) != 1 || members[0].Identity != "chair-1" || members[0].InLobby {
			t.Fatalf("participants = %+v", members)
		}
		if st, page := f.get("admin", "/admin/rooms/plenary"); st != http.StatusOK || !strings.Contains(page, "Name of chair-1") {
			t.Errorf("the page does not show who is in the room: %d", st)
		}
		rejoin := chair.Token()

		if st, _ := f.form("admin", "/admin/rooms/plenary/archive", nil); st != http.StatusOK {
			t.Fatalf("archive: %d", st)
		}
		if m := next(t, chair, sfu.TypeBye); m.Reason != "archived" {
			t.Errorf("chair got %+v", m)
		}
		for name, tok := range map[string]string{"invitation": inv.Token, "rejoin token": rejoin} {
			if _, m, err := f.dial(tok); err == nil || m.Code != sfu.CodeArchived {
				t.Errorf("%s into the archived room: %+v, %v", name, m, err)
			}
		}
		st, page := f.get("", "/en/rooms/plenary?t="+url.QueryEscape(inv.Token))
		if st != http.StatusGone || !strings.Contains(page, "This room is archived") {
			t.Errorf("join page of an archived room: %d", st)
		}
		var e apiError
		f.api("admin", "POST", "/api/v1/rooms/plenary/tokens", `{"identity":"x","name":"X","role":"delegate"}`, http.StatusUnprocessableEntity, &e)
		f.api("admin", "POST", "/api/v1/rooms/plenary/invitations", `{"invitees":[{"name":"X"}]}`, http.StatusUnprocessableEntity, nil)
		var rooms []conference.RoomInfo
		f.api("admin", "GET", "/api/v1/rooms", "", http.StatusOK, &rooms)
		if len(rooms) != 0 {
			t.Errorf("default list: %+v", rooms)
		}
		f.api("admin", "GET", "/api/v1/rooms?archived=true", "", http.StatusOK, &rooms)
		if len(rooms) != 1 || rooms[0].State != store.RoomArchived || rooms[0].ArchivedAt == nil {
			t.Errorf("full list: %+v", rooms)
		}

		var back conference.RoomInfo
		f.api("admin", "PATCH", "/api/v1/rooms/plenary", `{"archived":false}`, http.StatusOK, &back)
		if back.State != store.RoomOpen {
			t.Fatalf("unarchived: %+v", back)
		}
		if _, m, err := f.dial(inv.Token); err != nil || m.Type != sfu.TypeWelcome {
			t.Errorf("join after unarchiving: %+v, %v", m, err)
		}
	})
}

// A list of invitations: every line is checked before anything is issued;
// one bad line refuses the list, naming the line, and issues nothing. A
// good list gets one link each, valid in the chosen window: not before it
// opens, at most 30 days.
func TestInvitationListAllOrNothing(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.user("admin", account.RoleAdmin)
		officer := f.user("officer", account.RoleProtocolOfficer)
		if err := db.AssignRoomStaff(t.Context(), f.room.ID, officer.ID, false); err != nil {
			t.Fatal(err)
		}
		bad := []struct {
			list, want string
			status     int
		}{
			{"Nguyễn Lan\nvn-2,Trần Bình,delegate\nvn-3,Kim,emperor", "Line 3: the role must be", http.StatusUnprocessableEntity},
			{"Nguyễn Lan\n\nvn-2,Trần Bình", "Line 3: give a name", http.StatusUnprocessableEntity},
			{"vn-1,Lan,delegate\nvn-1,Lan again,delegate", "Line 2: this identity is already", http.StatusUnprocessableEntity},
			{"Lan\n" + strings.Repeat("x", 101), "Line 2: the name must be", http.StatusUnprocessableEntity},
			{"Lan\nc-1,Chair,chair", "Line 2: you may not invite this role", http.StatusForbidden},
			{"vn-1,\"Lan", "Line 1: give a name", http.StatusUnprocessableEntity},
			{"  \n ", "The list is empty", http.StatusUnprocessableEntity},
		}
		for _, c := range bad {
			st, page := f.form("officer", "/admin/rooms/plenary/invite-list", url.Values{"list": {c.list}, "role": {"delegate"}})
			if st != c.status || !strings.Contains(page, c.want) || !strings.Contains(page, "Nothing was issued") && c.status != http.StatusUnprocessableEntity {
				t.Errorf("list %q: %d, want %d and %q", c.list, st, c.status, c.want)
			}
			if n := len(f.tokens()); n != 0 {
				t.Fatalf("list %q issued %d invitations", c.list, n)
			}
		}
		// Through the API, the entry's number.
		var e apiError
		f.api("officer", "POST", "/api/v1/rooms/plenary/invitations", `{"invitees":[{"name":"Lan"},{"name":""}]}`, http.StatusBadRequest, &e)
		if !strings.Contains(e.Error.Message, "Line 2") || e.Error.Field != "invitees" {
			t.Errorf("API error %+v", e)
		}
		f.api("officer", "POST", "/api/v1/rooms/plenary/invitations", `{"invitees":[{"name":"Lan","role":"protocol"}]}`, http.StatusForbidden, nil)
		f.api("officer", "POST", "/api/v1/rooms/plenary/invitations", `{"invitees":[{"name":"Lan"}],"lang":"xx"}`, http.StatusBadRequest, nil)
		now := time.Now().UTC()
		window := func(from, until time.Time) string {
			return `"not_before":"` + from.Format(time.RFC3339) + `","expires_at":"` + until.Format(time.RFC3339) + `"`
		}
		f.api("officer", "POST", "/api/v1/rooms/plenary/invitations", `{"invitees":[{"name":"Lan"}],`+window(now.Add(time.Hour), now.Add(31*24*time.Hour+2*time.Hour))+`}`, http.StatusBadRequest, &e)
		if e.Error.Code != "room_invite_window_too_long" {
			t.Errorf("a window of 31 days: %+v", e)
		}
		f.api("officer", "POST", "/api/v1/rooms/plenary/invitations", `{"invitees":[{"name":"Lan"}],`+window(now.Add(2*time.Hour), now.Add(time.Hour))+`}`, http.StatusBadRequest, &e)
		if e.Error.Code != "room_invite_window_invalid" {
			t.Errorf("a window that ends before it starts: %+v", e)
		}
		if n := len(f.tokens()); n != 0 {
			t.Fatalf("refused lists issued %d invitations", n)
		}

		// A good list, valid from tomorrow for 20 days.
		from, until := now.Add(24*time.Hour).Truncate(time.Second), now.Add(21*24*time.Hour).Truncate(time.Second)
		var batch conference.Batch
		f.api("officer", "POST", "/api/v1/rooms/plenary/invitations",
			`{"invitees":[{"name":"Nguyễn Lan"},{"identity":"th-1","name":"Somchai","delegation":"Thailand","role":"interpreter"}],"role":"observer","lang":"ar",`+window(from, until)+`}`,
			http.StatusCreated, &batch)
		if len(batch.Invitations) != 2 {
			t.Fatalf("batch = %+v", batch)
		}
		lan, som := batch.Invitations[0], batch.Invitations[1]
		if lan.Role != "observer" || !strings.HasPrefix(lan.Identity, "guest-") || som.Role != "interpreter" || som.Identity != "th-1" ||
			lan.NotBefore == nil || !lan.NotBefore.Equal(from) || !lan.ExpiresAt.Equal(until) || !strings.Contains(lan.URL, "/ar/rooms/plenary?t=") {
			t.Fatalf("issued %+v %+v", lan, som)
		}
		// Before the window opens, neither the page nor the signalling lets
		// the invitation in, and the page says from when.
		if _, m, err := f.dial(som.Token); err == nil || m.Code != sfu.CodeNotYetValid {
			t.Errorf("join before the window: %+v, %v", m, err)
		}
		st, page := f.get("", "/en/rooms/plenary?t="+url.QueryEscape(som.Token))
		if st != http.StatusForbidden || !strings.Contains(page, "This invitation opens the room from") {
			t.Errorf("join page before the window: %d", st)
		}
		// The list shows them with their window; each is revocable.
		var list []conference.TokenInfo
		f.api("officer", "GET", "/api/v1/rooms/plenary/tokens", "", http.StatusOK, &list)
		if len(list) != 2 || list[0].NotBefore == nil || !list[0].Revocable {
			t.Fatalf("tokens = %+v", list)
		}
		f.api("officer", "DELETE", "/api/v1/rooms/plenary/tokens/"+som.ID, "", http.StatusOK, nil)

		// Through the page: names and CSV lines, with a header.
		st, page = f.form("officer", "/admin/rooms/plenary/invite-list", url.Values{"list": {"identity,name,role,delegation\nvn-9,\"Lê, Minh\",delegate,Việt Nam\nMaria Santos"}, "role": {"observer"}})
		if st != http.StatusOK || !strings.Contains(page, "2 invitations issued") || !strings.Contains(page, "Lê, Minh") || strings.Count(page, "/en/rooms/plenary?t=") != 4 {
			t.Errorf("list through the page: %d", st)
		}
		if n := len(f.tokens()); n != 4 {
			t.Errorf("%d invitations recorded, want 4", n)
		}
	})
}

// The single invitation form and API take a window too.
func TestSingleInvitationWindow(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.user("admin", account.RoleAdmin)
		until := time.Now().UTC().Add(10 * 24 * time.Hour).Truncate(time.Second)
		var out conference.Issued
		b, _ := json.Marshal(conference.Invite{Identity: "vn-1", Name: "Lan", Role: "delegate", ExpiresAt: &until})
		f.api("admin", "POST", "/api/v1/rooms/plenary/tokens", string(b), http.StatusCreated, &out)
		if !out.ExpiresAt.Equal(until) || out.NotBefore != nil {
			t.Errorf("issued %+v", out)
		}
		st, page := f.form("admin", "/admin/rooms/plenary/invite", url.Values{"identity": {"vn-2"}, "name": {"Binh"}, "role": {"delegate"}, "expires_at": {"yesterday"}})
		if st != http.StatusUnprocessableEntity || !strings.Contains(page, "could not be read") {
			t.Errorf("bad time: %d", st)
		}
		st, _ = f.form("admin", "/admin/rooms/plenary/invite", url.Values{"identity": {"vn-2"}, "name": {"Binh"}, "role": {"delegate"}, "expires_at": {"2020-01-01T10:00"}})
		if st != http.StatusUnprocessableEntity {
			t.Errorf("a window in the past: %d", st)
		}
		if n := len(f.tokens()); n != 1 {
			t.Errorf("%d invitations, want 1", n)
		}
	})
}

// TestInviteHeadOfDelegation (both backends): the invitation forms offer
// the head of delegation; a head is a delegate whose token says so, and
// needs a delegation, on the form, in a list and through the API; a
// refusal issues nothing and is said in the user's language.
func TestInviteHeadOfDelegation(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.user("admin", account.RoleAdmin)
		st, page := f.get("admin", "/admin/rooms/plenary")
		if st != http.StatusOK || strings.Count(page, `<option value="head">Head of delegation</option>`) != 2 ||
			!strings.Contains(page, `<option value="delegate" selected>Delegate</option><option value="head">Head of delegation</option>`) {
			t.Fatalf("management page: %d, head options %d", st, strings.Count(page, `value="head"`))
		}

		// Without a delegation: refused, nothing issued.
		st, page = f.form("admin", "/admin/rooms/plenary/invite", url.Values{"identity": {"vn-head"}, "name": {"Lan"}, "role": {"head"}, "delegation": {"  "}})
		if st != http.StatusUnprocessableEntity || !strings.Contains(page, "A head of delegation acts for a delegation") {
			t.Fatalf("head without a delegation: %d", st)
		}
		st, page = f.form("admin", "/admin/rooms/plenary/invite-list", url.Values{"list": {"fr-head,Claire,head,France\njp-head,Aiko,head"}, "role": {"delegate"}})
		if st != http.StatusUnprocessableEntity || !strings.Contains(page, "Line 2: a head of delegation needs a delegation") {
			t.Fatalf("list with a head without a delegation: %d", st)
		}
		var e apiError
		f.api("admin", "POST", "/api/v1/rooms/plenary/tokens", `{"identity":"vn-head","name":"Lan","role":"head"}`, http.StatusBadRequest, &e)
		if e.Error.Field != "delegation" {
			t.Errorf("API refusal = %+v", e)
		}
		if n := len(f.tokens()); n != 0 {
			t.Fatalf("%d invitations issued by refusals", n)
		}

		// With one: the token is a delegate's, marked head.
		st, page = f.form("admin", "/admin/rooms/plenary/invite", url.Values{"identity": {"vn-head"}, "name": {"Lan"}, "role": {"head"}, "delegation": {"Việt Nam"}})
		if st != http.StatusOK || !strings.Contains(page, "<td>Head of delegation</td>") {
			t.Fatalf("head invited: %d", st)
		}
		st, page = f.form("admin", "/admin/rooms/plenary/invite-list", url.Values{"list": {"fr-head,Claire,head,France\nfr-2,Paul,delegate,France"}, "role": {"delegate"}})
		if st != http.StatusOK {
			t.Fatalf("list with a head: %d", st)
		}
		heads := map[string]bool{}
		for _, tok := range f.tokens() {
			if tok.Role != "delegate" {
				t.Errorf("%s recorded as %q", tok.Identity, tok.Role)
			}
		}
		for _, m := range regexp.MustCompile(`\?t=([A-Za-z0-9._~%-]+)`).FindAllStringSubmatch(page, -1) {
			tok, _ := url.QueryUnescape(m[1])
			c, err := f.srv.Signer().Inspect(tok)
			if err != nil {
				t.Fatal(err)
			}
			heads[c.Identity] = c.Head
			if c.Role != sfu.RoleDelegate || c.Delegation != "France" {
				t.Errorf("claims %+v", c)
			}
		}
		if !heads["fr-head"] || heads["fr-2"] || len(heads) != 2 {
			t.Errorf("heads = %v", heads)
		}
	})
}

func TestRoomMeetingLanguages(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.user("admin", account.RoleAdmin)
		officer := f.user("officer", account.RoleProtocolOfficer)
		if err := db.AssignRoomStaff(t.Context(), f.room.ID, officer.ID, true); err != nil {
			t.Fatal(err)
		}
		var got conference.RoomInfo
		f.api("admin", "GET", "/api/v1/rooms/plenary", "", http.StatusOK, &got)
		if got.Languages == nil || len(got.Languages) != 0 {
			t.Fatalf("a new room's languages: %#v", got.Languages)
		}
		f.api("admin", "PATCH", "/api/v1/rooms/plenary", `{"languages":["VI","en","fr","en","sgn","zh-Hant"]}`, http.StatusOK, &got)
		if want := []string{"vi", "en", "fr", "sgn", "zh-hant"}; !slices.Equal(got.Languages, want) {
			t.Fatalf("languages %v, want %v", got.Languages, want)
		}
		if langs, _ := db.MeetingLanguages(t.Context(), "plenary"); !slices.Equal(langs, got.Languages) {
			t.Errorf("stored %v", langs)
		}
		for _, body := range []string{`{"languages":["fr","<script>"]}`, `{"languages":["français"]}`, `{"languages":["e"]}`,
			`{"languages":["` + strings.Repeat("a", 40) + `"]}`, `{"languages":"fr"}`} {
			var e apiError
			f.api("admin", "PATCH", "/api/v1/rooms/plenary", body, http.StatusBadRequest, &e)
			if body != `{"languages":"fr"}` && e.Error.Field != "languages" {
				t.Errorf("%s: error %+v, want the field languages", body, e)
			}
		}
		var many []string
		for i := range 33 {
			many = append(many, `"l`+string(rune('a'+i/26))+string(rune('a'+i%26))+`"`)
		}
		f.api("admin", "PATCH", "/api/v1/rooms/plenary", `{"languages":[`+strings.Join(many, ",")+`]}`, http.StatusBadRequest, nil)
		f.api("officer", "PATCH", "/api/v1/rooms/plenary", `{"languages":["ru"]}`, http.StatusForbidden, nil)
		if r, _ := db.GetRoomBySlug(t.Context(), "plenary"); !slices.Equal(r.Languages, []string{"vi", "en", "fr", "sgn", "zh-hant"}) {
			t.Fatalf("a refused change was stored: %v", r.Languages)
		}

		// The form shows them and takes commas or spaces.
		st, page := f.get("admin", "/admin/rooms/plenary")
		if st != http.StatusOK || !strings.Contains(page, `value="vi, en, fr, sgn, zh-hant"`) {
			t.Fatalf("form: %d, languages not shown", st)
		}
		st, _ = f.form("admin", "/admin/rooms/plenary", url.Values{"title": {"Plenary"}, "languages": {"ar, ru zh"}})
		if r, _ := db.GetRoomBySlug(t.Context(), "plenary"); st != http.StatusOK || !slices.Equal(r.Languages, []string{"ar", "ru", "zh"}) {
			t.Fatalf("form: %d, languages %v", st, r.Languages)
		}
		st, page = f.form("admin", "/admin/rooms/plenary", url.Values{"title": {"Plenary"}, "languages": {"ar, arabe!"}})
		if st != http.StatusUnprocessableEntity || !strings.Contains(page, "Give language codes such as vi, en or fr") || !strings.Contains(page, `value="ar, arabe!"`) {
			t.Fatalf("bad languages through the form: %d", st)
		}
		st, _ = f.form("admin", "/admin/rooms/plenary", url.Values{"title": {"Plenary"}, "languages": {""}})
		if r, _ := db.GetRoomBySlug(t.Context(), "plenary"); st != http.StatusOK || len(r.Languages) != 0 {
			t.Fatalf("cleared through the form: %d, %v", st, r.Languages)
		}
	})
}

func TestInvitationListBoothColumn(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.user("admin", account.RoleAdmin)
		for _, list := range []string{"int-1,Anne,interpreter,,fr\nvn-1,Lan,delegate,Viet Nam,fr", "int-1,Anne,interpreter,,f r!"} {
			st, page := f.form("admin", "/admin/rooms/plenary/invite-list", url.Values{"list": {list}, "role": {"delegate"}})
			if st != http.StatusUnprocessableEntity || !strings.Contains(page, "Line ") {
				t.Errorf("list %q: %d", list, st)
			}
		}
		if n := len(f.tokens()); n != 0 {
			t.Fatalf("refused lists issued %d invitations", n)
		}
		var batch conference.Batch
		f.api("admin", "POST", "/api/v1/rooms/plenary/invitations", `{"invitees":[{"identity":"int-1","name":"Anne","role":"interpreter","booth":"FR"},{"name":"Lan"}]}`, http.StatusCreated, &batch)
		st, page := f.form("admin", "/admin/rooms/plenary/invite-list", url.Values{"list": {"identity,name,role,delegation,booth\nint-2,Minh,interpreter,,sgn\nvn-2,Bình,delegate,Viet Nam"}, "role": {"delegate"}})
		if st != http.StatusOK {
			t.Fatalf("list with a booth column: %d", st)
		}
		toks := []string{}
		for _, in := range batch.Invitations {
			toks = append(toks, in.Token)
		}
		for _, m := range regexp.MustCompile(`\?t=([A-Za-z0-9._-]+)`).FindAllStringSubmatch(page, -1) {
			toks = append(toks, m[1])
		}
		booths := map[string]string{}
		for _, tok := range toks {
			c, err := f.srv.Signer().Inspect(tok)
			if err != nil {
				t.Fatal(err)
			}
			booths[c.Identity] = c.Booth
		}
		if booths["int-2"] != "sgn" {
			t.Errorf("booths %v, want int-2 in sgn", booths)
		}
		if booths["int-1"] != "fr" || len(booths) != 4 {
			t.Errorf("booths %v, want int-1 in fr and four invitations", booths)
		}
	})
}
