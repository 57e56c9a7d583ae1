package publishing_test

import (
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/publishing/pubtest"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// An approval covers the time: a press officer who moves an approved
// publication sixteen minutes earlier sends the statement back for
// approval, and nothing goes out, neither at the new time nor at the old
// one, until an approver other than the mover clears it again.
func TestMovedEarlierWaitsForANewApproval(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock, publishing.Settings{})
		x, xNet := e.Channel("X", social.X, social.Limits{MaxLength: 280}, "en")
		boss := e.admin("boss")
		moved := e.Scheduled(time.Hour, x.ID)
		again := e.Scheduled(time.Hour, x.ID)
		approved := e.Pub(moved.ID).DueAt
		earlier := approved.Add(-16 * time.Minute)

		for _, tc := range []struct {
			st publishing.Statement
			by publishing.Actor
		}{{moved, e.Author}, {again, boss}} {
			voided, err := e.Svc.Reschedule(e.Ctx, tc.by, e.Pub(tc.st.ID).ID, earlier)
			if err != nil || !voided {
				t.Fatalf("move: voided %v, %v", voided, err)
			}
			p := e.WantState(tc.st.ID, store.StateSubmitted)
			if !p.DueAt.Equal(earlier) {
				t.Fatalf("due %v, want %v", p.DueAt, earlier)
			}
			if aps, _ := db.ListApprovals(e.Ctx, tc.st.ID); len(aps) != 0 {
				t.Fatalf("approvals survived the move: %+v", aps)
			}
		}
		// The hash covers the new time: an approval of the old one is stale.
		_, err := e.Svc.Approve(e.Ctx, e.Second, again.ID, again.ContentHash)
		wantProblem(t, err, "press_error_stale_approval")
		// The mover, though an approver, is an author of the new time.
		cur, _ := db.GetStatement(e.Ctx, again.ID)
		if !cur.TargetDue[x.ID].Equal(earlier) || publishing.ContentHash(cur) != cur.ContentHash {
			t.Fatalf("stored statement does not carry the moved time in its hash: %+v", cur.TargetDue)
		}
		_, err = e.Svc.Approve(e.Ctx, boss, again.ID, cur.ContentHash)
		wantProblem(t, err, "press_error_own_edit")
		// One of them is cleared again before its new time.
		clock.Set(earlier.Add(-time.Minute))
		if r := e.Approve(e.Second, again.ID); !r.Complete {
			t.Fatalf("re-approval: %+v", r)
		}

		clock.Set(earlier.Add(-time.Second))
		if n := e.Dispatch(); n != 0 {
			t.Fatalf("%d went out before the new time", n)
		}
		clock.Set(earlier)
		e.Dispatch()
		e.WantState(again.ID, store.StatePublished)
		e.WantState(moved.ID, store.StateSubmitted)
		clock.Set(approved) // the old time means nothing now
		e.Dispatch()
		e.WantState(moved.ID, store.StateSubmitted)
		if posts := xNet.Posts(); len(posts) != 1 {
			t.Fatalf("%d posts, want only the re-approved one", len(posts))
		}
		e.VerifyAudit()
	})
}

// A time changed by a path that did not renew the approval (here the
// store's bare reschedule) no longer matches the content hash that the
// scheduler computes again before publishing: the publication is held.
func TestSchedulerHoldsATimeNobodyApproved(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock, publishing.Settings{})
		x, xNet := e.Channel("X", social.X, social.Limits{MaxLength: 280}, "en")
		st := e.Scheduled(time.Hour, x.ID)
		p := e.Pub(st.ID)
		at := clock.Now().Add(10 * time.Minute)
		if err := db.ReschedulePublication(e.Ctx, p.ID, at, store.AuditEntry{Actor: "bypass", Action: "publication.reschedule"}); err != nil {
			t.Fatal(err)
		}
		clock.Set(at)
		e.Dispatch()
		if p := e.WantState(st.ID, store.StateScheduled); p.Held != store.HeldApprovalExpired {
			t.Fatalf("held %q, want approval-expired", p.Held)
		}
		// Releasing it now does not approve the time either.
		if err := e.Svc.Decide(e.Ctx, e.Author, p.ID, store.ResumeNow, time.Time{}); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Hour)
		e.Dispatch()
		if len(xNet.Posts()) != 0 {
			t.Fatal("a time nobody approved went out")
		}
	})
}

