package delegations_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/auth"
	"github.com/mofa-vn/chancery/internal/auth/authtest"
	"github.com/mofa-vn/chancery/internal/conference"
	"github.com/mofa-vn/chancery/internal/config"
	"github.com/mofa-vn/chancery/internal/events"
	"github.com/mofa-vn/chancery/internal/events/delegations"
	"github.com/mofa-vn/chancery/internal/events/delegations/delegationstest"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/httpx/httpxtest"
	"github.com/mofa-vn/chancery/internal/mail"
	"github.com/mofa-vn/chancery/internal/mail/mailtest"
	"github.com/mofa-vn/chancery/internal/secrets"
	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// site is the delegations area as people reach it, wired as cmd/server
// wires it: its staff pages, API and public pages, the events' staff
// pages and API (whose session changes re-send invitations), the
// conference's join page (which opens the rooms with the links in the
// invitations, signed by the conference's signer), real sign-in, and,
// with mail, the outbox relay to a real SMTP server.
type site struct {
	*authtest.Site
	t      *testing.T
	svc    *delegations.Service
	relay  *mail.Relay // nil without mail
	signer *sfu.Signer
}

// noPages serves none of the events' public pages, which these tests do
// not visit (internal/events tests them).
type noPages struct{}

func (noPages) HandlePage(string, http.HandlerFunc) {}

