package publishing_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// counting is a network that counts its posts' engagement, with scripted
// refusals; Engagement calls are counted per post.
type counting struct {
	social.Publisher
	mu     sync.Mutex
	counts map[string]social.Counts
	errs   []error
	calls  map[string]int
}

func (c *counting) Engagement(_ context.Context, id string) (social.Counts, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls[id]++
	if len(c.errs) > 0 {
		err := c.errs[0]
		c.errs = c.errs[1:]
		return social.Counts{}, err
	}
	return c.counts[id], nil
}

func (c *counting) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.calls {
		n += v
	}
	return n
}

// TestEngagementIsReadPolitely publishes a statement in two languages to
// a network that counts and one that does not (as Telegram), and reads
// the counts as a polite client: per language, again only when due (often
// while new, rarely when older, never past a month), waiting for a rate
// limit's reset on every post of that channel, backing off after failures
// and stopping for a post that is gone.
func TestEngagementIsReadPolitely(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock, publishing.Settings{})
		xch, xnet := e.Channel("X", social.X, social.Limits{MaxLength: 280}, "en", "vi")
		tg, _ := e.Channel("Telegram", social.Telegram, social.Limits{MaxLength: 4096}, "vi")
		x := &counting{Publisher: xnet, counts: map[string]social.Counts{}, calls: map[string]int{}}
		e.Others[xch.ID] = x
		st := e.Scheduled(time.Minute, xch.ID, tg.ID)
		clock.Advance(time.Minute)
		e.Dispatch()
		posts := xnet.Posts()
		if len(posts) != 2 {
			t.Fatalf("X posts: %d", len(posts))
		}
		byLang := map[string]string{}
		for _, p := range posts {
			byLang[p.Lang] = p.ID
		}
		x.counts[byLang["en"]] = social.Counts{Likes: 40, Reposts: 7, Replies: 3, Quotes: 1, Views: 900}
		x.counts[byLang["vi"]] = social.Counts{Likes: 120, Reposts: 30, Replies: 12, Quotes: 0, Views: 5000}

		fetch := func() int {
			t.Helper()
			n, err := e.Svc.FetchEngagement(e.Ctx)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := fetch(); n != 2 {
			t.Fatalf("first round read %d posts, want the 2 X posts", n)
		}
		got, err := db.StatementEngagement(e.Ctx, st.ID)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]store.Engagement{}
		for _, g := range got {
			seen[g.Lang+"@"+map[bool]string{true: "x", false: "tg"}[g.ChannelID == xch.ID]] = g
		}
		if g := seen["en@x"]; g.Likes != 40 || g.Reposts != 7 || g.Views != 900 || g.NextAt.IsZero() {
			t.Errorf("en on X: %+v", g)
		}
		if g := seen["vi@x"]; g.Likes != 120 || g.Replies != 12 {
			t.Errorf("vi on X: %+v", g)
		}
		if g := seen["vi@tg"]; g.Likes != -1 || !g.NextAt.IsZero() || g.LastError == "" {
			t.Errorf("Telegram, which offers no counts: %+v", g)
		}

		// Not due again yet; due after ten minutes while new.
		if n := fetch(); n != 0 {
			t.Errorf("read %d posts again at once", n)
		}
		clock.Advance(10 * time.Minute)
		x.counts[byLang["en"]] = social.Counts{Likes: 41, Reposts: 7, Replies: 3, Quotes: 1, Views: 950}
		if n := fetch(); n != 2 {
			t.Errorf("after ten minutes %d reads, want 2", n)
		}

		// A rate limit: one call, and both posts of the channel wait for its reset.
		clock.Advance(10 * time.Minute)
		reset := clock.Now().Add(7 * time.Minute)
		x.errs = []error{&social.Error{Network: social.X, Class: social.RateLimited, Until: reset}}
		before := x.total()
		if n := fetch(); n != 0 || x.total() != before+1 {
			t.Errorf("rate limited: %d reads, %d calls; want 0 reads and 1 call", n, x.total()-before)
		}
		clock.Advance(6 * time.Minute)
		if fetch(); x.total() != before+1 {
			t.Error("read before the network's reset")
		}
		clock.Advance(time.Minute)
		if n := fetch(); n != 2 {
			t.Errorf("after the reset %d reads, want 2", n)
		}

		// A failure backs off: the next read waits longer.
		clock.Advance(10 * time.Minute)
		x.errs = []error{&social.Error{Network: social.X, Class: social.Transient}}
		fetch()
		rows, _ := db.StatementEngagement(e.Ctx, st.ID)
		for _, r := range rows {
			if r.Failures == 1 && r.NextAt.Sub(clock.Now()).Round(time.Second) != 5*time.Minute {
				t.Errorf("after a failure next read at %v, want in 5 minutes", r.NextAt.Sub(clock.Now()))
			}
		}

		// Older posts are read rarely; past a month never.
		clock.Advance(3 * 24 * time.Hour)
		fetch()
		rows, _ = db.StatementEngagement(e.Ctx, st.ID)
		for _, r := range rows {
			if r.ChannelID == xch.ID && r.NextAt.Sub(clock.Now()).Round(time.Second) != 6*time.Hour {
				t.Errorf("a three-day-old post is next read in %v, want 6h", r.NextAt.Sub(clock.Now()))
			}
		}
		clock.Advance(31 * 24 * time.Hour)
		fetch()
		calls := x.total()
		clock.Advance(48 * time.Hour)
		if fetch(); x.total() != calls {
			t.Error("a month-old post is still read")
		}
		rows, _ = db.StatementEngagement(e.Ctx, st.ID)
		for _, r := range rows {
			if !r.NextAt.IsZero() {
				t.Errorf("a month-old post is due again at %v", r.NextAt)
			}
		}

		// A post gone is read no more.
		st2 := e.Scheduled(time.Minute, xch.ID)
		clock.Advance(time.Minute)
		e.Dispatch()
		x.errs = []error{&social.Error{Network: social.X, Class: social.Rejected, Reason: "gone"},
			&social.Error{Network: social.X, Class: social.Rejected, Reason: "gone"}}
		fetch()
		clock.Advance(time.Hour)
		calls = x.total()
		fetch()
		if x.total() != calls {
			t.Error("a post the network says is gone is read again")
		}
		rows, _ = db.StatementEngagement(e.Ctx, st2.ID)
		if len(rows) != 2 || rows[0].LastError == "" {
			t.Errorf("the gone posts: %+v", rows)
		}
	})
}