// What clearance allows without a new approval: going out later than
// approved because the system held it (a pause, an outage beyond the
// grace), released now by a person. The due time the approval covers
// stays; the statement is never published earlier than approved.
func TestReleaseNowKeepsTheApproval(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock, publishing.Settings{Grace: 5 * time.Minute})
		x, xNet := e.Channel("X", social.X, social.Limits{MaxLength: 280}, "en")
		fb, fbNet := e.Channel("Facebook", social.Facebook, social.Limits{MaxLength: 5000}, "en")
		paused := e.Scheduled(time.Hour, x.ID)
		late := e.Scheduled(time.Hour, fb.ID)
		approved := e.Pub(paused.ID).DueAt
		if err := e.Svc.Pause(e.Ctx, e.Author, x.ID, "checking the account"); err != nil {
			t.Fatal(err)
		}
		clock.Set(approved.Add(20 * time.Minute)) // the server was down, X paused
		e.Dispatch()
		if p := e.WantState(late.ID, store.StateScheduled); p.Held != store.HeldLate {
			t.Fatalf("held %q, want late", p.Held)
		}
		if err := e.Svc.Resume(e.Ctx, e.Author, x.ID, store.ResumeChoice{Action: store.ResumeNow}); err != nil {
			t.Fatal(err)
		}
		if err := e.Svc.Decide(e.Ctx, e.Author, e.Pub(late.ID).ID, store.ResumeNow, time.Time{}); err != nil {
			t.Fatal(err)
		}
		e.Dispatch()
		for _, st := range []int64{paused.ID, late.ID} {
			p := e.WantState(st, store.StatePublished)
			if !p.DueAt.Equal(approved) {
				t.Fatalf("due time changed to %v, want the approved %v", p.DueAt, approved)
			}
		}
		if len(xNet.Posts()) != 1 || len(fbNet.Posts()) != 1 {
			t.Fatalf("posts: X %d, Facebook %d", len(xNet.Posts()), len(fbNet.Posts()))
		}
	})
}

// A target moved before submission keeps its own time: the approval covers
// both times, and each channel publishes at its own.
func TestTargetsAtTheirOwnTimes(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock, publishing.Settings{})
		x, xNet := e.Channel("X", social.X, social.Limits{MaxLength: 280}, "en")
		fb, fbNet := e.Channel("Facebook", social.Facebook, social.Limits{MaxLength: 5000}, "en")
		due := clock.Now().Add(time.Hour)
		st := e.Draft(publishing.StatementInput{DueAt: due, Variants: pubtest.Variants("Two times"), Targets: []int64{x.ID, fb.ID}})
		var fbPub publishing.Publication
		for _, p := range e.Pubs(st.ID) {
			if p.ChannelID == fb.ID {
				fbPub = p
			}
		}
		if voided, err := e.Svc.Reschedule(e.Ctx, e.Author, fbPub.ID, due.Add(30*time.Minute)); err != nil || voided {
			t.Fatalf("moving a draft's target: voided %v, %v", voided, err)
		}
		// Moving it into the past is refused.
		_, err := e.Svc.Reschedule(e.Ctx, e.Author, fbPub.ID, clock.Now().Add(-time.Minute))
		wantProblem(t, err, "press_error_due_past")
		e.Submit(st.ID)
		if r := e.Approve(e.Approver, st.ID); !r.Complete {
			t.Fatalf("approval: %+v", r)
		}
		clock.Set(due)
		e.Dispatch()
		if len(xNet.Posts()) != 1 || len(fbNet.Posts()) != 0 {
			t.Fatalf("at the statement's time: X %d, Facebook %d", len(xNet.Posts()), len(fbNet.Posts()))
		}
		clock.Set(due.Add(30 * time.Minute))
		e.Dispatch()
		if len(fbNet.Posts()) != 1 {
			t.Fatal("Facebook did not publish at its own time")
		}
	})
}