// newSite serves the site over db on the clock; mailServer, if set,
// receives its mail.
func newSite(t *testing.T, db *store.DB, clock *storetest.Clock, mailServer *mailtest.Server) *site {
	t.Helper()
	cfg := config.Default()
	kit := httpxtest.Kit(t, func(p *httpx.KitParams) { p.SecureCookies = true })
	box, err := secrets.NewBox(bytes.Repeat([]byte{0x5e}, secrets.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	key, err := conference.TokenKey(t.Context(), db, "", box)
	if err != nil {
		t.Fatal(err)
	}
	s := &site{t: t}
	if s.signer, err = sfu.NewSigner(key, clock.Now); err != nil {
		t.Fatal(err)
	}
	rooms, err := sfu.New(sfu.Params{Config: sfu.Config{UDPAddr: "127.0.0.1:0", Loopback: true}, Signer: s.signer, Store: conference.Store{DB: db},
		Log: kit.Log, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rooms.Close() })
	var origin string
	s.Site = authtest.Serve(t, db, clock.Now, kit, func(mux *httpx.Router, _ *auth.Service) {
		s.svc = &delegations.Service{DB: db, Cat: kit.Cat, Events: delegations.StoredEvents(db), Log: kit.Log, Now: clock.Now, PublicURL: origin,
			Invites: &delegations.Invites{Signer: s.signer, CalendarKey: bytes.Repeat([]byte{0xca}, 32),
				ICS: func(e store.Event, sessions []store.EventSession, only []int64, code, origin string, stamp time.Time, join func(store.EventSession) string) []byte {
					return events.ICS(e, sessions, only, events.ICSOptions{Lang: code, Origin: origin, Stamp: stamp, Join: join})
				}}}
		if mailServer != nil {
			sender, err := mail.ParseURL(mailServer.URL("", "", "Chancery <chancery@mofa.gov.vn>"))
			if err != nil {
				t.Fatal(err)
			}
			s.relay = mail.NewRelay(db, sender, kit.Log, clock.Now)
			s.svc.MailFrom, s.svc.MailQueued = sender.From, s.relay.Kick
		}
		events.New(events.Params{DB: db, Kit: kit, Log: kit.Log, Now: clock.Now, PublicURL: origin, SessionChanged: s.svc.SessionChanged}).Routes(mux, noPages{})
		delegations.NewHandlers(s.svc, kit).Routes(mux)
		conference.New(conference.Params{SFU: rooms, DB: db, Kit: kit, TTL: cfg.Conference.TokenTTL, Now: clock.Now}).Routes(mux)
	}, authtest.Options{UsesMedia: conference.UsesMedia, Origin: func(o string) { origin = o },
		Auth: func(p *auth.Params) { p.SessionTTL = cfg.Auth.SessionTTL }})
	return s
}

// register sends the form to the registration link's path.
func (ts *site) register(path string, f delegationstest.Form) httpxtest.Response {
	ts.t.Helper()
	ct, body := f.MultipartBody(ts.t)
	return ts.Send(ts.Browser(), http.MethodPost, path, ct, body, nil)
}

// accreditationFixture is an event (a room) with two delegations and the
// links of each, made through the staff pages.
type accreditationFixture struct {
	ts           *site
	officer      *http.Client
	event        int64
	vn, fr       store.Delegation
	vnReg, frReg string // registration link paths
	vnFocal      string // focal-point link paths
	frFocal      string
	mailServer   *mailtest.Server
}

// newAccreditation builds the fixture; quota is France's delegate quota.
func newAccreditation(t *testing.T, db *store.DB, clock *storetest.Clock, quota int, withMail bool) *accreditationFixture {
	t.Helper()
	f := &accreditationFixture{}
	if withMail {
		f.mailServer = mailtest.New(t)
	}
	f.ts = newSite(t, db, clock, f.mailServer)
	ctx := t.Context()
	f.event = delegationstest.CreateEvent(t, db, "asean-digital-2026", "ASEAN Digital 2026").ID
	f.ts.AddUser("paul", "protocol-password-1", account.RoleProtocolOfficer)
	f.officer = f.ts.SignIn("paul", "protocol-password-1")
	base := fmt.Sprintf("/admin/events/%d/delegations", f.event)
	httpxtest.WantStatus(t, f.ts.PostForm(f.officer, base, url.Values{"kind": {"state"}, "country": {"VN"}}, nil), http.StatusOK)
	httpxtest.WantStatus(t, f.ts.PostForm(f.officer, base, url.Values{"kind": {"state"}, "country": {"FR"}}, nil), http.StatusOK)
	ds, err := db.ListDelegations(ctx, f.event)
	if err != nil || len(ds) != 2 {
		t.Fatalf("delegations: %v, %v", ds, err)
	}
	f.vn, f.fr = ds[0], ds[1]
	httpxtest.WantStatus(t, f.ts.PostForm(f.officer, fmt.Sprintf("%s/%d/quotas", base, f.fr.ID), url.Values{"quota_delegate": {fmt.Sprint(quota)}}, nil), http.StatusOK)
	f.vnReg, f.vnFocal = f.links(t, f.vn.ID), ""
	f.frReg = f.links(t, f.fr.ID)
	f.vnFocal = f.link(t, f.vn.ID, "focal", 30)
	f.frFocal = f.link(t, f.fr.ID, "focal", 30)
	return f
}

func (f *accreditationFixture) links(t *testing.T, id int64) string {
	t.Helper()
	return f.link(t, id, "register", 30)
}

// link makes a link through the staff page and reads it off the page,
// where it is shown once.
func (f *accreditationFixture) link(t *testing.T, id int64, kind string, days int) string {
	t.Helper()
	r := f.ts.PostForm(f.officer, fmt.Sprintf("/admin/events/%d/delegations/%d/links", f.event, id),
		url.Values{"kind": {kind}, "days": {fmt.Sprint(days)}}, map[string]string{"Accept-Language": "fr"})
	httpxtest.WantStatus(t, r, http.StatusOK)
	i := strings.Index(r.Body, `class="secret">`)
	if i < 0 {
		t.Fatalf("no link on the page: %s", httpxtest.Excerpt(r.Body))
	}
	link := r.Body[i+len(`class="secret">`):]
	link = link[:strings.Index(link, "<")]
	return delegationstest.LinkPath(t, link)
}

func registrationsOf(t *testing.T, db *store.DB, event int64) []store.Registration {
	t.Helper()
	regs, err := db.ListRegistrations(t.Context(), store.RegistrationFilter{EventID: event})
	if err != nil {
		t.Fatal(err)
	}
	return regs
}
