package press_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/press"
	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/publishing/pubtest"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// Review, publish now and the audit view tried as an attacker would:
// approving without opening, with another version's hash, with the wrong
// role, as the author holding both roles; publishing now without the
// role; the audit view's raw bodies for the wrong role, hostile filters,
// and an export whose chain verifies offline.
func TestReviewRefusals(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		net := pubtest.New(social.X, social.Limits{MaxLength: 280})
		net.Now = clock.Now
		ts := newPressServer(t, db, clock, net)
		olivia := ts.addUser("olivia", "officer-password-1", account.RolePressOfficer)
		ts.addUser("arthur", "approver-password-1", account.RoleApprover)
		ts.addUser("bea", "both-roles-pass-1", account.RolePressOfficer, account.RoleApprover)
		officer := ts.signIn("olivia", "officer-password-1")
		approver := ts.signIn("arthur", "approver-password-1")
		both := ts.signIn("bea", "both-roles-pass-1")
		en := map[string]string{"Accept-Language": "en"}
		ctx := t.Context()
		ch, err := ts.pub.CreateChannel(ctx, publishing.ActorOf(olivia), publishing.ChannelInput{Network: "x", Name: "X MOFA",
			Account: "MOFA_VN", Languages: []string{"en"}, TimeZone: "Asia/Ho_Chi_Minh"})
		if err != nil {
			t.Fatal(err)
		}
		bea, err := db.GetUserByUsername(ctx, "bea")
		if err != nil {
			t.Fatal(err)
		}
		st, err := ts.pub.SaveStatement(ctx, publishing.ActorOf(bea), 0, publishing.StatementInput{DueAt: clock.Now().Add(5 * time.Hour),
			Variants: []publishing.VariantInput{{Lang: "en", Title: "Floods", Body: "Condolences to the people of the region."}}, Targets: []int64{ch.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if err := ts.pub.Submit(ctx, publishing.ActorOf(bea), st.ID); err != nil {
			t.Fatal(err)
		}
		st, _ = db.GetStatement(ctx, st.ID)
		review := fmt.Sprintf("/press/statements/%d/review", st.ID)
		form := url.Values{"hash": {st.ContentHash}}
		state := func() string {
			got, err := db.GetStatement(ctx, st.ID)
			if err != nil {
				t.Fatal(err)
			}
			return got.State
		}

		// Straight from the queue's old form, never having opened it.
		r := ts.postForm(approver, fmt.Sprintf("/press/statements/%d/approve", st.ID), form, en)
		wantStatus(t, r, http.StatusSeeOther)
		r = ts.postForm(approver, review+"/approve", form, en)
		wantStatus(t, r, http.StatusSeeOther)
		wantContains(t, ts.get(approver, r.Header.Get("Location"), en), "Open this statement’s review and read this version before you decide on it.")
		if state() != store.StateSubmitted {
			t.Fatal("approved without opening")
		}
		// An officer may read the review but not decide.
		wantStatus(t, ts.get(officer, review, en), http.StatusOK)
		wantStatus(t, ts.postForm(officer, review+"/approve", form, en), http.StatusForbidden)
		wantStatus(t, ts.postForm(officer, review+"/changes", url.Values{"hash": {st.ContentHash}, "comment": {"no"}}, en), http.StatusForbidden)
		// The author holding both roles opens it and is still refused.
		page := ts.get(both, review, en)
		wantContains(t, page, "You wrote or changed this version, so someone else must approve it.")
		if strings.Contains(page.Body, "/review/approve") {
			t.Fatal("the author is offered the approve form")
		}
		r = ts.postForm(both, review+"/approve", form, en)
		wantStatus(t, r, http.StatusSeeOther)
		if state() != store.StateSubmitted {
			t.Fatal("the author approved their own statement")
		}
		// Opened, but with another version's hash.
		wantContains(t, ts.get(approver, review, en), `name="hash" value="`+st.ContentHash+`"`)
		wantStatus(t, ts.postForm(approver, review+"/approve", url.Values{"hash": {strings.Repeat("0", 64)}}, en), http.StatusSeeOther)
		if state() != store.StateSubmitted {
			t.Fatal("approved with a forged hash")
		}
		// A request for changes without a comment is refused, nothing saved.
		r = ts.postForm(approver, review+"/changes", url.Values{"hash": {st.ContentHash}, "comment": {"  "}}, en)
		wantContains(t, ts.get(approver, r.Header.Get("Location"), en), "Write what must change.")
		if cs, _ := db.ListComments(ctx, st.ID); len(cs) != 0 || state() != store.StateSubmitted {
			t.Fatalf("after a refused request: %v, %s", cs, state())
		}
		// Publish now: not for officers, not before clearance.
		wantStatus(t, ts.postForm(officer, fmt.Sprintf("/press/statements/%d/publish-now", st.ID), nil, en), http.StatusForbidden)
		r = ts.postForm(approver, fmt.Sprintf("/press/statements/%d/publish-now", st.ID), nil, en)
		wantContains(t, ts.get(approver, r.Header.Get("Location"), en), "Only a cleared statement can be published now.")
		// Approved from the review page with a note.
		r = ts.postForm(approver, review+"/approve", url.Values{"hash": {st.ContentHash}, "comment": {"<script>alert(1)</script>"}}, en)
		wantStatus(t, r, http.StatusSeeOther)
		if state() != store.StateScheduled {
			t.Fatalf("after approval: %s", state())
		}
		page = ts.get(approver, r.Header.Get("Location"), en)
		wantContains(t, page, "&lt;script&gt;alert(1)&lt;/script&gt;")
		if strings.Contains(page.Body, "<script>alert(1)") {
			t.Fatal("a comment is rendered as HTML")
		}
		// A forged notice says nothing of its own.
		forged := ts.get(approver, review+"?notice=now&statement=999999&Title=Hacked", en)
		wantContains(t, forged, `<div class="notice" role="status">Done.</div>`)

		// Published, with a secret the connector failed to redact.
		wantStatus(t, ts.postForm(approver, fmt.Sprintf("/press/statements/%d/publish-now", st.ID), nil, en), http.StatusSeeOther)
		if _, err := ts.pub.Dispatch(ctx); err != nil {
			t.Fatal(err)
		}
		if len(net.Posts()) != 1 {
			t.Fatalf("%d posts", len(net.Posts()))
		}
		if err := db.AppendAudit(ctx, store.AuditEntry{Actor: "scheduler:test", Action: "publication.test", StatementID: st.ID,
			Payload: "Authorization: Bearer sk-live-123456", Response: `{"access_token":"tok-987"}`}); err != nil {
			t.Fatal(err)
		}

		// The audit view: an officer sees entries without raw bodies.
		view := ts.get(officer, fmt.Sprintf("/press/audit?statement=%d", st.ID), en)
		wantStatus(t, view, http.StatusOK)
		wantContains(t, view, "statement.publish-now", "Raw requests and network responses are shown to admins and approvers only.", `data-ok="true"`)
		if strings.Contains(view.Body, "Authorization") || strings.Contains(view.Body, "class=\"audit-raw\"") {
			t.Fatal("an officer sees raw bodies")
		}
		view = ts.get(approver, fmt.Sprintf("/press/audit?statement=%d", st.ID), en)
		wantContains(t, view, `class="audit-raw"`, "Authorization: [redacted]", `access_token&#34;:&#34;[redacted]`)
		if strings.Contains(view.Body, "sk-live") || strings.Contains(view.Body, "tok-987") {
			t.Fatal("a secret is shown")
		}
		// Filters: by person, by date (the day before: nothing), hostile.
		wantContains(t, ts.get(approver, "/press/audit?actor=arthur", en), "statement.approve")
		if v := ts.get(approver, "/press/audit?actor=arthur", en); strings.Contains(v.Body, `data-action="statement.save"`) {
			t.Fatal("the person filter lets others' entries through")
		}
		day := clock.Now().In(time.UTC).AddDate(0, 0, -1).Format("2006-01-02")
		wantContains(t, ts.get(approver, "/press/audit?to="+day, en), "No entries match.")
		for _, q := range []string{"statement=abc", "channel=1%27%20OR%201=1", "from=yesterday", "before=-4"} {
			r := ts.get(approver, "/press/audit?"+q, en)
			wantStatus(t, r, http.StatusBadRequest)
			wantContains(t, r, "Check the filter")
		}

		// The export verifies offline; an officer's hides the bodies.
		exp := ts.get(approver, "/press/audit/export", en)
		wantStatus(t, exp, http.StatusOK)
		prev := ""
		n := 0
		sc := bufio.NewScanner(strings.NewReader(exp.Body))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var l press.AuditLine
			if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
				t.Fatal(err)
			}
			e := store.AuditEntry{Seq: l.Seq, At: l.At, ActorID: l.ActorID, Actor: l.Actor, Action: l.Action, StatementID: l.StatementID,
				PublicationID: l.PublicationID, ContentHash: l.ContentHash, Payload: l.Payload, Response: l.Response, PrevHash: l.PrevHash}
			if l.PrevHash != prev || (!l.Redacted && store.HashAuditEntry(e) != l.Hash) {
				t.Fatalf("line %d does not verify", l.Seq)
			}
			prev, n = l.Hash, n+1
			if strings.Contains(l.Payload+l.Response, "sk-live") || strings.Contains(l.Response, "tok-987") {
				t.Fatal("the export shows a secret")
			}
		}
		if head, _ := db.GetAuditHead(ctx); n == 0 || int64(n) != head.Seq || prev != head.Hash {
			t.Fatalf("export of %d lines ends at %s; head %+v", n, prev, head)
		}
		exp = ts.get(officer, "/press/audit/export", en)
		if strings.Contains(exp.Body, "sk-live") || !strings.Contains(exp.Body, `"redacted":true`) {
			t.Fatal("the officer's export carries raw bodies")
		}
	})
}
