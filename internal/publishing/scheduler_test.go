package publishing_test

import (
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/publishing/pubtest"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

func TestPublishesAtDueTimeNotBefore(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock, publishing.Settings{})
		x, xNet := e.Channel("X", social.X, social.Limits{MaxLength: 280}, "en")
		portal, portalNet := e.Channel("Portal", social.Portal, social.Limits{}, "vi", "en", "fr", "es", "ru", "zh", "ar")
		st := e.Scheduled(time.Hour, x.ID, portal.ID)
		wake, err := db.NextWake(e.Ctx)
		if err != nil || !wake.Equal(st.DueAt.Truncate(time.Microsecond)) {
			t.Fatalf("next wake %v (%v), want the due time %v", wake, err, st.DueAt)
		}
		clock.Advance(time.Hour - time.Second)
		if n := e.Dispatch(); n != 0 || len(xNet.Posts()) != 0 {
			t.Fatalf("published %d before the due time", n)
		}
		clock.Advance(time.Second)
		if n := e.Dispatch(); n != 2 {
			t.Fatalf("dispatched %d, want 2", n)
		}
		for _, p := range e.Pubs(st.ID) {
			if p.State != store.StatePublished || p.RemoteURL == "" {
				t.Fatalf("publication %+v not published with its URL", p)
			}
		}
		if got := portalNet.Posts(); len(got) != 7 || got[0].Group != got[6].Group || got[0].Title == "" {
			t.Fatalf("portal got %d articles, want 7 translations of one group: %+v", len(got), got)
		}
		if got := xNet.Posts(); len(got) != 1 || got[0].Text != "Statement (en)" {
			t.Fatalf("X got %+v", got)
		}
		// Nothing more to do.
		if wake, _ := db.NextWake(e.Ctx); !wake.IsZero() {
			t.Fatalf("next wake %v after everything went out", wake)
		}
		e.VerifyAudit()
	})
}

func TestOverrideAndThread(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock, publishing.Settings{})
		x, xNet := e.Channel("X", social.X, social.Limits{MaxLength: 280, Threads: true}, "en", "vi")
		st := e.Draft(publishing.StatementInput{DueAt: clock.Now().Add(time.Minute), Variants: pubtest.Variants("Long"), Targets: []int64{x.ID},
			Overrides: []publishing.OverrideInput{{ChannelID: x.ID, Lang: "en", Body: "one\n---\ntwo\n---\nthree"}}})
		e.Submit(st.ID)
		e.Approve(e.Approver, st.ID)
		// The second part fails for a moment: the thread resumes from the
		// last confirmed part, without posting the first again.
		xNet.Script(ok(), transient())
		clock.Advance(time.Minute)
		e.Dispatch()
		p := e.WantState(st.ID, store.StateScheduled)
		if p.NextAttemptAt.IsZero() || p.Tries != 1 {
			t.Fatalf("after a transient failure: %+v", p)
		}
		clock.Set(p.NextAttemptAt)
		e.Dispatch()
		e.WantState(st.ID, store.StatePublished)
		posts := xNet.Posts()
		if len(posts) != 4 {
			t.Fatalf("got %d posts, want 4: %+v", len(posts), posts)
		}
		if posts[0].Text != "one" || posts[1].Text != "two" || posts[1].ReplyTo != posts[0].ID || posts[2].ReplyTo != posts[1].ID {
			t.Fatalf("thread broken: %+v", posts)
		}
		if posts[3].Lang != "vi" || posts[3].ReplyTo != "" {
			t.Fatalf("the Vietnamese post should stand alone: %+v", posts[3])
		}
		if xNet.Calls(key(p.ID, "en", 0)) != 1 {
			t.Fatal("the first part was posted again")
		}
	})
}

func TestFailureClasses(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock, publishing.Settings{})
		for _, tc := range []struct {
			name   string
			class  social.Class
			state  string
			reason string
		}{
			{"auth", social.AuthExpired, store.StateFailed, "reconnect"},
			{"rejected", social.Rejected, store.StateFailed, "refused the content"},
			{"duplicate", social.Duplicate, store.StateNeedsCheck, "refused part 1 as a duplicate, but shows no post"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ch, net := e.Channel("C "+tc.name, social.X, social.Limits{MaxLength: 280}, "en")
				st := e.Scheduled(time.Minute, ch.ID)
				net.Script(fail(tc.class, false))
				clock.Advance(time.Minute)
				e.Dispatch()
				if tc.class == social.Duplicate {
					// The network may not show the post yet: the
					// scheduler reads again later, and sends nothing.
					e.WantState(st.ID, store.StateScheduled)
					e.settleAll(40, st.ID)
				}
				p := e.WantState(st.ID, tc.state)
				if !strings.Contains(p.Reason, tc.reason) {
					t.Fatalf("reason %q, want it to mention %q", p.Reason, tc.reason)
				}
				clock.Advance(time.Hour)
				e.Dispatch()
				if len(net.Posts()) != 0 || net.Calls(key(p.ID, "en", 0)) != 1 {
					t.Fatal("a permanent failure was retried")
				}
			})
		}
	})
}

