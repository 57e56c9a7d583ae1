package conference_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/browsertest"
	"github.com/mofa-vn/chancery/internal/config"
	"github.com/mofa-vn/chancery/internal/store"
)

// TestBrowserRecordingsPage is an administrator in Chromium opening a
// room's recordings from its page, starting and stopping a recording, and
// finding it listed with the disk use; the page passes axe-core in English
// and Arabic (right to left) and on a phone, and screenshots are saved.
func TestBrowserRecordingsPage(t *testing.T) {
	const password = "correct horse battery staple"
	dir := t.TempDir()
	b := newBrowserWith(t, func(c *config.Config) { c.Conference.RecordingDir = dir }, browsertest.WindowSize(1280, 900))
	b.ts.AddUser("chief", password, account.RoleAdmin)
	if _, err := b.ts.db.CreateRoom(t.Context(), store.Room{Slug: "plenary", Title: "Plenary"}); err != nil {
		t.Fatal(err)
	}
	b.chooseLanguage(t, mustLang(t, "en"), "/signin?next=/admin/rooms/plenary")
	b.SignIn(t, "chief", password)
	b.Follow(t, "open the recordings", chromedp.Click(chromedp.CSS(`#recordings-link`)))
	if got := b.Location(t); got != "/admin/rooms/plenary/recordings" {
		t.Fatalf("the link leads to %s", got)
	}
	browsertest.AssertNoSeriousViolations(t, b.Ctx, "recordings page, none yet")
	b.Follow(t, "start recording", chromedp.Click(chromedp.CSS(`form[action$="/recordings/start"] button`)))
	if s := b.Text(t, "#recording-state"); s != "● Recording" {
		t.Fatalf("state after start: %q", s)
	}
	browsertest.AssertNoSeriousViolations(t, b.Ctx, "recordings page, recording")
	b.Screenshot(t, "recordings-en-recording-1280.png", 1280, 900)
	b.Follow(t, "stop recording", chromedp.Click(chromedp.CSS(`form[action$="/recordings/stop"] button`)))
	if n := browsertest.Eval[int](t, b.Tab, `document.querySelectorAll('article').length`); n != 1 {
		t.Fatalf("%d recordings listed, want 1", n)
	}
	if d := b.Text(t, "#disk"); d == "" {
		t.Error("no disk use shown")
	}
	b.chooseLanguage(t, mustLang(t, "ar"), "/admin/rooms/plenary/recordings")
	if dir := browsertest.Eval[string](t, b.Tab, `document.documentElement.dir`); dir != "rtl" {
		t.Errorf("Arabic page dir = %q", dir)
	}
	browsertest.AssertNoSeriousViolations(t, b.Ctx, "recordings page in ar")
	b.Screenshot(t, "recordings-ar-1280.png", 1280, 900)
	b.Do(t, "phone size", chromedp.EmulateViewport(375, 740))
	if !browsertest.Eval[bool](t, b.Tab, noSideScroll) {
		t.Errorf("the phone page scrolls sideways: %s", browsertest.Eval[string](t, b.Tab, tooWide))
	}
	browsertest.AssertNoSeriousViolations(t, b.Ctx, "recordings page in ar on a phone")
	b.Screenshot(t, "recordings-ar-375.png", 375, 740)
}
