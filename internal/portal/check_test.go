package portal

import (
	"errors"
	"strings"
	"testing"

	"github.com/mofa-vn/chancery/internal/portal/content"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// Check is the rule Publish applies: what it refuses, Publish refuses with
// the same refusal inside a Rejected error, before storing anything; what
// it accepts, Publish publishes.
func TestCheckIsPublishsRule(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		p := newHandlers(t, db, nil).Publisher("https://mofa.example")
		var _ social.Checker = p
		img := func(name, ct, alt string) social.Media {
			return social.Media{Filename: name, ContentType: ct, Data: []byte("\x89PNG fake"), Alt: alt}
		}
		ok := social.Post{Key: "k", Group: "statement-7", Lang: "en", Kind: "statement", Title: "Title", Text: "Body"}
		many := make([]social.Media, content.MaxImages+1)
		for i := range many {
			many[i] = img("a.png", "image/png", "alt")
		}
		for _, tc := range []struct {
			name  string
			edit  func(*social.Post)
			field social.Field
			fault social.Fault
			file  string
			max   int
		}{
			{"no title", func(p *social.Post) { p.Title = "  " }, social.FieldTitle, social.Missing, "", 0},
			{"long title", func(p *social.Post) { p.Title = strings.Repeat("t", content.MaxTitle+1) }, social.FieldTitle, social.TooLong, "", content.MaxTitle},
			{"long body", func(p *social.Post) { p.Text = strings.Repeat("b", content.MaxBody+1) }, social.FieldText, social.TooLong, "", content.MaxBody},
			{"NUL", func(p *social.Post) { p.Text = "a\x00b" }, social.FieldText, social.Invalid, "", 0},
			{"svg", func(p *social.Post) { p.Media = []social.Media{img("a.svg", "image/svg+xml", "alt")} }, social.FieldMedia, social.Unsupported, "a.svg", 0},
			{"too many", func(p *social.Post) { p.Media = many }, social.FieldMedia, social.TooMany, "", content.MaxImages},
			{"no alt", func(p *social.Post) {
				p.Media = []social.Media{img("a.png", "image/png", "fine"), img("b.png", "image/png", " ")}
			}, social.FieldAlt, social.Missing, "b.png", content.MaxSummary},
			{"bad group", func(p *social.Post) { p.Group = "Not A Slug" }, social.FieldOther, social.Unsupported, "", 0},
			{"bad kind", func(p *social.Post) { p.Kind = "tweet" }, social.FieldOther, social.Unsupported, "", 0},
		} {
			t.Run(tc.name, func(t *testing.T) {
				post := ok
				tc.edit(&post)
				err := p.Check(post)
				r, isRefusal := errors.AsType[*social.Refusal](err)
				if !isRefusal || r.Field != tc.field || r.Fault != tc.fault || r.File != tc.file || r.Max != tc.max || r.Reason == "" {
					t.Fatalf("Check = %#v, want %s %s %q max %d", err, tc.field, tc.fault, tc.file, tc.max)
				}
				_, err = p.Publish(ctx, post)
				wantClass(t, "publish", err, social.Rejected)
				if r2, _ := errors.AsType[*social.Refusal](err); r2 == nil || *r2 != *r {
					t.Fatalf("Publish refused with %v, Check with %v", err, r)
				}
				if arts, err := db.ListArticles(ctx); err != nil || len(arts) != 0 {
					t.Fatalf("a refused post stored %d articles (%v)", len(arts), err)
				}
			})
		}
		if err := p.Check(ok); err != nil {
			t.Fatal(err)
		}
		if _, err := p.Publish(ctx, ok); err != nil {
			t.Fatal(err)
		}
	})
}
