package bluesky_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mofa-vn/chancery/internal/outbound/outboundtest"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/social/bluesky"
	"github.com/mofa-vn/chancery/internal/social/bluesky/blueskyfake"
	"github.com/mofa-vn/chancery/internal/social/socialtest"
)

const (
	handle   = "mofa.example.bsky.social"
	password = "abcd-efgh-ijkl-mnop"
)

type env struct {
	fake  *blueskyfake.Server
	c     *bluesky.Client
	creds *socialtest.Creds
	rec   *socialtest.Recorder
	ctx   context.Context
	clock *socialtest.Clock
	// secrets seen in the credentials, to look for in the exchanges.
	mu      sync.Mutex
	secrets []string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{fake: blueskyfake.New(handle, password), rec: &socialtest.Recorder{}, clock: socialtest.NewClock(time.Date(2026, 3, 14, 8, 0, 0, 0, time.UTC))}
	t.Cleanup(e.fake.Close)
	e.fake.SetNow(e.clock.Now)
	e.creds = socialtest.NewCreds(t, bluesky.Secret{Identifier: handle, AppPassword: password})
	e.secrets = []string{password}
	e.creds.OnUpdate = func(saved []byte) {
		var s bluesky.Secret
		if err := json.Unmarshal(saved, &s); err != nil {
			t.Errorf("saved credentials: %v", err)
		}
		e.mu.Lock()
		e.secrets = append(e.secrets, s.AccessJwt, s.RefreshJwt)
		e.mu.Unlock()
		// Saved before use: no record was made with the new token yet.
		for _, r := range e.fake.Records() {
			if r.Access == s.AccessJwt {
				t.Errorf("record %s used access token before it was saved", r.RKey)
			}
		}
	}
	c, err := bluesky.New(bluesky.Config{BaseURL: e.fake.URL, Credentials: e.creds, Now: e.clock.Now, HTTP: outboundtest.Client(t, e.fake.URL)})
	if err != nil {
		t.Fatal(err)
	}
	e.c = c
	e.ctx = e.rec.Context(t.Context())
	return e
}

func (e *env) assertNoSecrets(t *testing.T) {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	e.rec.AssertNoSecrets(t, e.secrets...)
}

func TestPublishThreadImagesFacets(t *testing.T) {
	e := newEnv(t)
	text := "Bộ Ngoại giao https://mofa.gov.vn/tin. Xem thêm."
	first, err := e.c.Publish(e.ctx, social.Post{Key: "pub-1-0", Lang: "vi", Text: text,
		Media: []social.Media{{Filename: "a.png", ContentType: "image/png", Data: []byte("png-bytes"), Alt: "Lễ ký kết"}}})
	if err != nil {
		t.Fatal(err)
	}
	second, err := e.c.Publish(e.ctx, social.Post{Key: "pub-1-1", Lang: "vi", Text: "Phần 2", ReplyTo: first.ID})
	if err != nil {
		t.Fatal(err)
	}
	third, err := e.c.Publish(e.ctx, social.Post{Key: "pub-1-2", Lang: "vi", Text: "Phần 3", ReplyTo: second.ID})
	if err != nil {
		t.Fatal(err)
	}
	byURI := map[string]map[string]any{}
	cids := map[string]string{}
	for _, r := range e.fake.Records() {
		var v map[string]any
		if err := json.Unmarshal(r.Value, &v); err != nil {
			t.Fatalf("record %s: %v", r.URI, err)
		}
		byURI[r.URI] = v
		cids[r.URI] = r.CID
	}
	if len(byURI) != 3 {
		t.Fatalf("%d records, want 3", len(byURI))
	}
	root := byURI[first.ID]
	if !strings.HasSuffix(first.ID, "/"+bluesky.RecordKey("pub-1-0")) || !strings.Contains(first.URL, "/post/"+bluesky.RecordKey("pub-1-0")) {
		t.Errorf("first result %+v", first)
	}
	facets, _ := json.Marshal(root["facets"])
	if want := `[{"features":[{"$type":"app.bsky.richtext.facet#link","uri":"https://mofa.gov.vn/tin"}],"index":{"byteEnd":41,"byteStart":18}}]`; string(facets) != want {
		t.Errorf("facets %s, want %s", facets, want)
	}
	embed, _ := json.Marshal(root["embed"])
	if !strings.Contains(string(embed), `"alt":"Lễ ký kết"`) || !strings.Contains(string(embed), "app.bsky.embed.images") {
		t.Errorf("embed %s", embed)
	}
	reply := func(uri string) (rootURI, parentURI, parentCID string) {
		r := byURI[uri]["reply"].(map[string]any)
		return r["root"].(map[string]any)["uri"].(string), r["parent"].(map[string]any)["uri"].(string), r["parent"].(map[string]any)["cid"].(string)
	}
	if r, p, cid := reply(second.ID); r != first.ID || p != first.ID || cid != cids[first.ID] {
		t.Errorf("second's reply refs %s %s %s", r, p, cid)
	}
	if r, p, _ := reply(third.ID); r != first.ID || p != second.ID {
		t.Errorf("third's reply refs: root %s parent %s; want root %s parent %s", r, p, first.ID, second.ID)
	}
	e.assertNoSecrets(t)
}

