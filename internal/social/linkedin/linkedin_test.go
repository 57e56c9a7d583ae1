package linkedin_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/outbound/outboundtest"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/social/linkedin"
	"github.com/mofa-vn/chancery/internal/social/linkedin/linkedinfake"
	"github.com/mofa-vn/chancery/internal/social/socialtest"
)

const token = "AQXlinkedin-secret-token"

type env struct {
	fake  *linkedinfake.Server
	c     *linkedin.Client
	rec   *socialtest.Recorder
	ctx   context.Context
	clock *socialtest.Clock
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{fake: linkedinfake.New(token), rec: &socialtest.Recorder{}, clock: socialtest.NewClock(time.Date(2026, 3, 14, 8, 0, 0, 0, time.UTC))}
	t.Cleanup(e.fake.Close)
	e.fake.SetNow(e.clock.Now)
	creds := socialtest.NewCreds(t, linkedin.Secret{AccessToken: token, Organization: linkedinfake.Organization, ExpiresAt: e.clock.Now().Add(60 * 24 * time.Hour)})
	c, err := linkedin.New(linkedin.Config{BaseURL: e.fake.URL, Credentials: creds, Now: e.clock.Now, ImagePoll: time.Millisecond,
		HTTP: outboundtest.Client(t, e.fake.URL)})
	if err != nil {
		t.Fatal(err)
	}
	e.c = c
	e.ctx = e.rec.Context(t.Context())
	return e
}

