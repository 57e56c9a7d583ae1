package press_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/auth"
	"github.com/mofa-vn/chancery/internal/browsertest"
	"github.com/mofa-vn/chancery/internal/config"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/httpx/httpxtest"
	"github.com/mofa-vn/chancery/internal/portal"
	"github.com/mofa-vn/chancery/internal/press"
	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/publishing/pubtest"
	"github.com/mofa-vn/chancery/internal/secrets"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// cheapArgon keeps sign-in fast; production parameters are tested in auth.
var cheapArgon = auth.Argon2Params{Memory: 64, Time: 1, Threads: 1}

// site is the press office as staff reach it: the press pages and API,
// the sign-in pages and sessions, and the public portal (whose pages show
// the press office's banners and whose channels it publishes to), served
// over TLS behind production's edge. Its publishing service is the one
// publishing test environment's.
type site struct {
	*httpxtest.Server
	t      *testing.T
	db     *store.DB
	clock  *storetest.Clock
	env    *pubtest.Env
	pub    *publishing.Service
	auth   *auth.Service
	kit    *httpx.Kit
	portal *portal.Handlers
}

// newPressServer serves the press office with fake networks behind the
// publisher resolver: every channel publishes to net.
func newPressServer(t *testing.T, db *store.DB, clock *storetest.Clock, net social.Publisher) *site {
	t.Helper()
	return newSite(t, db, clock, func(context.Context, publishing.Channel) (social.Publisher, error) { return net, nil })
}

// newClearanceServer is newPressServer whose portal channels are served by
// the real portal publisher, as in production, and every other channel by
// net.
func newClearanceServer(t *testing.T, db *store.DB, clock *storetest.Clock, net social.Publisher) *site {
	t.Helper()
	var s *site
	s = newSite(t, db, clock, func(_ context.Context, ch publishing.Channel) (social.Publisher, error) {
		if social.Network(ch.Network) == social.Portal {
			return s.portal.Publisher(s.URL), nil
		}
		return net, nil
	})
	return s
}

// siteExtra adds to the site's routes and kit before it serves (the
// notifications, say, whose badge every page shows).
type siteExtra func(s *site, kit *httpx.Kit, mux *httpx.Router)

// newSite builds the site with the default configuration's publishing
// settings, and channels resolved by resolve.
func newSite(t *testing.T, db *store.DB, clock *storetest.Clock, resolve publishing.Resolver, extras ...siteExtra) *site {
	t.Helper()
	cfg := config.Default()
	var sensitive []string
	for c := range strings.SplitSeq(cfg.Publish.Sensitive, ",") {
		sensitive = append(sensitive, strings.TrimSpace(c))
	}
	env := pubtest.Open(t, db, clock, publishing.Settings{Grace: cfg.Publish.Grace, Lease: cfg.Publish.Lease, Workers: int(cfg.Publish.Workers),
		SensitiveCategories: sensitive})
	env.Fallback = resolve
	kit := httpxtest.Kit(t, func(p *httpx.KitParams) {
		p.SecureCookies = true
		p.Banners = []func(context.Context, string) []string{press.Banners(db, p.Cat)}
	})
	box, err := secrets.NewBox(bytes.Repeat([]byte{0x5e}, secrets.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	s := &site{t: t, db: db, clock: clock, env: env, pub: env.Svc, kit: kit}
	s.auth, err = auth.NewService(auth.Params{DB: db, Log: kit.Log, Now: clock.Now, Argon2: cheapArgon, SessionTTL: cfg.Auth.SessionTTL, Sealer: box})
	if err != nil {
		t.Fatal(err)
	}
	zone, err := time.LoadLocation(cfg.Web.TimeZone)
	if err != nil {
		t.Fatal(err)
	}
	if s.portal, err = portal.New(t.Context(), portal.Params{DB: db, Kit: kit, Location: zone}); err != nil {
		t.Fatal(err)
	}
	s.Server = httpxtest.Serve(t, kit, func(mux *httpx.Router) {
		auth.NewHandlers(s.auth, kit).Routes(mux)
		s.portal.Routes(mux)
		press.New(db, env.Svc, env.Resolve, kit).Routes(mux)
		for _, extra := range extras {
			extra(s, kit, mux)
		}
	}, httpxtest.Options{TLS: true, Middleware: []func(http.Handler) http.Handler{s.auth.Middleware(kit)}})
	return s
}

// client returns a browser with its own cookie jar that does not follow
// redirects.
func (s *site) client() *http.Client { return s.Browser() }

func (s *site) addUser(username, password string, roles ...account.Role) account.User {
	s.t.Helper()
	hash, err := auth.HashPassword(password, cheapArgon)
	if err != nil {
		s.t.Fatal(err)
	}
	u, err := s.db.CreateUser(context.Background(), account.User{Username: username, DisplayName: strings.ToUpper(username), PasswordHash: hash, Roles: roles})
	if err != nil {
		s.t.Fatalf("add user: %v", err)
	}
	return u
}

// signIn signs in through the form and returns the signed-in client.
func (s *site) signIn(username, password string) *http.Client {
	s.t.Helper()
	c := s.client()
	res := s.postForm(c, "/signin", url.Values{"username": {username}, "password": {password}}, nil)
	if res.StatusCode != http.StatusSeeOther {
		s.t.Fatalf("sign in as %s: status %d", username, res.StatusCode)
	}
	return c
}

func (s *site) get(c *http.Client, path string, hdr map[string]string) httpxtest.Response {
	s.t.Helper()
	return s.Get(c, path, hdr)
}

func (s *site) postForm(c *http.Client, path string, form url.Values, hdr map[string]string) httpxtest.Response {
	s.t.Helper()
	return s.PostForm(c, path, form, hdr)
}

func (s *site) send(c *http.Client, method, path, contentType, body string, hdr map[string]string) httpxtest.Response {
	s.t.Helper()
	return s.Send(c, method, path, contentType, body, hdr)
}

// api sends body as JSON, asking for French, and checks the status.
func (s *site) api(c *http.Client, method, path string, body any, want int) map[string]any {
	s.t.Helper()
	if body == nil {
		body = json.RawMessage("null")
	}
	return s.JSON(c, method, path, body, map[string]string{"Accept-Language": "fr"}, want)
}

func wantStatus(t *testing.T, r httpxtest.Response, want int) {
	t.Helper()
	httpxtest.WantStatus(t, r, want)
}

func wantContains(t *testing.T, r httpxtest.Response, subs ...string) {
	t.Helper()
	httpxtest.WantContains(t, r, subs...)
}

// browser is one headless Chromium tab on the site (browsertest.Tab).
type browser struct {
	*browsertest.Tab
	ts *site
}

// newBrowser starts Chromium for the site, trusting its certificate.
func newBrowser(t *testing.T, ts *site, opts ...browsertest.Option) *browser {
	t.Helper()
	return &browser{Tab: browsertest.NewTab(t, ts.URL, ts.Certificate(), opts...), ts: ts}
}

// pngImage is a 16×9 PNG of one colour.
func pngImage(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 16, 9))
	for x := range 16 {
		for y := range 9 {
			img.Set(x, y, color.RGBA{R: 0xda, G: 0x25, B: 0x1d, A: 0xff})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
