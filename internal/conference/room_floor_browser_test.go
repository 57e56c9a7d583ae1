package conference_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/mofa-vn/chancery/internal/browsertest"
	"github.com/mofa-vn/chancery/internal/sfu"
)

// TestRoomFloorInTheBrowser: a chair (English) and a delegate (Arabic) in
// two Chromium instances with fake microphones. The delegate asks for the
// floor from the speakers' list panel; the chair, who asked too, moves
// their own request to the top with the keyboard and takes the floor:
// the delegate's microphone then reaches the chair no more (the server
// gates it) while their video still flows. The chair ends the turn and
// gives the floor to the delegate, who is then heard; both see the same
// countdown and the change is read out. Each screen passes axe-core and is
// captured.
func TestRoomFloorInTheBrowser(t *testing.T) {
	a := newBrowser(t, mediaFlags...)
	b := browserOn(t, a.ts, a.cat, mediaFlags...)
	open := func(br *browser, code, identity, name string, role sfu.Role) {
		t.Helper()
		tok := roomToken(t, a.ts.db, a.ts.clock.Now, sfu.Claims{Identity: identity, Name: name, Delegation: "VN Viet Nam", Role: role, Permissions: sfu.DefaultPermissions(role)}, time.Hour)
		br.Open(t, "/"+code+"/rooms/"+testRoom+"?t="+url.QueryEscape(tok)+"&autojoin=1")
	}
	check := func(br *browser, code, what string) {
		t.Helper()
		br.WaitFor(t, code+" "+what+": the page fits the window", fitsWindow)
		browsertest.AssertNoSeriousViolations(t, br.Ctx, "/"+code+"/rooms/ ("+what+")")
		br.Screenshot(t, "room-floor-"+code+"-"+what+".png", 1280, 800)
	}
	msg := func(code, key, name string) string {
		return browsertest.Squash(a.cat.T(code, key, map[string]any{"Name": name}))
	}

	open(a, "en", "chair-1", "Chair Anh", sfu.RoleChair)
	a.WaitFor(t, "the chair in the room", `!document.getElementById('room').hidden && window.chanceryRoom.state.pub !== null`)
	open(b, "ar", "vn-1", "Lan", sfu.RoleDelegate)
	a.WaitFor(t, "the chair sees Lan waiting", `[...document.querySelectorAll('#waiting-list li')].some(li => li.textContent.includes('Lan'))`)
	a.Do(t, "admit Lan", chromedp.Click(chromedp.CSS(`#waiting-list button[aria-label^="Admit: Lan"]`)))
	b.WaitFor(t, "Lan in the room and publishing", `!document.getElementById('room').hidden && window.chanceryRoom.state.micTx !== null`)
	first := a.until(t, "the chair hears Lan on the open floor", func(s roomStats) bool { return s.AudioPackets > 50 && s.FramesDecoded > 10 })
	a.until(t, "and keeps hearing her", func(s roomStats) bool { return s.AudioPackets > first.AudioPackets+50 })

	// Both open the speakers' list; Lan asks for the floor.
	for _, br := range []*browser{a, b} {
		br.Do(t, "open the speakers' list", chromedp.Click(chromedp.CSS("#floor-toggle")))
		br.WaitFor(t, "the speakers' list is open", `!document.getElementById('floor-panel').hidden && document.getElementById('floor-agenda').textContent !== ''`)
	}
	b.Do(t, "Lan requests the floor", chromedp.Click(chromedp.CSS("#floor-request")))
	b.WaitFor(t, "Lan is first on the list", `document.getElementById('floor-my-status').textContent === `+browsertest.JSString(msg("ar", "room_floor_you_pending", "1")))
	a.WaitFor(t, "the chair sees Lan's request", `[...document.querySelectorAll('#floor-list li')].some(li => li.textContent.includes('Lan'))`)
	check(b, "ar", "requested")

	// The chair asks too, and moves their request up with the keyboard.
	a.Do(t, "the chair requests the floor", chromedp.Click(chromedp.CSS("#floor-request")))
	a.WaitFor(t, "two requests", `document.querySelectorAll('#floor-list li').length === 2`)
	a.Do(t, "move the chair's request up with the keyboard",
		chromedp.Focus(chromedp.CSS(`#floor-list button[aria-label="Move up: Chair Anh"]`)), chromedp.KeyEvent(kb.Enter))
	a.WaitFor(t, "the chair's request is first", `document.querySelector('#floor-list li').textContent.includes('Chair Anh')`)
	a.WaitFor(t, "the focus stays on the moved request", `document.activeElement.closest('li')?.textContent.includes('Chair Anh')`)
	check(a, "en", "list")

	// And by drag and drop: the events a browser fires when the chair drags
	// Lan's request onto the first place, then their own back onto it.
	drag := func(who string) string {
		return `(() => {
			const items = [...document.querySelectorAll('#floor-list li[data-request]')];
			const src = items.find((li) => li.textContent.includes(` + browsertest.JSString(who) + `)), dst = items[0];
			const dt = new DataTransfer();
			src.dispatchEvent(new DragEvent('dragstart', { bubbles: true, dataTransfer: dt }));
			dst.dispatchEvent(new DragEvent('dragover', { bubbles: true, cancelable: true, dataTransfer: dt }));
			dst.dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: dt }));
			src.dispatchEvent(new DragEvent('dragend', { bubbles: true, dataTransfer: dt }));
			return true;
		})()`
	}
	_ = browsertest.Eval[bool](t, a.Tab, drag("Lan"))
	a.WaitFor(t, "Lan's request is first after the drop", `document.querySelector('#floor-list li').textContent.includes('Lan')`)
	b.WaitFor(t, "Lan sees she is first", `document.getElementById('floor-my-status').textContent === `+browsertest.JSString(msg("ar", "room_floor_you_pending", "1")))
	_ = browsertest.Eval[bool](t, a.Tab, drag("Chair Anh"))
	a.WaitFor(t, "the chair's request is first again", `document.querySelector('#floor-list li').textContent.includes('Chair Anh')`)

	// The chair takes the floor: Lan's microphone is gated by the server.
	a.Do(t, "the chair takes the floor", chromedp.Click(chromedp.CSS(`#floor-list button[aria-label="Give the floor: Chair Anh"]`)))
	b.WaitFor(t, "Lan sees who has the floor", `!document.getElementById('floor-bar').hidden && document.getElementById('floor-bar-who').textContent.includes('Chair Anh')`)
	time.Sleep(500 * time.Millisecond) // packets already on the way
	gated := a.roomStats(t)
	a.until(t, "Lan's video still arrives", func(s roomStats) bool { return s.VideoPackets > gated.VideoPackets+200 })
	if after := a.roomStats(t); after.AudioPackets > gated.AudioPackets+3 {
		t.Errorf("Lan's microphone reached the chair while the chair held the floor: %v → %v packets", gated.AudioPackets, after.AudioPackets)
	}
	check(b, "ar", "chair-speaks")

	// The chair ends the turn and gives Lan the floor: she is heard, the
	// countdown runs for both, and the change is read out.
	a.Do(t, "end the chair's turn", chromedp.Click(chromedp.CSS(`#floor-current button[aria-label="End the turn: Chair Anh"]`)))
	a.WaitFor(t, "no one holds the floor", `document.getElementById('floor-bar').hidden`)
	a.Do(t, "give Lan the floor", chromedp.Click(chromedp.CSS(`#floor-list button[aria-label="Give the floor: Lan"]`)))
	a.WaitFor(t, "the change is read out", `document.getElementById('room-status').textContent === `+browsertest.JSString(msg("en", "room_floor_given", "Lan")))
	b.WaitFor(t, "Lan has the floor", `document.getElementById('floor-my-status').textContent === `+browsertest.JSString(msg("ar", "room_floor_you_speaking", "")))
	for _, br := range []*browser{a, b} {
		br.WaitFor(t, "the countdown runs", `/^[23]:[0-5][0-9]$/.test(document.getElementById('floor-timer').textContent)`)
	}
	heard := a.roomStats(t)
	a.until(t, "the chair hears Lan", func(s roomStats) bool {
		return s.AudioPackets > heard.AudioPackets+50 && s.TotalSamplesReceived > heard.TotalSamplesReceived
	})
	check(a, "en", "delegate-speaks")
	check(b, "ar", "speaking")
	if dir := browsertest.Eval[string](t, b.Tab, `document.documentElement.dir`); dir != "rtl" {
		t.Errorf("Arabic room page dir = %q", dir)
	}
}
