package watch_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/connect/connecttest"
	"github.com/mofa-vn/chancery/internal/httpx/httpxtest"
	"github.com/mofa-vn/chancery/internal/social/bluesky/blueskyfake"
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
		fake := connecttest.Mastodon(t, clock, token)
		ts := connecttest.New(t, db, clock, connecttest.Options{Extra: []string{fake.URL}})
		officer, approver := ts.Staff()
		ts.AddUser("dana", "delegate-password-1", account.RoleDelegate)
		delegate := ts.SignIn("dana", "delegate-password-1")
		en := map[string]string{"Accept-Language": "en"}

		id := ts.ConnectMastodon(officer, fake.URL, "UTC", token)
		if ts.Watcher == nil {
			t.Fatal("no watcher with the default configuration")
		}
		clock.Advance(time.Minute)
		ts.ComposeAndApprove(officer, approver, clock.Now().Add(time.Hour), []int64{id},
			[]map[string]string{{"lang": "en", "title": "Statement", "body": "Viet Nam welcomes the agreement on fisheries."}})
		clock.Advance(time.Hour)
		if n, err := ts.Publishing.Dispatch(t.Context()); err != nil || n != 1 {
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

		rep, err := ts.Watcher.Check(t.Context())
		if err != nil || rep.Checked != 1 || rep.Alerts != 1 {
			t.Fatalf("watch round: %+v, %v", rep, err)
		}
		board := ts.Get(officer, "/press", en)
		httpxtest.WantContains(t, board, "Posts that Chancery did not make were found on the ministry’s accounts (1 open)")
		if strings.Contains(ts.Get(delegate, "/en/", en).Body, "Chancery did not make") {
			t.Error("a delegate sees the press office's alert banner")
		}
		list := ts.Get(approver, "/press/alerts", en)
		httpxtest.WantStatus(t, list, http.StatusOK)
		httpxtest.WantContains(t, list, "Free crypto for all followers!", "Mastodon MOFA")
		if strings.Contains(list.Body, "welcomes the agreement") {
			t.Error("Chancery's own statement is listed as an out-of-band post")
		}
		alerts, err := db.WatchAlerts(t.Context(), store.WatchAlertFilter{OpenOnly: true})
		if err != nil || len(alerts) != 1 {
			t.Fatalf("alerts %v, %v", alerts, err)
		}
		ack := fmt.Sprintf("/press/alerts/%d/ack", alerts[0].ID)
		httpxtest.WantStatus(t, ts.PostForm(approver, ack, url.Values{"verdict": {"hijack"}}, nil), http.StatusForbidden)
		r := ts.PostForm(officer, ack, url.Values{"verdict": {"maybe"}}, map[string]string{"Accept-Language": "fr"})
		httpxtest.WantStatus(t, r, http.StatusBadRequest)
		httpxtest.WantContains(t, r, "Indiquez si la publication venait du ministère")
		httpxtest.WantStatus(t, ts.PostForm(officer, "/press/alerts/999999/ack", url.Values{"verdict": {"hijack"}}, nil), http.StatusNotFound)
		httpxtest.WantStatus(t, ts.PostForm(officer, ack, url.Values{"verdict": {"hijack"}, "note": {"Password changed, incident reported"}}, nil), http.StatusSeeOther)
		httpxtest.WantStatus(t, ts.PostForm(officer, ack, url.Values{"verdict": {"ours"}}, nil), http.StatusConflict)
		if strings.Contains(ts.Get(officer, "/press", en).Body, "Chancery did not make") {
			t.Error("the banner stays after the alert was acknowledged")
		}
		httpxtest.WantContains(t, ts.Get(officer, "/press/alerts", en), "No open alerts.")

		// Health: the last publication, the watch, and a rate limit.
		page := fmt.Sprintf("/press/channels/%d/connect", id)
		h := ts.Get(approver, page, en)
		httpxtest.WantContains(t, h, "Watching; the last read succeeded", "No limit in force")
		if strings.Contains(h.Body, `<dd>Not yet</dd>`) {
			t.Errorf("health shows no last publication: %s", httpxtest.Excerpt(h.Body))
		}
		if err := db.SetChannelRateLimit(t.Context(), id, clock.Now().Add(10*time.Minute)); err != nil {
			t.Fatal(err)
		}
		httpxtest.WantContains(t, ts.Get(approver, page, en), "Rate-limited until")
	})
}

