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

// Issue 12 through the API, as the press office uses it: an administrator
// (who holds every role) cannot clear a colleague's statement they
// rewrote; a move of an approved publication sends it back for approval;
// and a statement the portal would refuse is refused at submission, in the
// officer's language, before anything is sent.
func TestPressClearanceThroughTheAPI(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		net := pubtest.New(social.Mastodon, social.Limits{MaxLength: 500, Idempotent: true})
		net.Now = clock.Now
		ts := newClearanceServer(t, db, clock, net)
		ts.addUser("olivia", "officer-password-1", account.RolePressOfficer)
		ts.addUser("arthur", "approver-password-1", account.RoleApprover)
		ts.addUser("boss", "admin-password-12", account.RoleAdmin, account.RolePressOfficer, account.RoleApprover)
		officer := ts.signIn("olivia", "officer-password-1")
		approver := ts.signIn("arthur", "approver-password-1")
		boss := ts.signIn("boss", "admin-password-12")

		ch := ts.api(officer, "POST", "/api/v1/publishing/channels", map[string]any{"network": "mastodon", "name": "Mastodon MOFA",
			"base_url": "https://mastodon.example", "languages": []string{"en"}, "time_zone": "Asia/Ho_Chi_Minh"}, http.StatusCreated)
		site := ts.api(officer, "POST", "/api/v1/publishing/channels", map[string]any{"network": "portal", "name": "Cổng thông tin",
			"languages": []string{"en"}, "time_zone": "Asia/Ho_Chi_Minh"}, http.StatusCreated)
		due := clock.Now().Add(time.Hour).UTC()
		statement := func(title, body string, targets ...any) map[string]any {
			return map[string]any{"due_at": due.Format(time.RFC3339), "targets": targets,
				"variants": []map[string]string{{"lang": "en", "title": title, "body": body}}}
		}

		// 1. Two roles on one person.
		st := ts.api(officer, "POST", "/api/v1/publishing/statements", statement("Summit", "Viet Nam welcomes the summit.", ch["id"]), http.StatusCreated)
		path := fmt.Sprintf("/api/v1/publishing/statements/%v", st["id"])
		ts.api(officer, "POST", path+"/submit", nil, http.StatusOK)
		ts.api(boss, "PUT", path, statement("Summit", "Viet Nam regrets the summit.", ch["id"]), http.StatusOK)
		ts.api(boss, "POST", path+"/submit", nil, http.StatusOK)
		hash := ts.api(boss, "GET", path, nil, http.StatusOK)["content_hash"]
		ts.api(boss, "GET", path+"/review", nil, http.StatusOK) // opened: still an author
		r := ts.send(boss, "POST", path+"/approve", "application/json", fmt.Sprintf(`{"hash":%q}`, hash), map[string]string{"Accept-Language": "fr"})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantContains(t, r, "un autre approbateur doit l’approuver")
		// The approval queue does not offer the boss the button either.
		queue := ts.get(boss, "/press/queue", map[string]string{"Accept-Language": "en"})
		wantContains(t, queue, "Summit")
		if strings.Contains(queue.Body, fmt.Sprintf(`action="/press/statements/%v/approve"`, st["id"])) {
			t.Fatal("the queue offers the rewriter the approve button")
		}
		approveForm := fmt.Sprintf(`action="/press/statements/%v/approve"`, st["id"])
		if page := ts.get(boss, fmt.Sprintf("/press/statements/%v", st["id"]), nil); strings.Contains(page.Body, approveForm) {
			t.Fatal("the statement page offers the rewriter the approve button")
		}
		// The approver is offered the review page, where approving is.
		wantContains(t, ts.get(approver, fmt.Sprintf("/press/statements/%v", st["id"]), nil), fmt.Sprintf(`href="/press/statements/%v/review" id="review-link"`, st["id"]))
		ts.api(approver, "GET", path+"/review", nil, http.StatusOK)
		res := ts.api(approver, "POST", path+"/approve", map[string]any{"hash": hash}, http.StatusOK)
		if res["complete"] != true {
			t.Fatalf("approval by another approver: %v", res)
		}

		// 2. Moved sixteen minutes earlier: back to approval.
		pubs := ts.api(officer, "GET", path, nil, http.StatusOK)["publications"].([]any)
		pub := pubs[0].(map[string]any)
		earlier := due.Add(-16 * time.Minute)
		moved := ts.api(officer, "POST", fmt.Sprintf("/api/v1/publishing/publications/%v/reschedule", pub["id"]),
			map[string]any{"due_at": earlier.Format(time.RFC3339)}, http.StatusOK)
		if moved["approval_void"] != true {
			t.Fatalf("reschedule answered %v", moved)
		}
		if got := ts.api(officer, "GET", path, nil, http.StatusOK); got["clearance"] != "submitted" {
			t.Fatalf("after the move the statement is %v", got["clearance"])
		}
		clock.Set(earlier)
		if n, err := ts.pub.Dispatch(t.Context()); err != nil || n != 0 || len(net.Posts()) != 0 {
			t.Fatalf("dispatched %d (%v), %d posts: a moved publication went out unapproved", n, err, len(net.Posts()))
		}

		// 3. No title, for a network and the portal: refused at
		// submission, naming the portal channel and the title.
		st2 := ts.api(officer, "POST", "/api/v1/publishing/statements", statement("", "Viet Nam welcomes the agreement.", ch["id"], site["id"]), http.StatusCreated)
		path2 := fmt.Sprintf("/api/v1/publishing/statements/%v", st2["id"])
		for lang, want := range map[string]string{"fr": "Cổng thông tin exige un titre : remplissez le champ Titre de la version en.",
			"vi": "Cổng thông tin cần có tiêu đề: hãy điền ô Tiêu đề của bản en.", "ar": "تحتاج القناة Cổng thông tin إلى عنوان"} {
			r := ts.send(officer, "POST", path2+"/submit", "application/json", "", map[string]string{"Accept-Language": lang})
			wantStatus(t, r, http.StatusUnprocessableEntity)
			wantContains(t, r, want, `"field":"variants"`)
		}
		// The compose page's submit button says the same.
		page := ts.postForm(officer, fmt.Sprintf("/press/statements/%v/submit", st2["id"]), nil, map[string]string{"Accept-Language": "en"})
		wantStatus(t, page, http.StatusUnprocessableEntity)
		wantContains(t, page, "Cổng thông tin needs a title: fill in the Title field of the en version.")
		clock.Set(due)
		if _, err := ts.pub.Dispatch(t.Context()); err != nil || len(net.Posts()) != 0 {
			t.Fatalf("%d posts (%v): something went out", len(net.Posts()), err)
		}
		if got := ts.api(officer, "GET", path2, nil, http.StatusOK); got["clearance"] != "draft" {
			t.Fatalf("refused statement is %v", got["clearance"])
		}

		// 4. The calendar's Move form says the approval must be renewed.
		due = clock.Now().Add(2 * time.Hour).UTC()
		st3 := ts.api(officer, "POST", "/api/v1/publishing/statements", statement("Visit", "The minister visits.", ch["id"]), http.StatusCreated)
		path3 := fmt.Sprintf("/api/v1/publishing/statements/%v", st3["id"])
		ts.api(officer, "POST", path3+"/submit", nil, http.StatusOK)
		ts.api(approver, "POST", path3+"/approve", map[string]any{"hash": ts.api(approver, "GET", path3+"/review", nil, http.StatusOK)["content_hash"]}, http.StatusOK)
		pub3 := ts.api(officer, "GET", path3, nil, http.StatusOK)["publications"].([]any)[0].(map[string]any)
		r = ts.postForm(officer, fmt.Sprintf("/press/publications/%v/reschedule", pub3["id"]), map[string][]string{
			"due_at": {due.Add(time.Hour).Format("2006-01-02T15:04")}, "return": {"/press/calendar?view=week"}}, nil)
		wantStatus(t, r, http.StatusSeeOther)
		loc := r.Header.Get("Location")
		if want := fmt.Sprintf("/press/calendar?view=week&notice=reapproval&pub=%v", pub3["id"]); loc != want {
			t.Fatalf("after the Move form: %s, want %s", loc, want)
		}
		cal := ts.get(officer, loc, map[string]string{"Accept-Language": "vi"})
		wantContains(t, cal, "Đã chuyển “Visit” trên", "Phê duyệt bao gồm cả thời gian, nên tuyên bố phải chờ duyệt lại.")
	})
}
