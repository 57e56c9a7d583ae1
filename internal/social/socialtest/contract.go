package socialtest

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/social"
)

// Harness joins a Publisher to the fake it talks to, for RunContract.
type Harness struct {
	Publisher social.Publisher
	// Recorder must be the one whose Context the tests use (RunContract
	// calls Recorder.Context itself).
	Recorder *Recorder
	// Secrets must never appear in a recorded exchange.
	Secrets func() []string
	// DropNext makes the fake create the next post, then drop the
	// connection before answering.
	DropNext func()
	// Creates returns how many posts the fake has created so far.
	Creates func() int
	// Exists reports whether the fake holds the post id.
	Exists func(id string) bool
	// Index is the fake's base URL: GET on it, without credentials, must
	// show what was published (the demo links there).
	Index string
	// CannotReconcile is set for networks where Reconcile must answer
	// Unknown (Telegram); CannotListRecent where Recent is impossible.
	CannotReconcile, CannotListRecent bool
	// SetCounts makes the fake count likes, reposts and replies on post
	// id; LimitNextRead makes its next read of engagement answer with its
	// rate-limit refusal. Both are nil where the network offers the
	// account no counts (Telegram), whose Publisher is then no Engager.
	SetCounts     func(id string, likes, reposts, replies int)
	LimitNextRead func()
	// SetViews, where the fake serves views apart from the other counts
	// (Facebook's post insights), makes it count views on post id; the
	// engagement must then report exactly them.
	SetViews func(id string, views int)
	// NoEngagement says why the network offers the account no counts;
	// every other connector must be an Engager.
	NoEngagement string
}

