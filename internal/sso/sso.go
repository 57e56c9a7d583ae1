// Package sso owns staff single sign-on with OpenID Connect: the
// authorization code flow with PKCE (S256), state and nonce kept on the
// server and bound to the browser that started the flow, the check of the
// ID token (go-oidc: signature, issuer, audience, expiry), the mapping of
// the provider's groups to Chancery roles, and the accounts it creates
// and updates (table user_identities). The session, the throttle, the
// audit log and the second step are internal/auth's.
//
// It must not import feature packages (portal, admin, press, publishing,
// sfu, social, connect, …) or internal/outbound: the provider is the
// operator's choice, not a user's.
package sso

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/auth"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/store"
)

// FlowTTL is how long the provider has to send the browser back.
const FlowTTL = 10 * time.Minute

// Method names single sign-on in the audit log.
const Method = "single sign-on"

// Params configure single sign-on.
type Params struct {
	// Issuer, ClientID and ClientSecret identify the provider and
	// Chancery's client there.
	Issuer, ClientID, ClientSecret string
	// Name is the provider's name on the sign-in button; empty uses the
	// issuer's host.
	Name string
	// RolesClaim is the ID token claim that lists the user's groups.
	RolesClaim string
	// RoleMap gives each group its roles.
	RoleMap map[string][]account.Role
	// TrustedAMR and TrustedACR are the amr and acr values that show the
	// provider checked a second factor.
	TrustedAMR, TrustedACR []string

	DB    *store.DB
	Auth  *auth.Service
	Pages *auth.Handlers
	Kit   *httpx.Kit
	Log   *slog.Logger
	// Now is the clock the ID token's expiry is checked against.
	Now func() time.Time
	// PublicURL is the origin browsers reach Chancery at; the callback
	// is under it.
	PublicURL string
	// HTTPClient reaches the provider. The provider is configured by the
	// operator, not chosen by a user, so this is a plain client with a
	// timeout rather than internal/outbound's guarded one (which would
	// refuse a provider on the ministry's own network). Nil uses one with
	// a 10-second timeout.
	HTTPClient *http.Client
}

// Handlers serve the single sign-on flow.
type Handlers struct {
	p Params

	mu       sync.Mutex
	provider *oidc.Provider
}

