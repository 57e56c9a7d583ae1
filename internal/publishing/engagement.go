package publishing

import (
	"context"
	"errors"
	"time"

	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
)

// Engagement is the network's own counts of a statement's posts: read
// from each network that offers them to the account (social.Engager),
// politely: often while a post is new, then less and less as it ages,
// never once it is a month old or gone, never while its channel's network
// asked to wait (RateLimited: Retry-After or the reset header), and with
// a growing back-off after failures.

// engagementEvery is how long to wait before the next read of a post of
// the given age; zero means no more reads.
func engagementEvery(age time.Duration) time.Duration {
	switch {
	case age < time.Hour:
		return 10 * time.Minute
	case age < 6*time.Hour:
		return 30 * time.Minute
	case age < 24*time.Hour:
		return time.Hour
	case age < 7*24*time.Hour:
		return 6 * time.Hour
	case age < 30*24*time.Hour:
		return 24 * time.Hour
	}
	return 0
}

// engagementBatch bounds the reads of one round.
const engagementBatch = 50

// FetchEngagement reads the counts that are due and returns how many
// posts it read.
func (s *Service) FetchEngagement(ctx context.Context) (int, error) {
	if _, err := s.db.SeedEngagement(ctx); err != nil {
		return 0, err
	}
	due, err := s.db.DueEngagement(ctx, engagementBatch)
	if err != nil {
		return 0, err
	}
	read := 0
	waiting := map[int64]time.Time{} // channels whose network asked to wait, until when
	type channelEngager struct {
		eng social.Engager
		err error
	}
	engagers := map[int64]channelEngager{}
	for _, e := range due {
		if ctx.Err() != nil {
			return read, ctx.Err()
		}
		now := s.now()
		if until, ok := waiting[e.ChannelID]; ok {
			e.NextAt = until
			if err := s.db.SaveEngagement(ctx, e); err != nil {
				return read, err
			}
			continue
		}
		ce, ok := engagers[e.ChannelID]
		if !ok {
			ce.eng, ce.err = s.engager(ctx, e.ChannelID)
			engagers[e.ChannelID] = ce
		}
		if ce.err != nil {
			// The channel cannot be reached now (its credentials): back off.
			e = nextEngagement(e, social.Counts{}, ce.err, now)
			if err := s.db.SaveEngagement(ctx, e); err != nil {
				return read, err
			}
			continue
		}
		eng := ce.eng
		if eng == nil {
			// The network offers no counts (Telegram, the portal): read
			// it no more.
			e.NextAt, e.LastError = time.Time{}, "the network offers no engagement counts to the account"
			if err := s.db.SaveEngagement(ctx, e); err != nil {
				return read, err
			}
			continue
		}
		c, rerr := eng.Engagement(ctx, e.RemoteID)
		e = nextEngagement(e, c, rerr, now)
		if se, ok := errors.AsType[*social.Error](rerr); ok && se.Class == social.RateLimited {
			waiting[e.ChannelID] = e.NextAt
		}
		if err := s.db.SaveEngagement(ctx, e); err != nil {
			return read, err
		}
		if rerr == nil {
			read++
		}
	}
	return read, nil
}

// nextEngagement is e after a read at now that gave c or err.
func nextEngagement(e store.Engagement, c social.Counts, err error, now time.Time) store.Engagement {
	if err == nil {
		e.Likes, e.Reposts, e.Replies, e.Quotes, e.Views = c.Likes, c.Reposts, c.Replies, c.Quotes, c.Views
		e.FetchedAt, e.Failures, e.LastError = now, 0, ""
		e.NextAt = time.Time{}
		if every := engagementEvery(now.Sub(e.PublishedAt)); every > 0 {
			e.NextAt = now.Add(every)
		}
		return e
	}
	e.LastError = err.Error()
	se, _ := errors.AsType[*social.Error](err)
	switch {
	case se != nil && se.Class == social.RateLimited:
		e.NextAt = se.Until
		if !e.NextAt.After(now) {
			e.NextAt = now.Add(5 * time.Minute)
		}
	case se != nil && se.Class == social.Rejected:
		e.NextAt = time.Time{} // the post is gone, or cannot be read: no more reads
	default:
		e.Failures++
		wait := 5 * time.Minute << min(e.Failures-1, 7)
		e.NextAt = now.Add(min(wait, 12*time.Hour))
	}
	return e
}

// engager returns the channel's publisher when its network offers counts.
func (s *Service) engager(ctx context.Context, channel int64) (social.Engager, error) {
	ch, err := s.db.GetChannel(ctx, channel)
	if err != nil {
		return nil, err
	}
	p, err := s.resolve(ctx, ch)
	if err != nil {
		return nil, err
	}
	e, _ := p.(social.Engager)
	return e, nil
}

// RunEngagement reads counts every minute until ctx ends.
func (s *Service) RunEngagement(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		if _, err := s.FetchEngagement(ctx); err != nil && ctx.Err() == nil {
			s.log.ErrorContext(ctx, "engagement: read counts", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
