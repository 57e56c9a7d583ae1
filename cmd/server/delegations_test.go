package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/config"
	"github.com/mofa-vn/chancery/internal/events/delegations"
	"github.com/mofa-vn/chancery/internal/mail/mailtest"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

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

// TestRegistrationRefusesBadInput: a forged, revoked or expired link, a
// file that is a PDF only by name, oversize files and a full quota are
// refused with a message in the reader's language, and nothing is kept.
func TestRegistrationRefusesBadInput(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		f := newAccreditation(t, db, clock, 1, false)
		ts := f.ts

		r := ts.get(ts.client(), f.frReg, nil)
		wantStatus(t, r, http.StatusOK)
		wantContains(t, r, "France", "ASEAN Digital 2026", `enctype="multipart/form-data"`)
		if r.Header.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("the link's page lets its token leak in Referer: %q", r.Header.Get("Referrer-Policy"))
		}
		// Forged: a made-up token, a registration token used as a focal
		// one, a token of the right length with one character changed.
		forged := f.frReg[:len(f.frReg)-1] + map[bool]string{true: "B", false: "A"}[strings.HasSuffix(f.frReg, "A")]
		for _, path := range []string{"/fr/accreditation/not-a-token-at-all-0123456789", forged, strings.Replace(f.frReg, "/accreditation/", "/accreditation/focal/", 1)} {
			r := ts.get(ts.client(), path, nil)
			wantStatus(t, r, http.StatusNotFound)
			wantContains(t, r, "Ce lien n&#39;est pas valide")
			wantStatus(t, ts.register(path, goodForm("Claire Dubois", "delegate")), http.StatusNotFound)
		}
		// Not a PDF, whatever its name; a PDF without its end; a photo
		// that is not an image; oversize files.
		notPDF := goodForm("Claire Dubois", "delegate")
		notPDF.PDF, notPDF.PDFName = []byte("MZ\x90\x00 this is an executable"), "note-verbale.pdf"
		r = ts.register(f.frReg, notPDF)
		wantStatus(t, r, http.StatusBadRequest)
		wantContains(t, r, "n&#39;est pas un PDF", `aria-invalid="true"`, `value="Claire Dubois"`)
		truncated := goodForm("Claire Dubois", "delegate")
		truncated.PDF = []byte("%PDF-1.7\n1 0 obj<<>>endobj\n")
		wantStatus(t, ts.register(f.frReg, truncated), http.StatusBadRequest)
		badPhoto := goodForm("Claire Dubois", "delegate")
		badPhoto.Photo = []byte("GIF89a not a png")
		wantStatus(t, ts.register(f.frReg, badPhoto), http.StatusBadRequest)
		big := goodForm("Claire Dubois", "delegate")
		big.PDF = append(append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("0"), delegations.MaxCredentials)...), "\n%%EOF\n"...)
		r = ts.register(f.frReg, big)
		wantStatus(t, r, http.StatusRequestEntityTooLarge)
		wantContains(t, r, "trop volumineux")
		bigPhoto := goodForm("Claire Dubois", "delegate")
		bigPhoto.Photo = append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, delegations.MaxPhoto)...)
		wantStatus(t, ts.register(f.frReg, bigPhoto), http.StatusRequestEntityTooLarge)
		// A body over the whole form's limit stops at the server's limit.
		huge := goodForm("Claire Dubois", "delegate")
		huge.Photo = bytes.Repeat([]byte{0}, delegations.FormLimit)
		if r := ts.register(f.frReg, huge); r.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("a body over the form's limit: %d", r.StatusCode)
		}
		bad := goodForm("", "delegate")
		wantStatus(t, ts.register(f.frReg, bad), http.StatusBadRequest)
		bad = goodForm("Claire Dubois", "emperor")
		wantStatus(t, ts.register(f.frReg, bad), http.StatusBadRequest)
		bad = goodForm("Claire Dubois", "delegate")
		bad.Email = "claire@example.org\r\nBcc: all@example.org"
		wantStatus(t, ts.register(f.frReg, bad), http.StatusBadRequest)
		wantStatus(t, ts.send(ts.client(), http.MethodPost, f.frReg, "application/x-www-form-urlencoded", "name=x", nil), http.StatusBadRequest)
		if regs := registrationsOf(t, db, f.event); len(regs) != 0 {
			t.Fatalf("refused registrations were kept: %+v", regs)
		}
		// The quota: one delegate seat.
		wantStatus(t, ts.register(f.frReg, goodForm("Claire Dubois", "delegate")), http.StatusCreated)
		r = ts.register(f.frReg, goodForm("Paul Martin", "delegate"))
		wantStatus(t, r, http.StatusConflict)
		wantContains(t, r, "plus de place")
		if regs := registrationsOf(t, db, f.event); len(regs) != 1 {
			t.Fatalf("registrations after the quota: %d", len(regs))
		}
		// Expired, then revoked.
		short := f.link(t, f.vn.ID, "register", 1)
		clock.Advance(25 * time.Hour)
		r = ts.get(ts.client(), short, nil)
		wantStatus(t, r, http.StatusGone)
		wantStatus(t, ts.register(short, goodForm("Lan", "delegate")), http.StatusGone)
		f.officer = ts.signIn("paul", "protocol-password-1") // the session ended with the day
		links, _ := db.ListDelegationLinks(context.Background(), f.fr.ID)
		for _, l := range links {
			if l.Kind == store.LinkRegister {
				wantStatus(t, ts.postForm(f.officer, fmt.Sprintf("/admin/events/%d/delegations/%d/links/%d/revoke", f.event, f.fr.ID, l.ID), nil, nil), http.StatusOK)
			}
		}
		wantStatus(t, ts.get(ts.client(), f.frReg, nil), http.StatusNotFound)
	})
}

