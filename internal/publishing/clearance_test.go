package publishing_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/publishing/pubtest"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

func TestClearance(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock, publishing.Settings{})
		ch, _ := e.Channel("X ministry", social.X, social.Limits{MaxLength: 280}, "en", "vi")
		st := e.Draft(publishing.StatementInput{DueAt: clock.Now().Add(time.Hour), Variants: pubtest.Variants("Hello"), Targets: []int64{ch.ID}})
		if st.ApprovalsNeeded != 1 {
			t.Fatalf("approvals needed %d, want 1", st.ApprovalsNeeded)
		}
		// Not submitted: nobody may approve.
		_, err := e.Svc.Approve(e.Ctx, e.Approver, st.ID, st.ContentHash)
		wantProblem(t, err, "press_error_not_submitted")
		e.Submit(st.ID)
		got, _ := db.GetStatement(e.Ctx, st.ID)
		// The hash of what was saved is the hash of what is stored.
		if got.ContentHash != st.ContentHash || publishing.ContentHash(got) != st.ContentHash {
			t.Fatalf("hash changed by storing: saved %s, stored %s", st.ContentHash, got.ContentHash)
		}
		// No self-approval.
		_, err = e.Svc.Approve(e.Ctx, e.Author, st.ID, got.ContentHash)
		wantProblem(t, err, "press_error_self_approval")
		// An approval of another version is refused.
		_, err = e.Svc.Approve(e.Ctx, e.Approver, st.ID, strings.Repeat("0", 64))
		wantProblem(t, err, "press_error_stale_approval")
		e.WantState(st.ID, store.StateSubmitted)

		// Any edit voids the approval: approve, edit, and the
		// statement is a draft again with no approval.
		if r := e.Approve(e.Approver, st.ID); !r.Complete {
			t.Fatal("one approval should clear a non-sensitive statement")
		}
		e.WantState(st.ID, store.StateScheduled)
		in := publishing.StatementInput{DueAt: clock.Now().Add(time.Hour), Variants: pubtest.Variants("Hello, edited"), Targets: []int64{ch.ID}}
		edited, err := e.Svc.SaveStatement(e.Ctx, e.Author, st.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		if edited.ContentHash == got.ContentHash {
			t.Fatal("edit kept the content hash")
		}
		e.WantState(st.ID, store.StateDraft)
		aps, _ := db.ListApprovals(e.Ctx, st.ID)
		if len(aps) != 0 {
			t.Fatalf("approvals survived an edit: %v", aps)
		}
		clock.Advance(2 * time.Hour)
		if n := e.Dispatch(); n != 0 {
			t.Fatalf("an unapproved statement went out (%d)", n)
		}
		e.VerifyAudit()
	})
}

func TestSensitiveNeedsTwoApprovers(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock, publishing.Settings{})
		ch, _ := e.Channel("Mastodon", social.Mastodon, social.Limits{MaxLength: 500}, "en")
		for _, in := range []publishing.StatementInput{
			{Sensitive: true, DueAt: clock.Now().Add(time.Hour), Variants: pubtest.Variants("A"), Targets: []int64{ch.ID}},
			{Category: "security", DueAt: clock.Now().Add(time.Hour), Variants: pubtest.Variants("B"), Targets: []int64{ch.ID}},
		} {
			st := e.Draft(in)
			e.Submit(st.ID)
			if r := e.Approve(e.Approver, st.ID); r.Complete {
				t.Fatal("one approval cleared a sensitive statement")
			}
			e.WantState(st.ID, store.StateSubmitted)
			st2, _ := db.GetStatement(e.Ctx, st.ID)
			_, err := e.Svc.Approve(e.Ctx, e.Approver, st.ID, st2.ContentHash)
			wantProblem(t, err, "press_error_already_approved")
			if r := e.Approve(e.Second, st.ID); !r.Complete || r.Count != 2 {
				t.Fatalf("second approval: %+v", r)
			}
			e.WantState(st.ID, store.StateScheduled)
		}
	})
}

