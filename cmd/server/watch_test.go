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

// Someone posts on the ministry's Mastodon account outside Chancery: the
// watcher finds it (and not the statement Chancery published), press staff
// see a banner on every page, and a press officer acknowledges the alert.
// The channel's health page shows the last publication, the watch and a
// rate limit.
func TestOutOfBandPostAlertsPressStaff(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		const token = "mastodon-token-Wq93kLm2"
		fake := mastodonfake.New(token)
		t.Cleanup(fake.Close)
		fake.SetNow(clock.Now)
		ts := newTestServer(t, db, clock)
		ts.addUser("olivia", "officer-password-1", account.RolePressOfficer)
		ts.addUser("arthur", "approver-password-1", account.RoleApprover)
		ts.addUser("dana", "delegate-password-1", account.RoleDelegate)
		officer := ts.signIn("olivia", "officer-password-1")
		approver := ts.signIn("arthur", "approver-password-1")
		delegate := ts.signIn("dana", "delegate-password-1")
		en := map[string]string{"Accept-Language": "en"}

		ch := ts.api(officer, "POST", "/api/v1/publishing/channels", map[string]any{"network": "mastodon", "name": "Mastodon MOFA",
			"base_url": fake.URL, "languages": []string{"en"}, "time_zone": "UTC"}, http.StatusCreated)
		id := int64(ch["id"].(float64))
		connectChannel(t, ts, officer, id, map[string]string{"access_token": token})
		if ts.app.watcher == nil {
			t.Fatal("no watcher with the default configuration")
		}
		clock.Advance(time.Minute)
		composeAndApprove(t, ts, officer, approver, clock.Now().Add(time.Hour), []int64{id},
			[]map[string]string{{"lang": "en", "title": "Statement", "body": "Viet Nam welcomes the agreement on fisheries."}})
		clock.Advance(time.Hour)
		if n, err := ts.app.publishing.Dispatch(t.Context()); err != nil || n != 1 {
			t.Fatalf("dispatch: %d, %v", n, err)
		}
		// The intruder posts with the account's token, outside Chancery.
		clock.Advance(time.Minute)
		req, _ := http.NewRequest(http.MethodPost, fake.URL+"/api/v1/statuses", strings.NewReader(url.Values{"status": {"Free crypto for all followers!"}}.Encode()))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := http.DefaultClient.Do(req)
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("out-of-band post: %v %v", res, err)
		}
		res.Body.Close()
		clock.Advance(time.Minute)

		rep, err := ts.app.watcher.Check(t.Context())
		if err != nil || rep.Checked != 1 || rep.Alerts != 1 {
			t.Fatalf("watch round: %+v, %v", rep, err)
		}
		board := ts.get(officer, "/press", en)
		wantContains(t, board, "Posts that Chancery did not make were found on the ministry’s accounts (1 open)")
		if strings.Contains(ts.get(delegate, "/en/", en).Body, "Chancery did not make") {
			t.Error("a delegate sees the press office's alert banner")
		}
		list := ts.get(approver, "/press/alerts", en)
		wantStatus(t, list, http.StatusOK)
		wantContains(t, list, "Free crypto for all followers!", "Mastodon MOFA")
		if strings.Contains(list.Body, "welcomes the agreement") {
			t.Error("Chancery's own statement is listed as an out-of-band post")
		}
		alerts, err := db.WatchAlerts(t.Context(), store.WatchAlertFilter{OpenOnly: true})
		if err != nil || len(alerts) != 1 {
			t.Fatalf("alerts %v, %v", alerts, err)
		}
		ack := fmt.Sprintf("/press/alerts/%d/ack", alerts[0].ID)
		wantStatus(t, ts.postForm(approver, ack, url.Values{"verdict": {"hijack"}}, nil), http.StatusForbidden)
		r := ts.postForm(officer, ack, url.Values{"verdict": {"maybe"}}, map[string]string{"Accept-Language": "fr"})
		wantStatus(t, r, http.StatusBadRequest)
		wantContains(t, r, "Indiquez si la publication venait du ministère")
		wantStatus(t, ts.postForm(officer, "/press/alerts/999999/ack", url.Values{"verdict": {"hijack"}}, nil), http.StatusNotFound)
		wantStatus(t, ts.postForm(officer, ack, url.Values{"verdict": {"hijack"}, "note": {"Password changed, incident reported"}}, nil), http.StatusSeeOther)
		wantStatus(t, ts.postForm(officer, ack, url.Values{"verdict": {"ours"}}, nil), http.StatusConflict)
		if strings.Contains(ts.get(officer, "/press", en).Body, "Chancery did not make") {
			t.Error("the banner stays after the alert was acknowledged")
		}
		wantContains(t, ts.get(officer, "/press/alerts", en), "No open alerts.")

		// Health: the last publication, the watch, and a rate limit.
		page := fmt.Sprintf("/press/channels/%d/connect", id)
		h := ts.get(approver, page, en)
		wantContains(t, h, "Watching; the last read succeeded", "No limit in force")
		if strings.Contains(h.Body, `<dd>Not yet</dd>`) {
			t.Errorf("health shows no last publication: %s", excerpt(h.Body))
		}
		if err := db.SetChannelRateLimit(t.Context(), id, clock.Now().Add(10*time.Minute)); err != nil {
			t.Fatal(err)
		}
		wantContains(t, ts.get(approver, page, en), "Rate-limited until")
	})
}