// TestAccreditationTwoLevels: the focal point approves their own
// delegation's members only; the secretariat accredits only what the
// focal point approved; a delegate cannot accredit; staff and the focal
// point alone open the credentials letter.
func TestAccreditationTwoLevels(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		f := newAccreditation(t, db, clock, 3, false)
		ts := f.ts
		wantStatus(t, ts.register(f.frReg, goodForm("Claire Dubois", "delegate")), http.StatusCreated)
		claire := registrationsOf(t, db, f.event)[0]
		id := fmt.Sprint(claire.ID)
		admin := fmt.Sprintf("/admin/events/%d/registrations/%s", f.event, id)

		// The focal point of Viet Nam can neither see nor decide France's.
		r := ts.postForm(ts.client(), f.vnFocal+"/registrations/"+id+"/approve", url.Values{}, nil)
		wantStatus(t, r, http.StatusNotFound)
		wantStatus(t, ts.get(ts.client(), f.vnFocal+"/registrations/"+id+"/credentials", nil), http.StatusNotFound)
		if r := ts.get(ts.client(), f.vnFocal, nil); strings.Contains(r.Body, "Claire") {
			t.Fatal("Viet Nam's focal point sees France's registrations")
		}
		if got, _ := db.GetRegistration(context.Background(), claire.ID); got.State != store.RegPending {
			t.Fatalf("state after another delegation's focal point: %s", got.State)
		}
		// A delegate account cannot accredit, nor open the letter.
		ts.addUser("dana", "delegate-password-1", account.RoleDelegate)
		delegate := ts.signIn("dana", "delegate-password-1")
		wantStatus(t, ts.postForm(delegate, admin+"/accredit", url.Values{}, nil), http.StatusForbidden)
		wantStatus(t, ts.get(delegate, admin+"/credentials", nil), http.StatusForbidden)
		wantStatus(t, ts.get(ts.client(), admin+"/credentials", nil), http.StatusSeeOther)
		// Accrediting before the focal point is refused.
		r = ts.postForm(f.officer, admin+"/accredit", url.Values{}, map[string]string{"Accept-Language": "en"})
		wantStatus(t, r, http.StatusConflict)
		wantContains(t, r, "must first be approved by the delegation")
		// France's focal point approves, sees the letter, then the secretariat accredits.
		r = ts.get(ts.client(), f.frFocal, nil)
		wantStatus(t, r, http.StatusOK)
		wantContains(t, r, "Claire Dubois")
		pdf := ts.get(ts.client(), f.frFocal+"/registrations/"+id+"/credentials", nil)
		wantStatus(t, pdf, http.StatusOK)
		if pdf.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdf.Body, "%PDF-") || pdf.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("credentials: %v %.20q", pdf.Header, pdf.Body)
		}
		wantStatus(t, ts.postForm(ts.client(), f.frFocal+"/registrations/"+id+"/approve", url.Values{}, nil), http.StatusOK)
		wantStatus(t, ts.postForm(ts.client(), f.frFocal+"/registrations/"+id+"/approve", url.Values{}, nil), http.StatusConflict)
		staffPDF := ts.get(f.officer, admin+"/credentials", nil)
		wantStatus(t, staffPDF, http.StatusOK)
		if staffPDF.Body != pdf.Body {
			t.Fatal("staff and the focal point got different letters")
		}
		wantStatus(t, ts.get(f.officer, fmt.Sprintf("/admin/events/%d/registrations/%s/credentials", f.event+1000, id), nil), http.StatusNotFound)
		r = ts.postForm(f.officer, admin+"/accredit", url.Values{}, nil)
		wantStatus(t, r, http.StatusOK)
		if got, _ := db.GetRegistration(context.Background(), claire.ID); got.State != store.RegAccredited {
			t.Fatalf("state: %s", got.State)
		}
		// A rejection without a reason is refused; with one it is recorded.
		wantStatus(t, ts.postForm(f.officer, admin+"/reject", url.Values{"reason": {""}}, nil), http.StatusBadRequest)
		wantStatus(t, ts.postForm(f.officer, admin+"/reject", url.Values{"reason": {"Mauvaise délégation"}}, nil), http.StatusOK)
		entries, err := db.ListAudit(context.Background(), store.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range entries {
			actions = append(actions, e.Action+" by "+e.Actor)
			if e.Action == "delegation.reject" && !strings.Contains(e.Payload, "Mauvaise délégation") {
				t.Fatalf("the rejection's reason is not in the audit log: %s", e.Payload)
			}
		}
		for _, want := range []string{"delegation.register by registrant:person@example.org", "delegation.focal_approve by focal-point:France",
			"delegation.accredit by paul", "delegation.reject by paul"} {
			if !strings.Contains(strings.Join(actions, "\n"), want) {
				t.Fatalf("audit log lacks %q:\n%s", want, strings.Join(actions, "\n"))
			}
		}
		// The staff page lists the delegations in order, the states and the mail notice.
		r = ts.get(f.officer, fmt.Sprintf("/admin/events/%d/delegations", f.event), map[string]string{"Accept-Language": "en"})
		wantStatus(t, r, http.StatusOK)
		wantContains(t, r, "1. <bdi>France</bdi>", "2. <bdi>Vietnam</bdi>", "Rejected", "Mauvaise délégation", "E-mail is off")
	})
}

