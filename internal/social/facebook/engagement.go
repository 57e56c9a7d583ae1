package facebook

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/mofa-vn/chancery/internal/social"
)

var _ social.Engager = (*Client)(nil)

// engagementFields asks a Page post for its reactions and comments as
// summary counts only (limit 0: no names) and its shares
// (https://developers.facebook.com/docs/graph-api/reference/post/).
const engagementFields = "reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0),shares"

// insightsMetrics are the post insights read for views: post_impressions
// (times the post was on a screen) is the views count; the unique count
// (reach) is asked with it, as Facebook documents the pair, and used when
// the total is missing
// (https://developers.facebook.com/docs/graph-api/reference/post/insights/).
const insightsMetrics = "post_impressions,post_impressions_unique"

// Engagement reads a Page post's reactions, shares and comments with the
// Page token (pages_read_engagement), then its views from the post
// insights (read_insights). A post that is gone (#100, subcode 33) is
// Rejected. Views stay NotOffered when the Page's token lacks read_insights
// (#10, #200–#299), when Facebook no longer offers the metric (#100, the
// "valid insights metric" refusal) and when it answers no value (insights
// need a Page of 100 likes or more); a throttled or failed insights read
// is the read's error, so the counts are taken again later as a whole.
func (c *Client) Engagement(ctx context.Context, id string) (social.Counts, error) {
	s, err := c.secret(ctx)
	if err != nil {
		return social.Counts{}, err
	}
	resp, err := c.send(ctx, s, http.MethodGet, "/"+url.PathEscape(id)+"?"+url.Values{"fields": {engagementFields}}.Encode(), nil, "", false)
	if err != nil {
		return social.Counts{}, err
	}
	type summary struct {
		Summary *struct {
			Total int `json:"total_count"`
		} `json:"summary"`
	}
	var out struct {
		ID        string   `json:"id"`
		Reactions *summary `json:"reactions"`
		Comments  *summary `json:"comments"`
		Shares    *struct {
			Count int `json:"count"`
		} `json:"shares"`
	}
	if err := json.Unmarshal(resp.Body, &out); err != nil || out.ID == "" || out.Reactions == nil || out.Reactions.Summary == nil ||
		out.Comments == nil || out.Comments.Summary == nil {
		return social.Counts{}, c.fail(social.Transient, resp.Status, "", "Facebook answered the post's counts unreadably", err)
	}
	shares := 0 // Graph leaves shares out of a post nobody shared
	if out.Shares != nil {
		shares = out.Shares.Count
	}
	views, err := c.views(ctx, s, id)
	if err != nil {
		return social.Counts{}, err
	}
	return social.Counts{Likes: out.Reactions.Summary.Total, Reposts: shares, Replies: out.Comments.Summary.Total,
		Quotes: social.NotOffered, Views: views}, nil
}

// views reads GET /{post-id}/insights?metric=post_impressions,…, whose
// answer is {"data":[{"name":"post_impressions","period":"lifetime",
// "values":[{"value":N}]}, …]}.
func (c *Client) views(ctx context.Context, s Secret, id string) (int, error) {
	q := url.Values{"metric": {insightsMetrics}, "period": {"lifetime"}}
	resp, err := c.send(ctx, s, http.MethodGet, "/"+url.PathEscape(id)+"/insights?"+q.Encode(), nil, "", false)
	if err != nil {
		if e, ok := errors.AsType[*social.Error](err); ok && e.Class == social.Rejected && notOffered(e.Code) {
			return social.NotOffered, nil
		}
		return 0, err
	}
	views, ok := ParseInsights(resp.Body)
	if !ok {
		return 0, c.fail(social.Transient, resp.Status, "", "Facebook answered the post's insights unreadably", nil)
	}
	return views, nil
}

// notOffered tells the refusals of an insights read that mean the Page
// cannot have the count (a missing permission, a metric Facebook retired)
// from those of a post that is gone (#100/33).
func notOffered(code string) bool {
	n, sub, _ := strings.Cut(code, "/")
	c, err := strconv.Atoi(n)
	if err != nil {
		return false
	}
	return c == 10 || c >= 200 && c <= 299 || c == 100 && sub == ""
}

// ParseInsights reads a post insights answer: the lifetime value of
// post_impressions, else of post_impressions_unique; NotOffered when
// neither has a value (a Page under 100 likes gets an empty data). It
// reports false for an answer that is not an insights result or holds a
// negative count.
func ParseInsights(body []byte) (int, bool) {
	var out struct {
		Data *[]struct {
			Name   string `json:"name"`
			Period string `json:"period"`
			Values []struct {
				Value json.RawMessage `json:"value"`
			} `json:"values"`
		} `json:"data"`
	}
	if json.Unmarshal(body, &out) != nil || out.Data == nil {
		return 0, false
	}
	found := map[string]int{}
	for _, m := range *out.Data {
		if m.Period != "lifetime" || len(m.Values) == 0 {
			continue
		}
		var n int
		if json.Unmarshal(m.Values[len(m.Values)-1].Value, &n) != nil || n < 0 {
			return 0, false
		}
		found[m.Name] = n
	}
	for _, name := range []string{"post_impressions", "post_impressions_unique"} {
		if n, ok := found[name]; ok {
			return n, true
		}
	}
	return social.NotOffered, true
}
