package main

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/signing"
	"github.com/mofa-vn/chancery/internal/social/mastodon/mastodonfake"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// recallFixture is a statement published on Mastodon and on the portal, in
// English and Vietnamese, with the people who recall it.
type recallFixture struct {
	ts                 *testServer
	fake               *mastodonfake.Server
	officer, approver  *http.Client
	id                 int64
	enPath, viPath     string
	mastodonURL        string
	portalURL          string
	digest             string // SHA-256 of the canonical signed English text
	canonical          string
	title, body, viTxt string
}

func publishForRecall(t *testing.T, db *store.DB, clock *storetest.Clock) *recallFixture {
	t.Helper()
	const token = "mastodon-token-R3c4ll"
	f := &recallFixture{fake: mastodonfake.New(token), title: "On the fishing season",
		body: "Viet Nam announces the fishing season opens on 3 May.", viTxt: "Việt Nam thông báo mùa đánh bắt mở vào ngày 3 tháng 5."}
	t.Cleanup(f.fake.Close)
	f.fake.SetNow(clock.Now)
	ts := newTestServer(t, db, clock, allowAPIs(f.fake.URL))
	f.ts = ts
	ts.addUser("olivia", "officer-password-1", account.RolePressOfficer)
	ts.addUser("arthur", "approver-password-1", account.RoleApprover)
	f.officer = ts.signIn("olivia", "officer-password-1")
	f.approver = ts.signIn("arthur", "approver-password-1")
	mast := ts.api(f.officer, "POST", "/api/v1/publishing/channels", map[string]any{"network": "mastodon", "name": "Mastodon MOFA",
		"base_url": f.fake.URL, "languages": []string{"en"}, "time_zone": "Asia/Ho_Chi_Minh"}, http.StatusCreated)
	portalCh := ts.api(f.officer, "POST", "/api/v1/publishing/channels", map[string]any{"network": "portal", "name": "Portal",
		"languages": []string{"en", "vi", "ar"}, "time_zone": "Asia/Ho_Chi_Minh"}, http.StatusCreated)
	mastID := int64(mast["id"].(float64))
	connectChannel(t, ts, f.officer, mastID, map[string]string{"access_token": token})
	f.id = composeAndApprove(t, ts, f.officer, f.approver, clock.Now().Add(time.Hour), []int64{mastID, int64(portalCh["id"].(float64))},
		[]map[string]string{{"lang": "en", "title": f.title, "body": f.body}, {"lang": "vi", "title": "Về mùa đánh bắt", "body": f.viTxt},
			{"lang": "ar", "title": "بشأن موسم الصيد", "body": "تعلن فيت نام أن موسم الصيد يبدأ في 3 مايو."}})
	clock.Advance(time.Hour)
	if n, err := ts.app.publishing.Dispatch(t.Context()); err != nil || n != 2 {
		t.Fatalf("dispatch at the due time: %d, %v", n, err)
	}
	got := ts.api(f.officer, "GET", fmt.Sprintf("/api/v1/publishing/statements/%d", f.id), nil, http.StatusOK)
	for _, p := range got["publications"].([]any) {
		u, _ := p.(map[string]any)["remote_url"].(string)
		if strings.HasPrefix(u, ts.URL) {
			f.portalURL = u
		} else {
			f.mastodonURL = u
		}
	}
	f.enPath = fmt.Sprintf("/en/news/statement-%d", f.id)
	f.viPath = fmt.Sprintf("/vi/news/statement-%d", f.id)
	if !strings.HasPrefix(f.portalURL, ts.URL+"/") || !strings.HasSuffix(f.portalURL, fmt.Sprintf("/news/statement-%d", f.id)) || f.mastodonURL == "" {
		t.Fatalf("publications %v", got["publications"])
	}
	signed, err := ts.app.statements.SignedByPath(t.Context(), f.enPath)
	if err != nil || len(signed) != 1 {
		t.Fatalf("signed versions of %s: %+v, %v", f.enPath, signed, err)
	}
	c, err := signing.Canonical(signed[0].Statement)
	if err != nil {
		t.Fatal(err)
	}
	f.canonical, f.digest = string(c), signing.Digest(c)
	return f
}

