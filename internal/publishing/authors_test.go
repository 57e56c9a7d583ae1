package publishing_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// admin is a user holding both roles, as every administrator does.
func (e *env) admin(name string) publishing.Actor {
	e.t.Helper()
	u, err := e.db.CreateUser(e.ctx, account.User{Username: name, DisplayName: name,
		Roles: []account.Role{account.RoleAdmin, account.RolePressOfficer, account.RoleApprover}})
	if err != nil {
		e.t.Fatal(err)
	}
	return publishing.ActorOf(u)
}

func (e *env) save(a publishing.Actor, id int64, in publishing.StatementInput) publishing.Statement {
	e.t.Helper()
	st, err := e.svc.SaveStatement(e.ctx, a, id, in)
	if err != nil {
		e.t.Fatal(err)
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
		x, xNet := e.channel("X", social.X, social.Limits{MaxLength: 280}, "en")
		boss := e.admin("boss")
		due := clock.Now().Add(time.Hour)
		st := e.draft(publishing.StatementInput{DueAt: due, Variants: variants("Colleague's words"), Targets: []int64{x.ID}})
		e.submit(st.ID)

		// The administrator rewrites it, submits it and tries to approve it.
		rewritten := e.save(boss, st.ID, publishing.StatementInput{DueAt: due, Variants: variants("Boss's words"), Targets: []int64{x.ID}})
		if err := e.svc.Submit(e.ctx, boss, st.ID); err != nil {
			t.Fatal(err)
		}
		_, err := e.svc.Approve(e.ctx, boss, st.ID, rewritten.ContentHash)
		wantProblem(t, err, "press_error_own_edit")
		// Nor can the store be talked into it.
		_, err = db.ApproveStatement(e.ctx, st.ID, boss.ID, rewritten.ContentHash, store.AuditEntry{ActorID: boss.ID, Actor: "boss", Action: "statement.approve"})
		if !errors.Is(err, store.ErrOwnEdit) {
			t.Fatalf("store approval by an editor: %v, want ErrOwnEdit", err)
		}
		// The author of the first version is still an author.
		_, err = e.svc.Approve(e.ctx, e.author, st.ID, rewritten.ContentHash)
		wantProblem(t, err, "press_error_self_approval")
		e.wantState(st.ID, store.StateSubmitted)
		if aps, _ := db.ListApprovals(e.ctx, st.ID); len(aps) != 0 {
			t.Fatalf("approvals recorded: %+v", aps)
		}
		authors, err := db.StatementAuthors(e.ctx, st.ID)
		if err != nil || len(authors) != 2 {
			t.Fatalf("authors %v (%v), want the writer and the rewriter", authors, err)
		}
		clock.Set(due)
		if n := e.dispatch(); n != 0 || len(xNet.Posts()) != 0 {
			t.Fatal("a statement approved by nobody but its rewriter went out")
		}

		// A different approver clears it (after its time: a person releases it).
		if r := e.approve(e.approver, st.ID); !r.Complete {
			t.Fatalf("approval by another approver: %+v", r)
		}
		p := e.pub(st.ID)
		if err := e.svc.Decide(e.ctx, e.author, p.ID, store.ResumeNow, time.Time{}); err != nil {
			t.Fatal(err)
		}
		e.dispatch()
		e.wantState(st.ID, store.StatePublished)
		if posts := xNet.Posts(); len(posts) != 1 || posts[0].Text != "Boss's words (en)" {
			t.Fatalf("X got %+v", posts)
		}

		// Since the last clearance: the author changes a new statement the
		// boss edited before it was cleared; the boss may approve that.
		later := clock.Now().Add(time.Hour)
		st2 := e.draft(publishing.StatementInput{DueAt: later, Variants: variants("Second"), Targets: []int64{x.ID}})
		e.save(boss, st2.ID, publishing.StatementInput{DueAt: later, Variants: variants("Second, by the boss"), Targets: []int64{x.ID}})
		e.submit(st2.ID)
		e.approve(e.approver, st2.ID)
		e.wantState(st2.ID, store.StateScheduled)
		e.save(e.author, st2.ID, publishing.StatementInput{DueAt: later, Variants: variants("Second, corrected"), Targets: []int64{x.ID}})
		e.submit(st2.ID)
		if r := e.approve(boss, st2.ID); !r.Complete {
			t.Fatalf("the boss did not change this version, yet: %+v", r)
		}
		// A save that changes nothing makes nobody an author.
		st3 := e.draft(publishing.StatementInput{DueAt: later, Variants: variants("Third"), Targets: []int64{x.ID}})
		e.save(boss, st3.ID, publishing.StatementInput{DueAt: later, Variants: variants("Third"), Targets: []int64{x.ID}})
		e.submit(st3.ID)
		if r := e.approve(boss, st3.ID); !r.Complete {
			t.Fatalf("an unchanged save made the boss an author: %+v", r)
		}
		e.verifyAudit()
	})
}

