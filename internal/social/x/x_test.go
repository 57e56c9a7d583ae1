package x_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/outbound/outboundtest"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/social/socialtest"
	"github.com/mofa-vn/chancery/internal/social/x"
	"github.com/mofa-vn/chancery/internal/social/x/xfake"
)

// memCreds is social.Credentials in memory, with the lock the contract
// asks for. saves lists every stored value in order.
type memCreds struct {
	mu    sync.Mutex // the per-channel lock of Update
	value []byte
	saves [][]byte
}

func (m *memCreds) Load(context.Context) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.value == nil {
		return nil, errors.New("no credentials")
	}
	return bytes.Clone(m.value), nil
}

func (m *memCreds) Update(_ context.Context, fn func([]byte) ([]byte, error)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	next, err := fn(bytes.Clone(m.value))
	if err != nil {
		return err
	}
	if !bytes.Equal(next, m.value) {
		m.value = next
		m.saves = append(m.saves, bytes.Clone(next))
	}
	return nil
}

func (m *memCreds) secret(t *testing.T) x.Secret {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	var s x.Secret
	if err := json.Unmarshal(m.value, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

var start = time.Date(2026, 3, 14, 8, 0, 0, 0, time.UTC)

type env struct {
	fake  *xfake.Server
	clock *clock
	creds *memCreds
	c     *x.Client
	waits []time.Duration
	mu    sync.Mutex
}

func newFake(t *testing.T, clk *clock) *xfake.Server {
	t.Helper()
	f := xfake.New(xfake.Options{Now: clk.Now})
	t.Cleanup(f.Close)
	return f
}

func (e *env) client(t *testing.T, creds social.Credentials, hc *http.Client) *x.Client {
	t.Helper()
	// The fake runs on loopback: allowed, as -extra-api-urls does.
	if hc == nil {
		hc = outboundtest.Client(t, e.fake.URL)
	} else if hc.Transport == nil {
		hc.Transport = outboundtest.Client(t, e.fake.URL).Transport
	}
	c, err := x.New(x.Params{BaseURL: e.fake.URL, Credentials: creds, Now: e.clock.Now, HTTP: hc,
		Sleep: func(_ context.Context, d time.Duration) error {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.waits = append(e.waits, d)
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// oauth1Env connects with OAuth 1.0a user context.
func oauth1Env(t *testing.T) *env {
	t.Helper()
	e := &env{clock: &clock{now: start}, creds: &memCreds{}}
	e.fake = newFake(t, e.clock)
	e.fake.AddOAuth1Token("1460000000000000001-tok", "token-secret")
	o := e.fake.Options()
	if err := x.Connect(context.Background(), e.creds, x.Secret{ConsumerKey: o.ConsumerKey, ConsumerSecret: o.ConsumerSecret,
		Token: "1460000000000000001-tok", TokenSecret: "token-secret"}); err != nil {
		t.Fatal(err)
	}
	e.c = e.client(t, e.creds, &http.Client{Timeout: 2 * time.Second})
	return e
}

// oauth2Env connects with an OAuth 2.0 grant issued by the fake.
func oauth2Env(t *testing.T, scopes ...string) (*env, xfake.Grant) {
	t.Helper()
	e := &env{clock: &clock{now: start}, creds: &memCreds{}}
	e.fake = newFake(t, e.clock)
	if len(scopes) == 0 {
		scopes = x.DefaultScopes
	}
	g := e.fake.IssueOAuth2(scopes...)
	o := e.fake.Options()
	if err := x.Connect(context.Background(), e.creds, x.Secret{ClientID: o.ClientID, ClientSecret: o.ClientSecret,
		AccessToken: g.Access, RefreshToken: g.Refresh, Expiry: g.Expiry, Scopes: g.Scopes}); err != nil {
		t.Fatal(err)
	}
	e.c = e.client(t, e.creds, &http.Client{Timeout: 2 * time.Second})
	return e, g
}

func wantClass(t *testing.T, err error, want social.Class) *social.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %v", want)
	}
	se, ok := errors.AsType[*social.Error](err)
	if !ok || se.Class != want {
		t.Fatalf("error %v (class %v), want class %v", err, social.ClassOf(err), want)
	}
	if se.Network != social.X || se.Reason == "" {
		t.Errorf("error %+v lacks its network or reason", se)
	}
	return se
}

func TestPublishOAuth1(t *testing.T) {
	e := oauth1Env(t)
	ctx := context.Background()
	r, err := e.c.Publish(ctx, social.Post{Key: "pub-1-0", Text: "Bộ Ngoại giao Việt Nam hoan nghênh thỏa thuận."})
	if err != nil {
		t.Fatal(err)
	}
	posts := e.fake.Posts()
	if len(posts) != 1 || posts[0].ID != r.ID || posts[0].Text != "Bộ Ngoại giao Việt Nam hoan nghênh thỏa thuận." {
		t.Fatalf("fake holds %+v, result %+v", posts, r)
	}
	if !strings.HasSuffix(r.URL, "/status/"+r.ID) || !r.Created.Equal(start) {
		t.Errorf("result %+v", r)
	}
	if k := e.fake.AuthKinds(); !slices.Equal(k, []string{"OAuth"}) {
		t.Errorf("auth kinds %v, want one OAuth 1.0a request", k)
	}
	if err := e.c.Delete(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	if len(e.fake.Posts()) != 0 {
		t.Fatal("the post survived Delete")
	}
	if err := e.c.Delete(ctx, r.ID); err != nil {
		t.Errorf("deleting a post already gone: %v", err)
	}
	_ = wantClass(t, e.c.Delete(ctx, "../users/me"), social.Rejected)
}

// TestOAuth1BadSignature: a token the fake does not know is refused, so
// the fake's signature check is live.
func TestOAuth1BadSignature(t *testing.T) {
	e := oauth1Env(t)
	bad := &memCreds{}
	o := e.fake.Options()
	if err := x.Connect(context.Background(), bad, x.Secret{ConsumerKey: o.ConsumerKey, ConsumerSecret: "wrong-secret",
		Token: "1460000000000000001-tok", TokenSecret: "token-secret"}); err != nil {
		t.Fatal(err)
	}
	_, err := e.client(t, bad, nil).Publish(context.Background(), social.Post{Text: "hello"})
	_ = wantClass(t, err, social.AuthExpired)
	if len(e.fake.Posts()) != 0 {
		t.Error("a badly signed post was created")
	}
}

func TestThread(t *testing.T) {
	e := oauth1Env(t)
	ctx := context.Background()
	prev := ""
	var ids []string
	for i, text := range []string{"1/3 The Ministry welcomes the agreement.", "2/3 It opens talks.", "3/3 Full text: https://mofa.gov.vn/en/statements/42"} {
		r, err := e.c.Publish(ctx, social.Post{Key: "pub-2-" + string(rune('0'+i)), Text: text, ReplyTo: prev})
		if err != nil {
			t.Fatalf("part %d: %v", i+1, err)
		}
		ids = append(ids, r.ID)
		prev = r.ID
	}
	posts := e.fake.Posts()
	if len(posts) != 3 || posts[0].ReplyTo != "" || posts[1].ReplyTo != ids[0] || posts[2].ReplyTo != ids[1] {
		t.Fatalf("thread as stored: %+v", posts)
	}
	_, err := e.c.Publish(ctx, social.Post{Text: "reply to nothing", ReplyTo: "123"})
	_ = wantClass(t, err, social.Rejected)
}

// TestErrorClasses covers every class of social-apis.md §1.5 through the
// fake.
func TestErrorClasses(t *testing.T) {
	tests := []struct {
		fault xfake.Fault
		class social.Class
		code  string
	}{
		{xfake.Duplicate, social.Duplicate, "Forbidden"},
		{xfake.RateLimit, social.RateLimited, "88"},
		{xfake.UsageCapped, social.RateLimited, "https://api.twitter.com/2/problems/usage-capped"},
		{xfake.Unauthorized, social.AuthExpired, "Unauthorized"},
		{xfake.Unavailable, social.Transient, "Service Unavailable"},
		{xfake.Forbidden453, social.Rejected, "453"},
		{xfake.Garbage, social.Unknown, ""},
		{xfake.Huge, social.Unknown, ""},
	}
	for _, tt := range tests {
		t.Run(tt.class.String()+"/"+tt.code, func(t *testing.T) {
			e := oauth1Env(t)
			e.fake.Fail(tt.fault)
			_, err := e.c.Publish(context.Background(), social.Post{Text: "Statement"})
			se := wantClass(t, err, tt.class)
			if tt.code != "" && se.Code != tt.code {
				t.Errorf("code %q, want %q", se.Code, tt.code)
			}
			if tt.class == social.RateLimited && !se.Until.After(start) {
				t.Errorf("Until %v is not after now", se.Until)
			}
		})
	}
}

func TestRateLimitHeaders(t *testing.T) {
	e := oauth1Env(t)
	ctx := context.Background()
	if _, err := e.c.Publish(ctx, social.Post{Text: "first"}); err != nil {
		t.Fatal(err)
	}
	rl, ok := e.c.RateLimits("POST /2/tweets")
	if !ok || rl.Window.Limit != 100 || rl.Window.Remaining != 99 || !rl.Window.Reset.Equal(start.Add(15*time.Minute)) ||
		rl.UserDay.Limit != 2400 || rl.UserDay.Remaining != 2399 || !rl.UserDay.Reset.Equal(start.Add(24*time.Hour)) {
		t.Fatalf("rate limits %+v", rl)
	}
	e.fake.Fail(xfake.RateLimit)
	_, err := e.c.Publish(ctx, social.Post{Text: "second"})
	se := wantClass(t, err, social.RateLimited)
	if !se.Until.Equal(start.Add(15 * time.Minute)) {
		t.Errorf("Until %v, want the window's reset %v", se.Until, start.Add(15*time.Minute))
	}
	// The spent window refuses the next create without sending it.
	n := e.fake.Requests("POST /2/tweets")
	_, err = e.c.Publish(ctx, social.Post{Text: "third"})
	_ = wantClass(t, err, social.RateLimited)
	if e.fake.Requests("POST /2/tweets") != n {
		t.Error("a create was sent although the window was spent")
	}
	e.clock.Advance(15 * time.Minute)
	if _, err := e.c.Publish(ctx, social.Post{Text: "third"}); err != nil {
		t.Fatalf("after the reset: %v", err)
	}
}

func TestDuplicateAndTooLong(t *testing.T) {
	e := oauth1Env(t)
	ctx := context.Background()
	if _, err := e.c.Publish(ctx, social.Post{Text: "Same words"}); err != nil {
		t.Fatal(err)
	}
	_ = wantClass(t, func() error { _, err := e.c.Publish(ctx, social.Post{Text: "Same words"}); return err }(), social.Duplicate)
	n := e.fake.Requests("POST /2/tweets")
	_, err := e.c.Publish(ctx, social.Post{Text: strings.Repeat("ệ", 141)})
	se := wantClass(t, err, social.Rejected)
	if !strings.Contains(se.Reason, "282") || e.fake.Requests("POST /2/tweets") != n {
		t.Errorf("a too-long post: %v (sent: %v)", se, e.fake.Requests("POST /2/tweets") != n)
	}
	if _, err := e.c.Publish(ctx, social.Post{Text: strings.Repeat("ệ", 140)}); err != nil {
		t.Errorf("140 × ệ weighs exactly 280: %v", err)
	}
}

// TestUnknownOutcome: the post is created but the answer never comes. The
// publish is Unknown, it is never sent again, and Reconcile finds the post.
func TestUnknownOutcome(t *testing.T) {
	for _, fault := range []xfake.Fault{xfake.CommitThenHang, xfake.CommitThenDrop} {
		t.Run(map[xfake.Fault]string{xfake.CommitThenHang: "hang", xfake.CommitThenDrop: "drop"}[fault], func(t *testing.T) {
			e := oauth1Env(t)
			e.c = e.client(t, e.creds, &http.Client{Timeout: 300 * time.Millisecond})
			ctx := context.Background()
			e.fake.Fail(fault)
			post := social.Post{Key: "pub-9-0", Text: "Việt Nam & partners sign the accord: https://mofa.gov.vn/en/s/9"}
			_, err := e.c.Publish(ctx, post)
			_ = wantClass(t, err, social.Unknown)
			if n := e.fake.Requests("POST /2/tweets"); n != 1 {
				t.Fatalf("%d creates sent, want 1", n)
			}
			e.fake.AddPost("An unrelated post")
			rs, err := e.c.Reconcile(ctx, post, start)
			if err != nil || len(rs) != 1 {
				t.Fatalf("Reconcile: %+v, %v", rs, err)
			}
			if posts := e.fake.Posts(); rs[0].ID != posts[0].ID {
				t.Errorf("Reconcile found %s, want %s", rs[0].ID, posts[0].ID)
			}
			if n := e.fake.Requests("POST /2/tweets"); n != 1 {
				t.Errorf("%d creates sent after reconciling, want 1", n)
			}
			rs, err = e.c.Reconcile(ctx, social.Post{Text: "Never posted"}, start)
			if err != nil || len(rs) != 0 {
				t.Errorf("Reconcile of a post never made: %+v, %v", rs, err)
			}
		})
	}
}

func TestRecent(t *testing.T) {
	e := oauth1Env(t)
	ctx := context.Background()
	e.fake.AddPost("old")
	e.clock.Advance(time.Hour)
	e.fake.AddPost("Taken over? <b>&</b> example.gov.vn/press")
	e.fake.AddPost("newest")
	posts, err := e.c.Recent(ctx, start.Add(time.Minute), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(posts) != 2 || posts[0].Text != "newest" || !strings.HasPrefix(posts[1].Text, "Taken over? <b>&</b> http://example.gov.vn/press") {
		t.Fatalf("Recent = %+v", posts)
	}
	if !posts[0].Created.Equal(start.Add(time.Hour)) {
		t.Errorf("created %v", posts[0].Created)
	}
	if posts, _ := e.c.Recent(ctx, time.Time{}, 1); len(posts) != 1 {
		t.Errorf("limit 1 gave %d", len(posts))
	}
	a, err := e.c.WhoAmI(ctx)
	if err != nil || a.ID != "1460000000000000001" || a.Handle != "@mofa_vn" || !a.Expires.IsZero() {
		t.Errorf("WhoAmI = %+v, %v", a, err)
	}
}

func TestMediaWithAltText(t *testing.T) {
	e := oauth1Env(t)
	ctx := context.Background()
	img := bytes.Repeat([]byte{0xFF, 0xD8}, ChunkSizeForTest()) // two chunks
	r, err := e.c.Publish(ctx, social.Post{Text: "Signing ceremony", Media: []social.Media{
		{Filename: "a.jpg", ContentType: "image/jpeg", Data: img, Alt: "The ministers sign the accord."},
		{Filename: "b.png", ContentType: "image/png", Data: []byte("png"), Alt: "Bộ trưởng ký hiệp định."},
	}})
	if err != nil {
		t.Fatal(err)
	}
	p := e.fake.Posts()[0]
	if p.ID != r.ID || len(p.MediaIDs) != 2 {
		t.Fatalf("post %+v", p)
	}
	m, _ := e.fake.MediaItem(p.MediaIDs[0])
	if !bytes.Equal(m.Bytes, img) || m.AltText != "The ministers sign the accord." || m.Category != "tweet_image" {
		t.Errorf("media 1: %d bytes, alt %q, category %s", len(m.Bytes), m.AltText, m.Category)
	}
	if m, _ := e.fake.MediaItem(p.MediaIDs[1]); m.AltText != "Bộ trưởng ký hiệp định." {
		t.Errorf("media 2 alt %q", m.AltText)
	}

	// A video is processed: STATUS is polled through the injected sleeper.
	if _, err := e.c.Publish(ctx, social.Post{Text: "Video", Media: []social.Media{{ContentType: "video/mp4", Data: []byte("mp4"), Alt: "A video."}}}); err != nil {
		t.Fatal(err)
	}
	if n := e.fake.Requests("GET /2/media/upload"); n != 3 || len(e.waits) != 3 || e.waits[0] != time.Second {
		t.Errorf("%d STATUS polls, waits %v; want 3 (in_progress, in_progress, succeeded)", n, e.waits)
	}

	// A video that fails processing is rejected and no post is made.
	before := len(e.fake.Posts())
	e.fake.FailNextMedia()
	_, err = e.c.Publish(ctx, social.Post{Text: "Bad video", Media: []social.Media{{ContentType: "video/mp4", Data: []byte("bad")}}})
	if se := wantClass(t, err, social.Rejected); se.Code != "media-failed" {
		t.Errorf("code %q", se.Code)
	}
	if len(e.fake.Posts()) != before {
		t.Error("a post was made with failed media")
	}

	// Limits checked before anything is sent.
	five := make([]social.Media, 5)
	for i := range five {
		five[i] = social.Media{ContentType: "image/png", Data: []byte("x")}
	}
	for name, media := range map[string][]social.Media{
		"five images":     five,
		"video and image": {{ContentType: "video/mp4", Data: []byte("v")}, {ContentType: "image/png", Data: []byte("x")}},
		"long alt":        {{ContentType: "image/png", Data: []byte("x"), Alt: strings.Repeat("a", 1001)}},
	} {
		_, err := e.c.Publish(ctx, social.Post{Text: name, Media: media})
		_ = wantClass(t, err, social.Rejected)
		// Clearance asks the same rule (social.Checker), which names the
		// part refused.
		var checker social.Checker = e.c
		r, ok := errors.AsType[*social.Refusal](checker.Check(social.Post{Text: name, Media: media}))
		if !ok || (r.Field != social.FieldMedia && r.Field != social.FieldAlt) || r.Max == 0 {
			t.Errorf("%s: Check gave %+v", name, r)
		}
	}
}

// ChunkSizeForTest makes an image of a little more than one chunk.
func ChunkSizeForTest() int { return x.ChunkSize/2 + 10 }

// TestOAuth2Refresh: an expired access token is refreshed once, the new
// pair is stored before the new access token is used, and the old refresh
// token is never sent again.
func TestOAuth2Refresh(t *testing.T) {
	e, g := oauth2Env(t)
	ctx := context.Background()
	// The transport checks that every bearer token it sends is the stored one.
	var sent []string
	check := roundTripper(func(req *http.Request) (*http.Response, error) {
		if tok, ok := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer "); ok {
			if s := e.creds.secret(t); s.AccessToken != tok {
				t.Errorf("sent access token %q before storing it (stored %q)", tok, s.AccessToken)
			}
			sent = append(sent, tok)
		}
		return http.DefaultTransport.RoundTrip(req)
	})
	e.c = e.client(t, e.creds, &http.Client{Transport: check, Timeout: 2 * time.Second})
	if _, err := e.c.Publish(ctx, social.Post{Text: "before expiry"}); err != nil {
		t.Fatal(err)
	}
	if e.fake.RefreshCalls() != 0 {
		t.Fatal("refreshed a live token")
	}
	e.clock.Advance(2 * time.Hour)
	if _, err := e.c.Publish(ctx, social.Post{Text: "after expiry"}); err != nil {
		t.Fatal(err)
	}
	s := e.creds.secret(t)
	if e.fake.RefreshCalls() != 1 || s.AccessToken == g.Access || s.RefreshToken == g.Refresh || s.RefreshToken == "" {
		t.Fatalf("after one refresh: %d calls, stored %+v", e.fake.RefreshCalls(), s)
	}
	if !s.Expiry.Equal(e.clock.Now().Add(2 * time.Hour)) {
		t.Errorf("expiry %v, want now + 2h by the injected clock", s.Expiry)
	}
	if len(sent) != 2 || sent[0] != g.Access || sent[1] != s.AccessToken {
		t.Errorf("tokens sent %v", sent)
	}
	a, err := e.c.WhoAmI(ctx)
	if err != nil || !a.Expires.Equal(s.Expiry) || !slices.Contains(a.Scopes, "media.write") {
		t.Errorf("WhoAmI = %+v, %v", a, err)
	}
	if k := e.fake.AuthKinds(); k[0] != "Bearer" {
		t.Errorf("auth kinds %v", k)
	}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestConcurrentRefresh: two instances (two Clients sharing the channel's
// credentials) and several callers each find the token expired; exactly one
// refresh call reaches X.
func TestConcurrentRefresh(t *testing.T) {
	e, _ := oauth2Env(t)
	other := e.client(t, e.creds, nil)
	e.clock.Advance(3 * time.Hour)
	var wg sync.WaitGroup
	for i := range 8 {
		c := e.c
		if i%2 == 1 {
			c = other
		}
		wg.Go(func() {
			if _, err := c.WhoAmI(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := e.fake.RefreshCalls(); n != 1 {
		t.Errorf("%d refresh calls, want exactly 1", n)
	}
	if len(e.creds.saves) != 2 { // connect, then one refresh
		t.Errorf("%d saves, want 2", len(e.creds.saves))
	}
}

// TestRefreshTokenReuse: the fake revokes the family when a rotated refresh
// token comes back, and the client reports AuthExpired.
func TestRefreshTokenReuse(t *testing.T) {
	e, g := oauth2Env(t)
	ctx := context.Background()
	e.clock.Advance(3 * time.Hour)
	if _, err := e.c.WhoAmI(ctx); err != nil {
		t.Fatal(err)
	}
	// A stale copy of the old pair (a backup restored, a second store) tries again.
	stale := &memCreds{}
	o := e.fake.Options()
	if err := x.Connect(ctx, stale, x.Secret{ClientID: o.ClientID, ClientSecret: o.ClientSecret, AccessToken: g.Access, RefreshToken: g.Refresh, Expiry: g.Expiry}); err != nil {
		t.Fatal(err)
	}
	_, err := e.client(t, stale, nil).WhoAmI(ctx)
	_ = wantClass(t, err, social.AuthExpired)
	// The whole family is dead, the good copy included.
	_, err = e.c.WhoAmI(ctx)
	_ = wantClass(t, err, social.AuthExpired)
}

func TestTokenEndpointNeedsBasicAuth(t *testing.T) {
	e, g := oauth2Env(t)
	resp, err := http.PostForm(e.fake.URL+"/2/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {g.Refresh}, "client_id": {"client-id"}})
	if err != nil {
		t.Fatal(err)
	}
	var body struct{ Error, ErrorDescription string }
	derr := json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if derr != nil {
		t.Fatal(derr)
	}
	if resp.StatusCode != 401 {
		t.Errorf("status %d, want 401 without Basic auth", resp.StatusCode)
	}
	// Wrong client secret: the refresh fails as AuthExpired.
	creds := &memCreds{}
	if err := x.Connect(context.Background(), creds, x.Secret{ClientID: "client-id", ClientSecret: "wrong", AccessToken: g.Access, RefreshToken: g.Refresh, Expiry: start}); err != nil {
		t.Fatal(err)
	}
	_, err = e.client(t, creds, nil).WhoAmI(context.Background())
	_ = wantClass(t, err, social.AuthExpired)
}

func TestMissingMediaScope(t *testing.T) {
	e, _ := oauth2Env(t, "tweet.read", "tweet.write", "users.read", "offline.access")
	_, err := e.c.Publish(context.Background(), social.Post{Text: "photo", Media: []social.Media{{ContentType: "image/png", Data: []byte("x")}}})
	se := wantClass(t, err, social.AuthExpired)
	if !strings.Contains(se.Reason, "media.write") {
		t.Errorf("reason %q", se.Reason)
	}
}

// TestPKCE runs the connect flow against the fake: consent URL, redirect
// with a code, exchange with the verifier, stored secret usable.
func TestPKCE(t *testing.T) {
	e := &env{clock: &clock{now: start}, creds: &memCreds{}}
	e.fake = newFake(t, e.clock)
	o := e.fake.Options()
	app := x.OAuth2App{ClientID: o.ClientID, ClientSecret: o.ClientSecret, RedirectURL: "https://chancery.example/channels/x/callback",
		AuthURL: e.fake.URL + "/i/oauth2/authorize", BaseURL: e.fake.URL, Now: e.clock.Now, HTTP: outboundtest.Client(t, e.fake.URL)}
	authURL, verifier, err := app.AuthCodeURL("state-123")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(authURL)
	if u.Query().Get("code_challenge_method") != "S256" || !strings.Contains(u.Query().Get("scope"), "media.write") {
		t.Fatalf("auth URL %s", authURL)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back, _ := url.Parse(resp.Header.Get("Location"))
	if back.Query().Get("state") != "state-123" {
		t.Fatalf("redirect %s", back)
	}
	if _, err := app.Exchange(context.Background(), back.Query().Get("code"), "wrong-verifier"); err == nil {
		t.Fatal("a wrong verifier is accepted")
	}
	resp, _ = noFollow.Get(authURL)
	resp.Body.Close()
	back, _ = url.Parse(resp.Header.Get("Location"))
	s, err := app.Exchange(context.Background(), back.Query().Get("code"), verifier)
	if err != nil {
		t.Fatal(err)
	}
	if s.AccessToken == "" || s.RefreshToken == "" || !s.Expiry.Equal(start.Add(2*time.Hour)) || !slices.Contains(s.Scopes, "offline.access") {
		t.Fatalf("secret %+v", s)
	}
	if err := x.Connect(context.Background(), e.creds, s); err != nil {
		t.Fatal(err)
	}
	c := e.client(t, e.creds, nil)
	if a, err := c.WhoAmI(context.Background()); err != nil || a.Handle != "@mofa_vn" {
		t.Fatalf("WhoAmI after connect: %+v, %v", a, err)
	}
	// Reconnecting with an answer that has no refresh token keeps the old one.
	if err := x.Connect(context.Background(), e.creds, x.Secret{ClientID: o.ClientID, AccessToken: "at-new", Expiry: start.Add(3 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if got := e.creds.secret(t); got.RefreshToken != s.RefreshToken || got.AccessToken != "at-new" {
		t.Errorf("after reconnect: %+v", got)
	}
}

func TestValidate(t *testing.T) {
	ok1 := x.Secret{ConsumerKey: "ck", ConsumerSecret: "cs", Token: "1-abc", TokenSecret: "ts"}
	tests := []struct {
		name string
		s    x.Secret
		want string
	}{
		{"oauth1", ok1, ""},
		{"oauth2", x.Secret{ClientID: "id", AccessToken: "a", RefreshToken: "r"}, ""},
		{"space", x.Secret{ConsumerKey: "ck", ConsumerSecret: "cs", Token: "1-abc ", TokenSecret: "ts"}, "spaces"},
		{"newline", x.Secret{ClientID: "id", AccessToken: "a\nb"}, "spaces"},
		{"app-only bearer", x.Secret{ClientID: "id", AccessToken: "AAAAAAAAAAAAAAAAAAAAAMLheAAAAAAA0%2BuSeid"}, "app-only"},
		{"oauth1 incomplete", x.Secret{Token: "1-abc"}, "needs the consumer"},
		{"oauth1 wrong kind", x.Secret{ConsumerKey: "ck", ConsumerSecret: "cs", Token: "abc", TokenSecret: "ts"}, "another kind"},
		{"oauth2 without client", x.Secret{AccessToken: "a"}, "client ID"},
		{"nothing", x.Secret{}, "no credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.s.Validate()
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("Validate = %v, want %q", err, tt.want)
			}
		})
	}
	if err := x.Connect(context.Background(), &memCreds{}, x.Secret{Token: "1-a b"}); err == nil {
		t.Error("Connect stored a bad secret")
	}
}

// TestRecordedExchanges: every call is audited, and no secret reaches the
// audit log.
func TestRecordedExchanges(t *testing.T) {
	e, g := oauth2Env(t)
	var exs []social.Exchange
	ctx := social.WithRecorder(context.Background(), func(ex social.Exchange) { exs = append(exs, ex) })
	e.clock.Advance(3 * time.Hour)
	if _, err := e.c.Publish(ctx, social.Post{Text: "audited"}); err != nil {
		t.Fatal(err)
	}
	s := e.creds.secret(t)
	if len(exs) != 2 || !strings.HasSuffix(exs[0].URL, "/2/oauth2/token") || exs[1].Status != 201 {
		t.Fatalf("exchanges %+v", exs)
	}
	all, _ := json.Marshal(exs)
	for _, secret := range []string{g.Access, g.Refresh, s.AccessToken, s.RefreshToken, "client-secret"} {
		if bytes.Contains(all, []byte(secret)) {
			t.Errorf("the audit log holds a secret %q", secret)
		}
	}
	if !bytes.Contains(exs[1].RequestBody, []byte("audited")) {
		t.Error("the create's payload is not audited")
	}
}

func TestNew(t *testing.T) {
	if _, err := x.New(x.Params{BaseURL: "ftp://x", Credentials: &memCreds{}}); err == nil {
		t.Error("an ftp base URL is accepted")
	}
	if _, err := x.New(x.Params{}); err == nil {
		t.Error("no credentials accepted")
	}
	c, err := x.New(x.Params{Credentials: &memCreds{}})
	if err != nil || c.Limits().MaxLength != 280 || c.Count("外交部") != 6 || c.Network() != social.X {
		t.Errorf("defaults: %+v, %v", c.Limits(), err)
	}
	_, err = c.WhoAmI(context.Background())
	_ = wantClass(t, err, social.AuthExpired) // not connected
}

// TestRevokedAccessToken: X refuses an access token before its expiry; the
// client refreshes once and sends the request again (a 401 was not
// processed), and the post is made once.
func TestRevokedAccessToken(t *testing.T) {
	e, g := oauth2Env(t)
	e.fake.RevokeAccessTokens()
	r, err := e.c.Publish(context.Background(), social.Post{Text: "after revocation"})
	if err != nil {
		t.Fatal(err)
	}
	if e.fake.RefreshCalls() != 1 || e.fake.Requests("POST /2/tweets") != 2 || len(e.fake.Posts()) != 1 || e.fake.Posts()[0].ID != r.ID {
		t.Errorf("refreshes %d, creates sent %d, posts %+v", e.fake.RefreshCalls(), e.fake.Requests("POST /2/tweets"), e.fake.Posts())
	}
	if s := e.creds.secret(t); s.AccessToken == g.Access {
		t.Error("the refused token is still stored")
	}
	// OAuth 1.0a has nothing to refresh: a 401 is AuthExpired at once.
	o := oauth1Env(t)
	o.fake.Fail(xfake.Unauthorized)
	_, err = o.c.Publish(context.Background(), social.Post{Text: "x"})
	_ = wantClass(t, err, social.AuthExpired)
	if o.fake.Requests("POST /2/tweets") != 1 {
		t.Error("an OAuth 1.0a 401 was retried")
	}
}

func TestSecretNeverPrinted(t *testing.T) {
	s := x.Secret{ConsumerKey: "ck-1", ConsumerSecret: "cs-1", Token: "1-tok", TokenSecret: "ts-1",
		ClientSecret: "cls-1", AccessToken: "at-1", RefreshToken: "rt-1"}
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("connect", "secret", s)
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%+v", s), fmt.Sprintf("%#v", s), fmt.Sprintf("%v", &s), logged.String()} {
		for _, secret := range []string{"cs-1", "1-tok", "ts-1", "cls-1", "at-1", "rt-1"} {
			if strings.Contains(out, secret) {
				t.Errorf("%q shows %s", out, secret)
			}
		}
	}
}

// TestPartialErrors: a 2xx answer with data and an errors array is a
// success (social-apis.md §1.1).
func TestPartialErrors(t *testing.T) {
	e := oauth1Env(t)
	e.fake.Fail(xfake.PartialErrors)
	r, err := e.c.Publish(context.Background(), social.Post{Text: "partly fine"})
	if err != nil || r.ID != e.fake.Posts()[0].ID {
		t.Fatalf("Publish = %+v, %v", r, err)
	}
}

func TestDeleteRateLimit(t *testing.T) {
	e := oauth1Env(t)
	ctx := context.Background()
	r, err := e.c.Publish(ctx, social.Post{Text: "to delete"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.c.Delete(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	rl, ok := e.c.RateLimits("DELETE /2/tweets")
	if !ok || rl.Window.Limit != 50 || rl.Window.Remaining != 49 {
		t.Errorf("delete window %+v: X allows 50 deletes per 15 minutes", rl.Window)
	}
}

// X runs the contract every connector runs, over OAuth 1.0a and over
// OAuth 2.0.
func TestContract(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  func(t *testing.T) *env
	}{{"oauth1", oauth1Env}, {"oauth2", func(t *testing.T) *env { e, _ := oauth2Env(t); return e }}} {
		t.Run(tc.name, func(t *testing.T) {
			socialtest.RunContract(t, func(t *testing.T) *socialtest.Harness {
				e := tc.env(t)
				rec := &socialtest.Recorder{}
				return &socialtest.Harness{Publisher: e.c, Recorder: rec, Index: e.fake.URL,
					Secrets: func() []string {
						s := e.creds.secret(t)
						var out []string
						for _, v := range []string{s.ConsumerSecret, s.Token, s.TokenSecret, s.AccessToken, s.RefreshToken, s.ClientSecret} {
							if v != "" {
								out = append(out, v)
							}
						}
						return out
					},
					DropNext:      func() { e.fake.Fail(xfake.CommitThenDrop) },
					SetCounts:     func(id string, l, r, c int) { e.fake.SetCounts(id, l, r, c) },
					LimitNextRead: e.fake.LimitNextRead,
					Creates:       e.fake.Creates,
					Exists: func(id string) bool {
						return slices.ContainsFunc(e.fake.Posts(), func(p xfake.Post) bool { return p.ID == id })
					}}
			})
		})
	}
}
