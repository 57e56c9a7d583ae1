package bluesky

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/mofa-vn/chancery/internal/social"
)

var _ social.Engager = (*Client)(nil)

// Engagement reads a post's likes, reposts, replies and quotes with
// app.bsky.feed.getPosts (https://docs.bsky.app/docs/api/app-bsky-feed-get-posts);
// Bluesky counts no views. A post the AppView no longer has is Rejected.
func (c *Client) Engagement(ctx context.Context, id string) (social.Counts, error) {
	if _, _, ok := SplitURI(id); !ok {
		return social.Counts{}, c.fail(social.Rejected, 0, "", fmt.Sprintf("%q is not a Bluesky post URI", id), nil)
	}
	s, err := c.session(ctx)
	if err != nil {
		return social.Counts{}, err
	}
	resp, err := c.call(ctx, &s, http.MethodGet, "app.bsky.feed.getPosts", url.Values{"uris": {id}}, nil, "")
	if err != nil {
		return social.Counts{}, err
	}
	if resp.Status != http.StatusOK {
		return social.Counts{}, c.classify(resp, false)
	}
	var out struct {
		Posts []struct {
			URI     string `json:"uri"`
			Likes   int    `json:"likeCount"`
			Reposts int    `json:"repostCount"`
			Replies int    `json:"replyCount"`
			Quotes  int    `json:"quoteCount"`
		} `json:"posts"`
	}
	if err := json.Unmarshal(resp.Body, &out); err != nil {
		return social.Counts{}, c.fail(social.Transient, resp.Status, "", "the AppView answered with unreadable posts", err)
	}
	for _, p := range out.Posts {
		if p.URI == id {
			return social.Counts{Likes: p.Likes, Reposts: p.Reposts, Replies: p.Replies, Quotes: p.Quotes, Views: social.NotOffered}, nil
		}
	}
	return social.Counts{}, c.fail(social.Rejected, resp.Status, "NotFound", "the post no longer exists on Bluesky", nil)
}
