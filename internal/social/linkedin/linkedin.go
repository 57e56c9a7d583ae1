// Package linkedin publishes an organisation's posts through LinkedIn's
// versioned REST Posts API (../shared/reference/social-apis.md §7):
// POST /rest/posts with the Linkedin-Version and X-Restli-Protocol-Version
// headers, the post URN from x-restli-id, images through the Images API
// with alt text, a 422 DUPLICATE_POST read for the existing post's URN,
// deletes. It imports only internal/social and its wire plumbing.
package linkedin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/social/wire"
)

// DefaultVersion is the pinned Linkedin-Version (YYYYMM); LinkedIn sunsets
// versions about a year after release.
const DefaultVersion = "202511"

// MaxCommentary is the commentary limit (reference: 3000, unconfirmed).
const MaxCommentary = 3000

// Secret is the JSON a LinkedIn channel keeps in its social.Credentials.
type Secret struct {
	AccessToken string `json:"access_token"`
	// ExpiresAt is when the access token expires (60 days after issue).
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	// Organization is the page posted as, "urn:li:organization:123".
	Organization string `json:"organization"`
	// RefreshToken renews the access token (365 days, not rotating);
	// empty when the app has no refresh tokens.
	RefreshToken     string    `json:"refresh_token,omitempty"`
	RefreshExpiresAt time.Time `json:"refresh_expires_at,omitzero"`
}

// Config builds a Client.
type Config struct {
	// BaseURL is the API, "https://api.linkedin.com".
	BaseURL     string
	Credentials social.Credentials
	HTTP        *http.Client
	Now         func() time.Time
	// Version is the Linkedin-Version header; "" means DefaultVersion.
	Version string
	// ImagePoll and ImageWait pace the wait for an image to become
	// AVAILABLE; 0 means one second and a minute.
	ImagePoll, ImageWait time.Duration
	// TokenURL is the OAuth token endpoint; "" means
	// https://www.linkedin.com/oauth/v2/accessToken. ClientID and
	// ClientSecret are the app's, needed to refresh.
	TokenURL, ClientID, ClientSecret string
}

// RefreshBefore is how long before expiry the access token is renewed.
const RefreshBefore = 24 * time.Hour

// Client is a social.Publisher for one organisation page.
type Client struct {
	cfg  Config
	wire *wire.Client
	now  func() time.Time
}

var _ social.Publisher = (*Client)(nil)

