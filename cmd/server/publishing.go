package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"

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

// testResolverHook is set only in binaries built with -tags chancerytest
// (fakenet_chancerytest.go), for the crash and scale-out tests; it may
// hand channels on to the real connectors.
var testResolverHook func(*publishing.Connectors) publishing.Resolver

// publisherResolver returns the resolver the scheduler, the press pages and
// the watcher share.
func publisherResolver(c *publishing.Connectors) publishing.Resolver {
	if testResolverHook != nil {
		return testResolverHook(c)
	}
	return c.Resolve
}

// office is the press office as built.
type office struct {
	publishing *publishing.Service
	connectors *publishing.Connectors
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
	hc, err := outbound.New(outbound.Params{Allow: extra})
	if err != nil {
		return off, err
	}
	conn, err := publishing.NewConnectors(publishing.ConnectorsParams{Networks: networks, Portal: site.Publisher(w.origin),
		Credentials: func(id int64) social.Credentials { return secrets.NewCredentials(w.db, w.box, id) },
		Apps:        apps, HTTP: hc, Now: w.o.now, APIAllowed: publishing.APIAllowlist(networks, extra)})
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
	press.New(w.db, pub, resolve, w.kit).Routes(w.mux)
	connect.New(connect.Params{DB: w.db, Kit: w.kit, Credentials: conn.Credentials, Build: conn.Build, Changed: conn.Forget,
		PublicURL: w.origin, Now: w.o.now, APIAllowed: pub.APIAllowed,
		Networks: networks, Apps: apps, HTTP: hc,
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