// New returns the single sign-on of p. The provider is asked for its
// discovery document at the first sign-in, not here, so that a provider
// down at start does not stop the server.
func New(p Params) (*Handlers, error) {
	if p.Issuer == "" || p.ClientID == "" || p.ClientSecret == "" {
		return nil, errors.New("sso: issuer, client ID and client secret are required")
	}
	if p.RolesClaim == "" {
		p.RolesClaim = "groups"
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	if p.HTTPClient == nil {
		p.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if p.Name == "" {
		if u, err := url.Parse(p.Issuer); err == nil {
			p.Name = u.Host
		}
	}
	return &Handlers{p: p}, nil
}

// Name is the provider's name, for the sign-in button.
func (h *Handlers) Name() string { return h.p.Name }

// Routes lists the routes of single sign-on. Both answer anonymous
// browsers: starting is a form POST (cross-origin protection applies),
// and the callback is checked against the browser's pre-session.
func (h *Handlers) Routes(mux *httpx.Router) {
	mux.HandleFunc("POST /signin/sso", h.start)
	mux.HandleFunc("GET /signin/sso/callback", h.callback)
}

// CookieName is the pre-session cookie that binds a flow to the browser
// that started it.
func CookieName(secure bool) string {
	if secure {
		return "__Host-chancery_sso"
	}
	return "chancery_sso"
}

func (h *Handlers) cookie(value string, maxAge int) *http.Cookie {
	secure := h.p.Kit.SecureCookies
	return &http.Cookie{Name: CookieName(secure), Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode}
}

// clientContext carries the client go-oidc and oauth2 reach the provider
// with.
func (h *Handlers) clientContext(ctx context.Context) context.Context {
	return oidc.ClientContext(ctx, h.p.HTTPClient)
}

// discover returns the provider, asking for its discovery document once
// it answers. go-oidc refuses a document whose issuer is not Issuer.
func (h *Handlers) discover(ctx context.Context) (*oidc.Provider, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.provider != nil {
		return h.provider, nil
	}
	// go-oidc keeps this context's client (not its deadline) for the key
	// set's later fetches.
	ctx, cancel := context.WithTimeout(h.clientContext(ctx), 15*time.Second)
	defer cancel()
	p, err := oidc.NewProvider(ctx, h.p.Issuer)
	if err != nil {
		return nil, fmt.Errorf("sso: discover %s: %w", h.p.Issuer, err)
	}
	h.provider = p
	return p, nil
}

func (h *Handlers) oauth(p *oidc.Provider) *oauth2.Config {
	return &oauth2.Config{
		ClientID: h.p.ClientID, ClientSecret: h.p.ClientSecret, Endpoint: p.Endpoint(),
		RedirectURL: strings.TrimSuffix(h.p.PublicURL, "/") + "/signin/sso/callback",
		Scopes:      []string{oidc.ScopeOpenID, "profile", "email"},
	}
}

func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// start sends the browser to the provider with a fresh state, nonce and
// PKCE challenge, kept on the server under the state's hash and bound to
// a new pre-session cookie.
func (h *Handlers) start(w http.ResponseWriter, r *http.Request) {
	if err := httpx.ParseForm(r); err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	ctx := r.Context()
	next := httpx.SafeNext(r.PostFormValue("next"))
	p, err := h.discover(ctx)
	if err != nil {
		h.p.Log.WarnContext(ctx, "identity provider unreachable", "issuer", h.p.Issuer, "err", err)
		h.refuse(w, r, http.StatusBadGateway, "sso_error_provider")
		return
	}
	browser, state, nonce, verifier := auth.RandomSecret(32), auth.RandomSecret(32), auth.RandomSecret(32), oauth2.GenerateVerifier()
	err = h.p.DB.CreateOIDCSignIn(ctx, store.OIDCSignIn{StateHash: hash(state), BrowserHash: hash(browser),
		Nonce: nonce, Verifier: verifier, Next: next, ExpiresAt: h.p.Auth.Now().Add(FlowTTL)})
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	http.SetCookie(w, h.cookie(browser, int(FlowTTL.Seconds())))
	w.Header().Set("Cache-Control", "no-store")
	// A page that moves on by itself, with a link, rather than a
	// redirect: the pages' CSP lets forms submit only to this server
	// (form-action 'self'), which covers the redirects that follow a
	// submission.
	h.p.Kit.Render(w, r, http.StatusOK, "sso_continue.html", httpx.Page{
		Title: h.p.Kit.Cat.T(h.p.Kit.Lang(r).Code, "sso_continue", map[string]any{"Provider": h.p.Name}),
		Data:  ContinuePage{Provider: h.p.Name, URL: h.oauth(p).AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce))},
	})
}

// ContinuePage is the data of the page that sends the browser to the
// identity provider.
type ContinuePage struct {
	Provider string
	URL      string
}

// refuse shows the sign-in page with the message of key.
func (h *Handlers) refuse(w http.ResponseWriter, r *http.Request, status int, key string) {
	h.p.Pages.SignInError(w, r, status, h.p.Kit.Cat.T(h.p.Kit.Lang(r).Code, key, map[string]any{"Provider": h.p.Name}))
}

// failure is a refused callback: the message shown and the reason
// audited.
type failure struct {
	status   int
	key      string
	reason   string
	username string
}

func (f *failure) Error() string { return "sso: " + f.reason }

func refused(status int, key, reason string) *failure {
	return &failure{status: status, key: key, reason: reason}
}

// callback finishes a flow. Every refusal counts in the sign-in throttle
// of the address, is audited with its reason and grants nothing.
func (h *Handlers) callback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ip := h.p.Kit.ClientIP(r)
	w.Header().Set("Cache-Control", "no-store")
	attempt, err := h.p.Auth.BeginAttempt(ctx, ip)
	var te *auth.ThrottledError
	if errors.As(err, &te) {
		http.SetCookie(w, h.cookie("", -1))
		h.p.Pages.SignInError(w, r, http.StatusTooManyRequests, h.p.Pages.Throttled(w, r, te))
		return
	}
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	// The pre-session is spent whatever happens.
	http.SetCookie(w, h.cookie("", -1))
	u, next, idpMFA, err := h.verify(ctx, r)
	var f *failure
	if errors.As(err, &f) {
		if aerr := h.p.Auth.Fail(ctx, attempt, Method, f.username, f.reason); aerr != nil {
			h.p.Kit.Fail(w, r, aerr)
			return
		}
		h.refuse(w, r, f.status, f.key)
		return
	}
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	res, err := h.p.Auth.ExternalSignIn(ctx, attempt, u, Method, idpMFA, r.UserAgent())
	if errors.Is(err, auth.ErrDisabled) {
		if aerr := h.p.Auth.Fail(ctx, attempt, Method, u.Username, "account disabled"); aerr != nil {
			h.p.Kit.Fail(w, r, aerr)
			return
		}
		h.refuse(w, r, http.StatusForbidden, "sso_error_disabled")
		return
	}
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	h.p.Pages.FinishSignIn(w, r, res, next)
}

