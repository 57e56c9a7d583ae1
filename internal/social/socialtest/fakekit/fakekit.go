// Package fakekit is the scaffolding the six fake networks share (x/xfake,
// facebook/facebookfake, …): a settable clock, the fault the next create
// answers with, a dropped connection, JSON answers, the index page that
// shows what a fake holds, and what -demo needs to connect a channel to a
// fake. The fakes serve tests and the demo; nothing else uses them.
//
// It must not import any Chancery package but internal/social.
package fakekit

import (
	"encoding/json"
	"maps"
	"net/http"
	"sync"
	"time"

	"github.com/mofa-vn/chancery/internal/social"
)

// Clock is a fake's clock: time.Now until Set. It is safe for concurrent
// use.
type Clock struct {
	mu  sync.Mutex
	now func() time.Time
}

// Set makes now the clock; nil returns to time.Now.
func (c *Clock) Set(now func() time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = now
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	now := c.now
	c.mu.Unlock()
	if now == nil {
		return time.Now()
	}
	return now()
}

// Faults holds the fault the next request of a kind answers with, once.
// The zero value holds none (F's zero value).
type Faults[F comparable] struct {
	mu   sync.Mutex
	next F
}

// Set makes f the next request's fault.
func (q *Faults[F]) Set(f F) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.next = f
}

// Take returns the next request's fault and forgets it.
func (q *Faults[F]) Take() F {
	q.mu.Lock()
	defer q.mu.Unlock()
	var zero F
	f := q.next
	q.next = zero
	return f
}

// Drop closes the request's connection without an answer: the client
// cannot tell whether the request took effect.
func Drop(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// WriteJSON answers v as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Index answers GET / of a fake without credentials: what it holds, as
// JSON with the network's name, so that a newcomer running the demo can
// see what was published.
func Index(w http.ResponseWriter, network string, holds map[string]any) {
	out := map[string]any{"network": network}
	maps.Copy(out, holds)
	WriteJSON(w, http.StatusOK, out)
}

// Demo is a fake network started for -demo, with the channel the demo
// connects to it.
type Demo struct {
	Network social.Network
	// Channel is the name of the demo's channel, Langs its languages.
	Channel string
	Langs   []string
	URL     string
	// Secret is what the channel's connect form would take: valid in
	// form, accepted by this fake only.
	Secret map[string]string
	// App is Chancery's OAuth app to use with the fake: the configured
	// one, or the fake's own when none is, so that the connect button
	// can be tried in the demo.
	App   social.App
	Close func()
}
