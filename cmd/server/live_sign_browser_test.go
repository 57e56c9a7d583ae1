package main

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/mofa-vn/chancery/internal/browsertest"
)

// TestLivePageSignLanguage: an event in English and International Sign;
// its chair speaks and a sign interpreter of the "ils" booth goes live
// (two Chromium pages). On the live page a member of the public chooses
// the sign language: the interpreter's video plays beside the speaker's
// at a readable size. The page passes axe-core and is captured.
func TestLivePageSignLanguage(t *testing.T) {
	b := liveWithInterpreter(t, "signed-briefing", "Signed briefing", "Signed room", []string{"en", "ils"}, "sign-1", "Minh", "ils")
	b.untilLive(t, "the briefing plays", func(st liveStats) bool { return st.State == "live" && st.FramesDecoded > 5 })
	if browsertest.Eval[bool](t, b.Tab, `[...document.getElementById('live-lang').options].some(o => o.value === 'ils')`) {
		t.Error("the sign language is offered as something to listen to")
	}
	b.Do(t, "choose the sign language", chromedp.SetValue(chromedp.CSS("#live-sign"), "ils"), chromedp.Evaluate[chromedp.Void](
		`document.getElementById('live-sign').dispatchEvent(new Event('change'))`))
	type signStats struct {
		FramesDecoded float64 `json:"framesDecoded"`
		SignWidth     float64 `json:"signWidth"`
		SignShown     bool    `json:"signShown"`
	}
	read := func() signStats {
		t.Helper()
		ctx, cancel := context.WithTimeout(b.Ctx, browsertest.ActionTimeout)
		defer cancel()
		js, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.chanceryLive.stats().then(JSON.stringify)`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("live stats: %v", err)
		}
		var st signStats
		if err := json.Unmarshal([]byte(js), &st); err != nil {
			t.Fatal(err)
		}
		return st
	}
	deadline := time.Now().Add(30 * time.Second)
	for st := read(); !st.SignShown || st.SignWidth == 0 || st.FramesDecoded < 10; st = read() {
		if time.Now().After(deadline) {
			t.Fatalf("the sign channel does not play: %+v", st)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if w := browsertest.Eval[float64](t, b.Tab, `document.getElementById('live-sign-view').getBoundingClientRect().width`); w < 256 {
		t.Errorf("the sign view is %.0f px wide, a thumbnail", w)
	}
	browsertest.AssertNoSeriousViolations(t, b.Ctx, "/en/events/{slug}/live (sign language)")
	b.Screenshot(t, "live-sign-en.png", 1280, 800)
}
