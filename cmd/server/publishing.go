package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mofa-vn/chancery/internal/config"
	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
)

// errNoConnector is what channels answer until a connector for their
// network is wired into publisherResolver.
var errNoConnector = errors.New("no connector wired for this network")

// testResolverHook is set only in binaries built with -tags chancerytest
// (fakenet_chancerytest.go), for the crash and scale-out tests.
var testResolverHook func(*store.DB) publishing.Resolver

// publisherResolver builds the social.Publisher of a channel. It is the one
// place where the connectors (internal/social/…) and the portal publisher
// meet the scheduler: each case builds its client from the channel's base
// URL and its encrypted credentials.
func publisherResolver(db *store.DB) publishing.Resolver {
	if testResolverHook != nil {
		return testResolverHook(db)
	}
	return func(_ context.Context, ch publishing.Channel) (social.Publisher, error) {
		return nil, fmt.Errorf("channel %q (%s): %w", ch.Name, ch.Network, errNoConnector)
	}
}

// newPublishing builds the publishing service from the configuration.
func newPublishing(cfg config.Config, db *store.DB, o buildOptions, res publishing.Resolver, instance string) *publishing.Service {
	var sensitive []string
	for c := range strings.SplitSeq(cfg.Publish.Sensitive, ",") {
		if c = strings.TrimSpace(c); c != "" {
			sensitive = append(sensitive, c)
		}
	}
	return publishing.New(publishing.Params{DB: db, Resolve: res, Now: o.now, Instance: instance,
		Settings: publishing.Settings{Grace: cfg.Publish.Grace, Lease: cfg.Publish.Lease, Workers: int(cfg.Publish.Workers), SensitiveCategories: sensitive}})
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
	db, err := store.Open(ctx, store.Options{DatabaseURL: *dbURL, DataDir: *data})
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