func TestSubmitRefusesWhatWouldFailLater(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock, publishing.Settings{})
		x, _ := e.Channel("X", social.X, social.Limits{MaxLength: 20}, "en")
		tg, tgNet := e.Channel("Telegram", social.Telegram, social.Limits{MaxLength: 4096}, "en")
		tgNet.AuthBroken = true
		png := []publishing.MediaInput{{Filename: "a.png", ContentType: "image/png", Data: []byte{1}, Alts: map[string]string{"vi": "ảnh"}}}
		long := []publishing.VariantInput{{Lang: "en", Body: strings.Repeat("a", 21)}}
		short := []publishing.VariantInput{{Lang: "en", Body: "short"}}
		thread := []publishing.VariantInput{{Lang: "en", Body: "one\n---\ntwo"}}
		future := clock.Now().Add(time.Hour)
		for _, tc := range []struct {
			name string
			in   publishing.StatementInput
			key  string
		}{
			{"past", publishing.StatementInput{DueAt: clock.Now().Add(-time.Minute), Variants: short, Targets: []int64{x.ID}}, "press_error_due_past"},
			{"no due", publishing.StatementInput{Variants: short, Targets: []int64{x.ID}}, "press_error_due_past"},
			{"too long", publishing.StatementInput{DueAt: future, Variants: long, Targets: []int64{x.ID}}, "press_error_too_long"},
			{"alt missing", publishing.StatementInput{DueAt: future, Variants: short, Media: png, Targets: []int64{x.ID}}, "press_error_alt_missing"},
			{"credentials", publishing.StatementInput{DueAt: future, Variants: short, Targets: []int64{tg.ID}}, "press_error_credentials"},
			{"no target", publishing.StatementInput{DueAt: future, Variants: short}, "press_error_no_target"},
			{"before embargo", publishing.StatementInput{DueAt: future, EmbargoUntil: future.Add(time.Minute), Variants: short, Targets: []int64{x.ID}}, "press_error_due_before_embargo"},
			{"thread without threads", publishing.StatementInput{DueAt: future, Variants: thread, Targets: []int64{x.ID}}, "press_error_no_threads"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				st := e.Draft(tc.in)
				wantProblem(t, e.Svc.Submit(e.Ctx, e.Author, st.ID), tc.key)
				e.wantStateAny(st.ID, store.StateDraft)
			})
		}
		// Bad input to the model itself.
		_, err := e.Svc.SaveStatement(e.Ctx, e.Author, 0, publishing.StatementInput{Variants: []publishing.VariantInput{{Lang: "xx", Body: "a"}}})
		wantProblem(t, err, "press_error_language")
		_, err = e.Svc.SaveStatement(e.Ctx, e.Author, 0, publishing.StatementInput{})
		wantProblem(t, err, "press_error_no_variant")
		_, err = e.Svc.CreateChannel(e.Ctx, e.Author, publishing.ChannelInput{Network: "x", Name: "Bad zone", Languages: []string{"en"}, TimeZone: "Mars/Olympus"})
		wantProblem(t, err, "press_error_time_zone")
		_, err = e.Svc.CreateChannel(e.Ctx, e.Author, publishing.ChannelInput{Network: "myspace", Name: "Old", Languages: []string{"en"}, TimeZone: "UTC"})
		wantProblem(t, err, "press_error_network")
	})
}

