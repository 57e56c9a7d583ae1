package publishing_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/publishing/pubtest"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// crashHolding makes a process that dies while publishing: it claims the
// publication of a statement due now with a lease, writes its attempt,
// reaches the network (the post exists) and stops before recording the
// answer. It returns the post's key and the publication.
func crashHolding(t *testing.T, e *env, net *pubtest.Network, ch publishing.Channel, lease time.Duration) (string, publishing.Publication) {
	t.Helper()
	st := e.Scheduled(time.Minute, ch.ID)
	e.Clock.Advance(time.Minute)
	pubs, err := e.DB.ClaimPublications(e.Ctx, "dead", lease, 10)
	if err != nil || len(pubs) != 1 || pubs[0].StatementID != st.ID {
		t.Fatalf("claim: %v %v", pubs, err)
	}
	k := key(pubs[0].ID, "en", 0)
	if _, err := e.DB.BeginAttempt(e.Ctx, pubs[0].ID, "dead", lease, 0, k, store.AuditEntry{Action: "publication.attempt"}); err != nil {
		t.Fatal(err)
	}
	if _, err := net.Publish(e.Ctx, social.Post{Key: k, Lang: "en", Text: "Statement (en)"}); err != nil {
		t.Fatal(err)
	}
	return k, pubs[0]
}

// After a crash on the embedded store, the next start takes back what the
// dead process held at once, without waiting out the lease, through the
// same settling path as an expired lease: the network is asked and nothing
// is sent a second time. On PostgreSQL the holder may be another instance
// that is alive, so the lease is waited out.
func TestRestartTakesBackDeadLeasesOnSQLiteOnly(t *testing.T) {
	const lease = 30 * time.Second
	for _, backend := range storetest.Backends {
		for _, reconcilable := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/reconcilable=%t", backend, reconcilable), func(t *testing.T) {
				clock := storetest.NewClock(storetest.Start)
				o := storetest.Options(t, backend)
				o.Now = clock.Now
				db, err := store.Open(t.Context(), o)
				if err != nil {
					t.Fatal(err)
				}
				e := newEnv(t, db, clock, publishing.Settings{Lease: lease})
				// Facebook cannot replay a call with the same key: the only
				// safe way on is to ask it.
				ch, net := e.Channel("Facebook", social.Facebook, social.Limits{MaxLength: 5000}, "en")
				net.ReconcileUnknown = !reconcilable
				k, held := crashHolding(t, e, net, ch, lease)
				db.Close() // the process dies; its lock goes with it

				e.DB = storetest.OpenOptions(t, o) // the next start, same clock
				e.Svc = e.Service(e.DB, publishing.Settings{Lease: lease, Grace: 10 * time.Minute}, "restarted")
				if backend == store.BackendPostgres {
					if n := e.Dispatch(); n != 0 {
						t.Fatalf("took %d publications under a lease another instance may hold", n)
					}
					if p := e.WantState(held.StatementID, store.StatePublishing); p.LeaseOwner != "dead" {
						t.Fatalf("lease owner %q, want the first holder's", p.LeaseOwner)
					}
					clock.Advance(lease + time.Second)
					if n := e.Dispatch(); n != 1 {
						t.Fatalf("dispatched %d after the lease ended, want 1", n)
					}
				} else {
					runUntilSettled(t, e, held.StatementID)
				}
				want := store.StatePublished
				if !reconcilable {
					want = store.StateNeedsCheck
				}
				p := e.WantState(held.StatementID, want)
				if reconcilable && p.RemoteID == "" {
					t.Fatalf("published without the post found by reconciliation: %+v", p)
				}
				// Only the dead process's call ever reached the network.
				if calls, posts := net.Calls(k), net.CountByKey()[k]; calls != 1 || posts != 1 {
					t.Fatalf("%d calls and %d posts with key %s, want exactly 1 of each", calls, posts, k)
				}
				entries, err := e.DB.ListAudit(e.Ctx, store.AuditFilter{PublicationID: held.ID})
				if err != nil {
					t.Fatal(err)
				}
				released := false
				for _, en := range entries {
					released = released || en.Action == "publication.lease-released"
				}
				if released != (backend == store.BackendSQLite) {
					t.Fatalf("lease-released in the audit log: %t on %s", released, backend)
				}
				e.VerifyAudit()
			})
		}
	}
}

// runUntilSettled runs the scheduler as the server does at start, with the
// clock standing still, until the publication of st has left publishing.
func runUntilSettled(t *testing.T, e *env, st int64) {
	t.Helper()
	ctx, cancel := context.WithCancel(e.Ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.Svc.Run(ctx)
	}()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ps, err := e.DB.ListPublications(e.Ctx, store.QueueFilter{StatementID: st})
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) == 1 && ps[0].State != store.StatePublishing {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("still %+v after 20 s with the clock before the lease's end", ps)
		}
		time.Sleep(5 * time.Millisecond) // polling
	}
}