// TestRecallShowsEverywhere: after a second person approves a recall that
// keeps a withdrawal notice, the post is gone from the network, and the
// statement page, the status board, the calendar and the API say
// withdrawn, when, by whom and why, with no link to a deleted post; the
// portal page, its history and its earlier version show the notice and no
// text; the verify page says withdrawn for the address, the pasted text
// and the signed text, never "latest", and no longer hands out the
// signature; feeds and sitemaps drop it; the page cache does not serve
// the text it held before.
func TestRecallShowsEverywhere(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		f := publishForRecall(t, db, clock)
		ts, anon := f.ts, f.ts.client()

		// Before: the page (now in the page cache), the verify page, the
		// downloads, the feed and the sitemap all show the statement.
		wantContains(t, ts.get(anon, f.enPath, nil), f.title, f.body)
		wantContains(t, ts.get(anon, f.enPath+"/history", nil), f.title)
		wantContains(t, ts.get(anon, signing.VerifyLink("en", ts.URL+f.enPath), nil), "This is the latest version.")
		wantStatus(t, ts.get(anon, "/en/verify/"+f.digest+".sig", nil), http.StatusOK)
		wantContains(t, ts.get(anon, "/en/feed.atom", nil), f.enPath)
		wantContains(t, ts.get(anon, "/en/sitemap.xml", nil), f.enPath)

		// The choice for the portal pages is checked, in the officer's language.
		bad := ts.send(f.officer, "POST", fmt.Sprintf("/api/v1/publishing/statements/%d/recall", f.id), "application/json",
			`{"reason":"wrong date","portal_page":"erase"}`, map[string]string{"Accept-Language": "fr"})
		wantStatus(t, bad, http.StatusUnprocessableEntity)
		wantContains(t, bad, "Choisissez si le portail garde un avis de retrait", `"field":"page"`)

		reason := "The season opens on 5 May, not 3 May."
		ts.api(f.officer, "POST", fmt.Sprintf("/api/v1/publishing/statements/%d/recall", f.id), map[string]string{"reason": reason, "portal_page": "notice"}, http.StatusOK)
		// Requested is not withdrawn: nothing changed for the public yet.
		wantContains(t, ts.get(anon, f.enPath, nil), f.body)
		requested := ts.api(f.officer, "GET", fmt.Sprintf("/api/v1/publishing/statements/%d", f.id), nil, http.StatusOK)
		if requested["state"] == "withdrawn" || requested["withdrawal"] != nil || requested["recall_page"] != "notice" {
			t.Fatalf("requested recall: state %v, withdrawal %v, page %v", requested["state"], requested["withdrawal"], requested["recall_page"])
		}
		// The officer may not approve (no role); the approver does.
		ts.api(f.officer, "POST", fmt.Sprintf("/api/v1/publishing/statements/%d/recall/approve", f.id), nil, http.StatusForbidden)
		clock.Advance(10 * time.Minute)
		approvedAt := clock.Now().UTC().Truncate(time.Second)
		res := ts.send(f.approver, "POST", fmt.Sprintf("/api/v1/publishing/statements/%d/recall/approve", f.id), "application/json", "", nil)
		wantStatus(t, res, http.StatusOK)
		if strings.Count(res.Body, `"deleted":true`) != 2 {
			t.Fatalf("recall results: %s", res.Body)
		}
		if n := len(f.fake.Statuses()); n != 0 {
			t.Fatalf("the instance still holds %d posts", n)
		}

		// The API: withdrawn, when, by whom, why; no link to a deleted post.
		got := ts.api(f.officer, "GET", fmt.Sprintf("/api/v1/publishing/statements/%d", f.id), nil, http.StatusOK)
		w, _ := got["withdrawal"].(map[string]any)
		if got["state"] != "withdrawn" || w == nil {
			t.Fatalf("after the recall: state %v, withdrawal %v", got["state"], got["withdrawal"])
		}
		at, err := time.Parse(time.RFC3339Nano, w["at"].(string))
		if err != nil || !at.Truncate(time.Second).Equal(approvedAt) || w["approved_by_name"] != "ARTHUR" || w["requested_by_name"] != "OLIVIA" ||
			w["reason"] != reason || w["portal_page"] != "notice" {
			t.Fatalf("withdrawal %v (at %v, want %v)", w, at, approvedAt)
		}
		for _, p := range got["publications"].([]any) {
			p := p.(map[string]any)
			if p["remote_url"] != nil || p["deleted_at"] == nil {
				t.Errorf("deleted publication still links to its post: %v", p)
			}
		}
		list := ts.get(f.officer, "/api/v1/publishing/statements", nil)
		wantContains(t, list, `"state":"withdrawn"`, `"approved_by_name":"ARTHUR"`)

		// The statement page, the board and the calendar.
		en := map[string]string{"Accept-Language": "en"}
		for _, page := range []string{fmt.Sprintf("/press/statements/%d", f.id), "/press",
			"/press/calendar?view=week&start=" + clock.Now().Format("2006-01-02")} {
			r := ts.get(f.officer, page, en)
			wantStatus(t, r, http.StatusOK)
			wantContains(t, r, "Withdrawn on ", "by ARTHUR, at the request of OLIVIA", html.EscapeString(reason))
			for _, link := range []string{f.mastodonURL, ts.URL + f.enPath, ts.URL + f.viPath} {
				if strings.Contains(r.Body, `href="`+link+`"`) {
					t.Errorf("%s still links to the deleted post %s", page, link)
				}
			}
		}
		wantContains(t, ts.get(f.officer, fmt.Sprintf("/press/statements/%d", f.id), en), `data-state="withdrawn"`,
			"Keep each page with a withdrawal notice instead of the text")

		// The portal keeps a notice, never the text, on the page, its
		// history and its earlier version, in each language.
		for _, path := range []string{f.enPath, f.enPath + "/history", f.enPath + "/v/1"} {
			r := ts.get(anon, path, nil)
			wantStatus(t, r, http.StatusOK)
			wantContains(t, r, "The ministry withdrew this statement on ", `lang="en"`)
			for _, text := range []string{f.title, f.body, "verify?url="} {
				if strings.Contains(r.Body, text) {
					t.Errorf("%s still shows %q", path, text)
				}
			}
		}
		vi := ts.get(anon, f.viPath, nil)
		wantStatus(t, vi, http.StatusOK)
		wantContains(t, vi, "Bộ đã rút lại tuyên bố này vào")
		if strings.Contains(vi.Body, f.viTxt) {
			t.Error("the Vietnamese page still shows the text")
		}
		ar := ts.get(anon, signing.VerifyLink("ar", ts.URL+f.enPath), nil)
		wantContains(t, ar, `dir="rtl"`, "سحبت الوزارة هذا البيان في")

		// The verify page: by address, by pasted text, by the signed text.
		checks := map[string]response{
			"address":     ts.get(anon, signing.VerifyLink("en", ts.URL+f.enPath), nil),
			"text":        ts.postForm(anon, "/en/verify", url.Values{"text": {f.title + "\n\n" + f.body}}, nil),
			"signed text": ts.postForm(anon, "/en/verify", url.Values{"text": {f.canonical}}, nil),
		}
		for by, r := range checks {
			wantStatus(t, r, http.StatusOK)
			wantContains(t, r, "This matches a statement signed by the ministry.", "The ministry withdrew this statement on ", f.digest)
			for _, text := range []string{"This is the latest version.", "A newer version exists", f.digest + ".sig", f.digest + ".txt"} {
				if strings.Contains(r.Body, text) {
					t.Errorf("verify by %s still says %q", by, text)
				}
			}
			if by == "address" && strings.Contains(r.Body, f.title) {
				t.Errorf("verify by address shows the withdrawn title")
			}
		}
		for _, ext := range []string{".txt", ".sig"} {
			r := ts.get(anon, "/en/verify/"+f.digest+ext, nil)
			wantStatus(t, r, http.StatusGone)
			wantContains(t, r, "The ministry withdrew this statement on ")
		}

		// Feeds and sitemaps drop it.
		for _, path := range []string{"/en/feed.atom", "/vi/feed.atom", "/en/sitemap.xml", "/vi/sitemap.xml"} {
			r := ts.get(anon, path, nil)
			wantStatus(t, r, http.StatusOK)
			if strings.Contains(r.Body, fmt.Sprintf("statement-%d", f.id)) {
				t.Errorf("%s still lists the withdrawn statement", path)
			}
		}
	})
}