// New returns a client for cfg.
func New(cfg Config) (*Client, error) {
	if _, err := wire.JoinURL(cfg.BaseURL, "/"); err != nil {
		return nil, fmt.Errorf("linkedin: %w", err)
	}
	if cfg.Credentials == nil {
		return nil, fmt.Errorf("linkedin: no credentials")
	}
	if cfg.TokenURL == "" {
		cfg.TokenURL = "https://www.linkedin.com/oauth/v2/accessToken"
	}
	if cfg.Version == "" {
		cfg.Version = DefaultVersion
	}
	if cfg.ImagePoll == 0 {
		cfg.ImagePoll = time.Second
	}
	if cfg.ImageWait == 0 {
		cfg.ImageWait = time.Minute
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Client{cfg: cfg, now: now, wire: &wire.Client{Network: social.LinkedIn, HTTP: cfg.HTTP, Now: now}}, nil
}

// Network returns social.LinkedIn.
func (c *Client) Network() social.Network { return social.LinkedIn }

// Limits returns 3000 characters and 20 images; LinkedIn has no threads.
func (c *Client) Limits() social.Limits {
	return social.Limits{MaxLength: MaxCommentary, MaxMedia: 20, LinkCard: true, ReconcileLag: ReconcileLag}
}

// ReconcileLag is how long a new post may take to show in the
// organisation's post list, which LinkedIn serves from an eventually
// consistent index.
const ReconcileLag = 10 * time.Second

// Count returns the length in UTF-16 code units of the commentary as sent,
// reserved characters escaped: it may over-count, never under-count.
func (c *Client) Count(text string) int { return len(utf16.Encode([]rune(EscapeLittle(text)))) }

// littleReserved are the characters LinkedIn's "little text" commentary
// format reserves; unescaped, they are read as markup and the text is cut.
const littleReserved = `\|{}@[]()<>#*_~`

// EscapeLittle escapes text for the commentary field.
func EscapeLittle(text string) string {
	var b strings.Builder
	for _, r := range text {
		if strings.ContainsRune(littleReserved, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// UnescapeLittle reverses EscapeLittle, for reading posts back.
func UnescapeLittle(s string) string {
	var b strings.Builder
	escaped := false
	for _, r := range s {
		if r == '\\' && !escaped {
			escaped = true
			continue
		}
		escaped = false
		b.WriteRune(r)
	}
	return b.String()
}

type postBody struct {
	Author                    string         `json:"author"`
	Commentary                string         `json:"commentary"`
	Visibility                string         `json:"visibility"`
	Distribution              distribution   `json:"distribution"`
	Content                   map[string]any `json:"content,omitempty"`
	LifecycleState            string         `json:"lifecycleState"`
	IsReshareDisabledByAuthor bool           `json:"isReshareDisabledByAuthor"`
}

type distribution struct {
	FeedDistribution               string   `json:"feedDistribution"`
	TargetEntities                 []string `json:"targetEntities"`
	ThirdPartyDistributionChannels []string `json:"thirdPartyDistributionChannels"`
}

// Publish uploads the images, then creates the post; its ID is the URN.
func (c *Client) Publish(ctx context.Context, p social.Post) (social.Result, error) {
	if p.ReplyTo != "" {
		return social.Result{}, c.fail(social.Rejected, 0, "", "LinkedIn posts cannot be chained as a thread", nil)
	}
	if n := c.Count(p.Text); n > MaxCommentary {
		return social.Result{}, c.fail(social.Rejected, 0, "", fmt.Sprintf("the text has %d characters; LinkedIn allows %d", n, MaxCommentary), nil)
	}
	if len(p.Media) > 20 {
		return social.Result{}, c.fail(social.Rejected, 0, "", "LinkedIn allows at most 20 images", nil)
	}
	s, err := c.secret(ctx)
	if err != nil {
		return social.Result{}, err
	}
	body := postBody{Author: s.Organization, Commentary: EscapeLittle(p.Text), Visibility: "PUBLIC",
		Distribution:   distribution{FeedDistribution: "MAIN_FEED", TargetEntities: []string{}, ThirdPartyDistributionChannels: []string{}},
		LifecycleState: "PUBLISHED"}
	var images []map[string]string
	for _, m := range p.Media {
		urn, err := c.uploadImage(ctx, s, m)
		if err != nil {
			return social.Result{}, nothingPosted(err)
		}
		images = append(images, map[string]string{"id": urn, "altText": m.Alt})
	}
	switch {
	case len(images) == 1:
		body.Content = map[string]any{"media": images[0]}
	case len(images) > 1:
		body.Content = map[string]any{"multiImage": map[string]any{"images": images}}
	case p.Link != "":
		title := p.Title
		if title == "" {
			title = p.Link
		}
		body.Content = map[string]any{"article": map[string]string{"source": p.Link, "title": title}}
	}
	b, err := json.Marshal(body)
	if err != nil {
		return social.Result{}, c.fail(social.Rejected, 0, "", "the post could not be encoded", err)
	}
	resp, err := c.do(ctx, s, http.MethodPost, "/rest/posts", b, "application/json", nil)
	if err != nil {
		return social.Result{}, err
	}
	if resp.Status != http.StatusCreated {
		return social.Result{}, c.classify(resp, true)
	}
	urn := resp.Header.Get("X-Restli-Id")
	if urn == "" {
		return social.Result{}, c.fail(social.Unknown, resp.Status, "", "LinkedIn answered without the post's id; the post may exist", nil)
	}
	return social.Result{ID: urn, URL: PostURL(urn), Created: c.now()}, nil
}

// EscapeURN escapes a URN for a URL path, colons included, as LinkedIn
// requires ("urn%3Ali%3Ashare%3A123").
func EscapeURN(urn string) string {
	return strings.ReplaceAll(url.PathEscape(urn), ":", "%3A")
}

// PostURL is the public address of a post URN.
func PostURL(urn string) string { return "https://www.linkedin.com/feed/update/" + urn + "/" }

func (c *Client) uploadImage(ctx context.Context, s Secret, m social.Media) (string, error) {
	b, _ := json.Marshal(map[string]any{"initializeUploadRequest": map[string]string{"owner": s.Organization}})
	resp, err := c.do(ctx, s, http.MethodPost, "/rest/images?action=initializeUpload", b, "application/json", nil)
	if err != nil {
		return "", err
	}
	if resp.Status != http.StatusOK {
		return "", c.classify(resp, false)
	}
	var init struct {
		Value struct {
			UploadURL string `json:"uploadUrl"`
			Image     string `json:"image"`
		} `json:"value"`
	}
	if err := json.Unmarshal(resp.Body, &init); err != nil || init.Value.UploadURL == "" || init.Value.Image == "" {
		return "", c.fail(social.Transient, resp.Status, "", "LinkedIn answered the image upload unreadably; nothing was posted", err)
	}
	up, err := url.Parse(init.Value.UploadURL)
	if err != nil || (up.Scheme != "https" && up.Scheme != "http") {
		return "", c.fail(social.Transient, resp.Status, "", "LinkedIn gave an invalid upload address; nothing was posted", err)
	}
	req, err := wire.NewRequest(ctx, http.MethodPut, up.String(), m.Data, "application/octet-stream")
	if err != nil {
		return "", c.fail(social.Rejected, 0, "", "the upload could not be built", err)
	}
	// The token goes only to LinkedIn's hosts (or the configured one).
	base, _ := url.Parse(c.cfg.BaseURL)
	if up.Host == base.Host || strings.HasSuffix(up.Hostname(), ".linkedin.com") {
		req.Header.Set("Authorization", "Bearer "+s.AccessToken)
	}
	put, err := c.wire.Do(ctx, req)
	if err != nil {
		return "", err
	}
	if put.Status != http.StatusOK && put.Status != http.StatusCreated {
		return "", c.classify(put, false)
	}
	deadline := c.now().Add(c.cfg.ImageWait)
	for {
		resp, err := c.do(ctx, s, http.MethodGet, "/rest/images/"+EscapeURN(init.Value.Image), nil, "", nil)
		if err != nil {
			return "", err
		}
		if resp.Status != http.StatusOK {
			return "", c.classify(resp, false)
		}
		var img struct {
			Status string `json:"status"`
		}
		// A body that does not parse leaves Status empty: still processing.
		_ = json.Unmarshal(resp.Body, &img)
		switch img.Status {
		case "AVAILABLE":
			return init.Value.Image, nil
		case "PROCESSING_FAILED":
			return "", c.fail(social.Rejected, resp.Status, img.Status, "LinkedIn could not process the image", nil)
		}
		if !c.now().Before(deadline) {
			return "", c.fail(social.Transient, resp.Status, img.Status, "LinkedIn is still processing the image; nothing was posted, try again later", nil)
		}
		select {
		case <-ctx.Done():
			return "", c.fail(social.Transient, 0, "", "cancelled while the image was processing; nothing was posted", ctx.Err())
		case <-time.After(c.cfg.ImagePoll):
		}
	}
}

// Delete removes a post by URN; one already gone is not an error.
func (c *Client) Delete(ctx context.Context, id string) error {
	s, err := c.secret(ctx)
	if err != nil {
		return err
	}
	resp, err := c.do(ctx, s, http.MethodDelete, "/rest/posts/"+EscapeURN(id), nil, "", func(h http.Header) {
		h.Set("X-RestLi-Method", "DELETE")
	})
	if err != nil {
		return err
	}
	if resp.Status == http.StatusNoContent || resp.Status == http.StatusOK || resp.Status == http.StatusNotFound {
		return nil
	}
	return c.classify(resp, false)
}

// WhoAmI checks that the token may post as the organisation and returns it.
func (c *Client) WhoAmI(ctx context.Context) (social.Account, error) {
	s, err := c.secret(ctx)
	if err != nil {
		return social.Account{}, err
	}
	resp, err := c.do(ctx, s, http.MethodGet, "/rest/organizationAcls?q=roleAssignee&state=APPROVED", nil, "", nil)
	if err != nil {
		return social.Account{}, err
	}
	if resp.Status != http.StatusOK {
		return social.Account{}, c.classify(resp, false)
	}
	var acls struct {
		Elements []struct {
			Organization string `json:"organization"`
			Role         string `json:"role"`
			State        string `json:"state"`
		} `json:"elements"`
	}
	if err := json.Unmarshal(resp.Body, &acls); err != nil {
		return social.Account{}, c.fail(social.Transient, resp.Status, "", "LinkedIn answered the roles unreadably", err)
	}
	allowed := false
	for _, a := range acls.Elements {
		if a.Organization == s.Organization && a.State == "APPROVED" && (a.Role == "ADMINISTRATOR" || a.Role == "CONTENT_ADMINISTRATOR" || a.Role == "CONTENT_ADMIN") {
			allowed = true
		}
	}
	if !allowed {
		return social.Account{}, c.fail(social.AuthExpired, resp.Status, "", "the connected member is not an administrator or content administrator of the page; reconnect with one", nil)
	}
	id := strings.TrimPrefix(s.Organization, "urn:li:organization:")
	resp, err = c.do(ctx, s, http.MethodGet, "/rest/organizations/"+url.PathEscape(id), nil, "", nil)
	if err != nil {
		return social.Account{}, err
	}
	if resp.Status != http.StatusOK {
		return social.Account{}, c.classify(resp, false)
	}
	var org struct {
		LocalizedName string `json:"localizedName"`
		VanityName    string `json:"vanityName"`
	}
	if err := json.Unmarshal(resp.Body, &org); err != nil {
		return social.Account{}, c.fail(social.Transient, resp.Status, "", "LinkedIn answered the organisation unreadably", err)
	}
	return social.Account{ID: s.Organization, Name: org.LocalizedName, Handle: org.VanityName,
		URL: "https://www.linkedin.com/company/" + org.VanityName + "/", Expires: s.ExpiresAt, Verified: c.now()}, nil
}

type remote struct {
	ID         string `json:"id"`
	Commentary string `json:"commentary"`
	CreatedAt  int64  `json:"createdAt"`
	Content    struct {
		Article struct {
			Source string `json:"source"`
		} `json:"article"`
	} `json:"content"`
}

func (c *Client) list(ctx context.Context, s Secret, count int) ([]remote, error) {
	q := url.Values{"q": {"author"}, "author": {s.Organization}, "count": {strconv.Itoa(count)}, "sortBy": {"CREATED"}}
	resp, err := c.do(ctx, s, http.MethodGet, "/rest/posts?"+q.Encode(), nil, "", func(h http.Header) {
		h.Set("X-RestLi-Method", "FINDER")
	})
	if err != nil {
		return nil, err
	}
	if resp.Status != http.StatusOK {
		return nil, c.classify(resp, false)
	}
	var out struct {
		Elements []remote `json:"elements"`
	}
	if err := json.Unmarshal(resp.Body, &out); err != nil {
		return nil, c.fail(social.Transient, resp.Status, "", "LinkedIn answered the post list unreadably", err)
	}
	return out.Elements, nil
}

// Reconcile returns the organisation's posts created at or after since
// whose commentary is exactly p's text and whose article link is exactly
// p.Link, as Publish sent them (a post with images carries no article).
func (c *Client) Reconcile(ctx context.Context, p social.Post, since time.Time) ([]social.Result, error) {
	s, err := c.secret(ctx)
	if err != nil {
		return nil, err
	}
	posts, err := c.list(ctx, s, 100)
	if err != nil {
		return nil, err
	}
	want, link := EscapeLittle(p.Text), p.Link
	if len(p.Media) > 0 {
		link = ""
	}
	floor := since.Truncate(time.Millisecond)
	var out []social.Result
	for _, r := range posts {
		created := time.UnixMilli(r.CreatedAt).UTC()
		if created.Before(floor) || r.Commentary != want || r.Content.Article.Source != link {
			continue
		}
		out = append(out, social.Result{ID: r.ID, URL: PostURL(r.ID), Created: created})
	}
	return out, nil
}

// Recent returns the organisation's posts created at or after since.
func (c *Client) Recent(ctx context.Context, since time.Time, limit int) ([]social.RemotePost, error) {
	s, err := c.secret(ctx)
	if err != nil {
		return nil, err
	}
	posts, err := c.list(ctx, s, min(max(limit, 1), 100))
	if err != nil {
		return nil, err
	}
	var out []social.RemotePost
	for _, r := range posts {
		created := time.UnixMilli(r.CreatedAt).UTC()
		if created.Before(since) {
			continue
		}
		out = append(out, social.RemotePost{ID: r.ID, URL: PostURL(r.ID), Text: UnescapeLittle(r.Commentary), Created: created})
	}
	return out, nil
}

var orgRE = regexp.MustCompile(`^urn:li:organization:[0-9]+$`)

func (c *Client) secret(ctx context.Context) (Secret, error) {
	raw, err := c.cfg.Credentials.Load(ctx)
	if err != nil {
		return Secret{}, c.fail(social.Transient, 0, "", "the channel's credentials could not be read", err)
	}
	var s Secret
	if err := json.Unmarshal(raw, &s); err != nil || s.AccessToken == "" || !orgRE.MatchString(s.Organization) {
		return Secret{}, c.fail(social.AuthExpired, 0, "", "the channel has no LinkedIn token and organisation; reconnect it", err)
	}
	if s.ExpiresAt.IsZero() || c.now().Before(s.ExpiresAt.Add(-RefreshBefore)) {
		return s, nil
	}
	if s.RefreshToken != "" && c.cfg.ClientID != "" && (s.RefreshExpiresAt.IsZero() || c.now().Before(s.RefreshExpiresAt)) {
		return c.refresh(ctx, s.AccessToken)
	}
	if !c.now().Before(s.ExpiresAt) {
		return Secret{}, c.fail(social.AuthExpired, 0, "", "the LinkedIn access token expired; reconnect the page", nil)
	}
	return s, nil
}

// refresh renews the access token under the credentials' lock, unless
// another caller already did, and saves it before it is used. LinkedIn's
// refresh token does not rotate: it is kept, never wiped.
func (c *Client) refresh(ctx context.Context, stale string) (Secret, error) {
	var out Secret
	err := c.cfg.Credentials.Update(ctx, func(raw []byte) ([]byte, error) {
		var s Secret
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, c.fail(social.AuthExpired, 0, "", "the channel's LinkedIn credentials are unreadable; reconnect it", err)
		}
		if s.AccessToken != stale {
			out = s // renewed meanwhile
			return raw, nil
		}
		form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {s.RefreshToken},
			"client_id": {c.cfg.ClientID}, "client_secret": {c.cfg.ClientSecret}}
		req, err := wire.NewRequest(ctx, http.MethodPost, c.cfg.TokenURL, []byte(form.Encode()), "application/x-www-form-urlencoded")
		if err != nil {
			return nil, c.fail(social.Rejected, 0, "", "the token address is not valid", err)
		}
		w := &wire.Client{Network: social.LinkedIn, HTTP: c.cfg.HTTP, Now: c.now,
			Redact: redactAll(s.RefreshToken, c.cfg.ClientSecret, url.QueryEscape(s.RefreshToken), url.QueryEscape(c.cfg.ClientSecret))}
		resp, err := w.Do(ctx, req)
		if err != nil {
			return nil, err
		}
		var tok struct {
			AccessToken           string `json:"access_token"`
			ExpiresIn             int64  `json:"expires_in"`
			RefreshToken          string `json:"refresh_token"`
			RefreshTokenExpiresIn int64  `json:"refresh_token_expires_in"`
			Error                 string `json:"error"`
			ErrorDescription      string `json:"error_description"`
		}
		// A body that does not parse leaves tok empty; the status decides.
		_ = json.Unmarshal(resp.Body, &tok)
		switch {
		case resp.Status == http.StatusBadRequest || resp.Status == http.StatusUnauthorized:
			return nil, c.fail(social.AuthExpired, resp.Status, tok.Error, "LinkedIn refused to renew the access token ("+tok.ErrorDescription+"); reconnect the page", nil)
		case resp.Status >= 500:
			return nil, c.fail(social.Transient, resp.Status, "", "LinkedIn could not renew the access token; retry later", nil)
		case resp.Status != http.StatusOK || tok.AccessToken == "" || tok.ExpiresIn <= 0:
			return nil, c.fail(social.Transient, resp.Status, "", "LinkedIn answered the token renewal unreadably; retry later", nil)
		}
		now := c.now()
		s.AccessToken, s.ExpiresAt = tok.AccessToken, now.Add(time.Duration(tok.ExpiresIn)*time.Second)
		if tok.RefreshToken != "" {
			s.RefreshToken = tok.RefreshToken
		}
		if tok.RefreshTokenExpiresIn > 0 {
			s.RefreshExpiresAt = now.Add(time.Duration(tok.RefreshTokenExpiresIn) * time.Second)
		}
		out = s
		return json.Marshal(s)
	})
	if err != nil {
		if _, ok := errors.AsType[*social.Error](err); ok {
			return Secret{}, nothingPosted(err)
		}
		return Secret{}, c.fail(social.Transient, 0, "", "the renewed token could not be saved; it was not used", err)
	}
	return out, nil
}

// redactAll removes each secret from the recorded URL, bodies and error.
func redactAll(secrets ...string) func(*social.Exchange) {
	return func(ex *social.Exchange) {
		for _, sec := range secrets {
			if sec == "" {
				continue
			}
			wire.RedactPathSegment(sec)(ex)
			ex.ResponseBody = bytes.ReplaceAll(ex.ResponseBody, []byte(sec), []byte("[redacted]"))
			ex.Err = strings.ReplaceAll(ex.Err, sec, "[redacted]")
		}
		var m map[string]any
		if json.Unmarshal(ex.ResponseBody, &m) == nil {
			for _, k := range []string{"access_token", "refresh_token"} {
				if _, ok := m[k]; ok {
					m[k] = "[redacted]"
				}
			}
			ex.ResponseBody, _ = json.Marshal(m)
		}
	}
}

func (c *Client) do(ctx context.Context, s Secret, method, path string, body []byte, ctype string, edit func(http.Header)) (*wire.Response, error) {
	u, err := wire.JoinURL(c.cfg.BaseURL, path)
	if err != nil {
		return nil, c.fail(social.Rejected, 0, "", "the LinkedIn API address is not valid", err)
	}
	req, err := wire.NewRequest(ctx, method, u, body, ctype)
	if err != nil {
		return nil, c.fail(social.Rejected, 0, "", "the request could not be built", err)
	}
	req.Header.Set("Authorization", "Bearer "+s.AccessToken)
	req.Header.Set("Linkedin-Version", c.cfg.Version)
	req.Header.Set("X-Restli-Protocol-Version", "2.0.0")
	if edit != nil {
		edit(req.Header)
	}
	return c.wire.Do(ctx, req)
}

func (c *Client) fail(class social.Class, status int, code, reason string, err error) *social.Error {
	return &social.Error{Network: social.LinkedIn, Class: class, Status: status, Code: code, Reason: reason, Err: err}
}

// APIError is LinkedIn's error body.
type APIError struct {
	Message          string `json:"message"`
	Status           int    `json:"status"`
	Code             string `json:"code"`
	ServiceErrorCode int    `json:"serviceErrorCode"`
	ErrorDetails     struct {
		InputErrors []struct {
			Description string `json:"description"`
			Code        string `json:"code"`
		} `json:"inputErrors"`
	} `json:"errorDetails"`
}

// ParseError reads an error body; ok is false when it is not one.
func ParseError(body []byte) (APIError, bool) {
	var e APIError
	if json.Unmarshal(body, &e) != nil || (e.Message == "" && e.Status == 0 && e.Code == "") {
		return APIError{}, false
	}
	return e, true
}

var urnRE = regexp.MustCompile(`urn:li:(?:share|ugcPost):[0-9]+`)

// DuplicateOf returns the URN of the existing post a 422 DUPLICATE_POST
// names, "" when it is not one or names none.
func DuplicateOf(e APIError) (urn string, dup bool) {
	for _, ie := range e.ErrorDetails.InputErrors {
		if ie.Code == "DUPLICATE_POST" {
			dup = true
		}
	}
	if !dup && !strings.Contains(e.Message, "duplicate") {
		return "", false
	}
	return urnRE.FindString(e.Message), true
}

// nextMidnight is when LinkedIn's daily quotas reset (UTC midnight).
func nextMidnight(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)
}

func (c *Client) classify(resp *wire.Response, create bool) *social.Error {
	ae, ok := ParseError(resp.Body)
	e := c.fail(social.Rejected, resp.Status, strconv.Itoa(resp.Status), "", nil)
	if ok {
		if ae.Code != "" {
			e.Code = ae.Code
		}
		e.Err = errors.New(ae.Message)
	}
	switch s := resp.Status; {
	case s == http.StatusUnauthorized:
		e.Class, e.Reason = social.AuthExpired, "LinkedIn refuses the access token (expired or revoked); reconnect the page"
	case s == http.StatusForbidden:
		e.Class, e.Reason = social.AuthExpired, "LinkedIn does not let this token post for the page (w_organization_social and an admin role are needed); reconnect with them"
	case s == http.StatusTooManyRequests:
		// No header says when: daily quotas reset at midnight UTC.
		e.Class, e.Reason, e.Until = social.RateLimited, "LinkedIn's daily limit is reached; waiting until it resets at midnight UTC", nextMidnight(c.now())
	case s == http.StatusUnprocessableEntity && create:
		if urn, dup := DuplicateOf(ae); dup {
			e.Class, e.Code, e.ExistingID = social.Duplicate, "DUPLICATE_POST", urn
			e.Reason = "LinkedIn already holds this post"
			if urn != "" {
				e.Reason += " (" + urn + ")"
			}
			break
		}
		e.Reason = "LinkedIn refused the post: " + ae.Message
	case s == http.StatusBadGateway || s == http.StatusServiceUnavailable || s == http.StatusGatewayTimeout:
		e.Class, e.Reason = social.Transient, "LinkedIn is unavailable; nothing was posted, retry later"
	case s >= 500 && create:
		e.Class, e.Reason = social.Unknown, "LinkedIn failed while creating the post; it may exist"
	case s >= 500:
		e.Class, e.Reason = social.Transient, "LinkedIn failed; retry later"
	case create && !ok && s >= 200 && s < 300:
		e.Class, e.Reason = social.Unknown, "LinkedIn answered unexpectedly; the post may exist"
	case ok:
		e.Reason = "LinkedIn refused the request: " + ae.Message
	default:
		e.Reason = "LinkedIn refused the request: " + http.StatusText(s)
	}
	return e
}

// Validate checks a secret when a channel is connected, before it is
// saved.
func (s Secret) Validate() error {
	switch {
	case s.AccessToken == "":
		return fmt.Errorf("linkedin: the access token is empty")
	case strings.ContainsAny(s.AccessToken, " \t\r\n"):
		return fmt.Errorf("linkedin: the access token contains spaces; connect the page again")
	case !orgRE.MatchString(s.Organization):
		return fmt.Errorf("linkedin: %q is not an organisation (urn:li:organization:123)", s.Organization)
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
