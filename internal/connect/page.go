package connect

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
)

// Page is the data of a channel's connect and health page.
type Page struct {
	Channel  store.Channel
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

func (h *Handlers) render(w http.ResponseWriter, r *http.Request, ch store.Channel, status int, problem string) {
	d, _ := h.p.Networks.Lookup(social.Network(ch.Network))
	p := Page{Channel: ch, Fields: d.Fields, Error: problem, Notice: r.URL.Query().Get("connected") == "1",
		OAuth: h.oauthFlow(ch) != nil, NeedsOrg: d.OAuth != nil && d.OAuth.NeedsOrganization}
	hl, err := h.health(r.Context(), r, ch)
	if err != nil {
		h.p.Kit.Fail(w, r, err)
		return
	}
	p.Health = hl
	h.p.Kit.Render(w, r, status, "channels_connect.html", httpx.Page{Title: h.t(r, "channels_connect_title", map[string]any{"Channel": ch.Name}), Data: p})
}

// health is the channel's connection state as the page shows it, times in
// the viewer's language and zone.
func (h *Handlers) health(ctx context.Context, r *http.Request, ch store.Channel) (Health, error) {
	c, err := h.connection(ctx, ch)
	if err != nil {
		return Health{}, err
	}
	hl := Health{HasCredentials: c.HasCredentials, Verified: c.Verified, Account: c.Account, AccountURL: c.AccountURL,
		Expires: h.when(r, c.Expires), ConnectedAt: h.when(r, c.ConnectedAt), LastSuccess: h.when(r, c.LastSuccess),
		RateLimited: h.when(r, c.RateLimitedUntil), Watch: "channels_watch_" + strings.ReplaceAll(c.Watch, "-", "_"),
		WatchReason: c.WatchReason, WatchLastOK: h.when(r, c.WatchLastOK), OpenAlerts: c.OpenAlerts}
	if c.Problem != nil {
		hl.Problem = h.t(r, c.Problem.Key, c.Problem.Data)
	}
	return hl, nil
}

// conn is a channel's connection state: the account as the network sees it
// now, the token's expiry, the last publication, the scheduler's rate limit
// and the watch state.
type conn struct {
	HasCredentials   bool
	Verified         bool
	Problem          *fault.Problem // why the network did not confirm the account
	Account          string
	AccountURL       string
	Expires          time.Time
	ConnectedAt      time.Time
	LastSuccess      time.Time
	RateLimitedUntil time.Time
	Watch            string // store.Watch…, or "off"
	WatchReason      string
	WatchLastOK      time.Time
	OpenAlerts       int
}

// connection gathers ch's connection state, asking the network who the
// stored credentials act as.
func (h *Handlers) connection(ctx context.Context, ch store.Channel) (conn, error) {
	var c conn
	conns, err := h.p.DB.ChannelConnections(ctx)
	if err != nil {
		return c, err
	}
	cc := conns[ch.ID]
	c.ConnectedAt, c.LastSuccess = cc.ConnectedAt, cc.LastSuccess
	if ch.RateLimitedUntil.After(h.p.Now()) {
		c.RateLimitedUntil = ch.RateLimitedUntil
	}
	c.Watch = "off"
	ws, err := h.p.DB.WatchChannelState(ctx, ch.ID)
	switch {
	case err == nil:
		c.Watch, c.WatchReason, c.WatchLastOK = ws.State, ws.Reason, ws.LastOKAt
	case !errors.Is(err, store.ErrNotFound):
		return c, err
	}
	alerts, err := h.p.DB.WatchAlerts(ctx, store.WatchAlertFilter{OpenOnly: true, ChannelID: ch.ID})
	if err != nil {
		return c, err
	}
	c.OpenAlerts = len(alerts)

	creds := h.p.Credentials(ch.ID)
	if _, err := creds.Load(ctx); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return c, nil
		}
		c.HasCredentials, c.Problem = true, &fault.Problem{Kind: fault.ErrRefused, Key: "channels_refused_unreadable", Err: err}
		return c, nil
	}
	c.HasCredentials = true
	pub, err := h.p.Build(ch, creds)
	if err != nil {
		c.Problem = refused(err)
		return c, nil
	}
	acc, err := pub.WhoAmI(ctx)
	if err != nil {
		c.Problem = refused(err)
		return c, nil
	}
	c.Verified, c.Account, c.AccountURL, c.Expires = true, acc.Handle, acc.URL, acc.Expires
	if c.Account == "" {
		c.Account = acc.Name
	}
	return c, nil
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
