package publishing_test

import (
	"slices"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/publishing"
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
		x, xNet := e.channel("X", social.X, social.Limits{MaxLength: 280}, "en")
		bs, bsNet := e.channel("Bluesky", social.Bluesky, social.Limits{MaxLength: 300, Idempotent: true}, "en")
		st := e.scheduled(time.Minute, x.ID, bs.ID)
		clock.Advance(time.Minute)
		e.dispatch()

		plan, err := e.svc.RecallPlan(e.ctx, st.ID)
		if err != nil || len(plan) != 2 {
			t.Fatalf("plan %+v %v", plan, err)
		}
		for _, l := range plan {
			want := l.Network == "x" // X edits in place (within its window), Bluesky never does
			if l.Note.EditInPlace != want || l.Note.Key != "press_recall_note_"+l.Network {
				t.Fatalf("%s: note %+v", l.Network, l.Note)
			}
		}

		c, err := e.svc.Correct(e.ctx, e.author, st.ID, "wrong date in the first sentence")
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.Correct(e.ctx, e.author, st.ID, "again")
		wantProblem(t, err, "press_error_recall_requested")
		orig, _ := db.GetStatement(e.ctx, st.ID)
		got, _ := db.GetStatement(e.ctx, c.ID)
		if orig.RecallState != "requested" || got.Corrects != st.ID || got.State != store.StateDraft ||
			!slices.Equal(got.Targets, []int64{x.ID, bs.ID}) || len(got.Variants) != len(orig.Variants) || got.Variants[1].Body != orig.Variants[1].Body {
			t.Fatalf("original %+v\ncorrection %+v", orig, got)
		}

		// The officer fixes the text; the second person approves the recall
		// and the correction.
		in := publishing.StatementInput{DueAt: clock.Now().Add(time.Minute), Targets: got.Targets, Variants: variants("Corrected")}
		if _, err := e.svc.SaveStatement(e.ctx, e.author, c.ID, in); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.GetStatement(e.ctx, c.ID); got.Corrects != st.ID {
			t.Fatalf("an edit lost the link to the corrected statement: %d", got.Corrects)
		}
		if _, err := e.svc.ApproveRecall(e.ctx, e.approver, st.ID); err != nil {
			t.Fatal(err)
		}
		if len(xNet.CountByKey()) != 0 || len(bsNet.CountByKey()) != 0 {
			t.Fatalf("the original is still out: X %v, Bluesky %v", xNet.CountByKey(), bsNet.CountByKey())
		}
		e.submit(c.ID)
		e.approve(e.approver, c.ID)
		clock.Advance(time.Minute)
		e.dispatch()
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
		e.verifyAudit()
	})
}