// A channel's server address decides where its credentials go, and for X
// and LinkedIn where Chancery's app secret goes during the OAuth exchange:
// the networks with one official API are reached there, or at a server the
// configuration allows, never at one a press officer types.
func TestChannelServerAddress(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock, publishing.Settings{ExtraAPIs: []string{"http://127.0.0.1:9000/"}})
		for i, tc := range []struct {
			network, base, want, stored string
		}{
			{"x", "", "", ""},
			{"x", "https://api.x.com/", "", "https://api.x.com"},
			{"x", "http://127.0.0.1:9000", "", "http://127.0.0.1:9000"}, // configured
			{"x", "https://collector.example", "press_error_base_url_official", ""},
			{"linkedin", "https://api.linkedin.com.collector.example", "press_error_base_url_official", ""},
			{"facebook", "http://127.0.0.1:9001", "press_error_base_url_official", ""},
			{"telegram", " https://api.telegram.org ", "", "https://api.telegram.org"},
			{"portal", "https://elsewhere.example", "press_error_base_url_official", ""},
			{"mastodon", "https://mastodon.social/", "", "https://mastodon.social"},
			{"mastodon", "", "press_error_base_url", ""}, // needs its instance
			{"mastodon", "mastodon.social", "press_error_base_url", ""},
			{"mastodon", "javascript:alert(1)", "press_error_base_url", ""},
			{"mastodon", "https://user:pw@mastodon.social", "press_error_base_url", ""},
			{"mastodon", "https://mastodon.social/?next=x", "press_error_base_url", ""},
			{"bluesky", "https://pds.mofa.example", "", "https://pds.mofa.example"}, // its own PDS
			{"bluesky", "", "", ""},
		} {
			ch, err := e.Svc.CreateChannel(e.Ctx, e.Author, publishing.ChannelInput{Network: tc.network, Name: fmt.Sprintf("Channel %d", i),
				BaseURL: tc.base, Languages: []string{"en"}, TimeZone: "UTC"})
			if tc.want != "" {
				wantProblem(t, err, tc.want)
				continue
			}
			if err != nil || ch.BaseURL != tc.stored {
				t.Errorf("%s at %q: base %q, %v; want %q", tc.network, tc.base, ch.BaseURL, err, tc.stored)
			}
		}
		for _, tc := range []struct {
			network social.Network
			base    string
			want    bool
		}{
			{social.X, "", true}, {social.X, "https://api.x.com", true}, {social.X, "http://127.0.0.1:9000/", true},
			{social.LinkedIn, "https://collector.example", false}, {social.Mastodon, "https://any.example", true},
		} {
			if got := e.Svc.APIAllowed(tc.network, tc.base); got != tc.want {
				t.Errorf("APIAllowed(%s, %q) = %v", tc.network, tc.base, got)
			}
		}
	})
}

func (e *env) wantStateAny(st int64, state string) {
	e.T.Helper()
	for _, p := range e.Pubs(st) {
		if p.State != state {
			e.T.Fatalf("publication %d: %q, want %q", p.ID, p.State, state)
		}
	}
}

func TestApprovalExpired(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock, publishing.Settings{})
		ch, net := e.Channel("X", social.X, social.Limits{MaxLength: 280}, "en")
		st := e.Draft(publishing.StatementInput{DueAt: clock.Now().Add(time.Minute), Variants: pubtest.Variants("Late"), Targets: []int64{ch.ID}})
		e.Submit(st.ID)
		clock.Advance(2 * time.Minute)
		if n := e.Dispatch(); n != 0 {
			t.Fatal("an unapproved publication was claimed")
		}
		if r := e.Approve(e.Approver, st.ID); !r.Complete || r.Late != 1 {
			t.Fatalf("approval after due: %+v", r)
		}
		p := e.WantState(st.ID, store.StateScheduled)
		if p.Held != store.HeldApprovalExpired {
			t.Fatalf("held %q, want approval-expired", p.Held)
		}
		e.Dispatch()
		if len(net.Posts()) != 0 {
			t.Fatal("an approval-expired publication went out")
		}
		// A person decides: publish now.
		if err := e.Svc.Decide(e.Ctx, e.Second, p.ID, store.ResumeNow, time.Time{}); err != nil {
			t.Fatal(err)
		}
		e.Dispatch()
		e.WantState(st.ID, store.StatePublished)
		e.VerifyAudit()
	})
}
