package conference_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/mofa-vn/chancery/internal/browsertest"
	"github.com/mofa-vn/chancery/internal/sfu"
)

// recordTracks keeps, in window.__tracks, every MediaStreamTrack the page
// gets from getUserMedia or getDisplayMedia, on every page the tab opens:
// the test's own record, independent of what the client thinks it holds.
var recordTracks = chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
	_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: `
window.__tracks = [];
for (const name of ['getUserMedia', 'getDisplayMedia']) {
  const md = navigator.mediaDevices, orig = md && md[name] && md[name].bind(md);
  if (orig) md[name] = async (c) => { const s = await orig(c); window.__tracks.push(...s.getTracks()); return s; };
}`})
	return err
})

// shown reports, from the computed style and layout (not the hidden
// attribute), which parts of the room page a person can see.
const shown = `(() => {
  const vis = (sel) => { const e = document.querySelector(sel); return !!e && e.checkVisibility({ visibilityProperty: true, opacityProperty: true }) && e.getClientRects().length > 0; };
  const out = {};
  for (const [k, sel] of Object.entries({ prejoin: '#preview', join: '#join-button', lobby: '#lobby-heading', toolbar: '.toolbar', mic: '#mic-toggle', leave: '#leave-button',
    people: '#people-heading', chat: '#chat-heading', chatInput: '#chat-input', tiles: '#tiles', left: '#left-heading', rejoin: '#rejoin-button', home: '#home-link' })) if (vis(sel)) out[k] = true;
  return Object.keys(out).sort().join(' ');
})()`

