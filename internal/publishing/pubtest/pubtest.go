// Package pubtest is a scriptable, in-process social network for tests of
// the publishing scheduler: a social.Publisher that keeps the posts it
// creates (so that Reconcile finds them, as on a real network), and that
// can be told to fail with any social.Class, to create a post and then
// report Unknown (the connection dropped after the network committed), or
// to hang. Like a real network, one without idempotency keys
// (Limits.Idempotent false) finds posts by their text and link only, among
// those created since the time asked, and shows a new post only Lag after
// making it. BringDue moves cleared publications
// and clears them again, for load tests that bring many due at once.
//
// It must only be used by tests and by the benchmark.
package pubtest

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/mofa-vn/chancery/internal/social"
)

// Step scripts one Publish call.
type Step struct {
	// Class, with Fail, is the error returned (Unknown, Transient, …).
	Fail  bool
	Class social.Class
	// Commit creates the post before failing: with Class Unknown it is
	// the "commit then hang/drop" case of social-apis.md §9.
	Commit bool
	// Until is the RateLimited retry time.
	Until time.Time
	// Reason is the Error's Reason.
	Reason string
	// Hook runs at the start of the call (to pause, to kill, …).
	Hook func()
	// Answer, when set, is the post ID a successful call answers with
	// instead of a new post's: a network that names a post it holds
	// already (the portal, when two channels publish one article).
	Answer string
}

// Network is one fake account. It is safe for concurrent use.
type Network struct {
	Name social.Network
	Lim  social.Limits
	// Latency is added to each Publish.
	Latency time.Duration
	// ReconcileUnknown makes Reconcile answer Unknown (Telegram cannot
	// tell).
	ReconcileUnknown bool
	// Lag is how long a new post takes to show to Reconcile on a network
	// without keys; it may exceed Lim.ReconcileLag, as on a network slower
	// than it says.
	Lag time.Duration
	// AuthBroken makes WhoAmI and Publish fail with AuthExpired.
	AuthBroken bool
	Now        func() time.Time

	mu      sync.Mutex
	limited time.Time // a RateLimited step holds every call until then, as a network does
	script  []Step
	next    int
	posts   []Post
	calls   map[string]int // Publish calls per key
}

// Post is a post the network holds.
type Post struct {
	social.Post
	ID      string
	Created time.Time
	Deleted bool
}

// New returns an empty network.
func New(name social.Network, lim social.Limits) *Network {
	return &Network{Name: name, Lim: lim, calls: map[string]int{}, Now: time.Now}
}

var _ social.Publisher = (*Network)(nil)

// Script appends steps for the next Publish calls; calls beyond the script
// succeed.
func (n *Network) Script(steps ...Step) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.script = append(n.script, steps...)
}

// Posts returns the posts the network holds (deleted ones included).
func (n *Network) Posts() []Post {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]Post(nil), n.posts...)
}

// Calls returns how many times Publish was called with key.
func (n *Network) Calls(key string) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.calls[key]
}

// CountByKey returns how many live posts carry each key.
func (n *Network) CountByKey() map[string]int {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := map[string]int{}
	for _, p := range n.posts {
		if !p.Deleted {
			out[p.Key]++
		}
	}
	return out
}

// Network implements social.Publisher.
func (n *Network) Network() social.Network { return n.Name }

// Limits implements social.Publisher.
func (n *Network) Limits() social.Limits { return n.Lim }

// Count counts code points.
func (n *Network) Count(text string) int { return utf8.RuneCountInString(text) }

func (n *Network) errorf(c social.Class, reason string) *social.Error {
	return &social.Error{Network: n.Name, Class: c, Reason: reason}
}

func (n *Network) record(ctx context.Context, method, url string, body []byte, status int, resp string, started time.Time) {
	social.Record(ctx, social.Exchange{Method: method, URL: url, RequestBody: body, Status: status,
		ResponseBody: []byte(resp), Started: started, Duration: time.Since(started), RequestHeader: http.Header{}, ResponseHeader: http.Header{}})
}

// lastID numbers posts across every Network of the process: like a real
// network's IDs, two posts never share one, even on two fake accounts.
var lastID atomic.Int64

func (n *Network) create(p social.Post) Post {
	post := Post{Post: p, ID: strconv.FormatInt(lastID.Add(1), 10), Created: n.Now()}
	n.posts = append(n.posts, post)
	return post
}

func (n *Network) result(p Post) social.Result {
	return social.Result{ID: p.ID, URL: "https://" + string(n.Name) + ".example/posts/" + p.ID, Created: p.Created}
}

