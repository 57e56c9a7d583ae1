package config

import (
	"fmt"
	"time"
)

// Watch configures out-of-band post detection (internal/social/watch).
type Watch struct {
	// Interval is the time between two reads of a channel's recent posts;
	// 0 turns detection off. Each read costs one request against the
	// network's read limits (X: per 15-minute window).
	Interval time.Duration
}

// Bounds of Watch.Interval when detection is on.
const (
	MinWatchInterval = 30 * time.Second
	MaxWatchInterval = 24 * time.Hour
)

// Validate checks the watch section.
func (w Watch) Validate() error {
	if w.Interval != 0 && (w.Interval < MinWatchInterval || w.Interval > MaxWatchInterval) {
		return fmt.Errorf("config: watch-interval must be 0 (off) or between %s and %s, got %s", MinWatchInterval, MaxWatchInterval, w.Interval)
	}
	return nil
}
