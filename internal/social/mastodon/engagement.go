package mastodon

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/mofa-vn/chancery/internal/social"
)

var _ social.Engager = (*Client)(nil)

// Engagement reads a status's favourites, boosts and replies
// (GET /api/v1/statuses/:id, https://docs.joinmastodon.org/methods/statuses/#get);
// Mastodon counts no views or quotes.
func (c *Client) Engagement(ctx context.Context, id string) (social.Counts, error) {
	tok, err := c.token(ctx)
	if err != nil {
		return social.Counts{}, err
	}
	resp, err := c.do(ctx, tok, http.MethodGet, "/api/v1/statuses/"+url.PathEscape(id), nil, "", nil)
	if err != nil {
		return social.Counts{}, err
	}
	if resp.Status != http.StatusOK {
		return social.Counts{}, c.classify(resp, false)
	}
	var st struct {
		Favourites *int `json:"favourites_count"`
		Reblogs    *int `json:"reblogs_count"`
		Replies    *int `json:"replies_count"`
	}
	if err := json.Unmarshal(resp.Body, &st); err != nil || st.Favourites == nil || st.Reblogs == nil || st.Replies == nil {
		return social.Counts{}, c.fail(social.Transient, resp.Status, "", "the instance answered with an unreadable status", err)
	}
	return social.Counts{Likes: *st.Favourites, Reposts: *st.Reblogs, Replies: *st.Replies, Quotes: social.NotOffered, Views: social.NotOffered}, nil
}