func TestRotatedTokensSavedBeforeUse(t *testing.T) {
	e := newEnv(t)
	if _, err := e.c.Publish(e.ctx, social.Post{Key: "a", Text: "one"}); err != nil {
		t.Fatal(err)
	}
	if _, refreshes, sessions := e.fake.Counts(); refreshes != 0 || sessions != 1 {
		t.Fatalf("first publish: %d refreshes, %d sessions; want 0, 1", refreshes, sessions)
	}
	e.fake.ExpireAccess()
	// Two publishes race on the expired token: one refresh only, as the
	// refresh token is single-use.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Go(func() {
			_, errs[i] = e.c.Publish(e.ctx, social.Post{Key: "b" + string(rune('0'+i)), Text: "two"})
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	creates, refreshes, sessions := e.fake.Counts()
	if creates != 3 || refreshes != 1 || sessions != 1 {
		t.Errorf("creates %d, refreshes %d, sessions %d; want 3, 1, 1", creates, refreshes, sessions)
	}
	var saved bluesky.Secret
	e.creds.Decode(t, &saved)
	if !e.fake.ValidAccess(saved.AccessJwt) || saved.AppPassword != password || saved.DID != e.fake.DID {
		t.Errorf("saved credentials %+v are not the live session", saved)
	}
	for _, r := range e.fake.Records() {
		if r.Text == "two" && r.Access != saved.AccessJwt {
			t.Errorf("record %s made with %q, not the saved token", r.RKey, r.Access)
		}
	}
	e.assertNoSecrets(t)
}

func TestRevokedRefreshFallsBackToAppPassword(t *testing.T) {
	e := newEnv(t)
	var s bluesky.Secret
	if _, err := e.c.WhoAmI(e.ctx); err != nil {
		t.Fatal(err)
	}
	e.creds.Decode(t, &s)
	// Spend the stored refresh token behind the client's back: the PDS
	// revokes the family, and the client signs in again with the password.
	err := e.creds.Update(t.Context(), func(cur []byte) ([]byte, error) {
		var x bluesky.Secret
		if err := json.Unmarshal(cur, &x); err != nil {
			return nil, err
		}
		x.RefreshJwt = "refresh.unknown"
		x.AccessJwt = "access.unknown-expired"
		return json.Marshal(x)
	})
	if err != nil {
		t.Fatal(err)
	}
	a, err := e.c.WhoAmI(e.ctx)
	if err != nil || a.ID != e.fake.DID || a.Handle != "@"+handle {
		t.Fatalf("WhoAmI = %+v, %v", a, err)
	}
	if _, _, sessions := e.fake.Counts(); sessions != 2 {
		t.Errorf("%d sessions, want 2", sessions)
	}
	e.assertNoSecrets(t)
}

func TestErrorClasses(t *testing.T) {
	e := newEnv(t)
	n := 0
	post := func(ctx context.Context) error {
		n++
		_, err := e.c.Publish(ctx, social.Post{Key: "k" + string(rune('a'+n)), Text: "x"})
		return err
	}
	fault := func(f blueskyfake.Fault) func(*testing.T) { return func(*testing.T) { e.fake.Fail(f) } }
	if _, err := e.c.Publish(e.ctx, social.Post{Key: "dup", Text: "first"}); err != nil {
		t.Fatal(err)
	}
	cases := []socialtest.Case{
		{Name: "429 until ratelimit-reset", Arrange: fault(blueskyfake.RateLimited), Act: post, Want: social.RateLimited,
			Check: func(t *testing.T, err *social.Error) {
				if want := e.clock.Now().Add(time.Minute); !err.Until.Equal(want) {
					t.Errorf("until %v, want %v", err.Until, want)
				}
			}},
		{Name: "503", Arrange: fault(blueskyfake.Unavailable), Act: post, Want: social.Transient},
		{Name: "500 after write", Arrange: fault(blueskyfake.ServerError), Act: post, Want: social.Unknown},
		{Name: "HTML instead of JSON", Arrange: fault(blueskyfake.Garbage), Act: post, Want: social.Unknown},
		{Name: "dropped", Arrange: fault(blueskyfake.Drop), Act: post, Want: social.Unknown},
		{Name: "invalid record", Arrange: fault(blueskyfake.Invalid), Act: post, Want: social.Rejected},
		{Name: "account taken down", Arrange: fault(blueskyfake.Takedown), Act: post, Want: social.Rejected},
		{Name: "301 graphemes refused before sending", Act: func(ctx context.Context) error {
			_, err := e.c.Publish(ctx, social.Post{Key: "long", Text: strings.Repeat("🇻🇳", 301)})
			return err
		}, Want: social.Rejected},
		{Name: "image without bytes limit", Act: func(ctx context.Context) error {
			_, err := e.c.Publish(ctx, social.Post{Key: "big", Text: "x", Media: []social.Media{{Data: make([]byte, 2_000_001)}}})
			return err
		}, Want: social.Rejected},
		{Name: "same record key", Act: func(ctx context.Context) error {
			_, err := e.c.Publish(ctx, social.Post{Key: "dup", Text: "first"})
			return err
		}, Want: social.Duplicate, Check: func(t *testing.T, err *social.Error) {
			if !strings.HasSuffix(err.ExistingID, "/"+bluesky.RecordKey("dup")) {
				t.Errorf("existing %q", err.ExistingID)
			}
		}},
		{Name: "app password revoked", Arrange: func(*testing.T) { e.fake.RevokeAll() }, Act: post, Want: social.AuthExpired},
	}
	socialtest.RunCases(t, e.ctx, cases)
	socialtest.AssertCovers(t, cases)
	e.assertNoSecrets(t)
}

