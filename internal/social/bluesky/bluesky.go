// Package bluesky publishes to a Bluesky account through its PDS
// (../shared/reference/social-apis.md §5): an app-password session whose
// rotating refresh token is saved before use, createRecord with a record
// key derived from the post's key, link facets in UTF-8 byte offsets, image
// blobs with alt text, replies with root and parent references. It imports
// only internal/social and its wire plumbing.
package bluesky

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rivo/uniseg"

	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/social/wire"
)

// Limits of app.bsky.feed.post.
const (
	MaxGraphemes = 300
	MaxBytes     = 3000
	MaxImages    = 4
	MaxImageSize = 2_000_000
)

const collection = "app.bsky.feed.post"

// Secret is the JSON a Bluesky channel keeps in its social.Credentials: the
// app password, and the session the connector keeps up to date.
type Secret struct {
	Identifier  string `json:"identifier"` // handle or DID
	AppPassword string `json:"app_password"`
	DID         string `json:"did,omitempty"`
	Handle      string `json:"handle,omitempty"`
	AccessJwt   string `json:"access_jwt,omitempty"`
	RefreshJwt  string `json:"refresh_jwt,omitempty"`
}

// Config builds a Client.
type Config struct {
	// BaseURL is the account's PDS, "https://bsky.social".
	BaseURL     string
	Credentials social.Credentials
	HTTP        *http.Client
	Now         func() time.Time
	// AppURL is the public web app for post links; "" means https://bsky.app.
	AppURL string
}

// Client is a social.Publisher for one Bluesky account.
type Client struct {
	cfg  Config
	wire *wire.Client
	now  func() time.Time
}

var _ social.Publisher = (*Client)(nil)

