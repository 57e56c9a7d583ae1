package publishing

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/mofa-vn/chancery/internal/social"
)

// ErrNoConnector is what a channel answers when its network's descriptor
// builds no client.
var ErrNoConnector = errors.New("no connector wired for this network")

// ConnectorsParams is what Connectors are built with.
type ConnectorsParams struct {
	// Networks are the descriptors that build each network's client.
	Networks social.Catalog
	// Credentials returns a channel's sealed credentials
	// (secrets.NewCredentials).
	Credentials func(channelID int64) social.Credentials
	// Portal publishes the portal channels: Chancery's own site.
	Portal social.Publisher
	// Apps are Chancery's OAuth apps by network, to renew tokens.
	Apps map[social.Network]social.App
	// HTTP is the outbound client every connector sends through
	// (internal/outbound).
	HTTP *http.Client
	Now  func() time.Time
	// APIAllowed says where a channel's credentials and Chancery's app
	// secrets may go (APIAllowlist): channels made before that rule may
	// name another server.
	APIAllowed func(n social.Network, base string) bool
}

// Connectors build the social.Publisher of each channel: the one place
// where the connectors (internal/social/…) and the portal publisher meet
// the scheduler. Each network's client is built by its descriptor from the
// channel's base URL and its sealed credentials, and kept while the
// channel's settings do not change, so that its per-account state (rate
// limits, the X user ID) lasts between publications. Resolve is the
// Resolver of the scheduler, the press pages and the watcher.
type Connectors struct {
	p ConnectorsParams

	mu    sync.Mutex
	cache map[int64]cachedPublisher
}

type cachedPublisher struct {
	network, baseURL string
	maxLength        int
	pub              social.Publisher
}

// NewConnectors returns the Connectors.
func NewConnectors(p ConnectorsParams) (*Connectors, error) {
	if p.Credentials == nil || p.Portal == nil || p.HTTP == nil || p.APIAllowed == nil {
		return nil, errors.New("publishing: connectors need Credentials, Portal, HTTP and APIAllowed")
	}
	return &Connectors{p: p, cache: map[int64]cachedPublisher{}}, nil
}

// Resolve returns the Publisher of ch: the portal's for a portal channel,
// else its connector, built once per channel settings.
func (c *Connectors) Resolve(_ context.Context, ch Channel) (social.Publisher, error) {
	if social.Network(ch.Network) == social.Portal {
		return c.p.Portal, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if p, ok := c.cache[ch.ID]; ok && p.network == ch.Network && p.baseURL == ch.BaseURL && p.maxLength == ch.MaxLength {
		return p.pub, nil
	}
	pub, err := c.Build(ch, c.Credentials(ch.ID))
	if err != nil {
		return nil, fmt.Errorf("channel %q (%s): %w", ch.Name, ch.Network, err)
	}
	c.cache[ch.ID] = cachedPublisher{network: ch.Network, baseURL: ch.BaseURL, maxLength: ch.MaxLength, pub: pub}
	return pub, nil
}

// Build makes the connector of ch over creds, from its network's
// descriptor, without keeping it. An empty base URL means the network's
// public API; a base URL that APIAllowed refuses is refused before any
// credential is read.
func (c *Connectors) Build(ch Channel, creds social.Credentials) (social.Publisher, error) {
	base := ch.BaseURL
	n := social.Network(ch.Network)
	if !c.p.APIAllowed(n, base) {
		return nil, fmt.Errorf("%s channel %q names the server %s, which is not %s's own API nor one the configuration allows (-extra-api-urls): its credentials are not sent there", n, ch.Name, base, n)
	}
	d, ok := c.p.Networks.Lookup(n)
	if !ok || d.New == nil {
		return nil, ErrNoConnector
	}
	return d.New(social.ClientParams{BaseURL: base, Credentials: creds, HTTP: c.p.HTTP, Now: c.p.Now, MaxLength: ch.MaxLength, App: c.p.Apps[n]})
}

// Credentials returns the sealed credentials of a channel.
func (c *Connectors) Credentials(channelID int64) social.Credentials {
	return c.p.Credentials(channelID)
}

// Forget drops the kept connector of a channel, after its credentials or
// settings changed.
func (c *Connectors) Forget(channelID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.cache, channelID)
}

// HTTP is the outbound client the connectors send through.
func (c *Connectors) HTTP() *http.Client { return c.p.HTTP }
