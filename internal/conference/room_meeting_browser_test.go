package conference_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/mofa-vn/chancery/internal/browsertest"
	"github.com/mofa-vn/chancery/internal/sfu"
)

// fitsWindow is true when the page does not scroll: the meeting takes the
// window, as a meeting app does.
const fitsWindow = `document.scrollingElement.scrollHeight <= window.innerHeight && document.scrollingElement.scrollWidth <= window.innerWidth`

// TestRoomMeetingApp uses the room as a delegate on a phone (375×812, in
// Arabic) would, with a chair on a laptop (1280×800, in English): each
// state fits the window without page scroll and passes axe; before
// joining, the level meter moves and the speaker test plays; in the room,
// the keyboard shortcuts for microphone, camera, hand and chat work and
// reach the chair, the help dialog opens and closes with the keyboard,
// chat that arrives while the chat is closed counts as unread and is read
// out, and hands and leaves are read out. Screenshots of each state at
// both sizes are saved with -screenshot-dir DIR.
func TestRoomMeetingApp(t *testing.T) {
	a := newBrowser(t, mediaFlags...)
	b := browserOn(t, a.ts, a.cat, append([]browsertest.Option{browsertest.WindowSize(375, 812)}, mediaFlags...)...)
	open := func(br *browser, code, identity, name, delegation string, role sfu.Role, autojoin bool) {
		t.Helper()
		tok := roomToken(t, a.ts.db, a.ts.clock.Now, sfu.Claims{Identity: identity, Name: name, Delegation: delegation, Role: role, Permissions: sfu.DefaultPermissions(role)}, time.Hour)
		path := "/" + code + "/rooms/" + testRoom + "?t=" + url.QueryEscape(tok)
		if autojoin {
			path += "&autojoin=1"
		}
		br.Open(t, path)
	}
	msg := func(code, key, name string) string {
		return browsertest.Squash(a.cat.T(code, key, map[string]any{"Name": name}))
	}
	check := func(br *browser, code, what string, w, h int) {
		t.Helper()
		br.WaitFor(t, code+" "+what+": the page fits the window", fitsWindow)
		browsertest.AssertNoSeriousViolations(t, br.Ctx, "/"+code+"/rooms/ ("+what+")")
		br.Screenshot(t, "meeting-"+code+"-"+what+"-"+itoa(int64(w))+".png", w, h)
	}
	pressed := func(br *browser, id string) string {
		return browsertest.Eval[string](t, br.Tab, `document.getElementById('`+id+`').getAttribute('aria-pressed')`)
	}

	open(a, "en", "chair-1", "Chair Anh", "VN Viet Nam", sfu.RoleChair, true)
	a.WaitFor(t, "the chair in the room", `!document.getElementById('room').hidden && window.chanceryRoom.state.pub !== null`)

	// On the phone in Vietnamese and English: each state fits, passes axe
	// and is captured.
	for _, code := range []string{"vi", "en"} {
		name := "Phone " + code
		open(b, code, "ph-"+code, name, "FR France", sfu.RoleDelegate, false)
		b.WaitFor(t, code+": camera preview", `document.getElementById('preview').videoWidth > 0`)
		check(b, code, "prejoin", 375, 812)
		b.Do(t, code+": join", chromedp.Click(chromedp.CSS("#join-button")))
		b.WaitFor(t, code+": the lobby", `!document.getElementById('lobby').hidden`)
		check(b, code, "lobby", 375, 812)
		a.Do(t, "admit "+name, chromedp.Click(chromedp.CSS(`#waiting-list button[aria-label="Admit: `+name+`"]`)))
		b.WaitFor(t, code+": every tile shows video", `!document.getElementById('room').hidden && (() => { const vs = [...document.querySelectorAll('#tiles video')]; return vs.length === 2 && vs.every(v => v.videoWidth > 0); })()`)
		check(b, code, "room", 375, 812)
		b.Do(t, code+": leave", chromedp.Click(chromedp.CSS("#leave-button")))
		a.WaitFor(t, "the chair sees "+name+" leave", `![...document.querySelectorAll('#people-list li')].some(li => li.textContent.includes(`+browsertest.JSString(name)+`))`)
	}

	// Before joining, on the phone: preview, level meter, speaker test.
	open(b, "ar", "eg-1", "Amira", "EG Egypt", sfu.RoleDelegate, false)
	b.WaitFor(t, "camera preview", `document.getElementById('preview').videoWidth > 0`)
	b.WaitFor(t, "the level meter moves with the microphone", `window.chanceryRoom.state.levelPeak > 0.01 && document.getElementById('mic-level').value >= 0`)
	b.Do(t, "test the speaker", chromedp.Click(chromedp.CSS("#speaker-test")))
	b.WaitFor(t, "the test sound plays", `window.chanceryRoom.state.speakerTested === 1 && document.getElementById('room-status').textContent === `+browsertest.JSString(msg("ar", "room_speaker_playing", "")))
	check(b, "ar", "prejoin", 375, 812)

	b.Do(t, "join", chromedp.Click(chromedp.CSS("#join-button")))
	b.WaitFor(t, "the lobby", `!document.getElementById('lobby').hidden`)
	check(b, "ar", "lobby", 375, 812)
	a.WaitFor(t, "the chair is told who waits", `document.getElementById('room-status').textContent === `+browsertest.JSString(msg("en", "room_waiting_one", "Amira")))
	a.Do(t, "admit Amira", chromedp.Click(chromedp.CSS(`#waiting-list button[aria-label="Admit: Amira"]`)))
	b.WaitFor(t, "in the room", `!document.getElementById('room').hidden && window.chanceryRoom.state.micTx !== null`)
	b.WaitFor(t, "every tile shows video", `(() => { const vs = [...document.querySelectorAll('#tiles video')]; return vs.length === 2 && vs.every(v => v.videoWidth > 0); })()`)
	// The delegation's flag and the role on the chair's tile.
	b.WaitFor(t, "flag and role on the tile", `[...document.querySelectorAll('#tiles figcaption')].some(c => ['\u{1F1FB}\u{1F1F3}', 'VN'].includes(c.querySelector('.flag')?.textContent) && c.textContent.includes(`+browsertest.JSString(msg("ar", "room_role_chair", ""))+`))`)
	// The tiles fill the stage: none overflows it.
	if !browsertest.Eval[bool](t, b.Tab, `(() => { const s = document.getElementById('tiles').getBoundingClientRect(); return [...document.querySelectorAll('#tiles .tile')].every(e => { const r = e.getBoundingClientRect(); return r.width > 100 && r.top >= s.top - 1 && r.bottom <= s.bottom + 1 && r.left >= s.left - 1 && r.right <= s.right + 1; }); })()`) {
		t.Error("a tile overflows the stage at 375×812")
	}
	check(b, "ar", "room", 375, 812)
	check(a, "en", "room", 1280, 800)

	// Shortcuts: M, V and H act as the controls do, and the chair sees it.
	self := browsertest.Eval[string](t, b.Tab, `window.chanceryRoom.state.self.id`)
	micAtChair := `[...window.chanceryRoom.state.tracks.values()].find(x => x.participant === ` + browsertest.JSString(self) + ` && x.source === 'microphone')`
	a.WaitFor(t, "the chair receives the delegate's microphone", micAtChair+` !== undefined && !`+micAtChair+`.muted`)
	b.Do(t, "press M", chromedp.KeyEvent("m"))
	if got := pressed(b, "mic-toggle"); got != "false" {
		t.Errorf("after M the microphone control is aria-pressed=%s", got)
	}
	a.WaitFor(t, "the chair sees the microphone off", micAtChair+`.muted`)
	if got, want := b.Text(t, "#room-status"), msg("ar", "room_now_mic_off", ""); got != want {
		t.Errorf("after M the live region says %q, want %q", got, want)
	}
	b.Do(t, "press M again", chromedp.KeyEvent("m"))
	a.WaitFor(t, "the chair sees the microphone on", `!`+micAtChair+`.muted`)
	b.Do(t, "press V", chromedp.KeyEvent("v"))
	if got := pressed(b, "camera-toggle"); got != "false" || !browsertest.Eval[bool](t, b.Tab, `window.chanceryRoom.state.local.getVideoTracks().every(x => !x.enabled)`) {
		t.Errorf("after V the camera control is aria-pressed=%s or the track still sends", got)
	}
	camAtChair := `[...window.chanceryRoom.state.tracks.values()].find(x => x.participant === ` + browsertest.JSString(self) + ` && x.source === 'camera')`
	a.WaitFor(t, "the chair sees the camera off", camAtChair+`.muted && !document.querySelector('#tiles .tile:not(.own)').classList.contains('has-video')`)
	b.Do(t, "press V again", chromedp.KeyEvent("v"))
	a.WaitFor(t, "the chair sees the camera again", `!`+camAtChair+`.muted && document.querySelector('#tiles .tile:not(.own)').classList.contains('has-video') && document.querySelector('#tiles .tile:not(.own) video').videoWidth > 0`)
	// The chair keeps the focus on Amira's Mute button while the list of
	// participants is redrawn for her hand: a roster update does not move
	// a keyboard or screen reader user's focus.
	muteAmira := msg("en", "room_mute", "") + ": Amira"
	a.Do(t, "the chair focuses Mute: Amira", chromedp.Focus(chromedp.CSS(`#people-list button[aria-label=`+browsertest.JSString(muteAmira)+`]`)))
	b.Do(t, "press H", chromedp.KeyEvent("h"))
	a.WaitFor(t, "the chair hears of the hand", `document.getElementById('room-status').textContent === `+browsertest.JSString(msg("en", "room_hand_raised_by", "Amira")))
	a.WaitFor(t, "the hand shows in the chair's list", `[...document.querySelectorAll('#people-list li')].some(li => li.textContent.includes('Amira') && li.querySelector('[aria-label="hand raised"]'))`)
	if got := browsertest.Eval[string](t, a.Tab, `document.activeElement.getAttribute('aria-label') + ' in ' + document.activeElement.parentElement?.closest('[id]')?.id`); got != muteAmira+" in people-list" {
		t.Errorf("after the list was redrawn for the hand, the chair's focus is on %q, want %q", got, muteAmira+" in people-list")
	}
	if got := pressed(b, "hand-toggle"); got != "true" {
		t.Errorf("after H the hand control is aria-pressed=%s", got)
	}
	// A shortcut typed into the chat is text, not a command.
	b.Do(t, "press C", chromedp.KeyEvent("c"))
	b.WaitFor(t, "the chat opens with the input focused", `!document.getElementById('chat-panel').hidden && document.activeElement.id === 'chat-input'`)
	b.Do(t, "type m in the chat", chromedp.KeyEvent("m"))
	if got := pressed(b, "mic-toggle"); got != "true" {
		t.Errorf("typing m in the chat toggled the microphone: aria-pressed=%s", got)
	}
	check(b, "ar", "chat", 375, 812)
	b.Do(t, "close the chat with the keyboard", chromedp.Focus(chromedp.CSS(`#chat-panel .panel-close`)), chromedp.KeyEvent(kb.Enter))
	b.WaitFor(t, "the chat closes, focus on its control", `document.getElementById('chat-panel').hidden && document.activeElement.id === 'chat-toggle'`)

	// Chat while the chat is closed: an unread count, read out.
	a.Do(t, "the chair writes", chromedp.SendKeys(chromedp.CSS("#chat-input"), "Welcome"), chromedp.Click(chromedp.CSS("#chat-form button[type=submit]")))
	b.WaitFor(t, "one unread message", `!document.getElementById('chat-unread').hidden && document.getElementById('chat-unread').textContent === '1'`)
	if got := b.Text(t, "#room-status"); !strings.Contains(got, "Welcome") {
		t.Errorf("the message was not read out: status %q", got)
	}
	b.Do(t, "open the chat", chromedp.Click(chromedp.CSS("#chat-toggle")))
	b.WaitFor(t, "the count clears", `document.getElementById('chat-unread').hidden`)
	b.Do(t, "back to the stage", chromedp.Click(chromedp.CSS("#chat-toggle")))

	// The control bar is a toolbar: in Arabic, the left arrow goes to the
	// next control, the right arrow back, End to the last.
	b.Do(t, "arrow keys in the control bar", chromedp.Focus(chromedp.CSS("#mic-toggle")), chromedp.KeyEvent(kb.ArrowLeft))
	if got := browsertest.Eval[string](t, b.Tab, `document.activeElement.id`); got != "camera-toggle" {
		t.Errorf("left arrow from the microphone in Arabic focuses %q, want the camera", got)
	}
	b.Do(t, "right arrow back", chromedp.KeyEvent(kb.ArrowRight))
	b.Do(t, "End", chromedp.KeyEvent(kb.End))
	if got := browsertest.Eval[string](t, b.Tab, `document.activeElement.id`); got != "leave-button" {
		t.Errorf("End in the control bar focuses %q, want Leave", got)
	}

	// The help dialog: ? opens it, Escape closes it, focus returns.
	b.Do(t, "focus the hand control", chromedp.Focus(chromedp.CSS("#hand-toggle")))
	b.Do(t, "press ?", chromedp.KeyEvent("?"))
	b.WaitFor(t, "the help dialog opens", `document.getElementById('help-dialog').open`)
	if got := b.Text(t, "#help-dialog"); !strings.Contains(got, msg("ar", "room_shortcut_mic", "")) || !strings.Contains(got, msg("ar", "room_shortcut_chat", "")) {
		t.Errorf("the help dialog lists %q", got)
	}
	browsertest.AssertNoSeriousViolations(t, b.Ctx, "/ar/rooms/ (help)")
	b.Screenshot(t, "meeting-ar-help-375.png", 375, 812)
	b.Do(t, "press Escape", chromedp.KeyEvent(kb.Escape))
	b.WaitFor(t, "the help dialog closes, focus back", `!document.getElementById('help-dialog').open && document.activeElement.id === 'hand-toggle'`)
	// The focus goes back to the hand control when the dialog closes; only
	// once it is there is the help control focused and pressed, so that a
	// late focus change cannot take the key.
	b.Do(t, "focus the help control", chromedp.Focus(chromedp.CSS("#help-button")))
	b.WaitFor(t, "the help control has the focus", `document.activeElement.id === 'help-button'`)
	b.Do(t, "open help from its control with the keyboard", chromedp.KeyEvent(kb.Enter))
	b.WaitFor(t, "the help dialog opens again", `document.getElementById('help-dialog').open`)
	b.Do(t, "close with its button", chromedp.KeyEvent(kb.Enter))
	b.WaitFor(t, "closed, focus on the help control", `!document.getElementById('help-dialog').open && document.activeElement.id === 'help-button'`)
	// The dialog gives the focus back to its opener as it closes; its close
	// event comes later, after a key pressed meanwhile on a busy page, and
	// must not take the focus from the control the user moved to.
	b.Do(t, "open help from the hand control", chromedp.Focus(chromedp.CSS("#hand-toggle")), chromedp.KeyEvent("?"))
	b.WaitFor(t, "the help dialog opens a third time", `document.getElementById('help-dialog').open`)
	browsertest.Eval[bool](t, b.Tab, `(d => { window.__helpClosed = false; d.addEventListener('close', () => setTimeout(() => { window.__helpClosed = true; }), { once: true });
		d.close(); document.getElementById('mic-toggle').focus(); return true; })(document.getElementById('help-dialog'))`)
	b.WaitFor(t, "the close event has run", `window.__helpClosed`)
	if got := browsertest.Eval[string](t, b.Tab, `document.activeElement.id`); got != "mic-toggle" {
		t.Errorf("the help dialog's close event moved the focus from the microphone control to %q", got)
	}

	// Pinning a tile switches to the speaker view with that tile large.
	b.Do(t, "pin the chair", chromedp.Click(chromedp.CSS(`#tiles .tile:not(.own) button.pin`)))
	b.WaitFor(t, "the chair's tile is main", `document.getElementById('tiles').dataset.layout === 'speaker' && document.querySelector('#tiles .tile.main:not(.own)') !== null`)
	b.WaitFor(t, "the speaker view fits", fitsWindow)
	b.Screenshot(t, "meeting-ar-pinned-375.png", 375, 812)
	b.Do(t, "full screen of the pinned tile", chromedp.Click(chromedp.CSS(`#tiles .tile.main button[aria-label=`+browsertest.JSString(msg("ar", "room_fullscreen", ""))+`]`)))
	b.WaitFor(t, "the tile fills the screen", `document.fullscreenElement !== null && document.fullscreenElement.classList.contains('main')`)
	b.Do(t, "leave full screen", chromedp.Click(chromedp.CSS(`#tiles .tile.main button[aria-label=`+browsertest.JSString(msg("ar", "room_fullscreen", ""))+`]`)))
	b.WaitFor(t, "out of full screen", `document.fullscreenElement === null`)
	b.Do(t, "unpin", chromedp.Click(chromedp.CSS(`#tiles .tile.main button.pin`)))
	b.WaitFor(t, "back to the grid", `document.getElementById('tiles').dataset.layout === 'grid'`)

	// The chair's speaker view on the laptop.
	a.Do(t, "speaker view", chromedp.Click(chromedp.CSS("#layout-toggle")))
	a.WaitFor(t, "one main tile above a strip", `document.getElementById('tiles').dataset.layout === 'speaker' && document.querySelectorAll('#tiles .tile.main').length === 1 && document.querySelectorAll('#tiles .strip .tile').length === 1`)
	a.WaitFor(t, "the speaker view fits", fitsWindow)
	a.Screenshot(t, "meeting-en-speaker-1280.png", 1280, 800)
	// A room update (Amira lowers her hand) redraws the tiles; the chair's
	// focus on the pin of the tile in the strip stays there.
	a.Do(t, "the chair focuses the strip tile's pin", chromedp.Focus(chromedp.CSS(`#tiles .strip .tile button.pin`)))
	b.Do(t, "press H to lower the hand", chromedp.KeyEvent("h"))
	a.WaitFor(t, "the hand goes from the chair's list", `![...document.querySelectorAll('#people-list li')].some(li => li.textContent.includes('Amira') && li.querySelector('[aria-label="hand raised"]'))`)
	if !browsertest.Eval[bool](t, a.Tab, `document.activeElement === document.querySelector('#tiles .strip .tile button.pin')`) {
		t.Errorf("the redraw took the focus from the strip tile's pin to %q", browsertest.Eval[string](t, a.Tab, `document.activeElement.outerHTML.slice(0, 80)`))
	}
	a.Do(t, "grid view", chromedp.Click(chromedp.CSS("#layout-toggle")))

	// Connection quality per participant, from getStats: loss, round trip
	// and the layer received, on the tile.
	chair := browsertest.Eval[string](t, a.Tab, `window.chanceryRoom.state.self.id`)
	b.WaitFor(t, "the chair's connection quality is measured", `(() => { const q = window.chanceryRoom.quality()[`+browsertest.JSString(chair)+`];
		return q && q.level !== 'unknown' && typeof q.rtt === 'number' && q.height > 0 && typeof q.loss === 'number'; })()`)
	if got := browsertest.Eval[string](t, b.Tab, `document.querySelector('#tiles .tile:not(.own) .quality').getAttribute('aria-label')`); !strings.Contains(got, msg("ar", "room_quality_rtt", "")) || !strings.Contains(got, "ms") {
		t.Errorf("the quality indicator says %q", got)
	}

	// Noise suppression and echo cancellation as the browser offers them,
	// switched off and on again from the settings panel.
	b.Do(t, "open the settings", chromedp.Click(chromedp.CSS("#settings-toggle")))
	b.WaitFor(t, "noise suppression on", `window.chanceryRoom.state.local.getAudioTracks()[0].getSettings().noiseSuppression === true && window.chanceryRoom.state.local.getAudioTracks()[0].getSettings().echoCancellation === true`)
	check(b, "ar", "settings", 375, 812)
	b.Do(t, "turn noise suppression off", chromedp.Click(chromedp.CSS("#noise-suppression")))
	b.WaitFor(t, "noise suppression off", `window.chanceryRoom.state.local.getAudioTracks()[0].getSettings().noiseSuppression === false`)
	b.Do(t, "close the settings", chromedp.Click(chromedp.CSS("#settings-toggle")))

	// A network loss: while the client cannot reach the server, a banner
	// says it is reconnecting; it goes when the room is back.
	browsertest.Eval[bool](t, b.Tab, `(window.__signal = document.getElementById('room-app').dataset.signal, document.getElementById('room-app').dataset.signal = '/no-signal-here', window.chanceryRoom.state.ws.close(), true)`)
	b.WaitFor(t, "the reconnecting banner", `document.getElementById('reconnect-banner').checkVisibility() && document.getElementById('room-status').textContent === `+browsertest.JSString(msg("ar", "room_reconnecting", "")))
	b.WaitFor(t, "the page still fits", fitsWindow)
	b.Screenshot(t, "meeting-ar-reconnecting-375.png", 375, 812)
	browsertest.Eval[bool](t, b.Tab, `(document.getElementById('room-app').dataset.signal = window.__signal, true)`)
	b.WaitFor(t, "back in the room, banner gone", `document.getElementById('reconnect-banner').hidden && window.chanceryRoom.state.ws.readyState === 1 && window.chanceryRoom.state.sub !== null`)

	// Leaving is read out to the others.
	b.Do(t, "leave", chromedp.Click(chromedp.CSS("#leave-button")))
	a.WaitFor(t, "the chair hears that Amira left", `document.getElementById('room-status').textContent === `+browsertest.JSString(msg("en", "room_left_by", "Amira")))
	check(b, "ar", "left", 375, 812)
}

