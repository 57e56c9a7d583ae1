package telegram_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/outbound/outboundtest"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/social/socialtest"
	"github.com/mofa-vn/chancery/internal/social/telegram"
	"github.com/mofa-vn/chancery/internal/social/telegram/telegramfake"
)

const botToken = "7000000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_x"

type env struct {
	fake  *telegramfake.Server
	c     *telegram.Client
	rec   *socialtest.Recorder
	ctx   context.Context
	clock *socialtest.Clock
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{fake: telegramfake.New(botToken), rec: &socialtest.Recorder{}, clock: socialtest.NewClock(time.Date(2026, 3, 14, 8, 0, 0, 0, time.UTC))}
	t.Cleanup(e.fake.Close)
	e.fake.SetNow(e.clock.Now)
	creds := socialtest.NewCreds(t, telegram.Secret{BotToken: botToken, ChatID: "@mofa_vn"})
	c, err := telegram.New(telegram.Config{BaseURL: e.fake.URL, Credentials: creds, Now: e.clock.Now, HTTP: outboundtest.Client(t, e.fake.URL)})
	if err != nil {
		t.Fatal(err)
	}
	e.c = c
	e.ctx = e.rec.Context(t.Context())
	return e
}

func TestPublishEscapedThreadAndPhotos(t *testing.T) {
	e := newEnv(t)
	text := "Tuyên bố: 1 < 2 & <b>không</b> phải thẻ > đâu"
	first, err := e.c.Publish(e.ctx, social.Post{Key: "a", Text: text})
	if err != nil {
		t.Fatal(err)
	}
	if first.URL != "https://t.me/mofa_vn/"+first.ID || !first.Created.Equal(e.clock.Now()) {
		t.Errorf("result %+v", first)
	}
	photo, err := e.c.Publish(e.ctx, social.Post{Key: "b", Text: "Ảnh", ReplyTo: first.ID,
		Media: []social.Media{{Filename: "a.jpg", Data: []byte("jpeg"), Alt: "alt"}}})
	if err != nil {
		t.Fatal(err)
	}
	group, err := e.c.Publish(e.ctx, social.Post{Key: "c", Text: "Album <3",
		Media: []social.Media{{Data: []byte("1")}, {Data: []byte("2")}, {Data: []byte("3")}}})
	if err != nil {
		t.Fatal(err)
	}
	msgs := e.fake.Messages()
	if len(msgs) != 5 {
		t.Fatalf("%d messages, want 5", len(msgs))
	}
	if msgs[0].Text != text {
		t.Errorf("text arrived as %q, want %q", msgs[0].Text, text)
	}
	if msgs[1].Photos != 1 || strconv.FormatInt(msgs[1].ReplyTo, 10) != first.ID || msgs[1].Text != "Ảnh" {
		t.Errorf("photo %+v (result %+v)", msgs[1], photo)
	}
	if ids := strings.Split(group.ID, ","); len(ids) != 3 || msgs[2].Text != "Album <3" || msgs[4].Group != msgs[2].Group {
		t.Errorf("group %q, messages %+v", group.ID, msgs[2:])
	}
	if err := e.c.Delete(e.ctx, group.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.c.Delete(e.ctx, group.ID); err != nil {
		t.Errorf("deleting again: %v", err)
	}
	if n := len(e.fake.Messages()); n != 2 {
		t.Errorf("%d messages after deleting the album, want 2", n)
	}
	e.rec.AssertNoSecrets(t, botToken)
}

func TestDeleteRefusedAfter48Hours(t *testing.T) {
	e := newEnv(t)
	r, err := e.c.Publish(e.ctx, social.Post{Key: "a", Text: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.c.Limits().DeleteWindow; got != 48*time.Hour {
		t.Errorf("DeleteWindow %v", got)
	}
	e.clock.Add(48 * time.Hour)
	err = e.c.Delete(e.ctx, r.ID)
	se := socialtest.WantClass(t, err, social.Rejected)
	if !strings.Contains(se.Reason, "48 hours") || !strings.Contains(se.Reason, "by hand") {
		t.Errorf("reason %q does not say it plainly", se.Reason)
	}
	if len(e.fake.Messages()) != 1 {
		t.Error("the message is gone")
	}
	e.rec.AssertNoSecrets(t, botToken)
}

func TestErrorClasses(t *testing.T) {
	e := newEnv(t)
	post := func(ctx context.Context) error {
		_, err := e.c.Publish(ctx, social.Post{Key: "k", Text: "x"})
		return err
	}
	fault := func(f telegramfake.Fault) func(*testing.T) { return func(*testing.T) { e.fake.Fail(f) } }
	cases := []socialtest.Case{
		{Name: "429 retry_after", Arrange: fault(telegramfake.RateLimited), Act: post, Want: social.RateLimited,
			Check: func(t *testing.T, err *social.Error) {
				if want := e.clock.Now().Add(35 * time.Second); !err.Until.Equal(want) {
					t.Errorf("until %v, want %v", err.Until, want)
				}
			}},
		{Name: "403 not admin", Arrange: fault(telegramfake.NotAdmin), Act: post, Want: social.AuthExpired},
		{Name: "401 token revoked", Arrange: fault(telegramfake.Unauthorized), Act: post, Want: social.AuthExpired},
		{Name: "chat not found", Arrange: fault(telegramfake.ChatNotFound), Act: post, Want: social.Rejected},
		{Name: "too long", Act: func(ctx context.Context) error {
			_, err := e.c.Publish(ctx, social.Post{Key: "k", Text: strings.Repeat("🇻🇳", 1025)})
			return err
		}, Want: social.Rejected},
		{Name: "caption too long", Act: func(ctx context.Context) error {
			_, err := e.c.Publish(ctx, social.Post{Key: "k", Text: strings.Repeat("a", 1025), Media: []social.Media{{Data: []byte("x")}}})
			return err
		}, Want: social.Rejected},
		{Name: "502", Arrange: fault(telegramfake.BadGateway), Act: post, Want: social.Transient},
		{Name: "500 while sending", Arrange: fault(telegramfake.ServerError), Act: post, Want: social.Unknown},
		{Name: "HTML instead of JSON", Arrange: fault(telegramfake.Garbage), Act: post, Want: social.Unknown},
		{Name: "dropped", Arrange: fault(telegramfake.Drop), Act: post, Want: social.Unknown},
		{Name: "whoami when not admin", Arrange: func(*testing.T) { e.fake.SetAdmin(false) }, Act: func(ctx context.Context) error {
			_, err := e.c.WhoAmI(ctx)
			return err
		}, Want: social.AuthExpired},
	}
	socialtest.RunCases(t, e.ctx, cases)
	// Telegram has no duplicate detection at all (reference §8).
	socialtest.AssertCovers(t, cases, social.Duplicate)
	e.rec.AssertNoSecrets(t, botToken)
}

func TestChannelRateLimit(t *testing.T) {
	e := newEnv(t)
	for i := range 20 {
		e.clock.Add(time.Second)
		if _, err := e.c.Publish(e.ctx, social.Post{Key: "k", Text: "x"}); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	_, err := e.c.Publish(e.ctx, social.Post{Key: "k", Text: "x"})
	se := socialtest.WantClass(t, err, social.RateLimited)
	// The first message left the window at start+1s+60s.
	if want := time.Date(2026, 3, 14, 8, 1, 1, 0, time.UTC); !se.Until.Equal(want) {
		t.Errorf("until %v, want %v", se.Until, want)
	}
	e.clock.Set(se.Until)
	if _, err := e.c.Publish(e.ctx, social.Post{Key: "k", Text: "x"}); err != nil {
		t.Errorf("after the wait: %v", err)
	}
}

func TestUnknownOutcomeNeedsAPerson(t *testing.T) {
	e := newEnv(t)
	p := social.Post{Key: "a", Text: "x"}
	e.fake.Fail(telegramfake.Drop)
	_, err := e.c.Publish(e.ctx, p)
	socialtest.WantClass(t, err, social.Unknown)
	if strings.Contains(err.Error(), botToken) {
		t.Errorf("the error quotes the bot token: %v", err)
	}
	if req, posted := e.fake.Sends(); req != 1 || posted != 1 {
		t.Fatalf("%d requests, %d posted; want 1, 1", req, posted)
	}
	rs, err := e.c.Reconcile(e.ctx, p, time.Time{})
	if se := socialtest.WantClass(t, err, social.Unknown); len(rs) != 0 || !strings.Contains(se.Reason, "a person must check") {
		t.Errorf("Reconcile: %+v, %v", rs, se)
	}
	if req, _ := e.fake.Sends(); req != 1 {
		t.Errorf("reconciling sent %d requests", req-1)
	}
	_, err = e.c.Recent(e.ctx, time.Time{}, 10)
	socialtest.WantClass(t, err, social.Rejected)
	e.rec.AssertNoSecrets(t, botToken)
}

func TestWhoAmI(t *testing.T) {
	e := newEnv(t)
	a, err := e.c.WhoAmI(e.ctx)
	if err != nil || a.ID != "-1001234567890" || a.Handle != "@mofa_vn" || a.Name != "Bộ Ngoại giao" {
		t.Fatalf("WhoAmI = %+v, %v", a, err)
	}
	e.rec.AssertNoSecrets(t, botToken)
}

func TestValidToken(t *testing.T) {
	for tok, want := range map[string]bool{
		botToken:             true,
		" " + botToken:       false,
		"7000000001 : AAHdq": false,
		"Bearer abc":         false,
	} {
		if telegram.ValidToken(tok) != want {
			t.Errorf("ValidToken(%q) = %v", tok, !want)
		}
	}
}

func TestEscapeHTMLRoundTrip(t *testing.T) {
	for _, s := range []string{"a < b && c > d", "<b>&amp;</b>", "Việt Nam"} {
		got, err := telegramfake.ParseHTML(telegram.EscapeHTML(s))
		if err != nil || got != s {
			t.Errorf("ParseHTML(EscapeHTML(%q)) = %q, %v", s, got, err)
		}
	}
	if _, err := telegramfake.ParseHTML("1 < 2"); err == nil {
		t.Error("the fake accepts a bare <")
	}
}

func FuzzEscapeHTML(f *testing.F) {
	f.Add("a < b && c > d <b>")
	f.Fuzz(func(t *testing.T, s string) {
		got, err := telegramfake.ParseHTML(telegram.EscapeHTML(s))
		if err != nil || got != s {
			t.Errorf("ParseHTML(EscapeHTML(%q)) = %q, %v", s, got, err)
		}
	})
}

func FuzzParseError(f *testing.F) {
	f.Add([]byte(`{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 35","parameters":{"retry_after":35}}`))
	f.Add([]byte(`<html>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if e, ok := telegram.ParseError(b); ok && e.OK {
			t.Error("an ok body parsed as an error")
		}
	})
}

func TestContract(t *testing.T) {
	socialtest.RunContract(t, func(t *testing.T) *socialtest.Harness {
		e := newEnv(t)
		return &socialtest.Harness{Publisher: e.c, Recorder: e.rec, Index: e.fake.URL, Secrets: func() []string { return []string{botToken} },
			NoEngagement: "the Bot API gives a bot no views or reactions of a channel's posts",
			DropNext:     func() { e.fake.Fail(telegramfake.Drop) },
			Creates:      func() int { _, c := e.fake.Sends(); return c },
			Exists: func(id string) bool {
				return slices.ContainsFunc(e.fake.Messages(), func(m telegramfake.Message) bool { return strconv.FormatInt(m.ID, 10) == id })
			},
			CannotReconcile: true, CannotListRecent: true}
	})
}

func TestSecretValidate(t *testing.T) {
	for _, tt := range []struct {
		tok, chat string
		ok        bool
	}{
		{botToken, "@mofa_vn", true},
		{botToken, "-1001234567890", true},
		{botToken + " ", "@mofa_vn", false},
		{botToken, "mofa_vn", false},
		{"EAAGpagetoken", "@mofa_vn", false},
	} {
		if err := (telegram.Secret{BotToken: tt.tok, ChatID: tt.chat}).Validate(); (err == nil) != tt.ok {
			t.Errorf("Validate(%q, %q) = %v", tt.tok, tt.chat, err)
		}
	}
}
