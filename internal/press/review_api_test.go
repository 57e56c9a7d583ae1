package press_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/httpx/httpxtest"
	"github.com/mofa-vn/chancery/internal/publishing/pubtest"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// apiError is the error code and field of a refused API call.
func apiError(t *testing.T, got map[string]any, code, field string) {
	t.Helper()
	e, _ := got["error"].(map[string]any)
	if e["code"] != code || (field != "" && e["field"] != field) {
		t.Fatalf("error %v, want code %q field %q", got, code, field)
	}
}

// The review through the API follows the page's rule: approving needs the
// approver to have opened that exact version (GET …/review), a version
// edited since is stale even if opened, the author holding both roles is
// refused; changes need a comment; the thread and publish now work, and
// the roles are checked on each.
func TestReviewAPIApproveNeedsTheOpenedVersion(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		net := pubtest.New(social.X, social.Limits{MaxLength: 280})
		net.Now = clock.Now
		ts := newPressServer(t, db, clock, net)
		ts.addUser("olivia", "officer-password-1", account.RolePressOfficer)
		ts.addUser("arthur", "approver-password-1", account.RoleApprover)
		ts.addUser("bea", "both-roles-pass-1", account.RolePressOfficer, account.RoleApprover)
		officer := ts.signIn("olivia", "officer-password-1")
		approver := ts.signIn("arthur", "approver-password-1")
		both := ts.signIn("bea", "both-roles-pass-1")

		ch := ts.api(officer, "POST", "/api/v1/publishing/channels", map[string]any{"network": "x", "name": "X MOFA", "account": "MOFA_VN",
			"languages": []string{"en"}, "time_zone": "Asia/Ho_Chi_Minh"}, http.StatusCreated)
		statement := func(body string) map[string]any {
			return map[string]any{"due_at": clock.Now().Add(5 * time.Hour).UTC().Format(time.RFC3339), "targets": []any{ch["id"]},
				"variants": []map[string]string{{"lang": "en", "title": "Talks", "body": body}}}
		}
		st := ts.api(officer, "POST", "/api/v1/publishing/statements", statement("The minister met the ambassador of Japan."), http.StatusCreated)
		path := fmt.Sprintf("/api/v1/publishing/statements/%v", st["id"])
		ts.api(officer, "POST", path+"/submit", nil, http.StatusOK)
		v1 := ts.api(officer, "GET", path, nil, http.StatusOK)["content_hash"].(string)
		state := func() string {
			t.Helper()
			return ts.api(officer, "GET", path, nil, http.StatusOK)["state"].(string)
		}

		// Never opened: refused, nothing approved.
		apiError(t, ts.api(approver, "POST", path+"/approve", map[string]any{"hash": v1}, http.StatusUnprocessableEntity), "review_error_not_opened", "hash")
		apiError(t, ts.api(approver, "POST", path+"/changes", map[string]any{"hash": v1, "comment": "Fix it"}, http.StatusUnprocessableEntity),
			"review_error_not_opened", "hash")
		// Opened by an officer: they read it but may not decide.
		rv := ts.api(officer, "GET", path+"/review", nil, http.StatusOK)
		if rv["content_hash"] != v1 || rv["can_decide"] != false || rv["last_approved"] != nil {
			t.Fatalf("the officer's review: %v", rv)
		}
		ts.api(officer, "POST", path+"/approve", map[string]any{"hash": v1}, http.StatusForbidden)
		ts.api(officer, "POST", path+"/changes", map[string]any{"hash": v1, "comment": "no"}, http.StatusForbidden)
		ts.api(officer, "POST", path+"/publish-now", nil, http.StatusForbidden)
		if state() != store.StateSubmitted {
			t.Fatal("approved without opening")
		}

		// Opened by the approver: the first version, all of it new.
		rv = ts.api(approver, "GET", path+"/review", nil, http.StatusOK)
		langs := rv["languages"].([]any)
		if rv["can_decide"] != true || rv["authored"] != false || len(langs) != 1 {
			t.Fatalf("the approver's review: %v", rv)
		}
		// A request for changes needs a comment of readable size; nothing is
		// saved when refused.
		apiError(t, ts.api(approver, "POST", path+"/changes", map[string]any{"hash": v1, "comment": "  "}, http.StatusUnprocessableEntity),
			"review_error_comment_needed", "comment")
		apiError(t, ts.api(approver, "POST", path+"/changes", map[string]any{"hash": v1, "comment": strings.Repeat("é", 4001)}, http.StatusUnprocessableEntity),
			"review_error_comment_long", "comment")
		if state() != store.StateSubmitted || len(comments(t, ts, officer, path)) != 0 {
			t.Fatal("a refused request changed something")
		}
		// Approved, with a note for the thread.
		res := ts.api(approver, "POST", path+"/approve", map[string]any{"hash": v1, "comment": "<b>Good</b>"}, http.StatusOK)
		if res["complete"] != true || state() != store.StateScheduled {
			t.Fatalf("approval: %v, %s", res, state())
		}
		if cs := comments(t, ts, officer, path); len(cs) != 1 || cs[0]["kind"] != "approved" || cs[0]["body"] != "<b>Good</b>" || cs[0]["content_hash"] != v1 {
			t.Fatalf("thread after approval: %v", cs)
		}

		// Bea rewrites a word and submits it: she is an author now.
		ts.api(both, "PUT", path, statement("The minister met the envoy of Japan."), http.StatusOK)
		ts.api(both, "POST", path+"/submit", nil, http.StatusOK)
		v2 := ts.api(officer, "GET", path, nil, http.StatusOK)["content_hash"].(string)
		if v2 == v1 {
			t.Fatal("the edit kept the hash")
		}
		// The approver opened version 1, not this one: stale, then unopened.
		apiError(t, ts.api(approver, "POST", path+"/approve", map[string]any{"hash": v1}, http.StatusUnprocessableEntity), "press_error_stale_approval", "hash")
		apiError(t, ts.api(approver, "POST", path+"/approve", map[string]any{"hash": v2}, http.StatusUnprocessableEntity), "review_error_not_opened", "hash")
		// The author with both roles opens it and is still refused.
		rv = ts.api(both, "GET", path+"/review", nil, http.StatusOK)
		if rv["authored"] != true || rv["can_decide"] != false {
			t.Fatalf("the author's review: %v", rv)
		}
		r := ts.send(both, "POST", path+"/approve", "application/json", fmt.Sprintf(`{"hash":%q}`, v2), map[string]string{"Accept-Language": "en"})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantContains(t, r, `"code":"press_error_own_edit"`)
		apiError(t, ts.api(both, "POST", path+"/changes", map[string]any{"hash": v2, "comment": "Mine"}, http.StatusUnprocessableEntity), "review_error_own", "")
		if state() != store.StateSubmitted {
			t.Fatal("the author approved her own version")
		}

		// The approver's review shows the word changed since version 1.
		rv = ts.api(approver, "GET", path+"/review", nil, http.StatusOK)
		last, _ := rv["last_approved"].(map[string]any)
		if rv["content_hash"] != v2 || last["content_hash"] != v1 || last["kept"] != true || last["by"] != "arthur" {
			t.Fatalf("review of version 2: %v", rv)
		}
		en := rv["languages"].([]any)[0].(map[string]any)
		var del, ins []string
		for _, c := range en["body_diff"].([]any) {
			c := c.(map[string]any)
			switch c["op"] {
			case "delete":
				del = append(del, c["text"].(string))
			case "insert":
				ins = append(ins, c["text"].(string))
			}
		}
		if en["changed"] != true || strings.Join(del, "") != "ambassador" || strings.Join(ins, "") != "envoy" {
			t.Fatalf("diff: %v (deleted %q, inserted %q)", en, del, ins)
		}
		// Changes requested, answered in the thread.
		c := ts.api(approver, "POST", path+"/changes", map[string]any{"hash": v2, "comment": "Keep “ambassador”."}, http.StatusOK)
		if c["kind"] != "changes" || c["content_hash"] != v2 || state() != store.StateDraft {
			t.Fatalf("changes: %v, %s", c, state())
		}
		apiError(t, ts.api(officer, "POST", path+"/comments", map[string]any{"comment": ""}, http.StatusUnprocessableEntity), "review_error_comment_needed", "comment")
		ts.api(officer, "POST", path+"/comments", map[string]any{"comment": "Done."}, http.StatusCreated)
		cs := comments(t, ts, approver, path)
		if len(cs) != 3 || cs[1]["kind"] != "changes" || cs[2]["kind"] != "comment" || cs[2]["author"] != "olivia" {
			t.Fatalf("thread: %v", cs)
		}

		// Back to version 1's text: approved again after opening.
		ts.api(officer, "PUT", path, statement("The minister met the ambassador of Japan."), http.StatusOK)
		ts.api(officer, "POST", path+"/submit", nil, http.StatusOK)
		v3 := ts.api(approver, "GET", path+"/review", nil, http.StatusOK)["content_hash"].(string)
		ts.api(approver, "POST", path+"/approve", map[string]any{"hash": v3}, http.StatusOK)

		// Publish now: asked twice, posted once; then nothing is left to
		// bring forward.
		now := ts.api(approver, "POST", path+"/publish-now", nil, http.StatusOK)
		if ids, _ := now["publications"].([]any); len(ids) != 1 {
			t.Fatalf("publish now: %v", now)
		}
		ts.api(approver, "POST", path+"/publish-now", nil, http.StatusOK)
		if n, err := ts.pub.Dispatch(t.Context()); err != nil || n != 1 || len(net.Posts()) != 1 {
			t.Fatalf("dispatch: %d, %v, %d posts", n, err, len(net.Posts()))
		}
		apiError(t, ts.api(approver, "POST", path+"/publish-now", nil, http.StatusUnprocessableEntity), "review_error_now_nothing", "")
		// A statement that is not there.
		ts.api(approver, "GET", "/api/v1/publishing/statements/999999/review", nil, http.StatusNotFound)
		ts.api(approver, "POST", "/api/v1/publishing/statements/999999/approve", map[string]any{"hash": v3}, http.StatusNotFound)
		ts.api(approver, "GET", "/api/v1/publishing/statements/999999/comments", nil, http.StatusNotFound)
	})
}

// comments is a statement's thread through the API.
func comments(t *testing.T, ts *site, c *http.Client, path string) []map[string]any {
	t.Helper()
	r := ts.get(c, path+"/comments", nil)
	httpxtest.WantStatus(t, r, http.StatusOK)
	var out []map[string]any
	if err := json.Unmarshal([]byte(r.Body), &out); err != nil || out == nil {
		t.Fatalf("thread %q: %v", r.Body, err)
	}
	return out
}
