package main

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/mofa-vn/chancery/internal/browsertest"
	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/store"
)

// liveStats is what the live page's chanceryLive.stats() reports.
type liveStats struct {
	FramesDecoded        float64 `json:"framesDecoded"`
	TotalSamplesReceived float64 `json:"totalSamplesReceived"`
	VideoPackets         float64 `json:"videoPackets"`
	AudioPackets         float64 `json:"audioPackets"`
	VideoWidth           float64 `json:"videoWidth"`
	State                string  `json:"state"`
}

func (b *browser) liveStats(t *testing.T) liveStats {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, browsertest.ActionTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.chanceryLive.stats().then(JSON.stringify)`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("live stats: %v", err)
	}
	var st liveStats
	if err := json.Unmarshal([]byte(s), &st); err != nil {
		t.Fatal(err)
	}
	return st
}

func (b *browser) untilLive(t *testing.T, what string, ok func(liveStats) bool) liveStats {
	t.Helper()
	deadline := time.Now().Add(40 * time.Second)
	for {
		st := b.liveStats(t)
		if ok(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: stats %+v", what, st)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// TestLivePageBrowser: a chair in a public session's room publishes a
// camera and a microphone from Chromium; a member of the public opens the
// event's live page in another Chromium, which plays it through WHEP: the
// video has a size and its frames and the sound's samples keep advancing.
// The page passes axe in English and Arabic (RTL), and a session not live
// yet says so.
func TestLivePageBrowser(t *testing.T) {
	a := newBrowser(t, mediaFlags...)
	db := a.ts.db
	ctx := t.Context()
	now := a.ts.clock.Now().UTC()
	e, err := db.CreateEvent(ctx, store.Event{Slug: "open-briefing", Zone: "Asia/Ho_Chi_Minh", StartsAt: now.Add(-time.Hour), EndsAt: now.Add(24 * time.Hour),
		StartLocal: "2026-03-01T15:30", EndLocal: "2026-03-02T16:30", Format: "virtual", Public: true, Languages: []string{"vi", "en", "fr"}, SourceLang: "en",
		Translations: map[string]store.EventTranslation{
			"en": {Title: "Open briefing on the East Sea", Status: store.StatusPublished},
			"ar": {Title: "إحاطة مفتوحة", Status: store.StatusPublished},
		}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := db.CreateEventSession(ctx, e.Slug, "Briefing room", store.EventSession{EventID: e.ID, Kind: store.SessionPlenary,
		Titles: map[string]string{"en": "Briefing"}, StartsAt: now.Add(-time.Hour), EndsAt: now.Add(3 * time.Hour), StartLocal: "2026-03-01T15:30", EndLocal: "2026-03-01T19:30"})
	if err != nil {
		t.Fatal(err)
	}
	tok := roomToken(t, db, a.ts.clock.Now, sfu.Claims{Room: s.RoomSlug, Identity: "chair-1", Name: "Chair Anh", Role: sfu.RoleChair,
		Permissions: sfu.DefaultPermissions(sfu.RoleChair)}, time.Hour)
	a.Open(t, "/en/rooms/"+s.RoomSlug+"?t="+url.QueryEscape(tok)+"&autojoin=1")
	a.WaitFor(t, "the chair in the room", `!document.getElementById('room').hidden`)

	b := browserOn(t, a.ts, a.cat, browsertest.WindowSize(1280, 800),
		browsertest.Flag("disable-features", "WebRtcHideLocalIpsWithMdns"), browsertest.Flag("autoplay-policy", "no-user-gesture-required"))
	// A public event a week ahead nobody publishes in (the demo
	// conference's is live with its test signal): its page says it is not
	// live yet.
	later, err := db.CreateEvent(ctx, store.Event{Slug: "later-briefing", Zone: "Asia/Ho_Chi_Minh", StartsAt: now.Add(7 * 24 * time.Hour), EndsAt: now.Add(8 * 24 * time.Hour),
		StartLocal: "2026-03-08T15:30", EndLocal: "2026-03-09T15:30", Format: "virtual", Public: true, Languages: []string{"en"}, SourceLang: "en",
		Translations: map[string]store.EventTranslation{"en": {Title: "Briefing next week", Status: store.StatusPublished}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateEventSession(ctx, later.Slug, "Next week's room", store.EventSession{EventID: later.ID, Kind: store.SessionPlenary,
		Titles: map[string]string{"en": "Briefing"}, StartsAt: now.Add(7 * 24 * time.Hour), EndsAt: now.Add(7*24*time.Hour + 2*time.Hour),
		StartLocal: "2026-03-08T15:30", EndLocal: "2026-03-08T17:30"}); err != nil {
		t.Fatal(err)
	}
	b.Open(t, "/en/events/"+later.Slug+"/live")
	b.untilLive(t, "the upcoming state", func(st liveStats) bool { return st.State == "upcoming" })
	if got := browsertest.Eval[string](t, b.Tab, `document.getElementById('live-status').textContent`); !strings.Contains(got, "Not live yet") {
		t.Errorf("upcoming status %q", got)
	}
	browsertest.AssertNoSeriousViolations(t, b.Ctx, "/en/events/{slug}/live (upcoming)")
	b.Screenshot(t, "live-upcoming.png", 1280, 800)

	// The demo conference's first session is live with its test signal:
	// a newcomer's page plays it (packets flow; the frames carry no
	// picture).
	b.Open(t, "/en/events/asean-digital-diplomacy-forum-2026/live")
	b.untilLive(t, "the demo's test signal", func(st liveStats) bool {
		return st.State == "live" && st.VideoPackets > 10 && st.AudioPackets > 10
	})

	b.Open(t, "/en/events/"+e.Slug+"/live")
	first := b.untilLive(t, "the live page decodes video and audio", func(st liveStats) bool {
		return st.VideoWidth > 0 && st.FramesDecoded > 10 && st.TotalSamplesReceived > 0 && st.State == "live"
	})
	b.untilLive(t, "the live page keeps decoding", func(st liveStats) bool {
		return st.FramesDecoded > first.FramesDecoded+10 && st.TotalSamplesReceived > first.TotalSamplesReceived &&
			st.VideoPackets > first.VideoPackets && st.AudioPackets > first.AudioPackets
	})
	if got := browsertest.Eval[string](t, b.Tab, `document.getElementById('live-status').textContent`); got != "Live" {
		t.Errorf("status %q, want Live", got)
	}
	browsertest.AssertNoSeriousViolations(t, b.Ctx, "/en/events/{slug}/live (playing)")
	b.Screenshot(t, "live-en.png", 1280, 800)

	// Another language channel: the French channel does not exist yet, so
	// the floor keeps playing after the switch.
	b.Do(t, "choose French", chromedp.SetValue(chromedp.CSS("#live-lang"), "fr"), chromedp.Evaluate[chromedp.Void](
		`document.getElementById('live-lang').dispatchEvent(new Event('change'))`))
	b.untilLive(t, "the French channel plays", func(st liveStats) bool {
		return st.State == "live" && st.FramesDecoded > 10 && st.TotalSamplesReceived > 0
	})

	b.Open(t, "/ar/events/"+e.Slug+"/live")
	b.untilLive(t, "the Arabic page plays", func(st liveStats) bool { return st.VideoWidth > 0 && st.FramesDecoded > 5 })
	if dir := browsertest.Eval[string](t, b.Tab, `document.documentElement.dir`); dir != "rtl" {
		t.Errorf("Arabic live page dir = %q", dir)
	}
	browsertest.AssertNoSeriousViolations(t, b.Ctx, "/ar/events/{slug}/live")
	b.Screenshot(t, "live-ar.png", 1280, 800)

}

// liveWithInterpreter makes a public event (slug, English title, the
// languages) whose one session (room) is live now, joins its room as the
// chair, admits an interpreter of booth who goes live from the console,
// and opens the event's live page in a third Chromium that may play sound.
// It returns the viewer's page.
func liveWithInterpreter(t *testing.T, slug, title, room string, langs []string, identity, name, booth string) *browser {
	t.Helper()
	a := newBrowser(t, mediaFlags...)
	db := a.ts.db
	ctx := t.Context()
	now := a.ts.clock.Now().UTC()
	e, err := db.CreateEvent(ctx, store.Event{Slug: slug, Zone: "Asia/Ho_Chi_Minh", StartsAt: now.Add(-time.Hour), EndsAt: now.Add(24 * time.Hour),
		StartLocal: "2026-03-01T15:30", EndLocal: "2026-03-02T16:30", Format: "virtual", Public: true, Languages: langs, SourceLang: "en",
		Translations: map[string]store.EventTranslation{"en": {Title: title, Status: store.StatusPublished}}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := db.CreateEventSession(ctx, e.Slug, room, store.EventSession{EventID: e.ID, Kind: store.SessionPlenary,
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
	open(c, identity, name, sfu.RoleInterpreter, booth)
	a.WaitFor(t, "the chair sees "+name+" waiting", `[...document.querySelectorAll('#waiting-list li')].some(li => li.textContent.includes(`+browsertest.JSString(name)+`))`)
	a.Do(t, "admit "+name, chromedp.Click(chromedp.CSS(`#waiting-list button[aria-label^="Admit: `+name+`"]`)))
	c.WaitFor(t, "the console's toggle appears", `!document.getElementById('interp-toggle').hidden`)
	c.Do(t, "go live", chromedp.Evaluate[chromedp.Void](`document.getElementById('interp-live').click()`))
	c.WaitFor(t, name+" is live", `document.getElementById('interp-console').classList.contains('is-live')`)

	b := browserOn(t, a.ts, a.cat, browsertest.WindowSize(1280, 800),
		browsertest.Flag("disable-features", "WebRtcHideLocalIpsWithMdns"), browsertest.Flag("autoplay-policy", "no-user-gesture-required"))
	b.Open(t, "/en/events/"+e.Slug+"/live")
	return b
}
