package conference_test

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/conference"
	"github.com/mofa-vn/chancery/internal/procedure"
	"github.com/mofa-vn/chancery/internal/secrets"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// TestObserveAndResultSheets (both backends): a room's procedure is shown
// to the public only once its chair made it public: the speakers' list,
// the vote in progress (without ballots) and the closed results, as a page
// and as JSON that the page cache must not keep. A closed vote's result
// sheet is in each of the seven languages, as a page, CSV and JSON; a
// secret vote's sheet lists who voted, never how. Sheets of a room that is
// not public are for its managers; hostile ids find nothing.
func TestObserveAndResultSheets(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			f := newFixture(t, storetest.Open(t, backend))
			ctx := t.Context()
			db := f.db
			at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
			if err := db.SetFloorAgenda(ctx, "plenary", "Item 4"); err != nil {
				t.Fatal(err)
			}
			for i, who := range []string{"Lan", "Claire"} {
				state := "pending"
				if i == 0 {
					state = "in_progress"
				}
				if _, err := db.AddFloorRequest(ctx, store.FloorRequest{RoomSlug: "plenary", AgendaItem: "Item 4", Identity: who, Name: who,
					Delegation: "D" + who, Role: "delegate", Kind: "speech", State: state, Position: i, Limit: time.Minute, RequestedAt: at}); err != nil {
					t.Fatal(err)
				}
			}
			named, err := db.OpenVote(ctx, store.Vote{RoomSlug: "plenary", AgendaItem: "Item 4", Motion: "=Adopt the report", Rule: "simple",
				Key: []byte("k"), Present: 2, Required: 2, OpenedBy: "chair", OpenedAt: at})
			if err != nil {
				t.Fatal(err)
			}
			for d, c := range map[string]string{"France": "yes", "Viet Nam": "no", "Japan": "yes"} {
				if err := db.CastNamed(ctx, named.ID, store.Ballot{Delegation: d, Identity: d, Name: d, Choice: c, CastAt: at}); err != nil {
					t.Fatal(err)
				}
			}
			decide := func(rule string, yes, no, abstain int) string {
				if yes > no {
					return "adopted"
				}
				return "rejected"
			}
			if _, err := db.CloseVote(ctx, named.ID, at, "chair", nil, decide); err != nil {
				t.Fatal(err)
			}
			secret, err := db.OpenVote(ctx, store.Vote{RoomSlug: "plenary", Motion: "Elect the rapporteur", Secret: true, Rule: "simple", Key: []byte("k"), OpenedAt: at})
			if err != nil {
				t.Fatal(err)
			}
			box, err := secrets.NewBox([]byte("0123456789abcdef0123456789abcdef"))
			if err != nil {
				t.Fatal(err)
			}
			room := conference.Store{DB: db, Box: box}
			for _, d := range []string{"France", "Japan"} {
				if err := room.CastSecret(ctx, secret.ID, d, procedure.No); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := room.CloseVote(ctx, secret.ID, at, "chair"); err != nil {
				t.Fatal(err)
			}
			open, err := db.OpenVote(ctx, store.Vote{RoomSlug: "plenary", Motion: "Close the debate", Rule: "simple", Key: []byte("k"), OpenedAt: at})
			if err != nil {
				t.Fatal(err)
			}
			sheet := func(id int64) string { return "/en/rooms/plenary/votes/" + itoa(id) }

			// Not public: nothing for the public.
			for _, p := range []string{"/en/rooms/plenary/observe", "/en/rooms/plenary/observe.json", sheet(named.ID), sheet(named.ID) + "/sheet.csv"} {
				if code, _ := f.get("", p); code != http.StatusNotFound {
					t.Errorf("%s before the room is public: %d", p, code)
				}
			}
			// Its managers see the sheets; a chair not assigned does not.
			f.user("boss", account.RoleAdmin)
			f.user("other", account.RoleChair)
			if code, body := f.get("boss", sheet(named.ID)); code != http.StatusOK || !strings.Contains(body, "Result of the vote") {
				t.Fatalf("the admin's sheet: %d %s", code, body)
			}
			if code, _ := f.get("other", sheet(named.ID)); code == http.StatusOK {
				t.Error("a chair not assigned to the room read its sheet")
			}

			if err := db.SetProcedureRoom(ctx, store.ProcedureRoom{RoomSlug: "plenary", QuorumKind: "majority", Public: true}); err != nil {
				t.Fatal(err)
			}
			code, body := f.get("", "/en/rooms/plenary/observe")
			if code != http.StatusOK || !strings.Contains(body, "Claire") || !strings.Contains(body, "Has the floor: Lan (DLan)") ||
				!strings.Contains(body, "Close the debate") || !strings.Contains(body, "is adopted: 2 yes, 1 no, 0 abstentions") {
				t.Fatalf("observe page: %d %s", code, body)
			}
			req, _ := http.NewRequestWithContext(ctx, "GET", f.ts.URL+"/fr/rooms/plenary/observe.json", nil)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var o conference.Observe
			err = json.NewDecoder(res.Body).Decode(&o)
			res.Body.Close()
			if err != nil || !strings.Contains(res.Header.Get("Cache-Control"), "private") {
				t.Fatalf("observe.json: %v, Cache-Control %q", err, res.Header.Get("Cache-Control"))
			}
			if o.AgendaItem != "Item 4" || o.Current == nil || o.Current.Name != "Lan" || len(o.Speakers) != 1 || o.VoteOpen != "Close the debate" ||
				len(o.Results) != 2 || o.Results[0].Ballots != nil || o.Results[0].Counts.No != 2 || o.Results[1].Ballots["Viet Nam"] != "no" ||
				!strings.Contains(o.Lines[1], "est adoptée") {
				t.Fatalf("observe.json = %+v", o)
			}

			// The sheets in every language.
			for code, title := range map[string]string{"vi": "Kết quả biểu quyết", "en": "Result of the vote", "fr": "Résultat du vote",
				"es": "Resultado de la votación", "ru": "Результаты голосования", "zh": "表决结果", "ar": "نتيجة التصويت"} {
				p := strings.Replace(sheet(named.ID), "/en/", "/"+code+"/", 1)
				if st, body := f.get("", p); st != http.StatusOK || !strings.Contains(body, title) || !strings.Contains(body, "Viet Nam") {
					t.Errorf("%s sheet: %d", code, st)
				}
			}
			_, csv := f.get("", sheet(named.ID)+"/sheet.csv")
			if !strings.HasPrefix(csv, "\ufeff") || !strings.Contains(csv, "'=Adopt the report") || !strings.Contains(csv, "Viet Nam,No") {
				t.Errorf("csv = %q", csv)
			}
			_, js := f.get("", sheet(secret.ID)+"/sheet.json")
			if !strings.Contains(js, `"no":2`) || !strings.Contains(js, `"voted":["France","Japan"]`) || strings.Contains(js, "ballots") {
				t.Errorf("secret sheet json = %s", js)
			}
			_, page := f.get("", sheet(secret.ID))
			if !strings.Contains(page, "Delegations that voted") || !strings.Contains(page, "Japan") {
				t.Errorf("secret sheet page = %s", page)
			}
			// "Send to the press office": press writers only; the draft
			// has the result in each language.
			f.user("press", account.RolePressOfficer)
			if _, body := f.get("press", sheet(named.ID)); !strings.Contains(body, "Send to the press office") {
				t.Error("the press officer's sheet has no press button")
			}
			if _, body := f.get("boss", sheet(named.ID)); strings.Contains(body, "Send to the press office") == false {
				t.Error("the admin (a press writer) has no press button")
			}
			if code, _ := f.form("other", sheet(named.ID)+"/press", nil); code != http.StatusForbidden || len(f.announced) != 0 {
				t.Fatalf("a chair sent a result to the press office: %d, %d drafts", code, len(f.announced))
			}
			f.form("press", sheet(named.ID)+"/press", nil)
			if len(f.announced) != 1 || len(f.announced[0]) != 7 {
				t.Fatalf("drafts = %+v", f.announced)
			}
			for _, a := range f.announced[0] {
				if a.Lang == "vi" && (!strings.Contains(a.Title, "Kết quả biểu quyết: =Adopt the report") || !strings.Contains(a.Body, "Viet Nam: Không tán thành")) {
					t.Errorf("Vietnamese draft = %+v", a)
				}
			}
			f.form("press", sheet(open.ID)+"/press", nil)
			if len(f.announced) != 1 {
				t.Error("an open vote was sent to the press office")
			}

			// Hostile ids: not a number, unknown, still open, another room's.
			other, err := db.CreateRoom(ctx, store.Room{Slug: "other", Title: "Other"})
			if err != nil {
				t.Fatal(err)
			}
			ov, err := db.RecordConsensus(ctx, store.Vote{RoomSlug: other.Slug, Motion: "x", OpenedAt: at}, "c")
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range []string{"/en/rooms/plenary/votes/abc", "/en/rooms/plenary/votes/-1", sheet(99999), sheet(open.ID), sheet(ov.ID),
				"/en/rooms/nowhere/observe.json"} {
				if code, _ := f.get("", p); code != http.StatusNotFound {
					t.Errorf("%s: %d", p, code)
				}
			}
		})
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestResultSheetTimes (both backends): a result sheet gives its times
// in words in each of the seven languages with the zone named: UTC for a
// room no event meets in, else the event's zone and its offset, as a
// page and in the CSV; the page's <time> elements keep the instant.
func TestResultSheetTimes(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			f := newFixture(t, storetest.Open(t, backend))
			ctx := t.Context()
			db := f.db
			opened := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
			start := time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)
			ev, err := db.CreateEvent(ctx, store.Event{Slug: "hanoi-forum", Zone: "Asia/Ho_Chi_Minh", StartsAt: start, EndsAt: start.Add(8 * time.Hour),
				StartLocal: "2026-12-07T09:00", EndLocal: "2026-12-07T17:00", Format: "hybrid", Languages: []string{"en"}, SourceLang: "en",
				Translations: map[string]store.EventTranslation{"en": {Title: "Hanoi Forum", Status: store.StatusPublished}}})
			if err != nil {
				t.Fatal(err)
			}
			s, err := db.CreateEventSession(ctx, ev.Slug, "Plenary of the forum", store.EventSession{EventID: ev.ID, Kind: "plenary",
				Titles: map[string]string{"en": "Plenary"}, StartsAt: start, EndsAt: start.Add(8 * time.Hour), StartLocal: "2026-12-07T09:00", EndLocal: "2026-12-07T17:00"})
			if err != nil {
				t.Fatal(err)
			}
			forum := fmt.Sprintf("hanoi-forum-%d", s.ID)
			closed := func(room string) int64 {
				v, err := db.OpenVote(ctx, store.Vote{RoomSlug: room, Motion: "Adopt the report", Rule: "simple", Key: []byte("k"), OpenedBy: "chair", OpenedAt: opened})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := db.CloseVote(ctx, v.ID, opened.Add(5*time.Minute+30*time.Second), "chair", nil, func(string, int, int, int) string { return "rejected" }); err != nil {
					t.Fatal(err)
				}
				if err := db.SetProcedureRoom(ctx, store.ProcedureRoom{RoomSlug: room, QuorumKind: "majority", Public: true}); err != nil {
					t.Fatal(err)
				}
				return v.ID
			}
			inUTC, inEvent := closed("plenary"), closed(forum)

			// As CLDR writes a date and time in each language, then the zone.
			want := map[string][2]string{
				"en": {"December 7, 2026 at 9:00\u202fam (UTC)", "December 7, 2026 at 4:05\u202fpm (Asia/Ho_Chi_Minh, UTC+07:00)"},
				"vi": {"09:00 7 tháng 12, 2026 (UTC)", "16:05 7 tháng 12, 2026 (Asia/Ho_Chi_Minh, UTC+07:00)"},
				"fr": {"09:00 (UTC)", "16:05 (Asia/Ho_Chi_Minh, UTC+07:00)"},
				"es": {"9:00 (UTC)", "16:05 (Asia/Ho_Chi_Minh, UTC+07:00)"},
				"ru": {"09:00 (UTC)", "16:05 (Asia/Ho_Chi_Minh, UTC+07:00)"},
				"zh": {"09:00（UTC）", "16:05（Asia/Ho_Chi_Minh, UTC+07:00）"},
				"ar": {"(UTC)", "(Asia/Ho_Chi_Minh, UTC+07:00)"},
			}
			for code, w := range want {
				for i, id := range []int64{inUTC, inEvent} {
					room := []string{"plenary", forum}[i]
					p := "/" + code + "/rooms/" + room + "/votes/" + itoa(id)
					st, page := f.get("", p)
					page = html.UnescapeString(page)
					if st != http.StatusOK || !strings.Contains(page, w[i]) || !strings.Contains(page, `datetime="2026-12-07T09:00:00Z"`) ||
						!strings.Contains(page, `datetime="2026-12-07T09:05:30Z"`) {
						t.Errorf("%s: %d, want %q in %s", p, st, w[i], sheetFacts(page))
					}
					if _, csv := f.get("", p+"/sheet.csv"); !strings.Contains(csv, w[i]) {
						t.Errorf("%s CSV: want %q in %q", p, w[i], csv)
					}
				}
			}
			// The day is the zone's: 7 December in both, in words.
			if _, page := f.get("", "/fr/rooms/plenary/votes/"+itoa(inUTC)); !strings.Contains(html.UnescapeString(page), "7 décembre 2026") {
				t.Errorf("French date: %s", sheetFacts(page))
			}
		})
	}
}

// sheetFacts is the part of a sheet page that holds its times.
func sheetFacts(page string) string {
	if i := strings.Index(page, `<dl class="sheet-facts">`); i >= 0 {
		page = page[i:]
		if j := strings.Index(page, "</dl>"); j >= 0 {
			return page[:j]
		}
	}
	return page
}
