package press_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/publishing/pubtest"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// A press officer composes through the API, is refused bad input in their
// language, an approver clears, the scheduler publishes, and the status
// board and the audit show it.
func TestPressAPIEndToEnd(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		net := pubtest.New(social.Mastodon, social.Limits{MaxLength: 500, Idempotent: true})
		net.Now = clock.Now
		ts := newPressServer(t, db, clock, net)
		ts.addUser("olivia", "officer-password-1", account.RolePressOfficer)
		ts.addUser("arthur", "approver-password-1", account.RoleApprover)
		ts.addUser("dana", "delegate-password-1", account.RoleDelegate)
		officer := ts.signIn("olivia", "officer-password-1")
		approver := ts.signIn("arthur", "approver-password-1")
		delegate := ts.signIn("dana", "delegate-password-1")

		ch := ts.api(officer, "POST", "/api/v1/publishing/channels", map[string]any{"network": "mastodon", "name": "Mastodon MOFA",
			"base_url": "https://mastodon.example", "languages": []string{"en", "fr"}, "time_zone": "Europe/Paris"}, http.StatusCreated)
		chID := ch["id"].(float64)
		// Bad input: an unknown zone, refused in French.
		bad := ts.send(officer, "POST", "/api/v1/publishing/channels", "application/json",
			`{"network":"x","name":"X","languages":["en"],"time_zone":"Mars/Olympus"}`, map[string]string{"Accept-Language": "fr"})
		wantStatus(t, bad, http.StatusUnprocessableEntity)
		wantContains(t, bad, "Fuseau horaire inconnu", `"field":"time_zone"`)

		due := clock.Now().Add(time.Hour).UTC().Format(time.RFC3339)
		st := ts.api(officer, "POST", "/api/v1/publishing/statements", map[string]any{"due_at": due, "targets": []float64{chID},
			"variants": []map[string]string{{"lang": "en", "title": "On the summit", "body": "Viet Nam welcomes the summit."}, {"lang": "fr", "body": "Le Viet Nam salue le sommet."}}}, http.StatusCreated)
		id := int64(st["id"].(float64))
		// A delegate may not even read it.
		wantStatus(t, ts.get(delegate, fmt.Sprintf("/api/v1/publishing/statements/%d", id), nil), http.StatusForbidden)
		ts.api(officer, "POST", fmt.Sprintf("/api/v1/publishing/statements/%d/submit", id), nil, http.StatusOK)
		got := ts.api(officer, "GET", fmt.Sprintf("/api/v1/publishing/statements/%d", id), nil, http.StatusOK)
		hash := got["content_hash"].(string)
		// The officer cannot approve (no role), the approver can.
		ts.api(officer, "POST", fmt.Sprintf("/api/v1/publishing/statements/%d/approve", id), map[string]string{"hash": hash}, http.StatusForbidden)
		// Approving needs the review opened first, as on the pages.
		ts.api(approver, "GET", fmt.Sprintf("/api/v1/publishing/statements/%d/review", id), nil, http.StatusOK)
		res := ts.api(approver, "POST", fmt.Sprintf("/api/v1/publishing/statements/%d/approve", id), map[string]string{"hash": hash}, http.StatusOK)
		if res["complete"] != true {
			t.Fatalf("approval: %v", res)
		}
		clock.Advance(time.Hour)
		if n, err := ts.pub.Dispatch(t.Context()); err != nil || n != 1 {
			t.Fatalf("dispatch: %d %v", n, err)
		}
		got = ts.api(officer, "GET", fmt.Sprintf("/api/v1/publishing/statements/%d", id), nil, http.StatusOK)
		pubs := got["publications"].([]any)
		p := pubs[0].(map[string]any)
		if p["state"] != "published" || !strings.HasPrefix(p["remote_url"].(string), "https://mastodon.example/posts/") {
			t.Fatalf("publication %v", p)
		}
		// The statement itself is published now, not left "scheduled".
		if got["state"] != "published" || got["clearance"] != "scheduled" || got["progress"].(map[string]any)["published"] != 1.0 {
			t.Fatalf("statement state %v, clearance %v, progress %v", got["state"], got["clearance"], got["progress"])
		}
		page := ts.get(officer, fmt.Sprintf("/press/statements/%d", id), map[string]string{"Accept-Language": "en"})
		wantContains(t, page, `data-state="published"`, "1 of 1 publications out")
		if len(net.Posts()) != 2 {
			t.Fatalf("want the English and French posts, got %+v", net.Posts())
		}
		// The status board links to the post, with times in both zones.
		board := ts.get(officer, "/press", map[string]string{"Accept-Language": "en"})
		wantStatus(t, board, http.StatusOK)
		wantContains(t, board, p["remote_url"].(string), "On the summit", "Europe/Paris")
		audit := ts.api(officer, "GET", fmt.Sprintf("/api/v1/publishing/audit?statement=%d", id), nil, http.StatusOK)
		_ = audit

		// Emergency pause: one action, and every signed-in user sees it.
		ts.api(approver, "POST", "/api/v1/publishing/pause", map[string]string{"reason": "Minister's instruction"}, http.StatusOK)
		home := ts.get(delegate, "/en/", nil)
		wantContains(t, home, "All publishing is paused: Minister&#39;s instruction")
		state := ts.api(officer, "GET", "/api/v1/publishing/pause", nil, http.StatusOK)
		if state["paused"] != true {
			t.Fatalf("pause state %v", state)
		}
		ts.api(officer, "POST", "/api/v1/publishing/resume", map[string]string{"action": "sometime"}, http.StatusUnprocessableEntity)
		ts.api(officer, "POST", "/api/v1/publishing/resume", map[string]string{"action": "hold"}, http.StatusOK)
		if strings.Contains(ts.get(delegate, "/en/", nil).Body, "publishing is paused") {
			t.Fatal("banner still shown after resume")
		}

		// The API works with an API token, within the token's scope.
		u, err := db.GetUserByUsername(t.Context(), "olivia")
		if err != nil {
			t.Fatal(err)
		}
		secret, _, err := ts.auth.CreateToken(t.Context(), u, "newsroom script", []account.Role{account.RolePressOfficer}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		r := ts.get(ts.client(), "/api/v1/publishing/statements", map[string]string{"Authorization": "Bearer " + secret})
		wantStatus(t, r, http.StatusOK)
		wantContains(t, r, "Viet Nam welcomes the summit.")
	})
}

