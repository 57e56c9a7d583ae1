package conference_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/mofa-vn/chancery/internal/browsertest"
	"github.com/mofa-vn/chancery/internal/sfu"
)

// TestRoomSignLanguageInTheBrowser: a sign interpreter of the American
// Sign Language booth (a Vietnamese page, fake camera) and a chair (an
// English page) in two Chromium instances. The chair's interpretation
// panel offers the sign channel apart from the spoken languages; once the
// interpreter goes live, the chair sees the channel's video decoded beside
// the speaker's tiles at a readable size (not a thumbnail), while the
// interpreter's own camera reaches nobody but the booth; the interpreter's
// tile says they interpret live instead of "microphone off". The page
// passes axe-core and is captured.
func TestRoomSignLanguageInTheBrowser(t *testing.T) {
	a := newBrowser(t, mediaFlags...)
	b := browserOn(t, a.ts, a.cat, mediaFlags...)
	open := func(br *browser, code, identity, name string, role sfu.Role, booth string) {
		t.Helper()
		tok := roomToken(t, a.ts.db, a.ts.clock.Now, sfu.Claims{Identity: identity, Name: name, Role: role, Booth: booth,
			Permissions: sfu.DefaultPermissions(role)}, time.Hour)
		br.Open(t, "/"+code+"/rooms/"+testRoom+"?t="+url.QueryEscape(tok)+"&autojoin=1")
	}
	press := func(id string) chromedp.Action[chromedp.Void] {
		return chromedp.Evaluate[chromedp.Void](`document.getElementById('` + id + `').scrollIntoView({block: 'center'}); document.getElementById('` + id + `').click()`)
	}

	open(a, "en", "chair-1", "Chair Anh", sfu.RoleChair, "")
	a.WaitFor(t, "the chair in the room", `!document.getElementById('room').hidden && window.chanceryRoom.state.pub !== null`)
	open(b, "vi", "sign-1", "Minh", sfu.RoleInterpreter, "ase")
	a.WaitFor(t, "the chair sees Minh waiting", `[...document.querySelectorAll('#waiting-list li')].some(li => li.textContent.includes("Minh"))`)
	a.Do(t, "admit Minh", chromedp.Click(chromedp.CSS(`#waiting-list button[aria-label^="Admit: Minh"]`)))
	b.WaitFor(t, "the sign interpreter publishes a camera", `window.chanceryRoom.state.specs.some(s => s.source === 'camera')`)
	b.WaitFor(t, "the console's toggle appears", `!document.getElementById('interp-toggle').hidden`)
	b.Do(t, "open the console", press("interp-toggle"))
	b.WaitFor(t, "the console shows", `!document.getElementById('interp-console').hidden`)

	// The chair's panel lists the sign channel apart from the spoken ones.
	a.WaitFor(t, "the chair's toggle appears", `!document.getElementById('interp-toggle').hidden`)
	a.Do(t, "open the interpretation panel", press("interp-toggle"))
	a.WaitFor(t, "the sign field shows", `!document.getElementById('interp-sign-field').hidden &&
		[...document.getElementById('interp-sign').options].some(o => o.value === 'ase') &&
		![...document.getElementById('interp-language').options].some(o => o.value === 'ase')`)
	a.WaitFor(t, "Minh's tile says standby, not microphone off", `(() => {
		const tile = [...document.querySelectorAll('#tiles .tile')].find(x => x.textContent.includes('Minh'));
		return tile && tile.querySelector('.interp-badge') && !tile.querySelector('.interp-badge.live') && !tile.querySelector('.muted-icon');
	})()`)
	a.Do(t, "choose the sign channel", chromedp.SetValue(chromedp.CSS("#interp-sign"), "ase"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('interp-sign').dispatchEvent(new Event('change'))`))

	// Minh goes live: the chair sees the sign channel decoded, beside the
	// tiles and large enough to read.
	b.Do(t, "Minh goes live", press("interp-live"))
	a.WaitFor(t, "the sign video plays", `(() => {
		const v = document.querySelector('#interp-sign-view video');
		return !document.getElementById('interp-sign-view').hidden && v.srcObject !== null && v.videoWidth > 0 && v.currentTime > 0.5;
	})()`)
	a.WaitFor(t, "Minh's tile says live", `[...document.querySelectorAll('#tiles .tile')].some(x => x.textContent.includes('Minh') && x.querySelector('.interp-badge.live'))`)
	a.Do(t, "close the panel", press("interp-toggle"))
	a.WaitFor(t, "the panel closed", `document.getElementById('interp-panel').hidden`)
	type box struct{ X, Y, W, H, TilesRight float64 }
	bx := browsertest.Eval[box](t, a.Tab, `(() => {
		const r = document.getElementById('interp-sign-view').getBoundingClientRect(), tr = document.getElementById('tiles').getBoundingClientRect();
		return {X: r.x, Y: r.y, W: r.width, H: r.height, TilesRight: tr.right};
	})()`)
	if bx.W < 256 || bx.H < 144 {
		t.Errorf("the sign view is %.0f × %.0f px, a thumbnail", bx.W, bx.H)
	}
	if bx.X < bx.TilesRight-1 {
		t.Errorf("the sign view (x %.0f) overlaps the tiles (right edge %.0f)", bx.X, bx.TilesRight)
	}
	// Nobody but the booth receives the interpreter's own camera: the
	// chair's tile of Minh has no video.
	if browsertest.Eval[bool](t, a.Tab, `[...document.querySelectorAll('#tiles .tile')].some(x => x.textContent.includes('Minh') && x.querySelector('video').srcObject !== null)`) {
		t.Error("the chair received the sign interpreter's own camera")
	}
	a.WaitFor(t, "the page fits the window", fitsWindow)
	browsertest.AssertNoSeriousViolations(t, a.Ctx, "/en/rooms/ (sign language)")
	a.Screenshot(t, "room-sign-language-en.png", 1280, 800)
}
