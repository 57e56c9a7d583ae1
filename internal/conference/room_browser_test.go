package conference_test

import (
	"context"
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/mofa-vn/chancery/internal/browsertest"
	"github.com/mofa-vn/chancery/internal/sfu"
)

// roomStats is what the client's chanceryRoom.stats() reports from getStats.
type roomStats struct {
	FramesDecoded        float64 `json:"framesDecoded"`
	TotalSamplesReceived float64 `json:"totalSamplesReceived"`
	AudioPackets         float64 `json:"audioPackets"`
	VideoPackets         float64 `json:"videoPackets"`
}

func (b *browser) roomStats(t *testing.T) roomStats {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, browsertest.ActionTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.chanceryRoom.stats().then(JSON.stringify)`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("stats: %v", err)
	}
	var st roomStats
	if err := json.Unmarshal([]byte(s), &st); err != nil {
		t.Fatal(err)
	}
	return st
}

// until polls the room's stats until ok holds.
func (b *browser) until(t *testing.T, what string, ok func(roomStats) bool) roomStats {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		st := b.roomStats(t)
		if ok(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: stats %+v", what, st)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// mediaFlags make Chromium a participant with fake devices.
var mediaFlags = browsertest.MediaOptions()

// TestRoomTwoBrowsers joins one room from two Chromium instances with fake
// camera and microphone, through the real join page with autojoin, and
// checks that each decodes the other's video and audio, that a screen share
// reaches the other side, that a moderator's mute stops the audio at the
// receiver, that a participant switches camera and microphone during the
// meeting with the keyboard, that the client reconnects by itself after losing its
// connection, and that the page passes axe in English and Arabic.
func TestRoomTwoBrowsers(t *testing.T) {
	a := newBrowser(t, mediaFlags...)
	b := browserOn(t, a.ts, a.cat, mediaFlags...)
	join := func(br *browser, code, identity, name string, role sfu.Role) {
		tok := roomToken(t, a.ts.db, a.ts.clock.Now, sfu.Claims{Identity: identity, Name: name, Delegation: "Delegation " + identity, Role: role, Permissions: sfu.DefaultPermissions(role)}, time.Hour)
		br.Open(t, "/"+code+"/rooms/"+testRoom+"?t="+url.QueryEscape(tok)+"&autojoin=1")
	}
	join(a, "en", "chair-1", "Chair Anh", sfu.RoleChair)
	join(b, "ar", "ph-1", "Maria", sfu.RoleProtocol)

	a.WaitFor(t, "A in the room", `!document.getElementById('room').hidden`)
	b.WaitFor(t, "B in the room", `!document.getElementById('room').hidden`)
	first := a.until(t, "A decodes B's video and audio", func(s roomStats) bool { return s.FramesDecoded > 10 && s.TotalSamplesReceived > 0 })
	a.until(t, "A keeps decoding", func(s roomStats) bool {
		return s.FramesDecoded > first.FramesDecoded+10 && s.TotalSamplesReceived > first.TotalSamplesReceived
	})
	firstB := b.until(t, "B decodes A's video and audio", func(s roomStats) bool { return s.FramesDecoded > 10 && s.TotalSamplesReceived > 0 })
	b.until(t, "B keeps decoding", func(s roomStats) bool {
		return s.FramesDecoded > firstB.FramesDecoded+10 && s.TotalSamplesReceived > firstB.TotalSamplesReceived
	})
	// Chromium acknowledges what it receives with transport-wide
	// congestion control feedback, which each subscriber's bandwidth
	// estimator reads.
	if st := a.ts.sfu.Stats(); st.Feedback == 0 {
		t.Errorf("no transport-wide feedback from Chromium reached the SFU: %+v", st)
	}
	// Names and delegations on the tiles.
	b.WaitFor(t, "A's tile at B", `[...document.querySelectorAll('#tiles figcaption')].some(c => c.textContent.includes('Chair Anh — Delegation chair-1'))`)

	browsertest.AssertNoSeriousViolations(t, a.Ctx, "/en/rooms/ (in the room)")
	browsertest.AssertNoSeriousViolations(t, b.Ctx, "/ar/rooms/ (in the room)")
	if dir := browsertest.Eval[string](t, b.Tab, `document.documentElement.dir`); dir != "rtl" {
		t.Errorf("Arabic room page dir = %q", dir)
	}

	// Screen share from A appears at B as its own tile.
	a.Do(t, "share the screen", chromedp.Click(chromedp.CSS("#screen-toggle")))
	b.WaitFor(t, "A's screen at B", `[...document.querySelectorAll('#tiles figure[data-key^="s-"] video')].some(v => v.videoWidth > 0)`)

	// During the meeting, B switches to its other camera and microphone
	// with the keyboard: the new tracks replace the ones being sent, and A
	// keeps decoding B's video and audio.
	b.Do(t, "open the settings", chromedp.Click(chromedp.CSS("#settings-toggle")))
	pre := a.roomStats(t)
	a.until(t, "A decodes B before the switch", func(s roomStats) bool { return s.FramesDecoded > pre.FramesDecoded+10 })
	for _, dev := range []struct{ sel, kind, get string }{
		{"#room-camera-select", "video", "getVideoTracks"},
		{"#room-mic-select", "audio", "getAudioTracks"},
	} {
		if n := browsertest.Eval[int](t, b.Tab, `document.querySelector('`+dev.sel+`').options.length`); n < 2 {
			t.Fatalf("%s offers %d devices, want at least 2", dev.sel, n)
		}
		before := browsertest.Eval[string](t, b.Tab, `window.chanceryRoom.state.local.`+dev.get+`()[0].getSettings().deviceId`)
		b.Do(t, "choose the other "+dev.kind+" device with the keyboard",
			chromedp.Focus(chromedp.CSS(dev.sel)), chromedp.KeyEvent(kb.End))
		b.WaitFor(t, dev.kind+" device switched", `(() => {
			const st = window.chanceryRoom.state, sel = document.querySelector('`+dev.sel+`');
			const tr = st.local.`+dev.get+`()[0];
			const tx = '`+dev.kind+`' === 'video' ? st.camTx : st.micTx;
			return tr.getSettings().deviceId === sel.value && sel.value !== '`+before+`' && tx.sender.track === tr && tr.readyState === 'live';
		})()`)
		b.WaitFor(t, "the switch is announced", `document.getElementById('room-status').textContent.includes(document.querySelector('`+dev.sel+`').selectedOptions[0].textContent)`)
		at := a.roomStats(t)
		a.until(t, "A keeps decoding B after the "+dev.kind+" switch", func(s roomStats) bool {
			return s.FramesDecoded > at.FramesDecoded+10 && s.TotalSamplesReceived > at.TotalSamplesReceived
		})
	}

	// The chair mutes B: the server stops forwarding B's microphone, so A
	// receives no more audio packets.
	a.Do(t, "mute B", chromedp.Click(chromedp.CSS(`#people-list button[aria-label^="Mute: Maria"]`)))
	time.Sleep(time.Second)
	muted := a.roomStats(t)
	time.Sleep(1500 * time.Millisecond)
	if after := a.roomStats(t); after.AudioPackets != muted.AudioPackets {
		t.Errorf("muted audio still arrives at A: %v → %v packets", muted.AudioPackets, after.AudioPackets)
	}

	// B loses its signalling connection: the client rejoins by itself,
	// without a reload, and media flows again.
	browsertest.Eval[bool](t, b.Tab, `(window.chanceryRoom.state.ws.close(), true)`)
	b.WaitFor(t, "B reconnected", `window.chanceryRoom.state.ws.readyState === 1 && window.chanceryRoom.state.sub !== null`)
	again := b.roomStats(t)
	b.until(t, "B decodes again after reconnecting", func(s roomStats) bool { return s.FramesDecoded > again.FramesDecoded+10 })
}