// TestRegistrationBurstAgainstQuota sends many registrations at once to a
// delegation with N seats: exactly N are accepted.
func TestRegistrationBurstAgainstQuota(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		const quota, burst = 3, 10
		f := newAccreditation(t, db, clock, quota, false)
		var wg sync.WaitGroup
		codes := make([]int, burst)
		for i := range burst {
			wg.Go(func() {
				ct, body := goodForm(fmt.Sprintf("Person %d", i), "delegate").multipartBody(t)
				req, _ := http.NewRequest(http.MethodPost, f.ts.URL+f.frReg, strings.NewReader(body))
				req.Header.Set("Content-Type", ct)
				res, err := f.ts.client().Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				codes[i] = res.StatusCode
			})
		}
		wg.Wait()
		created, refused := 0, 0
		for _, c := range codes {
			switch c {
			case http.StatusCreated:
				created++
			case http.StatusConflict:
				refused++
			}
		}
		if created != quota || refused != burst-quota {
			t.Fatalf("statuses %v: want %d created and the rest refused", codes, quota)
		}
		if regs := registrationsOf(t, db, f.event); len(regs) != quota {
			t.Fatalf("%d registrations kept, want %d", len(regs), quota)
		}
	})
}

// TestAccreditationMail: each step sends its message, in the person's
// language, through a real SMTP exchange; when the server refuses, the
// decision stands and the message goes later.
func TestAccreditationMail(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		f := newAccreditation(t, db, clock, 3, true)
		ts, srv := f.ts, f.mailServer
		ctx := context.Background()
		r := ts.get(f.officer, fmt.Sprintf("/admin/events/%d/delegations", f.event), nil)
		if strings.Contains(r.Body, "-smtp-url") {
			t.Fatal("the staff page says e-mail is off while it is on")
		}
		form := goodForm("Nguyễn Thị Lan", "head")
		form.Email, form.Lang = "lan@example.org", "vi"
		wantStatus(t, ts.register(f.vnReg, form), http.StatusCreated)
		ts.app.mailRelay.Flush(ctx)
		msgs := srv.Wait(t, 1, 5*time.Second)
		subject, text := readMail(t, msgs[0])
		if msgs[0].To[0] != "lan@example.org" || subject != "Đã nhận đăng ký tham dự ASEAN Digital 2026" || !strings.Contains(text, "Kính gửi Nguyễn Thị Lan") {
			t.Fatalf("received mail: to %v, subject %q, text %q", msgs[0].To, subject, text)
		}
		id := fmt.Sprint(registrationsOf(t, db, f.event)[0].ID)

		// The server is down: the focal point's approval stands, its mail waits.
		srv.FailNext(1)
		wantStatus(t, ts.postForm(ts.client(), f.vnFocal+"/registrations/"+id+"/approve", url.Values{}, nil), http.StatusOK)
		ts.app.mailRelay.Flush(ctx)
		if got, _ := db.GetRegistration(ctx, registrationsOf(t, db, f.event)[0].ID); got.State != store.RegFocal {
			t.Fatalf("state after a mail failure: %s", got.State)
		}
		if n := len(srv.Messages()); n != 1 {
			t.Fatalf("%d messages while the server refused", n)
		}
		clock.Advance(time.Minute)
		ts.app.mailRelay.Flush(ctx)
		msgs = srv.Wait(t, 2, 5*time.Second)
		if subject, _ := readMail(t, msgs[1]); subject != "Đăng ký tham dự ASEAN Digital 2026 đã được đoàn chấp thuận" {
			t.Fatalf("focal mail subject %q", subject)
		}
		admin := fmt.Sprintf("/admin/events/%d/registrations/%s", f.event, id)
		wantStatus(t, ts.postForm(f.officer, admin+"/accredit", url.Values{}, nil), http.StatusOK)
		wantStatus(t, ts.postForm(f.officer, admin+"/reject", url.Values{"reason": {"Thư đề cử chưa có chữ ký"}}, nil), http.StatusOK)
		ts.app.mailRelay.Flush(ctx)
		msgs = srv.Wait(t, 4, 5*time.Second)
		if subject, _ := readMail(t, msgs[2]); !strings.HasPrefix(subject, "Đã được công nhận") {
			t.Fatalf("accreditation mail subject %q", subject)
		}
		subject, text = readMail(t, msgs[3])
		if subject != "Đăng ký tham dự ASEAN Digital 2026 không được chấp nhận" || !strings.Contains(text, "Thư đề cử chưa có chữ ký") {
			t.Fatalf("rejection mail: %q %q", subject, text)
		}
		// A French registrant is written to in French.
		fr := goodForm("Claire Dubois", "delegate")
		fr.Email = "claire@example.org"
		wantStatus(t, ts.register(f.frReg, fr), http.StatusCreated)
		ts.app.mailRelay.Flush(ctx)
		msgs = srv.Wait(t, 5, 5*time.Second)
		if subject, text := readMail(t, msgs[4]); subject != "Inscription à ASEAN Digital 2026 reçue" || !strings.Contains(text, "délégation de France") {
			t.Fatalf("French mail: %q %q", subject, text)
		}
	})
}

