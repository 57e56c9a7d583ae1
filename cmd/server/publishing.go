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
	"github.com/mofa-vn/chancery/internal/connect"
	"github.com/mofa-vn/chancery/internal/outbound"
	"github.com/mofa-vn/chancery/internal/portal"
	"github.com/mofa-vn/chancery/internal/press"
	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/secrets"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/social/socialtest/fakekit"
	"github.com/mofa-vn/chancery/internal/social/watch"
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
	p connectorParams
	// http is the one client every connector, OAuth exchange and account
	// check sends through (internal/outbound): it refuses loopback,
	// private and special-purpose addresses but p.Allow.
	http *http.Client

	mu    sync.Mutex
	cache map[int64]cachedPublisher
}

// connectorParams is what the connectors are built with.
type connectorParams struct {
	DB     *store.DB
	Box    *secrets.Box
	Portal *portal.Handlers
	// Origin is the portal's public origin, the start of its links.
	Origin string
	// Apps are Chancery's OAuth apps by network: the configuration's, or
	// in the demo the fakes' when none is configured.
	Apps map[social.Network]social.App
	Now  func() time.Time
	// APIAllowed says where a channel's credentials and Chancery's app
	// secrets may go (publishing.APIAllowlist); channels made before that
	// rule may name another server.
	APIAllowed func(social.Network, string) bool
	// Allow are the servers (-extra-api-urls, the demo's fake networks)
	// that the connectors may reach at their exact host and port even
	// though their addresses are internal.
	Allow []string
}

type cachedPublisher struct {
	network, baseURL string
	maxLength        int
	pub              social.Publisher
}

// newConnectors returns the connectors, with their outbound client.
func newConnectors(p connectorParams) (*connectors, error) {
	if p.APIAllowed == nil {
		return nil, errors.New("connectors: APIAllowed is required")
	}
	hc, err := outbound.New(outbound.Params{Allow: slices.Clone(p.Allow)})
	if err != nil {
		return nil, err
	}
	return &connectors{p: p, http: hc}, nil
}

// client is the outbound client.
func (c *connectors) client() *http.Client { return c.http }

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
		return c.p.Portal.Publisher(c.p.Origin), nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if p, ok := c.cache[ch.ID]; ok && p.network == ch.Network && p.baseURL == ch.BaseURL && p.maxLength == ch.MaxLength {
		return p.pub, nil
	}
	pub, err := c.build(ch, c.credentials(ch.ID))
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
	if !c.p.APIAllowed(n, base) {
		return nil, fmt.Errorf("%s channel %q names the server %s, which is not %s's own API nor one the configuration allows (-extra-api-urls): its credentials are not sent there", n, ch.Name, base, n)
	}
	d, ok := networks.Lookup(n)
	if !ok || d.New == nil {
		return nil, errNoConnector
	}
	return d.New(social.ClientParams{BaseURL: base, Credentials: creds, HTTP: c.client(), Now: c.p.Now, MaxLength: ch.MaxLength, App: c.p.Apps[n]})
}

// credentials returns the sealed credentials of a channel.
func (c *connectors) credentials(id int64) social.Credentials {
	return secrets.NewCredentials(c.p.DB, c.p.Box, id)
}

// forget drops the cached connector of a channel, after its credentials or
// settings changed.
func (c *connectors) forget(id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.cache, id)
}

// office is the press office as built.
type office struct {
	publishing *publishing.Service
	connectors *connectors
	watcher    *watch.Watcher // nil when off
	demoNets   []demoNetwork
	stopDemo   func() // stops the demo's fake networks; nil without -demo
}

