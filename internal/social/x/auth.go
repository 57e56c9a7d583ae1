package x

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/dghubble/oauth1"
	"golang.org/x/oauth2"

	"github.com/mofa-vn/chancery/internal/outbound"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/social/wire"
)

// Secret is what the X connector keeps in social.Credentials, as JSON: an
// OAuth 1.0a user-context token set, or an OAuth 2.0 token pair with its
// client. Empty members are omitted, so that a reconnect merged into the
// stored secret never wipes a working refresh token (MergeSecret).
type Secret struct {
	// OAuth 1.0a user context: the app's consumer key and secret and the
	// account's access token and secret, valid until revoked.
	ConsumerKey    string `json:"consumer_key,omitempty"`
	ConsumerSecret string `json:"consumer_secret,omitempty"`
	Token          string `json:"token,omitempty"`
	TokenSecret    string `json:"token_secret,omitempty"`

	// OAuth 2.0 with PKCE: the confidential client, and the account's
	// access token (2 h) and single-use, rotating refresh token.
	ClientID     string    `json:"client_id,omitempty"`
	ClientSecret string    `json:"client_secret,omitempty"`
	AccessToken  string    `json:"access_token,omitempty"`
	RefreshToken string    `json:"refresh_token,omitempty"`
	Expiry       time.Time `json:"expiry,omitzero"`
	Scopes       []string  `json:"scopes,omitempty"`

	// UserID caches the account's ID (GET /2/users/me).
	UserID string `json:"user_id,omitempty"`
}

// String describes the secret without its secrets, so that printing or
// logging one never leaks a token.
func (s Secret) String() string {
	kind := "oauth2"
	if s.OAuth1() {
		kind = "oauth1"
	}
	return fmt.Sprintf("x.Secret{%s, user %s, expiry %s, scopes %v, [tokens redacted]}", kind, s.UserID, s.Expiry.Format(time.RFC3339), s.Scopes)
}

// GoString hides the tokens from %#v as well.
func (s Secret) GoString() string { return s.String() }

// LogValue hides the tokens from slog.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// OAuth1 reports whether the secret uses OAuth 1.0a user context.
func (s Secret) OAuth1() bool { return s.Token != "" }

// Validate refuses a secret that cannot work, with a message for the
// person connecting the channel.
func (s Secret) Validate() error {
	fields := []struct{ name, v string }{
		{"consumer key", s.ConsumerKey}, {"consumer secret", s.ConsumerSecret},
		{"access token", s.Token}, {"access token secret", s.TokenSecret},
		{"client ID", s.ClientID}, {"client secret", s.ClientSecret},
		{"OAuth 2.0 access token", s.AccessToken}, {"refresh token", s.RefreshToken},
	}
	for _, f := range fields {
		if strings.ContainsFunc(f.v, func(r rune) bool { return r <= ' ' || r == 0x7f || r > 0x7e }) {
			return fmt.Errorf("x: the %s contains spaces or other characters a token never has; copy it again", f.name)
		}
	}
	// App-only bearer tokens start with a run of A's and cannot post.
	for _, t := range []string{s.Token, s.AccessToken} {
		if strings.HasPrefix(t, "AAAAAAAAAAAAAAAAAAAAA") {
			return errors.New("x: this is an app-only bearer token, which cannot post; connect the account with OAuth instead")
		}
	}
	switch {
	case s.Token != "" || s.TokenSecret != "":
		if s.ConsumerKey == "" || s.ConsumerSecret == "" || s.Token == "" || s.TokenSecret == "" {
			return errors.New("x: OAuth 1.0a needs the consumer key and secret and the access token and secret")
		}
		if !strings.Contains(s.Token, "-") {
			return errors.New("x: an OAuth 1.0a access token looks like 12345-abc…: this one is of another kind")
		}
	case s.AccessToken != "" || s.RefreshToken != "":
		if s.ClientID == "" {
			return errors.New("x: OAuth 2.0 needs the client ID")
		}
	default:
		return errors.New("x: no credentials: give an OAuth 1.0a token set or connect with OAuth 2.0")
	}
	return nil
}

// MergeSecret is the secret to store after a reconnect produced fresh:
// fresh's non-empty members over current's. A reconnect whose answer has
// no refresh token keeps the working one.
func MergeSecret(current, fresh Secret) Secret {
	out := current
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&out.ConsumerKey, fresh.ConsumerKey)
	set(&out.ConsumerSecret, fresh.ConsumerSecret)
	set(&out.Token, fresh.Token)
	set(&out.TokenSecret, fresh.TokenSecret)
	set(&out.ClientID, fresh.ClientID)
	set(&out.ClientSecret, fresh.ClientSecret)
	set(&out.AccessToken, fresh.AccessToken)
	set(&out.RefreshToken, fresh.RefreshToken)
	set(&out.UserID, fresh.UserID)
	if !fresh.Expiry.IsZero() {
		out.Expiry = fresh.Expiry
	}
	if len(fresh.Scopes) > 0 {
		out.Scopes = fresh.Scopes
	}
	return out
}

