package conference_test

import (
	"context"
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/mofa-vn/chancery/internal/browsertest"
	"github.com/mofa-vn/chancery/internal/sfu"
)

// channelStats reads, from the page's subscribing connection, what arrived
// on the French channel's track (found as room.js maps received media, by
// the msid of its m-section): its SSRC and packets.
const channelStats = `(async () => {
  const pc = window.chanceryRoom.state.sub, track = window.chanceryRoom.state.media.get('interp-fr');
  if (!pc || !track) return {ssrc: 0, packets: 0};
  const r = await pc.getStats();
  let out = {ssrc: 0, packets: 0};
  r.forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'audio' && s.trackIdentifier === track.id) out = {ssrc: s.ssrc, packets: s.packetsReceived}; });
  return out;
})()`

// diag describes a page's tracks and receivers when a test fails.
const diag = `(async () => {
  const st = window.chanceryRoom.state, out = {tracks: [...st.tracks.values()], media: [...st.media].map(([k, v]) => [k, v.id]), self: st.self, specs: st.specs, stats: []};
  for (const pc of [st.sub, st.pub]) { if (!pc) continue; (await pc.getStats()).forEach((s) => { if (s.type === 'inbound-rtp' || s.type === 'outbound-rtp') out.stats.push({type: s.type, kind: s.kind, track: s.trackIdentifier, mid: s.mid, ssrc: s.ssrc, p: s.packetsReceived ?? s.packetsSent}); }); }
  return out;
})()`

type chanStats struct {
	SSRC    uint32 `json:"ssrc"`
	Packets int    `json:"packets"`
}

