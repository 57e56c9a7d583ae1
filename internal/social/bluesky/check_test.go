package bluesky_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/social/bluesky"
)

// Check is the rule Publish applies: what it refuses, Publish refuses with
// the same refusal, before any call to the PDS.
func TestCheckIsPublishsRule(t *testing.T) {
	e := newEnv(t)
	img := func(size int) social.Media {
		return social.Media{Filename: "a.png", ContentType: "image/png", Data: make([]byte, size), Alt: "alt"}
	}
	for _, tc := range []struct {
		name  string
		post  social.Post
		field social.Field
		fault social.Fault
		max   int
	}{
		{"graphemes", social.Post{Text: strings.Repeat("ệ", bluesky.MaxGraphemes+1)}, social.FieldText, social.TooLong, bluesky.MaxGraphemes},
		// A family emoji is one grapheme of 25 bytes: 130 of them are
		// within the count, over the bytes.
		{"bytes", social.Post{Text: strings.Repeat("👨‍👩‍👧‍👦", 130)}, social.FieldText, social.TooLarge, bluesky.MaxBytes},
		{"images", social.Post{Text: "t", Media: []social.Media{img(1), img(1), img(1), img(1), img(1)}}, social.FieldMedia, social.TooMany, bluesky.MaxImages},
		{"image size", social.Post{Text: "t", Media: []social.Media{img(bluesky.MaxImageSize + 1)}}, social.FieldMedia, social.TooLarge, bluesky.MaxImageSize},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.post.Key = "pub-1-0"
			err := e.c.Check(tc.post)
			r, ok := errors.AsType[*social.Refusal](err)
			if !ok || r.Field != tc.field || r.Fault != tc.fault || r.Max != tc.max || r.Network != social.Bluesky || r.Reason == "" {
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
	if len(e.fake.Records()) != 0 {
		t.Fatal("a refused post reached the PDS")
	}
	if err := e.c.Check(social.Post{Key: "k", Text: strings.Repeat("ệ", bluesky.MaxGraphemes), Media: []social.Media{img(1)}}); err != nil {
		t.Fatal(err)
	}
}
