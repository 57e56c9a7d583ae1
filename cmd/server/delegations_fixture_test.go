package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/config"
	"github.com/mofa-vn/chancery/internal/events/delegations/delegationstest"
	"github.com/mofa-vn/chancery/internal/mail/mailtest"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// The delegations' behaviour is tested in internal/events/delegations;
// what stays here is the fixture of the tests of the whole server that
// pass through accreditation (the reception, the OpenAPI document, the
// browser tests), on the delegations' shared kit.

type registrationForm = delegationstest.Form

func goodForm(name, category string) registrationForm {
	return delegationstest.GoodForm(name, category)
}

func linkPath(t *testing.T, link string) string { t.Helper(); return delegationstest.LinkPath(t, link) }

func pathQuery(t *testing.T, link string) string {
	t.Helper()
	return delegationstest.PathQuery(t, link)
}

func tokenOf(t *testing.T, link string) string { t.Helper(); return delegationstest.TokenOf(t, link) }

func readInvitation(t *testing.T, m mailtest.Received) invitation {
	t.Helper()
	return delegationstest.ReadInvitation(t, m)
}

func icsEvents(t *testing.T, ics []byte) []map[string]any {
	t.Helper()
	return delegationstest.ICSEvents(t, ics)
}

func createEvent(t *testing.T, db *store.DB, slug, title string) store.Event {
	t.Helper()
	return delegationstest.CreateEvent(t, db, slug, title)
}

var joinLinkRE = delegationstest.JoinLinkRE

type invitation = delegationstest.Invitation

// accreditationFixture is an event (a room) with two delegations and the
// links of each, made through the staff pages.
type accreditationFixture struct {
	ts           *testServer
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
	var mutate []func(*config.Config)
	if withMail {
		f.mailServer = mailtest.New(t)
		mutate = append(mutate, func(c *config.Config) { c.Mail.SMTPURL = f.mailServer.URL("", "", "Chancery <chancery@mofa.gov.vn>") })
	}
	f.ts = newTestServer(t, db, clock, mutate...)
	ctx := context.Background()
	f.event = createEvent(t, db, "asean-digital-2026", "ASEAN Digital 2026").ID
	f.ts.addUser("paul", "protocol-password-1", account.RoleProtocolOfficer)
	f.officer = f.ts.signIn("paul", "protocol-password-1")
	base := fmt.Sprintf("/admin/events/%d/delegations", f.event)
	wantStatus(t, f.ts.postForm(f.officer, base, url.Values{"kind": {"state"}, "country": {"VN"}}, nil), http.StatusOK)
	wantStatus(t, f.ts.postForm(f.officer, base, url.Values{"kind": {"state"}, "country": {"FR"}}, nil), http.StatusOK)
	ds, err := db.ListDelegations(ctx, f.event)
	if err != nil || len(ds) != 2 {
		t.Fatalf("delegations: %v, %v", ds, err)
	}
	f.vn, f.fr = ds[0], ds[1]
	wantStatus(t, f.ts.postForm(f.officer, fmt.Sprintf("%s/%d/quotas", base, f.fr.ID), url.Values{"quota_delegate": {fmt.Sprint(quota)}}, nil), http.StatusOK)
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
	r := f.ts.postForm(f.officer, fmt.Sprintf("/admin/events/%d/delegations/%d/links", f.event, id),
		url.Values{"kind": {kind}, "days": {fmt.Sprint(days)}}, map[string]string{"Accept-Language": "fr"})
	wantStatus(t, r, http.StatusOK)
	i := strings.Index(r.Body, `class="secret">`)
	if i < 0 {
		t.Fatalf("no link on the page: %s", excerpt(r.Body))
	}
	link := r.Body[i+len(`class="secret">`):]
	link = link[:strings.Index(link, "<")]
	return linkPath(t, link)
}

func registrationsOf(t *testing.T, db *store.DB, event int64) []store.Registration {
	t.Helper()
	regs, err := db.ListRegistrations(context.Background(), store.RegistrationFilter{EventID: event})
	if err != nil {
		t.Fatal(err)
	}
	return regs
}

// accredit registers a person through the delegation's link, has the
// focal point approve and the secretariat accredit them, and returns the
// registration.
func (f *accreditationFixture) accredit(t *testing.T, db *store.DB, regLink, focal, name, category, email, code string) store.Registration {
	t.Helper()
	form := goodForm(name, category)
	form.Email, form.Lang = email, code
	wantStatus(t, f.ts.register(regLink, form), http.StatusCreated)
	var reg store.Registration
	for _, r := range registrationsOf(t, db, f.event) {
		if r.Email == email {
			reg = r
		}
	}
	id := fmt.Sprint(reg.ID)
	wantStatus(t, f.ts.postForm(f.ts.client(), focal+"/registrations/"+id+"/approve", url.Values{}, nil), http.StatusOK)
	wantStatus(t, f.ts.postForm(f.officer, fmt.Sprintf("/admin/events/%d/registrations/%s/accredit", f.event, id), url.Values{}, nil), http.StatusOK)
	got, err := db.GetRegistration(context.Background(), reg.ID)
	if err != nil || got.State != store.RegAccredited {
		t.Fatalf("accredit %s: %+v %v", name, got, err)
	}
	return got
}

// register sends the form to the registration link's path.
func (ts *testServer) register(path string, f registrationForm) response {
	ts.t.Helper()
	ct, body := f.MultipartBody(ts.t)
	return ts.send(ts.client(), http.MethodPost, path, ct, body, nil)
}
