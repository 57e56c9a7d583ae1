package publishing_test

import (
	"context"
	"encoding/json"
	"fmt"
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

// An Unknown outcome is never retried blindly: the post is looked for
// first, and made again only when the network shows it does not exist.
func TestUnknownIsReconciledNotRetried(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock, publishing.Settings{})
		for _, tc := range []struct {
			name       string
			idempotent bool
			commit     bool
			cannotTell bool
			state      string
			calls      int // Publish calls for the key
			posts      int
		}{
			{"committed then dropped, found by reconciliation", false, true, false, store.StatePublished, 1, 1},
			{"not committed, absent, made again later", false, false, false, store.StatePublished, 2, 1},
			{"network cannot tell", false, true, true, store.StateNeedsCheck, 1, 1},
			{"idempotent replay returns the original", true, true, false, store.StatePublished, 2, 1},
			{"idempotent replay creates it when the first never arrived", true, false, false, store.StatePublished, 2, 1},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ch, net := e.Channel("C "+tc.name, social.Mastodon, social.Limits{MaxLength: 500, Idempotent: tc.idempotent}, "en")
				net.ReconcileUnknown = tc.cannotTell
				st := e.Scheduled(time.Minute, ch.ID)
				net.Script(fail(social.Unknown, tc.commit))
				clock.Advance(time.Minute)
				e.Dispatch()
				if p := e.Pub(st.ID); p.State == store.StateScheduled {
					clock.Set(p.NextAttemptAt)
					e.Dispatch()
				}
				p := e.WantState(st.ID, tc.state)
				if got := net.Calls(key(p.ID, "en", 0)); got != tc.calls {
					t.Fatalf("Publish called %d times, want %d", got, tc.calls)
				}
				if got := net.CountByKey()[key(p.ID, "en", 0)]; got != tc.posts {
					t.Fatalf("%d posts on the network, want %d", got, tc.posts)
				}
				if tc.state == store.StateNeedsCheck {
					clock.Advance(time.Hour)
					e.Dispatch()
					if net.Calls(key(p.ID, "en", 0)) != 1 {
						t.Fatal("a needs-check publication was retried")
					}
					if err := e.Svc.Settle(e.Ctx, e.Approver, p.ID, true, "https://t.me/mofa/1"); err != nil {
						t.Fatal(err)
					}
					e.WantState(st.ID, store.StatePublished)
				}
			})
		}
		e.VerifyAudit()
	})
}

// A process that dies during the call leaves a pending attempt; whoever
// picks the publication up after the lease expires settles it first.
func TestCrashDuringCallIsSettled(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock, publishing.Settings{Lease: 30 * time.Second})
		for _, committed := range []bool{true, false} {
			t.Run(fmt.Sprint("committed=", committed), func(t *testing.T) {
				ch, net := e.Channel(fmt.Sprint("C", committed), social.Facebook, social.Limits{MaxLength: 5000}, "en")
				st := e.Scheduled(time.Minute, ch.ID)
				clock.Advance(time.Minute)
				// "Crash": another instance claims, writes its attempt,
				// maybe reaches the network, and dies.
				pubs, err := db.ClaimPublications(e.Ctx, "dead", 30*time.Second, 10)
				if err != nil || len(pubs) != 1 {
					t.Fatalf("claim: %v %v", pubs, err)
				}
				k := key(pubs[0].ID, "en", 0)
				if _, err := db.BeginAttempt(e.Ctx, pubs[0].ID, "dead", 30*time.Second, 0, k, store.AuditEntry{Action: "publication.attempt"}); err != nil {
					t.Fatal(err)
				}
				if committed {
					if _, err := net.Publish(e.Ctx, social.Post{Key: k, Lang: "en", Text: "Statement (en)"}); err != nil {
						t.Fatal(err)
					}
				}
				// While the lease holds, nobody touches it.
				if n := e.Dispatch(); n != 0 {
					t.Fatalf("claimed a publication under a live lease (%d)", n)
				}
				clock.Advance(31 * time.Second)
				e.Dispatch()
				e.WantState(st.ID, store.StatePublished)
				if got := net.CountByKey()[k]; got != 1 {
					t.Fatalf("%d posts, want exactly 1", got)
				}
				// The dead instance wakes up: its writes are fenced off.
				_, err = db.BeginAttempt(e.Ctx, pubs[0].ID, "dead", 30*time.Second, 0, k, store.AuditEntry{Action: "publication.attempt"})
				if err == nil || !strings.Contains(err.Error(), "lease lost") {
					t.Fatalf("a stale owner wrote an attempt: %v", err)
				}
			})
		}
	})
}

