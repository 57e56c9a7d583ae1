package publishing_test

import (
	"slices"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/publishing/pubtest"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// Recall and correct: the original is recalled (deleted once a second
// person approves), and its corrected version starts as a new draft copied
// from it, linked to it, which goes through clearance and out like any
// statement. The recall plan states, per network, whether the network
// could have edited in place.
func TestCorrectionRecallsAndRepublishes(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock, publishing.Settings{})
		x, xNet := e.Channel("X", social.X, social.Limits{MaxLength: 280}, "en")
		bs, bsNet := e.Channel("Bluesky", social.Bluesky, social.Limits{MaxLength: 300, Idempotent: true}, "en")
		st := e.Scheduled(time.Minute, x.ID, bs.ID)
		clock.Advance(time.Minute)
		e.Dispatch()

		plan, err := e.Svc.RecallPlan(e.Ctx, st.ID)
		if err != nil || len(plan) != 2 {
			t.Fatalf("plan %+v %v", plan, err)
		}
		for _, l := range plan {
			want := l.Network == "x" // X edits in place (within its window), Bluesky never does
			if l.Note.EditInPlace != want || l.Note.Key != "press_recall_note_"+l.Network {
				t.Fatalf("%s: note %+v", l.Network, l.Note)
			}
		}

		c, err := e.Svc.Correct(e.Ctx, e.Author, st.ID, "wrong date in the first sentence")
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.Svc.Correct(e.Ctx, e.Author, st.ID, "again")
		wantProblem(t, err, "press_error_recall_requested")
		orig, _ := db.GetStatement(e.Ctx, st.ID)
		got, _ := db.GetStatement(e.Ctx, c.ID)
		if orig.RecallState != "requested" || got.Corrects != st.ID || got.State != store.StateDraft ||
			!slices.Equal(got.Targets, []int64{x.ID, bs.ID}) || len(got.Variants) != len(orig.Variants) || got.Variants[1].Body != orig.Variants[1].Body {
			t.Fatalf("original %+v\ncorrection %+v", orig, got)
		}

		// The officer fixes the text; the second person approves the recall
		// and the correction.
		in := publishing.StatementInput{DueAt: clock.Now().Add(time.Minute), Targets: got.Targets, Variants: pubtest.Variants("Corrected")}
		if _, err := e.Svc.SaveStatement(e.Ctx, e.Author, c.ID, in); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.GetStatement(e.Ctx, c.ID); got.Corrects != st.ID {
			t.Fatalf("an edit lost the link to the corrected statement: %d", got.Corrects)
		}
		if _, err := e.Svc.ApproveRecall(e.Ctx, e.Approver, st.ID); err != nil {
			t.Fatal(err)
		}
		if len(xNet.CountByKey()) != 0 || len(bsNet.CountByKey()) != 0 {
			t.Fatalf("the original is still out: X %v, Bluesky %v", xNet.CountByKey(), bsNet.CountByKey())
		}
		e.Submit(c.ID)
		e.Approve(e.Approver, c.ID)
		clock.Advance(time.Minute)
		e.Dispatch()
		for _, n := range []interface{ CountByKey() map[string]int }{xNet, bsNet} {
			if len(n.CountByKey()) != 1 {
				t.Fatalf("correction not out exactly once: %v", n.CountByKey())
			}
		}
		for _, p := range xNet.Posts() {
			if !p.Deleted && p.Text != "Corrected (en)" {
				t.Fatalf("X shows %q", p.Text)
			}
		}
		e.VerifyAudit()
	})
}
