// Package socialtest holds what the connectors' contract tests share: an
// in-memory social.Credentials, a recorder of exchanges that checks none
// carries a secret, and assertions on outcome classes. It is imported only by
// tests; it must not import any connector.
package socialtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/social"
)

// Creds is an in-memory social.Credentials. Update holds one lock for the
// whole call, as the real store does across instances.
type Creds struct {
	mu      sync.Mutex
	data    []byte
	updates int
	// OnUpdate, when set, runs with the new value just after an Update
	// changes it, still under the lock.
	OnUpdate func(saved []byte)
}

// NewCreds returns credentials holding v serialised as JSON.
func NewCreds(t testing.TB, v any) *Creds {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("socialtest: marshal credentials: %v", err)
	}
	return &Creds{data: b}
}

// Load returns a copy of the stored secret.
func (c *Creds) Load(context.Context) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return bytes.Clone(c.data), nil
}

// Update replaces the secret with fn's result under the lock.
func (c *Creds) Update(_ context.Context, fn func([]byte) ([]byte, error)) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	next, err := fn(bytes.Clone(c.data))
	if err != nil {
		return err
	}
	if bytes.Equal(next, c.data) {
		return nil
	}
	c.updates++
	c.data = bytes.Clone(next)
	if c.OnUpdate != nil {
		c.OnUpdate(bytes.Clone(c.data))
	}
	return nil
}

// Updates returns how many times Update changed the secret.
func (c *Creds) Updates() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.updates
}

// Decode unmarshals the stored secret into v.
func (c *Creds) Decode(t testing.TB, v any) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := json.Unmarshal(c.data, v); err != nil {
		t.Fatalf("socialtest: stored credentials %q: %v", c.data, err)
	}
}

// Recorder collects the exchanges a Publisher records.
type Recorder struct {
	mu  sync.Mutex
	all []social.Exchange
}

// Context returns ctx with r as its social.Recorder.
func (r *Recorder) Context(ctx context.Context) context.Context {
	return social.WithRecorder(ctx, func(ex social.Exchange) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.all = append(r.all, ex)
	})
}

// Exchanges returns what was recorded so far.
func (r *Recorder) Exchanges() []social.Exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]social.Exchange(nil), r.all...)
}

// AssertNoSecrets fails t if any recorded URL, header or body contains one
// of secrets, and if nothing was recorded at all.
func (r *Recorder) AssertNoSecrets(t testing.TB, secrets ...string) {
	t.Helper()
	exs := r.Exchanges()
	if len(exs) == 0 {
		t.Fatal("socialtest: no exchange was recorded")
	}
	for i, ex := range exs {
		var b strings.Builder
		b.WriteString(ex.URL)
		b.Write(ex.RequestBody)
		b.Write(ex.ResponseBody)
		b.WriteString(ex.Err)
		for _, h := range []map[string][]string{ex.RequestHeader, ex.ResponseHeader} {
			for k, vs := range h {
				b.WriteString(k + ": " + strings.Join(vs, ",") + "\n")
			}
		}
		all := b.String()
		for _, s := range secrets {
			if s != "" && strings.Contains(all, s) {
				t.Errorf("socialtest: exchange %d (%s %s) contains secret %q", i, ex.Method, ex.URL, s)
			}
		}
	}
}

// WantClass fails t unless err is a *social.Error of class want, and
// returns it.
func WantClass(t testing.TB, err error, want social.Class) *social.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("socialtest: got success, want a %v error", want)
	}
	e, ok := errors.AsType[*social.Error](err)
	if !ok {
		t.Fatalf("socialtest: got %T %v, want a *social.Error of class %v", err, err, want)
	}
	if e.Class != want {
		t.Fatalf("socialtest: got class %v (%v), want %v", e.Class, err, want)
	}
	if e.Reason == "" {
		t.Errorf("socialtest: %v error has no Reason for the press officer", e.Class)
	}
	return e
}

// Case is one row of an error-classification table: Arrange injects the
// fault into the fake, Act calls the publisher, and the error must be of
// class Want; Check may look closer.
type Case struct {
	Name    string
	Arrange func(t *testing.T)
	Act     func(ctx context.Context) error
	Want    social.Class
	Check   func(t *testing.T, e *social.Error)
}

// RunCases runs each case as a subtest, in order, calling Act with ctx
// (which may carry a Recorder).
func RunCases(t *testing.T, ctx context.Context, cases []Case) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			if c.Arrange != nil {
				c.Arrange(t)
			}
			e := WantClass(t, c.Act(ctx), c.Want)
			if c.Check != nil {
				c.Check(t, e)
			}
		})
	}
}

// Classes lists every outcome class, for checking a table covers them all.
var Classes = []social.Class{social.Unknown, social.Transient, social.RateLimited, social.AuthExpired, social.Duplicate, social.Rejected}

// AssertCovers fails t unless cases cover every class except those in
// absent, which the network cannot produce (a reason says why in the test).
func AssertCovers(t *testing.T, cases []Case, absent ...social.Class) {
	t.Helper()
	seen := map[social.Class]bool{}
	for _, c := range cases {
		seen[c.Want] = true
	}
	for _, a := range absent {
		if seen[a] {
			t.Errorf("socialtest: class %v is said to be absent but is tested", a)
		}
		seen[a] = true
	}
	for _, c := range Classes {
		if !seen[c] {
			t.Errorf("socialtest: no case for class %v", c)
		}
	}
}

// Clock is a settable clock safe to share between a test and the fake
// servers' goroutines.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock stopped at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Add moves the clock forward by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