// New returns a client for cfg.
func New(cfg Config) (*Client, error) {
	if _, err := wire.JoinURL(cfg.BaseURL, "/"); err != nil {
		return nil, fmt.Errorf("bluesky: %w", err)
	}
	if cfg.Credentials == nil {
		return nil, fmt.Errorf("bluesky: no credentials")
	}
	if cfg.AppURL == "" {
		cfg.AppURL = "https://bsky.app"
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	c := &Client{cfg: cfg, now: now}
	c.wire = &wire.Client{Network: social.Bluesky, HTTP: cfg.HTTP, Now: now, Redact: c.redact}
	return c, nil
}

// redact removes the app password and session tokens from recorded bodies.
func (c *Client) redact(ex *social.Exchange) {
	for _, b := range []*[]byte{&ex.RequestBody, &ex.ResponseBody} {
		var m map[string]any
		if len(*b) == 0 || json.Unmarshal(*b, &m) != nil {
			continue
		}
		changed := false
		for _, k := range []string{"password", "accessJwt", "refreshJwt"} {
			if _, ok := m[k]; ok {
				m[k] = "[redacted]"
				changed = true
			}
		}
		if changed {
			*b, _ = json.Marshal(m)
		}
	}
}

// Network returns social.Bluesky.
func (c *Client) Network() social.Network { return social.Bluesky }

// Limits returns 300 graphemes, 4 images, threads, and idempotent creates
// (a second create with the same record key fails).
func (c *Client) Limits() social.Limits {
	return social.Limits{MaxLength: MaxGraphemes, MaxMedia: MaxImages, Threads: true, Idempotent: true}
}

// Count returns the number of grapheme clusters in text.
func (c *Client) Count(text string) int { return uniseg.GraphemeClusterCount(text) }

type strongRef struct {
	URI string `json:"uri"`
	CID string `json:"cid"`
}

type record struct {
	Type      string         `json:"$type"`
	Text      string         `json:"text"`
	CreatedAt string         `json:"createdAt"`
	Langs     []string       `json:"langs,omitempty"`
	Facets    []Facet        `json:"facets,omitempty"`
	Embed     map[string]any `json:"embed,omitempty"`
	Reply     *replyRef      `json:"reply,omitempty"`
}

type replyRef struct {
	Root   strongRef `json:"root"`
	Parent strongRef `json:"parent"`
}

// Publish uploads the images, then creates the record under the post's
// record key.
func (c *Client) Publish(ctx context.Context, p social.Post) (social.Result, error) {
	if p.Key == "" {
		return social.Result{}, c.fail(social.Rejected, 0, "", "the post has no key; refusing to publish without a record key", nil)
	}
	if err := c.Check(p); err != nil {
		r, _ := errors.AsType[*social.Refusal](err)
		return social.Result{}, c.fail(social.Rejected, 0, "", r.Reason, err)
	}
	s, err := c.session(ctx)
	if err != nil {
		return social.Result{}, nothingPosted(err)
	}
	rec := record{Type: collection, Text: p.Text, CreatedAt: c.now().UTC().Format("2006-01-02T15:04:05.000Z"), Facets: LinkFacets(p.Text)}
	if p.Lang != "" {
		rec.Langs = []string{p.Lang}
	}
	if p.ReplyTo != "" {
		reply, err := c.replyRef(ctx, &s, p.ReplyTo)
		if err != nil {
			return social.Result{}, nothingPosted(err)
		}
		rec.Reply = reply
	}
	if len(p.Media) > 0 {
		var images []map[string]any
		for _, m := range p.Media {
			resp, err := c.call(ctx, &s, http.MethodPost, "com.atproto.repo.uploadBlob", nil, m.Data, m.ContentType)
			if err != nil {
				return social.Result{}, nothingPosted(err)
			}
			var out struct {
				Blob json.RawMessage `json:"blob"`
			}
			if resp.Status != http.StatusOK {
				return social.Result{}, c.classify(resp, false)
			}
			if json.Unmarshal(resp.Body, &out) != nil || len(out.Blob) == 0 {
				return social.Result{}, c.fail(social.Transient, resp.Status, "", "the PDS answered the upload with an unreadable blob; nothing was posted", nil)
			}
			images = append(images, map[string]any{"image": out.Blob, "alt": m.Alt})
		}
		rec.Embed = map[string]any{"$type": "app.bsky.embed.images", "images": images}
	}
	rkey := RecordKey(p.Key)
	body, err := json.Marshal(map[string]any{"repo": s.DID, "collection": collection, "rkey": rkey, "record": rec})
	if err != nil {
		return social.Result{}, c.fail(social.Rejected, 0, "", "the record could not be encoded", err)
	}
	resp, err := c.call(ctx, &s, http.MethodPost, "com.atproto.repo.createRecord", nil, body, "application/json")
	if err != nil {
		return social.Result{}, err
	}
	if resp.Status != http.StatusOK {
		e := c.classify(resp, true)
		if e.Class == social.Duplicate {
			e.ExistingID = atURI(s.DID, rkey)
		}
		return social.Result{}, e
	}
	var ref strongRef
	if err := json.Unmarshal(resp.Body, &ref); err != nil || ref.URI == "" {
		return social.Result{}, c.fail(social.Unknown, resp.Status, "", "the PDS answered with an unreadable record reference; the post may exist", err)
	}
	return social.Result{ID: ref.URI, URL: c.postURL(s.DID, rkey), Created: c.now()}, nil
}

func atURI(did, rkey string) string { return "at://" + did + "/" + collection + "/" + rkey }

func (c *Client) postURL(did, rkey string) string {
	return strings.TrimSuffix(c.cfg.AppURL, "/") + "/profile/" + did + "/post/" + rkey
}

// SplitURI returns the repo and record key of an at:// post URI.
func SplitURI(uri string) (repo, rkey string, ok bool) {
	rest, ok := strings.CutPrefix(uri, "at://")
	if !ok {
		return "", "", false
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 3 || parts[0] == "" || parts[1] != collection || parts[2] == "" {
		return "", "", false
	}
	return parts[0], parts[2], true
}

type gotRecord struct {
	URI   string `json:"uri"`
	CID   string `json:"cid"`
	Value struct {
		Text      string    `json:"text"`
		CreatedAt time.Time `json:"createdAt"`
		Reply     *replyRef `json:"reply"`
	} `json:"value"`
}

// getRecord fetches a post; found is false when the PDS has no such record.
func (c *Client) getRecord(ctx context.Context, s *Secret, repo, rkey string) (gotRecord, bool, error) {
	q := url.Values{"repo": {repo}, "collection": {collection}, "rkey": {rkey}}
	resp, err := c.call(ctx, s, http.MethodGet, "com.atproto.repo.getRecord", q, nil, "")
	if err != nil {
		return gotRecord{}, false, err
	}
	if resp.Status == http.StatusBadRequest && ParseError(resp.Body).Error == "RecordNotFound" {
		return gotRecord{}, false, nil
	}
	if resp.Status != http.StatusOK {
		return gotRecord{}, false, c.classify(resp, false)
	}
	var r gotRecord
	if err := json.Unmarshal(resp.Body, &r); err != nil || r.URI == "" || r.CID == "" {
		return gotRecord{}, false, c.fail(social.Transient, resp.Status, "", "the PDS answered with an unreadable record", err)
	}
	return r, true, nil
}

func (c *Client) replyRef(ctx context.Context, s *Secret, parentURI string) (*replyRef, error) {
	repo, rkey, ok := SplitURI(parentURI)
	if !ok {
		return nil, c.fail(social.Rejected, 0, "", fmt.Sprintf("%q is not a Bluesky post URI to reply to", parentURI), nil)
	}
	r, found, err := c.getRecord(ctx, s, repo, rkey)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, c.fail(social.Rejected, 0, "RecordNotFound", "the post to reply to no longer exists", nil)
	}
	parent := strongRef{URI: r.URI, CID: r.CID}
	root := parent
	if r.Value.Reply != nil && r.Value.Reply.Root.URI != "" {
		root = r.Value.Reply.Root
	}
	return &replyRef{Root: root, Parent: parent}, nil
}

// Delete removes a post by its at:// URI; one already gone is not an error.
func (c *Client) Delete(ctx context.Context, id string) error {
	repo, rkey, ok := SplitURI(id)
	if !ok {
		return c.fail(social.Rejected, 0, "", fmt.Sprintf("%q is not a Bluesky post URI", id), nil)
	}
	s, err := c.session(ctx)
	if err != nil {
		return err
	}
	body, _ := json.Marshal(map[string]string{"repo": repo, "collection": collection, "rkey": rkey})
	resp, err := c.call(ctx, &s, http.MethodPost, "com.atproto.repo.deleteRecord", nil, body, "application/json")
	if err != nil {
		return err
	}
	if resp.Status == http.StatusOK {
		return nil
	}
	return c.classify(resp, false)
}

// WhoAmI checks the session and returns the account.
func (c *Client) WhoAmI(ctx context.Context) (social.Account, error) {
	s, err := c.session(ctx)
	if err != nil {
		return social.Account{}, err
	}
	resp, err := c.call(ctx, &s, http.MethodGet, "com.atproto.server.getSession", nil, nil, "")
	if err != nil {
		return social.Account{}, err
	}
	if resp.Status != http.StatusOK {
		return social.Account{}, c.classify(resp, false)
	}
	var out struct {
		DID    string `json:"did"`
		Handle string `json:"handle"`
	}
	if err := json.Unmarshal(resp.Body, &out); err != nil || out.DID == "" {
		return social.Account{}, c.fail(social.Transient, resp.Status, "", "the PDS answered with an unreadable session", err)
	}
	return social.Account{ID: out.DID, Name: out.Handle, Handle: "@" + out.Handle,
		URL: strings.TrimSuffix(c.cfg.AppURL, "/") + "/profile/" + out.Handle, Verified: c.now()}, nil
}

// Reconcile looks the post up by its record key, which Publish derives
// from p.Key: the record is p, whatever its time, so since does not narrow
// the answer.
func (c *Client) Reconcile(ctx context.Context, p social.Post, _ time.Time) ([]social.Result, error) {
	s, err := c.session(ctx)
	if err != nil {
		return nil, err
	}
	rkey := RecordKey(p.Key)
	r, found, err := c.getRecord(ctx, &s, s.DID, rkey)
	if err != nil || !found {
		return nil, err
	}
	return []social.Result{{ID: r.URI, URL: c.postURL(s.DID, rkey), Created: r.Value.CreatedAt}}, nil
}

// Recent reads the account's author feed (posts and replies, newest first).
func (c *Client) Recent(ctx context.Context, since time.Time, limit int) ([]social.RemotePost, error) {
	s, err := c.session(ctx)
	if err != nil {
		return nil, err
	}
	limit = min(max(limit, 1), 100)
	q := url.Values{"actor": {s.DID}, "limit": {strconv.Itoa(limit)}, "filter": {"posts_with_replies"}}
	resp, err := c.call(ctx, &s, http.MethodGet, "app.bsky.feed.getAuthorFeed", q, nil, "")
	if err != nil {
		return nil, err
	}
	if resp.Status != http.StatusOK {
		return nil, c.classify(resp, false)
	}
	var out struct {
		Feed []struct {
			Post struct {
				URI    string `json:"uri"`
				Record struct {
					Text      string    `json:"text"`
					CreatedAt time.Time `json:"createdAt"`
				} `json:"record"`
			} `json:"post"`
		} `json:"feed"`
	}
	if err := json.Unmarshal(resp.Body, &out); err != nil {
		return nil, c.fail(social.Transient, resp.Status, "", "the PDS answered with an unreadable feed", err)
	}
	var posts []social.RemotePost
	for _, f := range out.Feed {
		repo, rkey, ok := SplitURI(f.Post.URI)
		if !ok || repo != s.DID || f.Post.Record.CreatedAt.Before(since) {
			continue
		}
		posts = append(posts, social.RemotePost{ID: f.Post.URI, URL: c.postURL(repo, rkey), Text: f.Post.Record.Text, Created: f.Post.Record.CreatedAt})
	}
	return posts, nil
}

// XRPCError is the error body of the AT Protocol.
type XRPCError struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

// ParseError reads an XRPC error body; zero when the body is not one.
func ParseError(body []byte) XRPCError {
	var e XRPCError
	if json.Unmarshal(body, &e) != nil {
		return XRPCError{}
	}
	return e
}

// ParseRateReset reads the ratelimit-reset header (epoch seconds).
func ParseRateReset(v string) (time.Time, bool) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n <= 0 || n > 1<<40 {
		return time.Time{}, false
	}
	return time.Unix(n, 0).UTC(), true
}