// TestRoomClientStates walks a delegate through the room client as a
// person does, in Vietnamese, English and Arabic, with a chair in the room:
// the pre-join card and the lobby show nothing of the room (computed
// visibility, not the hidden attribute); in the room, the chair's mute shows
// on the delegate's microphone control with who muted them, the delegate's
// own unmute is refused by the server until the chair allows it; leaving
// ends every track the page got from the browser and shows the left screen,
// from which Rejoin goes back in. Each state passes axe-core and is
// captured (-screenshot-dir DIR keeps the images).
func TestRoomClientStates(t *testing.T) {
	a := newBrowser(t, mediaFlags...)
	b := browserOn(t, a.ts, a.cat, mediaFlags...)
	b.Do(t, "record the tracks the page gets", recordTracks)
	open := func(br *browser, code, identity, name string, role sfu.Role, autojoin bool) {
		t.Helper()
		tok := roomToken(t, a.ts.db, a.ts.clock.Now, sfu.Claims{Identity: identity, Name: name, Delegation: "Delegation " + identity, Role: role, Permissions: sfu.DefaultPermissions(role)}, time.Hour)
		path := "/" + code + "/rooms/" + testRoom + "?t=" + url.QueryEscape(tok)
		if autojoin {
			path += "&autojoin=1"
		}
		br.Open(t, path)
	}
	state := func(what, want string) {
		t.Helper()
		deadline := time.Now().Add(browsertest.ActionTimeout)
		for {
			got := browsertest.Eval[string](t, b.Tab, shown)
			if got == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: the page shows %q, want exactly %q", what, got, want)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	msg := func(code, key, name string) string {
		return browsertest.Squash(a.cat.T(code, key, map[string]any{"Name": name}))
	}
	check := func(code, what string) {
		t.Helper()
		b.WaitFor(t, code+" "+what+": the page fits the window", fitsWindow)
		browsertest.AssertNoSeriousViolations(t, b.Ctx, "/"+code+"/rooms/ ("+what+")")
		b.Screenshot(t, "room-"+code+"-"+what+".png", 1280, 800)
	}
	// ended reports the tracks the page got and whether each has ended.
	ended := func() string {
		return browsertest.Eval[string](t, b.Tab, `window.__tracks.map(x => x.kind + ':' + x.readyState).join(' ')`)
	}

	open(a, "en", "chair-1", "Chair Anh", sfu.RoleChair, true)
	a.WaitFor(t, "the chair in the room", `!document.getElementById('room').hidden && window.chanceryRoom.state.pub !== null`)

	for i, code := range []string{"vi", "en", "ar"} {
		name := "Delegate " + code
		// Before joining: the pre-join card alone.
		open(b, code, "d-"+code, name, sfu.RoleDelegate, false)
		b.WaitFor(t, code+": camera preview", `document.getElementById('preview').srcObject !== null && document.getElementById('preview').videoWidth > 0`)
		state(code+" pre-join", "join prejoin")
		check(code, "prejoin")
		if code == "ar" {
			if dir := browsertest.Eval[string](t, b.Tab, `document.documentElement.dir`); dir != "rtl" {
				t.Errorf("Arabic room page dir = %q", dir)
			}
		}

		// In the lobby: the preview and the waiting state, nothing of the
		// room.
		b.Do(t, code+": join", chromedp.Click(chromedp.CSS("#join-button")))
		state(code+" lobby", "lobby prejoin")
		check(code, "lobby")

		a.WaitFor(t, code+": the chair sees "+name+" waiting", `[...document.querySelectorAll('#waiting-list li')].some(li => li.textContent.includes(`+browsertest.JSString(name)+`))`)
		a.Do(t, "admit "+name, chromedp.Click(chromedp.CSS(`#waiting-list button[aria-label^="Admit: `+name+`"]`)))
		state(code+" in the room", "chat chatInput leave mic people tiles toolbar")
		b.WaitFor(t, code+": publishing", `window.chanceryRoom.state.micTx !== null && window.chanceryRoom.state.camTx !== null`)
		b.WaitFor(t, code+": every tile shows video", `(() => { const vs = [...document.querySelectorAll('#tiles video')]; return vs.length === 2 && vs.every(v => v.videoWidth > 0); })()`)
		check(code, "room")

		if i == 0 {
			chairMute(t, a, b, code, name, msg)
		}

		// Leave: every track the page got has ended at once, and only the
		// left screen shows.
		b.Do(t, code+": leave", chromedp.Click(chromedp.CSS("#leave-button")))
		if got := ended(); strings.Count(got, ":ended") < 2 || strings.Contains(got, ":live") {
			t.Errorf("%s: after leaving, the page's tracks are %q; want every one ended", code, got)
		}
		if browsertest.Eval[bool](t, b.Tab, `document.getElementById('preview').srcObject !== null || [...document.querySelectorAll('video, audio')].some(v => v.srcObject)`) {
			t.Errorf("%s: a media element still shows a stream after leaving", code)
		}
		state(code+" left", "home left rejoin")
		if got := b.Text(t, "#left-heading"); got != msg(code, "room_left_title", "") {
			t.Errorf("%s: left screen heading %q", code, got)
		}
		if focused := browsertest.Eval[string](t, b.Tab, `document.activeElement.id`); focused != "left-heading" {
			t.Errorf("%s: focus after leaving is on %q, want the left screen's heading", code, focused)
		}
		if href := browsertest.Eval[string](t, b.Tab, `document.getElementById('home-link').getAttribute('href')`); href != "/"+code+"/" {
			t.Errorf("%s: Home links to %q", code, href)
		}
		a.WaitFor(t, code+": the chair sees "+name+" leave", `![...document.querySelectorAll('#people-list li')].some(li => li.textContent.includes(`+browsertest.JSString(name)+`))`)
		check(code, "left")

		if i == 0 {
			// Rejoin goes back in (admitted once: no lobby), with the
			// devices opened again; leaving again ends those too.
			b.Do(t, code+": rejoin", chromedp.Click(chromedp.CSS("#rejoin-button")))
			state(code+" rejoined", "chat chatInput leave mic people tiles toolbar")
			b.WaitFor(t, code+": publishing again", `window.chanceryRoom.state.micTx !== null && window.__tracks.some(x => x.readyState === 'live')`)
			a.WaitFor(t, code+": the chair sees "+name+" again", `[...document.querySelectorAll('#people-list li')].some(li => li.textContent.includes(`+browsertest.JSString(name)+`))`)
			b.Do(t, code+": leave again", chromedp.Click(chromedp.CSS("#leave-button")))
			if got := ended(); strings.Count(got, ":ended") < 4 || strings.Contains(got, ":live") {
				t.Errorf("%s: after leaving again, the page's tracks are %q; want every one ended", code, got)
			}
			state(code+" left again", "home left rejoin")
		}
	}

	// Removed by the chair: the camera and microphone go off just the same.
	open(b, "en", "d-removed", "Removed One", sfu.RoleDelegate, true)
	a.WaitFor(t, "the chair sees Removed One waiting", `document.querySelector('#waiting-list button[aria-label="Admit: Removed One"]') !== null`)
	a.Do(t, "admit Removed One", chromedp.Click(chromedp.CSS(`#waiting-list button[aria-label="Admit: Removed One"]`)))
	b.WaitFor(t, "Removed One publishing", `window.chanceryRoom.state.micTx !== null && window.__tracks.length >= 2`)
	a.Do(t, "remove Removed One", chromedp.Click(chromedp.CSS(`#people-list button[aria-label="Remove: Removed One"]`)))
	b.WaitFor(t, "Removed One is told", `!document.getElementById('room-alert').hidden && document.getElementById('room').hidden`)
	if got := ended(); strings.Count(got, ":ended") < 2 || strings.Contains(got, ":live") {
		t.Errorf("after being removed, the page's tracks are %q; want every one ended", got)
	}
}

// chairMute has the chair (a) mute the delegate (b), checks what the
// delegate sees, that the server refuses the delegate's own unmute while
// the mute stands (the audio stays cut at the chair), and that after the
// chair allows it, unmuting is the delegate's choice.
func chairMute(t *testing.T, a, b *browser, code, name string, msg func(code, key, name string) string) {
	t.Helper()
	self := browsertest.Eval[string](t, b.Tab, `window.chanceryRoom.state.self.id`)
	micAtChair := `[...window.chanceryRoom.state.tracks.values()].find(x => x.participant === ` + browsertest.JSString(self) + ` && x.source === 'microphone')`
	a.WaitFor(t, "the chair receives the delegate's microphone", micAtChair+` !== undefined && !`+micAtChair+`.muted`)
	start := a.roomStats(t)
	a.until(t, "the chair hears the delegate", func(s roomStats) bool { return s.AudioPackets > start.AudioPackets+20 })

	// quiet fails unless, while the delegate's video reaches the chair,
	// its audio does not: the server forwards nothing of a muted track.
	quiet := func(what string) {
		t.Helper()
		s0 := a.roomStats(t)
		a.until(t, what+": the delegate's video flows", func(s roomStats) bool { return s.VideoPackets > s0.VideoPackets+300 })
		if s1 := a.roomStats(t); s1.AudioPackets > s0.AudioPackets+3 {
			t.Errorf("%s: the chair received %v audio packets of the muted delegate", what, s1.AudioPackets-s0.AudioPackets)
		}
	}

	a.Do(t, "the chair mutes "+name, chromedp.Click(chromedp.CSS(`#people-list button[aria-label="Mute: `+name+`"]`)))
	b.WaitFor(t, "the delegate's control shows muted", `document.getElementById('mic-toggle').getAttribute('aria-pressed') === 'false' && document.getElementById('mic-toggle').classList.contains('chair-muted')`)
	want := msg(code, "room_muted_by_chair", "Chair Anh")
	b.WaitFor(t, "the delegate is told who muted them", `document.getElementById('mute-notice').innerText.trim() === `+browsertest.JSString(want))
	if role := browsertest.Eval[string](t, b.Tab, `document.getElementById('mute-notice').getAttribute('role')`); role != "status" {
		t.Errorf("the mute notice has role %q; screen readers must hear it (status)", role)
	}
	if !browsertest.Eval[bool](t, b.Tab, `document.getElementById('mute-notice').checkVisibility() && document.getElementById('mute-notice').getBoundingClientRect().height > 0`) {
		t.Error("the mute notice is not visible")
	}
	if !browsertest.Eval[bool](t, b.Tab, `document.getElementById('mic-toggle').getAttribute('aria-describedby') === 'mute-notice'`) {
		t.Error("the microphone control does not point to the mute notice")
	}
	if !browsertest.Eval[bool](t, b.Tab, `window.chanceryRoom.state.local.getAudioTracks().every(x => !x.enabled)`) {
		t.Error("the delegate's microphone track is still enabled after the chair's mute")
	}
	a.WaitFor(t, "the chair sees the mute in the list", `[...document.querySelectorAll('#people-list li')].some(li => li.textContent.includes(`+browsertest.JSString(name)+`) && li.textContent.includes('Chair Anh'))`)
	b.Screenshot(t, "room-"+code+"-muted.png", 1280, 800)
	quiet("after the chair's mute")

	// The delegate tries to unmute: the server refuses, the control stays
	// muted and the chair still receives no audio.
	b.Do(t, "the delegate unmutes", chromedp.Click(chromedp.CSS("#mic-toggle")))
	refused := msg(code, "room_error_muted_by_chair", "Chair Anh")
	b.WaitFor(t, "the refusal is shown", `document.getElementById('room-alert').innerText.trim() === `+browsertest.JSString(refused)+` && !document.getElementById('room-alert').hidden`)
	if got := browsertest.Eval[string](t, b.Tab, `document.getElementById('mic-toggle').getAttribute('aria-pressed')`); got != "false" {
		t.Errorf("after the refused unmute the control shows aria-pressed=%s", got)
	}
	if !browsertest.Eval[bool](t, b.Tab, micAtChair+`.muted`) {
		t.Error("the chair sees the delegate's microphone unmuted after a refused unmute")
	}
	quiet("after the refused unmute")

	// The chair allows; the delegate stays muted until choosing to speak.
	a.Do(t, "the chair allows "+name+" to unmute", chromedp.Click(chromedp.CSS(`#people-list button[aria-label="Allow to unmute: `+name+`"]`)))
	b.WaitFor(t, "the delegate is told", `document.getElementById('mute-notice').innerText.trim() === `+browsertest.JSString(msg(code, "room_unmute_allowed", ""))+` && !document.getElementById('mic-toggle').classList.contains('chair-muted')`)
	if got := browsertest.Eval[string](t, b.Tab, `document.getElementById('mic-toggle').getAttribute('aria-pressed')`); got != "false" {
		t.Errorf("the chair's allowing it unmuted the delegate: aria-pressed=%s", got)
	}
	quiet("after the chair allowed, before the delegate unmutes")
	b.Do(t, "the delegate unmutes", chromedp.Click(chromedp.CSS("#mic-toggle")))
	a.WaitFor(t, "the chair sees the delegate unmuted", `!`+micAtChair+`.muted`)
	if got := browsertest.Eval[string](t, b.Tab, `document.getElementById('mic-toggle').getAttribute('aria-pressed') + ' ' + document.getElementById('mute-notice').textContent`); got != "true " {
		t.Errorf("after unmuting, the control and notice are %q, want pressed and no notice", got)
	}
	s := a.roomStats(t)
	a.until(t, "the chair hears the delegate again", func(n roomStats) bool { return n.AudioPackets > s.AudioPackets+20 })
}
