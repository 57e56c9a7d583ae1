// Package mastodon publishes to a Mastodon account through the REST API
// (../shared/reference/social-apis.md §4): statuses with an Idempotency-Key
// derived from the post's key, media uploaded through /api/v2/media and
// polled until processed, replies, deletes. It imports only internal/social
// and its wire plumbing.
package mastodon

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/rivo/uniseg"

	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/social/wire"
)

// Secret is the JSON a Mastodon channel keeps in its social.Credentials.
type Secret struct {
	// AccessToken is a user token with the write:statuses, write:media and
	// read:accounts scopes.
	AccessToken string `json:"access_token"`
}

// Config builds a Client.
type Config struct {
	// BaseURL is the instance, "https://mastodon.social".
	BaseURL     string
	Credentials social.Credentials
	HTTP        *http.Client
	Now         func() time.Time
	// MaxLength is the instance's status limit; 0 means 500.
	MaxLength int
	// MediaPoll is the wait between polls of a processing attachment; 0
	// means one second. MediaWait bounds the whole wait; 0 means a minute.
	MediaPoll, MediaWait time.Duration
}

// Client is a social.Publisher for one Mastodon account.
type Client struct {
	cfg  Config
	wire *wire.Client
	now  func() time.Time
}

var _ social.Publisher = (*Client)(nil)

// New returns a client for cfg.
func New(cfg Config) (*Client, error) {
	if _, err := wire.JoinURL(cfg.BaseURL, "/"); err != nil {
		return nil, fmt.Errorf("mastodon: %w", err)
	}
	if cfg.Credentials == nil {
		return nil, fmt.Errorf("mastodon: no credentials")
	}
	if cfg.MaxLength == 0 {
		cfg.MaxLength = DefaultMaxLength
	}
	if cfg.MediaPoll == 0 {
		cfg.MediaPoll = time.Second
	}
	if cfg.MediaWait == 0 {
		cfg.MediaWait = time.Minute
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Client{cfg: cfg, now: now, wire: &wire.Client{Network: social.Mastodon, HTTP: cfg.HTTP, Now: now}}, nil
}

// Network returns social.Mastodon.
func (c *Client) Network() social.Network { return social.Mastodon }

// Limits returns the instance's limits: 4 attachments, threads by reply,
// idempotent creates (the key is kept an hour).
func (c *Client) Limits() social.Limits {
	return social.Limits{MaxLength: c.cfg.MaxLength, MaxMedia: 4, Threads: true, Idempotent: true}
}

var urlRE = regexp.MustCompile(`https?://[^\s<>"]+`)

// Count counts as Mastodon does: grapheme clusters, each URL counting 23.
func (c *Client) Count(text string) int {
	n := 0
	last := 0
	for _, m := range urlRE.FindAllStringIndex(text, -1) {
		n += uniseg.GraphemeClusterCount(text[last:m[0]]) + 23
		last = m[1]
	}
	return n + uniseg.GraphemeClusterCount(text[last:])
}

// IdempotencyKey derives the Idempotency-Key header from a post's key: the
// same post always sends the same key.
func IdempotencyKey(postKey string) string {
	sum := sha256.Sum256([]byte("chancery/mastodon/" + postKey))
	return hex.EncodeToString(sum[:16])
}

type status struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	URI       string    `json:"uri"`
	Content   string    `json:"content"`
	CreatedAt time.Time `json:"created_at"`
}

// Publish uploads the media, then creates the status with the post's
// Idempotency-Key.
func (c *Client) Publish(ctx context.Context, p social.Post) (social.Result, error) {
	if p.Key == "" {
		return social.Result{}, c.fail(social.Rejected, 0, "", "the post has no key; refusing to publish without an idempotency key", nil)
	}
	if n := c.Count(p.Text); n > c.cfg.MaxLength {
		return social.Result{}, c.fail(social.Rejected, 0, "", fmt.Sprintf("the text counts %d characters; this instance allows %d", n, c.cfg.MaxLength), nil)
	}
	if len(p.Media) > 4 {
		return social.Result{}, c.fail(social.Rejected, 0, "", "Mastodon allows at most 4 attachments", nil)
	}
	tok, err := c.token(ctx)
	if err != nil {
		return social.Result{}, err
	}
	form := url.Values{"status": {p.Text}, "visibility": {"public"}}
	if p.Lang != "" {
		form.Set("language", p.Lang)
	}
	if p.ReplyTo != "" {
		form.Set("in_reply_to_id", p.ReplyTo)
	}
	for _, m := range p.Media {
		id, err := c.upload(ctx, tok, m)
		if err != nil {
			return social.Result{}, nothingPosted(err)
		}
		form.Add("media_ids[]", id)
	}
	return c.create(ctx, tok, p.Key, form)
}

