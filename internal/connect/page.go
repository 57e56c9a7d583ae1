package connect

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"

	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
)

// Page is the data of a channel's connect and health page.
type Page struct {
	Channel  store.PubChannel
	Fields   []Field
	OAuth    bool // the network connects through an OAuth redirect
	NeedsOrg bool // LinkedIn: the page to post as
	Notice   bool // just connected
	Error    string
	Health   Health
}

// Health is what the press office needs to know of a channel's account.
type Health struct {
	HasCredentials bool
	Verified       bool   // WhoAmI answered now
	Problem        string // why it did not
	Account        string
	AccountURL     string
	Expires        string // when the access token expires, "" if never
	ConnectedAt    string
	LastSuccess    string
	RateLimited    string // until when the scheduler holds back, "" if not
	Watch          string // message key of the watch state
	WatchReason    string
	WatchLastOK    string
	OpenAlerts     int
}

func (h *Handlers) page(w http.ResponseWriter, r *http.Request) {
	ch, err := h.channel(r)
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	h.render(w, r, ch, http.StatusOK, "")
}

func (h *Handlers) render(w http.ResponseWriter, r *http.Request, ch store.PubChannel, status int, problem string) {
	n := social.Network(ch.Network)
	p := Page{Channel: ch, Fields: formFields[n], Error: problem, Notice: r.URL.Query().Get("connected") == "1",
		OAuth: h.oauthApp(ch) != nil, NeedsOrg: n == social.LinkedIn}
	hl, err := h.health(r.Context(), r, ch)
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	p.Health = hl
	h.p.Kit.Render(w, r, status, "channels_connect.html", httpx.Page{Title: h.t(r, "channels_connect_title", map[string]any{"Channel": ch.Name}), Data: p})
}

// health gathers the channel's health: the account as the network sees it
// now, the token's expiry, the last publication, the scheduler's rate limit
// and the watch state.
func (h *Handlers) health(ctx context.Context, r *http.Request, ch store.PubChannel) (Health, error) {
	var hl Health
	conns, err := h.p.DB.ChannelConnections(ctx)
	if err != nil {
		return hl, err
	}
	c := conns[ch.ID]
	hl.ConnectedAt, hl.LastSuccess = h.when(r, c.ConnectedAt), h.when(r, c.LastSuccess)
	if ch.RateLimitedUntil.After(h.p.Now()) {
		hl.RateLimited = h.when(r, ch.RateLimitedUntil)
	}
	hl.Watch = "channels_watch_off"
	ws, err := h.p.DB.WatchChannelState(ctx, ch.ID)
	switch {
	case err == nil:
		hl.Watch, hl.WatchReason, hl.WatchLastOK = "channels_watch_"+strings.ReplaceAll(ws.State, "-", "_"), ws.Reason, h.when(r, ws.LastOKAt)
	case !errors.Is(err, store.ErrNotFound):
		return hl, err
	}
	alerts, err := h.p.DB.WatchAlerts(ctx, store.WatchAlertFilter{OpenOnly: true, ChannelID: ch.ID})
	if err != nil {
		return hl, err
	}
	hl.OpenAlerts = len(alerts)

	creds := h.p.Credentials(ch.ID)
	if _, err := creds.Load(ctx); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return hl, nil
		}
		hl.HasCredentials, hl.Problem = true, h.t(r, "channels_refused_unreadable", nil)
		return hl, nil
	}
	hl.HasCredentials = true
	pub, err := h.p.Build(ch, creds)
	if err != nil {
		hl.Problem = h.refusal(r, err)
		return hl, nil
	}
	acc, err := pub.WhoAmI(ctx)
	if err != nil {
		hl.Problem = h.refusal(r, err)
		return hl, nil
	}
	hl.Verified, hl.Account, hl.AccountURL = true, acc.Handle, acc.URL
	if hl.Account == "" {
		hl.Account = acc.Name
	}
	hl.Expires = h.when(r, acc.Expires)
	return hl, nil
}

// memCreds holds a secret in memory while it is verified, and takes the
// connector's own updates (a Bluesky session) so that they are stored too.
type memCreds struct {
	mu sync.Mutex
	b  []byte
}

func (m *memCreds) Load(context.Context) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]byte(nil), m.b...), nil
}

func (m *memCreds) Update(_ context.Context, fn func([]byte) ([]byte, error)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	next, err := fn(append([]byte(nil), m.b...))
	if err != nil {
		return err
	}
	m.b = next
	return nil
}

func (m *memCreds) get() []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.b
}

var _ social.Credentials = (*memCreds)(nil)
