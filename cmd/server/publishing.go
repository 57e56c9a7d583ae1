package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/mofa-vn/chancery/internal/config"
	"github.com/mofa-vn/chancery/internal/portal"
	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/secrets"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/social/bluesky"
	"github.com/mofa-vn/chancery/internal/social/facebook"
	"github.com/mofa-vn/chancery/internal/social/linkedin"
	"github.com/mofa-vn/chancery/internal/social/mastodon"
	"github.com/mofa-vn/chancery/internal/social/telegram"
	"github.com/mofa-vn/chancery/internal/social/x"
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
	conn      config.Connect
	now       func() time.Time
	// apiAllowed says where a channel's credentials and Chancery's app
	// secrets may go (publishing.Service.APIAllowed); channels made before
	// that rule may name another server.
	apiAllowed func(social.Network, string) bool

	mu    sync.Mutex
	cache map[int64]cachedPublisher
}

type cachedPublisher struct {
	network, baseURL string
	maxLength        int
	pub              social.Publisher
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

// build makes the connector of ch over creds. An empty base URL means the
// network's public API.
func (c *connectors) build(ch publishing.Channel, creds social.Credentials) (social.Publisher, error) {
	base := ch.BaseURL
	n := social.Network(ch.Network)
	if c.apiAllowed != nil && !c.apiAllowed(n, base) {
		return nil, fmt.Errorf("%s channel %q names the server %s, which is not %s's own API nor one the configuration allows (-extra-api-urls): its credentials are not sent there", n, ch.Name, base, n)
	}
	switch n {
	case social.X:
		return x.New(x.Params{BaseURL: base, Credentials: creds, Now: c.now, MaxLength: ch.MaxLength})
	case social.Facebook:
		return facebook.New(facebook.Config{BaseURL: orDefault(base, n.OfficialAPI()), Credentials: creds, Now: c.now})
	case social.Mastodon:
		if base == "" {
			return nil, errors.New("a Mastodon channel needs its instance's address (base URL)")
		}
		return mastodon.New(mastodon.Config{BaseURL: base, Credentials: creds, Now: c.now, MaxLength: ch.MaxLength})
	case social.Bluesky:
		return bluesky.New(bluesky.Config{BaseURL: orDefault(base, "https://bsky.social"), Credentials: creds, Now: c.now})
	case social.Telegram:
		return telegram.New(telegram.Config{BaseURL: orDefault(base, n.OfficialAPI()), Credentials: creds, Now: c.now})
	case social.LinkedIn:
		cfg := linkedin.Config{BaseURL: orDefault(base, n.OfficialAPI()), Credentials: creds, Now: c.now,
			ClientID: c.conn.LinkedInClientID, ClientSecret: c.conn.LinkedInClientSecret}
		if base != "" {
			// A LinkedIn-compatible server other than LinkedIn's (the demo's
			// fake) issues its own tokens.
			cfg.TokenURL = strings.TrimSuffix(base, "/") + "/oauth/v2/accessToken"
		}
		return linkedin.New(cfg)
	}
	return nil, errNoConnector
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

// newPublishing builds the publishing service from the configuration;
// extraAPIs are servers that channels may use besides those it names (the
// demo's fake networks).
func newPublishing(cfg config.Config, db *store.DB, o buildOptions, res publishing.Resolver, instance string, extraAPIs ...string) *publishing.Service {
	var sensitive []string
	for c := range strings.SplitSeq(cfg.Publish.Sensitive, ",") {
		if c = strings.TrimSpace(c); c != "" {
			sensitive = append(sensitive, c)
		}
	}
	return publishing.New(publishing.Params{DB: db, Resolve: res, Now: o.now, Instance: instance,
		Settings: publishing.Settings{Grace: cfg.Publish.Grace, Lease: cfg.Publish.Lease, Workers: int(cfg.Publish.Workers), SensitiveCategories: sensitive,
			ExtraAPIs: append(cfg.Publish.ExtraAPIList(), extraAPIs...)}})
}

// instanceName names this process in leases and the audit log.
func instanceName() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s-%d", host, os.Getpid())
}

// auditCommand runs "chancery audit verify": it checks the publishing
// audit log's hash chain and names the first broken link.
func auditCommand(ctx context.Context, args, environ []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		return usageError{errors.New("usage: chancery audit verify [-data DIR] [-database-url URL]")}
	}
	env := envMap(environ)
	fs := flag.NewFlagSet("chancery audit verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", orDefault(env["CHANCERY_DATA"], "./data"), "data directory of the embedded store (env CHANCERY_DATA)")
	dbURL := fs.String("database-url", env["CHANCERY_DATABASE_URL"], "PostgreSQL URL (env CHANCERY_DATABASE_URL)")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError{err}
	}
	// Read only: it runs beside the server, whose lock it need not take.
	db, err := store.Open(ctx, store.Options{DatabaseURL: *dbURL, DataDir: *data, ReadOnly: true})
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := db.VerifyAudit(ctx)
	if b, ok := errors.AsType[*store.AuditBreak](err); ok {
		fmt.Fprintf(stdout, "audit log BROKEN: %d entries hold; first broken link: entry %d: %s\n", n, b.Seq, b.Reason)
		return b
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "audit log intact: %d entries\n", n)
	return nil
}
