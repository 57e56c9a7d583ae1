// Package connect owns the press office's channel connections: the forms
// and OAuth redirects that give a channel its credentials, the check that
// they work (WhoAmI), each channel's health page, the same for programs
// under /api/v1/channels/{id}/ (credentials and connection), and the
// out-of-band post alerts (internal/social/watch) shown to press staff.
//
// Credentials pass through here on their way into social.Credentials and
// are never rendered, returned or logged. What a network's form asks for,
// how its secret is checked and its OAuth flow come from its descriptor
// (social.Descriptor); cmd/server injects the list and Build.
// It must not import cmd/ or the publishing scheduler.
package connect

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/auth"
	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/outbound"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
)

// Roles, as the press office decides them: press staff read channel health
// and alerts; administrators and press officers connect channels and
// acknowledge alerts.
var (
	Readers = account.PressReaders
	Writers = account.PressWriters
)

// Params are the dependencies of Handlers.
type Params struct {
	DB  *store.DB
	Kit *httpx.Kit
	// Credentials returns the sealed credentials of a channel.
	Credentials func(channelID int64) social.Credentials
	// Build makes the connector of ch over creds, without caching it: the
	// connect flow verifies new credentials before it stores them.
	Build func(ch store.Channel, creds social.Credentials) (social.Publisher, error)
	// Changed tells the caller that a channel's credentials changed, so
	// that cached connectors are dropped.
	Changed func(channelID int64)
	// PublicURL is the origin OAuth redirects come back to.
	PublicURL string
	// Networks are the networks channels may be connected to: their
	// connect forms, secret checks and OAuth flows.
	Networks social.Catalog
	// Apps are Chancery's OAuth clients by network (absent, or ClientID
	// empty, when not configured). Their endpoints follow the channel's
	// base URL when it is not the network's own.
	Apps map[social.Network]social.App
	// HTTP is the outbound client OAuth token exchanges go through.
	HTTP *http.Client
	Now  func() time.Time
	// APIAllowed says whether Chancery's app secrets may go to a
	// channel's server (publishing.Service.APIAllowed); nil allows the
	// networks' own APIs only.
	APIAllowed func(n social.Network, base string) bool
}

// Handlers serves the connect pages.
type Handlers struct {
	p Params
}

// New returns the handlers.
func New(p Params) *Handlers {
	if p.Now == nil {
		p.Now = time.Now
	}
	if p.APIAllowed == nil {
		p.APIAllowed = func(n social.Network, base string) bool {
			d, _ := p.Networks.Lookup(n)
			return base == "" || (d.Official && base == d.API)
		}
	}
	return &Handlers{p: p}
}

// Routes lists every route of the area.
func (h *Handlers) Routes(mux *httpx.Router) {
	read := auth.Require(h.p.Kit, Readers...)
	write := auth.Require(h.p.Kit, Writers...)
	mux.Handle("GET /press/channels/{id}/connect", read(http.HandlerFunc(h.page)))
	mux.Handle("POST /press/channels/{id}/connect", write(http.HandlerFunc(h.connectForm)))
	mux.Handle("POST /press/channels/{id}/oauth", write(http.HandlerFunc(h.startOAuth)))
	mux.Handle("GET /press/oauth/callback", write(http.HandlerFunc(h.callback)))
	mux.Handle("GET /press/alerts", read(http.HandlerFunc(h.alerts)))
	mux.Handle("POST /press/alerts/{id}/ack", write(http.HandlerFunc(h.acknowledge)))
	mux.Handle("GET /api/v1/channels/{id}/connection", read(http.HandlerFunc(h.apiConnection)))
	mux.Handle("PUT /api/v1/channels/{id}/credentials", write(http.HandlerFunc(h.apiCredentials)))
}

func (h *Handlers) t(r *http.Request, key string, data map[string]any) string {
	return h.p.Kit.Cat.T(h.p.Kit.Lang(r).Code, key, data)
}

func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, fault.ErrNotFound
	}
	return id, nil
}

