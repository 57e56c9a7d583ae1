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

// claimEnv is one statement on the given channels, every publication
// claimed by "me" with an attempt written.
type claimEnv struct {
	db       *store.DB
	pubs     map[string]store.Publication // by channel name
	attempts map[string]int64
}

func newClaimEnv(t *testing.T, db *store.DB, channels ...store.Channel) *claimEnv {
	t.Helper()
	ctx := t.Context()
	u, err := db.CreateUser(ctx, account.User{Username: fmt.Sprint("author", time.Now().UnixNano()), Roles: []account.Role{account.RolePressOfficer}})
	if err != nil {
		t.Fatal(err)
	}
	names := map[int64]string{}
	var targets []int64
	for _, c := range channels {
		c.Languages, c.TimeZone = []string{"en"}, "UTC"
		ch, err := db.CreateChannel(ctx, c, store.AuditEntry{Action: "channel.create"})
		if err != nil {
			t.Fatal(err)
		}
		names[ch.ID] = c.Name
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
	pubs, err := db.ClaimPublications(ctx, "me", time.Minute, len(targets))
	if err != nil || len(pubs) != len(targets) {
		t.Fatalf("claimed %d, %v", len(pubs), err)
	}
	e := &claimEnv{db: db, pubs: map[string]store.Publication{}, attempts: map[string]int64{}}
	for _, p := range pubs {
		name := names[p.ChannelID]
		e.pubs[name] = p
		if e.attempts[name], err = db.BeginAttempt(ctx, p.ID, "me", time.Minute, 0, "k", store.AuditEntry{Action: "publication.attempt"}); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

func (e *claimEnv) confirm(t *testing.T, channel, remote string) error {
	t.Helper()
	return e.db.ConfirmPart(t.Context(), e.pubs[channel].ID, "me", time.Minute, e.attempts[channel], store.PostPart{Idx: 0, Key: "k", RemoteID: remote},
		true, store.AuditEntry{Action: "publication.part+published"})
}

// A post is recorded by one publication part at most: on networks whose
// IDs are global (X), across channels; on Mastodon within an instance; on
// Telegram within a chat, where another chat's message 5 is another post.
func TestPostIsRecordedOnce(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		e := newClaimEnv(t, db,
			store.Channel{Network: "x", Name: "X en"}, store.Channel{Network: "x", Name: "X vi"},
			store.Channel{Network: "mastodon", Name: "M1", BaseURL: "https://social.example"},
			store.Channel{Network: "mastodon", Name: "M2", BaseURL: "https://Social.example/"},
			store.Channel{Network: "mastodon", Name: "M3", BaseURL: "https://other.example"},
			store.Channel{Network: "telegram", Name: "T1"}, store.Channel{Network: "telegram", Name: "T2"},
			store.Channel{Network: "facebook", Name: "F1"})
		for _, tc := range []struct {
			channel, remote string
			claimed         bool
		}{
			{"X en", "1860000000000000001", false},
			{"X vi", "1860000000000000001", true}, // another channel, the same post
			{"F1", "1860000000000000001", false},  // the same digits on another network
			{"M1", "111", false},
			{"M2", "111", true},  // the same instance, spelled otherwise
			{"M3", "111", false}, // another instance
			{"T1", "5", false},
			{"T2", "5", false}, // another chat
		} {
			err := e.confirm(t, tc.channel, tc.remote)
			if tc.claimed != errors.Is(err, store.ErrPostClaimed) || !tc.claimed && err != nil {
				t.Fatalf("%s records %s: %v, want claimed=%v", tc.channel, tc.remote, err, tc.claimed)
			}
			p, _ := db.GetPublication(ctx, e.pubs[tc.channel].ID)
			parts, _ := db.ListParts(ctx, p.ID)
			if tc.claimed && (p.State != store.StatePublishing || len(parts) != 0 || p.RemoteID != "") {
				t.Fatalf("a refused claim wrote something: %+v, parts %+v", p, parts)
			}
		}
		if err := e.confirm(t, "X vi", "1860000000000000002"); err != nil {
			t.Fatalf("X vi records its own post: %v", err)
		}
		got, err := db.PostClaims(ctx, e.pubs["X vi"].ChannelID, []string{"1860000000000000001", "1860000000000000002", "9"})
		if err != nil || len(got) != 2 || got["1860000000000000001"] != e.pubs["X en"].ID || got["1860000000000000002"] != e.pubs["X vi"].ID {
			t.Fatalf("PostClaims = %v, %v", got, err)
		}
		if got, err := db.PostClaims(ctx, e.pubs["F1"].ChannelID, []string{"111", "5"}); err != nil || len(got) != 0 {
			t.Fatalf("PostClaims on Facebook sees other networks' posts: %v, %v", got, err)
		}
		if _, err := db.VerifyAudit(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

// Publications that confirm the same post at once, in one group commit or
// across it: exactly one records it.
func TestConcurrentClaimsOfOnePost(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		var chans []store.Channel
		for i := range 12 {
			chans = append(chans, store.Channel{Network: "x", Name: fmt.Sprint("X", i)})
		}
		e := newClaimEnv(t, db, chans...)
		errs := make([]error, len(chans))
		var wg sync.WaitGroup
		for i, c := range chans {
			wg.Go(func() { errs[i] = e.confirm(t, c.Name, "1860000000000000555") })
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, store.ErrPostClaimed):
				t.Fatalf("unexpected error: %v", err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d publications recorded the post, want 1 (%v)", ok, errs)
		}
		if _, err := db.VerifyAudit(t.Context()); err != nil {
			t.Fatal(err)
		}
	})
}

// Migration 0012 on a database where two publications recorded one post
// (the fault it closes): the earlier keeps the post, the later goes to
// needs-check for a person.
func TestMigrationSettlesPostsRecordedTwice(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		e := newClaimEnv(t, db, store.Channel{Network: "x", Name: "A"}, store.Channel{Network: "x", Name: "B"},
			store.Channel{Network: "x", Name: "C"})
		for _, c := range []string{"A", "C"} {
			if err := e.confirm(t, c, "18600000000000000"+c); err != nil {
				t.Fatal(err)
			}
		}
		// Before 0012: B recorded A's post.
		if err := db.ExecForTest(ctx, `DROP TABLE pub_post_claims`); err != nil {
			t.Fatal(err)
		}
		if err := db.ExecForTest(ctx, `INSERT INTO pub_parts (publication_id, idx, post_key, remote_id, remote_url, created_at) VALUES ($1, 0, 'k', '18600000000000000A', '', $2)`,
			e.pubs["B"].ID, time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := db.ExecForTest(ctx, `UPDATE pub_publications SET state = 'published', remote_id = '18600000000000000A', lease_owner = '' WHERE id = $1`, e.pubs["B"].ID); err != nil {
			t.Fatal(err)
		}
		sql, err := store.MigrationSQLForTest(db.Backend(), 12)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.ExecForTest(ctx, sql); err != nil {
			t.Fatal(err)
		}
		for name, want := range map[string]string{"A": store.StatePublished, "B": store.StateNeedsCheck, "C": store.StatePublished} {
			p, err := db.GetPublication(ctx, e.pubs[name].ID)
			if err != nil || p.State != want {
				t.Fatalf("%s after the migration: %+v, %v; want %s", name, p, err, want)
			}
		}
		got, err := db.PostClaims(ctx, e.pubs["B"].ChannelID, []string{"18600000000000000A", "18600000000000000C"})
		if err != nil || got["18600000000000000A"] != e.pubs["A"].ID || got["18600000000000000C"] != e.pubs["C"].ID {
			t.Fatalf("claims after the migration: %v, %v", got, err)
		}
	})
}
