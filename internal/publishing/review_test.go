package publishing_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/publishing/pubtest"
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
		defer e.VerifyAudit()
		ch, _ := e.Channel("X", social.X, social.Limits{MaxLength: 280}, "vi", "en")
		st := e.Draft(publishing.StatementInput{DueAt: clock.Now().Add(2 * time.Hour), Variants: pubtest.Variants("First words"), Targets: []int64{ch.ID}})
		e.Submit(st.ID)
		st, _ = db.GetStatement(e.Ctx, st.ID)

		var mu sync.Mutex
		var heard []publishing.ChangesRequested
		e.Svc.OnChangesRequested(func(_ context.Context, ev publishing.ChangesRequested) {
			mu.Lock()
			heard = append(heard, ev)
			mu.Unlock()
		})

		// Straight from a list: refused, nothing approved.
		_, err := e.Svc.ApproveReviewed(e.Ctx, e.Approver, st.ID, st.ContentHash, "")
		wantProblem(t, err, "review_error_not_opened")
		_, err = e.Svc.RequestChanges(e.Ctx, e.Approver, st.ID, st.ContentHash, "Fix it")
		wantProblem(t, err, "review_error_not_opened")
		// Opened by someone else: still refused for this approver.
		if err := e.Svc.OpenReview(e.Ctx, e.Second, st); err != nil {
			t.Fatal(err)
		}
		_, err = e.Svc.ApproveReviewed(e.Ctx, e.Approver, st.ID, st.ContentHash, "")
		wantProblem(t, err, "review_error_not_opened")
		// The author opening their own statement may not approve it or
		// ask themselves for changes.
		if err := e.Svc.OpenReview(e.Ctx, e.Author, st); err != nil {
			t.Fatal(err)
		}
		_, err = e.Svc.ApproveReviewed(e.Ctx, e.Author, st.ID, st.ContentHash, "")
		wantProblem(t, err, "press_error_self_approval")
		_, err = e.Svc.RequestChanges(e.Ctx, e.Author, st.ID, st.ContentHash, "Fix it")
		wantProblem(t, err, "review_error_own")

		if err := e.Svc.OpenReview(e.Ctx, e.Approver, st); err != nil {
			t.Fatal(err)
		}
		// A request for changes needs a comment, of readable size.
		_, err = e.Svc.RequestChanges(e.Ctx, e.Approver, st.ID, st.ContentHash, "   ")
		wantProblem(t, err, "review_error_comment_needed")
		_, err = e.Svc.RequestChanges(e.Ctx, e.Approver, st.ID, st.ContentHash, strings.Repeat("é", publishing.MaxComment+1))
		wantProblem(t, err, "review_error_comment_long")
		_, err = e.Svc.RequestChanges(e.Ctx, e.Approver, st.ID, st.ContentHash, "bad \x00 byte")
		wantProblem(t, err, "review_error_comment_text")
		_, err = e.Svc.RequestChanges(e.Ctx, e.Approver, st.ID, "0000", "Fix it")
		wantProblem(t, err, "review_error_not_opened")

		c, err := e.Svc.RequestChanges(e.Ctx, e.Approver, st.ID, st.ContentHash, "  Say 'envoy', not 'ambassador'.  ")
		if err != nil {
			t.Fatal(err)
		}
		if c.Body != "Say 'envoy', not 'ambassador'." || c.Kind != store.CommentChanges || c.Author != "approver" {
			t.Fatalf("comment %+v", c)
		}
		if got, _ := db.GetStatement(e.Ctx, st.ID); got.State != store.StateDraft {
			t.Fatalf("after changes requested: %s", got.State)
		}
		e.WantState(st.ID, store.StateDraft)
		if len(heard) != 1 || heard[0].Comment.ID != c.ID || heard[0].By.ID != e.Approver.ID || heard[0].Statement.ID != st.ID {
			t.Fatalf("hook heard %+v", heard)
		}
		// Twice is refused: it is no longer awaiting approval.
		_, err = e.Svc.RequestChanges(e.Ctx, e.Approver, st.ID, st.ContentHash, "again")
		wantProblem(t, err, "review_error_stale")
		open, err := db.OpenChangeRequests(e.Ctx, 10)
		if err != nil || len(open) != 1 || open[0].ID != c.ID {
			t.Fatalf("open requests %+v %v", open, err)
		}

		// The author answers, edits, submits; the approver opens, approves.
		if _, err := e.Svc.Comment(e.Ctx, e.Author, st.ID, "Done, thanks."); err != nil {
			t.Fatal(err)
		}
		st2, err := e.Svc.SaveStatement(e.Ctx, e.Author, st.ID, publishing.StatementInput{DueAt: clock.Now().Add(2 * time.Hour),
			Variants: pubtest.Variants("Second words"), Targets: []int64{ch.ID}})
		if err != nil {
			t.Fatal(err)
		}
		e.Submit(st.ID)
		st2, _ = db.GetStatement(e.Ctx, st2.ID)
		// The old version's proof does not carry over to the new one.
		_, err = e.Svc.ApproveReviewed(e.Ctx, e.Approver, st.ID, st.ContentHash, "")
		wantProblem(t, err, "press_error_stale_approval")
		_, err = e.Svc.ApproveReviewed(e.Ctx, e.Approver, st.ID, st2.ContentHash, "")
		wantProblem(t, err, "review_error_not_opened")
		if err := e.Svc.OpenReview(e.Ctx, e.Approver, st2); err != nil {
			t.Fatal(err)
		}
		if err := e.Svc.OpenReview(e.Ctx, e.Approver, st2); err != nil { // opening twice is fine
			t.Fatal(err)
		}
		if _, err := e.Svc.LastApproved(e.Ctx, st.ID); err == nil {
			t.Fatal("a last approved version before any approval")
		}
		r, err := e.Svc.ApproveReviewed(e.Ctx, e.Approver, st.ID, st2.ContentHash, "Good to go.")
		if err != nil || !r.Complete {
			t.Fatalf("approve: %+v %v", r, err)
		}
		cs, err := db.ListComments(e.Ctx, st.ID)
		if err != nil || len(cs) != 3 || cs[1].Kind != store.CommentNote || cs[2].Kind != store.CommentApproved || cs[2].Body != "Good to go." {
			t.Fatalf("thread %+v %v", cs, err)
		}
		if open, _ := db.OpenChangeRequests(e.Ctx, 10); len(open) != 0 {
			t.Fatalf("still open: %+v", open)
		}
		last, err := e.Svc.LastApproved(e.Ctx, st.ID)
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
		defer e.VerifyAudit()
		ch, net := e.Channel("X", social.X, social.Limits{MaxLength: 280}, "vi", "en")

		// Not cleared: a draft, then submitted.
		st := e.Draft(publishing.StatementInput{DueAt: clock.Now().Add(3 * time.Hour), Variants: pubtest.Variants("Now"), Targets: []int64{ch.ID}})
		_, err := e.Svc.PublishNow(e.Ctx, e.Approver, st.ID)
		wantProblem(t, err, "review_error_now_not_cleared")
		e.Submit(st.ID)
		_, err = e.Svc.PublishNow(e.Ctx, e.Approver, st.ID)
		wantProblem(t, err, "review_error_now_not_cleared")
		e.Approve(e.Approver, st.ID)
		if e.Dispatch() != 0 {
			t.Fatal("published before its time")
		}

		// Paused: refused, nothing moves.
		if err := e.Svc.Pause(e.Ctx, e.Approver, 0, "incident"); err != nil {
			t.Fatal(err)
		}
		_, err = e.Svc.PublishNow(e.Ctx, e.Approver, st.ID)
		wantProblem(t, err, "review_error_now_paused")
		if err := e.Svc.Resume(e.Ctx, e.Approver, 0, store.ResumeChoice{Action: store.ResumeNow}); err != nil {
			t.Fatal(err)
		}
		// A channel paused on its own keeps its publication: nothing to do.
		if err := e.Svc.Pause(e.Ctx, e.Approver, ch.ID, "account check"); err != nil {
			t.Fatal(err)
		}
		_, err = e.Svc.PublishNow(e.Ctx, e.Approver, st.ID)
		wantProblem(t, err, "review_error_now_nothing")
		if err := e.Svc.Resume(e.Ctx, e.Approver, ch.ID, store.ResumeChoice{Action: store.ResumeNow}); err != nil {
			t.Fatal(err)
		}

		ids, err := e.Svc.PublishNow(e.Ctx, e.Approver, st.ID)
		if err != nil || len(ids) != 1 {
			t.Fatalf("publish now: %v %v", ids, err)
		}
		// Two dispatchers at once, as two instances would: one post.
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() { _, _ = e.Svc.Dispatch(e.Ctx) })
		}
		wg.Wait()
		e.Dispatch()
		p := e.WantState(st.ID, store.StatePublished)
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
		_, err = e.Svc.PublishNow(e.Ctx, e.Approver, st.ID)
		wantProblem(t, err, "review_error_now_nothing")
		clock.Advance(4 * time.Hour)
		e.Dispatch()
		if len(net.Posts()) != 2 {
			t.Fatalf("%d posts after the approved time, want 2", len(net.Posts()))
		}

		// Withdrawn (recall requested): refused.
		st3 := e.Scheduled(5*time.Hour, ch.ID)
		if err := e.Svc.RequestRecall(e.Ctx, e.Author, st3.ID, "wrong"); err != nil {
			t.Fatal(err)
		}
		_, err = e.Svc.PublishNow(e.Ctx, e.Approver, st3.ID)
		wantProblem(t, err, "review_error_now_recalled")

		// Under embargo: refused.
		st4 := e.Draft(publishing.StatementInput{DueAt: clock.Now().Add(5 * time.Hour), EmbargoUntil: clock.Now().Add(4 * time.Hour),
			Variants: pubtest.Variants("Embargo"), Targets: []int64{ch.ID}})
		e.Submit(st4.ID)
		e.Approve(e.Approver, st4.ID)
		_, err = e.Svc.PublishNow(e.Ctx, e.Approver, st4.ID)
		wantProblem(t, err, "review_error_now_embargo")
		entries, err := db.ListAudit(e.Ctx, store.AuditFilter{StatementID: st.ID})
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