func (c *Client) create(ctx context.Context, tok, key string, form url.Values) (social.Result, error) {
	resp, err := c.do(ctx, tok, http.MethodPost, "/api/v1/statuses", []byte(form.Encode()), "application/x-www-form-urlencoded", func(h http.Header) {
		h.Set("Idempotency-Key", IdempotencyKey(key))
	})
	if err != nil {
		return social.Result{}, err
	}
	if resp.Status != http.StatusOK {
		return social.Result{}, c.classify(resp, true)
	}
	var st status
	if err := json.Unmarshal(resp.Body, &st); err != nil || st.ID == "" {
		return social.Result{}, c.fail(social.Unknown, resp.Status, "", "the instance answered with an unreadable status; the post may exist", err)
	}
	return social.Result{ID: st.ID, URL: st.URL, Created: st.CreatedAt}, nil
}

type attachment struct {
	ID  string  `json:"id"`
	URL *string `json:"url"`
}

func (c *Client) upload(ctx context.Context, tok string, m social.Media) (string, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	name := m.Filename
	if name == "" {
		name = "image"
	}
	fw, err := mw.CreateFormFile("file", name)
	if err == nil {
		_, err = fw.Write(m.Data)
	}
	if err == nil {
		err = mw.WriteField("description", m.Alt)
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		return "", c.fail(social.Rejected, 0, "", "the attachment could not be encoded", err)
	}
	resp, err := c.do(ctx, tok, http.MethodPost, "/api/v2/media", body.Bytes(), mw.FormDataContentType(), nil)
	if err != nil {
		return "", err
	}
	if resp.Status != http.StatusOK && resp.Status != http.StatusAccepted {
		return "", c.classify(resp, false)
	}
	var a attachment
	if err := json.Unmarshal(resp.Body, &a); err != nil || a.ID == "" {
		return "", c.fail(social.Transient, resp.Status, "", "the instance answered the upload with an unreadable attachment; nothing was posted", err)
	}
	if resp.Status == http.StatusOK && a.URL != nil {
		return a.ID, nil
	}
	// 202: processing; GET answers 206 until the attachment is ready.
	deadline := c.now().Add(c.cfg.MediaWait)
	for {
		resp, err := c.do(ctx, tok, http.MethodGet, "/api/v1/media/"+url.PathEscape(a.ID), nil, "", nil)
		if err != nil {
			return "", err
		}
		switch resp.Status {
		case http.StatusOK:
			return a.ID, nil
		case http.StatusPartialContent:
		default:
			return "", c.classify(resp, false)
		}
		if !c.now().Before(deadline) {
			return "", c.fail(social.Transient, resp.Status, "", "the instance is still processing the attachment; nothing was posted, try again later", nil)
		}
		select {
		case <-ctx.Done():
			return "", c.fail(social.Transient, 0, "", "cancelled while the attachment was processing; nothing was posted", ctx.Err())
		case <-time.After(c.cfg.MediaPoll):
		}
	}
}

// Delete removes a status; one already gone is not an error.
func (c *Client) Delete(ctx context.Context, id string) error {
	tok, err := c.token(ctx)
	if err != nil {
		return err
	}
	resp, err := c.do(ctx, tok, http.MethodDelete, "/api/v1/statuses/"+url.PathEscape(id), nil, "", nil)
	if err != nil {
		return err
	}
	if resp.Status == http.StatusOK || resp.Status == http.StatusNotFound {
		return nil
	}
	return c.classify(resp, false)
}