// channel returns the channel of the path, refusing the portal, which has
// no credentials.
func (h *Handlers) channel(r *http.Request) (store.Channel, error) {
	id, err := pathID(r)
	if err != nil {
		return store.Channel{}, err
	}
	ch, err := h.p.DB.GetChannel(r.Context(), id)
	if err != nil {
		return store.Channel{}, err
	}
	if social.Network(ch.Network) == social.Portal {
		return store.Channel{}, fault.ErrNotFound
	}
	return ch, nil
}

// zone is the viewer's time zone, UTC when unset.
func zone(r *http.Request) *time.Location {
	if v := httpx.ViewerFrom(r.Context()); v != nil && v.User.TimeZone != "" {
		if loc, err := time.LoadLocation(v.User.TimeZone); err == nil {
			return loc
		}
	}
	return time.UTC
}

func (h *Handlers) when(r *http.Request, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	loc := zone(r)
	return lang.FormatDateTime(h.p.Kit.Lang(r).Code, t, loc, lang.Medium) + " (" + loc.String() + ")"
}

// verified is what a working set of credentials acts as.
type verified struct {
	acc    social.Account
	secret []byte
}

// verify builds ch's connector over secret held in memory and asks the
// network who it acts as. Nothing is stored.
func (h *Handlers) verify(ctx context.Context, ch store.Channel, secret []byte) (verified, error) {
	mem := &memCreds{b: secret}
	pub, err := h.p.Build(ch, mem)
	if err != nil {
		return verified{}, err
	}
	acc, err := pub.WhoAmI(ctx)
	if err != nil {
		return verified{}, err
	}
	return verified{acc: acc, secret: mem.get()}, nil
}

// store saves verified credentials and records the account: a switch to
// another account resets the channel's watch.
func (h *Handlers) store(ctx context.Context, r *http.Request, ch store.Channel, v verified) error {
	err := h.p.Credentials(ch.ID).Update(ctx, func([]byte) ([]byte, error) { return v.secret, nil })
	if err != nil {
		return fmt.Errorf("connect: store credentials of channel %d: %w", ch.ID, err)
	}
	h.p.Changed(ch.ID)
	handle := v.acc.Handle
	if handle == "" {
		handle = v.acc.Name
	}
	u := httpx.ViewerFrom(r.Context()).User
	switched, err := h.p.DB.MarkChannelConnected(ctx, ch.ID, v.acc.ID, handle,
		store.AuditEntry{ActorID: u.ID, Actor: u.Username, Action: "channel.connect"})
	if err != nil {
		return err
	}
	if switched {
		return h.p.DB.ForgetWatch(ctx, ch.ID)
	}
	return nil
}

// refusal turns a failed verification into the sentence shown beside the
// form: an address or a redirect internal/outbound refused, in the viewer's
// language; else the network's reason, in English as the connectors write
// it, inside a sentence in the viewer's language.
func (h *Handlers) refusal(r *http.Request, err error) string {
	e := refused(err)
	return h.t(r, e.Key, e.Data)
}

// refused is the user-facing error of a failed verification, for the pages
// and the API alike (422).
func refused(err error) *fault.Problem {
	// Checked first: the connector's reason is English, and says no more.
	switch {
	case errors.Is(err, outbound.ErrNotAllowed):
		return &fault.Problem{Kind: fault.ErrRefused, Key: "channels_refused_address", Err: err}
	case errors.Is(err, outbound.ErrRedirect):
		return &fault.Problem{Kind: fault.ErrRefused, Key: "channels_refused_redirect", Err: err}
	}
	if e, ok := errors.AsType[*social.Error](err); ok {
		reason := e.Reason
		if reason == "" {
			reason = e.Class.String()
		}
		return &fault.Problem{Kind: fault.ErrRefused, Key: "channels_refused_network", Data: map[string]any{"Reason": reason}, Err: err}
	}
	// Other errors may quote a request URL, which carries Telegram's bot
	// token: they are not shown.
	return &fault.Problem{Kind: fault.ErrRefused, Key: "channels_refused_unreachable", Err: err}
}
