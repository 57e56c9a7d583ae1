package publishing_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// An approval needs its approver to have opened the exact version; a
// request for changes returns the statement to its author with the comment
// in its thread, and the next review can diff against the last approved
// version.
func TestReviewApprovalNeedsTheOpenedVersion(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock, publishing.Settings{})
		defer e.verifyAudit()
		ch, _ := e.channel("X", social.X, social.Limits{MaxLength: 280}, "vi", "en")
		st := e.draft(publishing.StatementInput{DueAt: clock.Now().Add(2 * time.Hour), Variants: variants("First words"), Targets: []int64{ch.ID}})
		e.submit(st.ID)
		st, _ = db.GetStatement(e.ctx, st.ID)

		var mu sync.Mutex
		var heard []publishing.ChangesRequested
		e.svc.OnChangesRequested(func(_ context.Context, ev publishing.ChangesRequested) {
			mu.Lock()
			heard = append(heard, ev)
			mu.Unlock()
		})

		// Straight from a list: refused, nothing approved.
		_, err := e.svc.ApproveReviewed(e.ctx, e.approver, st.ID, st.ContentHash, "")
		wantProblem(t, err, "review_error_not_opened")
		_, err = e.svc.RequestChanges(e.ctx, e.approver, st.ID, st.ContentHash, "Fix it")
		wantProblem(t, err, "review_error_not_opened")
		// Opened by someone else: still refused for this approver.
		if err := e.svc.OpenReview(e.ctx, e.second, st); err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.ApproveReviewed(e.ctx, e.approver, st.ID, st.ContentHash, "")
		wantProblem(t, err, "review_error_not_opened")
		// The author opening their own statement may not approve it or
		// ask themselves for changes.
		if err := e.svc.OpenReview(e.ctx, e.author, st); err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.ApproveReviewed(e.ctx, e.author, st.ID, st.ContentHash, "")
		wantProblem(t, err, "press_error_self_approval")
		_, err = e.svc.RequestChanges(e.ctx, e.author, st.ID, st.ContentHash, "Fix it")
		wantProblem(t, err, "review_error_own")

		if err := e.svc.OpenReview(e.ctx, e.approver, st); err != nil {
			t.Fatal(err)
		}
		// A request for changes needs a comment, of readable size.
		_, err = e.svc.RequestChanges(e.ctx, e.approver, st.ID, st.ContentHash, "   ")
		wantProblem(t, err, "review_error_comment_needed")
		_, err = e.svc.RequestChanges(e.ctx, e.approver, st.ID, st.ContentHash, strings.Repeat("é", publishing.MaxComment+1))
		wantProblem(t, err, "review_error_comment_long")
		_, err = e.svc.RequestChanges(e.ctx, e.approver, st.ID, st.ContentHash, "bad \x00 byte")
		wantProblem(t, err, "review_error_comment_text")
		_, err = e.svc.RequestChanges(e.ctx, e.approver, st.ID, "0000", "Fix it")
		wantProblem(t, err, "review_error_not_opened")

		c, err := e.svc.RequestChanges(e.ctx, e.approver, st.ID, st.ContentHash, "  Say 'envoy', not 'ambassador'.  ")
		if err != nil {
			t.Fatal(err)
		}
		if c.Body != "Say 'envoy', not 'ambassador'." || c.Kind != store.CommentChanges || c.Author != "approver" {
			t.Fatalf("comment %+v", c)
		}
		if got, _ := db.GetStatement(e.ctx, st.ID); got.State != store.StateDraft {
			t.Fatalf("after changes requested: %s", got.State)
		}
		e.wantState(st.ID, store.StateDraft)
		if len(heard) != 1 || heard[0].Comment.ID != c.ID || heard[0].By.ID != e.approver.ID || heard[0].Statement.ID != st.ID {
			t.Fatalf("hook heard %+v", heard)
		}
		// Twice is refused: it is no longer awaiting approval.
		_, err = e.svc.RequestChanges(e.ctx, e.approver, st.ID, st.ContentHash, "again")
		wantProblem(t, err, "review_error_stale")
		open, err := db.OpenChangeRequests(e.ctx, 10)
		if err != nil || len(open) != 1 || open[0].ID != c.ID {
			t.Fatalf("open requests %+v %v", open, err)
		}

		// The author answers, edits, submits; the approver opens, approves.
		if _, err := e.svc.Comment(e.ctx, e.author, st.ID, "Done, thanks."); err != nil {
			t.Fatal(err)
		}
		st2, err := e.svc.SaveStatement(e.ctx, e.author, st.ID, publishing.StatementInput{DueAt: clock.Now().Add(2 * time.Hour),
			Variants: variants("Second words"), Targets: []int64{ch.ID}})
		if err != nil {
			t.Fatal(err)
		}
		e.submit(st.ID)
		st2, _ = db.GetStatement(e.ctx, st2.ID)
		// The old version's proof does not carry over to the new one.
		_, err = e.svc.ApproveReviewed(e.ctx, e.approver, st.ID, st.ContentHash, "")
		wantProblem(t, err, "press_error_stale_approval")
		_, err = e.svc.ApproveReviewed(e.ctx, e.approver, st.ID, st2.ContentHash, "")
		wantProblem(t, err, "review_error_not_opened")
		if err := e.svc.OpenReview(e.ctx, e.approver, st2); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.OpenReview(e.ctx, e.approver, st2); err != nil { // opening twice is fine
			t.Fatal(err)
		}
		if _, err := e.svc.LastApproved(e.ctx, st.ID); err == nil {
			t.Fatal("a last approved version before any approval")
		}
		r, err := e.svc.ApproveReviewed(e.ctx, e.approver, st.ID, st2.ContentHash, "Good to go.")
		if err != nil || !r.Complete {
			t.Fatalf("approve: %+v %v", r, err)
		}
		cs, err := db.ListComments(e.ctx, st.ID)
		if err != nil || len(cs) != 3 || cs[1].Kind != store.CommentNote || cs[2].Kind != store.CommentApproved || cs[2].Body != "Good to go." {
			t.Fatalf("thread %+v %v", cs, err)
		}
		if open, _ := db.OpenChangeRequests(e.ctx, 10); len(open) != 0 {
			t.Fatalf("still open: %+v", open)
		}
		last, err := e.svc.LastApproved(e.ctx, st.ID)
		if err != nil || last.Hash != st2.ContentHash || last.Actor != "approver" || last.Version.Variants[0].Body != st2.Variants[0].Body {
			t.Fatalf("last approved %+v %v", last, err)
		}
	})
}

