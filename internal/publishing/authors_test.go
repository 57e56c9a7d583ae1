package publishing_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/publishing/pubtest"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// admin is a user holding both roles, as every administrator does.
func (e *env) admin(name string) publishing.Actor {
	e.T.Helper()
	u, err := e.DB.CreateUser(e.Ctx, account.User{Username: name, DisplayName: name,
		Roles: []account.Role{account.RoleAdmin, account.RolePressOfficer, account.RoleApprover}})
	if err != nil {
		e.T.Fatal(err)
	}
	return publishing.ActorOf(u)
}

func (e *env) save(a publishing.Actor, id int64, in publishing.StatementInput) publishing.Statement {
	e.T.Helper()
	st, err := e.Svc.SaveStatement(e.Ctx, a, id, in)
	if err != nil {
		e.T.Fatal(err)
	}
	return st
}

// An approver who rewrote a colleague's submitted statement is, for that
// version, one of its authors: they cannot approve it alone, however many
// roles they hold. Another approver can; and once that version is cleared,
// the rewriter is no longer an author of what someone else changes next.
func TestEditorCannotApproveWhatTheyChanged(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock, publishing.Settings{})
		x, xNet := e.Channel("X", social.X, social.Limits{MaxLength: 280}, "en")
		boss := e.admin("boss")
		due := clock.Now().Add(time.Hour)
		st := e.Draft(publishing.StatementInput{DueAt: due, Variants: pubtest.Variants("Colleague's words"), Targets: []int64{x.ID}})
		e.Submit(st.ID)

		// The administrator rewrites it, submits it and tries to approve it.
		rewritten := e.save(boss, st.ID, publishing.StatementInput{DueAt: due, Variants: pubtest.Variants("Boss's words"), Targets: []int64{x.ID}})
		if err := e.Svc.Submit(e.Ctx, boss, st.ID); err != nil {
			t.Fatal(err)
		}
		_, err := e.Svc.Approve(e.Ctx, boss, st.ID, rewritten.ContentHash)
		wantProblem(t, err, "press_error_own_edit")
		// Nor can the store be talked into it.
		_, err = db.ApproveStatement(e.Ctx, st.ID, boss.ID, rewritten.ContentHash, store.AuditEntry{ActorID: boss.ID, Actor: "boss", Action: "statement.approve"})
		if !errors.Is(err, store.ErrOwnEdit) {
			t.Fatalf("store approval by an editor: %v, want ErrOwnEdit", err)
		}
		// The author of the first version is still an author.
		_, err = e.Svc.Approve(e.Ctx, e.Author, st.ID, rewritten.ContentHash)
		wantProblem(t, err, "press_error_self_approval")
		e.WantState(st.ID, store.StateSubmitted)
		if aps, _ := db.ListApprovals(e.Ctx, st.ID); len(aps) != 0 {
			t.Fatalf("approvals recorded: %+v", aps)
		}
		authors, err := db.StatementAuthors(e.Ctx, st.ID)
		if err != nil || len(authors) != 2 {
			t.Fatalf("authors %v (%v), want the writer and the rewriter", authors, err)
		}
		clock.Set(due)
		if n := e.Dispatch(); n != 0 || len(xNet.Posts()) != 0 {
			t.Fatal("a statement approved by nobody but its rewriter went out")
		}

		// A different approver clears it (after its time: a person releases it).
		if r := e.Approve(e.Approver, st.ID); !r.Complete {
			t.Fatalf("approval by another approver: %+v", r)
		}
		p := e.Pub(st.ID)
		if err := e.Svc.Decide(e.Ctx, e.Author, p.ID, store.ResumeNow, time.Time{}); err != nil {
			t.Fatal(err)
		}
		e.Dispatch()
		e.WantState(st.ID, store.StatePublished)
		if posts := xNet.Posts(); len(posts) != 1 || posts[0].Text != "Boss's words (en)" {
			t.Fatalf("X got %+v", posts)
		}

		// Since the last clearance: the author changes a new statement the
		// boss edited before it was cleared; the boss may approve that.
		later := clock.Now().Add(time.Hour)
		st2 := e.Draft(publishing.StatementInput{DueAt: later, Variants: pubtest.Variants("Second"), Targets: []int64{x.ID}})
		e.save(boss, st2.ID, publishing.StatementInput{DueAt: later, Variants: pubtest.Variants("Second, by the boss"), Targets: []int64{x.ID}})
		e.Submit(st2.ID)
		e.Approve(e.Approver, st2.ID)
		e.WantState(st2.ID, store.StateScheduled)
		e.save(e.Author, st2.ID, publishing.StatementInput{DueAt: later, Variants: pubtest.Variants("Second, corrected"), Targets: []int64{x.ID}})
		e.Submit(st2.ID)
		if r := e.Approve(boss, st2.ID); !r.Complete {
			t.Fatalf("the boss did not change this version, yet: %+v", r)
		}
		// A save that changes nothing makes nobody an author.
		st3 := e.Draft(publishing.StatementInput{DueAt: later, Variants: pubtest.Variants("Third"), Targets: []int64{x.ID}})
		e.save(boss, st3.ID, publishing.StatementInput{DueAt: later, Variants: pubtest.Variants("Third"), Targets: []int64{x.ID}})
		e.Submit(st3.ID)
		if r := e.Approve(boss, st3.ID); !r.Complete {
			t.Fatalf("an unchanged save made the boss an author: %+v", r)
		}
		e.VerifyAudit()
	})
}

