package publishing_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/publishing/pubtest"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/social/x"
	"github.com/mofa-vn/chancery/internal/social/x/xfake"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// memCreds holds a channel's secret in memory, with the contract's lock.
type memCreds struct {
	mu    sync.Mutex
	value []byte
}

func (m *memCreds) Load(context.Context) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]byte(nil), m.value...), nil
}

func (m *memCreds) Update(_ context.Context, fn func([]byte) ([]byte, error)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	next, err := fn(append([]byte(nil), m.value...))
	if err == nil {
		m.value = next
	}
	return err
}

// A series of statements that differ only in their links, published at
// once to the real X connector against a fake X whose timeline lags (less
// than the connector says, and more) and which cuts some answers after
// making the post; one instance also dies between X's answer and its own
// write. Every statement ends published exactly once, and each
// publication records the post that carries exactly its text and links:
// no duplicate, none lost, none recorded twice or for another statement.
func TestSeriesOnLaggingXWithCutAnswers(t *testing.T) {
	for _, lag := range []time.Duration{3 * time.Second, 40 * time.Second} {
		t.Run(fmt.Sprint("lag=", lag), func(t *testing.T) {
			storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
				testSeriesOnLaggingX(t, db, clock, lag)
			})
		})
	}
}

func testSeriesOnLaggingX(t *testing.T, db *store.DB, clock *storetest.Clock, lag time.Duration) {
	ctx := t.Context()
	fake := xfake.New(xfake.Options{Now: clock.Now, TimelineLag: lag, WindowLimit: 10000})
	t.Cleanup(fake.Close)
	fake.AddOAuth1Token("1460000000000000001-tok", "token-secret")
	o := fake.Options()
	creds := &memCreds{}
	if err := x.Connect(ctx, creds, x.Secret{ConsumerKey: o.ConsumerKey, ConsumerSecret: o.ConsumerSecret,
		Token: "1460000000000000001-tok", TokenSecret: "token-secret"}); err != nil {
		t.Fatal(err)
	}
	xc, err := x.New(x.Params{BaseURL: fake.URL, Credentials: creds, Now: clock.Now, HTTP: &http.Client{Timeout: 10 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, db, clock, publishing.Settings{})
	ch, _ := e.Channel("X", social.X, social.Limits{MaxLength: 280}, "en")
	settings := publishing.Settings{Grace: time.Hour, Lease: 30 * time.Second}
	svc, err := publishing.New(publishing.Params{Networks: pubtest.Networks, DB: db, Now: clock.Now, Settings: settings, Instance: "live", Log: slog.New(slog.NewTextHandler(t.Output(), nil)),
		Resolve: func(context.Context, publishing.Channel) (social.Publisher, error) { return xc, nil }})
	if err != nil {
		t.Fatal(err)
	}

	// The series: the same words, links that differ by a digit, a
	// scheme, a path; typed with and without a scheme, before a period.
	var texts []string
	for i := range 12 {
		link := fmt.Sprintf("https://mofa.gov.vn/en/briefings/%d", i+1)
		switch i % 4 {
		case 1:
			link = fmt.Sprintf("mofa.gov.vn/en/briefings/%d.", i)
		case 2:
			link = fmt.Sprintf("https://mofa.gov.vn/en/briefings/%d?lang=en", i-1)
		}
		texts = append(texts, "Remarks at the regular press briefing: "+link)
	}
	texts = append(texts, "Remarks at the regular press briefing: http://mofa.gov.vn/en/briefings/1")
	byText := map[string]int64{}
	for _, text := range texts {
		st := e.Draft(publishing.StatementInput{DueAt: clock.Now().Add(time.Minute), Variants: []publishing.VariantInput{{Lang: "en", Body: text}},
			Targets: []int64{ch.ID}})
		e.Submit(st.ID)
		e.Approve(e.Approver, st.ID)
		byText[text] = st.ID
	}
	clock.Advance(time.Minute)

	// An instance dies between X's answer and its write: the post exists,
	// the attempt is pending.
	dead, err := db.ClaimPublications(ctx, "dead", settings.Lease, 1)
	if err != nil || len(dead) != 1 {
		t.Fatalf("claim: %+v, %v", dead, err)
	}
	deadSt, _ := db.GetStatement(ctx, dead[0].StatementID)
	deadKey := publishing.PostKey(dead[0].ID, "en", 0)
	if _, err := db.BeginAttempt(ctx, dead[0].ID, "dead", settings.Lease, 0, deadKey, store.AuditEntry{Action: "publication.attempt"}); err != nil {
		t.Fatal(err)
	}
	if _, err := xc.Publish(ctx, social.Post{Key: deadKey, Lang: "en", Text: deadSt.Variants[0].Body}); err != nil {
		t.Fatal(err)
	}

	// X cuts every other answer after making the post, then some more.
	for _, f := range []xfake.Fault{xfake.CommitThenDrop, 0, xfake.CommitThenDrop, xfake.CommitThenDrop, 0, xfake.CommitThenDrop, 0, 0,
		xfake.CommitThenDrop, 0, xfake.CommitThenDrop, xfake.CommitThenDrop, xfake.CommitThenDrop, xfake.CommitThenDrop} {
		fake.Fail(f)
	}

	// Run the scheduler, moving the clock to each time it asked to look
	// again (or to a lease's expiry), until nothing waits.
	var sts []int64
	for _, id := range byText {
		sts = append(sts, id)
	}
	for round := 0; ; round++ {
		if round == 100 {
			t.Fatal("publications still waiting after 100 rounds")
		}
		if _, err := svc.Dispatch(ctx); err != nil {
			t.Fatal(err)
		}
		var next time.Time
		for _, st := range sts {
			for _, p := range e.Pubs(st) {
				at := time.Time{}
				switch p.State {
				case store.StateScheduled:
					at = p.NextAttemptAt
				case store.StatePublishing:
					at = p.LeaseUntil.Add(time.Millisecond)
				}
				if !at.IsZero() && (next.IsZero() || at.Before(next)) {
					next = at
				}
			}
		}
		if next.IsZero() {
			break
		}
		if next.After(clock.Now()) {
			clock.Set(next)
		}
	}

	posts := fake.Posts()
	if len(posts) != len(texts) {
		t.Errorf("X holds %d posts for %d statements", len(posts), len(texts))
	}
	postByText := map[string]string{}
	for _, p := range posts {
		if _, dup := postByText[p.Text]; dup {
			t.Errorf("posted twice: %q", p.Text)
		}
		postByText[p.Text] = p.ID
	}
	recorded := map[string]string{}
	for text, st := range byText {
		p := e.Pub(st)
		if p.State != store.StatePublished {
			t.Errorf("%q: %s (%s)", text, p.State, p.Reason)
			continue
		}
		if p.RemoteID != postByText[text] {
			t.Errorf("%q recorded post %s, which carries %q; its post is %s", text, p.RemoteID, textOf(posts, p.RemoteID), postByText[text])
		}
		if other, dup := recorded[p.RemoteID]; dup {
			t.Errorf("post %s recorded for %q and %q", p.RemoteID, other, text)
		}
		recorded[p.RemoteID] = text
	}
	entries, err := db.ListAudit(ctx, store.AuditFilter{Limit: 100000})
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, en := range entries {
		counts[en.Action]++
	}
	// Seven of the first twelve answers were cut, and the dead instance's
	// attempt was settled by reconciliation too.
	if counts["publication.unknown"] < 7 || counts["publication.reconciled"]+counts["publication.reconciled+published"] < 8 {
		t.Errorf("the cut answers were not all reconciled: %v", counts)
	}
	if lag > x.ReconcileLag && counts["publication.duplicate"] == 0 {
		t.Errorf("a timeline slower than the connector says never led to a duplicate refusal: %v", counts)
	}
	t.Logf("%d creates; audit %v", fake.Requests("POST /2/tweets"), counts)
	e.VerifyAudit()
}

func textOf(posts []xfake.Post, id string) string {
	for _, p := range posts {
		if p.ID == id {
			return p.Text
		}
	}
	return "(no such post)"
}
