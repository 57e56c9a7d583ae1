package main

import (
	"context"
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/mofa-vn/chancery/internal/browsertest"
	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/store"
)

// TestLivePageSignLanguage: an event in English and International Sign;
// its chair speaks and a sign interpreter of the "ils" booth goes live
// (two Chromium pages). On the live page a member of the public chooses
// the sign language: the interpreter's video plays beside the speaker's
// at a readable size. The page passes axe-core and is captured.
func TestLivePageSignLanguage(t *testing.T) {
	a := newBrowser(t, mediaFlags...)
	db := a.ts.db
	ctx := t.Context()
	now := a.ts.clock.Now().UTC()
	e, err := db.CreateEvent(ctx, store.Event{Slug: "signed-briefing", Zone: "Asia/Ho_Chi_Minh", StartsAt: now.Add(-time.Hour), EndsAt: now.Add(24 * time.Hour),
		StartLocal: "2026-03-01T15:30", EndLocal: "2026-03-02T16:30", Format: "virtual", Public: true, Languages: []string{"en", "ils"}, SourceLang: "en",
		Translations: map[string]store.EventTranslation{"en": {Title: "Signed briefing", Status: store.StatusPublished}}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := db.CreateEventSession(ctx, e.Slug, "Signed room", store.EventSession{EventID: e.ID, Kind: store.SessionPlenary,
		Titles: map[string]string{"en": "Briefing"}, StartsAt: now.Add(-time.Hour), EndsAt: now.Add(3 * time.Hour), StartLocal: "2026-03-01T15:30", EndLocal: "2026-03-01T19:30"})
	if err != nil {
		t.Fatal(err)
	}
	open := func(br *browser, identity, name string, role sfu.Role, booth string) {
		t.Helper()
		tok := roomToken(t, db, a.ts.clock.Now, sfu.Claims{Room: s.RoomSlug, Identity: identity, Name: name, Role: role, Booth: booth,
			Permissions: sfu.DefaultPermissions(role)}, time.Hour)
		br.Open(t, "/en/rooms/"+s.RoomSlug+"?t="+url.QueryEscape(tok)+"&autojoin=1")
	}
	open(a, "chair-1", "Chair Anh", sfu.RoleChair, "")
	a.WaitFor(t, "the chair in the room", `!document.getElementById('room').hidden && window.chanceryRoom.state.pub !== null`)
	c := browserOn(t, a.ts, a.cat, mediaFlags...)
	open(c, "sign-1", "Minh", sfu.RoleInterpreter, "ils")
	a.WaitFor(t, "the chair sees Minh waiting", `[...document.querySelectorAll('#waiting-list li')].some(li => li.textContent.includes("Minh"))`)
	a.Do(t, "admit Minh", chromedp.Click(chromedp.CSS(`#waiting-list button[aria-label^="Admit: Minh"]`)))
	c.WaitFor(t, "the console's toggle appears", `!document.getElementById('interp-toggle').hidden`)
	c.Do(t, "go live", chromedp.Evaluate[chromedp.Void](`document.getElementById('interp-live').click()`))
	c.WaitFor(t, "Minh is live", `document.getElementById('interp-console').classList.contains('is-live')`)

	b := browserOn(t, a.ts, a.cat, browsertest.WindowSize(1280, 800),
		browsertest.Flag("disable-features", "WebRtcHideLocalIpsWithMdns"), browsertest.Flag("autoplay-policy", "no-user-gesture-required"))
	b.Open(t, "/en/events/"+e.Slug+"/live")
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
