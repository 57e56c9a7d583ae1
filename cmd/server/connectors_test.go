package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/social/mastodon/mastodonfake"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// A press officer composes a statement for a Mastodon channel (the real
// connector, against the fake instance) and the portal; a second person
// approves; when the clock reaches the due time the post is on the
// instance and the article on the portal.
func TestPublishToMastodonAndPortal(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		const token = "mastodon-token-7Hq2x9Lk"
		fake := mastodonfake.New(token)
		t.Cleanup(fake.Close)
		fake.SetNow(clock.Now)
		ts := newTestServer(t, db, clock, allowAPIs(fake.URL))
		ts.addUser("olivia", "officer-password-1", account.RolePressOfficer)
		ts.addUser("arthur", "approver-password-1", account.RoleApprover)
		officer := ts.signIn("olivia", "officer-password-1")
		approver := ts.signIn("arthur", "approver-password-1")

		mast := ts.api(officer, "POST", "/api/v1/publishing/channels", map[string]any{"network": "mastodon", "name": "Mastodon MOFA",
			"base_url": fake.URL, "languages": []string{"en"}, "time_zone": "Asia/Ho_Chi_Minh"}, http.StatusCreated)
		portalCh := ts.api(officer, "POST", "/api/v1/publishing/channels", map[string]any{"network": "portal", "name": "Portal",
			"languages": []string{"en", "vi"}, "time_zone": "Asia/Ho_Chi_Minh"}, http.StatusCreated)
		mastID := int64(mast["id"].(float64))
		connectChannel(t, ts, officer, mastID, map[string]string{"access_token": token})

		id := composeAndApprove(t, ts, officer, approver, clock.Now().Add(time.Hour), []int64{mastID, int64(portalCh["id"].(float64))},
			[]map[string]string{
				{"lang": "en", "title": "On the East Sea", "body": "Viet Nam calls for restraint in the East Sea."},
				{"lang": "vi", "title": "Về Biển Đông", "body": "Việt Nam kêu gọi kiềm chế trên Biển Đông."}})
		var got map[string]any
		if n, err := ts.app.publishing.Dispatch(t.Context()); err != nil || n != 0 {
			t.Fatalf("before the due time: dispatched %d, %v", n, err)
		}
		clock.Advance(time.Hour)
		if n, err := ts.app.publishing.Dispatch(t.Context()); err != nil || n != 2 {
			t.Fatalf("dispatch at the due time: %d, %v", n, err)
		}
		statuses := fake.Statuses()
		if len(statuses) != 1 || !strings.Contains(statuses[0].Text, "Viet Nam calls for restraint") {
			t.Fatalf("the instance holds %+v", statuses)
		}
		got = ts.api(officer, "GET", fmt.Sprintf("/api/v1/publishing/statements/%d", id), nil, http.StatusOK)
		var portalURL string
		for _, p := range got["publications"].([]any) {
			p := p.(map[string]any)
			if p["state"] != "published" {
				t.Fatalf("publication %v", p)
			}
			if u := p["remote_url"].(string); strings.HasPrefix(u, ts.URL) {
				portalURL = u
			}
		}
		if portalURL == "" {
			t.Fatalf("no publication links to the portal at %s: %v", ts.URL, got["publications"])
		}
		page := ts.get(ts.client(), strings.TrimPrefix(portalURL, ts.URL), nil)
		wantStatus(t, page, http.StatusOK)
		wantContains(t, page, "On the East Sea", "Viet Nam calls for restraint in the East Sea.")
	})
}

// composeAndApprove has officer compose a statement for targets, due at
// due, and submit it, and approver approve it. It returns its ID.
func composeAndApprove(t *testing.T, ts *testServer, officer, approver *http.Client, due time.Time, targets []int64, variants []map[string]string) int64 {
	t.Helper()
	st := ts.api(officer, "POST", "/api/v1/publishing/statements", map[string]any{"due_at": due.UTC().Format(time.RFC3339),
		"targets": targets, "variants": variants}, http.StatusCreated)
	id := int64(st["id"].(float64))
	ts.api(officer, "POST", fmt.Sprintf("/api/v1/publishing/statements/%d/submit", id), nil, http.StatusOK)
	got := ts.api(officer, "GET", fmt.Sprintf("/api/v1/publishing/statements/%d", id), nil, http.StatusOK)
	ts.api(approver, "GET", fmt.Sprintf("/api/v1/publishing/statements/%d/review", id), nil, http.StatusOK) // opened before approving
	ts.api(approver, "POST", fmt.Sprintf("/api/v1/publishing/statements/%d/approve", id), map[string]string{"hash": got["content_hash"].(string)}, http.StatusOK)
	return id
}

// connectChannel connects a channel through its connect form, as a press
// officer does.
func connectChannel(t *testing.T, ts *testServer, c *http.Client, id int64, secret map[string]string) {
	t.Helper()
	form := url.Values{}
	for k, v := range secret {
		form.Set(k, v)
	}
	wantStatus(t, ts.postForm(c, fmt.Sprintf("/press/channels/%d/connect", id), form, nil), http.StatusSeeOther)
}

// testSecretKey is the credentials key of child servers on PostgreSQL,
// where no key file is generated.
const testSecretKey = "bW9mYS10ZXN0LWtleS0zMi1ieXRlcy1sb25nLXh4eHg="