// RunContract checks what every connector must do against its fake:
// publish, read back and delete (twice); refuse over-long text before
// sending; answer a dropped create with Unknown and never send it again,
// then settle it with Reconcile (or say a person must); WhoAmI; and record
// every exchange without a secret. newHarness is called once per subtest.
func RunContract(t *testing.T, newHarness func(t *testing.T) *Harness) {
	t.Run("publish read back delete", func(t *testing.T) {
		h := newHarness(t)
		ctx := h.Recorder.Context(t.Context())
		text := "Contract " + time.Now().Format(time.RFC3339Nano)
		r, err := h.Publisher.Publish(ctx, social.Post{Key: "contract-1", Lang: "en", Text: text})
		if err != nil {
			t.Fatal(err)
		}
		if r.ID == "" || !h.Exists(r.ID) {
			t.Fatalf("published %+v, which the fake does not hold", r)
		}
		if h.Index != "" {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.Index+"/", nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), text) {
				t.Errorf("the fake's index page (%d) does not show the post: %s", resp.StatusCode, body)
			}
		}
		if !h.CannotListRecent {
			recent, err := h.Publisher.Recent(ctx, time.Time{}, 10)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(recent, func(p social.RemotePost) bool { return p.ID == r.ID && p.Text == text }) {
				t.Errorf("Recent = %+v, without %q", recent, r.ID)
			}
		}
		for i := range 2 {
			if err := h.Publisher.Delete(ctx, r.ID); err != nil {
				t.Fatalf("delete %d: %v", i+1, err)
			}
		}
		if h.Exists(r.ID) {
			t.Error("the post survived Delete")
		}
		h.Recorder.AssertNoSecrets(t, h.Secrets()...)
	})
	t.Run("too long refused before sending", func(t *testing.T) {
		h := newHarness(t)
		ctx := h.Recorder.Context(t.Context())
		lim := h.Publisher.Limits()
		if lim.MaxLength <= 0 {
			t.Fatalf("Limits %+v without MaxLength", lim)
		}
		text := strings.Repeat("a", lim.MaxLength+1)
		if got := h.Publisher.Count(text); got != lim.MaxLength+1 {
			t.Errorf("Count of %d ASCII letters = %d", lim.MaxLength+1, got)
		}
		_, err := h.Publisher.Publish(ctx, social.Post{Key: "contract-long", Text: text})
		_ = WantClass(t, err, social.Rejected)
		if n := len(h.Recorder.Exchanges()); n != 0 {
			t.Errorf("%d requests sent for a text the network would refuse", n)
		}
	})
	t.Run("dropped create is never sent again", func(t *testing.T) {
		h := newHarness(t)
		ctx := h.Recorder.Context(t.Context())
		stamp := time.Now().Format(time.RFC3339Nano)
		p := social.Post{Key: "contract-drop", Lang: "en", Text: "Dropped " + stamp + " https://mofa.gov.vn/en/briefings/11",
			Link: "https://mofa.gov.vn/en/briefings/11"}
		h.DropNext()
		_, err := h.Publisher.Publish(ctx, p)
		_ = WantClass(t, err, social.Unknown)
		if n := h.Creates(); n != 1 {
			t.Fatalf("the fake created %d posts, want 1", n)
		}
		rs, err := h.Publisher.Reconcile(ctx, p, time.Time{})
		switch {
		case h.CannotReconcile:
			_ = WantClass(t, err, social.Unknown)
		case err != nil || len(rs) != 1 || !h.Exists(rs[0].ID):
			t.Errorf("Reconcile = %+v, %v; want the dropped post alone", rs, err)
		}
		if !h.CannotReconcile && !h.Publisher.Limits().Idempotent {
			// The next statement of the series differs only in its link:
			// it is not the dropped post.
			q := social.Post{Key: "contract-next", Lang: "en", Text: "Dropped " + stamp + " https://mofa.gov.vn/en/briefings/12",
				Link: "https://mofa.gov.vn/en/briefings/12"}
			if rs, err := h.Publisher.Reconcile(ctx, q, time.Time{}); err != nil || len(rs) != 0 {
				t.Errorf("Reconcile of a post differing only in its link = %+v, %v; want none", rs, err)
			}
		}
		if n := h.Creates(); n != 1 {
			t.Errorf("after Reconcile the fake created %d posts, want 1", n)
		}
		h.Recorder.AssertNoSecrets(t, h.Secrets()...)
	})
	t.Run("engagement", func(t *testing.T) {
		h := newHarness(t)
		ctx := h.Recorder.Context(t.Context())
		e, ok := h.Publisher.(social.Engager)
		if ok != (h.SetCounts != nil) || ok == (h.NoEngagement != "") {
			t.Fatalf("the publisher is an Engager: %v; the fake counts: %v; no engagement because %q", ok, h.SetCounts != nil, h.NoEngagement)
		}
		if !ok {
			return
		}
		r, err := h.Publisher.Publish(ctx, social.Post{Key: "contract-engage", Lang: "en", Text: "Engage " + time.Now().Format(time.RFC3339Nano)})
		if err != nil {
			t.Fatal(err)
		}
		h.SetCounts(r.ID, 12, 5, 3)
		c, err := e.Engagement(ctx, r.ID)
		// Likes every network counts; the others where it offers them.
		either := func(got, want int) bool { return got == want || got == social.NotOffered }
		if err != nil || c.Likes != 12 || !either(c.Reposts, 5) || !either(c.Replies, 3) {
			t.Errorf("Engagement = %+v, %v; want 12 likes, 5 reposts, 3 replies (or NotOffered)", c, err)
		}
		if h.SetViews != nil {
			h.SetViews(r.ID, 4321)
			if c, err := e.Engagement(ctx, r.ID); err != nil || c.Views != 4321 {
				t.Errorf("Engagement = %+v, %v; want 4321 views", c, err)
			}
		}
		if err := h.Publisher.Delete(ctx, r.ID); err != nil {
			t.Fatal(err)
		}
		_, err = e.Engagement(ctx, r.ID)
		_ = WantClass(t, err, social.Rejected)
		h.LimitNextRead()
		_, err = e.Engagement(ctx, r.ID)
		if se := WantClass(t, err, social.RateLimited); se != nil && se.Until.IsZero() {
			t.Error("a rate-limited read says not when to come back")
		}
		h.Recorder.AssertNoSecrets(t, h.Secrets()...)
	})
	t.Run("who am I", func(t *testing.T) {
		h := newHarness(t)
		a, err := h.Publisher.WhoAmI(h.Recorder.Context(t.Context()))
		if err != nil || a.ID == "" || a.Verified.IsZero() {
			t.Fatalf("WhoAmI = %+v, %v", a, err)
		}
		h.Recorder.AssertNoSecrets(t, h.Secrets()...)
	})
}