// TestRecallRemovesPage: through the statement page's form, a person who
// is both press officer and approver asks for a recall that removes the
// portal pages and cannot approve it; two approvers then approve at the
// same moment: one approval counts, the other is refused, and the pages
// answer 410 Gone (history and earlier version too) while the verify page
// still says the signature is authentic and withdrawn.
func TestRecallRemovesPage(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		f := publishForRecall(t, db, clock)
		ts, anon := f.ts, f.ts.client()
		ts.addUser("quinn", "both-roles-password-1", account.RolePressOfficer, account.RoleApprover)
		ts.addUser("bao", "approver-password-2", account.RoleApprover)
		quinn := ts.signIn("quinn", "both-roles-password-1")
		bao := ts.signIn("bao", "approver-password-2")
		page := fmt.Sprintf("/press/statements/%d", f.id)
		vi := map[string]string{"Accept-Language": "vi"}

		wantContains(t, ts.get(quinn, page, vi), `name="page" value="remove"`, "Gỡ bỏ các trang")
		// A made-up choice is refused, in the officer's language.
		r := ts.postForm(quinn, page+"/recall", url.Values{"reason": {"sai ngày"}, "page": {"hide"}}, vi)
		wantStatus(t, r, http.StatusSeeOther)
		wantContains(t, ts.get(quinn, r.Header.Get("Location"), vi), "Hãy chọn giữ thông báo rút lại")
		r = ts.postForm(quinn, page+"/recall", url.Values{"reason": {"sai ngày"}, "page": {"remove"}, "mode": {"delete"}}, vi)
		wantStatus(t, r, http.StatusSeeOther)
		// Two roles on one person: still not a second person.
		r = ts.postForm(quinn, page+"/recall/approve", nil, vi)
		wantStatus(t, r, http.StatusSeeOther)
		wantContains(t, ts.get(quinn, r.Header.Get("Location"), vi), "cần người thứ hai", "Gỡ bỏ các trang")
		if st, _ := db.GetStatement(t.Context(), f.id); st.RecallState != "requested" || st.RecallMode != store.RecallRemove {
			t.Fatalf("after a self-approval: %q %q", st.RecallState, st.RecallMode)
		}
		wantContains(t, ts.get(anon, f.enPath, nil), f.body)

		// Two approvers at once: one approval withdraws, the other is refused.
		codes := make(chan int, 2)
		for _, c := range []*http.Client{f.approver, bao} {
			go func() {
				codes <- ts.send(c, "POST", fmt.Sprintf("/api/v1/publishing/statements/%d/recall/approve", f.id), "application/json", "", nil).StatusCode
			}()
		}
		a, b := <-codes, <-codes
		if min(a, b) != http.StatusOK || max(a, b) < 400 || max(a, b) >= 500 {
			t.Fatalf("concurrent approvals answered %d and %d, want one 200 and one refusal", a, b)
		}
		got := ts.api(f.officer, "GET", fmt.Sprintf("/api/v1/publishing/statements/%d", f.id), nil, http.StatusOK)
		w, _ := got["withdrawal"].(map[string]any)
		if got["state"] != "withdrawn" || w == nil || w["portal_page"] != "remove" || w["requested_by_name"] != "QUINN" ||
			(w["approved_by_name"] != "ARTHUR" && w["approved_by_name"] != "BAO") {
			t.Fatalf("after the approvals: %v %v", got["state"], got["withdrawal"])
		}
		if len(f.fake.Statuses()) != 0 {
			t.Fatal("the post is still on the instance")
		}

		for _, path := range []string{f.enPath, f.enPath + "/history", f.enPath + "/v/1", f.viPath} {
			r := ts.get(anon, path, nil)
			wantStatus(t, r, http.StatusGone)
			if strings.Contains(r.Body, f.body) || strings.Contains(r.Body, f.viTxt) {
				t.Errorf("%s shows the text", path)
			}
		}
		wantContains(t, ts.get(anon, f.viPath, nil), "Trang này đã bị gỡ bỏ vào")
		v := ts.get(anon, signing.VerifyLink("fr", ts.URL+f.enPath), nil)
		wantContains(t, v, "Le ministère a retiré cette déclaration le")
		if strings.Contains(v.Body, "dernière version") {
			t.Error("the verify page calls a withdrawn statement the latest version")
		}
		wantStatus(t, ts.get(anon, "/fr/verify/"+f.digest+".txt", nil), http.StatusGone)
	})
}
