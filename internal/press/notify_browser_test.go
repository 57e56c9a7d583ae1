package press_test

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/mofa-vn/chancery/internal/browsertest"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/notify"
	"github.com/mofa-vn/chancery/internal/publishing"
)

// A press officer whose channel an approver paused sees the badge on every
// page, opens the list from it, reads what happened and marks it read with
// the keyboard; the choices say there is no mail server here and keep what
// she unticks. The list passes axe in Vietnamese, English and Arabic and
// fits a 375 px phone.
func TestBrowserNotifications(t *testing.T) {
	// The notifications as the server wires them: the badge on every
	// page (the kit's Unread) and the list's pages.
	var notes *notify.Service
	f := newPressUI(t, func(s *site, kit *httpx.Kit, mux *httpx.Router) {
		notes = &notify.Service{DB: s.db, Cat: kit.Cat, Log: kit.Log, Now: s.clock.Now, PublicURL: func() string { return s.URL }}
		kit.Unread = notes.Unread
		notify.NewHandlers(notes, kit).Routes(mux)
	})
	f.cleared(t, "Statement on the floods", f.clock.Now().Add(3*time.Hour), f.x.ID)
	if err := f.ts.pub.Pause(t.Context(), publishing.ActorOf(f.approve), f.x.ID, "Breaking news in the region"); err != nil {
		t.Fatal(err)
	}
	if _, err := notes.Process(t.Context()); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, f.ts)
	b.Open(t, "/signin")
	b.SignIn(t, "olivia", "officer-password-1")
	b.Open(t, "/lang/en?next=/press/channels")
	if got := b.Text(t, ".notify-badge"); got != "1" {
		t.Errorf("badge %q, want 1", got)
	}
	if got, want := b.Text(t, ".notify-link .visually-hidden"), f.cat.N("en", "notify_nav_unread", 1, nil); got != want {
		t.Errorf("screen readers hear %q, want %q", got, want)
	}
	b.Follow(t, "open the list from the badge", chromedp.Click(chromedp.CSS(".notify-link")))
	b.WaitFor(t, "the pause listed", `document.querySelector('.notify-item.unread[data-kind="paused"]')?.innerText.includes("Breaking news in the region")`)
	for _, code := range []string{"vi", "ar", "en"} {
		b.Open(t, "/lang/"+code+"?next=/press/notifications")
		browsertest.AssertNoSeriousViolations(t, b.Ctx, code+" notifications")
		b.Screenshot(t, "notify-list-"+code+".png", 1280, 800)
	}
	if got, want := b.Text(t, "#notify-no-mail"), browsertest.Squash(f.cat.T("en", "notify_mail_off", nil)); got != want {
		t.Errorf("settings without a mail server say %q, want %q", got, want)
	}

	// Mark it read with the keyboard alone.
	b.Do(t, "focus mark-read", chromedp.Focus(chromedp.CSS(".notify-item form button")))
	b.Follow(t, "press Enter", chromedp.KeyEvent(kb.Enter))
	b.WaitFor(t, "read", `!document.querySelector('.notify-item.unread') && !document.querySelector('.notify-badge')`)
	if n, _ := notes.Unread(t.Context(), f.officer); n != 0 {
		t.Errorf("%d unread after marking read", n)
	}

	// Untick "paused" in the app and save.
	b.Do(t, "untick paused", chromedp.Click(chromedp.CSS("#app_paused")))
	b.Follow(t, "save the choices", chromedp.Click(chromedp.CSS("#notify-save")))
	b.WaitFor(t, "saved", `document.querySelector('.notice[role=status]') && !document.querySelector('#app_paused').checked && document.querySelector('#app_published').checked`)
	prefs, err := f.db.NotifyPrefs(t.Context(), f.officer.ID)
	if err != nil {
		t.Fatal(err)
	}
	if p := prefs["paused"]; p.InApp || !p.ByMail {
		t.Errorf("saved %+v: want the app off and mail kept (its boxes are disabled without a mail server)", p)
	}

	b.Do(t, "a phone's width", chromedp.EmulateViewport(375, 812))
	b.Open(t, "/lang/ar?next=/press/notifications")
	if w := browsertest.Eval[float64](t, b.Tab, `document.documentElement.scrollWidth`); w > 375 {
		t.Errorf("the notifications are %v px wide on a 375 px phone", w)
	}
	b.Screenshot(t, "notify-list-ar-375.png", 375, 812)
}
