package facebook_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/outbound/outboundtest"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/social/facebook"
	"github.com/mofa-vn/chancery/internal/social/facebook/facebookfake"
	"github.com/mofa-vn/chancery/internal/social/socialtest"
)

const token = "EAAGpagetoken+secret/123"

type env struct {
	fake  *facebookfake.Server
	c     *facebook.Client
	rec   *socialtest.Recorder
	ctx   context.Context
	clock *socialtest.Clock
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{fake: facebookfake.New(token), rec: &socialtest.Recorder{}, clock: socialtest.NewClock(time.Date(2026, 3, 14, 8, 0, 0, 0, time.UTC))}
	t.Cleanup(e.fake.Close)
	e.fake.SetNow(e.clock.Now)
	creds := socialtest.NewCreds(t, facebook.Secret{PageID: facebookfake.PageID, PageToken: token})
	c, err := facebook.New(facebook.Config{BaseURL: e.fake.URL, Credentials: creds, Now: e.clock.Now, HTTP: outboundtest.Client(t, e.fake.URL)})
	if err != nil {
		t.Fatal(err)
	}
	e.c = c
	e.ctx = e.rec.Context(t.Context())
	return e
}

func TestPublishFeedPhotoMultiPhoto(t *testing.T) {
	e := newEnv(t)
	feed, err := e.c.Publish(e.ctx, social.Post{Key: "a", Text: "Bộ Ngoại giao hoan nghênh thỏa thuận.", Link: "https://mofa.gov.vn/vi/42"})
	if err != nil {
		t.Fatal(err)
	}
	photo, err := e.c.Publish(e.ctx, social.Post{Key: "b", Text: "Một ảnh", Media: []social.Media{{Data: []byte("jpeg"), Alt: "Lễ ký"}}})
	if err != nil {
		t.Fatal(err)
	}
	multi, err := e.c.Publish(e.ctx, social.Post{Key: "c", Text: "Ba ảnh",
		Media: []social.Media{{Data: []byte("1"), Alt: "một"}, {Data: []byte("2"), Alt: "hai"}, {Data: []byte("3"), Alt: "ba"}}})
	if err != nil {
		t.Fatal(err)
	}
	posts := e.fake.Posts()
	if len(posts) != 3 {
		t.Fatalf("%d posts, want 3", len(posts))
	}
	if posts[0].ID != feed.ID || posts[0].Link != "https://mofa.gov.vn/vi/42" || !strings.HasPrefix(feed.ID, facebookfake.PageID+"_") {
		t.Errorf("feed post %+v, result %+v", posts[0], feed)
	}
	if ph, _ := e.fake.Photo(posts[1].PhotoIDs[0]); posts[1].ID != photo.ID || ph.Alt != "Lễ ký" || ph.Caption != "Một ảnh" {
		t.Errorf("photo post %+v (%+v)", posts[1], ph)
	}
	if posts[2].ID != multi.ID || len(posts[2].PhotoIDs) != 3 || posts[2].Message != "Ba ảnh" {
		t.Errorf("multi-photo post %+v", posts[2])
	}
	for i, id := range posts[2].PhotoIDs {
		if ph, _ := e.fake.Photo(id); !ph.Published || ph.Alt != []string{"một", "hai", "ba"}[i] {
			t.Errorf("photo %d: %+v", i, ph)
		}
	}
	for range 2 { // deleting again is no error
		if err := e.c.Delete(e.ctx, feed.ID); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(e.fake.Posts()); n != 2 {
		t.Errorf("%d posts after delete", n)
	}
	e.rec.AssertNoSecrets(t, token, "EAAGpagetoken%2Bsecret%2F123")
}

func TestErrorClasses(t *testing.T) {
	e := newEnv(t)
	n := 0
	post := func(ctx context.Context) error {
		n++
		_, err := e.c.Publish(ctx, social.Post{Key: "k", Text: "post " + string(rune('a'+n))})
		return err
	}
	fault := func(f facebookfake.Fault) func(*testing.T) { return func(*testing.T) { e.fake.Fail(f) } }
	code := func(want string) func(*testing.T, *social.Error) {
		return func(t *testing.T, err *social.Error) {
			if err.Code != want {
				t.Errorf("code %q, want %q", err.Code, want)
			}
		}
	}
	cases := []socialtest.Case{
		{Name: "190 token", Arrange: fault(facebookfake.TokenExpired), Act: post, Want: social.AuthExpired, Check: code("190/463")},
		{Name: "2 transient", Arrange: fault(facebookfake.Transient), Act: post, Want: social.Transient, Check: code("2")},
		{Name: "613 throttled", Arrange: fault(facebookfake.Throttled), Act: post, Want: social.RateLimited, Check: func(t *testing.T, err *social.Error) {
			if want := e.clock.Now().Add(10 * time.Minute); !err.Until.Equal(want) {
				t.Errorf("until %v, want %v", err.Until, want)
			}
		}},
		{Name: "368 blocked", Arrange: fault(facebookfake.Blocked), Act: post, Want: social.Rejected, Check: code("368/1390008")},
		{Name: "506 duplicate", Arrange: fault(facebookfake.Duplicate), Act: post, Want: social.Duplicate, Check: code("506")},
		{Name: "1609005 link", Arrange: fault(facebookfake.LinkScrape), Act: post, Want: social.Rejected},
		{Name: "200 permission", Arrange: fault(facebookfake.Permission), Act: post, Want: social.Rejected},
		{Name: "503 without envelope", Arrange: fault(facebookfake.Unavailable), Act: post, Want: social.Transient},
		{Name: "HTML instead of JSON", Arrange: fault(facebookfake.Garbage), Act: post, Want: social.Unknown},
		{Name: "dropped", Arrange: fault(facebookfake.Drop), Act: post, Want: social.Unknown},
		{Name: "thread refused", Act: func(ctx context.Context) error {
			_, err := e.c.Publish(ctx, social.Post{Text: "x", ReplyTo: "1_2"})
			return err
		}, Want: social.Rejected},
		// Last: the page limit blocks later calls for the regain time.
		{Name: "32 page limit", Arrange: fault(facebookfake.PageLimit), Act: post, Want: social.RateLimited, Check: func(t *testing.T, err *social.Error) {
			if want := e.clock.Now().Add(15 * time.Minute); !err.Until.Equal(want) {
				t.Errorf("until %v, want the 15 minutes the header estimates (%v)", err.Until, want)
			}
		}},
	}
	socialtest.RunCases(t, e.ctx, cases)
	socialtest.AssertCovers(t, cases)
	e.rec.AssertNoSecrets(t, token, "EAAGpagetoken%2Bsecret%2F123")
}

func TestConsecutiveDuplicate(t *testing.T) {
	e := newEnv(t)
	p := social.Post{Key: "a", Text: "Same"}
	if _, err := e.c.Publish(e.ctx, p); err != nil {
		t.Fatal(err)
	}
	_, err := e.c.Publish(e.ctx, p)
	socialtest.WantClass(t, err, social.Duplicate)
}

func TestThrottlesNearNinetyPercent(t *testing.T) {
	e := newEnv(t)
	e.fake.SetUsage(80, 10, 5) // each call adds 5%
	if _, err := e.c.Publish(e.ctx, social.Post{Key: "a", Text: "one"}); err != nil {
		t.Fatal(err) // answered at 85%
	}
	if _, err := e.c.Publish(e.ctx, social.Post{Key: "b", Text: "two"}); err != nil {
		t.Fatal(err) // answered at 90%: the client stops here
	}
	before, _ := e.fake.Counts()
	_, err := e.c.Publish(e.ctx, social.Post{Key: "c", Text: "three"})
	se := socialtest.WantClass(t, err, social.RateLimited)
	if after, _ := e.fake.Counts(); after != before {
		t.Errorf("a request was sent at 90%% usage")
	}
	if want := e.clock.Now().Add(10 * time.Minute); !se.Until.Equal(want) {
		t.Errorf("until %v, want %v", se.Until, want)
	}
	e.fake.SetUsage(20, 10, 0)
	e.clock.Set(se.Until)
	if _, err := e.c.Publish(e.ctx, social.Post{Key: "c", Text: "three"}); err != nil {
		t.Errorf("after the wait: %v", err)
	}
}

func TestDroppedPublishIsReconciled(t *testing.T) {
	e := newEnv(t)
	p := social.Post{Key: "a", Text: "Tuyên bố", Link: "https://mofa.gov.vn/vi/s/11"}
	attempt := e.clock.Now()
	e.fake.Fail(facebookfake.Drop)
	_, err := e.c.Publish(e.ctx, p)
	socialtest.WantClass(t, err, social.Unknown)
	if _, creates := e.fake.Counts(); creates != 1 {
		t.Fatalf("%d creates", creates)
	}
	rs, err := e.c.Reconcile(e.ctx, p, attempt)
	if err != nil || len(rs) != 1 || rs[0].ID != e.fake.Posts()[0].ID || !rs[0].Created.Equal(e.clock.Now()) {
		t.Fatalf("Reconcile = %+v, %v", rs, err)
	}
	for _, q := range []social.Post{
		{Text: "never"},
		{Text: "Tuyên bố", Link: "https://mofa.gov.vn/vi/s/12"}, // the same words, another statement's link
		{Text: "Tuyên bố"},
	} {
		if rs, err := e.c.Reconcile(e.ctx, q, attempt); err != nil || len(rs) != 0 {
			t.Errorf("Reconcile(%+v), unsent = %+v, %v", q, rs, err)
		}
	}
	if rs, err := e.c.Reconcile(e.ctx, p, attempt.Add(time.Second)); err != nil || len(rs) != 0 {
		t.Errorf("Reconcile found a post made before the attempt: %+v, %v", rs, err)
	}
	if _, creates := e.fake.Counts(); creates != 1 {
		t.Errorf("reconciling re-posted")
	}
	e.rec.AssertNoSecrets(t, token, "EAAGpagetoken%2Bsecret%2F123")
}

func TestWhoAmI(t *testing.T) {
	e := newEnv(t)
	a, err := e.c.WhoAmI(e.ctx)
	if err != nil || a.ID != facebookfake.PageID || a.Handle != "BoNgoaiGiaoVN" {
		t.Fatalf("WhoAmI = %+v, %v", a, err)
	}
	c, _ := facebook.New(facebook.Config{BaseURL: e.fake.URL, HTTP: outboundtest.Client(t, e.fake.URL),
		Credentials: socialtest.NewCreds(t, facebook.Secret{PageID: facebookfake.PageID, PageToken: " " + token})})
	_, err = c.WhoAmI(e.ctx)
	socialtest.WantClass(t, err, social.AuthExpired)
	e.rec.AssertNoSecrets(t, token, "EAAGpagetoken%2Bsecret%2F123")
}

func TestParseUsage(t *testing.T) {
	u, ok := facebook.ParseAppUsage(`{"call_count":28,"total_cputime":91,"total_time":25}`)
	if !ok || u.Percent != 91 {
		t.Errorf("app usage %+v %v", u, ok)
	}
	u, ok = facebook.ParseBusinessUsage(`{"104857600012345":[{"type":"pages","call_count":95,"total_cputime":3,"total_time":4,"estimated_time_to_regain_access":12}]}`)
	if !ok || u.Percent != 95 || u.Regain != 12*time.Minute {
		t.Errorf("business usage %+v %v", u, ok)
	}
}

func FuzzParseUsage(f *testing.F) {
	f.Add(`{"call_count":28,"total_cputime":25,"total_time":25}`)
	f.Add(`{"1":[{"type":"pages","call_count":100,"estimated_time_to_regain_access":-5}]}`)
	f.Fuzz(func(t *testing.T, v string) {
		for _, parse := range []func(string) (facebook.Usage, bool){facebook.ParseAppUsage, facebook.ParseBusinessUsage} {
			if u, ok := parse(v); ok && (u.Percent < 0 || u.Regain < 0 || u.Regain > 24*time.Hour) {
				t.Errorf("usage %+v from %q", u, v)
			}
		}
	})
}

func FuzzParseError(f *testing.F) {
	f.Add([]byte(`{"error":{"message":"x","type":"OAuthException","code":190,"error_subcode":460,"fbtrace_id":"E"}}`))
	f.Add([]byte(`<html>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if e, ok := facebook.ParseError(b); ok {
			if c := facebook.Classify(e); c == social.Unknown {
				t.Errorf("an error envelope classified unknown: %+v", e)
			}
		}
	})
}

func TestContract(t *testing.T) {
	socialtest.RunContract(t, func(t *testing.T) *socialtest.Harness {
		e := newEnv(t)
		return &socialtest.Harness{Publisher: e.c, Recorder: e.rec, Index: e.fake.URL,
			SetCounts:     func(id string, l, r, c int) { e.fake.SetCounts(id, l, r, c) },
			LimitNextRead: e.fake.LimitNextRead,
			SetViews:      func(id string, n int) { e.fake.SetViews(id, n, n/3) },
			Secrets:       func() []string { return []string{token, "EAAGpagetoken%2Bsecret%2F123"} },
			DropNext:      func() { e.fake.Fail(facebookfake.Drop) },
			Creates:       func() int { _, c := e.fake.Counts(); return c },
			Exists: func(id string) bool {
				return slices.ContainsFunc(e.fake.Posts(), func(p facebookfake.Post) bool { return p.ID == id })
			}}
	})
}

func TestSecretValidate(t *testing.T) {
	good := "EAAGm0PX4ZCpsBAKZC5Xr0ZBZCoE1ZAzZBZB3ZCZBZBr5pZCZBZAcZBZB"
	for _, tt := range []struct {
		page, tok string
		ok        bool
	}{
		{facebookfake.PageID, good, true},
		{facebookfake.PageID, good + " ", false},
		{"BoNgoaiGiaoVN", good, false},
		{facebookfake.PageID, "7000000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_x", false},
	} {
		if err := (facebook.Secret{PageID: tt.page, PageToken: tt.tok}).Validate(); (err == nil) != tt.ok {
			t.Errorf("Validate(%q, %q) = %v", tt.page, tt.tok, err)
		}
	}
}

func TestEngagementViewsFromPostInsights(t *testing.T) {
	e := newEnv(t)
	r, err := e.c.Publish(e.ctx, social.Post{Key: "v", Text: "Views"})
	if err != nil {
		t.Fatal(err)
	}
	e.fake.SetCounts(r.ID, 7, 2, 1)
	e.fake.SetViews(r.ID, 1500, 900)
	c, err := e.c.Engagement(e.ctx, r.ID)
	if err != nil || c != (social.Counts{Likes: 7, Reposts: 2, Replies: 1, Quotes: social.NotOffered, Views: 1500}) {
		t.Fatalf("Engagement = %+v, %v", c, err)
	}
	// The Page cannot have views: the other counts still come, views are
	// not offered rather than zero.
	for _, tt := range []struct {
		name string
		i    facebookfake.Insights
	}{{"no read_insights", facebookfake.NoReadInsights}, {"under 100 likes", facebookfake.InsightsSmallPage},
		{"metric retired", facebookfake.MetricRetired}} {
		e.fake.SetInsights(tt.i)
		if c, err := e.c.Engagement(e.ctx, r.ID); err != nil || c.Likes != 7 || c.Views != social.NotOffered {
			t.Errorf("%s: Engagement = %+v, %v; want 7 likes and views not offered", tt.name, c, err)
		}
	}
	e.fake.SetInsights(facebookfake.InsightsOK)
	// Throttled between the two reads: the whole read waits, nothing
	// half-read is reported.
	e.fake.SetUsage(0, 95, 0) // the post GET answers at 95%; the client stops before insights
	_, err = e.c.Engagement(e.ctx, r.ID)
	if se := socialtest.WantClass(t, err, social.RateLimited); se != nil && se.Until.IsZero() {
		t.Error("no time to come back")
	}
	e.rec.AssertNoSecrets(t, token, "EAAGpagetoken%2Bsecret%2F123")
}

func TestParseInsights(t *testing.T) {
	for _, tt := range []struct {
		body string
		n    int
		ok   bool
	}{
		{`{"data":[{"name":"post_impressions","period":"lifetime","values":[{"value":42}],"id":"1_2/insights/post_impressions/lifetime"},` +
			`{"name":"post_impressions_unique","period":"lifetime","values":[{"value":30}]}]}`, 42, true},
		{`{"data":[{"name":"post_impressions_unique","period":"lifetime","values":[{"value":30}]}]}`, 30, true},
		{`{"data":[]}`, social.NotOffered, true},
		{`{"data":[{"name":"post_impressions","period":"day","values":[{"value":3}]}]}`, social.NotOffered, true},
		{`{"data":[{"name":"post_impressions","period":"lifetime","values":[{"value":-1}]}]}`, 0, false},
		{`{"data":[{"name":"post_impressions","period":"lifetime","values":[{"value":"many"}]}]}`, 0, false},
		{`{"error":{"code":10}}`, 0, false},
		{`<html>`, 0, false},
	} {
		if n, ok := facebook.ParseInsights([]byte(tt.body)); n != tt.n || ok != tt.ok {
			t.Errorf("ParseInsights(%s) = %d, %v; want %d, %v", tt.body, n, ok, tt.n, tt.ok)
		}
	}
}

func FuzzParseInsights(f *testing.F) {
	f.Add([]byte(`{"data":[{"name":"post_impressions","period":"lifetime","values":[{"value":42}]}]}`))
	f.Add([]byte(`{"data":[]}`))
	f.Add([]byte(`{"data":null}`))
	f.Add([]byte(`<html>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if n, ok := facebook.ParseInsights(b); ok && n < 0 && n != social.NotOffered {
			t.Errorf("ParseInsights(%q) = %d: a negative count", b, n)
		}
	})
}
