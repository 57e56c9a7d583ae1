package store_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

func newDelegation(t *testing.T, db *store.DB, eventID int64, country string, quotas map[string]int) store.Delegation {
	t.Helper()
	d, err := db.CreateDelegation(t.Context(), store.Delegation{EventID: eventID, Kind: store.DelegationState, Country: country, Name: country,
		Quotas: quotas}, store.AuditEntry{Actor: "test", Action: "delegation.create"})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func register(db *store.DB, t *testing.T, delegationID int64, name, category string, mails ...store.OutboxMail) (store.Registration, error) {
	return db.CreateRegistration(t.Context(), store.Registration{DelegationID: delegationID, Name: name, Title: "Minister", Category: category,
		Email: "a@example.org", Lang: "vi", CredentialsSHA256: "abc", PhotoType: "image/png"},
		[]byte("%PDF-1.4 %%EOF"), []byte("png"), store.AuditEntry{Actor: "registrant", Action: "delegation.register"}, mails)
}

func TestDelegationsAndLinks(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		vn := newDelegation(t, db, 7, "VN", map[string]int{"delegate": 2})
		if _, err := db.CreateDelegation(ctx, store.Delegation{EventID: 7, Kind: store.DelegationState, Country: "VN", Name: "VN"},
			store.AuditEntry{Actor: "test", Action: "delegation.create"}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("second VN delegation: %v, want ErrConflict", err)
		}
		// Another event may have its own Viet Nam delegation.
		newDelegation(t, db, 8, "VN", nil)
		asean, err := db.CreateDelegation(ctx, store.Delegation{EventID: 7, Kind: store.DelegationIO, Name: "ASEAN Secretariat",
			Names: map[string]string{"vi": "Ban Thư ký ASEAN"}}, store.AuditEntry{Actor: "test", Action: "delegation.create"})
		if err != nil {
			t.Fatal(err)
		}
		ds, err := db.ListDelegations(ctx, 7)
		if err != nil || len(ds) != 2 || ds[0].ID != vn.ID || ds[1].Names["vi"] != "Ban Thư ký ASEAN" || ds[0].Quotas["delegate"] != 2 {
			t.Fatalf("delegations = %+v, %v", ds, err)
		}
		asean.CredentialsAt = storetest.Start.Add(time.Hour)
		asean.Quotas = map[string]int{"head": 1}
		if err := db.UpdateDelegation(ctx, asean, store.AuditEntry{Actor: "test", Action: "delegation.update"}); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.GetDelegation(ctx, asean.ID); !got.CredentialsAt.Equal(asean.CredentialsAt.Truncate(time.Microsecond)) || got.Quotas["head"] != 1 {
			t.Fatalf("updated = %+v", got)
		}
		// A delegation of another event cannot be changed through this one.
		wrong := asean
		wrong.EventID = 8
		if err := db.UpdateDelegation(ctx, wrong, store.AuditEntry{Actor: "test", Action: "delegation.update"}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("update through another event: %v", err)
		}

		l, err := db.CreateDelegationLink(ctx, store.DelegationLink{DelegationID: vn.ID, Kind: store.LinkRegister, ExpiresAt: storetest.Start.Add(48 * time.Hour)},
			"hash-1", store.AuditEntry{Actor: "test", Action: "delegation.link"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.DelegationLinkByToken(ctx, store.LinkFocal, "hash-1"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a registration link opened as a focal-point link: %v", err)
		}
		got, err := db.DelegationLinkByToken(ctx, store.LinkRegister, "hash-1")
		if err != nil || got.ID != l.ID || !got.RevokedAt.IsZero() {
			t.Fatalf("link = %+v, %v", got, err)
		}
		if err := db.RevokeDelegationLink(ctx, asean.ID, l.ID, store.AuditEntry{Actor: "test", Action: "delegation.link_revoke"}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("revoked through another delegation: %v", err)
		}
		if err := db.RevokeDelegationLink(ctx, vn.ID, l.ID, store.AuditEntry{Actor: "test", Action: "delegation.link_revoke"}); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.DelegationLinkByToken(ctx, store.LinkRegister, "hash-1"); got.RevokedAt.IsZero() {
			t.Fatal("revoked link not marked")
		}
		if ls, _ := db.ListDelegationLinks(ctx, vn.ID); len(ls) != 1 {
			t.Fatalf("links = %+v", ls)
		}
		// Every change went to the hash-chained audit log, naming the event.
		entries, err := db.ListAudit(ctx, store.AuditFilter{})
		if err != nil || len(entries) != 6 {
			t.Fatalf("audit = %d entries, %v", len(entries), err)
		}
		if !strings.Contains(entries[0].Payload, `"event_id":7`) || entries[0].Action != "delegation.link_revoke" {
			t.Fatalf("last audit entry = %+v", entries[0])
		}
		if n, err := db.VerifyAudit(ctx); err != nil || n != 6 {
			t.Fatalf("audit chain: %d, %v", n, err)
		}
	})
}

func TestRegistrationTwoLevelsAndChanges(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		vn := newDelegation(t, db, 1, "VN", map[string]int{"delegate": 1})
		fr := newDelegation(t, db, 1, "FR", nil)
		mail := store.OutboxMail{Recipient: "a@example.org", Message: []byte("Subject: x\r\n\r\nhi\r\n")}
		r, err := register(db, t, vn.ID, "Nguyễn Lan", "delegate", mail)
		if err != nil || r.State != store.RegPending || r.EventID != 1 || r.CredentialsSize != int64(len("%PDF-1.4 %%EOF")) {
			t.Fatalf("registered = %+v, %v", r, err)
		}
		if _, err := register(db, t, vn.ID, "Trần Bình", "delegate"); !errors.Is(err, store.ErrQuotaExceeded) {
			t.Fatalf("over quota: %v", err)
		}
		if _, err := register(db, t, vn.ID, "Trần Bình", "adviser"); err != nil {
			t.Fatalf("a category without quota: %v", err)
		}
		pdf, ct, err := db.RegistrationFile(ctx, r.ID, "credentials")
		if err != nil || ct != "application/pdf" || string(pdf) != "%PDF-1.4 %%EOF" {
			t.Fatalf("credentials = %q %q %v", pdf, ct, err)
		}
		if photo, ct, _ := db.RegistrationFile(ctx, r.ID, "photo"); ct != "image/png" || string(photo) != "png" {
			t.Fatalf("photo = %q %q", photo, ct)
		}

		accredit := store.Decision{RegistrationID: r.ID, From: []string{store.RegFocal}, To: store.RegAccredited}
		a := store.AuditEntry{Actor: "protocol", Action: "delegation.accredit"}
		if _, err := db.DecideRegistration(ctx, accredit, a, nil); !errors.Is(err, store.ErrWrongState) {
			t.Fatalf("accredited before the focal point: %v", err)
		}
		focal := store.Decision{RegistrationID: r.ID, DelegationID: fr.ID, From: []string{store.RegPending}, To: store.RegFocal}
		if _, err := db.DecideRegistration(ctx, focal, a, nil); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("focal point of another delegation: %v", err)
		}
		focal.DelegationID = vn.ID
		got, err := db.DecideRegistration(ctx, focal, store.AuditEntry{Actor: "focal", Action: "delegation.focal_approve"},
			func(r store.Registration) []store.OutboxMail { return []store.OutboxMail{mail} })
		if err != nil || got.State != store.RegFocal {
			t.Fatalf("focal approval = %+v, %v", got, err)
		}
		if got, err = db.DecideRegistration(ctx, accredit, a, nil); err != nil || got.State != store.RegAccredited {
			t.Fatalf("accredited = %+v, %v", got, err)
		}
		// Changing an accredited person's data returns them to pending.
		ch := store.RegistrationChange{ID: r.ID, Name: "Nguyễn Thị Lan", Title: "Ambassador", Category: "delegate", Email: "lan@example.org", Lang: "en"}
		got, err = db.ChangeRegistration(ctx, ch, store.AuditEntry{Actor: "protocol", Action: "delegation.change"})
		if err != nil || got.State != store.RegPending || got.Name != "Nguyễn Thị Lan" {
			t.Fatalf("changed = %+v, %v", got, err)
		}
		// Moving to a full category is refused, nothing changed.
		ch.Category = "adviser"
		if err := db.UpdateDelegation(ctx, store.Delegation{ID: vn.ID, EventID: 1, Name: "VN", Quotas: map[string]int{"delegate": 1, "adviser": 1}},
			store.AuditEntry{Actor: "test", Action: "delegation.update"}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ChangeRegistration(ctx, ch, store.AuditEntry{Actor: "protocol", Action: "delegation.change"}); !errors.Is(err, store.ErrQuotaExceeded) {
			t.Fatalf("change into a full category: %v", err)
		}
		reject := store.Decision{RegistrationID: r.ID, From: []string{store.RegPending, store.RegFocal}, To: store.RegRejected, Reason: "No note verbale"}
		if got, err = db.DecideRegistration(ctx, reject, store.AuditEntry{Actor: "protocol", Action: "delegation.reject"}, nil); err != nil ||
			got.Reason != "No note verbale" {
			t.Fatalf("rejected = %+v, %v", got, err)
		}
		// A rejected registration frees its seat, and cannot be changed.
		if _, err := register(db, t, vn.ID, "Lê Minh", "delegate"); err != nil {
			t.Fatalf("seat of a rejected registration: %v", err)
		}
		if _, err := db.ChangeRegistration(ctx, ch, store.AuditEntry{Actor: "protocol", Action: "delegation.change"}); !errors.Is(err, store.ErrWrongState) {
			t.Fatalf("change of a rejected registration: %v", err)
		}
		list, err := db.ListRegistrations(ctx, store.RegistrationFilter{EventID: 1, DelegationID: vn.ID})
		if err != nil || len(list) != 3 {
			t.Fatalf("registrations = %+v, %v", list, err)
		}
		// The audit log says who decided what and why.
		entries, _ := db.ListAudit(ctx, store.AuditFilter{})
		var payload map[string]any
		for _, e := range entries {
			if e.Action == "delegation.reject" {
				_ = json.Unmarshal([]byte(e.Payload), &payload)
			}
		}
		if payload == nil || payload["registration_id"] != float64(r.ID) {
			t.Fatalf("reject audit payload = %v", payload)
		}
		// The mails of the registration and the focal approval wait in the outbox.
		if ms, _ := db.ListMail(ctx, 10); len(ms) != 2 {
			t.Fatalf("outbox = %d messages", len(ms))
		}
	})
}

