package x_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/social/x"
	"github.com/mofa-vn/chancery/internal/social/x/xfake"
)

// A series of statements that differ only in their links: each reconciles
// to its own post and to no other, whatever X did to the links (t.co,
// http:// added to a bare domain, trailing punctuation left out, &
// escaped, a media link appended).
func TestReconcileComparesRealLinks(t *testing.T) {
	e := oauth1Env(t)
	ctx := context.Background()
	texts := []string{
		"Remarks at the regular press briefing: https://mofa.gov.vn/en/briefings/11",
		"Remarks at the regular press briefing: https://mofa.gov.vn/en/briefings/12",
		"Remarks at the regular press briefing: https://mofa.gov.vn/en/briefings/112",
		"Remarks at the regular press briefing: mofa.gov.vn/en/briefings/12.",
		"Remarks at the regular press briefing: https://mofa.gov.vn/en/briefings/12?lang=fr",
		"Việt Nam & partners: https://mofa.gov.vn/en/s/1 and https://mofa.gov.vn/en/s/2",
		"Việt Nam & partners: https://mofa.gov.vn/en/s/2 and https://mofa.gov.vn/en/s/1",
	}
	ids := map[string]string{}
	for i, text := range texts {
		p := social.Post{Text: text}
		if i == 1 {
			p.Media = []social.Media{{Filename: "a.png", ContentType: "image/png", Data: []byte("png"), Alt: "The briefing room"}}
		}
		r, err := e.c.Publish(ctx, p)
		if err != nil {
			t.Fatalf("publish %q: %v", text, err)
		}
		ids[text] = r.ID
		e.clock.Advance(time.Second)
	}
	for _, text := range texts {
		rs, err := e.c.Reconcile(ctx, social.Post{Text: text}, start)
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != 1 || rs[0].ID != ids[text] {
			t.Errorf("Reconcile(%q) = %+v, want only %s", text, rs, ids[text])
		}
	}
	for _, never := range []string{
		"Remarks at the regular press briefing: https://mofa.gov.vn/en/briefings/13",
		"Remarks at the regular press briefing: https://mofa.gov.vn/en/briefings/1",
		"Remarks at the regular press briefing: https://mofa.gov.vn/vi/briefings/12",
		"Remarks at the regular press briefing.",
		"Remarks at the regular press briefing: https://t.co/abc",
	} {
		if rs, err := e.c.Reconcile(ctx, social.Post{Text: never}, start); err != nil || len(rs) != 0 {
			t.Errorf("Reconcile(%q), never posted = %+v, %v", never, rs, err)
		}
	}
}

// Only posts created at or after the attempt began are candidates: an
// identical post made earlier is someone else's (or an earlier
// statement's).
func TestReconcileIgnoresPostsBeforeTheAttempt(t *testing.T) {
	e := oauth1Env(t)
	ctx := context.Background()
	text := "Statement on the East Sea: https://mofa.gov.vn/en/s/east-sea"
	e.fake.AddPost(text)
	e.clock.Advance(90 * time.Second)
	attempt := e.clock.Now().Add(300 * time.Millisecond) // X's times are whole seconds
	if rs, err := e.c.Reconcile(ctx, social.Post{Text: text}, attempt); err != nil || len(rs) != 0 {
		t.Fatalf("Reconcile found the earlier post: %+v, %v", rs, err)
	}
	e.clock.Advance(700 * time.Millisecond)
	fresh := e.fake.AddPost(text)
	rs, err := e.c.Reconcile(ctx, social.Post{Text: text}, attempt)
	if err != nil || len(rs) != 1 || rs[0].ID != fresh.ID {
		t.Fatalf("Reconcile = %+v, %v; want the post made in the attempt's second", rs, err)
	}
	// Both are returned when both fit: the scheduler, not the connector,
	// decides between them.
	e.clock.Advance(time.Second)
	e.fake.AddPost(text)
	if rs, err := e.c.Reconcile(ctx, social.Post{Text: text}, attempt); err != nil || len(rs) != 2 {
		t.Fatalf("Reconcile with two candidates = %+v, %v", rs, err)
	}
}

