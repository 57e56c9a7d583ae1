package press

import (
	"net/http"
	"time"

	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/social"
)

// EngagementLang is the networks' counts of a statement's posts in one
// language: one row per channel, and the sums of what the networks offer.
type EngagementLang struct {
	Lang  lang.Language
	Rows  []EngagementRow
	Total EngagementRow
}

// EngagementRow is one post's counts; a count the network does not offer
// is shown as such, never as zero.
type EngagementRow struct {
	Channel, Network string
	Likes, Reposts   Count
	Replies, Views   Count
	Read             string // when the counts were read, in the viewer's language
	ISO              string
	Note             string // why there are none (the network offers none, the post is gone)
}

// Count is one number, or none where the network offers no such count.
type Count struct {
	N       int
	Offered bool
	Text    string // N as the viewer's language writes numbers
}

func count(code string, n int) Count {
	return Count{N: n, Offered: n != social.NotOffered, Text: lang.FormatNumber(code, n)}
}

func (c *Count) add(code string, o Count) {
	if o.Offered {
		c.N, c.Offered = c.N+o.N, true
		c.Text = lang.FormatNumber(code, c.N)
	}
}

// engagement gathers the counts of statement's posts by language.
func (h *Handlers) engagement(r *http.Request, statement int64) ([]EngagementLang, error) {
	rows, err := h.db.StatementEngagement(r.Context(), statement)
	if err != nil {
		return nil, err
	}
	code := h.kit.Lang(r).Code
	names := map[int64][2]string{}
	var out []EngagementLang
	at := map[string]int{}
	for _, e := range rows {
		nm, ok := names[e.ChannelID]
		if !ok {
			ch, err := h.db.GetChannel(r.Context(), e.ChannelID)
			if err != nil {
				return nil, err
			}
			nm = [2]string{ch.Name, ch.Network}
			names[e.ChannelID] = nm
		}
		i, ok := at[e.Lang]
		if !ok {
			l, _ := lang.Lookup(e.Lang)
			out = append(out, EngagementLang{Lang: l})
			i = len(out) - 1
			at[e.Lang] = i
		}
		row := EngagementRow{Channel: nm[0], Network: nm[1], Likes: count(code, e.Likes), Reposts: count(code, e.Reposts),
			Replies: count(code, e.Replies), Views: count(code, e.Views)}
		if !e.FetchedAt.IsZero() {
			row.Read, row.ISO = lang.FormatDateTime(code, e.FetchedAt, time.UTC, lang.Medium), e.FetchedAt.Format(time.RFC3339)
		} else if e.LastError != "" {
			row.Note = e.LastError
		}
		t := &out[i].Total
		t.Likes.add(code, row.Likes)
		t.Reposts.add(code, row.Reposts)
		t.Replies.add(code, row.Replies)
		t.Views.add(code, row.Views)
		out[i].Rows = append(out[i].Rows, row)
	}
	return out, nil
}