// A sensitive statement needs two approvals from two people, neither of
// whom changed it.
func TestSensitiveApproversDidNotEdit(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock, publishing.Settings{})
		ch, net := e.channel("Mastodon", social.Mastodon, social.Limits{MaxLength: 500}, "en")
		third := e.user("third", account.RoleApprover)
		due := clock.Now().Add(time.Hour)
		st := e.draft(publishing.StatementInput{Category: "security", DueAt: due, Variants: variants("A"), Targets: []int64{ch.ID}})
		if st.ApprovalsNeeded != 2 {
			t.Fatalf("approvals needed %d, want 2", st.ApprovalsNeeded)
		}
		// The approver edits it, then hopes to be one of the two.
		e.save(e.approver, st.ID, publishing.StatementInput{Category: "security", DueAt: due, Variants: variants("A, sharper"), Targets: []int64{ch.ID}})
		e.submit(st.ID)
		cur, _ := db.GetStatement(e.ctx, st.ID)
		_, err := e.svc.Approve(e.ctx, e.approver, st.ID, cur.ContentHash)
		wantProblem(t, err, "press_error_own_edit")
		if r := e.approve(e.second, st.ID); r.Complete || r.Count != 1 {
			t.Fatalf("first approval: %+v", r)
		}
		// The same person twice is one approval.
		_, err = e.svc.Approve(e.ctx, e.second, st.ID, cur.ContentHash)
		wantProblem(t, err, "press_error_already_approved")
		_, err = e.svc.Approve(e.ctx, e.approver, st.ID, cur.ContentHash)
		wantProblem(t, err, "press_error_own_edit")
		e.wantState(st.ID, store.StateSubmitted)
		clock.Set(due)
		if e.dispatch(); len(net.Posts()) != 0 {
			t.Fatal("a sensitive statement went out with one approval")
		}
		if r := e.approve(third, st.ID); !r.Complete || r.Count != 2 || r.Late != 1 {
			t.Fatalf("second approval: %+v", r)
		}
		// Cleared after its time: a person releases it.
		if err := e.svc.Decide(e.ctx, e.author, e.pub(st.ID).ID, store.ResumeNow, time.Time{}); err != nil {
			t.Fatal(err)
		}
		e.dispatch()
		e.wantState(st.ID, store.StatePublished)
	})
}

// One person with both roles edits and approves at the same moment, many
// times over: whatever the order, no version they changed is ever cleared
// by them.
func TestEditAndApproveRace(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock, publishing.Settings{})
		ch, _ := e.channel("X", social.X, social.Limits{MaxLength: 280}, "en")
		boss := e.admin("boss")
		due := clock.Now().Add(time.Hour)
		for i := range 10 {
			st := e.draft(publishing.StatementInput{DueAt: due, Variants: variants("Original"), Targets: []int64{ch.ID}})
			e.submit(st.ID)
			var wg sync.WaitGroup
			wg.Go(func() {
				_, _ = e.svc.SaveStatement(e.ctx, boss, st.ID, publishing.StatementInput{DueAt: due, Variants: variants("Rewritten"), Targets: []int64{ch.ID}})
				_ = e.svc.Submit(e.ctx, boss, st.ID)
			})
			wg.Go(func() {
				for range 3 {
					cur, err := db.GetStatement(e.ctx, st.ID)
					if err == nil {
						_, _ = e.svc.Approve(e.ctx, boss, st.ID, cur.ContentHash)
					}
				}
			})
			wg.Wait()
			cur, err := db.GetStatement(e.ctx, st.ID)
			if err != nil {
				t.Fatal(err)
			}
			if cur.Variants[0].Body == "Rewritten (vi)" {
				aps, _ := db.ListApprovals(e.ctx, st.ID)
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