func TestTransientBackoffAndGiveUp(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock, publishing.Settings{MaxTries: 3, BaseBackoff: time.Second})
		ch, net := e.Channel("X", social.X, social.Limits{MaxLength: 280}, "en")
		st := e.Scheduled(time.Minute, ch.ID)
		net.Script(transient(), transient(), transient())
		clock.Advance(time.Minute)
		var waits []time.Duration
		for range 3 {
			e.Dispatch()
			p := e.Pub(st.ID)
			if p.State == store.StateFailed {
				break
			}
			waits = append(waits, p.NextAttemptAt.Sub(clock.Now()))
			clock.Set(p.NextAttemptAt)
		}
		p := e.WantState(st.ID, store.StateFailed)
		if !strings.Contains(p.Reason, "gave up after 3") {
			t.Fatalf("reason %q", p.Reason)
		}
		if len(waits) != 2 || waits[0] < 500*time.Millisecond || waits[0] > time.Second || waits[1] < time.Second || waits[1] > 2*time.Second {
			t.Fatalf("backoff %v, want ~1s then ~2s with jitter", waits)
		}
	})
}

func TestRateLimitFollowsNetwork(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock, publishing.Settings{})
		ch, net := e.Channel("X", social.X, social.Limits{MaxLength: 280}, "en")
		a := e.Scheduled(time.Minute, ch.ID)
		b := e.Scheduled(time.Minute+time.Second, ch.ID)
		until := clock.Now().Add(16 * time.Minute)
		net.Script(rateLimited(until))
		clock.Advance(2 * time.Minute)
		e.Dispatch()
		// The channel is limited: neither goes out before until.
		if got := len(net.Posts()); got != 0 {
			t.Fatalf("%d posts during the rate limit", got)
		}
		c, _ := db.GetChannel(e.Ctx, ch.ID)
		if !c.RateLimitedUntil.Equal(until.Truncate(time.Microsecond)) {
			t.Fatalf("rate limit until %v, want %v", c.RateLimitedUntil, until)
		}
		if wake, err := db.NextWake(e.Ctx); err != nil || !wake.Equal(c.RateLimitedUntil) {
			t.Fatalf("next wake %v (%v), want the network's reset %v", wake, err, c.RateLimitedUntil)
		}
		clock.Set(until.Add(-time.Second))
		e.Dispatch()
		if len(net.Posts()) != 0 {
			t.Fatal("published before the network's reset time")
		}
		clock.Set(until)
		e.Dispatch()
		e.WantState(a.ID, store.StatePublished)
		e.WantState(b.ID, store.StatePublished)
	})
}

func TestGraceAfterDowntime(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock, publishing.Settings{Grace: 5 * time.Minute})
		ch, net := e.Channel("X", social.X, social.Limits{MaxLength: 280}, "en")
		late := e.Scheduled(time.Minute, ch.ID)
		soon := e.Scheduled(3*time.Minute, ch.ID)
		// The server was down: one is 6 minutes late, the other 4.
		clock.Advance(7 * time.Minute)
		e.Dispatch()
		e.WantState(soon.ID, store.StatePublished)
		p := e.WantState(late.ID, store.StateScheduled)
		if p.Held != store.HeldLate || len(net.Posts()) != 1 {
			t.Fatalf("a publication beyond the grace: held %q, %d posts", p.Held, len(net.Posts()))
		}
		// A person picks a new time: that is a move, which needs a new
		// approval, and not from the person who moved it.
		if err := e.Svc.Decide(e.Ctx, e.Approver, p.ID, store.ResumeReschedule, clock.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		e.WantState(late.ID, store.StateSubmitted)
		st, _ := db.GetStatement(e.Ctx, late.ID)
		_, err := e.Svc.Approve(e.Ctx, e.Approver, late.ID, st.ContentHash)
		wantProblem(t, err, "press_error_own_edit")
		e.Approve(e.Second, late.ID)
		clock.Advance(time.Hour)
		e.Dispatch()
		e.WantState(late.ID, store.StatePublished)
		if len(net.Posts()) != 2 {
			t.Fatalf("%d posts, want 2", len(net.Posts()))
		}
	})
}

func TestEmbargoHoldsEverything(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock, publishing.Settings{})
		portal, net := e.Channel("Portal", social.Portal, social.Limits{}, "en")
		emb := clock.Now().Add(2 * time.Hour)
		st := e.Draft(publishing.StatementInput{DueAt: emb, EmbargoUntil: emb, Variants: pubtest.Variants("E"), Targets: []int64{portal.ID}})
		e.Submit(st.ID)
		e.Approve(e.Approver, st.ID)
		p := e.Pub(st.ID)
		// Moving it before the embargo is refused.
		_, err := e.Svc.Reschedule(e.Ctx, e.Author, p.ID, clock.Now().Add(time.Hour))
		wantProblem(t, err, "press_error_due_before_embargo")
		clock.Set(emb.Add(-time.Millisecond))
		e.Dispatch()
		if len(net.Posts()) != 0 {
			t.Fatal("visible before the embargo")
		}
		clock.Set(emb)
		e.Dispatch()
		e.WantState(st.ID, store.StatePublished)
	})
}