// The fake's timeline lags as X's does, and the client says how long.
func TestTimelineLags(t *testing.T) {
	clk := &clock{now: start}
	e := &env{clock: clk, creds: &memCreds{}}
	e.fake = xfake.New(xfake.Options{Now: clk.Now, TimelineLag: 5 * time.Second})
	t.Cleanup(e.fake.Close)
	e.fake.AddOAuth1Token("1460000000000000001-tok", "token-secret")
	o := e.fake.Options()
	if err := x.Connect(context.Background(), e.creds, x.Secret{ConsumerKey: o.ConsumerKey, ConsumerSecret: o.ConsumerSecret,
		Token: "1460000000000000001-tok", TokenSecret: "token-secret"}); err != nil {
		t.Fatal(err)
	}
	e.c = e.client(t, e.creds, &http.Client{Timeout: 2 * time.Second})
	if lag := e.c.Limits().ReconcileLag; lag < 5*time.Second {
		t.Errorf("ReconcileLag = %v, want several seconds", lag)
	}
	ctx := context.Background()
	p := social.Post{Text: "Lagging: https://mofa.gov.vn/en/s/3"}
	if _, err := e.c.Publish(ctx, p); err != nil {
		t.Fatal(err)
	}
	if rs, err := e.c.Reconcile(ctx, p, start); err != nil || len(rs) != 0 {
		t.Fatalf("the post showed before the lag: %+v, %v", rs, err)
	}
	clk.Advance(5 * time.Second)
	if rs, err := e.c.Reconcile(ctx, p, start); err != nil || len(rs) != 1 {
		t.Fatalf("the post did not show after the lag: %+v, %v", rs, err)
	}
}

// The fake serves the timeline as X does: t.co links in the text, the
// real addresses only in entities.urls, and only when asked for.
func TestFakeServesEntities(t *testing.T) {
	clk := &clock{now: start}
	f := newFake(t, clk)
	g := f.IssueOAuth2("tweet.read", "users.read")
	f.AddPost("Read it at mofa.gov.vn/en/s/4, & https://mofa.gov.vn/en/s/5.")
	get := func(fields string) map[string]any {
		req, _ := http.NewRequest("GET", f.URL+"/2/users/"+f.Options().UserID+"/tweets?tweet.fields="+fields, nil)
		req.Header.Set("Authorization", "Bearer "+g.Access)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var out struct{ Data []map[string]any }
		if err := json.Unmarshal(b, &out); err != nil || len(out.Data) != 1 {
			t.Fatalf("%s: %v", b, err)
		}
		return out.Data[0]
	}
	d := get("created_at")
	text := d["text"].(string)
	if strings.Contains(text, "mofa.gov.vn") || strings.Count(text, "https://t.co/") != 2 || !strings.Contains(text, "&amp;") || !strings.HasSuffix(text, ".") {
		t.Errorf("text %q: want two t.co links, & escaped, the final period kept", text)
	}
	if d["entities"] != nil {
		t.Error("entities served without tweet.fields=entities")
	}
	d = get("created_at,entities")
	urls := d["entities"].(map[string]any)["urls"].([]any)
	want := []string{"http://mofa.gov.vn/en/s/4", "https://mofa.gov.vn/en/s/5"}
	if len(urls) != 2 {
		t.Fatalf("entities %v", urls)
	}
	runes := []rune(strings.ReplaceAll(text, "&amp;", "&"))
	for i, u := range urls {
		m := u.(map[string]any)
		start, end := int(m["start"].(float64)), int(m["end"].(float64))
		if m["expanded_url"] != want[i] || string(runes[start:end]) != m["url"] {
			t.Errorf("entity %d = %v, want %s at its offsets", i, m, want[i])
		}
	}
}

// A part of a thread is the post that replies to the previous part: the
// same words replying to another post, or to none, are another post.
func TestReconcileComparesReplyTarget(t *testing.T) {
	e := oauth1Env(t)
	ctx := context.Background()
	first, err := e.c.Publish(ctx, social.Post{Text: "Statement on the summit (1/2): https://mofa.gov.vn/en/s/7"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := e.c.Publish(ctx, social.Post{Text: "Another statement: https://mofa.gov.vn/en/s/8"})
	if err != nil {
		t.Fatal(err)
	}
	second := social.Post{Text: "(2/2) The full text: https://mofa.gov.vn/en/s/7#full", ReplyTo: first.ID}
	r, err := e.c.Publish(ctx, second)
	if err != nil {
		t.Fatal(err)
	}
	if rs, err := e.c.Reconcile(ctx, second, start); err != nil || len(rs) != 1 || rs[0].ID != r.ID {
		t.Fatalf("Reconcile of the reply = %+v, %v; want %s", rs, err, r.ID)
	}
	for _, replyTo := range []string{"", other.ID} {
		p := second
		p.ReplyTo = replyTo
		if rs, err := e.c.Reconcile(ctx, p, start); err != nil || len(rs) != 0 {
			t.Errorf("Reconcile replying to %q = %+v, %v; want none", replyTo, rs, err)
		}
	}
}