// Publish now sends a cleared statement's publications through the
// scheduler at once, exactly once; it is refused for a statement not
// cleared, paused or withdrawn.
func TestPublishNowGoesOutOnceThroughTheScheduler(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock, publishing.Settings{})
		defer e.verifyAudit()
		ch, net := e.channel("X", social.X, social.Limits{MaxLength: 280}, "vi", "en")

		// Not cleared: a draft, then submitted.
		st := e.draft(publishing.StatementInput{DueAt: clock.Now().Add(3 * time.Hour), Variants: variants("Now"), Targets: []int64{ch.ID}})
		_, err := e.svc.PublishNow(e.ctx, e.approver, st.ID)
		wantProblem(t, err, "review_error_now_not_cleared")
		e.submit(st.ID)
		_, err = e.svc.PublishNow(e.ctx, e.approver, st.ID)
		wantProblem(t, err, "review_error_now_not_cleared")
		e.approve(e.approver, st.ID)
		if e.dispatch() != 0 {
			t.Fatal("published before its time")
		}

		// Paused: refused, nothing moves.
		if err := e.svc.Pause(e.ctx, e.approver, 0, "incident"); err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.PublishNow(e.ctx, e.approver, st.ID)
		wantProblem(t, err, "review_error_now_paused")
		if err := e.svc.Resume(e.ctx, e.approver, 0, store.ResumeChoice{Action: store.ResumeNow}); err != nil {
			t.Fatal(err)
		}
		// A channel paused on its own keeps its publication: nothing to do.
		if err := e.svc.Pause(e.ctx, e.approver, ch.ID, "account check"); err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.PublishNow(e.ctx, e.approver, st.ID)
		wantProblem(t, err, "review_error_now_nothing")
		if err := e.svc.Resume(e.ctx, e.approver, ch.ID, store.ResumeChoice{Action: store.ResumeNow}); err != nil {
			t.Fatal(err)
		}

		ids, err := e.svc.PublishNow(e.ctx, e.approver, st.ID)
		if err != nil || len(ids) != 1 {
			t.Fatalf("publish now: %v %v", ids, err)
		}
		// Two dispatchers at once, as two instances would: one post.
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() { _, _ = e.svc.Dispatch(e.ctx) })
		}
		wg.Wait()
		e.dispatch()
		p := e.wantState(st.ID, store.StatePublished)
		if len(net.Posts()) != 2 { // vi and en, one post each
			t.Fatalf("%d posts, want 2", len(net.Posts()))
		}
		for k, n := range net.CountByKey() {
			if n != 1 {
				t.Fatalf("key %s sent %d times", k, n)
			}
		}
		if !p.DueAt.Equal(st.DueAt) {
			t.Fatalf("the approved time changed: %v, was %v", p.DueAt, st.DueAt)
		}
		// Again: nothing waits, and nothing goes out again.
		_, err = e.svc.PublishNow(e.ctx, e.approver, st.ID)
		wantProblem(t, err, "review_error_now_nothing")
		clock.Advance(4 * time.Hour)
		e.dispatch()
		if len(net.Posts()) != 2 {
			t.Fatalf("%d posts after the approved time, want 2", len(net.Posts()))
		}

		// Withdrawn (recall requested): refused.
		st3 := e.scheduled(5*time.Hour, ch.ID)
		if err := e.svc.RequestRecall(e.ctx, e.author, st3.ID, "wrong"); err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.PublishNow(e.ctx, e.approver, st3.ID)
		wantProblem(t, err, "review_error_now_recalled")

		// Under embargo: refused.
		st4 := e.draft(publishing.StatementInput{DueAt: clock.Now().Add(5 * time.Hour), EmbargoUntil: clock.Now().Add(4 * time.Hour),
			Variants: variants("Embargo"), Targets: []int64{ch.ID}})
		e.submit(st4.ID)
		e.approve(e.approver, st4.ID)
		_, err = e.svc.PublishNow(e.ctx, e.approver, st4.ID)
		wantProblem(t, err, "review_error_now_embargo")
		entries, err := db.ListAudit(e.ctx, store.AuditFilter{StatementID: st.ID})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, en := range entries {
			found = found || (en.Action == "statement.publish-now" && en.Actor == "approver")
		}
		if !found {
			t.Fatal("publish now is not in the audit log")
		}
	})
}
