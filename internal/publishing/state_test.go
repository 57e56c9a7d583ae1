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

// A statement's state follows its publications once it is cleared: it
// does not stay "scheduled" after they went out.
func TestStatementStateFollowsItsPublications(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock, publishing.Settings{})
		lim := social.Limits{MaxLength: 500}
		a, _ := e.Channel("A", social.Mastodon, lim, "en")
		b, nb := e.Channel("B", social.Mastodon, lim, "en")
		c, _ := e.Channel("C", social.Mastodon, lim, "en")
		state := func(id int64) (string, store.Progress) {
			t.Helper()
			st, err := db.GetStatement(e.Ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			prs, err := db.StatementProgress(e.Ctx, []int64{id})
			if err != nil {
				t.Fatal(err)
			}
			if got := store.ProgressOf(e.Pubs(id)); got != prs[id] {
				t.Fatalf("progress counted two ways: %+v and %+v", got, prs[id])
			}
			return prs[id].State(st.State), prs[id]
		}
		want := func(id int64, wantState string, wantPr store.Progress) {
			t.Helper()
			if s, pr := state(id); s != wantState || pr != wantPr {
				t.Fatalf("statement %d: %s %+v, want %s %+v", id, s, pr, wantState, wantPr)
			}
		}

		// Before clearance completes, the state is the clearance state.
		st := e.Draft(publishing.StatementInput{DueAt: clock.Now().Add(time.Minute), Variants: pubtest.Variants("All three"), Targets: []int64{a.ID, b.ID, c.ID}})
		want(st.ID, store.StateDraft, store.Progress{Total: 3})
		e.Submit(st.ID)
		want(st.ID, store.StateSubmitted, store.Progress{Total: 3})
		e.Approve(e.Approver, st.ID)
		want(st.ID, store.StateScheduled, store.Progress{Total: 3})

		// C is paused: A and B go out, the statement is partially published.
		if err := e.Svc.Pause(e.Ctx, e.Author, c.ID, "checking the account"); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Minute)
		if n := e.Dispatch(); n != 2 {
			t.Fatalf("dispatched %d, want 2", n)
		}
		want(st.ID, store.StatePartial, store.Progress{Total: 3, Published: 2})
		if err := e.Svc.Resume(e.Ctx, e.Author, c.ID, store.ResumeChoice{Action: store.ResumeNow}); err != nil {
			t.Fatal(err)
		}
		e.Dispatch()
		want(st.ID, store.StatePublished, store.Progress{Total: 3, Published: 3})

		// One network refuses the content: failed, though A published.
		nb.Script(fail(social.Rejected, false))
		st2 := e.Scheduled(time.Minute, a.ID, b.ID)
		clock.Advance(time.Minute)
		e.Dispatch()
		want(st2.ID, store.StateFailed, store.Progress{Total: 2, Published: 1, Failed: 1})

		// A duplicate answer with no post to be found needs a person's
		// check (once the network had time to show the post), which wins
		// over the rest.
		nb.Script(fail(social.Duplicate, false))
		st3 := e.Scheduled(time.Minute, a.ID, b.ID)
		clock.Advance(time.Minute)
		e.settleAll(40, st3.ID)
		want(st3.ID, store.StateNeedsCheck, store.Progress{Total: 2, Published: 1, NeedsCheck: 1})
		// The person finds the post: published everywhere.
		for _, p := range e.Pubs(st3.ID) {
			if p.State == store.StateNeedsCheck {
				if err := e.Svc.Settle(e.Ctx, e.Approver, p.ID, true, "https://mastodon.example/posts/1"); err != nil {
					t.Fatal(err)
				}
			}
		}
		want(st3.ID, store.StatePublished, store.Progress{Total: 2, Published: 2})
		e.VerifyAudit()
	})
}

func TestProgressState(t *testing.T) {
	for _, tc := range []struct {
		clearance string
		pr        store.Progress
		want      string
	}{
		{store.StateDraft, store.Progress{Total: 2}, store.StateDraft},
		{store.StateSubmitted, store.Progress{Total: 2}, store.StateSubmitted},
		{store.StateScheduled, store.Progress{}, store.StateScheduled},
		{store.StateScheduled, store.Progress{Total: 2}, store.StateScheduled},
		{store.StateScheduled, store.Progress{Total: 2, Publishing: 1}, store.StatePublishing},
		{store.StateScheduled, store.Progress{Total: 2, Publishing: 1, Published: 1}, store.StatePublishing},
		{store.StateScheduled, store.Progress{Total: 2, Published: 1}, store.StatePartial},
		{store.StateScheduled, store.Progress{Total: 2, Published: 2}, store.StatePublished},
		{store.StateScheduled, store.Progress{Total: 2, Published: 1, Failed: 1}, store.StateFailed},
		{store.StateScheduled, store.Progress{Total: 3, Failed: 1, NeedsCheck: 1}, store.StateNeedsCheck},
	} {
		if got := tc.pr.State(tc.clearance); got != tc.want {
			t.Errorf("%s %+v: %s, want %s", tc.clearance, tc.pr, got, tc.want)
		}
	}
}