// TestRegistrationQuotaBurst sends many registrations at once against a
// quota of N: exactly N are accepted.
func TestRegistrationQuotaBurst(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		const quota, burst = 3, 12
		d := newDelegation(t, db, 1, "FR", map[string]int{"delegate": quota})
		var wg sync.WaitGroup
		var mu sync.Mutex
		var ok, refused int
		var other []error
		for i := range burst {
			wg.Go(func() {
				_, err := register(db, t, d.ID, fmt.Sprintf("person %d", i), "delegate")
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case errors.Is(err, store.ErrQuotaExceeded):
					refused++
				default:
					other = append(other, err)
				}
			})
		}
		wg.Wait()
		if ok != quota || refused != burst-quota || len(other) > 0 {
			t.Fatalf("accepted %d, refused %d, errors %v; want %d accepted", ok, refused, other, quota)
		}
	})
}

func TestPrecedenceRecord(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		p, err := db.GetPrecedence(ctx, 3)
		if err != nil || p.Method != store.PrecedenceAlphabetical || p.Lang != "en" {
			t.Fatalf("default precedence = %+v, %v", p, err)
		}
		a := newDelegation(t, db, 3, "YE", nil)
		b := newDelegation(t, db, 4, "FR", nil)
		if _, err := db.RecordDraw(ctx, 3, b.ID, store.AuditEntry{Actor: "p", Action: "precedence.draw"}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("draw of another event's delegation: %v", err)
		}
		p, err = db.RecordDraw(ctx, 3, a.ID, store.AuditEntry{Actor: "p", Action: "precedence.draw"})
		if err != nil || p.StartDelegation != a.ID || p.DrawnAt.IsZero() {
			t.Fatalf("draw = %+v, %v", p, err)
		}
		// Changing the language keeps the draw; leaving alphabetical drops it.
		if p, err = db.SetPrecedence(ctx, store.Precedence{EventID: 3, Method: store.PrecedenceAlphabetical, Lang: "fr"},
			store.AuditEntry{Actor: "p", Action: "precedence.set"}); err != nil || p.StartDelegation != a.ID {
			t.Fatalf("language changed = %+v, %v", p, err)
		}
		if p, err = db.SetPrecedence(ctx, store.Precedence{EventID: 3, Method: store.PrecedenceManual, Lang: "fr"},
			store.AuditEntry{Actor: "p", Action: "precedence.set"}); err != nil || p.StartDelegation != 0 {
			t.Fatalf("manual = %+v, %v", p, err)
		}
		if got, _ := db.GetPrecedence(ctx, 3); got.Method != store.PrecedenceManual || got.Lang != "fr" || !got.DrawnAt.IsZero() {
			t.Fatalf("stored = %+v", got)
		}
		c := newDelegation(t, db, 3, "VN", nil)
		if err := db.SetManualOrder(ctx, 3, []int64{c.ID, a.ID}, store.AuditEntry{Actor: "p", Action: "precedence.manual"}); err != nil {
			t.Fatal(err)
		}
		if err := db.SetManualOrder(ctx, 3, []int64{b.ID}, store.AuditEntry{Actor: "p", Action: "precedence.manual"}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("manual order with another event's delegation: %v", err)
		}
		ds, _ := db.ListDelegations(ctx, 3)
		if ds[0].ManualRank != 2 || ds[1].ManualRank != 1 {
			t.Fatalf("ranks = %d, %d", ds[0].ManualRank, ds[1].ManualRank)
		}
	})
}