// pressOffice builds the press office: the connectors of every network,
// the publishing service and its scheduler, the press pages and API, the
// connect pages, their banners, and out-of-band detection. With -demo the
// fake networks start first, as channels use their addresses and the
// connect pages their OAuth apps. On error, the office's stopDemo (if
// set) stops what was started.
func (w *wiring) pressOffice(ctx context.Context, site *portal.Handlers) (office, error) {
	var off office
	apps := apps(w.cfg.Connect)
	// Loopback, private and special-purpose addresses are reached only at
	// the servers the operator allows, and the demo's fakes.
	extra := w.cfg.Publish.ExtraAPIList()
	var fakes []fakekit.Demo
	if w.cfg.Demo {
		fakes, off.stopDemo = startDemoFakes(apps)
		for _, f := range fakes {
			extra = append(extra, f.URL)
		}
	}
	conn, err := newConnectors(connectorParams{DB: w.db, Box: w.box, Portal: site, Origin: w.origin, Apps: apps, Now: w.o.now,
		APIAllowed: publishing.APIAllowlist(networks, extra), Allow: extra})
	if err != nil {
		return off, err
	}
	off.connectors = conn
	resolve := w.o.resolve
	if resolve == nil {
		resolve = publisherResolver(conn)
	}
	if w.cfg.Demo {
		if off.demoNets, err = connectDemoNetworks(ctx, w.db, conn, fakes); err != nil {
			return off, err
		}
	}
	pub, err := newPublishing(w.cfg, w.db, w.o, resolve, w.log, instanceName(), extra)
	if err != nil {
		return off, err
	}
	off.publishing = pub
	if w.cfg.Watch.Interval > 0 {
		if off.watcher, err = newWatcher(w.cfg, w.db, resolve, w.log, w.o); err != nil {
			return off, err
		}
	}
	w.kit.Banners = banners(press.Banners(pub, w.cat), connect.Banners(w.db, w.cat))
	press.New(w.db, pub, resolve, w.kit).Routes(w.mux)
	origin := w.origin
	connect.New(connect.Params{DB: w.db, Kit: w.kit, Credentials: conn.credentials, Build: conn.build, Changed: conn.forget,
		PublicURL: func() string { return origin }, Now: w.o.now, APIAllowed: pub.APIAllowed,
		Networks: networks, Apps: apps, HTTP: conn.client(),
	}).Routes(w.mux)
	return off, nil
}

// newPublishing builds the publishing service from the configuration; the
// scheduler logs to log. extraAPIs are the servers that channels may use
// besides the networks' own: -extra-api-urls and the demo's fake networks.
func newPublishing(cfg config.Config, db *store.DB, o buildOptions, res publishing.Resolver, log *slog.Logger, instance string, extraAPIs []string) (*publishing.Service, error) {
	var sensitive []string
	for c := range strings.SplitSeq(cfg.Publish.Sensitive, ",") {
		if c = strings.TrimSpace(c); c != "" {
			sensitive = append(sensitive, c)
		}
	}
	return publishing.New(publishing.Params{Networks: networks, DB: db, Resolve: res, Now: o.now, Instance: instance, Log: log.With("component", "publishing"), Checkpoint: o.checkpoint,
		Settings: publishing.Settings{Grace: cfg.Publish.Grace, Lease: cfg.Publish.Lease, Workers: int(cfg.Publish.Workers), SensitiveCategories: sensitive,
			ExtraAPIs: extraAPIs}})
}

// newWatcher builds out-of-band detection (cfg.Watch.Interval > 0) over
// the publishing store, reading each channel with the scheduler's
// publisher.
func newWatcher(cfg config.Config, db *store.DB, res publishing.Resolver, log *slog.Logger, o buildOptions) (*watch.Watcher, error) {
	log = log.With("component", "watch")
	w, err := watch.New(watch.Params{Store: db, Outbox: watch.StoreOutbox{DB: db},
		Channels: watch.StoreChannels{DB: db, Networks: networks, Resolve: res, Log: log},
		Log:      log, Interval: cfg.Watch.Interval, Now: o.now})
	if err != nil {
		return nil, fmt.Errorf("watch: %w", err)
	}
	return w, nil
}

// instanceName names this process in leases and the audit log.
func instanceName() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s-%d", host, os.Getpid())
}
