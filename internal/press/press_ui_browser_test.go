package press_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

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

// pressUIFixture is a press office with an X channel (English and
// Vietnamese: 280 characters, threads, no link cards) and a Facebook
// channel (Vietnamese: link cards, no threads), each served by a fake
// network with those limits, and an officer and an approver.
type pressUIFixture struct {
	ts               *site
	db               *store.DB
	clock            *storetest.Clock
	cat              *lang.Catalog
	officer, approve account.User
	x, fb            publishing.Channel
	xNet             *pubtest.Network
}

func newPressUI(t *testing.T, extras ...siteExtra) *pressUIFixture {
	t.Helper()
	clock := storetest.NewClock(time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC)) // Monday 08:00 in Ha Noi
	db := storetest.OpenWithClock(t, store.BackendSQLite, clock.Now)
	ui := pubtest.NewUINetworks()
	ts := newSite(t, db, clock, ui.Resolve, extras...)
	cat, err := lang.NewCatalog(locales.FS, "vi")
	if err != nil {
		t.Fatal(err)
	}
	f := &pressUIFixture{ts: ts, db: db, clock: clock, cat: cat, xNet: ui.XNet}
	f.officer = ts.addUser("olivia", "officer-password-1", account.RolePressOfficer)
	f.approve = ts.addUser("arthur", "approver-password-1", account.RoleApprover)
	ui.Channels(t, ts.pub, f.officer)
	f.x, f.fb = ui.X, ui.Facebook
	return f
}

