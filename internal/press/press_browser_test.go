package press_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/browsertest"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/publishing/pubtest"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
	"github.com/mofa-vn/chancery/locales"
)

// A press officer in Chromium: live counts per network while typing, every
// press page free of serious accessibility violations in English and
// Arabic, and rescheduling on the calendar by drag and by keyboard.
func TestBrowserPressOffice(t *testing.T) {
	clock := storetest.NewClock(time.Now())
	db := storetest.OpenWithClock(t, store.BackendSQLite, clock.Now)
	net := pubtest.New(social.X, social.Limits{MaxLength: 280})
	ts := newPressServer(t, db, clock, net)
	cat, err := lang.NewCatalog(locales.FS, "vi")
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, ts)
	b.AcceptDialogs(t) // leaving a composed form asks first
	officer := ts.addUser("olivia", "officer-password-1", account.RolePressOfficer)
	approver := ts.addUser("arthur", "approver-password-1", account.RoleApprover)
	ch, err := ts.pub.CreateChannel(t.Context(), publishing.ActorOf(officer), publishing.ChannelInput{Network: "x", Name: "X MOFA",
		Languages: []string{"en", "ar"}, TimeZone: "Europe/Paris"})
	if err != nil {
		t.Fatal(err)
	}
	// One statement scheduled for tomorrow, to move on the calendar.
	due := clock.Now().UTC().Add(24 * time.Hour).Truncate(time.Minute)
	st, err := ts.pub.SaveStatement(t.Context(), publishing.ActorOf(officer), 0, publishing.StatementInput{DueAt: due,
		Variants: []publishing.VariantInput{{Lang: "en", Title: "Scheduled one", Body: "Scheduled"}}, Targets: []int64{ch.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if err := ts.pub.Submit(t.Context(), publishing.ActorOf(officer), st.ID); err != nil {
		t.Fatal(err)
	}
	st, _ = db.GetStatement(t.Context(), st.ID)
	if _, err := ts.pub.Approve(t.Context(), publishing.ActorOf(approver), st.ID, st.ContentHash); err != nil {
		t.Fatal(err)
	}

	b.Open(t, "/signin")
	b.SignIn(t, "olivia", "officer-password-1")
	b.Open(t, "/lang/en?next=/press/compose")
	b.Do(t, "choose the X channel and type", chromedp.Click(chromedp.CSS(fmt.Sprintf("#t-%d", ch.ID))),
		chromedp.SendKeys(chromedp.CSS("#body_en"), "Hello"))
	b.WaitFor(t, "the live X count", `document.querySelector("#count_en")?.innerText.includes("X MOFA: 5 / 280")`)
	b.WaitFor(t, "the X post in the preview", `document.querySelector('.variant[data-lang="en"] .preview .post-x .post-text')?.innerText === "Hello"`)

	for _, code := range []string{"en", "ar"} {
		for _, path := range []string{"/press", "/press/compose", "/press/queue", "/press/calendar", "/press/calendar?view=month", "/press/channels", fmt.Sprintf("/press/statements/%d", st.ID)} {
			b.Open(t, "/lang/"+code+"?next="+path)
			browsertest.AssertNoSeriousViolations(t, b.Ctx, code+" "+path)
		}
	}

	// Keyboard: type a new time and press the Move button.
	pub, err := db.ListPublications(t.Context(), store.QueueFilter{StatementID: st.ID})
	if err != nil || len(pub) != 1 {
		t.Fatal(err)
	}
	start := due.Format("2006-01-02")
	b.Open(t, "/lang/en?next="+fmt.Sprintf("/press/calendar?start=%s", start))
	moved := due.Add(2 * time.Hour).UTC()
	b.Do(t, "type a new time", chromedp.SetValue(chromedp.CSS(fmt.Sprintf("#m-%d", pub[0].ID)), moved.Format("2006-01-02T15:04")))
	b.Follow(t, "press Move", chromedp.Click(chromedp.CSS(fmt.Sprintf("#m-%d + button", pub[0].ID))))
	if p, _ := db.GetPublication(t.Context(), pub[0].ID); !p.DueAt.Equal(moved) || p.State != store.StateSubmitted {
		t.Fatalf("after Move: due %v (%s), want %v, awaiting approval again", p.DueAt, p.State, moved)
	}
	// The approval covered the old time: the page says it must be approved again.
	b.WaitFor(t, "the re-approval notice", fmt.Sprintf(`document.querySelector('.notice[role="status"]')?.innerText === %q`,
		cat.T("en", "press_notice_reapproval_to", map[string]any{"Title": "Scheduled one", "Channel": "X MOFA",
			"When": lang.FormatDateTime("en", moved, time.UTC, lang.Full)})))

	// Drag: the publication to the next day (or the one before, from a
	// Sunday) keeps its time of day.
	b.Open(t, "/lang/en?next="+fmt.Sprintf("/press/calendar?start=%s", start))
	next := moved.AddDate(0, 0, 1)
	if moved.Weekday() == time.Sunday { // the week shown ends on Sunday
		next = moved.AddDate(0, 0, -1)
	}
	b.Follow(t, "drag to the next day", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
		const item = document.querySelector('[data-pub="%d"]');
		const day = document.querySelector('td[data-date="%s"][data-hour="%d"]');
		const dt = new DataTransfer();
		item.dispatchEvent(new DragEvent('dragstart', {bubbles: true, dataTransfer: dt}));
		day.dispatchEvent(new DragEvent('dragover', {bubbles: true, cancelable: true, dataTransfer: dt}));
		day.dispatchEvent(new DragEvent('drop', {bubbles: true, cancelable: true, dataTransfer: dt}));
	})()`, pub[0].ID, next.Format("2006-01-02"), next.Hour())))
	b.WaitFor(t, "the page after the drop", `location.search.includes("notice=moved")`)
	if p, _ := db.GetPublication(t.Context(), pub[0].ID); !p.DueAt.Equal(next) {
		t.Fatalf("after drag: due %v, want %v", p.DueAt, next)
	}
}