// Reconnecting a channel to another account starts its watch afresh (the
// new account's history is its baseline); reconnecting the same account
// keeps it.
func TestReconnectOtherAccountForgetsWatch(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		a := blueskyfake.New("mofa-vn.bsky.social", "abcd-efgh-ijkl-mnop")
		b := blueskyfake.New("mofa-new.bsky.social", "qrst-uvwx-yz12-3456")
		t.Cleanup(a.Close)
		t.Cleanup(b.Close)
		a.SetNow(clock.Now)
		b.SetNow(clock.Now)
		ts := connecttest.New(t, db, clock, connecttest.Options{Extra: []string{a.URL, b.URL}})
		ts.AddUser("olivia", "officer-password-1", account.RolePressOfficer)
		officer := ts.SignIn("olivia", "officer-password-1")
		ch := ts.API(officer, "POST", "/api/v1/publishing/channels", map[string]any{"network": "bluesky", "name": "Bluesky MOFA",
			"base_url": a.URL, "languages": []string{"en"}, "time_zone": "UTC"}, http.StatusCreated)
		id := int64(ch["id"].(float64))
		ts.Connect(officer, id, map[string]string{"identifier": "mofa-vn.bsky.social", "app_password": "abcd-efgh-ijkl-mnop"})
		if rep, err := ts.Watcher.Check(t.Context()); err != nil || rep.Checked != 1 {
			t.Fatalf("watch: %+v, %v", rep, err)
		}
		watched := func() bool {
			_, err := db.WatchChannelState(t.Context(), id)
			return err == nil
		}
		clock.Advance(time.Hour)
		ts.Connect(officer, id, map[string]string{"identifier": "mofa-vn.bsky.social", "app_password": "abcd-efgh-ijkl-mnop"})
		if !watched() {
			t.Fatal("reconnecting the same account forgot the watch")
		}
		if err := db.SetChannelBaseURL(t.Context(), id, b.URL); err != nil {
			t.Fatal(err)
		}
		ts.Connect(officer, id, map[string]string{"identifier": "mofa-new.bsky.social", "app_password": "qrst-uvwx-yz12-3456"})
		if watched() {
			t.Fatal("the watch of the previous account survived a switch to another account")
		}
		httpxtest.WantContains(t, ts.Get(officer, fmt.Sprintf("/press/channels/%d/connect", id), map[string]string{"Accept-Language": "en"}), "mofa-new.bsky.social")
	})
}

// A statement whose post is on the network while the scheduler still
// waits for the answer is in flight, not an intruder: the watcher defers
// it instead of alerting, and once the answer is recorded it is known as
// Chancery's.
func TestPostInFlightIsNotAnIntruder(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		const token = "mastodon-token-Fl19gHtq"
		fake := connecttest.Mastodon(t, clock, token)
		// A proxy in front of the instance holds the answer to a status
		// create, after the instance made the status.
		target, _ := url.Parse(fake.URL)
		release := make(chan struct{})
		proxy := httputil.NewSingleHostReverseProxy(target)
		proxy.ModifyResponse = func(r *http.Response) error {
			if r.Request.Method == http.MethodPost && r.Request.URL.Path == "/api/v1/statuses" {
				<-release
			}
			return nil
		}
		front := httptest.NewServer(proxy)
		t.Cleanup(front.Close)
		ts := connecttest.New(t, db, clock, connecttest.Options{Extra: []string{front.URL}})
		officer, approver := ts.Staff()
		id := ts.ConnectMastodon(officer, front.URL, "UTC", token)
		clock.Advance(time.Minute)
		ts.ComposeAndApprove(officer, approver, clock.Now().Add(time.Hour), []int64{id},
			[]map[string]string{{"lang": "en", "title": "Statement", "body": "Viet Nam and Laos sign a border agreement."}})
		clock.Advance(time.Hour)
		done := make(chan error, 1)
		go func() { _, err := ts.Publishing.Dispatch(context.WithoutCancel(t.Context())); done <- err }()
		deadline := time.Now().Add(10 * time.Second)
		for len(fake.Statuses()) == 0 {
			if time.Now().After(deadline) {
				close(release)
				t.Fatal("the status never reached the instance")
			}
			time.Sleep(5 * time.Millisecond)
		}
		rep, err := ts.Watcher.Check(t.Context())
		close(release)
		if err != nil || rep.Alerts != 0 || rep.Deferred != 1 {
			t.Fatalf("watch round while in flight: %+v, %v", rep, err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		clock.Advance(10 * time.Minute)
		rep, err = ts.Watcher.Check(t.Context())
		if err != nil || rep.Alerts != 0 || rep.Deferred != 0 {
			t.Fatalf("watch round after the answer: %+v, %v", rep, err)
		}
		if n, _ := db.CountOpenWatchAlerts(t.Context()); n != 0 {
			t.Fatalf("%d alerts for Chancery's own post", n)
		}
	})
}
