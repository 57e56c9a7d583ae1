//go:build chancerytest

package main

// Built only with -tags chancerytest, for the crash and scale-out tests: a
// channel on the "mastodon" network whose base URL points at a
// pubtest.Handler publishes there over HTTP, with Mastodon's idempotency
// key, through the server's outbound client; every other channel gets its
// real connector (the X crash test points an X channel at xfake through
// -extra-api-urls). The production binary never contains this file.

import (
	"context"

	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/publishing/pubtest"
	"github.com/mofa-vn/chancery/internal/social"
)

func init() {
	testResolverHook = func(c *publishing.Connectors) publishing.Resolver {
		// The server's one outbound client: the test allows the fake
		// network's loopback address with -extra-api-urls.
		hc := c.HTTP()
		return func(ctx context.Context, ch publishing.Channel) (social.Publisher, error) {
			if ch.Network != string(social.Mastodon) || ch.BaseURL == "" {
				return c.Resolve(ctx, ch)
			}
			return &pubtest.Client{BaseURL: ch.BaseURL, Name: social.Mastodon, Lim: social.Limits{MaxLength: 500, Idempotent: true}, HTTP: hc}, nil
		}
	}
}
