package mastodon_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/social/mastodon"
	"github.com/mofa-vn/chancery/internal/social/mastodon/mastodonfake"
	"github.com/mofa-vn/chancery/internal/social/socialtest"
)

const token = "mastodon-secret-token-123"

type env struct {
	fake  *mastodonfake.Server
	c     *mastodon.Client
	creds *socialtest.Creds
	rec   *socialtest.Recorder
	ctx   context.Context
	clock *socialtest.Clock
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{fake: mastodonfake.New(token), rec: &socialtest.Recorder{}, clock: socialtest.NewClock(time.Date(2026, 3, 14, 8, 0, 0, 0, time.UTC))}
	t.Cleanup(e.fake.Close)
	e.fake.SetNow(e.clock.Now)
	e.creds = socialtest.NewCreds(t, mastodon.Secret{AccessToken: token})
	// Keep-alives off: Go's transport itself replays a request carrying an
	// Idempotency-Key on a reused connection that drops, which would hide
	// the Unknown outcome these tests look at.
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	c, err := mastodon.New(mastodon.Config{BaseURL: e.fake.URL, Credentials: e.creds, HTTP: hc,
		Now: e.clock.Now, MediaPoll: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	e.c = c
	e.ctx = e.rec.Context(t.Context())
	return e
}

func TestPublishThreadWithMedia(t *testing.T) {
	e := newEnv(t)
	e.fake.SetMediaProcessing(2)
	first, err := e.c.Publish(e.ctx, social.Post{Key: "pub-1-0", Lang: "vi", Text: "Bộ Ngoại giao hoan nghênh thỏa thuận.",
		Media: []social.Media{{Filename: "a.png", ContentType: "image/png", Data: []byte("\x89PNG fake"), Alt: "Toàn cảnh buổi ký"}}})
	if err != nil {
		t.Fatal(err)
	}
	second, err := e.c.Publish(e.ctx, social.Post{Key: "pub-1-1", Lang: "vi", Text: "Phần 2", ReplyTo: first.ID})
	if err != nil {
		t.Fatal(err)
	}
	sts := e.fake.Statuses()
	if len(sts) != 2 {
		t.Fatalf("fake holds %d statuses, want 2", len(sts))
	}
	if sts[0].ID != first.ID || sts[0].Language != "vi" || len(sts[0].MediaIDs) != 1 || !strings.HasSuffix(first.URL, "/"+first.ID) {
		t.Errorf("first status %+v, result %+v", sts[0], first)
	}
	m, _ := e.fake.Media(sts[0].MediaIDs[0])
	if m.Description != "Toàn cảnh buổi ký" {
		t.Errorf("alt text %q", m.Description)
	}
	if got := e.fake.MediaPolls(); got != 3 {
		t.Errorf("media polled %d times, want 3 (two 206, then 200)", got)
	}
	if sts[1].InReplyTo != first.ID || sts[1].ID != second.ID {
		t.Errorf("reply %+v", sts[1])
	}
	if sts[0].Key != mastodon.IdempotencyKey("pub-1-0") || sts[0].Key == sts[1].Key {
		t.Errorf("idempotency keys %q %q", sts[0].Key, sts[1].Key)
	}
	e.rec.AssertNoSecrets(t, token)
}

func TestSameKeyPublishesOnce(t *testing.T) {
	e := newEnv(t)
	p := social.Post{Key: "pub-2-0", Text: "Statement"}
	a, err := e.c.Publish(e.ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.c.Publish(e.ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != b.ID || len(e.fake.Statuses()) != 1 {
		t.Errorf("two publishes of one key gave %q and %q, %d statuses", a.ID, b.ID, len(e.fake.Statuses()))
	}
	// After the hour Mastodon keeps keys, the same key creates again: the
	// scheduler must reconcile within the hour.
	e.clock.Add(61 * time.Minute)
	if c, err := e.c.Publish(e.ctx, p); err != nil || c.ID == a.ID {
		t.Errorf("after an hour: %v, %v", c, err)
	}
}

func TestErrorClasses(t *testing.T) {
	e := newEnv(t)
	post := func(ctx context.Context) error {
		_, err := e.c.Publish(ctx, social.Post{Key: "k-" + time.Now().String(), Text: "x"})
		return err
	}
	fault := func(f mastodonfake.Fault) func(*testing.T) { return func(*testing.T) { e.fake.Fail(f) } }
	cases := []socialtest.Case{
		{Name: "429 until ISO-8601 reset", Arrange: fault(mastodonfake.RateLimited), Act: post, Want: social.RateLimited,
			Check: func(t *testing.T, err *social.Error) {
				if want := e.clock.Now().Add(time.Minute); !err.Until.Equal(want) {
					t.Errorf("until %v, want %v", err.Until, want)
				}
			}},
		{Name: "401", Arrange: fault(mastodonfake.Unauthorized), Act: post, Want: social.AuthExpired},
		{Name: "422 too long", Arrange: fault(mastodonfake.Unprocessable), Act: post, Want: social.Rejected,
			Check: func(t *testing.T, err *social.Error) {
				if !strings.Contains(err.Reason, "character limit") {
					t.Errorf("reason %q", err.Reason)
				}
			}},
		{Name: "too long refused before sending", Act: func(ctx context.Context) error {
			_, err := e.c.Publish(ctx, social.Post{Key: "long", Text: strings.Repeat("ệ", 501)})
			return err
		}, Want: social.Rejected},
		{Name: "503", Arrange: fault(mastodonfake.Unavailable), Act: post, Want: social.Transient},
		{Name: "500 after create", Arrange: fault(mastodonfake.ServerError), Act: post, Want: social.Unknown},
		{Name: "HTML instead of JSON", Arrange: fault(mastodonfake.Garbage), Act: post, Want: social.Unknown},
		{Name: "connection dropped", Arrange: fault(mastodonfake.Drop), Act: post, Want: social.Unknown},
		{Name: "revoked token", Arrange: func(*testing.T) { e.fake.SetToken("other") }, Act: func(ctx context.Context) error {
			_, err := e.c.WhoAmI(ctx)
			return err
		}, Want: social.AuthExpired},
	}
	socialtest.RunCases(t, e.ctx, cases)
	// Mastodon has no duplicate error: the Idempotency-Key answers a
	// repeated create with the original status (TestSameKeyPublishesOnce).
	socialtest.AssertCovers(t, cases, social.Duplicate)
	e.rec.AssertNoSecrets(t, token)
}

func TestDroppedPublishIsReconciledByKey(t *testing.T) {
	e := newEnv(t)
	p := social.Post{Key: "pub-3-0", Text: "Statement on the summit"}
	e.fake.Fail(mastodonfake.Drop)
	_, err := e.c.Publish(e.ctx, p)
	socialtest.WantClass(t, err, social.Unknown)
	if posts, creates := e.fake.Posts(); posts != 1 || creates != 1 {
		t.Fatalf("after the drop: %d posts, %d creates; want 1, 1 (no blind retry)", posts, creates)
	}
	rs, err := e.c.Reconcile(e.ctx, p, time.Time{})
	if err != nil || len(rs) != 1 {
		t.Fatalf("Reconcile: %+v, %v", rs, err)
	}
	sts := e.fake.Statuses()
	if len(sts) != 1 || sts[0].ID != rs[0].ID {
		t.Errorf("reconcile gave %q; fake holds %+v", rs[0].ID, sts)
	}
	e.rec.AssertNoSecrets(t, token)
}

func TestDeleteWhoAmIRecent(t *testing.T) {
	e := newEnv(t)
	r, err := e.c.Publish(e.ctx, social.Post{Key: "a", Text: "One & <two>\nthree"})
	if err != nil {
		t.Fatal(err)
	}
	recent, err := e.c.Recent(e.ctx, e.clock.Now().Add(-time.Minute), 10)
	if err != nil || len(recent) != 1 || recent[0].ID != r.ID || recent[0].Text != "One & <two>\nthree" {
		t.Fatalf("Recent = %+v, %v", recent, err)
	}
	if old, err := e.c.Recent(e.ctx, e.clock.Now().Add(time.Minute), 10); err != nil || len(old) != 0 {
		t.Errorf("Recent after since = %+v, %v", old, err)
	}
	if err := e.c.Delete(e.ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.c.Delete(e.ctx, r.ID); err != nil {
		t.Errorf("deleting a deleted status: %v", err)
	}
	if n := len(e.fake.Statuses()); n != 0 {
		t.Errorf("%d statuses left", n)
	}
	a, err := e.c.WhoAmI(e.ctx)
	if err != nil || a.ID != "1" || a.Handle != "@ministry" {
		t.Errorf("WhoAmI = %+v, %v", a, err)
	}
	e.rec.AssertNoSecrets(t, token)
}

func TestCount(t *testing.T) {
	c, err := mastodon.New(mastodon.Config{BaseURL: "https://mastodon.example", Credentials: &socialtest.Creds{}})
	if err != nil {
		t.Fatal(err)
	}
	for text, want := range map[string]int{
		"Bộ Ngoại giao":                                      13,
		"🇻🇳 👨‍👩‍👧":                                           3,
		"see https://www.example.gov.vn/very/long/path.html": 27,
		"Vie\u0302\u0323t":                                   4,
	} {
		if got := c.Count(text); got != want {
			t.Errorf("Count(%q) = %d, want %d", text, got, want)
		}
	}
}

func TestParseReset(t *testing.T) {
	got, ok := mastodon.ParseReset("2026-03-14T08:05:00.123Z")
	if !ok || !got.Equal(time.Date(2026, 3, 14, 8, 5, 0, 123e6, time.UTC)) {
		t.Errorf("ParseReset = %v, %v", got, ok)
	}
	if _, ok := mastodon.ParseReset("1710403500"); ok {
		t.Error("epoch seconds accepted as ISO-8601")
	}
}

func FuzzParseReset(f *testing.F) {
	f.Add("2026-03-14T08:05:00.123Z")
	f.Add("2026-03-14T08:05:00+07:00")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		if got, ok := mastodon.ParseReset(s); ok && got.Location() != time.UTC {
			t.Errorf("ParseReset(%q) not UTC", s)
		}
	})
}

func FuzzParseError(f *testing.F) {
	f.Add([]byte(`{"error":"Validation failed"}`))
	f.Add([]byte(`<html>`))
	f.Fuzz(func(t *testing.T, b []byte) { mastodon.ParseError(b) })
}

func FuzzPlainText(f *testing.F) {
	f.Add("<p>One &amp; two<br />three</p><p>four</p>")
	f.Fuzz(func(t *testing.T, s string) { mastodon.PlainText(s) })
}

func TestContract(t *testing.T) {
	socialtest.RunContract(t, func(t *testing.T) *socialtest.Harness {
		e := newEnv(t)
		return &socialtest.Harness{Publisher: e.c, Recorder: e.rec, Index: e.fake.URL, Secrets: func() []string { return []string{token} },
			DropNext:      func() { e.fake.Fail(mastodonfake.Drop) },
			SetCounts:     func(id string, l, r, c int) { e.fake.SetCounts(id, l, r, c) },
			LimitNextRead: e.fake.LimitNextRead,
			Creates:       func() int { _, c := e.fake.Posts(); return c },
			Exists: func(id string) bool {
				return slices.ContainsFunc(e.fake.Statuses(), func(s mastodonfake.Status) bool { return s.ID == id })
			}}
	})
}

func TestSecretValidate(t *testing.T) {
	for _, tt := range []struct {
		tok string
		ok  bool
	}{
		{"ZA-Yj3aBD8U8Cm7lKUp-lm9O9BmDgdhHzDeqsY8tlL0", true},
		{" ZA-Yj3aBD8U8Cm7lKUp-lm9O9BmDgdhHzDeqsY8tlL0", false},
		{"ZA-Yj3aBD8U8Cm7 lKUp-lm9O9BmDgdhHzDeqsY8tlL0", false},
		{"Bearer ZA-Yj3aBD8U8Cm7lKUp", false},
		{"", false},
	} {
		if err := (mastodon.Secret{AccessToken: tt.tok}).Validate(); (err == nil) != tt.ok {
			t.Errorf("Validate(%q) = %v", tt.tok, err)
		}
	}
}

func TestFailuresBeforeOrAfterTheCreate(t *testing.T) {
	e := newEnv(t)
	media := []social.Media{{Data: []byte("png"), Alt: "alt"}}
	// A dropped upload happens before the create: nothing was posted.
	e.fake.FailUpload(mastodonfake.Drop)
	_, err := e.c.Publish(e.ctx, social.Post{Key: "a", Text: "x", Media: media})
	socialtest.WantClass(t, err, social.Transient)
	e.fake.FailUpload(mastodonfake.Unavailable)
	_, err = e.c.Publish(e.ctx, social.Post{Key: "a", Text: "x", Media: media})
	socialtest.WantClass(t, err, social.Transient)
	if posts, _ := e.fake.Posts(); posts != 0 {
		t.Errorf("%d creates sent after failed uploads", posts)
	}
	// A huge answer to the create: the status may exist.
	e.fake.Fail(mastodonfake.Huge)
	_, err = e.c.Publish(e.ctx, social.Post{Key: "b", Text: "x"})
	socialtest.WantClass(t, err, social.Unknown)
	e.rec.AssertNoSecrets(t, token)
}