// Publish implements social.Publisher.
func (n *Network) Publish(ctx context.Context, p social.Post) (social.Result, error) {
	started := time.Now()
	if n.Latency > 0 {
		t := time.NewTimer(n.Latency)
		select {
		case <-ctx.Done():
			t.Stop()
			return social.Result{}, n.errorf(social.Unknown, "timeout")
		case <-t.C:
		}
	}
	n.mu.Lock()
	if n.Now().Before(n.limited) {
		n.calls[p.Key]++
		until := n.limited
		n.mu.Unlock()
		n.record(ctx, "POST", "/posts", []byte(p.Text), 429, `{"error":"rate limited"}`, started)
		return social.Result{}, &social.Error{Network: n.Name, Class: social.RateLimited, Until: until, Status: 429}
	}
	var st Step
	if n.next < len(n.script) {
		st = n.script[n.next]
		n.next++
	}
	n.calls[p.Key]++
	n.mu.Unlock()
	if st.Hook != nil {
		st.Hook()
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.AuthBroken {
		n.record(ctx, "POST", "/posts", []byte(p.Text), 401, `{"error":"revoked"}`, started)
		return social.Result{}, n.errorf(social.AuthExpired, "token revoked")
	}
	if n.Lim.Idempotent {
		for _, old := range n.posts {
			if old.Key == p.Key && !old.Deleted {
				n.record(ctx, "POST", "/posts", []byte(p.Text), 200, `{"id":"`+old.ID+`","replayed":true}`, started)
				if st.Fail && !st.Commit {
					break
				}
				return n.result(old), nil
			}
		}
	}
	if st.Fail {
		if st.Commit {
			n.create(p)
		}
		if st.Class == social.RateLimited {
			n.limited = st.Until
		}
		n.record(ctx, "POST", "/posts", []byte(p.Text), 0, "", started)
		e := n.errorf(st.Class, st.Reason)
		e.Until = st.Until
		return social.Result{}, e
	}
	if st.Answer != "" {
		n.record(ctx, "POST", "/posts", []byte(p.Text), 200, `{"id":"`+st.Answer+`"}`, started)
		return n.result(Post{Post: p, ID: st.Answer, Created: n.Now()}), nil
	}
	post := n.create(p)
	n.record(ctx, "POST", "/posts", []byte(p.Text), 201, `{"id":"`+post.ID+`"}`, started)
	return n.result(post), nil
}

// Delete implements social.Publisher.
func (n *Network) Delete(ctx context.Context, id string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	for i := range n.posts {
		if n.posts[i].ID == id {
			if n.Lim.DeleteWindow > 0 && n.Now().Sub(n.posts[i].Created) > n.Lim.DeleteWindow {
				return n.errorf(social.Rejected, "too old to delete")
			}
			n.posts[i].Deleted = true
		}
	}
	n.record(ctx, "DELETE", "/posts/"+id, nil, 200, `{"deleted":true}`, time.Now())
	return nil
}

// WhoAmI implements social.Publisher.
func (n *Network) WhoAmI(context.Context) (social.Account, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.AuthBroken {
		return social.Account{}, n.errorf(social.AuthExpired, "token revoked")
	}
	return social.Account{ID: "1", Name: "Ministry", Handle: "@mofa"}, nil
}

// Reconcile implements social.Publisher: an idempotent network finds the
// post by its key; another returns the live posts created at or after
// since with exactly p's text, link and reply target, once Lag has passed
// since each was made, newest first.
func (n *Network) Reconcile(ctx context.Context, p social.Post, since time.Time) ([]social.Result, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.record(ctx, "GET", "/timeline", nil, 200, fmt.Sprintf(`{"count":%d}`, len(n.posts)), time.Now())
	if n.ReconcileUnknown {
		return nil, n.errorf(social.Unknown, "this network cannot list its posts")
	}
	var out []social.Result
	for i := len(n.posts) - 1; i >= 0; i-- {
		old := n.posts[i]
		switch {
		case old.Deleted:
		case n.Lim.Idempotent:
			if old.Key == p.Key {
				return []social.Result{n.result(old)}, nil
			}
		case old.Text == p.Text && old.Link == p.Link && old.ReplyTo == p.ReplyTo && !old.Created.Before(since) && !n.Now().Before(old.Created.Add(n.Lag)):
			out = append(out, n.result(old))
		}
	}
	return out, nil
}

// Recent implements social.Publisher.
func (n *Network) Recent(_ context.Context, since time.Time, limit int) ([]social.RemotePost, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []social.RemotePost
	for i := len(n.posts) - 1; i >= 0 && len(out) < limit; i-- {
		p := n.posts[i]
		if !p.Created.Before(since) && !p.Deleted {
			out = append(out, social.RemotePost{ID: p.ID, Text: p.Text, Created: p.Created})
		}
	}
	return out, nil
}
