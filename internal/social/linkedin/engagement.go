package linkedin

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/mofa-vn/chancery/internal/social"
)

var _ social.Engager = (*Client)(nil)

// Engagement reads a post's social actions (GET /rest/socialActions/{urn},
// https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/network-update-social-actions):
// its likes and comments. Reposts and views are in the organisation's
// share statistics, which this connector does not read: not offered. A
// post that is gone (404) is Rejected.
func (c *Client) Engagement(ctx context.Context, id string) (social.Counts, error) {
	s, err := c.secret(ctx)
	if err != nil {
		return social.Counts{}, err
	}
	resp, err := c.do(ctx, s, http.MethodGet, "/rest/socialActions/"+EscapeURN(id), nil, "", nil)
	if err != nil {
		return social.Counts{}, err
	}
	if resp.Status == http.StatusNotFound {
		return social.Counts{}, c.fail(social.Rejected, resp.Status, "NOT_FOUND", "the post no longer exists on LinkedIn", nil)
	}
	if resp.Status != http.StatusOK {
		return social.Counts{}, c.classify(resp, false)
	}
	var out struct {
		Likes *struct {
			Total int `json:"totalLikes"`
		} `json:"likesSummary"`
		Comments *struct {
			Total int `json:"aggregatedTotalComments"`
		} `json:"commentsSummary"`
	}
	if err := json.Unmarshal(resp.Body, &out); err != nil || out.Likes == nil || out.Comments == nil {
		return social.Counts{}, c.fail(social.Transient, resp.Status, "", "LinkedIn answered the post's social actions unreadably", err)
	}
	return social.Counts{Likes: out.Likes.Total, Reposts: social.NotOffered, Replies: out.Comments.Total,
		Quotes: social.NotOffered, Views: social.NotOffered}, nil
}
