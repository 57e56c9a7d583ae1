package press

import (
	"context"
	"reflect"
	"sync"
	"time"

	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/social"
)

// How long the channels page trusts what a network said about a channel's
// account. X allows 75 calls of GET /2/users/me a quarter of an hour per
// user: asking on every view of the page would spend them, and the page
// would wait for every network in turn.
const (
	healthTTL       = 5 * time.Minute
	healthFailedTTL = time.Minute // a failure is asked again sooner
	healthTimeout   = 5 * time.Second
)

// health remembers each channel's last WhoAmI, for the Publisher it was
// asked of: new credentials or settings make a new Publisher (the
// resolver's cache drops the old one), so the answer is asked again.
type health struct {
	mu      sync.Mutex
	entries map[int64]healthEntry
}

type healthEntry struct {
	pub     social.Publisher
	account string
	ok      bool
	at      time.Time
}

type healthResult struct {
	account string
	ok      bool
}

// check returns, for each channel, whether its credentials work and the
// account's handle, asking the networks whose answer is missing or stale
// at the same time.
func (hl *health) check(ctx context.Context, res publishing.Resolver, now time.Time, chs []publishing.Channel) []healthResult {
	out := make([]healthResult, len(chs))
	var wg sync.WaitGroup
	for i, ch := range chs {
		pub, err := res(ctx, ch)
		if err != nil {
			continue // no credentials, or none that can be used
		}
		hl.mu.Lock()
		e, ok := hl.entries[ch.ID]
		hl.mu.Unlock()
		if ok && samePublisher(e.pub, pub) && now.Sub(e.at) < e.ttl() {
			out[i] = healthResult{account: e.account, ok: e.ok}
			continue
		}
		wg.Go(func() {
			cctx, cancel := context.WithTimeout(ctx, healthTimeout)
			defer cancel()
			acc, err := pub.WhoAmI(cctx)
			r := healthResult{account: acc.Handle, ok: err == nil}
			out[i] = r
			if ctx.Err() != nil {
				return // the viewer left: what came back says nothing
			}
			hl.mu.Lock()
			if hl.entries == nil {
				hl.entries = map[int64]healthEntry{}
			}
			hl.entries[ch.ID] = healthEntry{pub: pub, account: r.account, ok: r.ok, at: now}
			hl.mu.Unlock()
		})
	}
	wg.Wait()
	return out
}

func (e healthEntry) ttl() time.Duration {
	if e.ok {
		return healthTTL
	}
	return healthFailedTTL
}

// samePublisher reports whether a and b are the same connector, without
// comparing values that cannot be compared.
func samePublisher(a, b social.Publisher) bool {
	t := reflect.TypeOf(a)
	return t == reflect.TypeOf(b) && t != nil && t.Comparable() && a == b
}