// Connect validates fresh and stores it merged into what creds hold.
func Connect(ctx context.Context, creds social.Credentials, fresh Secret) error {
	if err := fresh.Validate(); err != nil {
		return err
	}
	return creds.Update(ctx, func(cur []byte) ([]byte, error) {
		var old Secret
		if len(cur) > 0 {
			_ = json.Unmarshal(cur, &old) // an unreadable old secret is replaced
		}
		return json.Marshal(MergeSecret(old, fresh))
	})
}

// DefaultScopes are the OAuth 2.0 scopes Chancery asks for. media.write is
// needed for uploads; offline.access for a refresh token.
var DefaultScopes = []string{"tweet.read", "tweet.write", "users.read", "offline.access", "media.write"}

// OAuth2App is Chancery's registered OAuth 2.0 client, for the connect
// flow: AuthCodeURL sends the press officer to X, Exchange turns the code
// X sends back into a Secret.
type OAuth2App struct {
	ClientID, ClientSecret string
	RedirectURL            string
	// AuthURL is X's consent page; default https://x.com/i/oauth2/authorize.
	AuthURL string
	// BaseURL is the API (the token endpoint is BaseURL/2/oauth2/token);
	// default https://api.x.com.
	BaseURL string
	Scopes  []string // default DefaultScopes
	HTTP    *http.Client
	Now     func() time.Time
}

func (a OAuth2App) config() (*oauth2.Config, error) {
	base := a.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	tokenURL, err := wire.JoinURL(base, "/2/oauth2/token")
	if err != nil {
		return nil, fmt.Errorf("x: %w", err)
	}
	auth := a.AuthURL
	if auth == "" {
		auth = "https://x.com/i/oauth2/authorize"
	}
	scopes := a.Scopes
	if len(scopes) == 0 {
		scopes = DefaultScopes
	}
	return &oauth2.Config{ClientID: a.ClientID, ClientSecret: a.ClientSecret, RedirectURL: a.RedirectURL, Scopes: scopes,
		Endpoint: oauth2.Endpoint{AuthURL: auth, TokenURL: tokenURL, AuthStyle: oauth2.AuthStyleInHeader}}, nil
}

// AuthCodeURL returns the address of X's consent page for state, and the
// PKCE verifier to keep (server-side, with state) until Exchange.
func (a OAuth2App) AuthCodeURL(state string) (authURL, verifier string, err error) {
	c, err := a.config()
	if err != nil {
		return "", "", err
	}
	verifier = oauth2.GenerateVerifier()
	return c.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier)), verifier, nil
}

// Exchange redeems the code X sent back, with the verifier of AuthCodeURL.
func (a OAuth2App) Exchange(ctx context.Context, code, verifier string) (Secret, error) {
	c, err := a.config()
	if err != nil {
		return Secret{}, err
	}
	tok, err := c.Exchange(a.tokenContext(ctx), code, oauth2.VerifierOption(verifier))
	if err != nil {
		return Secret{}, classifyTokenError(err)
	}
	return a.secret(tok), nil
}

func (a OAuth2App) tokenContext(ctx context.Context) context.Context {
	hc := a.HTTP
	if hc == nil {
		hc = outbound.Default()
	}
	rec := *hc
	rec.Transport = recordingTransport{base: hc.Transport, now: a.now}
	return context.WithValue(ctx, oauth2.HTTPClient, &rec)
}

func (a OAuth2App) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

func (a OAuth2App) secret(tok *oauth2.Token) Secret {
	s := Secret{ClientID: a.ClientID, ClientSecret: a.ClientSecret, AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken}
	if tok.ExpiresIn > 0 {
		s.Expiry = a.now().Add(time.Duration(tok.ExpiresIn) * time.Second).UTC()
	}
	if sc, ok := tok.Extra("scope").(string); ok {
		s.Scopes = strings.Fields(sc)
	}
	return s
}

func classifyTokenError(err error) error {
	if re, ok := errors.AsType[*oauth2.RetrieveError](err); ok {
		class, reason := social.AuthExpired, "X refused the refresh token; reconnect the X account"
		if re.Response != nil && re.Response.StatusCode >= 500 {
			class, reason = social.Transient, "X's token endpoint failed; it will be retried"
		}
		st := 0
		if re.Response != nil {
			st = re.Response.StatusCode
		}
		return &social.Error{Network: social.X, Class: class, Status: st, Code: re.ErrorCode, Reason: reason, Err: err}
	}
	if se, ok := errors.AsType[*social.Error](err); ok {
		return se
	}
	return &social.Error{Network: social.X, Class: social.Transient, Reason: "X's token endpoint could not be reached", Err: err}
}

// recordingTransport hands token-endpoint exchanges to the audit recorder,
// without the bodies, which carry tokens.
type recordingTransport struct {
	base http.RoundTripper
	now  func() time.Time
}