func TestMailOutbox(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := t.Context()
		if err := db.EnqueueMail(ctx, store.OutboxMail{Recipient: "a@example.org", Message: []byte("one")},
			store.OutboxMail{Recipient: "b@example.org", Message: []byte("two")}); err != nil {
			t.Fatal(err)
		}
		got, err := db.ClaimMail(ctx, 10, time.Minute)
		if err != nil || len(got) != 2 || got[0].Attempts != 1 || string(got[1].Message) != "two" {
			t.Fatalf("claimed = %+v, %v", got, err)
		}
		// Held by the lease: nobody else takes them.
		if again, _ := db.ClaimMail(ctx, 10, time.Minute); len(again) != 0 {
			t.Fatalf("claimed twice: %+v", again)
		}
		if err := db.MarkMailSent(ctx, got[0].ID); err != nil {
			t.Fatal(err)
		}
		if err := db.MarkMailFailed(ctx, got[1].ID, "421 try later", clock.Now().Add(30*time.Second)); err != nil {
			t.Fatal(err)
		}
		clock.Advance(31 * time.Second)
		retry, err := db.ClaimMail(ctx, 10, time.Minute)
		if err != nil || len(retry) != 1 || retry[0].ID != got[1].ID || retry[0].Attempts != 2 || retry[0].LastError != "421 try later" {
			t.Fatalf("retry = %+v, %v", retry, err)
		}
		// A sender that died: its lease runs out and the message is taken again.
		clock.Advance(2 * time.Minute)
		if again, _ := db.ClaimMail(ctx, 10, time.Minute); len(again) != 1 || again[0].Attempts != 3 {
			t.Fatalf("after the lease = %+v", again)
		}
	})
}
