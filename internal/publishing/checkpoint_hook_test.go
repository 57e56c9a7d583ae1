package publishing_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/publishing/pubtest"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// Params.Checkpoint is called after every publication that is published,
// by the scheduler or by a person settling a check, and after no other
// outcome.
func TestCheckpointAfterEveryPublication(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock, publishing.Settings{})
		var calls atomic.Int32
		svc, err := publishing.New(publishing.Params{Networks: pubtest.Networks, DB: db, Now: clock.Now, Instance: "test", Log: pubtest.Log(t),
			Checkpoint: func() { calls.Add(1) },
			Resolve: func(_ context.Context, ch publishing.Channel) (social.Publisher, error) {
				if n, ok := e.Nets[ch.ID]; ok {
					return n, nil
				}
				return nil, errors.New("no credentials")
			}})
		if err != nil {
			t.Fatal(err)
		}
		e.Svc = svc
		ch, net := e.Channel("Mastodon", social.Mastodon, social.Limits{MaxLength: 500}, "en")
		st := e.Scheduled(time.Minute, ch.ID)
		clock.Advance(time.Minute)
		e.Dispatch()
		e.WantState(st.ID, store.StatePublished)
		if n := calls.Load(); n != 1 {
			t.Fatalf("%d checkpoints after one publication, want 1", n)
		}
		// A duplicate leaves the publication for a person: no checkpoint
		// until they settle it as published.
		net.Script(fail(social.Duplicate, false))
		st = e.Scheduled(time.Minute, ch.ID)
		clock.Advance(time.Minute)
		e.settleAll(40, st.ID) // the network is read again before a person is asked
		p := e.WantState(st.ID, store.StateNeedsCheck)
		if n := calls.Load(); n != 1 {
			t.Fatalf("%d checkpoints after a needs-check, want still 1", n)
		}
		if err := svc.Settle(e.Ctx, e.Approver, p.ID, true, "https://mastodon.example/@mofa/1"); err != nil {
			t.Fatal(err)
		}
		if n := calls.Load(); n != 2 {
			t.Fatalf("%d checkpoints after a person settled it as published, want 2", n)
		}
	})
}
