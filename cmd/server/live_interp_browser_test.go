package main

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/mofa-vn/chancery/internal/browsertest"
)

// TestLivePageDucksTheFloor: a chair speaks in a public session's room and
// a French interpreter goes live (two Chromium pages); a member of the
// public on the live page chooses French. The page receives the channel
// and, on a second audio, the floor, which it plays at the room's ducking
// level (15 %); the listener raises it to 40 %, then mutes the original.
// The page passes axe-core and is captured.
func TestLivePageDucksTheFloor(t *testing.T) {
	b := liveWithInterpreter(t, "interpreted-briefing", "Interpreted briefing", "Interpreted room", []string{"vi", "en", "fr"}, "int-1", "Amélie", "fr")
	b.untilLive(t, "the floor plays", func(st liveStats) bool { return st.State == "live" && st.AudioPackets > 10 })
	if !browsertest.Eval[bool](t, b.Tab, `document.getElementById('live-ducking').hidden`) {
		t.Error("the ducking controls show without a language")
	}
	b.Do(t, "choose French", chromedp.SetValue(chromedp.CSS("#live-lang"), "fr"), chromedp.Evaluate[chromedp.Void](
		`document.getElementById('live-lang').dispatchEvent(new Event('change'))`))
	b.WaitFor(t, "the sound button", `!document.getElementById('live-sound').hidden && document.getElementById('live-floor').srcObject !== null`)
	b.Do(t, "turn the sound on", chromedp.Evaluate[chromedp.Void](`document.getElementById('live-sound').click()`))
	type duck struct {
		AudioPackets float64 `json:"audioPackets"`
		FloorPackets float64 `json:"floorPackets"`
		FloorVolume  float64 `json:"floorVolume"`
	}
	read := func() duck {
		t.Helper()
		ctx, cancel := context.WithTimeout(b.Ctx, browsertest.ActionTimeout)
		defer cancel()
		js, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.chanceryLive.stats().then(JSON.stringify)`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("live stats: %v", err)
		}
		var d duck
		if err := json.Unmarshal([]byte(js), &d); err != nil {
			t.Fatal(err)
		}
		return d
	}
	deadline := time.Now().Add(30 * time.Second)
	var first duck
	for first = read(); first.AudioPackets < 50 || first.FloorPackets < 50; first = read() {
		if time.Now().After(deadline) {
			t.Fatalf("the channel and the floor do not both play: %+v", first)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if first.FloorVolume != 0.15 {
		t.Errorf("the floor plays at %v, want the room's 15 %%", first.FloorVolume)
	}
	if got := browsertest.Eval[string](t, b.Tab, `document.getElementById('live-floor-level-out').textContent`); got != "15 %" {
		t.Errorf("the level control shows %q", got)
	}
	browsertest.AssertNoSeriousViolations(t, b.Ctx, "/en/events/{slug}/live (French, ducked)")
	b.Screenshot(t, "live-ducking-en.png", 1280, 800)

	b.Do(t, "raise the floor", chromedp.SetValue(chromedp.CSS("#live-floor-level"), "40"), chromedp.Evaluate[chromedp.Void](
		`document.getElementById('live-floor-level').dispatchEvent(new Event('input'))`))
	if v := read().FloorVolume; v != 0.4 {
		t.Errorf("the floor plays at %v after raising it to 40 %%", v)
	}
	b.Do(t, "mute the original", chromedp.Click(chromedp.CSS("#live-mute-original")))
	if v := read().FloorVolume; v != 0 {
		t.Errorf("the floor plays at %v with the original muted", v)
	}
}
