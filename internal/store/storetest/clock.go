package storetest

import (
	"sync"
	"time"
)

// Start is where RunWithClock's clocks begin: a fixed instant with
// nanoseconds, so that tests see the store truncate to microseconds.
var Start = time.Date(2026, 3, 1, 9, 30, 0, 123456789, time.UTC)

// Clock is a settable clock for tests. Pass its Now method as
// store.Options.Now. It is safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock that reads start until it is moved.
func NewClock(start time.Time) *Clock { return &Clock{now: start} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}