func TestPauseIsCheckedBeforeEveryCall(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock, publishing.Settings{})
		ch, net := e.Channel("X", social.X, social.Limits{MaxLength: 280, Threads: true}, "en")
		st := e.Draft(publishing.StatementInput{DueAt: clock.Now().Add(time.Minute), Variants: []publishing.VariantInput{{Lang: "en", Body: "one\n---\ntwo"}}, Targets: []int64{ch.ID}})
		e.Submit(st.ID)
		e.Approve(e.Approver, st.ID)
		// The pause lands between the claim and the second call.
		net.Script(pubtest.Step{Hook: func() {
			if err := e.Svc.Pause(context.Background(), e.Approver, 0, "statement under review"); err != nil {
				t.Error(err)
			}
		}})
		clock.Advance(time.Minute)
		e.Dispatch()
		if got := len(net.Posts()); got != 1 {
			t.Fatalf("%d posts, want the pause to stop the thread after 1", got)
		}
		b, err := e.Svc.Banner(e.Ctx)
		if err != nil || !b.Org || b.Reason != "statement under review" {
			t.Fatalf("banner %+v %v", b, err)
		}
		clock.Advance(time.Hour)
		if n := e.Dispatch(); n != 0 {
			t.Fatal("claimed during an org-wide pause")
		}
		overdue, _ := db.OverduePublications(e.Ctx, 0)
		if len(overdue) != 1 {
			t.Fatalf("overdue during pause: %v", overdue)
		}
		if err := e.Svc.Resume(e.Ctx, e.Approver, 0, store.ResumeChoice{Action: store.ResumeNow}); err != nil {
			t.Fatal(err)
		}
		e.Dispatch()
		p := e.WantState(st.ID, store.StatePublished)
		posts := net.Posts()
		if len(posts) != 2 || posts[1].ReplyTo != posts[0].ID || net.Calls(key(p.ID, "en", 0)) != 1 {
			t.Fatalf("after resume: %+v", posts)
		}
		e.VerifyAudit()
	})
}

func TestChannelPauseAndResumeChoices(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock, publishing.Settings{})
		x, xNet := e.Channel("X", social.X, social.Limits{MaxLength: 280}, "en")
		fb, fbNet := e.Channel("Facebook", social.Facebook, social.Limits{MaxLength: 5000}, "en")
		if err := e.Svc.Pause(e.Ctx, e.Author, x.ID, ""); err == nil {
			t.Fatal("a pause without a reason was accepted")
		}
		if err := e.Svc.Pause(e.Ctx, e.Author, x.ID, "account compromised?"); err != nil {
			t.Fatal(err)
		}
		a := e.Scheduled(time.Minute, x.ID, fb.ID)
		b := e.Scheduled(2*time.Minute, x.ID)
		c := e.Scheduled(3*time.Minute, x.ID)
		clock.Advance(5 * time.Minute)
		e.Dispatch()
		if len(xNet.Posts()) != 0 || len(fbNet.Posts()) != 1 {
			t.Fatalf("X paused: %d X posts, %d Facebook posts", len(xNet.Posts()), len(fbNet.Posts()))
		}
		// Resume asks what to do: here, hold them all for a person.
		err := e.Svc.Resume(e.Ctx, e.Author, x.ID, store.ResumeChoice{Action: "later"})
		wantProblem(t, err, "press_error_action")
		if err := e.Svc.Resume(e.Ctx, e.Author, x.ID, store.ResumeChoice{Action: store.ResumeHold}); err != nil {
			t.Fatal(err)
		}
		e.Dispatch()
		if len(xNet.Posts()) != 0 {
			t.Fatal("held publications went out")
		}
		for _, st := range []int64{b.ID, c.ID} {
			if p := e.Pub(st); p.Held != store.HeldPaused {
				t.Fatalf("publication of %d held %q", st, p.Held)
			}
		}
		// A new time chosen by a person needs a new approval, as an
		// approval covers the time: b awaits approval again.
		_ = a
		pb := e.Pub(b.ID)
		if err := e.Svc.Decide(e.Ctx, e.Author, pb.ID, store.ResumeReschedule, clock.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		e.WantState(b.ID, store.StateSubmitted)
		e.Approve(e.Approver, b.ID)
		e.WantState(b.ID, store.StateScheduled)
		// Pause again and resume by rescheduling: the same.
		if err := e.Svc.Pause(e.Ctx, e.Author, x.ID, "again"); err != nil {
			t.Fatal(err)
		}
		clock.Advance(2 * time.Hour)
		at := clock.Now().Add(10 * time.Minute)
		if err := e.Svc.Resume(e.Ctx, e.Author, x.ID, store.ResumeChoice{Action: store.ResumeReschedule, At: at}); err != nil {
			t.Fatal(err)
		}
		if p := e.WantState(b.ID, store.StateSubmitted); !p.DueAt.Equal(at.Truncate(time.Microsecond)) || p.Held != "" {
			t.Fatalf("rescheduled to %v (held %q), want %v", p.DueAt, p.Held, at)
		}
		clock.Set(at)
		if e.Dispatch(); len(xNet.Posts()) != 0 {
			t.Fatal("a publication moved after a pause went out without a new approval")
		}
		// Approved now, after its time: a person releases it.
		e.Approve(e.Approver, b.ID)
		p := e.WantState(b.ID, store.StateScheduled)
		if err := e.Svc.Decide(e.Ctx, e.Author, p.ID, store.ResumeNow, time.Time{}); err != nil {
			t.Fatal(err)
		}
		e.Dispatch()
		e.WantState(b.ID, store.StatePublished)
		e.VerifyAudit()
	})
}

