package connect

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
)

// The OAuth state travels three ways, and all three must agree on the
// callback: in the network's redirect (the state parameter), in a cookie of
// the browser that started the flow, and in the store, with the user who
// started it, the channel, the PKCE verifier and an expiry. A state is used
// once.
const (
	stateCookie = "chancery_oauth"
	stateTTL    = 10 * time.Minute
	callback    = "/press/oauth/callback"
)

type oauthState struct {
	User     int64     `json:"user"`
	Channel  int64     `json:"channel"`
	Verifier string    `json:"verifier,omitempty"`
	Org      string    `json:"org,omitempty"`
	Expires  time.Time `json:"expires"`
}

func stateKey(state string) string {
	sum := sha256.Sum256([]byte(state))
	return "connect_oauth_" + hex.EncodeToString(sum[:16])
}

// oauthFlow is the OAuth flow of Chancery's app for ch, with whether the
// officer must name an organisation first; nil when its network has no
// redirect flow or Chancery's app is not configured. A channel whose base
// URL is not the network's own (a test or demo server the configuration
// allows) is sent to that server's consent page and token endpoint; one
// the configuration does not allow gets no flow: the app's secret would go
// there.
func (h *Handlers) oauthFlow(ch store.Channel) *flow {
	n := social.Network(ch.Network)
	d, ok := h.p.Networks.Lookup(n)
	if !ok || d.OAuth == nil {
		return nil
	}
	base := strings.TrimSuffix(ch.BaseURL, "/")
	if !h.p.APIAllowed(n, base) {
		return nil
	}
	app := h.p.Apps[n]
	if app.ClientID == "" {
		return nil
	}
	p := social.OAuthParams{App: app, RedirectURL: strings.TrimSuffix(h.p.PublicURL, "/") + callback, HTTP: h.p.HTTP, Now: h.p.Now}
	if base != "" && base != d.API {
		p.BaseURL = base
	}
	return &flow{OAuthFlow: d.OAuth.New(p), needsOrg: d.OAuth.NeedsOrganization}
}

// flow is a network's OAuth flow for one channel.
type flow struct {
	social.OAuthFlow
	needsOrg bool
}

func (h *Handlers) startOAuth(w http.ResponseWriter, r *http.Request) {
	ch, err := h.channel(r)
	if err == nil {
		err = httpx.ParseForm(r)
	}
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	app := h.oauthFlow(ch)
	if app == nil {
		h.p.Kit.Fail(w, r, fault.ErrNotFound)
		return
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	state := hex.EncodeToString(b)
	st := oauthState{User: httpx.ViewerFrom(r.Context()).User.ID, Channel: ch.ID, Expires: h.p.Now().Add(stateTTL).UTC()}
	if app.needsOrg {
		st.Org = strings.TrimSpace(r.PostFormValue("organization"))
		if st.Org == "" {
			h.render(w, r, ch, http.StatusUnprocessableEntity, h.t(r, "channels_refused_organization", nil))
			return
		}
	}
	to, verifier, err := app.AuthCodeURL(state)
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	st.Verifier = verifier
	v, _ := json.Marshal(st)
	if err := h.p.DB.SetSetting(r.Context(), stateKey(state), string(v)); err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: stateCookie, Value: state, Path: callback, MaxAge: int(stateTTL.Seconds()),
		HttpOnly: true, Secure: h.p.Kit.SecureCookies, SameSite: http.SameSiteLaxMode})
	// A page with a link rather than a redirect: the pages' CSP allows
	// forms to submit only to this server (form-action 'self'), which
	// covers the redirects that follow a submission.
	h.p.Kit.Render(w, r, http.StatusOK, "channels_oauth.html", httpx.Page{
		Title: h.t(r, "channels_oauth_continue", map[string]any{"Network": ch.Network}),
		Data:  OAuthPage{Channel: ch, URL: to}})
}

// OAuthPage is the data of the page that sends the officer to the network.
type OAuthPage struct {
	Channel store.Channel
	URL     string
}

// errBadState answers a callback whose state does not match the flow this
// browser and this user started.
var errBadState = &fault.Problem{Kind: fault.ErrInvalid, Key: "channels_error_state"}

func (h *Handlers) callback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	state := q.Get("state")
	cookie, err := r.Cookie(stateCookie)
	http.SetCookie(w, &http.Cookie{Name: stateCookie, Path: callback, MaxAge: -1, HttpOnly: true, Secure: h.p.Kit.SecureCookies, SameSite: http.SameSiteLaxMode})
	if err != nil || state == "" || subtle.ConstantTimeCompare([]byte(cookie.Value), []byte(state)) != 1 {
		h.p.Kit.Fail(w, r, errBadState)
		return
	}
	raw, err := h.p.DB.GetSetting(ctx, stateKey(state))
	if errors.Is(err, store.ErrNotFound) {
		h.p.Kit.Fail(w, r, errBadState)
		return
	}
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	if err := h.p.DB.DeleteSetting(ctx, stateKey(state)); err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	var st oauthState
	if json.Unmarshal([]byte(raw), &st) != nil || st.User != httpx.ViewerFrom(ctx).User.ID || h.p.Now().After(st.Expires) {
		h.p.Kit.Fail(w, r, errBadState)
		return
	}
	ch, err := h.p.DB.GetChannel(ctx, st.Channel)
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	if e := q.Get("error"); e != "" || q.Get("code") == "" {
		h.render(w, r, ch, http.StatusUnprocessableEntity, h.t(r, "channels_refused_denied", nil))
		return
	}
	app := h.oauthFlow(ch)
	if app == nil {
		h.p.Kit.Fail(w, r, fault.ErrNotFound)
		return
	}
	b, err := app.Exchange(ctx, q.Get("code"), st.Verifier, st.Org)
	if err != nil {
		h.render(w, r, ch, http.StatusUnprocessableEntity, h.refusal(r, err))
		return
	}
	secret, err := h.next(ctx, ch, b)
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	v, err := h.verify(ctx, ch, secret)
	if err != nil {
		h.render(w, r, ch, http.StatusUnprocessableEntity, h.refusal(r, err))
		return
	}
	if err := h.store(ctx, r, ch, v); err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/press/channels/"+strconv.FormatInt(ch.ID, 10)+"/connect?connected=1", http.StatusSeeOther)
}
