package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

func jsonBody(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func decodeInto(t *testing.T, r response, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.Body), v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// eventInput is a valid event created 9 days after the test clock's start.
func eventInput(slug string) map[string]any {
	return map[string]any{
		"slug": slug, "zone": "Europe/Zurich", "start": "2026-03-10T09:00", "end": "2026-03-11T18:00", "format": "hybrid",
		"public": true, "languages": []string{"en", "fr", "ar"}, "source_lang": "en",
		"translations": map[string]any{
			"en": map[string]any{"title": "Geneva Dialogue on Digital Trade", "description": "Two days of talks.", "publish": true},
			"ar": map[string]any{"title": "حوار جنيف بشأن التجارة الرقمية", "description": "يومان من المحادثات.", "publish": true},
			"vi": map[string]any{"title": "Đối thoại Genève về thương mại số", "publish": false},
		},
	}
}

// TestEventsEndToEnd creates an event through the API as a protocol
// officer, refuses bad input with nothing saved, adds sessions and their
// warnings, releases the timetable, and reads the public pages, the
// .ics, the feed and the sitemap as the public does, through the page
// cache; then cancels a session, releases again and sees the changelog and
// the calendar follow.
func TestEventsEndToEnd(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ts := newTestServer(t, db, clock)
		ts.addUser("paul", "protocol-password-1", account.RoleProtocolOfficer)
		chair := ts.addUser("chloe", "chair-password-1", account.RoleChair)
		ts.addUser("dana", "delegate-password-1", account.RoleDelegate)
		ts.addUser("olivia", "officer-password-1", account.RolePressOfficer)
		officer := ts.signIn("paul", "protocol-password-1")
		en := map[string]string{"Accept-Language": "en"}
		api := func(c *http.Client, method, path string, body any, want int) response {
			t.Helper()
			var b string
			if body != nil {
				b = jsonBody(t, body)
			}
			r := ts.send(c, method, path, "application/json", b, en)
			wantStatus(t, r, want)
			return r
		}

		// Bad input: a clear message, nothing saved.
		for _, tc := range []struct {
			change func(map[string]any)
			want   string
		}{
			{func(m map[string]any) { m["zone"] = "Europe/Geneva" }, "Did you mean Europe/Zurich?"},
			{func(m map[string]any) { m["zone"] = "Mars/Olympus_Mons" }, "does not exist"},
			{func(m map[string]any) { m["end"] = "2026-03-09T09:00" }, "The end must come after the start."},
			{func(m map[string]any) { m["slug"] = "Bad Slug!" }, "address name"},
			{func(m map[string]any) { m["translations"] = map[string]any{"en": map[string]any{"title": "  "}} }, "at least one language"},
			{func(m map[string]any) {
				m["translations"] = map[string]any{"en": map[string]any{"title": strings.Repeat("é", 301)}}
			}, "too long"},
			{func(m map[string]any) { m["format"] = "in-person" }, "virtual or hybrid"},
			{func(m map[string]any) { m["organisers"] = []int64{chair.ID} }, "protocol officers"},
		} {
			in := eventInput("geneva-dialogue")
			tc.change(in)
			r := api(officer, "POST", "/api/v1/events", in, http.StatusUnprocessableEntity)
			wantContains(t, r, tc.want)
		}
		var none []any
		decodeInto(t, api(officer, "GET", "/api/v1/events", nil, 200), &none)
		if len(none) != 0 {
			t.Fatalf("bad input saved events: %v", none)
		}

		var ev struct {
			ID           int64
			Slug         string
			Translations map[string]struct{ Status, URL string }
		}
		decodeInto(t, api(officer, "POST", "/api/v1/events", eventInput("geneva-dialogue"), http.StatusCreated), &ev)
		if ev.Translations["en"].Status != "published" || ev.Translations["vi"].Status != "draft" || ev.Translations["en"].URL == "" {
			t.Fatalf("created %+v", ev)
		}
		api(officer, "POST", "/api/v1/events", eventInput("geneva-dialogue"), http.StatusConflict)
		base := "/api/v1/events/" + strconv.FormatInt(ev.ID, 10)

		// Sessions: the plenary gets a room of its own; a working
		// session meeting in it at the same time, chaired by the same
		// person, is accepted with warnings.
		var plenary, working struct {
			ID       int64
			RoomSlug string `json:"room_slug"`
			Sequence int
			Warnings []struct{ Code, Message string }
		}
		decodeInto(t, api(officer, "POST", base+"/sessions", map[string]any{"kind": "plenary", "start": "2026-03-10T09:00", "end": "2026-03-10T10:30",
			"chair_id": chair.ID, "titles": map[string]string{"en": "Opening plenary", "ar": "الجلسة العامة الافتتاحية"},
			"agenda": []map[string]string{{"en": "Adoption of the agenda", "ar": "إقرار جدول الأعمال"}, {"en": "Opening statements"}}}, 201), &plenary)
		if plenary.RoomSlug != "geneva-dialogue-"+strconv.FormatInt(plenary.ID, 10) || len(plenary.Warnings) != 0 {
			t.Fatalf("plenary %+v", plenary)
		}
		if _, err := db.GetRoomBySlug(context.Background(), plenary.RoomSlug); err != nil {
			t.Fatalf("the plenary's room: %v", err)
		}
		decodeInto(t, api(officer, "POST", base+"/sessions", map[string]any{"kind": "working", "start": "2026-03-10T10:00", "end": "2026-03-10T12:00",
			"chair_id": chair.ID, "room_slug": plenary.RoomSlug, "titles": map[string]string{"en": "Working session on e-commerce"}}, 201), &working)
		if len(working.Warnings) != 2 || !strings.Contains(working.Warnings[0].Message+working.Warnings[1].Message, "same room") {
			t.Fatalf("working session warnings %+v", working.Warnings)
		}
		r := api(officer, "POST", base+"/sessions", map[string]any{"kind": "side", "start": "2026-03-10T12:00", "end": "2026-03-10T11:00",
			"titles": map[string]string{"en": "Backwards"}}, 422)
		wantContains(t, r, "The end must come after the start.")
		api(officer, "POST", base+"/sessions", map[string]any{"kind": "side", "start": "2026-03-29T02:30", "end": "2026-03-29T04:00",
			"titles": map[string]string{"en": "In the gap"}, "room_slug": "no-such-room"}, 422)
		var gap struct{ Warnings []struct{ Code string } }
		decodeInto(t, api(officer, "POST", base+"/sessions", map[string]any{"kind": "side", "start": "2026-03-29T02:30", "end": "2026-03-29T04:00",
			"titles": map[string]string{"en": "In the gap"}}, 201), &gap)
		if len(gap.Warnings) != 1 || gap.Warnings[0].Code != "dst_gap" {
			t.Fatalf("gap warnings %+v", gap.Warnings)
		}

		// Before a release the public sees no agenda; a language the
		// event is not published in gets the languages it is in.
		anon := ts.client()
		page := ts.get(anon, "/en/events/geneva-dialogue", nil)
		wantStatus(t, page, 200)
		wantContains(t, page, "Geneva Dialogue on Digital Trade", "The agenda has not been released yet.")
		if strings.Contains(page.Body, "Opening plenary") {
			t.Fatal("a draft session is public")
		}
		missing := ts.get(anon, "/vi/events/geneva-dialogue", nil)
		wantStatus(t, missing, 404)
		wantContains(t, missing, `href="/ar/events/geneva-dialogue"`, `href="/en/events/geneva-dialogue"`)
		wantStatus(t, ts.get(anon, "/en/events/no-such-event", nil), 404)

		var rel struct{ Version int }
		decodeInto(t, api(officer, "POST", base+"/release", nil, 201), &rel)
		if rel.Version != 1 {
			t.Fatalf("release %+v", rel)
		}
		page = ts.get(anon, "/en/events/geneva-dialogue", nil)
		wantStatus(t, page, 200)
		wantContains(t, page, "Opening plenary", "Adoption of the agenda", `datetime="2026-03-10T08:00:00Z"`, "Europe/Zurich",
			`"@type":"Event"`, `hreflang="ar"`, `hreflang="x-default"`, "data-reader-time", "Add to my calendar")
		if ts.get(anon, "/en/events/geneva-dialogue", nil).Header.Get("ETag") == "" {
			t.Fatal("the event page is not served from the page cache")
		}
		hits := ts.app.pages.Count("hits")
		ts.get(anon, "/en/events/geneva-dialogue", nil)
		if ts.app.pages.Count("hits") != hits+1 {
			t.Fatal("the event page was not a page cache hit")
		}
		ar := ts.get(anon, "/ar/events/geneva-dialogue", nil)
		wantContains(t, ar, `dir="rtl"`, "الجلسة العامة الافتتاحية", "إقرار جدول الأعمال",
			`lang="en"`) // the working session has no Arabic title: shown in English, marked
		list := ts.get(anon, "/en/events", nil)
		wantContains(t, list, "Upcoming events", `href="/en/events/geneva-dialogue"`)
		wantContains(t, ts.get(anon, "/en/events/feed.atom", nil), "Geneva Dialogue on Digital Trade", "/en/events/geneva-dialogue")
		wantContains(t, ts.get(anon, "/en/sitemap.xml", nil), "/en/events/geneva-dialogue")

		ics := ts.get(anon, "/en/events/geneva-dialogue.ics", nil)
		wantStatus(t, ics, 200)
		if !strings.HasPrefix(ics.Header.Get("Content-Type"), "text/calendar") {
			t.Fatalf("ics content type %q", ics.Header.Get("Content-Type"))
		}
		wantContains(t, ics, "METHOD:PUBLISH\r\n", "UID:event-"+strconv.FormatInt(ev.ID, 10)+"-session-"+strconv.FormatInt(plenary.ID, 10)+"@",
			"SEQUENCE:0\r\n", "DTSTART:20260310T080000Z\r\n")

		// Cancel the working session: kept, cancelled, its sequence
		// raised; the public sees it only after the next release.
		var cancelled struct {
			Status   string
			Sequence int
		}
		decodeInto(t, api(officer, "PATCH", base+"/sessions/"+strconv.FormatInt(working.ID, 10), map[string]any{"status": "cancelled"}, 200), &cancelled)
		if cancelled.Status != "cancelled" || cancelled.Sequence != 1 {
			t.Fatalf("cancelled %+v", cancelled)
		}
		api(officer, "DELETE", base+"/sessions/"+strconv.FormatInt(working.ID, 10), nil, http.StatusConflict)
		if strings.Contains(ts.get(anon, "/en/events/geneva-dialogue.ics", nil).Body, "STATUS:CANCELLED") {
			t.Fatal("an unreleased change is public")
		}
		clock.Advance(time.Hour)
		api(officer, "POST", base+"/release", nil, 201)
		ics = ts.get(anon, "/en/events/geneva-dialogue.ics", nil)
		wantContains(t, ics, "STATUS:CANCELLED\r\n", "SEQUENCE:1\r\n")
		wantContains(t, ts.get(anon, "/en/events/geneva-dialogue", nil), "Changes to the agenda", "Cancelled: Working session on e-commerce")

		// Who may do what.
		delegate := ts.signIn("dana", "delegate-password-1")
		press := ts.signIn("olivia", "officer-password-1")
		for _, c := range []*http.Client{delegate, press} {
			wantStatus(t, ts.get(c, "/admin/events", nil), 403)
			api(c, "GET", "/api/v1/events", nil, 403)
			api(c, "POST", base+"/release", nil, 403)
		}
		api(anon, "GET", "/api/v1/events", nil, 401)
		// A protocol officer may not announce: that is a press writer's.
		wantStatus(t, ts.postForm(officer, "/admin/events/"+strconv.FormatInt(ev.ID, 10)+"/announce", nil, nil), 403)
		if strings.Contains(ts.get(officer, "/admin/events/"+strconv.FormatInt(ev.ID, 10), nil).Body, "/announce") {
			t.Fatal("the announce button is shown to someone who may not use it")
		}
	})
}

