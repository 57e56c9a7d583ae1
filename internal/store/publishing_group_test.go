package store_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// Many publications' write-ahead records and confirmations, written at
// once, are committed in groups: each caller gets its own attempt, a
// caller whose lease was taken over fails alone, and the audit chain holds
// one entry per successful call, in an intact chain.
func TestGroupCommitOfAttemptsAndConfirmations(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		u, err := db.CreateUser(ctx, account.User{Username: "author", Roles: []account.Role{account.RolePressOfficer}})
		if err != nil {
			t.Fatal(err)
		}
		const n = 40
		var targets []int64
		for i := range n {
			ch, err := db.CreateChannel(ctx, store.Channel{Network: "mastodon", Name: fmt.Sprint("C", i), Languages: []string{"en"}, TimeZone: "UTC"},
				store.AuditEntry{Action: "channel.create"})
			if err != nil {
				t.Fatal(err)
			}
			targets = append(targets, ch.ID)
		}
		st, err := db.SaveStatement(ctx, store.Statement{AuthorID: u.ID, DueAt: time.Now().Add(-time.Minute), ApprovalsNeeded: 1,
			Variants: []store.Variant{{Lang: "en", Body: "x"}}, Targets: targets}, store.AuditEntry{Action: "statement.save"})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.ExecForTest(ctx, `UPDATE pub_publications SET state = 'scheduled' WHERE statement_id = $1`, st.ID); err != nil {
			t.Fatal(err)
		}
		pubs, err := db.ClaimPublications(ctx, "me", time.Minute, n)
		if err != nil || len(pubs) != n {
			t.Fatalf("claimed %d, %v", len(pubs), err)
		}
		// Another instance took the first publication over.
		if err := db.ExecForTest(ctx, `UPDATE pub_publications SET lease_owner = 'other' WHERE id = $1`, pubs[0].ID); err != nil {
			t.Fatal(err)
		}
		before, err := db.VerifyAudit(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ids := make([]int64, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i, p := range pubs {
			wg.Go(func() {
				ids[i], errs[i] = db.BeginAttempt(ctx, p.ID, "me", time.Minute, 0, fmt.Sprint("k", i), store.AuditEntry{Action: "publication.attempt"})
				if errs[i] == nil {
					errs[i] = db.ConfirmPart(ctx, p.ID, "me", time.Minute, ids[i], store.PostPart{Idx: 0, Key: fmt.Sprint("k", i), RemoteID: fmt.Sprint("r", i)},
						true, store.AuditEntry{Action: "publication.part+published"})
				}
			})
		}
		wg.Wait()
		seen := map[int64]bool{}
		for i, err := range errs {
			if i == 0 {
				if !errors.Is(err, store.ErrLeaseLost) {
					t.Fatalf("the publication taken over: %v, want ErrLeaseLost", err)
				}
				continue
			}
			if err != nil || ids[i] == 0 || seen[ids[i]] {
				t.Fatalf("publication %d: attempt %d, %v", i, ids[i], err)
			}
			seen[ids[i]] = true
			p, err := db.GetPublication(ctx, pubs[i].ID)
			if err != nil || p.State != store.StatePublished || p.RemoteID != fmt.Sprint("r", i) {
				t.Fatalf("publication %d: %+v %v", i, p, err)
			}
		}
		after, err := db.VerifyAudit(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := after-before, int64(2*(n-1)); got != want {
			t.Fatalf("%d audit entries appended, want %d", got, want)
		}
	})
}