func (t recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.base
	if base == nil {
		base = outbound.Default().Transport
	}
	start := t.now()
	resp, err := base.RoundTrip(req)
	ex := social.Exchange{Method: req.Method, URL: req.URL.String(), RequestBody: []byte("[redacted: token request]"),
		Started: start, Duration: t.now().Sub(start)}
	if err != nil {
		ex.Err = err.Error()
	} else {
		ex.Status = resp.StatusCode
		ex.ResponseHeader = resp.Header.Clone()
		ex.ResponseHeader.Del("Set-Cookie")
		ex.ResponseBody = []byte("[redacted: token response]")
	}
	social.Record(req.Context(), ex)
	return resp, err
}

// refreshMargin is how long before expiry an access token is renewed.
const refreshMargin = 2 * time.Minute

// secret loads the current secret, refreshing an OAuth 2.0 access token
// about to expire first.
func (c *Client) secret(ctx context.Context) (Secret, error) {
	s, err := c.load(ctx)
	if err != nil || s.OAuth1() || s.AccessToken != "" && (s.Expiry.IsZero() || c.now().Add(refreshMargin).Before(s.Expiry)) {
		return s, err
	}
	return c.refresh(ctx, "")
}

// refresh renews the OAuth 2.0 access token: the one about to expire, or,
// when rejected is set, the one X just refused before its time. It runs
// inside Credentials.Update, under the channel's lock: a concurrent caller
// waits, then finds the fresh token and does not refresh again; the new pair
// is stored before it is used, since the old refresh token is dead the
// moment X answers.
func (c *Client) refresh(ctx context.Context, rejected string) (Secret, error) {
	var fresh Secret
	err := c.p.Credentials.Update(ctx, func(cur []byte) ([]byte, error) {
		var s Secret
		if err := json.Unmarshal(cur, &s); err != nil {
			return nil, fmt.Errorf("x: stored credentials unreadable: %w", err)
		}
		live := s.AccessToken != "" && (s.Expiry.IsZero() || c.now().Add(refreshMargin).Before(s.Expiry))
		if live && s.AccessToken != rejected {
			fresh = s // another caller refreshed while we waited
			return cur, nil
		}
		if s.RefreshToken == "" {
			return nil, &social.Error{Network: social.X, Class: social.AuthExpired,
				Reason: "the X access token has expired and there is no refresh token; reconnect the X account"}
		}
		app := OAuth2App{ClientID: s.ClientID, ClientSecret: s.ClientSecret, BaseURL: c.p.BaseURL, HTTP: c.p.HTTP, Now: c.now}
		cfg, err := app.config()
		if err != nil {
			return nil, err
		}
		tok, err := cfg.TokenSource(app.tokenContext(ctx), &oauth2.Token{RefreshToken: s.RefreshToken}).Token()
		if err != nil {
			return nil, classifyTokenError(err)
		}
		n := app.secret(tok)
		if n.RefreshToken == "" {
			n.RefreshToken = s.RefreshToken
		}
		fresh = MergeSecret(s, n)
		return json.Marshal(fresh)
	})
	if err != nil {
		if se, ok := errors.AsType[*social.Error](err); ok {
			return Secret{}, se
		}
		return Secret{}, &social.Error{Network: social.X, Class: social.Transient, Reason: "the refreshed X token could not be saved; nothing was sent", Err: err}
	}
	return fresh, nil
}

func (c *Client) load(ctx context.Context) (Secret, error) {
	b, err := c.p.Credentials.Load(ctx)
	if err != nil {
		return Secret{}, &social.Error{Network: social.X, Class: social.AuthExpired, Reason: "the X account is not connected", Err: err}
	}
	var s Secret
	if err := json.Unmarshal(b, &s); err != nil {
		return Secret{}, &social.Error{Network: social.X, Class: social.AuthExpired, Reason: "the stored X credentials are unreadable; reconnect the X account", Err: err}
	}
	return s, nil
}

// httpClient returns the client that authenticates requests with s.
func (c *Client) httpClient(ctx context.Context, s Secret) *http.Client {
	base := c.p.HTTP
	if base == nil {
		base = outbound.Default()
	}
	if !s.OAuth1() {
		hc := *base
		hc.Transport = bearerTransport{base: base.Transport, token: s.AccessToken}
		return &hc
	}
	cfg := oauth1.NewConfig(s.ConsumerKey, s.ConsumerSecret)
	hc := cfg.Client(context.WithValue(ctx, oauth1.HTTPClient, base), oauth1.NewToken(s.Token, s.TokenSecret))
	hc.Timeout = base.Timeout
	hc.CheckRedirect = base.CheckRedirect
	return hc
}

type bearerTransport struct {
	base  http.RoundTripper
	token string
}

func (t bearerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.base
	if base == nil {
		base = outbound.Default().Transport
	}
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", "Bearer "+t.token)
	return base.RoundTrip(r)
}

// hasScope reports whether an OAuth 2.0 secret was granted scope (an
// OAuth 1.0a token has every permission of its app).
func (s Secret) hasScope(scope string) bool {
	return s.OAuth1() || len(s.Scopes) == 0 || slices.Contains(s.Scopes, scope)
}
