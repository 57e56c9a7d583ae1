// Package x publishes to X through API v2 (../shared/reference/social-apis.md
// §1): posts and threads, deletes, chunked media upload with alt text, the
// account's identity and recent posts for reconciliation, with OAuth 1.0a
// user context (github.com/dghubble/oauth1) or OAuth 2.0 with PKCE and
// single-use rotating refresh tokens (golang.org/x/oauth2), the rate-limit
// headers, and every error classified.
//
// It talks to X over plain HTTP rather than through a client library: the
// usual one, github.com/dghubble/go-twitter, is deprecated and covers only
// v1.1, whose posting endpoint refuses ordinary apps (error 453).
//
// It imports internal/social, internal/social/wire and internal/social/x/xtext
// only.
package x

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/social/wire"
	"github.com/mofa-vn/chancery/internal/social/x/xtext"
)

// DefaultBaseURL is X's API.
const DefaultBaseURL = "https://api.x.com"

// MaxMedia is the number of images a post may carry (or one video or GIF).
const MaxMedia = 4

// MaxAltText is the longest alt text X accepts, in characters.
const MaxAltText = 1000

// Params configures a Client.
type Params struct {
	// BaseURL is the API; default DefaultBaseURL. Tests and the demo give
	// the fake's URL.
	BaseURL string
	// Credentials hold the channel's Secret, as JSON.
	Credentials social.Credentials
	// HTTP is the base client (timeouts, transport), made by
	// internal/outbound; default outbound.Default(). Authentication is
	// added on top.
	HTTP *http.Client
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Sleep waits between media STATUS polls; default a timer that stops
	// when ctx ends.
	Sleep func(ctx context.Context, d time.Duration) error
	// MaxLength is the account's weighted limit; default 280 (Premium
	// accounts have more).
	MaxLength int
	// MaxPolls bounds the media STATUS polls; default 60.
	MaxPolls int
}

// Client publishes to one X account. It is safe for concurrent use.
type Client struct {
	p Params

	mu     sync.Mutex
	limits map[string]RateLimits // by endpoint, from the last answer
	user   struct{ id, username string }
}

var _ social.Publisher = (*Client)(nil)