func (c *Client) fail(class social.Class, status int, code, reason string, err error) *social.Error {
	return &social.Error{Network: social.Bluesky, Class: class, Status: status, Code: code, Reason: reason, Err: err}
}

// classify turns a failed XRPC answer into an Error. create says whether
// it answered createRecord, whose 500 may have taken effect.
func (c *Client) classify(resp *wire.Response, create bool) *social.Error {
	x := ParseError(resp.Body)
	e := c.fail(social.Rejected, resp.Status, x.Error, "", nil)
	if x.Message != "" {
		e.Err = errors.New(x.Message)
	}
	if e.Code == "" {
		e.Code = strconv.Itoa(resp.Status)
	}
	switch s := resp.Status; {
	case s == http.StatusTooManyRequests:
		e.Class, e.Reason = social.RateLimited, "Bluesky's rate limit is reached; waiting for its reset"
		until, ok := ParseRateReset(resp.Header.Get("ratelimit-reset"))
		if !ok {
			until = c.now().Add(5 * time.Minute)
		}
		e.Until = until
	case s == http.StatusUnauthorized || x.Error == "ExpiredToken" || x.Error == "InvalidToken" || x.Error == "AuthenticationRequired":
		e.Class, e.Reason = social.AuthExpired, "the app password was revoked or the session cannot be renewed; reconnect the account"
	case x.Error == "AccountTakedown" || x.Error == "AccountDeactivated":
		e.Reason = "the account is suspended or deactivated: " + x.Message
	case create && (x.Error == "InvalidSwap" || x.Error == "RecordAlreadyExists" || strings.Contains(strings.ToLower(x.Message), "already exists")):
		e.Class, e.Reason = social.Duplicate, "a post with this record key already exists"
	case s == http.StatusBadGateway || s == http.StatusServiceUnavailable || s == http.StatusGatewayTimeout:
		e.Class, e.Reason = social.Transient, "Bluesky is unavailable; nothing was posted, retry later"
	case s >= 500 && create:
		e.Class, e.Reason = social.Unknown, "Bluesky failed while creating the post; it may exist"
	case s >= 500:
		e.Class, e.Reason = social.Transient, "Bluesky failed; retry later"
	default:
		e.Reason = "Bluesky refused the request: " + orDefault(x.Message, orDefault(x.Error, http.StatusText(s)))
	}
	return e
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// do sends one XRPC request with bearer, without session handling.
func (c *Client) do(ctx context.Context, bearer, method, nsid string, q url.Values, body []byte, ctype string) (*wire.Response, error) {
	u, err := wire.JoinURL(c.cfg.BaseURL, "/xrpc/"+nsid)
	if err != nil {
		return nil, c.fail(social.Rejected, 0, "", "the channel's PDS address is not valid", err)
	}
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := wire.NewRequest(ctx, method, u, body, ctype)
	if err != nil {
		return nil, c.fail(social.Rejected, 0, "", "the request could not be built", err)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	req.Header.Set("Accept", "application/json")
	return c.wire.Do(ctx, req)
}

// call sends an authenticated request; when the access token has expired it
// (or is refused) it renews the session once, saving the rotated tokens
// first, and sends the request again, which is safe because the PDS refused
// the first one.
func (c *Client) call(ctx context.Context, s *Secret, method, nsid string, q url.Values, body []byte, ctype string) (*wire.Response, error) {
	resp, err := c.do(ctx, s.AccessJwt, method, nsid, q, body, ctype)
	if err != nil {
		return nil, err
	}
	if x := ParseError(resp.Body); resp.Status == http.StatusBadRequest && x.Error == "ExpiredToken" ||
		resp.Status == http.StatusUnauthorized {
		fresh, err := c.renew(ctx, s.AccessJwt)
		if err != nil {
			return nil, nothingPosted(err) // the PDS refused the request itself
		}
		*s = fresh
		return c.do(ctx, s.AccessJwt, method, nsid, q, body, ctype)
	}
	return resp, nil
}

func (c *Client) load(ctx context.Context) (Secret, error) {
	raw, err := c.cfg.Credentials.Load(ctx)
	if err != nil {
		return Secret{}, c.fail(social.Transient, 0, "", "the channel's credentials could not be read", err)
	}
	var s Secret
	if err := json.Unmarshal(raw, &s); err != nil {
		return Secret{}, c.fail(social.AuthExpired, 0, "", "the channel's Bluesky credentials are unreadable; reconnect it", err)
	}
	return s, nil
}

// session returns the stored session, creating one with the app password
// (and saving it) when there is none.
func (c *Client) session(ctx context.Context) (Secret, error) {
	s, err := c.load(ctx)
	if err != nil {
		return Secret{}, err
	}
	if s.AccessJwt != "" && s.DID != "" {
		return s, nil
	}
	return c.renew(ctx, "")
}

type sessionAnswer struct {
	DID        string `json:"did"`
	Handle     string `json:"handle"`
	AccessJwt  string `json:"accessJwt"`
	RefreshJwt string `json:"refreshJwt"`
}

// renew replaces the session whose access token was stale, under the
// credentials' lock: if another caller already replaced it, its session is
// used; otherwise the refresh token is spent (it rotates) and the new pair
// saved before anyone uses it. A refresh token that no longer works falls
// back to the app password.
func (c *Client) renew(ctx context.Context, stale string) (Secret, error) {
	var out Secret
	err := c.cfg.Credentials.Update(ctx, func(raw []byte) ([]byte, error) {
		var s Secret
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, c.fail(social.AuthExpired, 0, "", "the channel's Bluesky credentials are unreadable; reconnect it", err)
		}
		if s.AccessJwt != "" && s.AccessJwt != stale && s.DID != "" {
			out = s // someone else renewed it meanwhile
			return raw, nil
		}
		var ans sessionAnswer
		var err error
		if s.RefreshJwt != "" {
			ans, err = c.sessionCall(ctx, s.RefreshJwt, "com.atproto.server.refreshSession", nil)
			if err != nil && social.ClassOf(err) != social.AuthExpired {
				return nil, err
			}
		}
		if s.RefreshJwt == "" || err != nil {
			if s.Identifier == "" || s.AppPassword == "" {
				return nil, c.fail(social.AuthExpired, 0, "", "the channel has no Bluesky app password; reconnect it", nil)
			}
			body, _ := json.Marshal(map[string]string{"identifier": s.Identifier, "password": s.AppPassword})
			ans, err = c.sessionCall(ctx, "", "com.atproto.server.createSession", body)
			if err != nil {
				return nil, err
			}
		}
		s.DID, s.Handle, s.AccessJwt, s.RefreshJwt = ans.DID, ans.Handle, ans.AccessJwt, ans.RefreshJwt
		out = s
		return json.Marshal(s)
	})
	if err != nil {
		if _, ok := errors.AsType[*social.Error](err); ok {
			return Secret{}, err
		}
		return Secret{}, c.fail(social.Transient, 0, "", "the renewed session could not be saved; it was not used", err)
	}
	return out, nil
}

func (c *Client) sessionCall(ctx context.Context, bearer, nsid string, body []byte) (sessionAnswer, error) {
	if body == nil {
		body = []byte{}
	}
	resp, err := c.do(ctx, bearer, http.MethodPost, nsid, nil, body, "application/json")
	if err != nil {
		return sessionAnswer{}, err
	}
	if resp.Status != http.StatusOK {
		e := c.classify(resp, false)
		if resp.Status == http.StatusBadRequest && nsid == "com.atproto.server.refreshSession" {
			e.Class, e.Reason = social.AuthExpired, "the Bluesky session was revoked; signing in again"
		}
		return sessionAnswer{}, e
	}
	var ans sessionAnswer
	if err := json.Unmarshal(resp.Body, &ans); err != nil || ans.AccessJwt == "" || ans.RefreshJwt == "" || ans.DID == "" {
		return sessionAnswer{}, c.fail(social.AuthExpired, resp.Status, "", "the PDS answered with an unreadable session; reconnect the account", err)
	}
	return ans, nil
}

// The handle and DID patterns are compiled on first use: their counted
// repetitions ({0,61}, {1,1000}) unroll into large programs, most of the
// 0.7 MB and milliseconds this package cost at every server start.
var (
	appPasswordRE = regexp.MustCompile(`^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$`)
	handleRE      = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$`)
	})
	didRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^did:(plc|web):[a-zA-Z0-9._:%-]{1,1000}$`) })
)

// Validate checks a secret when a channel is connected, before it is
// saved: the identifier must be a handle or DID, and the password an app
// password ("xxxx-xxxx-xxxx-xxxx"), never the account's own password.
func (s Secret) Validate() error {
	switch {
	case strings.ContainsAny(s.Identifier, " \t\r\n") || strings.ContainsAny(s.AppPassword, " \t\r\n"):
		return fmt.Errorf("bluesky: the handle or app password contains spaces; paste them again without")
	case !handleRE().MatchString(strings.TrimPrefix(s.Identifier, "@")) && !didRE().MatchString(s.Identifier):
		return fmt.Errorf("bluesky: %q is not a Bluesky handle (name.bsky.social) or DID", s.Identifier)
	case !appPasswordRE.MatchString(s.AppPassword):
		return fmt.Errorf("bluesky: this is not an app password (four groups of four letters or digits); create one in Settings → Privacy and security → App passwords, never use the account password")
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
