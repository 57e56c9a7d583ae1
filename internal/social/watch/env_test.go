package watch_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/outbound/outboundtest"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/social/bluesky"
	"github.com/mofa-vn/chancery/internal/social/bluesky/blueskyfake"
	"github.com/mofa-vn/chancery/internal/social/facebook"
	"github.com/mofa-vn/chancery/internal/social/facebook/facebookfake"
	"github.com/mofa-vn/chancery/internal/social/linkedin"
	"github.com/mofa-vn/chancery/internal/social/linkedin/linkedinfake"
	"github.com/mofa-vn/chancery/internal/social/mastodon"
	"github.com/mofa-vn/chancery/internal/social/mastodon/mastodonfake"
	"github.com/mofa-vn/chancery/internal/social/watch"
	"github.com/mofa-vn/chancery/internal/social/x"
	"github.com/mofa-vn/chancery/internal/social/x/xfake"
	"github.com/mofa-vn/chancery/internal/store"
)

// memCreds is social.Credentials in memory.
type memCreds struct {
	mu    sync.Mutex
	value []byte
}

func (m *memCreds) Load(context.Context) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.value == nil {
		return nil, errors.New("no credentials")
	}
	return bytes.Clone(m.value), nil
}

func (m *memCreds) Update(_ context.Context, fn func([]byte) ([]byte, error)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	next, err := fn(bytes.Clone(m.value))
	if err != nil {
		return err
	}
	m.value = next
	return nil
}

// outbox plays the publishing store: an attempt is recorded (in flight)
// before the network is called, its remote ID once confirmed.
type outbox struct {
	mu       sync.Mutex
	attempts map[int]*attempt
	next     int
}

type attempt struct {
	channel  int64
	text     string
	remoteID string
	settled  bool // published, failed or abandoned
}

func newOutbox() *outbox { return &outbox{attempts: map[int]*attempt{}} }

func (o *outbox) begin(channel int64, text string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.next++
	o.attempts[o.next] = &attempt{channel: channel, text: text}
	return o.next
}

func (o *outbox) confirm(id int, remoteID string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.attempts[id].remoteID, o.attempts[id].settled = remoteID, true
}

func (o *outbox) abandon(id int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.attempts[id].settled = true
}

func (o *outbox) Published(_ context.Context, channel int64, ids []string) (map[string]bool, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := map[string]bool{}
	for _, a := range o.attempts {
		for _, id := range ids {
			if a.channel == channel && a.remoteID == id {
				out[id] = true
			}
		}
	}
	return out, nil
}

func (o *outbox) InFlight(_ context.Context, channel int64) ([]string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []string
	for _, a := range o.attempts {
		if a.channel == channel && !a.settled {
			out = append(out, a.text)
		}
	}
	return out, nil
}

// publish publishes text through the channel's connector as the scheduler
// does: attempt recorded first, remote ID on success.
func (o *outbox) publish(t *testing.T, ch watch.Channel, key, text string) social.Result {
	t.Helper()
	id := o.begin(ch.ID, text)
	res, err := ch.Publisher.Publish(t.Context(), social.Post{Key: key, Lang: "vi", Text: text})
	if err != nil {
		t.Fatalf("publish on %s: %v", ch.Network, err)
	}
	o.confirm(id, res.ID)
	return res
}

// channels is a fixed list of channels.
type channels struct {
	mu   sync.Mutex
	list []watch.Channel
	err  error
}

func (c *channels) Watched(context.Context) ([]watch.Channel, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.list, c.err
}

// notes records notifications.
type notes struct {
	mu     sync.Mutex
	alerts []store.WatchAlert
	health []string
}

func (n *notes) Notify(_ context.Context, _ watch.Channel, a store.WatchAlert) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.alerts = append(n.alerts, a)
	return nil
}

func (n *notes) ChannelHealth(_ context.Context, ch watch.Channel, from, to, _ string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.health = append(n.health, fmt.Sprintf("%d:%s→%s", ch.ID, from, to))
}

func (n *notes) changes() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.health...)
}

func (n *notes) all() []store.WatchAlert {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]store.WatchAlert(nil), n.alerts...)
}

// network is one real connector against its fake, with a way to post on
// the account behind Chancery's back.
type network struct {
	ch watch.Channel
	// outOfBand posts text directly on the network, as someone holding the
	// account would, and returns the post's ID.
	outOfBand func(t *testing.T, text string) string
	// reads counts the timeline reads the fake served.
	reads func() int
	// revoke invalidates Chancery's credentials on the fake.
	revoke func()
	// fail injects a fault into the next create (Mastodon only).
	fail func(mastodonfake.Fault)
}

const mastodonToken = "mastodon-token-Zx81"