// A sensitive statement needs two approvals from two people, neither of
// whom changed it.
func TestSensitiveApproversDidNotEdit(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock, publishing.Settings{})
		ch, net := e.Channel("Mastodon", social.Mastodon, social.Limits{MaxLength: 500}, "en")
		third := e.User("third", account.RoleApprover)
		due := clock.Now().Add(time.Hour)
		st := e.Draft(publishing.StatementInput{Category: "security", DueAt: due, Variants: pubtest.Variants("A"), Targets: []int64{ch.ID}})
		if st.ApprovalsNeeded != 2 {
			t.Fatalf("approvals needed %d, want 2", st.ApprovalsNeeded)
		}
		// The approver edits it, then hopes to be one of the two.
		e.save(e.Approver, st.ID, publishing.StatementInput{Category: "security", DueAt: due, Variants: pubtest.Variants("A, sharper"), Targets: []int64{ch.ID}})
		e.Submit(st.ID)
		cur, _ := db.GetStatement(e.Ctx, st.ID)
		_, err := e.Svc.Approve(e.Ctx, e.Approver, st.ID, cur.ContentHash)
		wantProblem(t, err, "press_error_own_edit")
		if r := e.Approve(e.Second, st.ID); r.Complete || r.Count != 1 {
			t.Fatalf("first approval: %+v", r)
		}
		// The same person twice is one approval.
		_, err = e.Svc.Approve(e.Ctx, e.Second, st.ID, cur.ContentHash)
		wantProblem(t, err, "press_error_already_approved")
		_, err = e.Svc.Approve(e.Ctx, e.Approver, st.ID, cur.ContentHash)
		wantProblem(t, err, "press_error_own_edit")
		e.WantState(st.ID, store.StateSubmitted)
		clock.Set(due)
		if e.Dispatch(); len(net.Posts()) != 0 {
			t.Fatal("a sensitive statement went out with one approval")
		}
		if r := e.Approve(third, st.ID); !r.Complete || r.Count != 2 || r.Late != 1 {
			t.Fatalf("second approval: %+v", r)
		}
		// Cleared after its time: a person releases it.
		if err := e.Svc.Decide(e.Ctx, e.Author, e.Pub(st.ID).ID, store.ResumeNow, time.Time{}); err != nil {
			t.Fatal(err)
		}
		e.Dispatch()
		e.WantState(st.ID, store.StatePublished)
	})
}

// One person with both roles edits and approves at the same moment, many
// times over: whatever the order, no version they changed is ever cleared
// by them.
func TestEditAndApproveRace(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock, publishing.Settings{})
		ch, _ := e.Channel("X", social.X, social.Limits{MaxLength: 280}, "en")
		boss := e.admin("boss")
		due := clock.Now().Add(time.Hour)
		for i := range 10 {
			st := e.Draft(publishing.StatementInput{DueAt: due, Variants: pubtest.Variants("Original"), Targets: []int64{ch.ID}})
			e.Submit(st.ID)
			var wg sync.WaitGroup
			wg.Go(func() {
				_, _ = e.Svc.SaveStatement(e.Ctx, boss, st.ID, publishing.StatementInput{DueAt: due, Variants: pubtest.Variants("Rewritten"), Targets: []int64{ch.ID}})
				_ = e.Svc.Submit(e.Ctx, boss, st.ID)
			})
			wg.Go(func() {
				for range 3 {
					cur, err := db.GetStatement(e.Ctx, st.ID)
					if err == nil {
						_, _ = e.Svc.Approve(e.Ctx, boss, st.ID, cur.ContentHash)
					}
				}
			})
			wg.Wait()
			cur, err := db.GetStatement(e.Ctx, st.ID)
			if err != nil {
				t.Fatal(err)
			}
			if cur.Variants[0].Body == "Rewritten (vi)" {
				aps, _ := db.ListApprovals(e.Ctx, st.ID)
				for _, a := range aps {
					if a.UserID == boss.ID && a.ContentHash == cur.ContentHash {
						t.Fatalf("round %d: the boss approved their own rewrite", i)
					}
				}
				if cur.State == store.StateScheduled {
					t.Fatalf("round %d: the rewrite was cleared", i)
				}
			}
		}
	})
}
