// Package facebook publishes to a Facebook Page through the Graph API at one
// pinned version (../shared/reference/social-apis.md §3): feed posts, a
// photo, several photos (uploaded unpublished, then attached), deletes,
// with the page token; errors classified by code and subcode; and it stops
// itself at about 90% of what X-App-Usage and X-Business-Use-Case-Usage
// report, before Facebook throttles. It imports only internal/social and
// its wire plumbing.
package facebook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf16"

	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/social/wire"
)

// Version is the pinned Graph API version.
const Version = "v25.0"

// ThrottleAt is the usage percentage at which the client stops sending.
const ThrottleAt = 90

// MaxPhotos is how many photos one post carries here.
const MaxPhotos = 10

// Secret is the JSON a Facebook channel keeps in its social.Credentials.
type Secret struct {
	PageID string `json:"page_id"`
	// PageToken is a Page access token (or a system user's), which does not
	// expire but dies on a password change or role removal.
	PageToken string `json:"page_token"`
}

var pageIDRE = regexp.MustCompile(`^[0-9]{5,25}$`)

// Config builds a Client.
type Config struct {
	// BaseURL is the Graph API host, "https://graph.facebook.com".
	BaseURL     string
	Credentials social.Credentials
	HTTP        *http.Client
	Now         func() time.Time
}

// Client is a social.Publisher for one Page.
type Client struct {
	cfg Config
	now func() time.Time

	mu    sync.Mutex
	until time.Time // no request before this: usage was near the limit
}

var _ social.Publisher = (*Client)(nil)