// TestRoomInterpretationInTheBrowser: two interpreters of the French booth
// (a French and an Arabic page) and a chair who listens, in three
// Chromium instances with fake microphones. The chair chooses French in
// the interpretation panel; the first interpreter goes live from the
// console and the chair receives the channel; she offers the handover,
// her partner accepts with the keyboard, she switches, and the chair keeps
// receiving on the same track (same SSRC, packets still counting) with
// nothing renegotiated. Each console passes axe-core and is captured.
func TestRoomInterpretationInTheBrowser(t *testing.T) {
	a := newBrowser(t, mediaFlags...)
	second := func() *browser {
		return browserOn(t, a.ts, a.cat, mediaFlags...)
	}
	b, c := second(), second()
	open := func(br *browser, code, identity, name string, role sfu.Role, booth string) {
		t.Helper()
		tok := roomToken(t, a.ts.db, a.ts.clock.Now, sfu.Claims{Identity: identity, Name: name, Role: role, Booth: booth,
			Permissions: sfu.DefaultPermissions(role)}, time.Hour)
		br.Open(t, "/"+code+"/rooms/"+testRoom+"?t="+url.QueryEscape(tok)+"&autojoin=1")
	}
	check := func(br *browser, code, what string) {
		t.Helper()
		br.WaitFor(t, code+" "+what+": the page fits the window", fitsWindow)
		browsertest.AssertNoSeriousViolations(t, br.Ctx, "/"+code+"/rooms/ ("+what+")")
		br.Screenshot(t, "room-interp-"+code+"-"+what+".png", 1280, 800)
	}
	msg := func(code, key, name string) string {
		return browsertest.Squash(a.cat.T(code, key, map[string]any{"Name": name}))
	}
	awaited := func(br *browser, expr string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(br.Ctx, browsertest.ActionTimeout)
		defer cancel()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr+`.then(JSON.stringify)`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("evaluate: %v", err)
		}
		return s
	}
	stats := func(br *browser) chanStats {
		var cs chanStats
		if err := json.Unmarshal([]byte(awaited(br, channelStats)), &cs); err != nil {
			t.Fatal(err)
		}
		return cs
	}
	// press clicks a control of the interpretation panel as the page's
	// own handler receives it, wherever the panel scrolled it.
	press := func(id string) chromedp.Action[chromedp.Void] {
		return chromedp.Evaluate[chromedp.Void](`document.getElementById('` + id + `').scrollIntoView({block: 'center'}); document.getElementById('` + id + `').click()`)
	}

	open(a, "en", "chair-1", "Chair Anh", sfu.RoleChair, "")
	a.WaitFor(t, "the chair in the room", `!document.getElementById('room').hidden && window.chanceryRoom.state.pub !== null`)
	open(b, "fr", "int-1", "Amélie", sfu.RoleInterpreter, "fr")
	open(c, "ar", "int-2", "Karim", sfu.RoleInterpreter, "fr")
	for _, name := range []string{"Amélie", "Karim"} {
		a.WaitFor(t, "the chair sees "+name+" waiting", `[...document.querySelectorAll('#waiting-list li')].some(li => li.textContent.includes(`+browsertest.JSString(name)+`))`)
		a.Do(t, "admit "+name, chromedp.Click(chromedp.CSS(`#waiting-list button[aria-label^="Admit: `+name+`"]`)))
	}
	for _, br := range []*browser{b, c} {
		br.WaitFor(t, "the interpreter publishes into the booth", `window.chanceryRoom.state.specs.some(s => s.source === 'interpretation' && s.language === 'fr')`)
		br.WaitFor(t, "the console's toggle appears", `!document.getElementById('interp-toggle').hidden`)
		br.Do(t, "open the console", press("interp-toggle"))
		br.WaitFor(t, "the console shows", `!document.getElementById('interp-console').hidden && document.getElementById('interp-listener').hidden`)
	}

	// The chair listens to French.
	a.WaitFor(t, "the chair's toggle appears", `!document.getElementById('interp-toggle').hidden`)
	a.Do(t, "open the interpretation panel", press("interp-toggle"))
	a.Do(t, "choose French", chromedp.SetValue(chromedp.CSS("#interp-language"), "fr"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('interp-language').dispatchEvent(new Event('change'))`))
	b.WaitFor(t, "nobody live yet", `document.getElementById('interp-state').textContent === `+browsertest.JSString(msg("fr", "interp_state_off", "")))

	// Amélie goes live: the chair receives the channel, the floor ducked.
	b.Do(t, "Amélie goes live", press("interp-live"))
	b.WaitFor(t, "Amélie is live", `document.getElementById('interp-state').textContent === `+browsertest.JSString(msg("fr", "interp_state_live", "")))
	c.WaitFor(t, "Karim is on standby", `document.getElementById('interp-state').textContent === `+browsertest.JSString(msg("ar", "interp_state_standby", "Amélie")))
	var first chanStats
	a.WaitFor(t, "the channel plays", `document.getElementById('interp-channel').srcObject !== null`)
	deadline := time.Now().Add(30 * time.Second)
	for first = stats(a); first.Packets < 50; first = stats(a) {
		if time.Now().After(deadline) {
			t.Fatalf("the chair receives %d packets of the French channel; chair %s; Amélie %s", first.Packets, awaited(a, diag), awaited(b, diag))
		}
		time.Sleep(200 * time.Millisecond)
	}
	if g := browsertest.Eval[float64](t, a.Tab, `window.chanceryRoom.floorGain`); g != float64(sfu.DefaultDucking)/100 {
		t.Errorf("the floor plays at %v under the channel, want the room's %d %%", g, sfu.DefaultDucking)
	}
	check(a, "en", "listener")
	check(b, "fr", "live")

	// Karim cannot go live over Amélie: the button is disabled and says so.
	c.WaitFor(t, "Karim's go-live is disabled", `document.getElementById('interp-live').disabled`)
	check(c, "ar", "standby")

	// Handover: offer, accept with the keyboard, switch.
	b.Do(t, "offer the handover", press("interp-offer"))
	c.WaitFor(t, "Karim sees the offer", `!document.getElementById('interp-accept').hidden`)
	c.Do(t, "accept with the keyboard", chromedp.Evaluate[chromedp.Void](`document.getElementById('interp-accept').scrollIntoView({block: 'center'}); document.getElementById('interp-accept').focus()`), chromedp.KeyEvent("\r"))
	b.WaitFor(t, "Amélie may switch", `!document.getElementById('interp-switch').hidden`)
	sdp := browsertest.Eval[string](t, a.Tab, `window.chanceryRoom.state.sub.remoteDescription.sdp`)
	b.Do(t, "switch now", press("interp-switch"))
	c.WaitFor(t, "Karim is live", `document.getElementById('interp-state').textContent === `+browsertest.JSString(msg("ar", "interp_state_live", "")))
	b.WaitFor(t, "Amélie is on standby", `document.getElementById('interp-state').textContent === `+browsertest.JSString(msg("fr", "interp_state_standby", "Karim")))
	deadline = time.Now().Add(30 * time.Second)
	var after chanStats
	for after = stats(a); after.Packets < first.Packets+100; after = stats(a) {
		if time.Now().After(deadline) {
			t.Fatalf("the channel stopped after the handover: %d then %d packets", first.Packets, after.Packets)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if after.SSRC != first.SSRC {
		t.Errorf("the channel's track changed across the handover: SSRC %d then %d", first.SSRC, after.SSRC)
	}
	if now := browsertest.Eval[string](t, a.Tab, `window.chanceryRoom.state.sub.remoteDescription.sdp`); now != sdp {
		t.Errorf("the chair's connection was renegotiated across the handover")
	}
	check(c, "ar", "live")
	check(b, "fr", "standby")
}
