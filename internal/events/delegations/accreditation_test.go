package delegations_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/events/delegations"
	"github.com/mofa-vn/chancery/internal/events/delegations/delegationstest"
	"github.com/mofa-vn/chancery/internal/httpx/httpxtest"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// TestRegistrationRefusesBadInput: a forged, revoked or expired link, a
// file that is a PDF only by name, oversize files and a full quota are
// refused with a message in the reader's language, and nothing is kept.
func TestRegistrationRefusesBadInput(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		f := newAccreditation(t, db, clock, 1, false)
		ts := f.ts

		r := ts.Get(ts.Browser(), f.frReg, nil)
		httpxtest.WantStatus(t, r, http.StatusOK)
		httpxtest.WantContains(t, r, "France", "ASEAN Digital 2026", `enctype="multipart/form-data"`)
		if r.Header.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("the link's page lets its token leak in Referer: %q", r.Header.Get("Referrer-Policy"))
		}
		// Forged: a made-up token, a registration token used as a focal
		// one, a token of the right length with one character changed.
		forged := f.frReg[:len(f.frReg)-1] + map[bool]string{true: "B", false: "A"}[strings.HasSuffix(f.frReg, "A")]
		for _, path := range []string{"/fr/accreditation/not-a-token-at-all-0123456789", forged, strings.Replace(f.frReg, "/accreditation/", "/accreditation/focal/", 1)} {
			r := ts.Get(ts.Browser(), path, nil)
			httpxtest.WantStatus(t, r, http.StatusNotFound)
			httpxtest.WantContains(t, r, "Ce lien n&#39;est pas valide")
			httpxtest.WantStatus(t, ts.register(path, delegationstest.GoodForm("Claire Dubois", "delegate")), http.StatusNotFound)
		}
		// Not a PDF, whatever its name; a PDF without its end; a photo
		// that is not an image; oversize files.
		notPDF := delegationstest.GoodForm("Claire Dubois", "delegate")
		notPDF.PDF, notPDF.PDFName = []byte("MZ\x90\x00 this is an executable"), "note-verbale.pdf"
		r = ts.register(f.frReg, notPDF)
		httpxtest.WantStatus(t, r, http.StatusBadRequest)
		httpxtest.WantContains(t, r, "n&#39;est pas un PDF", `aria-invalid="true"`, `value="Claire Dubois"`)
		truncated := delegationstest.GoodForm("Claire Dubois", "delegate")
		truncated.PDF = []byte("%PDF-1.7\n1 0 obj<<>>endobj\n")
		httpxtest.WantStatus(t, ts.register(f.frReg, truncated), http.StatusBadRequest)
		badPhoto := delegationstest.GoodForm("Claire Dubois", "delegate")
		badPhoto.Photo = []byte("GIF89a not a png")
		httpxtest.WantStatus(t, ts.register(f.frReg, badPhoto), http.StatusBadRequest)
		big := delegationstest.GoodForm("Claire Dubois", "delegate")
		big.PDF = append(append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("0"), delegations.MaxCredentials)...), "\n%%EOF\n"...)
		r = ts.register(f.frReg, big)
		httpxtest.WantStatus(t, r, http.StatusRequestEntityTooLarge)
		httpxtest.WantContains(t, r, "trop volumineux")
		bigPhoto := delegationstest.GoodForm("Claire Dubois", "delegate")
		bigPhoto.Photo = append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, delegations.MaxPhoto)...)
		httpxtest.WantStatus(t, ts.register(f.frReg, bigPhoto), http.StatusRequestEntityTooLarge)
		// A body over the whole form's limit stops at the server's limit.
		huge := delegationstest.GoodForm("Claire Dubois", "delegate")
		huge.Photo = bytes.Repeat([]byte{0}, delegations.FormLimit)
		if r := ts.register(f.frReg, huge); r.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("a body over the form's limit: %d", r.StatusCode)
		}
		bad := delegationstest.GoodForm("", "delegate")
		httpxtest.WantStatus(t, ts.register(f.frReg, bad), http.StatusBadRequest)
		bad = delegationstest.GoodForm("Claire Dubois", "emperor")
		httpxtest.WantStatus(t, ts.register(f.frReg, bad), http.StatusBadRequest)
		bad = delegationstest.GoodForm("Claire Dubois", "delegate")
		bad.Email = "claire@example.org\r\nBcc: all@example.org"
		httpxtest.WantStatus(t, ts.register(f.frReg, bad), http.StatusBadRequest)
		httpxtest.WantStatus(t, ts.Send(ts.Browser(), http.MethodPost, f.frReg, "application/x-www-form-urlencoded", "name=x", nil), http.StatusBadRequest)
		if regs := registrationsOf(t, db, f.event); len(regs) != 0 {
			t.Fatalf("refused registrations were kept: %+v", regs)
		}
		// The quota: one delegate seat.
		httpxtest.WantStatus(t, ts.register(f.frReg, delegationstest.GoodForm("Claire Dubois", "delegate")), http.StatusCreated)
		r = ts.register(f.frReg, delegationstest.GoodForm("Paul Martin", "delegate"))
		httpxtest.WantStatus(t, r, http.StatusConflict)
		httpxtest.WantContains(t, r, "plus de place")
		if regs := registrationsOf(t, db, f.event); len(regs) != 1 {
			t.Fatalf("registrations after the quota: %d", len(regs))
		}
		// Expired, then revoked.
		short := f.link(t, f.vn.ID, "register", 1)
		clock.Advance(25 * time.Hour)
		r = ts.Get(ts.Browser(), short, nil)
		httpxtest.WantStatus(t, r, http.StatusGone)
		httpxtest.WantStatus(t, ts.register(short, delegationstest.GoodForm("Lan", "delegate")), http.StatusGone)
		f.officer = ts.SignIn("paul", "protocol-password-1") // the session ended with the day
		links, _ := db.ListDelegationLinks(context.Background(), f.fr.ID)
		for _, l := range links {
			if l.Kind == store.LinkRegister {
				httpxtest.WantStatus(t, ts.PostForm(f.officer, fmt.Sprintf("/admin/events/%d/delegations/%d/links/%d/revoke", f.event, f.fr.ID, l.ID), nil, nil), http.StatusOK)
			}
		}
		httpxtest.WantStatus(t, ts.Get(ts.Browser(), f.frReg, nil), http.StatusNotFound)
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
		httpxtest.WantStatus(t, ts.register(f.frReg, delegationstest.GoodForm("Claire Dubois", "delegate")), http.StatusCreated)
		claire := registrationsOf(t, db, f.event)[0]
		id := fmt.Sprint(claire.ID)
		admin := fmt.Sprintf("/admin/events/%d/registrations/%s", f.event, id)

		// The focal point of Viet Nam can neither see nor decide France's.
		r := ts.PostForm(ts.Browser(), f.vnFocal+"/registrations/"+id+"/approve", url.Values{}, nil)
		httpxtest.WantStatus(t, r, http.StatusNotFound)
		httpxtest.WantStatus(t, ts.Get(ts.Browser(), f.vnFocal+"/registrations/"+id+"/credentials", nil), http.StatusNotFound)
		if r := ts.Get(ts.Browser(), f.vnFocal, nil); strings.Contains(r.Body, "Claire") {
			t.Fatal("Viet Nam's focal point sees France's registrations")
		}
		if got, _ := db.GetRegistration(context.Background(), claire.ID); got.State != store.RegPending {
			t.Fatalf("state after another delegation's focal point: %s", got.State)
		}
		// A delegate account cannot accredit, nor open the letter.
		ts.AddUser("dana", "delegate-password-1", account.RoleDelegate)
		delegate := ts.SignIn("dana", "delegate-password-1")
		httpxtest.WantStatus(t, ts.PostForm(delegate, admin+"/accredit", url.Values{}, nil), http.StatusForbidden)
		httpxtest.WantStatus(t, ts.Get(delegate, admin+"/credentials", nil), http.StatusForbidden)
		httpxtest.WantStatus(t, ts.Get(ts.Browser(), admin+"/credentials", nil), http.StatusSeeOther)
		// Accrediting before the focal point is refused.
		r = ts.PostForm(f.officer, admin+"/accredit", url.Values{}, map[string]string{"Accept-Language": "en"})
		httpxtest.WantStatus(t, r, http.StatusConflict)
		httpxtest.WantContains(t, r, "must first be approved by the delegation")
		// France's focal point approves, sees the letter, then the secretariat accredits.
		r = ts.Get(ts.Browser(), f.frFocal, nil)
		httpxtest.WantStatus(t, r, http.StatusOK)
		httpxtest.WantContains(t, r, "Claire Dubois")
		pdf := ts.Get(ts.Browser(), f.frFocal+"/registrations/"+id+"/credentials", nil)
		httpxtest.WantStatus(t, pdf, http.StatusOK)
		if pdf.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdf.Body, "%PDF-") || pdf.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("credentials: %v %.20q", pdf.Header, pdf.Body)
		}
		httpxtest.WantStatus(t, ts.PostForm(ts.Browser(), f.frFocal+"/registrations/"+id+"/approve", url.Values{}, nil), http.StatusOK)
		httpxtest.WantStatus(t, ts.PostForm(ts.Browser(), f.frFocal+"/registrations/"+id+"/approve", url.Values{}, nil), http.StatusConflict)
		staffPDF := ts.Get(f.officer, admin+"/credentials", nil)
		httpxtest.WantStatus(t, staffPDF, http.StatusOK)
		if staffPDF.Body != pdf.Body {
			t.Fatal("staff and the focal point got different letters")
		}
		httpxtest.WantStatus(t, ts.Get(f.officer, fmt.Sprintf("/admin/events/%d/registrations/%s/credentials", f.event+1000, id), nil), http.StatusNotFound)
		r = ts.PostForm(f.officer, admin+"/accredit", url.Values{}, nil)
		httpxtest.WantStatus(t, r, http.StatusOK)
		if got, _ := db.GetRegistration(context.Background(), claire.ID); got.State != store.RegAccredited {
			t.Fatalf("state: %s", got.State)
		}
		// A rejection without a reason is refused; with one it is recorded.
		httpxtest.WantStatus(t, ts.PostForm(f.officer, admin+"/reject", url.Values{"reason": {""}}, nil), http.StatusBadRequest)
		httpxtest.WantStatus(t, ts.PostForm(f.officer, admin+"/reject", url.Values{"reason": {"Mauvaise délégation"}}, nil), http.StatusOK)
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
		r = ts.Get(f.officer, fmt.Sprintf("/admin/events/%d/delegations", f.event), map[string]string{"Accept-Language": "en"})
		httpxtest.WantStatus(t, r, http.StatusOK)
		httpxtest.WantContains(t, r, "1. <bdi>France</bdi>", "2. <bdi>Vietnam</bdi>", "Rejected", "Mauvaise délégation", "E-mail is off")
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
				ct, body := delegationstest.GoodForm(fmt.Sprintf("Person %d", i), "delegate").MultipartBody(t)
				req, _ := http.NewRequest(http.MethodPost, f.ts.URL+f.frReg, strings.NewReader(body))
				req.Header.Set("Content-Type", ct)
				res, err := f.ts.Browser().Do(req)
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
		r := ts.Get(f.officer, fmt.Sprintf("/admin/events/%d/delegations", f.event), nil)
		if strings.Contains(r.Body, "-smtp-url") {
			t.Fatal("the staff page says e-mail is off while it is on")
		}
		form := delegationstest.GoodForm("Nguyễn Thị Lan", "head")
		form.Email, form.Lang = "lan@example.org", "vi"
		httpxtest.WantStatus(t, ts.register(f.vnReg, form), http.StatusCreated)
		ts.relay.Flush(ctx)
		msgs := srv.Wait(t, 1, 5*time.Second)
		subject, text := delegationstest.ReadMail(t, msgs[0])
		if msgs[0].To[0] != "lan@example.org" || subject != "Đã nhận đăng ký tham dự ASEAN Digital 2026" || !strings.Contains(text, "Kính gửi Nguyễn Thị Lan") {
			t.Fatalf("received mail: to %v, subject %q, text %q", msgs[0].To, subject, text)
		}
		id := fmt.Sprint(registrationsOf(t, db, f.event)[0].ID)

		// The server is down: the focal point's approval stands, its mail waits.
		srv.FailNext(1)
		httpxtest.WantStatus(t, ts.PostForm(ts.Browser(), f.vnFocal+"/registrations/"+id+"/approve", url.Values{}, nil), http.StatusOK)
		ts.relay.Flush(ctx)
		if got, _ := db.GetRegistration(ctx, registrationsOf(t, db, f.event)[0].ID); got.State != store.RegFocal {
			t.Fatalf("state after a mail failure: %s", got.State)
		}
		if n := len(srv.Messages()); n != 1 {
			t.Fatalf("%d messages while the server refused", n)
		}
		clock.Advance(time.Minute)
		ts.relay.Flush(ctx)
		msgs = srv.Wait(t, 2, 5*time.Second)
		if subject, _ := delegationstest.ReadMail(t, msgs[1]); subject != "Đăng ký tham dự ASEAN Digital 2026 đã được đoàn chấp thuận" {
			t.Fatalf("focal mail subject %q", subject)
		}
		admin := fmt.Sprintf("/admin/events/%d/registrations/%s", f.event, id)
		httpxtest.WantStatus(t, ts.PostForm(f.officer, admin+"/accredit", url.Values{}, nil), http.StatusOK)
		httpxtest.WantStatus(t, ts.PostForm(f.officer, admin+"/reject", url.Values{"reason": {"Thư đề cử chưa có chữ ký"}}, nil), http.StatusOK)
		ts.relay.Flush(ctx)
		msgs = srv.Wait(t, 4, 5*time.Second)
		if subject, _ := delegationstest.ReadMail(t, msgs[2]); !strings.HasPrefix(subject, "Đã được công nhận") {
			t.Fatalf("accreditation mail subject %q", subject)
		}
		subject, text = delegationstest.ReadMail(t, msgs[3])
		if subject != "Đăng ký tham dự ASEAN Digital 2026 không được chấp nhận" || !strings.Contains(text, "Thư đề cử chưa có chữ ký") {
			t.Fatalf("rejection mail: %q %q", subject, text)
		}
		// A French registrant is written to in French.
		fr := delegationstest.GoodForm("Claire Dubois", "delegate")
		fr.Email = "claire@example.org"
		httpxtest.WantStatus(t, ts.register(f.frReg, fr), http.StatusCreated)
		ts.relay.Flush(ctx)
		msgs = srv.Wait(t, 5, 5*time.Second)
		if subject, text := delegationstest.ReadMail(t, msgs[4]); subject != "Inscription à ASEAN Digital 2026 reçue" || !strings.Contains(text, "délégation de France") {
			t.Fatalf("French mail: %q %q", subject, text)
		}
	})
}
