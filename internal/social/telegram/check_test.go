package telegram_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/social/telegram"
)

// Check is the rule Publish applies, before any call to the Bot API: a
// caption is limited to 1024 characters, which Limits (4096) cannot say.
func TestCheckIsPublishsRule(t *testing.T) {
	e := newEnv(t)
	photo := []social.Media{{Filename: "a.jpg", ContentType: "image/jpeg", Data: []byte("jpeg"), Alt: "alt"}}
	for _, tc := range []struct {
		name  string
		post  social.Post
		field social.Field
		fault social.Fault
		max   int
	}{
		{"empty", social.Post{Text: ""}, social.FieldText, social.Missing, 0},
		{"text", social.Post{Text: strings.Repeat("a", telegram.MaxText+1)}, social.FieldText, social.TooLong, telegram.MaxText},
		{"caption", social.Post{Text: strings.Repeat("a", telegram.MaxCaption+1), Media: photo}, social.FieldText, social.TooLong, telegram.MaxCaption},
		{"photos", social.Post{Text: "a", Media: append(append(append(photo, photo...), photo...), make([]social.Media, 8)...)}, social.FieldMedia, social.TooMany, telegram.MaxMedia},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.post.Key = "pub-1-0"
			err := e.c.Check(tc.post)
			r, ok := errors.AsType[*social.Refusal](err)
			if !ok || r.Field != tc.field || r.Fault != tc.fault || r.Max != tc.max || r.Network != social.Telegram || r.Reason == "" {
				t.Fatalf("Check = %#v", err)
			}
			_, err = e.c.Publish(e.ctx, tc.post)
			if social.ClassOf(err) != social.Rejected {
				t.Fatalf("Publish = %v, want rejected", err)
			}
			if r2, _ := errors.AsType[*social.Refusal](err); r2 == nil || *r2 != *r {
				t.Fatalf("Publish refused with %v, Check with %v", err, r)
			}
		})
	}
	if n := len(e.rec.Exchanges()); n != 0 {
		t.Fatalf("%d calls to the Bot API for refused posts", n)
	}
	if err := e.c.Check(social.Post{Key: "k", Text: strings.Repeat("a", telegram.MaxCaption), Media: photo}); err != nil {
		t.Fatal(err)
	}
}