func TestRecallNeedsSecondPerson(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock, publishing.Settings{})
		x, xNet := e.Channel("X", social.X, social.Limits{MaxLength: 280, Threads: true}, "en")
		tg, tgNet := e.Channel("Telegram", social.Telegram, social.Limits{MaxLength: 4096, DeleteWindow: 48 * time.Hour}, "en")
		st := e.Scheduled(time.Minute, x.ID, tg.ID)
		clock.Advance(time.Minute)
		e.Dispatch()
		if err := e.Svc.RequestRecall(e.Ctx, e.Author, st.ID, "wrong figure in paragraph 2"); err != nil {
			t.Fatal(err)
		}
		_, err := e.Svc.ApproveRecall(e.Ctx, e.Author, st.ID)
		wantProblem(t, err, "press_error_self_approval")
		plan, err := e.Svc.RecallPlan(e.Ctx, st.ID)
		if err != nil || len(plan) != 2 {
			t.Fatalf("plan %+v %v", plan, err)
		}
		for _, l := range plan {
			if l.Network == "telegram" && l.Window != 48*time.Hour {
				t.Fatalf("Telegram's limit not stated: %+v", l)
			}
		}
		clock.Advance(49 * time.Hour)
		res, err := e.Svc.ApproveRecall(e.Ctx, e.Approver, st.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			switch r.Network {
			case "x":
				if !r.Deleted {
					t.Fatalf("X not deleted: %+v", r)
				}
			case "telegram":
				if r.Deleted || !r.Expired || r.Error == "" {
					t.Fatalf("Telegram past 48 h should fail, stated: %+v", r)
				}
			}
		}
		if len(xNet.CountByKey()) != 0 || len(tgNet.CountByKey()) != 1 {
			t.Fatalf("after recall: X %v, Telegram %v", xNet.CountByKey(), tgNet.CountByKey())
		}
		// The record is kept.
		got, _ := db.GetStatement(e.Ctx, st.ID)
		if got.RecallState != "done" || len(e.Pubs(st.ID)) != 2 {
			t.Fatalf("record after recall: %+v", got)
		}
		entries, _ := db.ListAudit(e.Ctx, store.AuditFilter{StatementID: st.ID})
		var deletes int
		for _, en := range entries {
			if strings.HasPrefix(en.Action, "recall.delete") {
				deletes++
			}
		}
		if deletes != 2 {
			t.Fatalf("%d recall.delete entries, want 2", deletes)
		}
		e.VerifyAudit()
	})
}

// The audit keeps the exact payload and the raw response of each call.
func TestAuditKeepsPayloadAndResponse(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock, publishing.Settings{})
		ch, _ := e.Channel("X", social.X, social.Limits{MaxLength: 280}, "en")
		st := e.Scheduled(time.Minute, ch.ID)
		clock.Advance(time.Minute)
		e.Dispatch()
		p := e.Pub(st.ID)
		entries, err := db.ListAudit(e.Ctx, store.AuditFilter{PublicationID: p.ID})
		if err != nil {
			t.Fatal(err)
		}
		var sawAttempt, sawPart bool
		for _, en := range entries {
			switch en.Action {
			case "publication.attempt":
				sawAttempt = strings.Contains(en.Payload, `"Text":"Statement (en)"`) && en.ContentHash != ""
			case "publication.part+published":
				var exs []social.Exchange
				if err := json.Unmarshal([]byte(en.Response), &exs); err != nil || len(exs) != 1 {
					t.Fatalf("response %q: %v", en.Response, err)
				}
				sawPart = exs[0].Status == 201 && string(exs[0].ResponseBody) == `{"id":"`+p.RemoteID+`"}`
			}
		}
		if !sawAttempt || !sawPart {
			t.Fatalf("audit lacks payload or response: %+v", entries)
		}
	})
}