// readMail parses a received message and returns its decoded subject and
// text.
func readMail(t *testing.T, m mailtest.Received) (subject, text string) {
	t.Helper()
	msg, err := m.Parse()
	if err != nil {
		t.Fatal(err)
	}
	var d mime.WordDecoder
	if subject, err = d.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		t.Fatal(err)
	}
	if msg.Header.Get("Content-Transfer-Encoding") != "quoted-printable" {
		t.Fatalf("transfer encoding %q", msg.Header.Get("Content-Transfer-Encoding"))
	}
	b, err := io.ReadAll(quotedPrintable(msg.Body))
	if err != nil {
		t.Fatal(err)
	}
	return subject, string(b)
}

func quotedPrintable(r io.Reader) io.Reader { return quotedprintable.NewReader(r) }

// createEvent stores a published two-language event for the delegations
// tests, which key on its ID.
func createEvent(t *testing.T, db *store.DB, slug, title string) store.Event {
	t.Helper()
	start := time.Date(2026, 12, 20, 9, 0, 0, 0, time.UTC)
	e, err := db.CreateEvent(context.Background(), store.Event{Slug: slug, Zone: "Asia/Ho_Chi_Minh", StartsAt: start, EndsAt: start.Add(8 * time.Hour),
		StartLocal: "2026-12-20T16:00", EndLocal: "2026-12-21T00:00", Format: "virtual", Public: true, Languages: []string{"vi", "en"}, SourceLang: "en",
		Translations: map[string]store.EventTranslation{
			"en": {Title: title, Status: store.StatusPublished},
			"vi": {Title: title, Status: store.StatusPublished},
		}})
	if err != nil {
		t.Fatal(err)
	}
	return e
}
