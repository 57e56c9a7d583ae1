package main

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/config"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// With -demo, every network has a channel connected to a fake on loopback:
// the demo press officer publishes a statement everywhere, the demo
// approver clears it, and each fake's index shows it.
func TestDemoPublishesToEveryFakeNetwork(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ts := newTestServer(t, db, clock, func(c *config.Config) { c.Demo = true })
		if len(ts.app.demoNets) != 6 {
			t.Fatalf("demo networks %+v, want six", ts.app.demoNets)
		}
		pw := map[string]string{}
		for _, s := range ts.app.demo {
			pw[s.Username] = s.Password
		}
		officer := ts.signIn("demo-press", pw["demo-press"])
		approver := ts.signIn("demo-approver", pw["demo-approver"])
		var chs []map[string]any
		r := ts.get(officer, "/api/v1/publishing/channels", nil)
		wantStatus(t, r, http.StatusOK)
		if err := json.Unmarshal([]byte(r.Body), &chs); err != nil {
			t.Fatal(err)
		}
		var targets []int64
		for _, c := range chs {
			targets = append(targets, int64(c["id"].(float64)))
		}
		if len(targets) != 7 {
			t.Fatalf("demo channels %v, want the six networks and the portal", chs)
		}
		// Each channel's health page shows its account, confirmed by its fake.
		for _, c := range chs {
			if c["network"] == "portal" {
				continue
			}
			page := ts.get(officer, "/press/channels/"+strconv.Itoa(int(c["id"].(float64)))+"/connect", map[string]string{"Accept-Language": "en"})
			if !strings.Contains(page.Body, "confirmed by the network just now") {
				t.Errorf("channel %v is not confirmed by its fake: %s", c["name"], excerpt(page.Body))
			}
		}
		var variants []map[string]string
		for _, l := range []string{"vi", "en", "fr", "es", "ru", "zh", "ar"} {
			variants = append(variants, map[string]string{"lang": l, "title": "Demo " + l, "body": "Demo statement in " + l + ": Viet Nam welcomes the summit."})
		}
		composeAndApprove(t, ts, officer, approver, clock.Now().Add(time.Hour), targets, variants)
		clock.Advance(time.Hour)
		if n, err := ts.app.publishing.Dispatch(t.Context()); err != nil || n != 7 {
			t.Fatalf("dispatch: %d, %v", n, err)
		}
		for _, n := range ts.app.demoNets {
			res, err := http.Get(n.URL)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK || !strings.Contains(string(b), "Viet Nam welcomes the summit.") {
				t.Errorf("%s at %s: %d %.300s", n.Network, n.URL, res.StatusCode, b)
			}
		}
	})
}

var demoNetRE = regexp.MustCompile(`(?m)^\s+(x|facebook|mastodon|bluesky|telegram|linkedin)\s+.*?(http://127\.0\.0\.1:\d+/)$`)

// checkDemoNetworks requires the demo banner to list the six fake networks,
// each answering its index, and the press channel page to show every demo
// channel.
func checkDemoNetworks(t *testing.T, p *child) {
	t.Helper()
	out := p.stdout.String()
	m := demoNetRE.FindAllStringSubmatch(out, -1)
	if len(m) != 6 {
		t.Fatalf("the demo banner lists %d networks, want 6:\n%s", len(m), out)
	}
	for _, n := range m {
		if r := fetchURL(t, http.MethodGet, n[2], nil, nil); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, n[1]) {
			t.Errorf("%s fake at %s: %d %s", n[1], n[2], r.StatusCode, excerpt(r.Body))
		}
	}
}