// The compose, queue, calendar and channel pages render for press staff,
// and the forms work without JavaScript.
func TestPressPages(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		net := pubtest.New(social.X, social.Limits{MaxLength: 280})
		ts := newPressServer(t, db, clock, net)
		ts.addUser("olivia", "officer-password-1", account.RolePressOfficer)
		officer := ts.signIn("olivia", "officer-password-1")
		r := ts.postForm(officer, "/press/channels", map[string][]string{"network": {"x"}, "name": {"X MOFA"}, "time_zone": {"Asia/Ho_Chi_Minh"}, "languages": {"vi", "en"}}, nil)
		wantStatus(t, r, http.StatusSeeOther)
		if !strings.Contains(r.Header.Get("Location"), "notice=done") {
			t.Fatalf("channel form: %s", r.Header.Get("Location"))
		}
		chs, _ := db.ListChannels(t.Context())
		due := clock.Now().Add(48 * time.Hour).In(time.UTC).Format("2006-01-02T15:04")
		r = ts.postForm(officer, "/press/statements", map[string][]string{"body_vi": {"Tuyên bố"}, "body_en": {"Statement"}, "title_en": {"Title"},
			"due_at": {due}, "targets": {fmt.Sprint(chs[0].ID)}}, nil)
		wantStatus(t, r, http.StatusSeeOther)
		loc := r.Header.Get("Location")
		if !strings.HasPrefix(loc, "/press/statements/") {
			t.Fatalf("compose: %s", loc)
		}
		for _, path := range []string{"/press", "/press/compose", strings.Split(loc, "?")[0], "/press/queue", "/press/calendar", "/press/calendar?view=month", "/press/channels"} {
			for _, lang := range []string{"en", "ar"} {
				page := ts.get(officer, path, map[string]string{"Accept-Language": lang})
				wantStatus(t, page, http.StatusOK)
			}
		}
		page := ts.get(officer, strings.Split(loc, "?")[0], map[string]string{"Accept-Language": "en"})
		wantContains(t, page, "Statement", `name="body_ar"`, "Submit for approval")
		// Submitting with a past time is refused with a readable message.
		r = ts.postForm(officer, strings.Split(loc, "?")[0], map[string][]string{"body_en": {"Statement"}, "due_at": {"2001-01-01T10:00"}, "targets": {fmt.Sprint(chs[0].ID)}}, nil)
		wantStatus(t, r, http.StatusSeeOther)
		// The statement page comes back at once with the message, in the
		// officer's language.
		r = ts.postForm(officer, strings.Split(loc, "?")[0]+"/submit", nil, map[string]string{"Accept-Language": "en"})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantContains(t, r, "Choose a publication time in the future.", `id="compose-error"`, ">Statement</textarea>")
		// A refused save shows the form again as typed.
		r = ts.postForm(officer, strings.Split(loc, "?")[0], map[string][]string{"body_en": {"Kept text"}, "due_at": {"tomorrow"}, "targets": {fmt.Sprint(chs[0].ID)}},
			map[string]string{"Accept-Language": "fr"})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantContains(t, r, ">Kept text</textarea>", "Cette date et heure est illisible.")
	})
}