// New returns a Client.
func New(p Params) (*Client, error) {
	if p.BaseURL == "" {
		p.BaseURL = DefaultBaseURL
	}
	if _, err := wire.JoinURL(p.BaseURL, "/"); err != nil {
		return nil, fmt.Errorf("x: %w", err)
	}
	if p.Credentials == nil {
		return nil, errors.New("x: no credentials")
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	if p.Sleep == nil {
		p.Sleep = sleep
	}
	if p.MaxLength <= 0 {
		p.MaxLength = xtext.MaxWeightedLength
	}
	if p.MaxPolls <= 0 {
		p.MaxPolls = 60
	}
	return &Client{p: p, limits: map[string]RateLimits{}}, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (c *Client) now() time.Time { return c.p.Now() }

// Network returns social.X.
func (c *Client) Network() social.Network { return social.X }

// Limits returns what X allows.
func (c *Client) Limits() social.Limits {
	return social.Limits{MaxLength: c.p.MaxLength, MaxMedia: MaxMedia, Threads: true, ReconcileLag: ReconcileLag}
}

// Count returns the weighted length of text (twitter-text v3).
func (c *Client) Count(text string) int { return xtext.Count(text) }

// RateLimits returns the rate-limit windows of the last answer from an
// endpoint ("POST /2/tweets"), for the channel's health.
func (c *Client) RateLimits(endpoint string) (RateLimits, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.limits[endpoint]
	return r, ok
}

// call sends one request and returns the answer, whatever its status. The
// endpoint names the rate-limit bucket; a spent window refuses the call
// before anything is sent.
func (c *Client) call(ctx context.Context, endpoint, method, path string, body []byte, contentType string) (*wire.Response, Secret, error) {
	if rl, ok := c.RateLimits(endpoint); ok {
		now := c.now()
		for _, l := range []Limit{rl.Window, rl.UserDay, rl.AppDay} {
			if l.Exhausted(now) {
				return nil, Secret{}, &social.Error{Network: social.X, Class: social.RateLimited, Until: rl.Until(now),
					Reason: "X's rate limit for this account is spent; nothing was sent"}
			}
		}
	}
	s, err := c.secret(ctx)
	if err != nil {
		return nil, s, err
	}
	resp, err := c.send(ctx, s, method, path, body, contentType)
	if err == nil && resp.Status == http.StatusUnauthorized && !s.OAuth1() && s.RefreshToken != "" {
		// X refused an OAuth 2.0 token before its expiry. A 401 means
		// the request was not processed, so it is safe to send once more
		// with a refreshed token.
		if s, err = c.refresh(ctx, s.AccessToken); err != nil {
			return nil, s, err
		}
		resp, err = c.send(ctx, s, method, path, body, contentType)
	}
	if err != nil {
		return nil, s, err
	}
	if rl := ParseRateLimits(resp.Header); rl.Window.Known || rl.UserDay.Known || rl.AppDay.Known {
		c.mu.Lock()
		c.limits[endpoint] = rl
		c.mu.Unlock()
	}
	return resp, s, nil
}

func (c *Client) send(ctx context.Context, s Secret, method, path string, body []byte, contentType string) (*wire.Response, error) {
	u, err := wire.JoinURL(c.p.BaseURL, path)
	if err != nil {
		return nil, fmt.Errorf("x: %w", err)
	}
	req, err := wire.NewRequest(ctx, method, u, body, contentType)
	if err != nil {
		return nil, fmt.Errorf("x: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	wc := wire.Client{Network: social.X, HTTP: c.httpClient(ctx, s), Now: c.p.Now}
	return wc.Do(ctx, req)
}

// callJSON sends v as JSON (nil: no body), and decodes a 2xx answer into
// out. Any other answer is classified.
func (c *Client) callJSON(ctx context.Context, endpoint, method, path string, v, out any) error {
	var body []byte
	ct := ""
	if v != nil {
		var err error
		if body, err = json.Marshal(v); err != nil {
			return fmt.Errorf("x: encode: %w", err)
		}
		ct = "application/json"
	}
	resp, _, err := c.call(ctx, endpoint, method, path, body, ct)
	if err != nil {
		return err
	}
	return c.decode(resp, out)
}

func (c *Client) decode(resp *wire.Response, out any) error {
	if resp.Status < 200 || resp.Status > 299 {
		return Classify(resp.Status, resp.Header, resp.Body, c.now())
	}
	if out != nil {
		if err := json.Unmarshal(resp.Body, out); err != nil {
			return &social.Error{Network: social.X, Class: social.Unknown, Status: resp.Status,
				Reason: "X answered success with a body that cannot be read; what X did is unknown", Err: err}
		}
	}
	return nil
}

type createRequest struct {
	Text  string `json:"text,omitempty"`
	Media *struct {
		MediaIDs []string `json:"media_ids"`
	} `json:"media,omitempty"`
	Reply *struct {
		InReplyToTweetID string `json:"in_reply_to_tweet_id"`
	} `json:"reply,omitempty"`
}

type createResponse struct {
	Data struct {
		ID   string `json:"id"`
		Text string `json:"text"`
	} `json:"data"`
}

// Check refuses a post X would refuse, before anything is sent: the rule
// Publish applies first, which clearance also asks at submission
// (social.Checker). The error is a Rejected *social.Error wrapping the
// *social.Refusal that names the part refused.
func (c *Client) Check(p social.Post) error {
	rej := func(f social.Field, fault social.Fault, max int, file, reason string) error {
		return &social.Error{Network: social.X, Class: social.Rejected, Reason: reason,
			Err: &social.Refusal{Network: social.X, Field: f, Fault: fault, Max: max, File: file, Reason: reason}}
	}
	if strings.TrimSpace(p.Text) == "" && len(p.Media) == 0 {
		return rej(social.FieldText, social.Missing, 0, "", "the post is empty")
	}
	if strings.TrimSpace(p.Text) != "" {
		if r := xtext.Parse(p.Text, c.p.MaxLength); !r.Valid {
			return rej(social.FieldText, social.TooLong, c.p.MaxLength, "",
				fmt.Sprintf("the text counts %d of the %d characters X allows (Vietnamese letters with a hook or dot below, CJK and emoji count 2; links count 23)", r.Weighted, c.p.MaxLength))
		}
	}
	videos := 0
	for _, m := range p.Media {
		if category(m.ContentType) != "tweet_image" {
			videos++
		}
		if utf8.RuneCountInString(m.Alt) > MaxAltText {
			return rej(social.FieldAlt, social.TooLong, MaxAltText, m.Filename, fmt.Sprintf("an alt text is longer than the %d characters X allows", MaxAltText))
		}
		if len(m.Data) == 0 {
			return rej(social.FieldMedia, social.Invalid, 0, m.Filename, "a media file is empty")
		}
	}
	if len(p.Media) > MaxMedia || videos > 0 && len(p.Media) > 1 {
		return rej(social.FieldMedia, social.TooMany, MaxMedia, "", "X takes at most 4 images, or one video or GIF, per post")
	}
	return nil
}

var _ social.Checker = (*Client)(nil)

// Publish uploads the media, then creates the post (a reply when
// p.ReplyTo is set: the next part of a thread). An Unknown error means the
// post may exist: settle it with Reconcile, never by publishing again.
func (c *Client) Publish(ctx context.Context, p social.Post) (social.Result, error) {
	if err := c.Check(p); err != nil {
		return social.Result{}, err
	}
	var req createRequest
	req.Text = p.Text
	for _, m := range p.Media {
		id, err := c.upload(ctx, m)
		if err != nil {
			// No post can exist yet, whatever became of the media.
			if se, ok := errors.AsType[*social.Error](err); ok && se.Class == social.Unknown {
				se.Class = social.Transient
				se.Reason = "a media upload failed before the post was sent: " + se.Reason
			}
			return social.Result{}, err
		}
		if req.Media == nil {
			req.Media = &struct {
				MediaIDs []string `json:"media_ids"`
			}{}
		}
		req.Media.MediaIDs = append(req.Media.MediaIDs, id)
	}
	if p.ReplyTo != "" {
		req.Reply = &struct {
			InReplyToTweetID string `json:"in_reply_to_tweet_id"`
		}{p.ReplyTo}
	}
	var out createResponse
	if err := c.callJSON(ctx, "POST /2/tweets", http.MethodPost, "/2/tweets", req, &out); err != nil {
		return social.Result{}, err
	}
	if out.Data.ID == "" {
		return social.Result{}, &social.Error{Network: social.X, Class: social.Unknown,
			Reason: "X answered success without the post's id; the post may exist"}
	}
	return social.Result{ID: out.Data.ID, URL: c.postURL(out.Data.ID), Created: c.now()}, nil
}

func (c *Client) postURL(id string) string {
	c.mu.Lock()
	name := c.user.username
	c.mu.Unlock()
	if name == "" {
		name = "i/web"
	}
	return "https://x.com/" + name + "/status/" + id
}

// Delete removes a post (and, X says, its whole edit chain). A post
// already gone is not an error.
func (c *Client) Delete(ctx context.Context, id string) error {
	if id == "" || strings.Trim(id, "0123456789") != "" {
		return &social.Error{Network: social.X, Class: social.Rejected, Reason: "an X post id is a number"}
	}
	resp, _, err := c.call(ctx, "DELETE /2/tweets", http.MethodDelete, "/2/tweets/"+id, nil, "")
	if err != nil {
		return err
	}
	if resp.Status == http.StatusNotFound {
		return nil
	}
	var out struct {
		Data struct {
			Deleted bool `json:"deleted"`
		} `json:"data"`
	}
	if err := c.decode(resp, &out); err != nil {
		return err
	}
	return nil // deleted:false means there was nothing to delete
}

// WhoAmI returns the account the credentials act as, with the access
// token's expiry (OAuth 2.0) and scopes.
func (c *Client) WhoAmI(ctx context.Context) (social.Account, error) {
	var out struct {
		Data struct {
			ID       string `json:"id"`
			Name     string `json:"name"`
			Username string `json:"username"`
		} `json:"data"`
	}
	resp, s, err := c.call(ctx, "GET /2/users/me", http.MethodGet, "/2/users/me", nil, "")
	if err != nil {
		return social.Account{}, err
	}
	if err := c.decode(resp, &out); err != nil {
		return social.Account{}, err
	}
	if out.Data.ID == "" {
		return social.Account{}, &social.Error{Network: social.X, Class: social.Transient, Reason: "X's answer to users/me has no id"}
	}
	c.mu.Lock()
	c.user.id, c.user.username = out.Data.ID, out.Data.Username
	c.mu.Unlock()
	a := social.Account{ID: out.Data.ID, Name: out.Data.Name, Handle: "@" + out.Data.Username,
		URL: "https://x.com/" + out.Data.Username, Verified: c.now()}
	if !s.OAuth1() {
		a.Expires, a.Scopes = s.Expiry, s.Scopes
	}
	return a, nil
}

func (c *Client) userID(ctx context.Context) (string, error) {
	c.mu.Lock()
	id := c.user.id
	c.mu.Unlock()
	if id != "" {
		return id, nil
	}
	if s, err := c.load(ctx); err == nil && s.UserID != "" {
		return s.UserID, nil
	}
	a, err := c.WhoAmI(ctx)
	return a.ID, err
}
