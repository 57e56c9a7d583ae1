package publishing_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/publishing/pubtest"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// settleAll dispatches, then moves the clock to the next time a
// publication of st asked to be looked at again, until none waits (at
// most rounds times).
func (e *env) settleAll(rounds int, sts ...int64) {
	e.T.Helper()
	for range rounds {
		e.Dispatch()
		var next time.Time
		for _, st := range sts {
			for _, p := range e.Pubs(st) {
				if p.State == store.StateScheduled && !p.NextAttemptAt.IsZero() && (next.IsZero() || p.NextAttemptAt.Before(next)) {
					next = p.NextAttemptAt
				}
			}
		}
		if next.IsZero() {
			return
		}
		if next.After(e.Clock.Now()) {
			e.Clock.Set(next)
		}
	}
	e.T.Fatalf("publications still waiting after %d rounds", rounds)
}

// Two posts fit after a lost answer (ours, and the same words posted by
// hand meanwhile): the scheduler does not guess; a person decides.
func TestReconcileWithTwoCandidatesNeedsCheck(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock, publishing.Settings{})
		ch, net := e.Channel("X", social.X, social.Limits{MaxLength: 280}, "en")
		st := e.Scheduled(time.Minute, ch.ID)
		step := fail(social.Unknown, true)
		step.Hook = func() {
			if _, err := net.Publish(context.Background(), social.Post{Key: "by-hand", Text: "Statement (en)"}); err != nil {
				t.Error(err)
			}
		}
		net.Script(step)
		clock.Advance(time.Minute)
		e.Dispatch()
		p := e.WantState(st.ID, store.StateNeedsCheck)
		posts := net.Posts()
		if len(posts) != 2 || p.RemoteID != "" || !strings.Contains(p.Reason, "2 x posts") ||
			!strings.Contains(p.Reason, "/posts/"+posts[0].ID) || !strings.Contains(p.Reason, "/posts/"+posts[1].ID) {
			t.Fatalf("publication %+v; posts %+v", p, posts)
		}
		if parts, _ := db.ListParts(e.Ctx, p.ID); len(parts) != 0 {
			t.Fatalf("a part was recorded: %+v", parts)
		}
		clock.Advance(time.Hour)
		e.Dispatch()
		if n := net.Calls(key(p.ID, "en", 0)); n != 1 {
			t.Fatalf("%d calls, want 1: a needs-check publication went out again", n)
		}
		if err := e.Svc.Settle(e.Ctx, e.Approver, p.ID, true, "https://x.example/posts/"+posts[1].ID); err != nil {
			t.Fatal(err)
		}
		e.WantState(st.ID, store.StatePublished)
		e.VerifyAudit()
	})
}

// A post with the same words made before the attempt began is never taken
// for it: whether the lost call made its own post or not.
func TestReconcileIgnoresPostsMadeBeforeTheAttempt(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock, publishing.Settings{})
		for _, committed := range []bool{true, false} {
			ch, net := e.Channel(map[bool]string{true: "made", false: "not made"}[committed], social.X, social.Limits{MaxLength: 280}, "en")
			earlier, err := net.Publish(e.Ctx, social.Post{Key: "last-year", Text: "Statement (en)"})
			if err != nil {
				t.Fatal(err)
			}
			clock.Advance(time.Second)
			st := e.Scheduled(time.Minute, ch.ID)
			net.Script(fail(social.Unknown, committed))
			clock.Advance(time.Minute)
			e.settleAll(5, st.ID)
			p := e.WantState(st.ID, store.StatePublished)
			posts := net.Posts()
			if len(posts) != 2 || p.RemoteID == earlier.ID || p.RemoteID != posts[1].ID {
				t.Fatalf("committed=%v: recorded %s; earlier post %s; posts %+v", committed, p.RemoteID, earlier.ID, posts)
			}
			if want := map[bool]int{true: 1, false: 2}[committed]; net.Calls(key(p.ID, "en", 0)) != want {
				t.Fatalf("committed=%v: %d calls, want %d", committed, net.Calls(key(p.ID, "en", 0)), want)
			}
		}
		e.VerifyAudit()
	})
}

// A post that another publication records is never recorded again, even
// when it carries exactly the same words and was made after this attempt
// began (two statements with the same text, published at once by two
// instances).
func TestReconcileSkipsPostsOtherPublicationsRecord(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock, publishing.Settings{})
		ch, net := e.Channel("X", social.X, social.Limits{MaxLength: 280}, "en")
		a := e.Scheduled(time.Minute, ch.ID)
		b := e.Scheduled(time.Minute, ch.ID)
		clock.Advance(time.Minute)
		// Another instance is publishing A.
		pubs, err := db.ClaimPublications(e.Ctx, "other", 30*time.Second, 1)
		if err != nil || len(pubs) != 1 || pubs[0].StatementID != a.ID {
			t.Fatalf("claim A: %+v, %v", pubs, err)
		}
		pa := pubs[0]
		att, err := db.BeginAttempt(e.Ctx, pa.ID, "other", 30*time.Second, 0, key(pa.ID, "en", 0), store.AuditEntry{Action: "publication.attempt"})
		if err != nil {
			t.Fatal(err)
		}
		// While B's call is on the wire, A's post is made and recorded;
		// B's call is lost without making anything.
		var aPost social.Result
		step := fail(social.Unknown, false)
		step.Hook = func() {
			ctx := context.Background()
			var err error
			if aPost, err = net.Publish(ctx, social.Post{Key: key(pa.ID, "en", 0), Lang: "en", Text: "Statement (en)"}); err != nil {
				t.Error(err)
				return
			}
			if err := db.ConfirmPart(ctx, pa.ID, "other", 30*time.Second, att, store.PostPart{Idx: 0, Key: key(pa.ID, "en", 0), RemoteID: aPost.ID, RemoteURL: aPost.URL},
				true, store.AuditEntry{Action: "publication.part+published", PublicationID: pa.ID}); err != nil {
				t.Error(err)
			}
		}
		net.Script(step)
		e.settleAll(5, a.ID, b.ID)
		pA, pB := e.WantState(a.ID, store.StatePublished), e.WantState(b.ID, store.StatePublished)
		posts := net.Posts()
		if pA.RemoteID != aPost.ID || pB.RemoteID == aPost.ID || len(posts) != 2 || pB.RemoteID != posts[1].ID {
			t.Fatalf("A recorded %s, B %s; A's post %s; posts %+v", pA.RemoteID, pB.RemoteID, aPost.ID, posts)
		}
		if n := net.Calls(key(pB.ID, "en", 0)); n != 2 {
			t.Fatalf("B called %d times, want 2 (lost, then made)", n)
		}
		e.VerifyAudit()
	})
}

