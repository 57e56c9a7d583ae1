package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mofa-vn/chancery/internal/config"
	"github.com/mofa-vn/chancery/internal/outbound"
	"github.com/mofa-vn/chancery/internal/portal"
	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/secrets"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
)

// errNoConnector is what channels answer until a connector for their
// network is wired into publisherResolver.
var errNoConnector = errors.New("no connector wired for this network")

// testResolverHook is set only in binaries built with -tags chancerytest
// (fakenet_chancerytest.go), for the crash and scale-out tests; it may
// hand channels on to the real connectors.
var testResolverHook func(*connectors) publishing.Resolver

// connectors builds the social.Publisher of each channel: the one place
// where the connectors (internal/social/…) and the portal publisher meet
// the scheduler. Each network's client is built from the channel's base URL
// and its encrypted credentials, and kept while the channel's settings do
// not change, so that its per-account state (rate limits, the X user ID)
// lasts between publications.
type connectors struct {
	db     *store.DB
	box    *secrets.Box
	portal *portal.Handlers
	// publicURL is the portal's public origin, known only once the server
	// listens when it is not configured.
	publicURL func() string
	// apps are Chancery's OAuth apps by network: the configuration's, or
	// in the demo the fakes' when none is configured.
	apps map[social.Network]social.App
	now  func() time.Time
	// apiAllowed says where a channel's credentials and Chancery's app
	// secrets may go (publishing.Service.APIAllowed); channels made before
	// that rule may name another server.
	apiAllowed func(social.Network, string) bool
	// http is the one client every connector, OAuth exchange and account
	// check sends through (internal/outbound): it refuses loopback,
	// private and special-purpose addresses but those allowed, set with
	// allowAPIs before the first connector is built.
	http    *http.Client
	allowed []string

	mu    sync.Mutex
	cache map[int64]cachedPublisher
}

type cachedPublisher struct {
	network, baseURL string
	maxLength        int
	pub              social.Publisher
}

// allowAPIs adds servers (-extra-api-urls, the demo's fake networks) that
// the connectors may reach at their exact host and port even though their
// addresses are internal.
func (c *connectors) allowAPIs(urls ...string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	hc, err := outbound.New(outbound.Params{Allow: append(slices.Clone(c.allowed), urls...)})
	if err != nil {
		return err
	}
	c.allowed, c.http, c.cache = append(c.allowed, urls...), hc, nil
	return nil
}

// client is the outbound client; the shared one that allows no internal
// address until allowAPIs is called.
func (c *connectors) client() *http.Client {
	if c.http == nil {
		return outbound.Default()
	}
	return c.http
}

// publisherResolver returns the resolver the scheduler, the press pages and
// the watcher share.
func publisherResolver(c *connectors) publishing.Resolver {
	if testResolverHook != nil {
		return testResolverHook(c)
	}
	return c.resolve
}

func (c *connectors) resolve(_ context.Context, ch publishing.Channel) (social.Publisher, error) {
	if social.Network(ch.Network) == social.Portal {
		return c.portal.Publisher(c.publicURL()), nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if p, ok := c.cache[ch.ID]; ok && p.network == ch.Network && p.baseURL == ch.BaseURL && p.maxLength == ch.MaxLength {
		return p.pub, nil
	}
	pub, err := c.build(ch, secrets.NewCredentials(c.db, c.box, ch.ID))
	if err != nil {
		return nil, fmt.Errorf("channel %q (%s): %w", ch.Name, ch.Network, err)
	}
	if c.cache == nil {
		c.cache = map[int64]cachedPublisher{}
	}
	c.cache[ch.ID] = cachedPublisher{network: ch.Network, baseURL: ch.BaseURL, maxLength: ch.MaxLength, pub: pub}
	return pub, nil
}

// build makes the connector of ch over creds, from its network's
// descriptor. An empty base URL means the network's public API.
func (c *connectors) build(ch publishing.Channel, creds social.Credentials) (social.Publisher, error) {
	base := ch.BaseURL
	n := social.Network(ch.Network)
	if c.apiAllowed != nil && !c.apiAllowed(n, base) {
		return nil, fmt.Errorf("%s channel %q names the server %s, which is not %s's own API nor one the configuration allows (-extra-api-urls): its credentials are not sent there", n, ch.Name, base, n)
	}
	d, ok := networks.Lookup(n)
	if !ok || d.New == nil {
		return nil, errNoConnector
	}
	return d.New(social.ClientParams{BaseURL: base, Credentials: creds, HTTP: c.client(), Now: c.now, MaxLength: ch.MaxLength, App: c.apps[n]})
}

// credentials returns the sealed credentials of a channel.
func (c *connectors) credentials(id int64) social.Credentials {
	return secrets.NewCredentials(c.db, c.box, id)
}

// forget drops the cached connector of a channel, after its credentials or
// settings changed.
func (c *connectors) forget(id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.cache, id)
}

// newPublishing builds the publishing service from the configuration; the
// scheduler logs to log. extraAPIs are servers that channels may use besides
// those it names (the demo's fake networks).
func newPublishing(cfg config.Config, db *store.DB, o buildOptions, res publishing.Resolver, log *slog.Logger, instance string, extraAPIs ...string) (*publishing.Service, error) {
	var sensitive []string
	for c := range strings.SplitSeq(cfg.Publish.Sensitive, ",") {
		if c = strings.TrimSpace(c); c != "" {
			sensitive = append(sensitive, c)
		}
	}
	return publishing.New(publishing.Params{Networks: networks, DB: db, Resolve: res, Now: o.now, Instance: instance, Log: log.With("component", "publishing"), Checkpoint: o.checkpoint,
		Settings: publishing.Settings{Grace: cfg.Publish.Grace, Lease: cfg.Publish.Lease, Workers: int(cfg.Publish.Workers), SensitiveCategories: sensitive,
			ExtraAPIs: append(cfg.Publish.ExtraAPIList(), extraAPIs...)}})
}

// instanceName names this process in leases and the audit log.
func instanceName() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s-%d", host, os.Getpid())
}
