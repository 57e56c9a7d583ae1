package linkedin

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/mofa-vn/chancery/internal/social"
)

var _ social.Engager = (*Client)(nil)

// Engagement reads a post's social actions (GET /rest/socialActions/{urn},
// https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/network-update-social-actions):
// its likes and comments; then its reposts and impressions from the
// organisation's lifetime share statistics (shareStatistics). A post that
// is gone (404) is Rejected.
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
	reposts, views, err := c.shareStatistics(ctx, s, id)
	if err != nil {
		return social.Counts{}, err
	}
	return social.Counts{Likes: out.Likes.Total, Reposts: reposts, Replies: out.Comments.Total,
		Quotes: social.NotOffered, Views: views}, nil
}

// shareStatistics reads the lifetime organic statistics of one of the
// organisation's posts: GET /rest/organizationalEntityShareStatistics
// ?q=organizationalEntity&organizationalEntity={org}&shares=List({urn})
// (ugcPosts=List(…) for a urn:li:ugcPost), no timeIntervals
// (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/share-statistics).
// It needs rw_organization_admin and an ADMINISTRATOR role on the page;
// a token without them is refused with 403, and then both counts are
// NotOffered (the social actions still count). LinkedIn keeps a rolling
// twelve months: an older post has no element, NotOffered too.
func (c *Client) shareStatistics(ctx context.Context, s Secret, urn string) (reposts, views int, err error) {
	param := "shares"
	if strings.HasPrefix(urn, "urn:li:ugcPost:") {
		param = "ugcPosts"
	}
	path := "/rest/organizationalEntityShareStatistics?q=organizationalEntity&organizationalEntity=" + EscapeURN(s.Organization) +
		"&" + param + "=List(" + EscapeURN(urn) + ")"
	resp, err := c.do(ctx, s, http.MethodGet, path, nil, "", nil)
	if err != nil {
		return 0, 0, err
	}
	switch {
	case resp.Status == http.StatusForbidden:
		return social.NotOffered, social.NotOffered, nil
	case resp.Status != http.StatusOK:
		return 0, 0, c.classify(resp, false)
	}
	st, ok := ParseShareStatistics(resp.Body, urn)
	if !ok {
		return 0, 0, c.fail(social.Transient, resp.Status, "", "LinkedIn answered the post's share statistics unreadably", nil)
	}
	return st.Shares, st.Impressions, nil
}

// ShareStatistics are a post's lifetime organic counts.
type ShareStatistics struct {
	Shares, Impressions int
}

// ParseShareStatistics reads an organizationalEntityShareStatistics answer
// for the post urn: {"elements":[{"share" or "ugcPost": urn,
// "totalShareStatistics":{"shareCount":N,"impressionCount":N,…}}]}. Both
// counts are NotOffered when no element is the post's (older than LinkedIn
// keeps). ok is false for an answer that is not one, or negative counts.
func ParseShareStatistics(body []byte, urn string) (ShareStatistics, bool) {
	var out struct {
		Elements *[]struct {
			Share   string `json:"share"`
			UGCPost string `json:"ugcPost"`
			Total   *struct {
				Shares      *int `json:"shareCount"`
				Impressions *int `json:"impressionCount"`
			} `json:"totalShareStatistics"`
		} `json:"elements"`
	}
	if json.Unmarshal(body, &out) != nil || out.Elements == nil {
		return ShareStatistics{}, false
	}
	for _, e := range *out.Elements {
		if e.Share != urn && e.UGCPost != urn {
			continue
		}
		if e.Total == nil || e.Total.Shares == nil || e.Total.Impressions == nil || *e.Total.Shares < 0 || *e.Total.Impressions < 0 {
			return ShareStatistics{}, false
		}
		return ShareStatistics{Shares: *e.Total.Shares, Impressions: *e.Total.Impressions}, true
	}
	return ShareStatistics{Shares: social.NotOffered, Impressions: social.NotOffered}, true
}