// A duplicate refusal means the post exists: the scheduler reads the
// network again until it shows the post (here a network slower than it
// says), and records it; it never fails the publication nor sends again.
func TestDuplicateRefusalIsReconciled(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock, publishing.Settings{})
		ch, net := e.Channel("X", social.X, social.Limits{MaxLength: 280, ReconcileLag: 5 * time.Second}, "en")
		net.Lag = time.Minute
		st := e.Scheduled(time.Minute, ch.ID)
		// The first call makes the post and its answer is lost; the post
		// shows only after a minute, so the scheduler sends again, and the
		// network refuses the copy.
		net.Script(fail(social.Unknown, true), fail(social.Duplicate, false))
		clock.Advance(time.Minute)
		e.settleAll(20, st.ID)
		p := e.WantState(st.ID, store.StatePublished)
		posts := net.Posts()
		if len(posts) != 1 || p.RemoteID != posts[0].ID || net.Calls(key(p.ID, "en", 0)) != 2 {
			t.Fatalf("recorded %s; posts %+v; %d calls", p.RemoteID, posts, net.Calls(key(p.ID, "en", 0)))
		}
		attempts, _ := db.ListAttempts(e.Ctx, p.ID)
		if len(attempts) != 2 || attempts[0].Outcome != store.AttemptFailed || attempts[1].Outcome != store.AttemptOK || attempts[1].Detail != posts[0].ID {
			t.Fatalf("attempts %+v", attempts)
		}
		entries, _ := db.ListAudit(e.Ctx, store.AuditFilter{PublicationID: p.ID})
		var dup, reconciled bool
		for _, en := range entries {
			dup = dup || en.Action == "publication.duplicate"
			reconciled = reconciled || strings.HasPrefix(en.Action, "publication.reconciled")
		}
		if !dup || !reconciled {
			t.Fatalf("audit without the duplicate and its reconciliation: %+v", entries)
		}
		e.VerifyAudit()
	})
}

// A duplicate refusal when no post fits for minutes (the same words posted
// before the attempt, by hand) goes to a person, not to failed.
func TestDuplicateOfAnEarlierPostNeedsCheck(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock, publishing.Settings{})
		ch, net := e.Channel("X", social.X, social.Limits{MaxLength: 280}, "en")
		if _, err := net.Publish(e.Ctx, social.Post{Key: "by-hand", Text: "Statement (en)"}); err != nil {
			t.Fatal(err)
		}
		st := e.Scheduled(time.Minute, ch.ID)
		net.Script(fail(social.Duplicate, false))
		clock.Advance(time.Minute)
		e.settleAll(40, st.ID)
		p := e.WantState(st.ID, store.StateNeedsCheck)
		if !strings.Contains(p.Reason, "duplicate") || p.RemoteID != "" || net.Calls(key(p.ID, "en", 0)) != 1 {
			t.Fatalf("publication %+v, %d calls", p, net.Calls(key(p.ID, "en", 0)))
		}
	})
}

// A network that answers a publication with a post another publication
// records (the portal, when two channels publish one article) sends it to
// a person: one post is never recorded twice.
func TestAnswerWithAClaimedPostNeedsCheck(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock, publishing.Settings{})
		ch, net := e.Channel("X", social.X, social.Limits{MaxLength: 280}, "en")
		a := e.Scheduled(time.Minute, ch.ID)
		clock.Advance(time.Minute)
		e.Dispatch()
		pa := e.WantState(a.ID, store.StatePublished)
		b := e.Scheduled(time.Minute, ch.ID)
		net.Script(pubtest.Step{Answer: pa.RemoteID})
		clock.Advance(time.Minute)
		e.Dispatch()
		pb := e.WantState(b.ID, store.StateNeedsCheck)
		if pb.RemoteID != "" || !strings.Contains(pb.Reason, "another publication records already") || !strings.Contains(pb.Reason, pa.RemoteID) {
			t.Fatalf("publication %+v", pb)
		}
		if parts, _ := db.ListParts(e.Ctx, pb.ID); len(parts) != 0 {
			t.Fatalf("parts %+v", parts)
		}
		clock.Advance(time.Hour)
		e.Dispatch()
		if n := net.Calls(key(pb.ID, "en", 0)); n != 1 {
			t.Fatalf("%d calls, want 1", n)
		}
		e.VerifyAudit()
	})
}