func newMastodon(t *testing.T, id int64, now func() time.Time) *network {
	t.Helper()
	fake := mastodonfake.New(mastodonToken)
	t.Cleanup(fake.Close)
	fake.SetNow(now)
	creds := &memCreds{value: []byte(`{"access_token":"` + mastodonToken + `"}`)}
	c, err := mastodon.New(mastodon.Config{BaseURL: fake.URL, Credentials: creds, Now: now, HTTP: outboundtest.Client(t, fake.URL)})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	reads := 0
	tok := mastodonToken
	return &network{
		ch: watch.Channel{ID: id, Network: social.Mastodon, Name: "@ministry", Publisher: countReads(c, &mu, &reads)},
		outOfBand: func(t *testing.T, text string) string {
			t.Helper()
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, fake.URL+"/api/v1/statuses",
				strings.NewReader(url.Values{"status": {text}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			mu.Lock()
			req.Header.Set("Authorization", "Bearer "+tok)
			mu.Unlock()
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var st struct{ ID string }
			if err := json.NewDecoder(resp.Body).Decode(&st); err != nil || resp.StatusCode != 200 {
				t.Fatalf("out-of-band post: %d %v", resp.StatusCode, err)
			}
			return st.ID
		},
		reads: func() int { mu.Lock(); defer mu.Unlock(); return reads },
		revoke: func() {
			mu.Lock()
			tok = "stolen-and-rotated"
			mu.Unlock()
			fake.SetToken("stolen-and-rotated")
		},
		fail: fake.Fail,
	}
}

func newX(t *testing.T, id int64, now func() time.Time, windowLimit int) *network {
	t.Helper()
	fake := xfake.New(xfake.Options{Now: now, WindowLimit: windowLimit})
	t.Cleanup(fake.Close)
	fake.AddOAuth1Token("1460000000000000001-watch", "watch-token-secret")
	creds := &memCreds{}
	o := fake.Options()
	if err := x.Connect(t.Context(), creds, x.Secret{ConsumerKey: o.ConsumerKey, ConsumerSecret: o.ConsumerSecret,
		Token: "1460000000000000001-watch", TokenSecret: "watch-token-secret", UserID: o.UserID}); err != nil {
		t.Fatal(err)
	}
	c, err := x.New(x.Params{BaseURL: fake.URL, Credentials: creds, Now: now, HTTP: outboundtest.Client(t, fake.URL)})
	if err != nil {
		t.Fatal(err)
	}
	return &network{
		ch:        watch.Channel{ID: id, Network: social.X, Name: "@mofa_vn", Publisher: c},
		outOfBand: func(_ *testing.T, text string) string { return fake.AddPost(text).ID },
		reads:     func() int { return fake.Requests("GET /2/users/{id}/tweets") },
	}
}

// countReads wraps a Publisher to count its Recent calls.
func countReads(p social.Publisher, mu *sync.Mutex, n *int) social.Publisher {
	return &counting{Publisher: p, mu: mu, n: n}
}

// counted wraps n's Publisher to count its reads.
func counted(n *network) *network {
	var mu sync.Mutex
	reads := 0
	n.ch.Publisher = countReads(n.ch.Publisher, &mu, &reads)
	n.reads = func() int { mu.Lock(); defer mu.Unlock(); return reads }
	return n
}

type counting struct {
	social.Publisher
	mu *sync.Mutex
	n  *int
}

func (c *counting) Recent(ctx context.Context, since time.Time, limit int) ([]social.RemotePost, error) {
	c.mu.Lock()
	*c.n++
	c.mu.Unlock()
	return c.Publisher.Recent(ctx, since, limit)
}

// byHand returns an outOfBand function that posts through a second client
// holding the same credentials: what someone with the account's password or
// token does, unknown to Chancery's outbox.
func byHand(p social.Publisher) func(t *testing.T, text string) string {
	n := 0
	return func(t *testing.T, text string) string {
		t.Helper()
		n++
		res, err := p.Publish(t.Context(), social.Post{Key: fmt.Sprintf("by-hand-%d", n), Lang: "en", Text: text})
		if err != nil {
			t.Fatalf("out-of-band post: %v", err)
		}
		return res.ID
	}
}

func newBluesky(t *testing.T, id int64, now func() time.Time) *network {
	t.Helper()
	fake := blueskyfake.New("mofa.bsky.social", "abcd-efgh-ijkl-mnop")
	t.Cleanup(fake.Close)
	fake.SetNow(now)
	client := func() *bluesky.Client {
		creds := &memCreds{value: []byte(`{"identifier":"mofa.bsky.social","app_password":"abcd-efgh-ijkl-mnop"}`)}
		c, err := bluesky.New(bluesky.Config{BaseURL: fake.URL, Credentials: creds, Now: now, HTTP: outboundtest.Client(t, fake.URL)})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	return counted(&network{
		ch:        watch.Channel{ID: id, Network: social.Bluesky, Name: "@mofa.bsky.social", Publisher: client()},
		outOfBand: byHand(client()),
	})
}

func newFacebook(t *testing.T, id int64, now func() time.Time) *network {
	t.Helper()
	const token = "EAAPageToken0123456789abcdef"
	fake := facebookfake.New(token)
	t.Cleanup(fake.Close)
	fake.SetNow(now)
	client := func() *facebook.Client {
		creds := &memCreds{value: []byte(`{"page_id":"` + facebookfake.PageID + `","page_token":"` + token + `"}`)}
		c, err := facebook.New(facebook.Config{BaseURL: fake.URL, Credentials: creds, Now: now, HTTP: outboundtest.Client(t, fake.URL)})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	return counted(&network{
		ch:        watch.Channel{ID: id, Network: social.Facebook, Name: "MOFA Vietnam", Publisher: client()},
		outOfBand: byHand(client()),
	})
}

func newLinkedIn(t *testing.T, id int64, now func() time.Time) *network {
	t.Helper()
	const token = "AQX-linkedin-token-0123456789"
	fake := linkedinfake.New(token)
	t.Cleanup(fake.Close)
	fake.SetNow(now)
	client := func() *linkedin.Client {
		creds := &memCreds{value: []byte(`{"access_token":"` + token + `","organization":"` + linkedinfake.Organization + `"}`)}
		c, err := linkedin.New(linkedin.Config{BaseURL: fake.URL, Credentials: creds, Now: now, HTTP: outboundtest.Client(t, fake.URL)})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	return counted(&network{
		ch:        watch.Channel{ID: id, Network: social.LinkedIn, Name: "MOFA Vietnam", Publisher: client()},
		outOfBand: byHand(client()),
	})
}