// TestRoomPermissionRefused: when the browser refuses the camera and
// microphone, the pre-join card says so and how to allow them in this
// browser, in the page's language, and joining without them still works.
func TestRoomPermissionRefused(t *testing.T) {
	a := newBrowser(t, mediaFlags...)
	// Fake devices but no fake permission prompt, and the permissions
	// denied through the DevTools protocol, as a person who clicked Block.
	c := browserOn(t, a.ts, a.cat, browsertest.Flag("use-fake-device-for-media-stream", true),
		browsertest.Flag("disable-features", "WebRtcHideLocalIpsWithMdns"), browsertest.Flag("autoplay-policy", "no-user-gesture-required"))
	for _, name := range []string{"camera", "microphone"} {
		c.Do(t, "deny "+name, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
				Permission: &cdpbrowser.PermissionDescriptor{Name: name}, Setting: cdpbrowser.PermissionSettingDenied, Origin: a.ts.URL})
			return err
		}))
	}
	tok := func(identity, name string, role sfu.Role) string {
		return url.QueryEscape(roomToken(t, a.ts.db, a.ts.clock.Now, sfu.Claims{Identity: identity, Name: name, Role: role, Permissions: sfu.DefaultPermissions(role)}, time.Hour))
	}
	a.Open(t, "/en/rooms/"+testRoom+"?t="+tok("chair-1", "Chair Anh", sfu.RoleChair)+"&autojoin=1")
	a.WaitFor(t, "the chair in the room", `!document.getElementById('room').hidden`)
	for _, code := range []string{"vi", "en", "ar"} {
		c.Open(t, "/"+code+"/rooms/"+testRoom+"?t="+tok("d-"+code, "Refused "+code, sfu.RoleDelegate))
		c.WaitFor(t, code+": the refusal is explained", `!document.getElementById('media-help').hidden`)
		if got, want := c.Text(t, "#media-help-title"), browsertest.Squash(a.cat.T(code, "room_media_denied", nil)); got != want {
			t.Errorf("%s: the message is %q, want %q", code, got, want)
		}
		if got, want := c.Text(t, "#media-help-fix"), browsertest.Squash(a.cat.T(code, "room_media_fix_chrome", nil)); !strings.HasPrefix(got, want) {
			t.Errorf("%s: the fix is %q, want it to start with Chrome's %q", code, got, want)
		}
		browsertest.AssertNoSeriousViolations(t, c.Ctx, "/"+code+"/rooms/ (permission refused)")
		c.Screenshot(t, "meeting-"+code+"-refused-1280.png", 1280, 800)
		if !browsertest.Eval[bool](t, c.Tab, `!document.getElementById('join-button').disabled && document.getElementById('prejoin-mic').disabled && document.getElementById('prejoin-cam').disabled`) {
			t.Errorf("%s: with no devices, Join must stay possible and the device toggles disabled", code)
		}
	}
	// Joining without camera or microphone: the delegate follows the meeting.
	c.Do(t, "join without devices", chromedp.Click(chromedp.CSS("#join-button")))
	a.WaitFor(t, "the chair sees the delegate waiting", `document.querySelector('#waiting-list button[aria-label="Admit: Refused ar"]') !== null`)
	a.Do(t, "admit", chromedp.Click(chromedp.CSS(`#waiting-list button[aria-label="Admit: Refused ar"]`)))
	c.WaitFor(t, "in the room without devices, seeing the chair", `!document.getElementById('room').hidden && window.chanceryRoom.state.local === null && [...document.querySelectorAll('#tiles video')].some(v => v.videoWidth > 0)`)
	c.WaitFor(t, "the room fits", fitsWindow)
}
