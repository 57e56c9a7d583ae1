package watch

import (
	"context"
	"log/slog"

	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
)

// StoreChannels lists the channels to watch from the publishing store:
// every connected channel whose network's descriptor says its timeline can
// be read (Descriptor.Watched: not the portal, Chancery's own, nor
// Telegram, whose bots cannot read a channel's history), each with the
// Publisher the scheduler uses.
type StoreChannels struct {
	DB       *store.DB
	Networks social.Catalog
	// Resolve is the scheduler's publisher resolver
	// (publishing.Resolver).
	Resolve func(ctx context.Context, ch store.Channel) (social.Publisher, error)
	// Log, if set, is told of a channel left out for want of a publisher.
	Log *slog.Logger
}

var _ Channels = StoreChannels{}

// Watched implements Channels. A channel whose publisher cannot be built
// is left out, and logged, without stopping the others.
func (s StoreChannels) Watched(ctx context.Context) ([]Channel, error) {
	chs, err := s.DB.ListChannels(ctx)
	if err != nil {
		return nil, err
	}
	conns, err := s.DB.ChannelConnections(ctx)
	if err != nil {
		return nil, err
	}
	var out []Channel
	for _, ch := range chs {
		n := social.Network(ch.Network)
		c := conns[ch.ID]
		if d, ok := s.Networks.Lookup(n); !ok || !d.Watched || c.ConnectedAt.IsZero() {
			continue
		}
		pub, err := s.Resolve(ctx, ch)
		if err != nil {
			if s.Log != nil {
				s.Log.WarnContext(ctx, "watch: no publisher for channel", "channel", ch.Name, "err", err)
			}
			continue
		}
		out = append(out, Channel{ID: ch.ID, Network: n, Name: ch.Name, Connected: c.ConnectedAt, Publisher: pub})
	}
	return out, nil
}

// StoreOutbox answers what Chancery published, from the publishing store.
type StoreOutbox struct{ DB *store.DB }

var _ Outbox = StoreOutbox{}

// Published implements Outbox.
func (o StoreOutbox) Published(ctx context.Context, channelID int64, remoteIDs []string) (map[string]bool, error) {
	return o.DB.PublishedRemoteIDs(ctx, channelID, remoteIDs)
}

// InFlight implements Outbox.
func (o StoreOutbox) InFlight(ctx context.Context, channelID int64) ([]string, error) {
	return o.DB.InFlightTexts(ctx, channelID)
}
