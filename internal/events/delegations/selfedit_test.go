package delegations_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/events/delegations/delegationstest"
	"github.com/mofa-vn/chancery/internal/httpx/httpxtest"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// TestRegistrationSelfEdit: a registrant corrects their own registration
// through their private link: the same data changes nothing, a change to
// an accredited person's data returns them to pending (audited, mailed as
// a new registration, back on the focal point's page); a forged link, bad
// input, a quota exceeded or a rejected registration change nothing.
func TestRegistrationSelfEdit(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		f := newAccreditation(t, db, clock, 1, true)
		ts, srv := f.ts, f.mailServer
		ctx := context.Background()
		lan := f.accredit(t, db, f.vnReg, f.vnFocal, "Nguyễn Thị Lan", "head", "lan@example.org", "vi")
		ts.relay.Flush(ctx)
		srv.Wait(t, 3, 5*time.Second) // received, approved, accredited
		tok := ts.svc.EditToken(lan.ID)
		mine := "/vi/accreditation/mine/" + tok

		// The confirmation of a registration gives the link.
		claire := delegationstest.GoodForm("Claire Dubois", "delegate")
		claire.Email = "claire@example.org"
		r := ts.register(f.frReg, claire)
		httpxtest.WantStatus(t, r, http.StatusCreated)
		var claireID int64
		for _, reg := range registrationsOf(t, db, f.event) {
			if reg.Email == "claire@example.org" {
				claireID = reg.ID
			}
		}
		httpxtest.WantContains(t, r, `href="/fr/accreditation/mine/`+ts.svc.EditToken(claireID)+`"`)

		// Forged, altered or borrowed tokens are not found.
		_, mac, _ := strings.Cut(tok, "-")
		for _, bad := range []string{strconv.FormatInt(claireID, 10) + "-" + mac, tok + "x", "1", strings.Repeat("9", 200),
			ts.svc.CalendarToken(lan.ID)} {
			httpxtest.WantStatus(t, ts.Get(ts.Browser(), "/vi/accreditation/mine/"+url.PathEscape(bad), nil), http.StatusNotFound)
			httpxtest.WantStatus(t, ts.PostForm(ts.Browser(), "/vi/accreditation/mine/"+url.PathEscape(bad), url.Values{"name": {"Mallory"}}, nil), http.StatusNotFound)
		}

		r = ts.Get(ts.Browser(), mine, nil)
		httpxtest.WantStatus(t, r, http.StatusOK)
		httpxtest.WantContains(t, r, `value="Nguyễn Thị Lan"`, "Sửa đăng ký của tôi")
		if r.Header.Get("Referrer-Policy") != "no-referrer" {
			t.Fatalf("Referrer-Policy %q", r.Header.Get("Referrer-Policy"))
		}
		form := url.Values{"name": {"Nguyễn Thị Lan"}, "title": {lan.Title}, "category": {"head"}, "email": {"lan@example.org"}, "lang": {"vi"}}
		// The same data: nothing changes.
		r = ts.PostForm(ts.Browser(), mine, form, nil)
		httpxtest.WantStatus(t, r, http.StatusOK)
		httpxtest.WantContains(t, r, "Không có gì thay đổi")
		// Bad input: the form again, with the error; nothing changes.
		bad := url.Values{}
		for k, v := range form {
			bad[k] = v
		}
		bad.Set("name", "  ")
		r = ts.PostForm(ts.Browser(), mine, bad, nil)
		if r.StatusCode < 400 || r.StatusCode >= 500 {
			t.Fatalf("empty name: %d", r.StatusCode)
		}
		httpxtest.WantContains(t, r, `aria-invalid="true"`)
		if got, _ := db.GetRegistration(ctx, lan.ID); got.State != store.RegAccredited || got.Name != "Nguyễn Thị Lan" {
			t.Fatalf("after refused input: %+v", got)
		}

		// A real correction: back to pending, audited, mailed, on the focal page.
		form.Set("title", "Đại sứ")
		r = ts.PostForm(ts.Browser(), mine, form, nil)
		httpxtest.WantStatus(t, r, http.StatusOK)
		httpxtest.WantContains(t, r, "Đã lưu các chỉnh sửa")
		got, _ := db.GetRegistration(ctx, lan.ID)
		if got.State != store.RegPending || got.Title != "Đại sứ" {
			t.Fatalf("after the correction: %+v", got)
		}
		entries, err := db.ListAudit(ctx, store.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		audited := false
		for _, e := range entries {
			audited = audited || (e.Action == "delegation.change" && e.Actor == "registrant:lan@example.org")
		}
		if !audited {
			t.Fatal("the self-edit is not in the audit log")
		}
		ts.relay.Flush(ctx)
		msgs := srv.Wait(t, 5, 5*time.Second) // + Claire's received, + Lan's received again
		last := msgs[len(msgs)-1]
		if subject, _ := delegationstest.ReadMail(t, last); last.To[0] != "lan@example.org" || subject != "Đã nhận đăng ký tham dự ASEAN Digital 2026" {
			t.Fatalf("mail after the correction: %v %q", last.To, subject)
		}
		focal := ts.Get(ts.Browser(), f.vnFocal, nil)
		httpxtest.WantContains(t, focal, fmt.Sprintf(`/registrations/%d/approve"`, lan.ID))

		// France's one delegate seat is Claire's: Marc, an observer, cannot
		// make himself a delegate.
		marc := delegationstest.GoodForm("Marc Petit", "observer")
		marc.Email = "marc@example.org"
		httpxtest.WantStatus(t, ts.register(f.frReg, marc), http.StatusCreated)
		var marcID int64
		for _, reg := range registrationsOf(t, db, f.event) {
			if reg.Email == "marc@example.org" {
				marcID = reg.ID
			}
		}
		r = ts.PostForm(ts.Browser(), "/fr/accreditation/mine/"+ts.svc.EditToken(marcID),
			url.Values{"name": {"Marc Petit"}, "title": {"Conseiller"}, "category": {"delegate"}, "email": {"marc@example.org"}, "lang": {"fr"}}, nil)
		httpxtest.WantStatus(t, r, http.StatusConflict)
		if got, _ := db.GetRegistration(ctx, marcID); got.Category != "observer" {
			t.Fatalf("quota exceeded, yet: %+v", got)
		}

		// A rejected registration cannot be corrected.
		httpxtest.WantStatus(t, ts.PostForm(f.officer, fmt.Sprintf("/admin/events/%d/registrations/%d/reject", f.event, lan.ID), url.Values{"reason": {"Trùng lặp"}}, nil), http.StatusOK)
		form.Set("title", "Tham tán")
		httpxtest.WantStatus(t, ts.PostForm(ts.Browser(), mine, form, nil), http.StatusConflict)
		if got, _ := db.GetRegistration(ctx, lan.ID); got.State != store.RegRejected || got.Title != "Đại sứ" {
			t.Fatalf("rejected, yet: %+v", got)
		}
	})
}