// verify checks the callback against the flow its state names, exchanges
// the code, verifies the ID token and its nonce, and returns the account
// it signs in as (created or with its roles brought up to date), where to
// go next, and whether the provider checked a second factor. Refusals are
// *failure.
func (h *Handlers) verify(ctx context.Context, r *http.Request) (account.User, string, bool, error) {
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		return account.User{}, "", false, refused(http.StatusUnauthorized, "sso_error_denied", "provider answered "+clip(e, 64))
	}
	c, err := r.Cookie(CookieName(h.p.Kit.SecureCookies))
	if err != nil || c.Value == "" {
		return account.User{}, "", false, refused(http.StatusBadRequest, "sso_error_no_session", "no sign-in was started in this browser")
	}
	state, code := q.Get("state"), q.Get("code")
	if state == "" || code == "" || len(state) > 512 || len(code) > 4096 {
		return account.User{}, "", false, refused(http.StatusBadRequest, "sso_error_state", "state or code missing")
	}
	flow, err := h.p.DB.TakeOIDCSignIn(ctx, hash(state))
	if errors.Is(err, store.ErrNotFound) {
		return account.User{}, "", false, refused(http.StatusBadRequest, "sso_error_state", "unknown, used or expired state")
	}
	if err != nil {
		return account.User{}, "", false, err
	}
	if subtle.ConstantTimeCompare([]byte(flow.BrowserHash), []byte(hash(c.Value))) != 1 {
		return account.User{}, "", false, refused(http.StatusBadRequest, "sso_error_state", "state started in another browser")
	}
	p, err := h.discover(ctx)
	if err != nil {
		h.p.Log.WarnContext(ctx, "identity provider unreachable", "issuer", h.p.Issuer, "err", err)
		return account.User{}, "", false, refused(http.StatusBadGateway, "sso_error_provider", "provider unreachable")
	}
	cctx := h.clientContext(ctx)
	tok, err := h.oauth(p).Exchange(cctx, code, oauth2.VerifierOption(flow.Verifier))
	if err != nil {
		return account.User{}, "", false, refused(http.StatusUnauthorized, "sso_error_token", "code exchange: "+exchangeReason(err))
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return account.User{}, "", false, refused(http.StatusUnauthorized, "sso_error_token", "no ID token")
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: h.p.ClientID, Now: h.p.Now}).Verify(cctx, raw)
	if err != nil {
		return account.User{}, "", false, refused(http.StatusUnauthorized, "sso_error_token", "ID token: "+clip(err.Error(), 200))
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(flow.Nonce)) != 1 {
		return account.User{}, "", false, refused(http.StatusUnauthorized, "sso_error_token", "ID token: wrong nonce")
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return account.User{}, "", false, refused(http.StatusUnauthorized, "sso_error_token", "ID token claims: "+clip(err.Error(), 200))
	}
	u, err := h.account(ctx, idt, claims)
	if err != nil {
		return account.User{}, "", false, err
	}
	return u, flow.Next, h.secondFactorChecked(claims), nil
}

// exchangeReason says why the token endpoint refused, without the body
// (which may echo what was sent).
func exchangeReason(err error) string {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		if re.ErrorCode != "" {
			return clip(re.ErrorCode, 64)
		}
		if re.Response != nil {
			return re.Response.Status
		}
	}
	return "provider unreachable"
}

// secondFactorChecked reports whether the ID token's amr or acr names a
// way of signing in that the operator trusts as a second factor.
func (h *Handlers) secondFactorChecked(claims map[string]any) bool {
	for _, m := range stringList(claims["amr"]) {
		if slices.Contains(h.p.TrustedAMR, m) {
			return true
		}
	}
	acr, _ := claims["acr"].(string)
	return acr != "" && slices.Contains(h.p.TrustedACR, acr)
}

