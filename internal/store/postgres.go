package store

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
)

// defaultPostgresConns is the pool size when neither Options nor the URL's
// pool_max_conns set one.
const defaultPostgresConns = 24

func (db *DB) openPostgres(ctx context.Context, o Options) error {
	cfg, err := pgxpool.ParseConfig(o.DatabaseURL)
	if err != nil {
		// pgx's parse errors may quote the URL, password included.
		return fmt.Errorf("store: parse database URL %s: invalid", redactURL(o.DatabaseURL))
	}
	switch {
	case o.MaxOpenConns > 0:
		cfg.MaxConns = int32(min(o.MaxOpenConns, 1<<20))
	case !strings.Contains(o.DatabaseURL, "pool_max_conns"):
		// pgxpool's default is max(4, CPUs): on a small machine the
		// scheduler's workers (16 by default), its LISTEN connection and
		// the web requests would queue for four connections.
		cfg.MaxConns = defaultPostgresConns
	}
	if o.ReadOnly {
		cfg.ConnConfig.RuntimeParams["default_transaction_read_only"] = "on"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("store: connect to PostgreSQL %s: %w", redactURL(o.DatabaseURL), err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return fmt.Errorf("store: connect to PostgreSQL %s: %w", redactURL(o.DatabaseURL), err)
	}
	db.pool = pool
	db.sql = stdlib.OpenDBFromPool(pool)
	db.backend = BackendPostgres
	db.log.Info("store: opened PostgreSQL", "url", redactURL(o.DatabaseURL))
	return nil
}

// redactURL hides the password of a database URL so that it can be logged.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