func TestPublishTextLinkImages(t *testing.T) {
	e := newEnv(t)
	text := "The Ministry welcomes the agreement (#ASEAN) @ Ha Noi_2026 [1] <b> * ~ | {x} \\"
	r, err := e.c.Publish(e.ctx, social.Post{Key: "a", Text: text, Link: "https://mofa.gov.vn/en/statement/42", Title: "Statement"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(r.ID, "urn:li:share:") || r.URL != "https://www.linkedin.com/feed/update/"+r.ID+"/" {
		t.Errorf("result %+v", r)
	}
	one, err := e.c.Publish(e.ctx, social.Post{Key: "b", Text: "One image",
		Media: []social.Media{{Data: []byte("jpeg"), Alt: "The signing"}}})
	if err != nil {
		t.Fatal(err)
	}
	many, err := e.c.Publish(e.ctx, social.Post{Key: "c", Text: "Two images",
		Media: []social.Media{{Data: []byte("1"), Alt: "first"}, {Data: []byte("2"), Alt: "second"}}})
	if err != nil {
		t.Fatal(err)
	}
	posts := e.fake.Posts()
	if len(posts) != 3 {
		t.Fatalf("%d posts", len(posts))
	}
	if got := linkedin.UnescapeLittle(posts[0].Commentary); got != text {
		t.Errorf("commentary reads back as %q", got)
	}
	if !strings.Contains(string(posts[0].Content), `"source":"https://mofa.gov.vn/en/statement/42"`) {
		t.Errorf("article %s", posts[0].Content)
	}
	var media struct {
		Media struct{ ID, AltText string }
	}
	if err := json.Unmarshal(posts[1].Content, &media); err != nil {
		t.Fatalf("single image %s: %v", posts[1].Content, err)
	}
	if im, ok := e.fake.Image(media.Media.ID); !ok || im.Size != 4 || media.Media.AltText != "The signing" || posts[1].URN != one.ID {
		t.Errorf("single image %s (%+v)", posts[1].Content, im)
	}
	if !strings.Contains(string(posts[2].Content), `"multiImage"`) || !strings.Contains(string(posts[2].Content), `"altText":"second"`) || posts[2].URN != many.ID {
		t.Errorf("multi image %s", posts[2].Content)
	}
	for _, id := range []string{r.ID, r.ID} { // the second delete finds nothing, no error
		if err := e.c.Delete(e.ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(e.fake.Posts()); n != 2 {
		t.Errorf("%d posts after delete", n)
	}
	e.rec.AssertNoSecrets(t, token)
}

func TestVersionHeaderRequired(t *testing.T) {
	e := newEnv(t)
	req, _ := http.NewRequest("POST", e.fake.URL+"/rest/posts", strings.NewReader("{}"))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("X-Restli-Protocol-Version", "2.0.0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("without Linkedin-Version: %d, want 400", resp.StatusCode)
	}
	c, _ := linkedin.New(linkedin.Config{BaseURL: e.fake.URL, Version: "2026-01", HTTP: outboundtest.Client(t, e.fake.URL),
		Credentials: socialtest.NewCreds(t, linkedin.Secret{AccessToken: token, Organization: linkedinfake.Organization})})
	_, err = c.Publish(e.ctx, social.Post{Text: "x"})
	socialtest.WantClass(t, err, social.Rejected)
}

func TestErrorClasses(t *testing.T) {
	e := newEnv(t)
	n := 0
	post := func(ctx context.Context) error {
		n++
		_, err := e.c.Publish(ctx, social.Post{Key: "k", Text: "post " + string(rune('a'+n))})
		return err
	}
	fault := func(f linkedinfake.Fault) func(*testing.T) { return func(*testing.T) { e.fake.Fail(f) } }
	first, err := e.c.Publish(e.ctx, social.Post{Key: "d", Text: "Same words"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []socialtest.Case{
		{Name: "422 duplicate with URN", Act: func(ctx context.Context) error {
			_, err := e.c.Publish(ctx, social.Post{Key: "d2", Text: "Same words"})
			return err
		}, Want: social.Duplicate, Check: func(t *testing.T, err *social.Error) {
			if err.ExistingID != first.ID {
				t.Errorf("existing %q, want %q", err.ExistingID, first.ID)
			}
		}},
		{Name: "429 without headers", Arrange: fault(linkedinfake.RateLimited), Act: post, Want: social.RateLimited,
			Check: func(t *testing.T, err *social.Error) {
				if want := time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC); !err.Until.Equal(want) {
					t.Errorf("until %v, want %v", err.Until, want)
				}
			}},
		{Name: "401", Arrange: fault(linkedinfake.Unauthorized), Act: post, Want: social.AuthExpired},
		{Name: "403", Arrange: fault(linkedinfake.Forbidden), Act: post, Want: social.AuthExpired},
		{Name: "503", Arrange: fault(linkedinfake.Unavailable), Act: post, Want: social.Transient},
		{Name: "500 after create", Arrange: fault(linkedinfake.ServerError), Act: post, Want: social.Unknown},
		{Name: "HTML instead of JSON", Arrange: fault(linkedinfake.Garbage), Act: post, Want: social.Unknown},
		{Name: "dropped", Arrange: fault(linkedinfake.Drop), Act: post, Want: social.Unknown},
		{Name: "thread refused", Act: func(ctx context.Context) error {
			_, err := e.c.Publish(ctx, social.Post{Text: "x", ReplyTo: first.ID})
			return err
		}, Want: social.Rejected},
		{Name: "too long", Act: func(ctx context.Context) error {
			_, err := e.c.Publish(ctx, social.Post{Text: strings.Repeat("a", 3001)})
			return err
		}, Want: social.Rejected},
		{Name: "token expired locally", Arrange: func(*testing.T) { e.clock.Add(61 * 24 * time.Hour) }, Act: post, Want: social.AuthExpired},
	}
	socialtest.RunCases(t, e.ctx, cases)
	socialtest.AssertCovers(t, cases)
	e.rec.AssertNoSecrets(t, token)
}

func TestDroppedPublishIsReconciled(t *testing.T) {
	e := newEnv(t)
	p := social.Post{Key: "a", Text: "Statement (full text)", Link: "https://mofa.gov.vn/en/s/11"}
	attempt := e.clock.Now()
	e.fake.Fail(linkedinfake.Drop)
	_, err := e.c.Publish(e.ctx, p)
	socialtest.WantClass(t, err, social.Unknown)
	if req, created := e.fake.Creates(); req != 1 || created != 1 {
		t.Fatalf("%d requests, %d created", req, created)
	}
	rs, err := e.c.Reconcile(e.ctx, p, attempt)
	if err != nil || len(rs) != 1 || rs[0].ID != e.fake.Posts()[0].URN {
		t.Fatalf("Reconcile = %+v, %v", rs, err)
	}
	for _, q := range []social.Post{
		{Text: "never sent"},
		{Text: "Statement (full text)", Link: "https://mofa.gov.vn/en/s/12"},
	} {
		if rs, err := e.c.Reconcile(e.ctx, q, attempt); err != nil || len(rs) != 0 {
			t.Errorf("Reconcile(%+v), unsent = %+v, %v", q, rs, err)
		}
	}
	if rs, err := e.c.Reconcile(e.ctx, p, attempt.Add(time.Second)); err != nil || len(rs) != 0 {
		t.Errorf("Reconcile found a post made before the attempt: %+v, %v", rs, err)
	}
	if req, _ := e.fake.Creates(); req != 1 {
		t.Errorf("reconciling re-posted: %d requests", req)
	}
	recent, err := e.c.Recent(e.ctx, e.clock.Now().Add(-time.Minute), 10)
	if err != nil || len(recent) != 1 || recent[0].Text != p.Text || !recent[0].Created.Equal(e.clock.Now()) {
		t.Errorf("Recent = %+v, %v", recent, err)
	}
	e.rec.AssertNoSecrets(t, token)
}

func TestWhoAmI(t *testing.T) {
	e := newEnv(t)
	a, err := e.c.WhoAmI(e.ctx)
	if err != nil || a.ID != linkedinfake.Organization || a.Handle != "mofa-vietnam" || !a.Expires.Equal(e.clock.Now().Add(60*24*time.Hour)) {
		t.Fatalf("WhoAmI = %+v, %v", a, err)
	}
	e.rec.AssertNoSecrets(t, token)
}

func TestDuplicateOf(t *testing.T) {
	body := []byte(`{"message":"ERROR :: /commentary :: Content is a duplicate of urn:li:share:7140000000000000000","errorDetails":{"inputErrors":[{"description":"Duplicate post is detected","code":"DUPLICATE_POST"}]},"status":422}`)
	e, ok := linkedin.ParseError(body)
	urn, dup := linkedin.DuplicateOf(e)
	if !ok || !dup || urn != "urn:li:share:7140000000000000000" {
		t.Errorf("DuplicateOf = %q, %v (%v)", urn, dup, ok)
	}
}

func FuzzParseError(f *testing.F) {
	f.Add([]byte(`{"message":"Content is a duplicate of urn:li:share:714","errorDetails":{"inputErrors":[{"code":"DUPLICATE_POST"}]},"status":422}`))
	f.Add([]byte(`<html>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if e, ok := linkedin.ParseError(b); ok {
			if urn, _ := linkedin.DuplicateOf(e); urn != "" && !strings.HasPrefix(urn, "urn:li:") {
				t.Errorf("urn %q", urn)
			}
		}
	})
}

func FuzzLittleText(f *testing.F) {
	f.Add("a (b) [c] {d} <e> #f *g* _h_ ~i~ |j| @k \\l")
	f.Fuzz(func(t *testing.T, s string) {
		if got := linkedin.UnescapeLittle(linkedin.EscapeLittle(s)); got != s && strings.ToValidUTF8(s, "\uFFFD") == s {
			t.Errorf("round trip of %q gave %q", s, got)
		}
	})
}

func TestContract(t *testing.T) {
	socialtest.RunContract(t, func(t *testing.T) *socialtest.Harness {
		e := newEnv(t)
		return &socialtest.Harness{Publisher: e.c, Recorder: e.rec, Index: e.fake.URL, Secrets: func() []string { return []string{token} },
			SetCounts:     func(id string, l, r, c int) { e.fake.SetCounts(id, l, r, c) },
			LimitNextRead: e.fake.LimitNextRead,
			SetViews:      func(id string, n int) { e.fake.SetViews(id, n, n/2) },
			DropNext:      func() { e.fake.Fail(linkedinfake.Drop) },
			Creates:       func() int { _, c := e.fake.Creates(); return c },
			Exists: func(id string) bool {
				return slices.ContainsFunc(e.fake.Posts(), func(p linkedinfake.Post) bool { return p.URN == id })
			}}
	})
}

func TestSecretValidate(t *testing.T) {
	for _, tt := range []struct {
		tok, org string
		ok       bool
	}{
		{token, linkedinfake.Organization, true},
		{token + "\n", linkedinfake.Organization, false},
		{token, "urn:li:person:abc", false},
		{"", linkedinfake.Organization, false},
	} {
		if err := (linkedin.Secret{AccessToken: tt.tok, Organization: tt.org}).Validate(); (err == nil) != tt.ok {
			t.Errorf("Validate(%q, %q) = %v", tt.tok, tt.org, err)
		}
	}
}

func TestCountEscaped(t *testing.T) {
	c, _ := linkedin.New(linkedin.Config{BaseURL: "https://api.linkedin.com", Credentials: &socialtest.Creds{}})
	for text, want := range map[string]int{"Việt Nam": 8, "(ASEAN)": 9, "🇻🇳": 4} {
		if got := c.Count(text); got != want {
			t.Errorf("Count(%q) = %d, want %d", text, got, want)
		}
	}
}

func TestTokenRefreshedOnceAndSavedBeforeUse(t *testing.T) {
	fake := linkedinfake.New(token)
	defer fake.Close()
	clock := socialtest.NewClock(time.Date(2026, 3, 14, 8, 0, 0, 0, time.UTC))
	fake.SetNow(clock.Now)
	const refresh, clientSecret = "AQWrefresh-secret", "client-secret-xyz"
	fake.SetRefresh(refresh, "client-id", clientSecret)
	creds := socialtest.NewCreds(t, linkedin.Secret{AccessToken: token, Organization: linkedinfake.Organization,
		ExpiresAt: clock.Now().Add(12 * time.Hour), RefreshToken: refresh})
	var saved []string
	creds.OnUpdate = func(b []byte) {
		var s linkedin.Secret
		if err := json.Unmarshal(b, &s); err != nil {
			t.Errorf("saved credentials: %v", err)
		}
		saved = append(saved, s.AccessToken)
		if len(fake.Posts()) != 0 {
			t.Error("a post was made before the renewed token was saved")
		}
	}
	c, err := linkedin.New(linkedin.Config{BaseURL: fake.URL, TokenURL: fake.URL + "/oauth/v2/accessToken", HTTP: outboundtest.Client(t, fake.URL),
		ClientID: "client-id", ClientSecret: clientSecret, Credentials: creds, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	rec := &socialtest.Recorder{}
	ctx := rec.Context(t.Context())
	// Expiring within a day: two concurrent publishes renew it once.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Go(func() { _, errs[i] = c.Publish(ctx, social.Post{Text: "post " + strconv.Itoa(i)}) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var s linkedin.Secret
	creds.Decode(t, &s)
	if fake.Refreshes() != 1 || len(saved) != 1 || s.AccessToken != fake.Token() || s.RefreshToken != refresh ||
		!s.ExpiresAt.Equal(clock.Now().Add(60*24*time.Hour)) {
		t.Errorf("refreshes %d, saved %q, stored %+v", fake.Refreshes(), saved, s)
	}
	rec.AssertNoSecrets(t, token, s.AccessToken, refresh, clientSecret)

	// A revoked refresh token: the page must be reconnected.
	fake.SetRefresh("other", "client-id", clientSecret)
	clock.Add(60 * 24 * time.Hour)
	_, err = c.Publish(ctx, social.Post{Text: "later"})
	socialtest.WantClass(t, err, social.AuthExpired)
	creds.Decode(t, &s)
	if s.RefreshToken != refresh {
		t.Error("a failed refresh wiped the refresh token")
	}
}

func TestEngagementShareStatistics(t *testing.T) {
	e := newEnv(t)
	r, err := e.c.Publish(e.ctx, social.Post{Key: "s", Text: "Statistics"})
	if err != nil {
		t.Fatal(err)
	}
	e.fake.SetCounts(r.ID, 9, 4, 2)
	e.fake.SetViews(r.ID, 2500, 1800)
	c, err := e.c.Engagement(e.ctx, r.ID)
	if err != nil || c != (social.Counts{Likes: 9, Reposts: 4, Replies: 2, Quotes: social.NotOffered, Views: 2500}) {
		t.Fatalf("Engagement = %+v, %v", c, err)
	}
	// A token without rw_organization_admin: likes and comments still
	// come, reposts and views are not offered rather than zero.
	e.fake.DenyStatistics(true)
	if c, err := e.c.Engagement(e.ctx, r.ID); err != nil || c.Likes != 9 || c.Replies != 2 || c.Reposts != social.NotOffered || c.Views != social.NotOffered {
		t.Errorf("without the statistics permission: Engagement = %+v, %v", c, err)
	}
	e.fake.DenyStatistics(false)
	// Throttled on the statistics: the whole read waits until midnight UTC.
	e.fake.LimitNextStatistics()
	_, err = e.c.Engagement(e.ctx, r.ID)
	if se := socialtest.WantClass(t, err, social.RateLimited); se != nil && !se.Until.Equal(time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("until %v, want midnight UTC", se.Until)
	}
	// LinkedIn keeps twelve months of statistics: an older post has none.
	// (The fake's clock alone moves: the token would expire on ours.)
	later := e.clock.Now().AddDate(1, 0, 1)
	e.fake.SetNow(func() time.Time { return later })
	if c, err := e.c.Engagement(e.ctx, r.ID); err != nil || c.Likes != 9 || c.Reposts != social.NotOffered || c.Views != social.NotOffered {
		t.Errorf("a post older than a year: Engagement = %+v, %v", c, err)
	}
	e.rec.AssertNoSecrets(t, token)
}

func TestParseShareStatistics(t *testing.T) {
	const urn = "urn:li:share:7015970832908775123"
	for _, tt := range []struct {
		body string
		want linkedin.ShareStatistics
		ok   bool
	}{
		{`{"paging":{},"elements":[{"share":"` + urn + `","organizationalEntity":"urn:li:organization:1",` +
			`"totalShareStatistics":{"uniqueImpressionsCount":30,"shareCount":3,"engagement":0.1,"clickCount":1,"likeCount":5,"impressionCount":42,"commentCount":2}}]}`,
			linkedin.ShareStatistics{Shares: 3, Impressions: 42}, true},
		{`{"elements":[{"ugcPost":"` + urn + `","totalShareStatistics":{"shareCount":0,"impressionCount":7}}]}`, linkedin.ShareStatistics{Impressions: 7}, true},
		{`{"elements":[]}`, linkedin.ShareStatistics{Shares: social.NotOffered, Impressions: social.NotOffered}, true},
		{`{"elements":[{"share":"urn:li:share:1","totalShareStatistics":{"shareCount":1,"impressionCount":1}}]}`,
			linkedin.ShareStatistics{Shares: social.NotOffered, Impressions: social.NotOffered}, true},
		{`{"elements":[{"share":"` + urn + `","totalShareStatistics":{"shareCount":-1,"impressionCount":1}}]}`, linkedin.ShareStatistics{}, false},
		{`{"elements":[{"share":"` + urn + `","totalShareStatistics":{"impressionCount":1}}]}`, linkedin.ShareStatistics{}, false},
		{`{"elements":[{"share":"` + urn + `"}]}`, linkedin.ShareStatistics{}, false},
		{`{"status":403}`, linkedin.ShareStatistics{}, false},
		{`<html>`, linkedin.ShareStatistics{}, false},
	} {
		if got, ok := linkedin.ParseShareStatistics([]byte(tt.body), urn); got != tt.want || ok != tt.ok {
			t.Errorf("ParseShareStatistics(%s) = %+v, %v; want %+v, %v", tt.body, got, ok, tt.want, tt.ok)
		}
	}
}

func FuzzParseShareStatistics(f *testing.F) {
	f.Add([]byte(`{"elements":[{"share":"urn:li:share:1","totalShareStatistics":{"shareCount":3,"impressionCount":42}}]}`), "urn:li:share:1")
	f.Add([]byte(`{"elements":[]}`), "urn:li:share:1")
	f.Add([]byte(`{"elements":null}`), "")
	f.Fuzz(func(t *testing.T, b []byte, urn string) {
		if st, ok := linkedin.ParseShareStatistics(b, urn); ok && (st.Shares < social.NotOffered || st.Impressions < social.NotOffered) {
			t.Errorf("ParseShareStatistics(%q) = %+v: a negative count", b, st)
		}
	})
}