// A press officer composes in Vietnamese and English: tabs by keyboard, the
// Vietnamese source beside the English translation, a preview per network
// cut as the publisher cuts it (a thread of two X posts, the Facebook post
// with its link card), a limit that turns red naming the network and the
// language, the draft saving on its own with the time, and a warning
// before leaving unsaved changes.
func TestBrowserPressComposerPreviews(t *testing.T) {
	f := newPressUI(t)
	b := newBrowser(t, f.ts)
	dl := b.AcceptDialogs(t)
	b.Open(t, "/signin")
	b.SignIn(t, "olivia", "officer-password-1")
	b.Open(t, "/lang/vi?next=/press/compose")
	b.Do(t, "choose both channels, give the portal article, write in Vietnamese",
		chromedp.Click(chromedp.CSS(fmt.Sprintf("#t-%d", f.x.ID))),
		chromedp.Click(chromedp.CSS(fmt.Sprintf("#t-%d", f.fb.ID))),
		chromedp.SendKeys(chromedp.CSS("#article_url"), "https://mofa.gov.vn/vi/news/asean-2026"),
		chromedp.Click(chromedp.CSS("#tab-vi")),
		chromedp.SendKeys(chromedp.CSS("#title_vi"), "Tuyên bố về ASEAN"),
		chromedp.SendKeys(chromedp.CSS("#body_vi"), "Việt Nam hoan nghênh Hội nghị ASEAN.\n---\nChi tiết sẽ được công bố sau."))
	// X takes threads and shows no link card: the article's address ends
	// the first post.
	b.WaitFor(t, "a thread of two X posts in Vietnamese", `(() => {
		const ps = document.querySelectorAll('#panel-vi .preview .post-x');
		return ps.length === 2 && ps[0].querySelector('.post-text').innerText === "Việt Nam hoan nghênh Hội nghị ASEAN.\n\nhttps://mofa.gov.vn/vi/news/asean-2026"
			&& ps[1].querySelector('.post-text').innerText === "Chi tiết sẽ được công bố sau." && ps[1].querySelector('.post-part') !== null
			&& ps[0].querySelector('.link-card') === null; })()`)
	// Facebook takes no threads: the preview says so, naming the channel,
	// until the officer gives Facebook a text of its own.
	b.WaitFor(t, "Facebook refusing the thread", fmt.Sprintf(`document.querySelector('#panel-vi .preview .post-thread[data-channel="%d"] .post-problem')?.innerText === %s`,
		f.fb.ID, browsertest.JSString(f.cat.T("vi", "press_error_no_threads", map[string]any{"Channel": "Bộ Ngoại giao"}))))
	b.Do(t, "write the Facebook version", chromedp.Evaluate[chromedp.Void](`document.querySelector('#panel-vi .overrides').open = true`),
		chromedp.SendKeys(chromedp.CSS(fmt.Sprintf("#override_%d_vi", f.fb.ID)), "Việt Nam hoan nghênh Hội nghị ASEAN. Chi tiết sẽ được công bố sau."))
	b.WaitFor(t, "the Facebook post whole, with the account's name and its link card", `(() => {
		const p = document.querySelector('#panel-vi .preview .post-facebook');
		return p && p.querySelector('.post-name').innerText === "Bộ Ngoại giao" && p.querySelector('.avatar').innerText === "BN"
			&& p.querySelector('.link-host')?.innerText === "mofa.gov.vn"; })()`)
	// Arrow keys move between the tabs: Vietnamese is the first, English
	// the next.
	b.Do(t, "move to the English tab with the keyboard", chromedp.Focus(chromedp.CSS("#tab-vi")), chromedp.KeyEvent(kb.ArrowRight))
	b.WaitFor(t, "the English tab open", `document.activeElement.id === "tab-en" && !document.querySelector('#panel-en').hidden && document.querySelector('#panel-vi').hidden`)
	b.WaitFor(t, "the Vietnamese source beside the English text", `document.querySelector('#panel-en .source-body').innerText.startsWith("Việt Nam hoan nghênh") && document.querySelector('#panel-en .source-box').lang === "vi"`)
	long := strings.Repeat("Viet Nam welcomes the ASEAN summit. ", 9)
	n := len(strings.TrimSpace(long)) + len("\n\nhttps://mofa.gov.vn/vi/news/asean-2026") // the article's address ends the post
	b.Do(t, "write an English text too long for X", chromedp.SendKeys(chromedp.CSS("#body_en"), long))
	want := f.cat.T("vi", "press_preview_over", map[string]any{"Network": "X", "Channel": "MOFA Viet Nam", "Lang": "English", "Count": n, "Max": 280})
	b.WaitFor(t, "the limit in red, naming the network and the language", fmt.Sprintf(`(() => {
		const p = document.querySelector('#panel-en .preview .post-x.over');
		return p && p.querySelector('.post-limit')?.innerText === %s && getComputedStyle(p.querySelector('.post-count')).color === "rgb(155, 28, 28)"
			&& document.querySelector('#tab-en').classList.contains('over'); })()`, browsertest.JSString(want)))
	if got := browsertest.Eval[string](t, b.Tab, `document.querySelector('#count_en').innerText`); !strings.Contains(got, fmt.Sprintf("MOFA Viet Nam: ⚠ %d / 280", n)) {
		t.Errorf("English count line %q", got)
	}
	// Leaving the field saves the draft on its own; the status says when,
	// in the officer's zone (UTC here: 01:00).
	b.Do(t, "leave the field", chromedp.Focus(chromedp.CSS("#category")))
	wantSaved := f.cat.T("vi", "press_autosave_saved", map[string]any{"Time": "01:00"})
	b.WaitFor(t, "the autosave status", fmt.Sprintf(`document.querySelector('#autosave-status').innerText === %s`, browsertest.JSString(wantSaved)))
	b.WaitFor(t, "the address of the saved draft", `/^\/press\/statements\/\d+$/.test(location.pathname)`)
	// An earlier autosave may have caught the form half typed: wait for
	// the one after the last change (at most one every 10 s).
	var st store.Statement
	for deadline := time.Now().Add(browsertest.ActionTimeout); ; time.Sleep(100 * time.Millisecond) {
		sts, err := f.db.ListStatements(t.Context(), 10)
		if err != nil || len(sts) != 1 {
			t.Fatalf("statements after autosave: %v %v", sts, err)
		}
		st = sts[0]
		if len(st.Variants) == 2 && len(st.Overrides) == 1 || time.Now().After(deadline) {
			break
		}
	}
	if st.State != store.StateDraft || len(st.Variants) != 2 || len(st.Overrides) != 1 || st.ArticleURL != "https://mofa.gov.vn/vi/news/asean-2026" || len(st.Targets) != 2 {
		t.Fatalf("autosaved statement %+v", st)
	}
	b.Do(t, "back to the top", chromedp.Evaluate[chromedp.Void](`document.activeElement.blur(); window.scrollTo(0, document.querySelector('.variants-set').offsetTop - 10)`))
	b.Screenshot(t, "press-composer-vi.png", 1280, 800)
	browsertest.AssertNoSeriousViolations(t, b.Ctx, "vi composer with previews")

	// A change not yet saved: leaving warns.
	b.Do(t, "change the English text", chromedp.SendKeys(chromedp.CSS("#body_en"), "!"))
	if !browsertest.Eval[bool](t, b.Tab, `(() => { const e = new Event('beforeunload', {cancelable: true}); window.dispatchEvent(e); return e.defaultPrevented; })()`) {
		t.Fatal("leaving with unsaved changes does not warn")
	}
	b.Open(t, fmt.Sprintf("/lang/en?next=/press/statements/%d", st.ID))
	if !dl.Seen("beforeunload") {
		t.Error("no warning before leaving unsaved changes")
	}
	for _, code := range []string{"en", "ar"} {
		b.Open(t, fmt.Sprintf("/lang/%s?next=/press/statements/%d", code, st.ID))
		b.WaitFor(t, code+" previews", `document.querySelectorAll('.preview .post-x').length >= 3`)
		browsertest.AssertNoSeriousViolations(t, b.Ctx, code+" composer with previews")
		b.Do(t, "scroll to the languages", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, document.querySelector('.variants-set').offsetTop - 10)`))
		b.Screenshot(t, "press-composer-"+code+".png", 1280, 800)
	}
	b.Do(t, "a phone's width", chromedp.EmulateViewport(375, 812))
	b.Open(t, fmt.Sprintf("/lang/vi?next=/press/statements/%d", st.ID))
	b.WaitFor(t, "vi previews on a phone", `document.querySelectorAll('.preview .post-x').length >= 2`)
	if w := browsertest.Eval[float64](t, b.Tab, `document.documentElement.scrollWidth`); w > 375 {
		t.Errorf("the composer is %v px wide on a 375 px phone", w)
	}
	b.Screenshot(t, "press-composer-vi-375.png", 375, 812)
}

// cleared makes a statement in English and Vietnamese for the channels,
// due at due, and has it approved (pubtest.Cleared).
func (f *pressUIFixture) cleared(t *testing.T, title string, due time.Time, channels ...int64) store.Statement {
	t.Helper()
	return pubtest.Cleared(t, f.ts.pub, f.db, f.officer, f.approve, title, due, channels...)
}

// An officer in Ha Noi moves a cleared publication on the week grid with
// the keyboard alone: arrows carry the chip a day on and an hour later,
// Escape puts a move back, Enter confirms; the server moves it and, as the
// approval covered the time, sends the statement back for approval, and
// the page says so. The grid filters by channel; week and month pass axe in
// Vietnamese, English and Arabic.
func TestBrowserPressCalendarKeyboard(t *testing.T) {
	f := newPressUI(t)
	if _, err := f.db.UpdateUser(t.Context(), withZone(t, f.db, "olivia", "Asia/Ho_Chi_Minh")); err != nil {
		t.Fatal(err)
	}
	hanoi, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	due := time.Date(2026, 12, 8, 9, 30, 0, 0, hanoi) // Tuesday
	st := f.cleared(t, "Statement on the Mekong", due, f.x.ID)
	other := f.cleared(t, "Lời chia buồn", due.Add(26*time.Hour), f.fb.ID)
	pubs, err := f.db.ListPublications(t.Context(), store.QueueFilter{StatementID: st.ID})
	if err != nil || len(pubs) != 1 {
		t.Fatal(pubs, err)
	}
	pub := pubs[0]
	b := newBrowser(t, f.ts)
	b.Open(t, "/signin")
	b.SignIn(t, "olivia", "officer-password-1")
	b.Open(t, "/lang/en?next=/press/calendar")
	chip := fmt.Sprintf(`.chip[data-pub="%d"]`, pub.ID)
	b.WaitFor(t, "the chip on Tuesday at 09:00", fmt.Sprintf(`document.querySelector('td[data-date="2026-12-08"][data-hour="9"] %s') !== null`, chip))
	if got := b.Text(t, ".cal-zone"); !strings.Contains(got, "Asia/Ho_Chi_Minh") || strings.Count(browsertest.Eval[string](t, b.Tab, `document.querySelector('main').innerText`), "Asia/Ho_Chi_Minh") != 1 {
		t.Errorf("the zone should be named once: %q", got)
	}
	b.Screenshot(t, "press-calendar-week-en.png", 1280, 800)

	// Escape puts a move back.
	b.Do(t, "start a move and cancel it", chromedp.Focus(chromedp.CSS(chip)), chromedp.KeyEvent(kb.ArrowLeft), chromedp.KeyEvent(kb.Escape))
	b.WaitFor(t, "the chip back on Tuesday", fmt.Sprintf(`document.querySelector('td[data-date="2026-12-08"][data-hour="9"] %s') !== null`, chip))

	b.Do(t, "move a day on and an hour later", chromedp.Focus(chromedp.CSS(chip)), chromedp.KeyEvent(kb.ArrowRight), chromedp.KeyEvent(kb.ArrowDown))
	b.WaitFor(t, "the chip on Wednesday at 10:00, said aloud", fmt.Sprintf(`document.querySelector('td[data-date="2026-12-09"][data-hour="10"] %s') === document.activeElement
		&& document.querySelector('#drag-status').innerText.includes("2026-12-09 10:30")`, chip))
	b.Follow(t, "confirm with Enter", chromedp.KeyEvent(kb.Enter))
	got, err := f.db.GetPublication(t.Context(), pub.ID)
	if want := time.Date(2026, 12, 9, 10, 30, 0, 0, hanoi); err != nil || !got.DueAt.Equal(want) || got.State != store.StateSubmitted {
		t.Fatalf("after the keyboard move: due %v state %s (%v), want %v and awaiting approval again", got.DueAt, got.State, err, want)
	}
	wantNotice := f.cat.T("en", "press_notice_reapproval_to", map[string]any{"Title": "Statement on the Mekong", "Channel": "MOFA Viet Nam",
		"When": lang.FormatDateTime("en", got.DueAt, hanoi, lang.Full)})
	if n := b.Text(t, ".notice"); n != browsertest.Squash(wantNotice) {
		t.Fatalf("notice %q, want %q", n, wantNotice)
	}
	b.WaitFor(t, "the chip in its new place, awaiting approval", fmt.Sprintf(`document.querySelector('td[data-date="2026-12-09"][data-hour="10"] %s.state-submitted') !== null`, chip))
	if st2, _ := f.db.GetStatement(t.Context(), st.ID); st2.State != store.StateSubmitted {
		t.Fatalf("statement after the move: %s", st2.State)
	}

	// The filter by channel leaves the other channel's chip out.
	b.Open(t, fmt.Sprintf("/press/calendar?channel=%d", f.fb.ID))
	if n := browsertest.Eval[float64](t, b.Tab, `document.querySelectorAll('.chip').length`); n != 1 || !strings.Contains(b.Text(t, ".chip"), "Lời chia buồn") {
		t.Fatalf("filtered by the Facebook channel: %v chips", n)
	}
	if other.ID == 0 {
		t.Fatal("no second statement")
	}
	for _, code := range []string{"vi", "en", "ar"} {
		for _, view := range []string{"week", "month"} {
			b.Open(t, fmt.Sprintf("/lang/%s?next=%s", code, url.QueryEscape("/press/calendar?view="+view)))
			browsertest.AssertNoSeriousViolations(t, b.Ctx, code+" calendar "+view)
			if code != "en" || view != "week" {
				b.Screenshot(t, fmt.Sprintf("press-calendar-%s-%s.png", view, code), 1280, 800)
			}
		}
	}
	b.Do(t, "a phone's width", chromedp.EmulateViewport(375, 812))
	b.Open(t, "/lang/vi?next=/press/calendar")
	if w := browsertest.Eval[float64](t, b.Tab, `document.documentElement.scrollWidth`); w > 375 {
		t.Errorf("the calendar page is %v px wide on a 375 px phone", w)
	}
	b.Screenshot(t, "press-calendar-week-vi-375.png", 375, 812)
}

// The emergency pause from the status board: a quiet link opens a page
// that names what the pause will hold; confirming pauses everything and
// the board says so. The page passes axe in three languages.
func TestBrowserPressPauseConfirmation(t *testing.T) {
	f := newPressUI(t)
	// One publication failed: the board puts it first, with the reason.
	f.cleared(t, "Statement on the floods", f.clock.Now().Add(time.Hour), f.x.ID)
	f.xNet.Now = f.clock.Now
	f.xNet.Script(pubtest.Step{Fail: true, Class: social.AuthExpired, Reason: "the access token was revoked"})
	f.clock.Advance(time.Hour)
	if _, err := f.ts.pub.Dispatch(t.Context()); err != nil {
		t.Fatal(err)
	}
	f.cleared(t, "Statement on the Mekong", f.clock.Now().Add(3*time.Hour), f.x.ID, f.fb.ID)
	b := newBrowser(t, f.ts)
	b.Open(t, "/signin")
	b.SignIn(t, "olivia", "officer-password-1")
	for _, code := range []string{"vi", "ar"} {
		b.Open(t, "/lang/"+code+"?next=/press/pause")
		browsertest.AssertNoSeriousViolations(t, b.Ctx, code+" pause confirmation")
		b.Screenshot(t, "press-pause-"+code+".png", 1280, 800)
		b.Open(t, "/lang/"+code+"?next=/press")
		b.WaitFor(t, code+" board with the failure first", `document.querySelector('.attention .attention-why')?.innerText.includes("the access token was revoked")`)
		browsertest.AssertNoSeriousViolations(t, b.Ctx, code+" status board")
		b.Screenshot(t, "press-board-"+code+".png", 1280, 800)
	}
	b.Open(t, "/lang/en?next=/press")
	browsertest.AssertNoSeriousViolations(t, b.Ctx, "en status board")
	b.Screenshot(t, "press-board-en.png", 1280, 800)
	b.Follow(t, "open the emergency pause", chromedp.Click(chromedp.CSS("#pause-open")))
	if got, want := b.Text(t, ".confirm-lede"), browsertest.Squash(f.cat.T("en", "press_pause_confirm_holds", map[string]any{"Count": 2})); got != want {
		t.Fatalf("the confirmation says %q, want %q", got, want)
	}
	if n := browsertest.Eval[float64](t, b.Tab, `document.querySelectorAll('.held-list li').length`); n != 2 {
		t.Fatalf("%v publications listed, want both", n)
	}
	browsertest.AssertNoSeriousViolations(t, b.Ctx, "en pause confirmation")
	b.Screenshot(t, "press-pause-en.png", 1280, 800)
	if bn, _ := f.ts.pub.Banner(t.Context()); bn.Org {
		t.Fatal("paused before confirming")
	}
	b.Do(t, "give the reason", chromedp.SendKeys(chromedp.CSS("#pause-reason"), "Account hijack suspected"))
	b.Follow(t, "confirm", chromedp.Click(chromedp.CSS("#pause-confirm")))
	if got, want := b.Text(t, ".notice"), browsertest.Squash(f.cat.T("en", "press_notice_paused_all", nil)); got != want {
		t.Fatalf("after the pause: %q, want %q", got, want)
	}
	if bn, err := f.ts.pub.Banner(t.Context()); err != nil || !bn.Org || bn.Reason != "Account hijack suspected" {
		t.Fatalf("banner %+v %v", bn, err)
	}
}