// Roles maps groups to roles by the role map.
func (h *Handlers) Roles(groups []string) []account.Role {
	var out []account.Role
	for _, g := range groups {
		for _, r := range h.p.RoleMap[g] {
			if !slices.Contains(out, r) {
				out = append(out, r)
			}
		}
	}
	account.SortRoles(out)
	return out
}

// account finds the account of the ID token's issuer and subject, or
// creates it, and gives it the roles its groups map to now. An account
// left with no role is refused.
func (h *Handlers) account(ctx context.Context, idt *oidc.IDToken, claims map[string]any) (account.User, error) {
	roles := h.Roles(stringList(claims[h.p.RolesClaim]))
	u, err := h.p.DB.UserByIdentity(ctx, idt.Issuer, idt.Subject)
	switch {
	case errors.Is(err, store.ErrNotFound):
		if len(roles) == 0 {
			f := refused(http.StatusForbidden, "sso_error_no_role", "no group maps to a role")
			f.username = clip(claimString(claims, "preferred_username"), 200)
			return account.User{}, f
		}
		// An unusable password: the account signs in through its
		// provider until an administrator gives it one.
		hash, err := h.p.Auth.HashPassword(auth.RandomSecret(32))
		if err != nil {
			return account.User{}, err
		}
		u, err = h.p.DB.CreateIdentityUser(ctx, account.User{
			Username: Username(claims, idt.Subject), DisplayName: clip(claimString(claims, "name"), 200),
			Email: clip(claimString(claims, "email"), 200), PasswordHash: hash, Roles: roles,
		}, idt.Issuer, idt.Subject)
		if errors.Is(err, store.ErrConflict) {
			// The same person's first sign-in, twice at once: the other
			// made the account.
			u, err = h.p.DB.UserByIdentity(ctx, idt.Issuer, idt.Subject)
		} else if err == nil {
			err = h.p.Auth.AuditAs(ctx, u, "sso.account-create", map[string]any{"username": u.Username, "issuer": idt.Issuer, "subject": idt.Subject, "roles": roles})
		}
		return u, err
	case err != nil:
		return account.User{}, err
	}
	if u.Disabled {
		// Refused by ExternalSignIn; the roles are left as they are.
		return u, nil
	}
	if !slices.Equal(u.Roles, roles) {
		before := u.Roles
		u.Roles = roles
		if u, err = h.p.DB.UpdateUser(ctx, u); err != nil {
			return account.User{}, err
		}
		if err := h.p.Auth.AuditAs(ctx, u, "sso.roles", map[string]any{"username": u.Username, "from": before, "to": roles}); err != nil {
			return account.User{}, err
		}
	}
	if err := h.p.DB.TouchIdentity(ctx, idt.Issuer, idt.Subject); err != nil {
		return account.User{}, err
	}
	if len(roles) == 0 {
		f := refused(http.StatusForbidden, "sso_error_no_role", "no group maps to a role")
		f.username = u.Username
		return account.User{}, f
	}
	return u, nil
}

// stringList reads a claim that is a list of strings or one string.
func stringList(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func claimString(claims map[string]any, name string) string {
	s, _ := claims[name].(string)
	return strings.ToValidUTF8(strings.TrimSpace(s), "")
}

func clip(s string, n int) string {
	s = strings.ToValidUTF8(s, "")
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

var notUsername = regexp.MustCompile(`[^a-z0-9._-]+`)

// Username proposes the username of a new account: the provider's
// preferred_username, else the local part of its email, reduced to
// lower-case letters, digits, dots, hyphens and underscores; else one made
// from the subject. (The store adds -2, -3… to a name already taken, so a
// provider's name never takes over a local account.)
func Username(claims map[string]any, subject string) string {
	for _, c := range []string{claimString(claims, "preferred_username"), strings.SplitN(claimString(claims, "email"), "@", 2)[0]} {
		n := strings.Trim(notUsername.ReplaceAllString(strings.ToLower(c), "-"), "-.")
		if len(n) > 60 {
			n = n[:60]
		}
		if n != "" {
			return n
		}
	}
	return "sso-" + hash(subject)[:10]
}
