package facebook

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/mofa-vn/chancery/internal/social"
)

var _ social.Engager = (*Client)(nil)

// engagementFields asks a Page post for its reactions and comments as
// summary counts only (limit 0: no names) and its shares
// (https://developers.facebook.com/docs/graph-api/reference/post/).
const engagementFields = "reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0),shares"

// Engagement reads a Page post's reactions, shares and comments with the
// Page token (pages_read_engagement). Views would need the Page insights'
// post_impressions, which this connector does not read: not offered. A
// post that is gone (#100, subcode 33) is Rejected.
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
	return social.Counts{Likes: out.Reactions.Summary.Total, Reposts: shares, Replies: out.Comments.Summary.Total,
		Quotes: social.NotOffered, Views: social.NotOffered}, nil
}
