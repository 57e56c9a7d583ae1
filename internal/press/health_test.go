package press

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/publishing/pubtest"
	"github.com/mofa-vn/chancery/internal/social"
)

// fakeNet embeds under a name that leaves its Network method promoted.
type fakeNet = pubtest.Network

// asked counts WhoAmI calls; when gate is set, each call waits until every
// channel's call has started, which only happens if they run together.
type asked struct {
	*fakeNet
	calls *atomic.Int64
	gate  *sync.WaitGroup
}

func (a asked) WhoAmI(ctx context.Context) (social.Account, error) {
	a.calls.Add(1)
	if a.gate != nil {
		a.gate.Done()
		a.gate.Wait()
	}
	return a.fakeNet.WhoAmI(ctx)
}

func TestChannelHealthIsRememberedPerConnector(t *testing.T) {
	var calls atomic.Int64
	var gate sync.WaitGroup
	gate.Add(3)
	pubs := map[int64]social.Publisher{}
	for id := int64(1); id <= 3; id++ {
		pubs[id] = &asked{fakeNet: pubtest.New(social.X, social.Limits{}), calls: &calls, gate: &gate}
	}
	broken := pubtest.New(social.Telegram, social.Limits{})
	broken.AuthBroken = true
	pubs[4] = &asked{fakeNet: broken, calls: &calls}
	res := func(_ context.Context, ch publishing.Channel) (social.Publisher, error) { return pubs[ch.ID], nil }
	chs := []publishing.Channel{{ID: 1}, {ID: 2}, {ID: 3}, {ID: 4}}
	t0 := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)

	var hl health
	want := func(at time.Time, calls0, asks int64) {
		t.Helper()
		got := hl.check(t.Context(), res, at, chs)
		for i, r := range got[:3] {
			if !r.ok || r.account != "@mofa" {
				t.Errorf("channel %d: %+v", i+1, r)
			}
		}
		if got[3].ok {
			t.Error("the broken channel is healthy")
		}
		if n := calls.Load() - calls0; n != asks {
			t.Errorf("at %s: %d WhoAmI calls, want %d", at.Format(time.TimeOnly), n, asks)
		}
	}
	// The first view asks every network, at the same time (the gate
	// opens only when the three healthy channels' calls all started).
	want(t0, 0, 4)
	// A view within a minute asks nothing.
	want(t0.Add(30*time.Second), 4, 0)
	// After a minute the failure is asked again; the rest is trusted for
	// five minutes.
	want(t0.Add(90*time.Second), 4, 1)
	gate.Add(3)
	want(t0.Add(healthTTL+time.Second), 5, 4)
	// New credentials make a new connector: its answer is not the old one's.
	broken.AuthBroken = false
	pubs[4] = &asked{fakeNet: pubtest.New(social.Telegram, social.Limits{}), calls: &calls}
	if got := hl.check(t.Context(), res, t0.Add(healthTTL+2*time.Second), chs); !got[3].ok || calls.Load() != 10 {
		t.Errorf("after reconnecting: %+v, %d calls", got[3], calls.Load())
	}
}
