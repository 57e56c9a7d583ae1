package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/mofa-vn/chancery/internal/config"
	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/social/watch"
	"github.com/mofa-vn/chancery/internal/store"
)

// watchChannels lists the channels out-of-band detection reads: every
// connected channel whose network's descriptor says its timeline can be
// read (not the portal, Chancery's own, nor Telegram, whose bots cannot
// read a channel's history), each with the Publisher the scheduler uses.
type watchChannels struct {
	db      *store.DB
	resolve publishing.Resolver
	log     *slog.Logger
}

func (w watchChannels) Watched(ctx context.Context) ([]watch.Channel, error) {
	chs, err := w.db.ListChannels(ctx)
	if err != nil {
		return nil, err
	}
	conns, err := w.db.ChannelConnections(ctx)
	if err != nil {
		return nil, err
	}
	var out []watch.Channel
	for _, ch := range chs {
		n := social.Network(ch.Network)
		c := conns[ch.ID]
		if d, ok := networks.Lookup(n); !ok || !d.Watched || c.ConnectedAt.IsZero() {
			continue
		}
		pub, err := w.resolve(ctx, ch)
		if err != nil {
			// One channel without a connector does not stop the others.
			w.log.Warn("watch: no publisher for channel", "channel", ch.Name, "err", err)
			continue
		}
		out = append(out, watch.Channel{ID: ch.ID, Network: n, Name: ch.Name, Connected: c.ConnectedAt, Publisher: pub})
	}
	return out, nil
}

// watchOutbox answers what Chancery published, from the publishing store.
type watchOutbox struct{ db *store.DB }

func (o watchOutbox) Published(ctx context.Context, channelID int64, remoteIDs []string) (map[string]bool, error) {
	return o.db.PublishedRemoteIDs(ctx, channelID, remoteIDs)
}

func (o watchOutbox) InFlight(ctx context.Context, channelID int64) ([]string, error) {
	return o.db.InFlightTexts(ctx, channelID)
}

// newWatcher builds out-of-band detection (cfg.Watch.Interval > 0).
func newWatcher(cfg config.Config, db *store.DB, res publishing.Resolver, log *slog.Logger, o buildOptions) (*watch.Watcher, error) {
	log = log.With("component", "watch")
	w, err := watch.New(watch.Params{Store: db, Channels: watchChannels{db: db, resolve: res, log: log}, Outbox: watchOutbox{db},
		Log: log, Interval: cfg.Watch.Interval, Now: o.now})
	if err != nil {
		return nil, fmt.Errorf("watch: %w", err)
	}
	return w, nil
}
