package publishing_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/social"
)

// stubPublisher is a built connector: the settings it was built with.
type stubPublisher struct {
	social.Publisher
	p social.ClientParams
}

// memCredentials are a channel's credentials in memory.
type memCredentials struct{ id int64 }

func (memCredentials) Load(context.Context) ([]byte, error)                       { return nil, nil }
func (memCredentials) Update(context.Context, func([]byte) ([]byte, error)) error { return nil }

// TestConnectors: each channel gets its network's client, built by its
// descriptor with the channel's settings and credentials and kept while
// they stay the same; a change of base URL or limit, or Forget, builds a
// new one; the portal channels get the portal; a network without a client
// and a server the allowlist refuses get an error, and no connector.
func TestConnectors(t *testing.T) {
	var mu sync.Mutex
	builds := 0
	newClient := func(p social.ClientParams) (social.Publisher, error) {
		mu.Lock()
		defer mu.Unlock()
		builds++
		return &stubPublisher{p: p}, nil
	}
	nets := social.Catalog{
		{Network: social.Portal},
		{Network: social.X, Official: true, API: "https://api.x.com", New: newClient},
		{Network: social.Mastodon, New: newClient},
		{Network: social.Telegram}, // no client
	}
	portal := &stubPublisher{}
	hc := &http.Client{}
	app := social.App{ClientID: "chancery"}
	c, err := publishing.NewConnectors(publishing.ConnectorsParams{Networks: nets, Portal: portal, HTTP: hc,
		Apps:        map[social.Network]social.App{social.X: app},
		Credentials: func(id int64) social.Credentials { return memCredentials{id} },
		APIAllowed:  publishing.APIAllowlist(nets, nil)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	x := publishing.Channel{ID: 1, Network: string(social.X), Name: "X"}
	p1, err := c.Resolve(ctx, x)
	if err != nil {
		t.Fatal(err)
	}
	sp := p1.(*stubPublisher)
	if sp.p.HTTP != hc || sp.p.App != app || sp.p.BaseURL != "" || sp.p.Credentials != (memCredentials{1}) {
		t.Errorf("built with %+v", sp.p)
	}
	if p2, _ := c.Resolve(ctx, x); p2 != p1 || builds != 1 {
		t.Errorf("the same settings built again (%d builds)", builds)
	}
	x.MaxLength = 200
	if p3, _ := c.Resolve(ctx, x); p3 == p1 || builds != 2 || p3.(*stubPublisher).p.MaxLength != 200 {
		t.Errorf("a new limit kept the old connector (%d builds)", builds)
	}
	c.Forget(x.ID)
	if _, err := c.Resolve(ctx, x); err != nil || builds != 3 {
		t.Errorf("Forget kept the connector (%d builds, %v)", builds, err)
	}

	m := publishing.Channel{ID: 2, Network: string(social.Mastodon), Name: "M", BaseURL: "https://mastodon.social"}
	pm, err := c.Resolve(ctx, m)
	if err != nil || pm.(*stubPublisher).p.BaseURL != m.BaseURL {
		t.Fatalf("mastodon: %v, %v", pm, err)
	}
	m.BaseURL = "https://other.example"
	if pm2, _ := c.Resolve(ctx, m); pm2 == pm {
		t.Error("a new server kept the old connector")
	}

	if p, err := c.Resolve(ctx, publishing.Channel{ID: 3, Network: string(social.Portal)}); err != nil || p != portal {
		t.Errorf("portal channel: %v, %v", p, err)
	}
	if _, err := c.Resolve(ctx, publishing.Channel{ID: 4, Network: string(social.Telegram), Name: "T"}); !errors.Is(err, publishing.ErrNoConnector) {
		t.Errorf("a network without a client: %v", err)
	}
	n := builds
	_, err = c.Resolve(ctx, publishing.Channel{ID: 5, Network: string(social.X), Name: "moved", BaseURL: "https://collector.example"})
	if err == nil || !strings.Contains(err.Error(), "not x's own API") {
		t.Errorf("an X channel at another server: %v", err)
	}
	if _, err := c.Build(publishing.Channel{ID: 5, Network: string(social.X), BaseURL: "https://collector.example"}, memCredentials{5}); err == nil {
		t.Error("Build sent credentials to another server")
	}
	if builds != n {
		t.Error("a connector was built for a refused server")
	}

	if _, err := publishing.NewConnectors(publishing.ConnectorsParams{Networks: nets, Portal: portal, HTTP: hc}); err == nil {
		t.Error("connectors without credentials or allowlist")
	}
}