// Several schedulers on one database: each publication exactly once. On
// PostgreSQL they claim with FOR UPDATE SKIP LOCKED; on SQLite the
// transactions serialise.
func TestSeveralInstancesPublishEachOnce(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		e := newEnv(t, db, storetest.NewClock(time.Now()), publishing.Settings{})
		ch, net := e.Channel("Mastodon", social.Mastodon, social.Limits{MaxLength: 500}, "en")
		net.Now = time.Now
		net.Latency = time.Millisecond
		const n = 150
		svc := func(name string) *publishing.Service {
			svc, err := publishing.New(publishing.Params{Networks: pubtest.Networks, DB: db, Instance: name, Settings: publishing.Settings{Workers: 8}, Log: pubtest.Log(t),
				Resolve: func(context.Context, publishing.Channel) (social.Publisher, error) { return net, nil }})
			if err != nil {
				t.Fatal(err)
			}
			return svc
		}
		maker := svc("maker")
		for i := range n {
			st, err := maker.SaveStatement(ctx, e.Author, 0, publishing.StatementInput{DueAt: time.Now().Add(time.Hour),
				Variants: []publishing.VariantInput{{Lang: "en", Body: fmt.Sprint("Statement ", i)}}, Targets: []int64{ch.ID}})
			if err != nil {
				t.Fatal(err)
			}
			if err := maker.Submit(ctx, e.Author, st.ID); err != nil {
				t.Fatal(err)
			}
			st, _ = db.GetStatement(ctx, st.ID)
			if _, err := maker.Approve(ctx, e.Approver, st.ID, st.ContentHash); err != nil {
				t.Fatal(err)
			}
		}
		// All due together, shortly: moved and cleared again, as an
		// approval covers the time.
		due := time.Now().Add(time.Second)
		pubs, err := db.ListPublications(ctx, store.QueueFilter{})
		if err != nil || len(pubs) != n {
			t.Fatalf("%d publications (%v)", len(pubs), err)
		}
		for _, p := range pubs {
			if _, err := pubtest.BringDue(ctx, db, p.ID, due, e.Author.ID, e.Approver.ID); err != nil {
				t.Fatal(err)
			}
		}
		rctx, cancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		for i := range 3 {
			s := svc(fmt.Sprint("instance-", i))
			wg.Go(func() { s.Run(rctx) })
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			counts, err := db.CountPublicationsByState(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if counts[store.StatePublished] == n {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("after 30 s: %v", counts)
			}
			time.Sleep(20 * time.Millisecond)
		}
		cancel()
		wg.Wait()
		byKey := net.CountByKey()
		if len(byKey) != n {
			t.Fatalf("%d distinct posts, want %d", len(byKey), n)
		}
		for k, c := range byKey {
			if c != 1 {
				t.Fatalf("%s posted %d times", k, c)
			}
		}
		if _, err := db.VerifyAudit(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

// A call that hangs is cut at half the lease and treated as Unknown: the
// network is asked, and asked again once it would show the post, and the
// post is made again only if it is absent then.
func TestHangingCallIsCutAndReconciled(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock, publishing.Settings{Lease: 400 * time.Millisecond})
		ch, net := e.Channel("Facebook", social.Facebook, social.Limits{MaxLength: 5000}, "en")
		st := e.Scheduled(time.Minute, ch.ID)
		net.Latency = 2 * time.Second // longer than the 200 ms call budget
		clock.Advance(time.Minute)
		e.Dispatch()
		p := e.WantState(st.ID, store.StateScheduled)
		if p.NextAttemptAt.IsZero() || len(net.Posts()) != 0 {
			t.Fatalf("after a hang: %+v, %d posts", p, len(net.Posts()))
		}
		attempts, _ := db.ListAttempts(e.Ctx, p.ID)
		if len(attempts) != 1 || attempts[0].Outcome != store.AttemptUnknown || !strings.Contains(attempts[0].Detail, "does not show the post yet") {
			t.Fatalf("attempts after a hang: %+v", attempts)
		}
		net.Latency = 0
		clock.Set(p.NextAttemptAt)
		e.Dispatch()
		e.WantState(st.ID, store.StatePublished)
		attempts, _ = db.ListAttempts(e.Ctx, p.ID)
		if len(attempts) != 2 || attempts[0].Outcome != store.AttemptFailed || !strings.Contains(attempts[0].Detail, "not found") || attempts[1].Outcome != store.AttemptOK {
			t.Fatalf("attempts after the second call: %+v", attempts)
		}
		if got := net.CountByKey()[key(p.ID, "en", 0)]; got != 1 {
			t.Fatalf("%d posts, want 1", got)
		}
	})
}
