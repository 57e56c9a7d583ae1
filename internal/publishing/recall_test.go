package publishing_test

import (
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// TestRecallRecordsChoiceAndApproval: a recall keeps its choice for the
// portal pages (refusing any other), and its approval records who approved
// and when; a Correct passes the choice on.
func TestRecallRecordsChoiceAndApproval(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock, publishing.Settings{})
		x, _ := e.Channel("X", social.X, social.Limits{MaxLength: 280}, "en")
		st := e.Scheduled(time.Minute, x.ID)
		clock.Advance(time.Minute)
		e.Dispatch()

		wantProblem(t, e.Svc.RequestRecallMode(e.Ctx, e.Author, st.ID, "wrong date", "erase"), "press_error_recall_page")
		wantProblem(t, e.Svc.RequestRecallMode(e.Ctx, e.Author, st.ID, "  ", store.RecallRemove), "press_error_reason")
		if err := e.Svc.RequestRecallMode(e.Ctx, e.Author, st.ID, "wrong date", store.RecallRemove); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Minute)
		res, err := e.Svc.ApproveRecall(e.Ctx, e.Approver, st.ID)
		if err != nil || len(res) != 1 || !res[0].Deleted {
			t.Fatalf("approve: %+v, %v", res, err)
		}
		got, err := db.GetStatement(e.Ctx, st.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.RecallState != "done" || got.RecallMode != store.RecallRemove || got.RecallApprovedBy != e.Approver.ID ||
			!got.RecallDoneAt.Equal(clock.Now().Truncate(time.Microsecond)) {
			t.Fatalf("recall record: %q %q by %d at %v", got.RecallState, got.RecallMode, got.RecallApprovedBy, got.RecallDoneAt)
		}
		// A second approval finds nothing to approve.
		_, err = e.Svc.ApproveRecall(e.Ctx, e.Second, st.ID)
		wantProblem(t, err, "press_error_no_recall")

		// Recall-and-correct keeps the choice too; "" is the default notice.
		other := e.Scheduled(time.Minute, x.ID)
		clock.Advance(time.Minute)
		e.Dispatch()
		if _, err := e.Svc.CorrectMode(e.Ctx, e.Author, other.ID, "typo", ""); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.GetStatement(e.Ctx, other.ID); got.RecallState != "requested" || got.RecallMode != store.RecallNotice {
			t.Fatalf("corrected statement: %q %q", got.RecallState, got.RecallMode)
		}
	})
}
