package x

import (
	"context"
	"net/http"
	"strings"

	"github.com/mofa-vn/chancery/internal/social"
)

var _ social.Engager = (*Client)(nil)

// Engagement reads a post's public metrics
// (GET /2/tweets/:id?tweet.fields=public_metrics,
// https://docs.x.com/x-api/fundamentals/metrics): likes, reposts, replies,
// quotes and impressions. X answers a post that is gone with 200 and a
// resource-not-found error, which is Rejected.
func (c *Client) Engagement(ctx context.Context, id string) (social.Counts, error) {
	if id == "" || strings.Trim(id, "0123456789") != "" {
		return social.Counts{}, &social.Error{Network: social.X, Class: social.Rejected, Reason: "an X post id is a number"}
	}
	resp, _, err := c.call(ctx, "GET /2/tweets/:id", http.MethodGet, "/2/tweets/"+id+"?tweet.fields=public_metrics", nil, "")
	if err != nil {
		return social.Counts{}, err
	}
	var out struct {
		Data *struct {
			ID      string `json:"id"`
			Metrics *struct {
				Retweets    int `json:"retweet_count"`
				Replies     int `json:"reply_count"`
				Likes       int `json:"like_count"`
				Quotes      int `json:"quote_count"`
				Impressions int `json:"impression_count"`
			} `json:"public_metrics"`
		} `json:"data"`
		Errors []struct {
			Type string `json:"type"`
		} `json:"errors"`
	}
	if err := c.decode(resp, &out); err != nil {
		return social.Counts{}, err
	}
	if out.Data == nil || out.Data.Metrics == nil {
		for _, e := range out.Errors {
			if strings.HasSuffix(e.Type, "/resource-not-found") {
				return social.Counts{}, &social.Error{Network: social.X, Class: social.Rejected, Status: resp.Status, Reason: "the post no longer exists on X"}
			}
		}
		return social.Counts{}, &social.Error{Network: social.X, Class: social.Transient, Status: resp.Status,
			Reason: "X answered without the post's metrics"}
	}
	m := out.Data.Metrics
	return social.Counts{Likes: m.Likes, Reposts: m.Retweets, Replies: m.Replies, Quotes: m.Quotes, Views: m.Impressions}, nil
}