func TestDroppedPublishIsReconciled(t *testing.T) {
	e := newEnv(t)
	p := social.Post{Key: "pub-9-0", Text: "Statement"}
	e.fake.Fail(blueskyfake.Drop)
	_, err := e.c.Publish(e.ctx, p)
	socialtest.WantClass(t, err, social.Unknown)
	if creates, _, _ := e.fake.Counts(); creates != 1 {
		t.Fatalf("%d creates after the drop, want 1 (no blind retry)", creates)
	}
	rs, err := e.c.Reconcile(e.ctx, p, e.clock.Now())
	if err != nil || len(rs) != 1 || rs[0].ID != e.fake.Records()[0].URI || !rs[0].Created.Equal(e.clock.Now()) {
		t.Fatalf("Reconcile = %+v, %v", rs, err)
	}
	if rs, err := e.c.Reconcile(e.ctx, social.Post{Key: "never", Text: "Statement"}, time.Time{}); err != nil || len(rs) != 0 {
		t.Errorf("Reconcile of an unsent post = %+v, %v", rs, err)
	}
	if creates, _, _ := e.fake.Counts(); creates != 1 {
		t.Errorf("%d creates after reconciling, want 1", creates)
	}
	e.assertNoSecrets(t)
}

func TestDeleteRecent(t *testing.T) {
	e := newEnv(t)
	a, err := e.c.Publish(e.ctx, social.Post{Key: "a", Text: "older"})
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Add(time.Hour)
	b, err := e.c.Publish(e.ctx, social.Post{Key: "b", Text: "newer"})
	if err != nil {
		t.Fatal(err)
	}
	recent, err := e.c.Recent(e.ctx, e.clock.Now().Add(-time.Minute), 10)
	if err != nil || len(recent) != 1 || recent[0].ID != b.ID || recent[0].Text != "newer" {
		t.Fatalf("Recent = %+v, %v", recent, err)
	}
	if all, _ := e.c.Recent(e.ctx, time.Time{}, 10); len(all) != 2 || all[1].ID != a.ID {
		t.Errorf("Recent(all) = %+v", all)
	}
	for range 2 { // the second delete finds nothing, and is no error
		if err := e.c.Delete(e.ctx, a.ID); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(e.fake.Records()); n != 1 {
		t.Errorf("%d records left, want 1", n)
	}
	socialtest.WantClass(t, e.c.Delete(e.ctx, "https://bsky.app/x"), social.Rejected)
	e.assertNoSecrets(t)
}

func TestLinkFacetsByteOffsets(t *testing.T) {
	// The reference vector: "Việt" starts at code point 14 but byte 18.
	text := "Bộ Ngoại giao Việt Nam hoan nghênh thỏa thuận."
	if i := strings.Index(text, "Việt"); i != 18 || i+len("Việt") != 24 {
		t.Fatalf("vector: Việt at bytes [%d, %d)", i, i+len("Việt"))
	}
	tests := []struct {
		text string
		want []string
	}{
		{"Bộ Ngoại giao https://mofa.gov.vn/a.", []string{"https://mofa.gov.vn/a"}},
		{"(xem https://vi.wikipedia.org/wiki/Hà_Nội_(định_hướng)) và http://a.vn,", []string{"https://vi.wikipedia.org/wiki/Hà_Nội_(định_hướng)", "http://a.vn"}},
		{"no links, https://localhost only", nil},
	}
	for _, tt := range tests {
		var got []string
		for _, f := range bluesky.LinkFacets(tt.text) {
			got = append(got, tt.text[f.Index.ByteStart:f.Index.ByteEnd])
		}
		if strings.Join(got, " ") != strings.Join(tt.want, " ") {
			t.Errorf("LinkFacets(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestRecordKey(t *testing.T) {
	a, b := bluesky.RecordKey("pub-1-0"), bluesky.RecordKey("pub-1-1")
	if !bluesky.ValidTID(a) || !bluesky.ValidTID(b) || a == b || a != bluesky.RecordKey("pub-1-0") {
		t.Errorf("RecordKey: %q %q", a, b)
	}
}

func TestCountGraphemes(t *testing.T) {
	c, _ := bluesky.New(bluesky.Config{BaseURL: "https://bsky.social", Credentials: &socialtest.Creds{}})
	for text, want := range map[string]int{"Bộ Ngoại giao": 13, "🇻🇳👨‍👩‍👧1️⃣👍🏽": 4, "Vie\u0302\u0323t": 4, "외교부": 3} {
		if got := c.Count(text); got != want {
			t.Errorf("Count(%q) = %d, want %d", text, got, want)
		}
	}
}

func FuzzLinkFacets(f *testing.F) {
	f.Add("Bộ Ngoại giao https://mofa.gov.vn/tin. (http://a.vn/x_(y))")
	f.Add("https://\xff.vn")
	f.Fuzz(func(t *testing.T, text string) {
		last := 0
		for _, fc := range bluesky.LinkFacets(text) {
			a, b := fc.Index.ByteStart, fc.Index.ByteEnd
			if a < last || b <= a || b > len(text) {
				t.Fatalf("facet [%d,%d) out of order or range in %q", a, b, text)
			}
			if utf8.ValidString(text) && !utf8.ValidString(text[a:b]) {
				t.Fatalf("facet [%d,%d) splits a character of %q", a, b, text)
			}
			if fc.Features[0]["uri"] != text[a:b] {
				t.Fatalf("facet uri %v != %q", fc.Features[0]["uri"], text[a:b])
			}
			last = b
		}
	})
}

func FuzzParseError(f *testing.F) {
	f.Add([]byte(`{"error":"ExpiredToken","message":"Token has expired"}`))
	f.Add([]byte(`<html>`))
	f.Fuzz(func(t *testing.T, b []byte) { bluesky.ParseError(b) })
}

func FuzzParseRateReset(f *testing.F) {
	f.Add("1710403500")
	f.Add("-1")
	f.Fuzz(func(t *testing.T, s string) {
		if got, ok := bluesky.ParseRateReset(s); ok && got.Year() < 1970 {
			t.Errorf("ParseRateReset(%q) = %v", s, got)
		}
	})
}

func FuzzSplitURI(f *testing.F) {
	f.Add("at://did:plc:abc/app.bsky.feed.post/3kabc")
	f.Fuzz(func(t *testing.T, s string) {
		if repo, rkey, ok := bluesky.SplitURI(s); ok && (repo == "" || rkey == "") {
			t.Errorf("SplitURI(%q) = %q %q", s, repo, rkey)
		}
	})
}

func TestContract(t *testing.T) {
	socialtest.RunContract(t, func(t *testing.T) *socialtest.Harness {
		e := newEnv(t)
		return &socialtest.Harness{Publisher: e.c, Recorder: e.rec, Index: e.fake.URL,
			SetCounts:     func(id string, l, r, c int) { e.fake.SetCounts(id, l, r, c) },
			LimitNextRead: e.fake.LimitNextRead,
			Secrets:       func() []string { e.mu.Lock(); defer e.mu.Unlock(); return slices.Clone(e.secrets) },
			DropNext:      func() { e.fake.Fail(blueskyfake.Drop) },
			Creates:       func() int { c, _, _ := e.fake.Counts(); return c },
			Exists: func(id string) bool {
				return slices.ContainsFunc(e.fake.Records(), func(r blueskyfake.Record) bool { return r.URI == id })
			}}
	})
}

func TestSecretValidate(t *testing.T) {
	for _, tt := range []struct {
		id, pw string
		ok     bool
	}{
		{handle, password, true},
		{"@" + handle, password, true},
		{"did:plc:z72i7hdynmk6r22z27h6tvur", password, true},
		{handle, "my-real-Password!", false},
		{handle, " abcd-efgh-ijkl-mnop", false},
		{"mofa vn", password, false},
	} {
		if err := (bluesky.Secret{Identifier: tt.id, AppPassword: tt.pw}).Validate(); (err == nil) != tt.ok {
			t.Errorf("Validate(%q, %q) = %v", tt.id, tt.pw, err)
		}
	}
}
