package conference_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/browsertest"
)

// noSideScroll holds when the page is no wider than the window.
const noSideScroll = `document.scrollingElement.scrollWidth <= window.innerWidth`

// tooWide names the elements that stick out of the window, for a failure.
const tooWide = `[...document.querySelectorAll('body *')].filter(e => {
	if (e.parentElement.closest('.table-scroll')) return false;
	const r = e.getBoundingClientRect();
	return r.right > innerWidth + 1 || r.left < -1;
}).slice(0, 8).map(e => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().width)).join(', ')`

// TestBrowserRoomManagement is an administrator managing a room in
// Chromium: creating it, renaming it in Arabic (right to left), issuing
// invitations for a pasted list, and seeing, without reloading, a delegate
// who opened one of the links (a second Chromium with a fake camera) wait
// in the lobby. The list, new-room and room pages pass axe-core in
// Vietnamese, English and Arabic at 1280 px and on a 375 px phone, where
// nothing scrolls sideways; screenshots of each are saved.
func TestBrowserRoomManagement(t *testing.T) {
	const password = "correct horse battery staple"
	b := newBrowser(t, browsertest.WindowSize(1280, 900))
	b.ts.AddUser("chief", password, account.RoleAdmin)
	const slug = "g20-side-2026"
	page := "/admin/rooms/" + slug

	b.chooseLanguage(t, mustLang(t, "en"), "/signin?next=/admin/rooms")
	b.SignIn(t, "chief", password)
	if got := b.Location(t); got != "/admin/rooms" {
		t.Fatalf("signing in lands on %s", got)
	}
	b.Follow(t, "open the new-room page", chromedp.Click(chromedp.CSS(`a[href="/admin/rooms/new"]`)))
	b.Do(t, "fill in the new room",
		chromedp.SendKeys(chromedp.CSS("#slug"), slug),
		chromedp.SendKeys(chromedp.CSS("#title"), "G20 side meeting"),
		chromedp.SendKeys(chromedp.CSS("#title_vi"), "Cuộc họp bên lề G20"),
	)
	b.Follow(t, "create the room", chromedp.Click(chromedp.CSS(`form[action="/admin/rooms"] button[type=submit]`)))
	if got := b.Location(t); got != page {
		t.Fatalf("creating the room lands on %s", got)
	}

	// In Arabic: the page is right to left; the Arabic title is typed and
	// saved, and becomes the page's heading.
	b.chooseLanguage(t, mustLang(t, "ar"), page)
	if dir := browsertest.Eval[string](t, b.Tab, `document.documentElement.dir`); dir != "rtl" {
		t.Errorf("Arabic page dir = %q", dir)
	}
	const arTitle = "اجتماع مجموعة العشرين الجانبي"
	b.Do(t, "type the Arabic title", chromedp.SendKeys(chromedp.CSS("#title_ar"), arTitle))
	b.Follow(t, "save the titles", chromedp.Click(chromedp.CSS(`section[aria-labelledby="details"] button[type=submit]`)))
	if h1 := b.Text(t, "h1"); h1 != arTitle {
		t.Errorf("heading after renaming: %q", h1)
	}
	if dir := browsertest.Eval[string](t, b.Tab, `getComputedStyle(document.querySelector('#title_ar')).direction`); dir != "rtl" {
		t.Errorf("the Arabic title field runs %s", dir)
	}

	// Invitations for a list: CSV lines, one of them for the head of the
	// delegation, and a name alone.
	b.Do(t, "paste the list", chromedp.SendKeys(chromedp.CSS("#list"), "vn-1,Nguyễn Lan,delegate,Việt Nam\nvn-head,Trần Minh,head,Việt Nam\nMaria Santos"))
	b.Follow(t, "issue the invitations", chromedp.Click(chromedp.CSS(`form[action$="/invite-list"] button[type=submit]`)))
	if n := browsertest.Eval[int](t, b.Tab, `document.querySelectorAll('#issued tbody tr').length`); n != 3 {
		t.Fatalf("%d invitations shown, want 3", n)
	}
	head := b.cat.T("ar", "room_role_head", nil)
	if !browsertest.Eval[bool](t, b.Tab, `[...document.querySelectorAll('#issued tbody tr')].some(tr => tr.textContent.includes('Trần Minh') && tr.textContent.includes(`+browsertest.JSString(head)+`))`) ||
		!browsertest.Eval[bool](t, b.Tab, `[...document.querySelectorAll('#role option')].some(o => o.value === 'head' && o.textContent === `+browsertest.JSString(head)+`)`) {
		t.Errorf("the head of delegation is not offered or not shown as %q", head)
	}
	browsertest.AssertNoSeriousViolations(t, b.Ctx, page+" in ar, with invitations just issued")
	b.Screenshot(t, "rooms-admin-ar-issued-1280.png", 1280, 900)
	link := browsertest.Eval[string](t, b.Tab, `[...document.querySelectorAll('#issued tbody tr')].find(tr => tr.textContent.includes('Nguyễn Lan')).querySelector('a').href`)
	if !strings.Contains(link, "/ar/rooms/"+slug+"?t=") {
		t.Fatalf("join link %q", link)
	}

	// The delegate opens the link and joins: the lobby, since a delegate
	// waits to be admitted. The staff page shows them by itself.
	d := browserOn(t, b.ts, b.cat, mediaFlags...)
	browsertest.Navigate(d.Ctx, t, link+"&autojoin=1")
	b.WaitFor(t, "the delegate listed as waiting in the lobby", `[...document.querySelectorAll('#members tbody tr')].some(tr => tr.textContent.includes('Nguyễn Lan') && tr.textContent.includes(`+
		browsertest.JSString(b.cat.T("ar", "room_manage_in_lobby", nil))+`))`)

	check := func(t *testing.T, br *browser, code, path, what string, width, height int) {
		t.Helper()
		br.chooseLanguage(t, mustLang(t, code), path)
		if got := br.Location(t); got != strings.Split(path, "?")[0] {
			t.Fatalf("%s lands on %s", path, got)
		}
		if !browsertest.Eval[bool](t, br.Tab, noSideScroll) {
			t.Errorf("%s in %s at %d px scrolls sideways: %s", path, code, width, browsertest.Eval[string](t, br.Tab, tooWide))
		}
		browsertest.AssertNoSeriousViolations(t, br.Ctx, path+" in "+code+" at "+itoa(int64(width))+" px")
		br.Screenshot(t, "rooms-admin-"+code+"-"+what+"-"+itoa(int64(width))+".png", width, height)
	}
	phone := browserOn(t, b.ts, b.cat, browsertest.WindowSize(375, 812))
	phone.chooseLanguage(t, mustLang(t, "vi"), "/signin?next=/admin/rooms")
	phone.SignIn(t, "chief", password)
	for _, code := range []string{"vi", "en", "ar"} {
		t.Run(code, func(t *testing.T) {
			for _, p := range []struct{ path, what string }{{"/admin/rooms", "list"}, {"/admin/rooms/new", "new"}, {page, "room"}} {
				check(t, b, code, p.path, p.what, 1280, 900)
				check(t, phone, code, p.path, p.what, 375, 812)
			}
			// The delegate is on the room page in every language.
			if !strings.Contains(b.Text(t, "#members"), "Nguyễn Lan") {
				t.Errorf("%s: the delegate is not listed", code)
			}
		})
	}
}