type account struct {
	ID          string `json:"id"`
	Username    string `json:"username"`
	Acct        string `json:"acct"`
	DisplayName string `json:"display_name"`
	URL         string `json:"url"`
}

func (c *Client) me(ctx context.Context, tok string) (account, error) {
	resp, err := c.do(ctx, tok, http.MethodGet, "/api/v1/accounts/verify_credentials", nil, "", nil)
	if err != nil {
		return account{}, err
	}
	if resp.Status != http.StatusOK {
		return account{}, c.classify(resp, false)
	}
	var a account
	if err := json.Unmarshal(resp.Body, &a); err != nil || a.ID == "" {
		return account{}, c.fail(social.Transient, resp.Status, "", "the instance answered with an unreadable account", err)
	}
	return a, nil
}

// WhoAmI verifies the token and returns the account.
func (c *Client) WhoAmI(ctx context.Context) (social.Account, error) {
	tok, err := c.token(ctx)
	if err != nil {
		return social.Account{}, err
	}
	a, err := c.me(ctx, tok)
	if err != nil {
		return social.Account{}, err
	}
	return social.Account{ID: a.ID, Name: a.DisplayName, Handle: "@" + a.Acct, URL: a.URL, Verified: c.now()}, nil
}

// Reconcile replays the create with the same Idempotency-Key: within the
// hour Mastodon keeps keys, it answers with the original status when the
// first attempt went through, and creates it otherwise. Either way the post
// then exists exactly once. The scheduler must reconcile within that hour.
// The key proves the post is p, so since does not narrow the answer.
func (c *Client) Reconcile(ctx context.Context, p social.Post, _ time.Time) ([]social.Result, error) {
	r, err := c.Publish(ctx, p)
	if err != nil {
		return nil, err
	}
	return []social.Result{r}, nil
}

// Recent returns the account's statuses created at or after since.
func (c *Client) Recent(ctx context.Context, since time.Time, limit int) ([]social.RemotePost, error) {
	tok, err := c.token(ctx)
	if err != nil {
		return nil, err
	}
	a, err := c.me(ctx, tok)
	if err != nil {
		return nil, err
	}
	limit = min(max(limit, 1), 40)
	resp, err := c.do(ctx, tok, http.MethodGet, "/api/v1/accounts/"+url.PathEscape(a.ID)+"/statuses?exclude_reblogs=true&limit="+strconv.Itoa(limit), nil, "", nil)
	if err != nil {
		return nil, err
	}
	if resp.Status != http.StatusOK {
		return nil, c.classify(resp, false)
	}
	var sts []status
	if err := json.Unmarshal(resp.Body, &sts); err != nil {
		return nil, c.fail(social.Transient, resp.Status, "", "the instance answered with an unreadable timeline", err)
	}
	var out []social.RemotePost
	for _, st := range sts {
		if st.CreatedAt.Before(since) {
			continue
		}
		out = append(out, social.RemotePost{ID: st.ID, URL: st.URL, Text: PlainText(st.Content), Created: st.CreatedAt})
	}
	return out, nil
}

var tagRE = regexp.MustCompile(`<[^>]*>`)

// PlainText turns a status's HTML content into text: paragraphs and line
// breaks become newlines, other tags are dropped, entities decoded.
func PlainText(content string) string {
	s := strings.NewReplacer("</p><p>", "\n\n", "<br>", "\n", "<br/>", "\n", "<br />", "\n").Replace(content)
	return strings.TrimSpace(html.UnescapeString(tagRE.ReplaceAllString(s, "")))
}

func (c *Client) token(ctx context.Context) (string, error) {
	raw, err := c.cfg.Credentials.Load(ctx)
	if err != nil {
		return "", c.fail(social.Transient, 0, "", "the channel's credentials could not be read", err)
	}
	var s Secret
	if err := json.Unmarshal(raw, &s); err != nil || s.AccessToken == "" {
		return "", c.fail(social.AuthExpired, 0, "", "the channel has no Mastodon access token; reconnect it", err)
	}
	return s.AccessToken, nil
}