// TestRoomLobbyInTheBrowser: a delegate waits on the lobby screen until the
// chair admits them from the waiting list, with the keyboard.
func TestRoomLobbyInTheBrowser(t *testing.T) {
	a := newBrowser(t, mediaFlags...)
	b := browserOn(t, a.ts, a.cat, mediaFlags...)
	open := func(br *browser, code, identity, name string, role sfu.Role) {
		tok := roomToken(t, a.ts.db, a.ts.clock.Now, sfu.Claims{Identity: identity, Name: name, Delegation: "Delegation " + identity, Role: role, Permissions: sfu.DefaultPermissions(role)}, time.Hour)
		br.Open(t, "/"+code+"/rooms/"+testRoom+"?t="+url.QueryEscape(tok)+"&autojoin=1")
	}
	open(a, "fr", "chair-1", "Présidence", sfu.RoleChair)
	a.WaitFor(t, "chair in the room", `!document.getElementById('room').hidden`)
	open(b, "zh", "cn-1", "李明", sfu.RoleDelegate)
	b.WaitFor(t, "delegate in the lobby", `!document.getElementById('lobby').hidden && document.getElementById('room').hidden`)
	browsertest.AssertNoSeriousViolations(t, b.Ctx, "/zh/rooms/ (lobby)")
	a.WaitFor(t, "the chair sees who waits", `document.querySelector('#waiting-list li') !== null`)
	a.Do(t, "admit with the keyboard",
		chromedp.Focus(chromedp.CSS(`#waiting-list button[aria-label^="Admettre"]`)),
		chromedp.KeyEvent("\r"))
	b.WaitFor(t, "delegate admitted", `!document.getElementById('room').hidden`)
	a.WaitFor(t, "the waiting list empties", `document.querySelector('#waiting-list li') === null`)
}