// TestAnnounceEvent opens a statement draft in the press office with the
// event's title and link in each published language.
func TestAnnounceEvent(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ts := newTestServer(t, db, clock)
		ts.addUser("ada", "admin-password-1", account.RoleAdmin)
		admin := ts.signIn("ada", "admin-password-1")
		r := ts.send(admin, "POST", "/api/v1/events", "application/json", jsonBody(t, eventInput("geneva-dialogue")), nil)
		wantStatus(t, r, 201)
		var ev struct{ ID int64 }
		decodeInto(t, r, &ev)
		id := strconv.FormatInt(ev.ID, 10)
		editor := ts.get(admin, "/admin/events/"+id, map[string]string{"Accept-Language": "en"})
		wantContains(t, editor, `action="/admin/events/`+id+`/announce"`)
		res := ts.postForm(admin, "/admin/events/"+id+"/announce", nil, nil)
		wantStatus(t, res, http.StatusSeeOther)
		loc := res.Header.Get("Location")
		n, err := strconv.ParseInt(strings.TrimPrefix(loc, "/press/statements/"), 10, 64)
		if err != nil {
			t.Fatalf("redirected to %q", loc)
		}
		st, err := db.GetStatement(context.Background(), n)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, v := range st.Variants {
			got[v.Lang] = v.Title + "|" + v.Body
		}
		if len(got) != 2 || !strings.Contains(got["en"], "Geneva Dialogue on Digital Trade|") || !strings.Contains(got["en"], ts.URL+"/en/events/geneva-dialogue") ||
			!strings.Contains(got["ar"], ts.URL+"/ar/events/geneva-dialogue") || st.State != store.StateDraft {
			t.Fatalf("statement %+v", st)
		}
		wantStatus(t, ts.get(admin, loc, nil), 200)
		// A closed event is not announced.
		ts.send(admin, "PATCH", "/api/v1/events/"+id, "application/json", `{"public": false}`, nil)
		wantStatus(t, ts.postForm(admin, "/admin/events/"+id+"/announce", nil, nil), http.StatusConflict)
		wantStatus(t, ts.get(ts.client(), "/en/events/geneva-dialogue", nil), 404)
	})
}
