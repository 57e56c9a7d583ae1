package publishing_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/connect/connecttest"
	"github.com/mofa-vn/chancery/internal/httpx/httpxtest"
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
		fake := connecttest.Mastodon(t, clock, token)
		ts := connecttest.New(t, db, clock, connecttest.Options{Extra: []string{fake.URL}})
		officer, approver := ts.Staff()

		mastID := ts.ConnectMastodon(officer, fake.URL, "Asia/Ho_Chi_Minh", token)
		portalCh := ts.API(officer, "POST", "/api/v1/publishing/channels", map[string]any{"network": "portal", "name": "Portal",
			"languages": []string{"en", "vi"}, "time_zone": "Asia/Ho_Chi_Minh"}, http.StatusCreated)

		id := ts.ComposeAndApprove(officer, approver, clock.Now().Add(time.Hour), []int64{mastID, int64(portalCh["id"].(float64))},
			[]map[string]string{
				{"lang": "en", "title": "On the East Sea", "body": "Viet Nam calls for restraint in the East Sea."},
				{"lang": "vi", "title": "Về Biển Đông", "body": "Việt Nam kêu gọi kiềm chế trên Biển Đông."}})
		var got map[string]any
		if n, err := ts.Publishing.Dispatch(t.Context()); err != nil || n != 0 {
			t.Fatalf("before the due time: dispatched %d, %v", n, err)
		}
		clock.Advance(time.Hour)
		if n, err := ts.Publishing.Dispatch(t.Context()); err != nil || n != 2 {
			t.Fatalf("dispatch at the due time: %d, %v", n, err)
		}
		statuses := fake.Statuses()
		if len(statuses) != 1 || !strings.Contains(statuses[0].Text, "Viet Nam calls for restraint") {
			t.Fatalf("the instance holds %+v", statuses)
		}
		got = ts.API(officer, "GET", fmt.Sprintf("/api/v1/publishing/statements/%d", id), nil, http.StatusOK)
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
		page := ts.Get(ts.Browser(), strings.TrimPrefix(portalURL, ts.URL), nil)
		httpxtest.WantStatus(t, page, http.StatusOK)
		httpxtest.WantContains(t, page, "On the East Sea", "Viet Nam calls for restraint in the East Sea.")
	})
}
