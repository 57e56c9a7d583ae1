package publishing_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// FuzzPreview feeds what an officer may type (any body, any article
// address) to the composer's preview and checks what it promises: it
// never fails on text, every part is trimmed text with no separator left
// in it, counted as the network counts, flagged exactly when over the
// limit; the article goes as a card where the network shows one and
// otherwise ends the first part of each language; a thread where the
// network has none is the channel's problem, not an error.
func FuzzPreview(f *testing.F) {
	f.Add("Viet Nam welcomes the summit.\n---\nDetails follow.", "https://mofa.gov.vn/en/news/summit", "")
	f.Add("one", "", "override")
	f.Add("   \n---\n  ", "https://x.example", "a\r\n---\r\nb")
	f.Add(strings.Repeat("long ", 30), "https://mofa.gov.vn/a", "")
	f.Add("ends with the link https://mofa.gov.vn/a", "https://mofa.gov.vn/a", "")
	f.Fuzz(func(t *testing.T, body, link, override string) {
		if !utf8.ValidString(body) || !utf8.ValidString(link) || !utf8.ValidString(override) {
			return // refused at the edge (httpx.ValidText)
		}
		db := storetest.Open(t, store.BackendSQLite)
		e := newEnv(t, db, storetest.NewClock(time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC)), publishing.Settings{})
		x, _ := e.Channel("X", social.X, social.Limits{MaxLength: 60, Threads: true}, "en", "fr")
		fb, _ := e.Channel("Facebook", social.Facebook, social.Limits{MaxLength: 60, LinkCard: true}, "en")
		in := publishing.StatementInput{ArticleURL: link, Targets: []int64{x.ID, fb.ID, x.ID},
			Variants:  []publishing.VariantInput{{Lang: "en", Body: body}, {Lang: "fr", Body: body + " (fr)"}},
			Overrides: []publishing.OverrideInput{{ChannelID: x.ID, Lang: "fr", Body: override}}}
		prev, err := e.Svc.Preview(t.Context(), publishing.PreviewInput(in))
		if err != nil {
			t.Fatalf("preview: %v", err)
		}
		if len(prev) != 2 {
			t.Fatalf("%d channels previewed, want each target once", len(prev))
		}
		url := strings.TrimSpace(link)
		for _, cp := range prev {
			card := cp.Channel.ID == fb.ID
			threads := 0
			for _, p := range cp.Parts {
				core := p.Text
				if !card && url != "" && p.Index == 0 {
					core = strings.TrimSuffix(core, "\n\n"+url)
				}
				if core == "" || core != strings.TrimSpace(core) {
					t.Errorf("%s %s/%d: untrimmed or empty %q", cp.Channel.Name, p.Lang, p.Index, p.Text)
				}
				if strings.Contains(strings.ReplaceAll(p.Text, "\r\n", "\n"), publishing.ThreadSeparator) {
					t.Errorf("%s: a separator left in %q", cp.Channel.Name, p.Text)
				}
				if p.Count != utf8.RuneCountInString(p.Text) || p.Over != (p.Count > cp.Max) {
					t.Errorf("%s: count %d over %v for %q (max %d)", cp.Channel.Name, p.Count, p.Over, p.Text, cp.Max)
				}
				if card && p.Link != url || !card && p.Link != "" {
					t.Errorf("%s: link card %q, article %q", cp.Channel.Name, p.Link, url)
				}
				if !card && url != "" && p.Index == 0 && !strings.Contains(p.Text, url) {
					t.Errorf("%s %s: the first part %q lacks the article %q", cp.Channel.Name, p.Lang, p.Text, url)
				}
				if p.Index > 0 {
					threads++
				}
			}
			if card && threads > 0 {
				t.Errorf("Facebook previewed a thread")
			}
			if card && cp.Problem != nil && cp.Problem.Key == "press_error_no_threads" && len(cp.Parts) != 0 {
				t.Errorf("a refused thread still previewed parts")
			}
		}
	})
}