// New returns a client for cfg.
func New(cfg Config) (*Client, error) {
	if _, err := wire.JoinURL(cfg.BaseURL, "/"); err != nil {
		return nil, fmt.Errorf("facebook: %w", err)
	}
	if cfg.Credentials == nil {
		return nil, fmt.Errorf("facebook: no credentials")
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Client{cfg: cfg, now: now}, nil
}

// Network returns social.Facebook.
func (c *Client) Network() social.Network { return social.Facebook }

// Limits returns a 63,206-character message and 10 photos; a Page has no
// threads.
func (c *Client) Limits() social.Limits {
	return social.Limits{MaxLength: 63206, MaxMedia: MaxPhotos, LinkCard: true, ReconcileLag: ReconcileLag}
}

// ReconcileLag is how long a new post may take to show in the Page's
// published_posts: Facebook's reads are eventually consistent.
const ReconcileLag = 5 * time.Second

// Count returns the length in UTF-16 code units.
func (c *Client) Count(text string) int { return len(utf16.Encode([]rune(text))) }

type created struct {
	ID     string `json:"id"`
	PostID string `json:"post_id"`
}

// Publish posts the text (with the link), one photo with the text as
// caption, or several photos attached to one feed post.
func (c *Client) Publish(ctx context.Context, p social.Post) (social.Result, error) {
	if p.ReplyTo != "" {
		return social.Result{}, c.fail(social.Rejected, 0, "", "Facebook Page posts cannot be chained as a thread", nil)
	}
	if len(p.Media) > MaxPhotos {
		return social.Result{}, c.fail(social.Rejected, 0, "", fmt.Sprintf("at most %d photos in one Facebook post", MaxPhotos), nil)
	}
	if n := c.Count(p.Text); n > 63206 {
		return social.Result{}, c.fail(social.Rejected, 0, "", "the text is longer than Facebook allows", nil)
	}
	s, err := c.secret(ctx)
	if err != nil {
		return social.Result{}, err
	}
	var resp *wire.Response
	switch len(p.Media) {
	case 0:
		form := url.Values{"message": {p.Text}, "published": {"true"}}
		if p.Link != "" {
			form.Set("link", p.Link)
		}
		resp, err = c.post(ctx, s, "/"+s.PageID+"/feed", form, nil, true)
	case 1:
		form := url.Values{"caption": {p.Text}, "published": {"true"}}
		resp, err = c.post(ctx, s, "/"+s.PageID+"/photos", form, &p.Media[0], true)
	default:
		form := url.Values{"message": {p.Text}, "published": {"true"}}
		for i := range p.Media {
			r, err := c.post(ctx, s, "/"+s.PageID+"/photos", url.Values{"published": {"false"}}, &p.Media[i], false)
			if err != nil {
				return social.Result{}, nothingPosted(err)
			}
			var ph created
			if json.Unmarshal(r.Body, &ph) != nil || ph.ID == "" {
				return social.Result{}, c.fail(social.Transient, r.Status, "", "Facebook answered a photo upload unreadably; nothing was posted", nil)
			}
			b, _ := json.Marshal(map[string]string{"media_fbid": ph.ID})
			form.Set("attached_media["+strconv.Itoa(i)+"]", string(b))
		}
		resp, err = c.post(ctx, s, "/"+s.PageID+"/feed", form, nil, true)
	}
	if err != nil {
		return social.Result{}, err
	}
	var out created
	if err := json.Unmarshal(resp.Body, &out); err != nil || (out.ID == "" && out.PostID == "") {
		return social.Result{}, c.fail(social.Unknown, resp.Status, "", "Facebook answered with an unreadable post; the post may exist", err)
	}
	id := out.ID
	if out.PostID != "" {
		id = out.PostID
	}
	return social.Result{ID: id, URL: "https://www.facebook.com/" + id, Created: c.now()}, nil
}

// Delete removes a post; one already gone is not an error.
func (c *Client) Delete(ctx context.Context, id string) error {
	s, err := c.secret(ctx)
	if err != nil {
		return err
	}
	_, err = c.send(ctx, s, http.MethodDelete, "/"+url.PathEscape(id), nil, "", false)
	if e, ok := errors.AsType[*social.Error](err); ok && e.Code == "100/33" {
		return nil // "Object does not exist": already deleted
	}
	return err
}

// WhoAmI checks the page token and returns the Page.
func (c *Client) WhoAmI(ctx context.Context) (social.Account, error) {
	s, err := c.secret(ctx)
	if err != nil {
		return social.Account{}, err
	}
	resp, err := c.send(ctx, s, http.MethodGet, "/me?fields=id,name,username,link", nil, "", false)
	if err != nil {
		return social.Account{}, err
	}
	var me struct{ ID, Name, Username, Link string }
	if err := json.Unmarshal(resp.Body, &me); err != nil || me.ID == "" {
		return social.Account{}, c.fail(social.Transient, resp.Status, "", "Facebook answered with an unreadable Page", err)
	}
	if me.ID != s.PageID {
		return social.Account{}, c.fail(social.AuthExpired, resp.Status, "", "the token is not this Page's token (a user token was pasted?); reconnect with the Page token", nil)
	}
	return social.Account{ID: me.ID, Name: me.Name, Handle: me.Username, URL: me.Link, Verified: c.now()}, nil
}

// fbPost is a Page post as published_posts lists it.
type fbPost struct {
	ID           string `json:"id"`
	Message      string `json:"message"`
	CreatedTime  string `json:"created_time"`
	PermalinkURL string `json:"permalink_url"`
	Attachments  struct {
		Data []struct {
			Type         string `json:"type"`
			UnshimmedURL string `json:"unshimmed_url"`
		} `json:"data"`
	} `json:"attachments"`
	created time.Time
}

// link returns the address of the link the post shares, or "".
func (p fbPost) link() string {
	for _, a := range p.Attachments.Data {
		if a.Type == "share" && a.UnshimmedURL != "" {
			return a.UnshimmedURL
		}
	}
	return ""
}

// published lists the Page's published posts created at or after since
// (to the second, Facebook's precision), newest first.
func (c *Client) published(ctx context.Context, since time.Time, limit int) ([]fbPost, error) {
	s, err := c.secret(ctx)
	if err != nil {
		return nil, err
	}
	q := url.Values{"fields": {"id,message,created_time,permalink_url,attachments{type,unshimmed_url}"}, "limit": {strconv.Itoa(min(max(limit, 1), 100))}}
	if !since.IsZero() {
		q.Set("since", strconv.FormatInt(since.Unix(), 10))
	}
	resp, err := c.send(ctx, s, http.MethodGet, "/"+s.PageID+"/published_posts?"+q.Encode(), nil, "", false)
	if err != nil {
		return nil, err
	}
	var out struct {
		Data []fbPost `json:"data"`
	}
	if err := json.Unmarshal(resp.Body, &out); err != nil {
		return nil, c.fail(social.Transient, resp.Status, "", "Facebook answered the Page's posts unreadably", err)
	}
	floor := since.Truncate(time.Second)
	var posts []fbPost
	for _, d := range out.Data {
		t, err := time.Parse("2006-01-02T15:04:05-0700", d.CreatedTime)
		if err != nil || t.Before(floor) {
			continue
		}
		d.created = t.UTC()
		posts = append(posts, d)
	}
	return posts, nil
}

// Reconcile returns the Page's posts created at or after since whose
// message is exactly p's text and whose shared link is exactly p.Link, as
// Publish sent them (Facebook keeps the message as sent, and shows the
// link as a "share" attachment).
func (c *Client) Reconcile(ctx context.Context, p social.Post, since time.Time) ([]social.Result, error) {
	posts, err := c.published(ctx, since, 100)
	if err != nil {
		return nil, err
	}
	link := p.Link
	if len(p.Media) > 0 {
		link = "" // photo posts carry no link (see Publish)
	}
	var out []social.Result
	for _, r := range posts {
		if strings.TrimSpace(r.Message) == strings.TrimSpace(p.Text) && r.link() == link {
			out = append(out, social.Result{ID: r.ID, URL: r.PermalinkURL, Created: r.created})
		}
	}
	return out, nil
}

// Recent returns the Page's published posts created at or after since.
func (c *Client) Recent(ctx context.Context, since time.Time, limit int) ([]social.RemotePost, error) {
	posts, err := c.published(ctx, since, limit)
	if err != nil {
		return nil, err
	}
	out := make([]social.RemotePost, 0, len(posts))
	for _, d := range posts {
		out = append(out, social.RemotePost{ID: d.ID, URL: d.PermalinkURL, Text: d.Message, Created: d.created})
	}
	return out, nil
}

func (c *Client) secret(ctx context.Context) (Secret, error) {
	raw, err := c.cfg.Credentials.Load(ctx)
	if err != nil {
		return Secret{}, c.fail(social.Transient, 0, "", "the channel's credentials could not be read", err)
	}
	var s Secret
	if err := json.Unmarshal(raw, &s); err != nil || s.PageToken == "" || strings.ContainsAny(s.PageToken, " \t\r\n") || !pageIDRE.MatchString(s.PageID) {
		return Secret{}, c.fail(social.AuthExpired, 0, "", "the channel has no valid Page id and Page token; reconnect it", err)
	}
	return s, nil
}

// post sends a form, or a multipart form with a photo (source, and its alt
// text as alt_text_custom).
func (c *Client) post(ctx context.Context, s Secret, path string, form url.Values, photo *social.Media, create bool) (*wire.Response, error) {
	if photo == nil {
		return c.send(ctx, s, http.MethodPost, path, []byte(form.Encode()), "application/x-www-form-urlencoded", create)
	}
	if photo.Alt != "" {
		form.Set("alt_text_custom", photo.Alt)
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range form {
		if err := mw.WriteField(k, vs[0]); err != nil {
			return nil, c.fail(social.Rejected, 0, "", "the photo could not be encoded", err)
		}
	}
	name := photo.Filename
	if name == "" {
		name = "photo.jpg"
	}
	fw, err := mw.CreateFormFile("source", name)
	if err == nil {
		_, err = fw.Write(photo.Data)
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		return nil, c.fail(social.Rejected, 0, "", "the photo could not be encoded", err)
	}
	return c.send(ctx, s, http.MethodPost, path, buf.Bytes(), mw.FormDataContentType(), create)
}

// send makes one Graph API call with the page token, unless the usage
// headers last seen said to wait; it notes the usage of every answer.
func (c *Client) send(ctx context.Context, s Secret, method, path string, body []byte, ctype string, create bool) (*wire.Response, error) {
	c.mu.Lock()
	until := c.until
	c.mu.Unlock()
	if c.now().Before(until) {
		return nil, &social.Error{Network: social.Facebook, Class: social.RateLimited, Until: until, Code: "usage",
			Reason: fmt.Sprintf("Facebook's usage counters are near their limit (%d%%); waiting before sending", ThrottleAt)}
	}
	u, err := wire.JoinURL(c.cfg.BaseURL, "/"+Version+path)
	if err != nil {
		return nil, c.fail(social.Rejected, 0, "", "the Graph API address is not valid", err)
	}
	if method != http.MethodPost {
		sep := "?"
		if strings.Contains(u, "?") {
			sep = "&"
		}
		u += sep + "access_token=" + url.QueryEscape(s.PageToken)
	} else if ctype == "application/x-www-form-urlencoded" {
		body = append(body, "&access_token="+url.QueryEscape(s.PageToken)...)
	} else {
		u += "?access_token=" + url.QueryEscape(s.PageToken)
	}
	req, err := wire.NewRequest(ctx, method, u, body, ctype)
	if err != nil {
		return nil, c.fail(social.Rejected, 0, "", "the request could not be built", err)
	}
	w := &wire.Client{Network: social.Facebook, HTTP: c.cfg.HTTP, Now: c.now, Redact: redactor(s.PageToken)}
	resp, err := w.Do(ctx, req)
	if err != nil {
		if e, ok := errors.AsType[*social.Error](err); ok && e.Err != nil {
			e.Err = errors.New(strings.ReplaceAll(e.Err.Error(), url.QueryEscape(s.PageToken), "[redacted]"))
		}
		return nil, err
	}
	c.noteUsage(resp.Header)
	if resp.Status == http.StatusOK {
		return resp, nil
	}
	return nil, c.classify(resp, create)
}

func redactor(token string) func(*social.Exchange) {
	return func(ex *social.Exchange) {
		for _, t := range []string{url.QueryEscape(token), token} {
			wire.RedactPathSegment(t)(ex)
			ex.Err = strings.ReplaceAll(ex.Err, t, "[redacted]")
		}
	}
}

// noteUsage reads the usage headers: at ThrottleAt percent or more, no
// request is sent until Facebook says access comes back, or ten minutes.
func (c *Client) noteUsage(h http.Header) {
	app, _ := ParseAppUsage(h.Get("X-App-Usage"))
	buc, _ := ParseBusinessUsage(h.Get("X-Business-Use-Case-Usage"))
	if max(app.Percent, buc.Percent) < ThrottleAt {
		return
	}
	wait := max(buc.Regain, 10*time.Minute)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.until = c.now().Add(wait)
}

// APIError is the Graph API's error envelope.
type APIError struct {
	Message     string `json:"message"`
	Type        string `json:"type"`
	Code        int    `json:"code"`
	Subcode     int    `json:"error_subcode"`
	UserTitle   string `json:"error_user_title"`
	UserMsg     string `json:"error_user_msg"`
	FBTraceID   string `json:"fbtrace_id"`
	IsTransient bool   `json:"is_transient"`
}

// ParseError reads the error envelope; ok is false when the body has none.
func ParseError(body []byte) (APIError, bool) {
	var env struct {
		Error *APIError `json:"error"`
	}
	if json.Unmarshal(body, &env) != nil || env.Error == nil || (env.Error.Code == 0 && env.Error.Message == "") {
		return APIError{}, false
	}
	return *env.Error, true
}

func (c *Client) fail(class social.Class, status int, code, reason string, err error) *social.Error {
	return &social.Error{Network: social.Facebook, Class: class, Status: status, Code: code, Reason: reason, Err: err}
}

// Classify maps a Graph API error to a class (reference §3).
func Classify(e APIError) social.Class {
	switch {
	case e.Code == 190 || e.Code == 102:
		return social.AuthExpired
	case e.Code == 4 || e.Code == 17 || e.Code == 32 || e.Code == 613 || e.Code == 80001:
		return social.RateLimited
	case e.Code == 506:
		return social.Duplicate
	case e.Code == 1 || e.Code == 2 || e.IsTransient:
		return social.Transient
	}
	return social.Rejected
}

func (c *Client) classify(resp *wire.Response, create bool) *social.Error {
	ae, ok := ParseError(resp.Body)
	if !ok {
		e := c.fail(social.Transient, resp.Status, strconv.Itoa(resp.Status), "Facebook is unavailable; retry later", nil)
		if create && (resp.Status < 500 || resp.Status == http.StatusInternalServerError) {
			e.Class, e.Reason = social.Unknown, "Facebook answered something unreadable; the post may exist"
		}
		return e
	}
	code := strconv.Itoa(ae.Code)
	if ae.Subcode != 0 {
		code += "/" + strconv.Itoa(ae.Subcode)
	}
	e := c.fail(Classify(ae), resp.Status, code, "", fmt.Errorf("%s (fbtrace_id %s)", ae.Message, ae.FBTraceID))
	switch e.Class {
	case social.AuthExpired:
		e.Reason = "the Page token is no longer valid (password changed, role removed or app removed); reconnect the Page"
	case social.RateLimited:
		e.Reason = "Facebook is throttling the Page; waiting before sending again"
		buc, _ := ParseBusinessUsage(resp.Header.Get("X-Business-Use-Case-Usage"))
		e.Until = c.now().Add(max(buc.Regain, 10*time.Minute))
	case social.Duplicate:
		e.Reason = "Facebook refused the post as a duplicate of the Page's previous post"
	case social.Transient:
		e.Reason = "Facebook had a temporary problem; nothing was posted, retry later"
	default:
		switch {
		case ae.Code == 368:
			e.Reason = "Facebook blocked the post as abusive or against its policies; the press office must review the Page"
		case ae.Code == 1609005:
			e.Reason = "Facebook could not read the link; check that the portal address is public"
		case ae.Code == 10 || ae.Code >= 200 && ae.Code <= 299:
			e.Reason = "the Page token lacks a permission (pages_manage_posts, pages_read_engagement): " + ae.Message
		default:
			e.Reason = "Facebook refused the request: " + orDefault(ae.UserMsg, ae.Message)
		}
	}
	return e
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// Validate checks a secret when a channel is connected, before it is
// saved. Whether the token is the Page's (not a user's) is checked by
// WhoAmI, which the network alone can tell.
func (s Secret) Validate() error {
	switch {
	case !pageIDRE.MatchString(s.PageID):
		return fmt.Errorf("facebook: %q is not a Page id (digits only, from the Page's About section)", s.PageID)
	case strings.ContainsAny(s.PageToken, " \t\r\n"):
		return fmt.Errorf("facebook: the Page token contains spaces; paste it again without")
	case !strings.HasPrefix(s.PageToken, "EAA") || len(s.PageToken) < 40:
		return fmt.Errorf("facebook: this is not a Facebook access token (they start with EAA); copy the Page token from Business Manager")
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
