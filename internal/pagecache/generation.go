package pagecache

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/mofa-vn/chancery/internal/store"
)

// GenerationKey is the settings key that holds the shared generation.
const GenerationKey = "pagecache.generation"

// Settings is the part of the database the shared generation lives in;
// *store.DB implements it.
type Settings interface {
	GetSetting(ctx context.Context, key string) (string, error)
	SetSetting(ctx context.Context, key, value string) error
}

// Generation is the content generation every instance agrees on. A purge
// writes a new random value to the settings table; each instance reads it at
// most once per check interval, so a purge on one instance reaches the
// others within that interval, at the cost of one indexed read per interval
// rather than per request.
type Generation struct {
	db    Settings
	every time.Duration
	now   func() time.Time

	mu      sync.Mutex
	value   string
	checked time.Time
}

// NewGeneration returns the shared generation read from db at most once
// per every (1 second when zero). now is the clock; time.Now when nil.
func NewGeneration(db Settings, every time.Duration, now func() time.Time) *Generation {
	if every <= 0 {
		every = time.Second
	}
	if now == nil {
		now = time.Now
	}
	return &Generation{db: db, every: every, now: now}
}

// Current returns the generation, from memory when it was read less than
// the check interval ago.
func (g *Generation) Current(ctx context.Context) (string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.checked.IsZero() && g.now().Sub(g.checked) < g.every {
		return g.value, nil
	}
	v, err := g.db.GetSetting(ctx, GenerationKey)
	if errors.Is(err, store.ErrNotFound) {
		v, err = "", nil
	}
	if err != nil {
		return "", fmt.Errorf("pagecache: read generation: %w", err)
	}
	g.value, g.checked = v, g.now()
	return v, nil
}

// Bump starts a new generation: every page cached before it is stale, on
// this instance at once and on the others within the check interval.
func (g *Generation) Bump(ctx context.Context) (string, error) {
	var b [12]byte
	_, _ = rand.Read(b[:])
	v := hex.EncodeToString(b[:])
	if err := g.db.SetSetting(ctx, GenerationKey, v); err != nil {
		return "", fmt.Errorf("pagecache: bump generation: %w", err)
	}
	g.mu.Lock()
	g.value, g.checked = v, g.now()
	g.mu.Unlock()
	return v, nil
}