func (c *Client) do(ctx context.Context, tok, method, path string, body []byte, ctype string, edit func(http.Header)) (*wire.Response, error) {
	u, err := wire.JoinURL(c.cfg.BaseURL, path)
	if err != nil {
		return nil, c.fail(social.Rejected, 0, "", "the channel's instance address is not valid", err)
	}
	req, err := wire.NewRequest(ctx, method, u, body, ctype)
	if err != nil {
		return nil, c.fail(social.Rejected, 0, "", "the request could not be built", err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", "application/json")
	if edit != nil {
		edit(req.Header)
	}
	return c.wire.Do(ctx, req)
}

func (c *Client) fail(class social.Class, status int, code, reason string, err error) *social.Error {
	return &social.Error{Network: social.Mastodon, Class: class, Status: status, Code: code, Reason: reason, Err: err}
}

// ParseError reads Mastodon's error body {"error":"…"}; "" when the body is
// not one.
func ParseError(body []byte) string {
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	return e.Error
}

// ParseReset reads X-RateLimit-Reset, an ISO-8601 time.
func ParseReset(v string) (time.Time, bool) {
	v = strings.TrimSpace(v)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// classify turns a non-success answer into an Error. create says whether
// the request was the status create, whose 500 may have taken effect.
func (c *Client) classify(resp *wire.Response, create bool) *social.Error {
	msg := ParseError(resp.Body)
	e := c.fail(social.Rejected, resp.Status, strconv.Itoa(resp.Status), "", nil)
	if msg != "" {
		e.Err = fmt.Errorf("%s", msg)
	}
	switch s := resp.Status; {
	case s == http.StatusUnauthorized:
		e.Class, e.Reason = social.AuthExpired, "the access token was revoked or has expired; reconnect the account"
	case s == http.StatusForbidden && strings.Contains(msg, "scope"):
		e.Class, e.Reason = social.AuthExpired, "the access token lacks a needed scope; reconnect the account with write:statuses and write:media"
	case s == http.StatusTooManyRequests:
		e.Class, e.Reason = social.RateLimited, "the instance's rate limit is reached; waiting for its reset"
		until, ok := ParseReset(resp.Header.Get("X-RateLimit-Reset"))
		if !ok {
			until = c.now().Add(5 * time.Minute)
		}
		e.Until = until
	case s == http.StatusBadGateway || s == http.StatusServiceUnavailable || s == http.StatusGatewayTimeout:
		e.Class, e.Reason = social.Transient, "the instance is unavailable; nothing was posted, retry later"
	case s >= 500 && create:
		e.Class, e.Reason = social.Unknown, "the instance failed while creating the status; it may exist"
	case s >= 500:
		e.Class, e.Reason = social.Transient, "the instance failed; retry later"
	case s == http.StatusUnprocessableEntity:
		e.Reason = "the instance refused the status: " + orDefault(msg, "validation failed")
	default:
		e.Reason = "the instance refused the request: " + orDefault(msg, http.StatusText(s))
	}
	return e
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

var mastodonTokenRE = regexp.MustCompile(`^[A-Za-z0-9_-]{20,128}$`)

// Validate checks a secret when a channel is connected, before it is
// saved: a token pasted with spaces or of another shape is refused.
func (s Secret) Validate() error {
	switch {
	case s.AccessToken == "":
		return fmt.Errorf("mastodon: the access token is empty")
	case strings.TrimSpace(s.AccessToken) != s.AccessToken || strings.ContainsAny(s.AccessToken, " \t\r\n"):
		return fmt.Errorf("mastodon: the access token contains spaces or line breaks; paste it again exactly as the instance shows it")
	case !mastodonTokenRE.MatchString(s.AccessToken):
		return fmt.Errorf("mastodon: this is not a Mastodon access token (letters, digits, - and _ only); copy \"Your access token\" from Preferences → Development")
	}
	return nil
}

// nothingPosted marks an error met before the create call: whatever
// happened, the post does not exist, so an Unknown outcome is Transient.
func nothingPosted(err error) error {
	if e, ok := errors.AsType[*social.Error](err); ok && e.Class == social.Unknown {
		e.Class = social.Transient
		e.Reason = "a step before posting failed (" + e.Reason + "); nothing was posted, retry later"
	}
	return err
}
