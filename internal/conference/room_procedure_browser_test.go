package conference_test

import (
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/mofa-vn/chancery/internal/browsertest"
	"github.com/mofa-vn/chancery/internal/sfu"
)

// TestRoomVoteInTheBrowser: a chair (English) and a head of delegation
// (Arabic) in two Chromium instances. The chair opens a roll call from the
// votes panel; the head answers present and the quorum is shown met to
// both; the chair puts a motion to a secret vote; the head votes with the
// keyboard-usable radio buttons and sees the ballot recorded; the chair
// closes the vote and both see the result, which is read out. Each screen
// passes axe-core and is captured.
func TestRoomVoteInTheBrowser(t *testing.T) {
	a := newBrowser(t, mediaFlags...)
	b := browserOn(t, a.ts, a.cat, mediaFlags...)
	open := func(br *browser, code, identity, name string, role sfu.Role, head bool) {
		t.Helper()
		tok := roomToken(t, a.ts.db, a.ts.clock.Now, sfu.Claims{Identity: identity, Name: name, Delegation: "Viet Nam", Head: head, Role: role,
			Permissions: sfu.DefaultPermissions(role)}, time.Hour)
		br.Open(t, "/"+code+"/rooms/"+testRoom+"?t="+url.QueryEscape(tok)+"&autojoin=1")
	}
	check := func(br *browser, code, what string) {
		t.Helper()
		br.WaitFor(t, code+" "+what+": the page fits the window", fitsWindow)
		browsertest.AssertNoSeriousViolations(t, br.Ctx, "/"+code+"/rooms/ ("+what+")")
		br.Screenshot(t, "room-vote-"+code+"-"+what+".png", 1280, 800)
	}
	msg := func(code, key string, data map[string]any) string {
		return browsertest.Squash(a.cat.T(code, key, data))
	}

	open(a, "en", "chair-1", "Chair Anh", sfu.RoleChair, false)
	a.WaitFor(t, "the chair in the room", `!document.getElementById('room').hidden && window.chanceryRoom.state.pub !== null`)
	open(b, "ar", "vn-1", "Lan", sfu.RoleDelegate, true)
	a.WaitFor(t, "the chair sees Lan waiting", `[...document.querySelectorAll('#waiting-list li')].some(li => li.textContent.includes('Lan'))`)
	a.Do(t, "admit Lan", chromedp.Click(chromedp.CSS(`#waiting-list button[aria-label^="Admit: Lan"]`)))
	b.WaitFor(t, "Lan in the room", `!document.getElementById('room').hidden`)
	for _, br := range []*browser{a, b} {
		br.Do(t, "open the votes panel", chromedp.Click(chromedp.CSS("#procedure-toggle")))
		br.WaitFor(t, "the votes panel is open", `!document.getElementById('procedure-panel').hidden && document.getElementById('proc-quorum').textContent !== ''`)
	}

	// The chair sets a quorum of one delegation, not public yet (the demo
	// room's is two, public).
	a.Do(t, "the chair sets the quorum", chromedp.SetValue(chromedp.CSS("#proc-quorum-kind"), "fixed"),
		chromedp.SetValue(chromedp.CSS("#proc-quorum-n"), "1"),
		chromedp.Click(chromedp.CSS("#proc-public")), // checked: the demo room is public
		chromedp.Click(chromedp.CSS(`#proc-settings-form button[type="submit"]`)))
	b.WaitFor(t, "Lan sees the new quorum", `document.getElementById('proc-quorum').textContent.includes('1')`)

	// The roll call.
	a.Do(t, "the chair opens a roll call", chromedp.Click(chromedp.CSS("#proc-roll-open")))
	b.WaitFor(t, "Lan may answer", `!document.getElementById('proc-answer').hidden`)
	check(b, "ar", "roll-call")
	b.Do(t, "Lan answers present", chromedp.Click(chromedp.CSS("#proc-answer")))
	met := msg("en", "procedure_quorum_met", map[string]any{"Present": 1, "Required": 1, "Members": 0})
	a.WaitFor(t, "the chair sees the quorum met", `document.getElementById('proc-quorum').textContent === `+browsertest.JSString(met)+` || document.getElementById('proc-quorum').classList.contains('met')`)
	b.WaitFor(t, "Lan sees her delegation present", `document.getElementById('proc-mine').textContent.includes('Viet Nam') && document.getElementById('proc-answer').hidden`)
	a.Do(t, "the chair closes the roll call", chromedp.Click(chromedp.CSS("#proc-roll-close")))

	// A secret vote.
	a.Do(t, "the chair puts a motion to a secret vote",
		chromedp.SendKeys(chromedp.CSS("#proc-motion"), "Adopt the agenda"),
		chromedp.Click(chromedp.CSS("#proc-secret")),
		chromedp.Click(chromedp.CSS(`#proc-vote-form button[type="submit"]`)))
	b.WaitFor(t, "Lan sees the motion", `document.querySelector('#proc-vote-current .proc-motion-text')?.textContent === 'Adopt the agenda'`)
	check(b, "ar", "vote-open")
	b.Do(t, "Lan chooses yes and casts the ballot", chromedp.Click(chromedp.CSS("#proc-choice-yes")), chromedp.Click(chromedp.CSS("#proc-cast")))
	voted := msg("ar", "procedure_you_voted", map[string]any{"Choice": msg("ar", "procedure_choice_yes", nil)})
	b.WaitFor(t, "Lan's ballot is recorded", `document.querySelector('#proc-vote-current .proc-own')?.textContent === `+browsertest.JSString(voted))
	a.WaitFor(t, "the chair sees one ballot", `document.querySelector('#proc-vote-current .proc-voted')?.textContent.startsWith('1 ')`)
	if n := browsertest.Eval[int](t, a.Tab, `document.querySelectorAll('#proc-results li').length`); n != 0 {
		t.Fatalf("%d results while the vote is open", n)
	}
	check(a, "en", "vote-open")

	// The chair closes the vote: the result for both, read out.
	a.Do(t, "the chair closes the vote", chromedp.Click(chromedp.CSS(`#proc-vote-current button.secondary`)))
	result := msg("en", "procedure_result_adopted", map[string]any{"Motion": "\u2068Adopt the agenda\u2069", "Yes": 1, "No": 0, "Abstain": 0})
	a.WaitFor(t, "the chair sees the result", `document.querySelector('#proc-results .proc-outcome')?.textContent === `+browsertest.JSString(result))
	a.WaitFor(t, "the result is read out", `document.getElementById('room-status').textContent === `+browsertest.JSString(result))
	b.WaitFor(t, "Lan sees the result", `document.querySelector('#proc-results li.adopted') !== null`)
	check(a, "en", "result")
	check(b, "ar", "result")

	// The side panels share the column beside the stage without covering
	// one another, above the control bar, at the laptop and desktop sizes
	// and on a phone, in English and in Arabic: the chair has the people,
	// the chat and the votes open, and so has Lan.
	for _, br := range []*browser{a, b} {
		if browsertest.Eval[bool](t, br.Tab, `document.getElementById('chat-panel').hidden`) {
			br.Do(t, "open the chat beside the votes", chromedp.Click(chromedp.CSS("#chat-toggle")))
		}
		br.WaitFor(t, "the chat is open", `!document.getElementById('chat-panel').hidden`)
	}
	// panelsApart is "" when no two open panels' boxes overlap, each is
	// inside the window above the control bar with its title in view, and
	// the chat's Send button is whole inside the chat panel; else what is wrong.
	const panelsApart = `(() => {
		const ps = [...document.querySelectorAll('#side > .panel')].filter(p => !p.hidden), bar = document.querySelector('.controls').getBoundingClientRect();
		const r = e => e.getBoundingClientRect(), inside = (a, b) => a.top >= b.top - 0.5 && a.bottom <= b.bottom + 0.5 && a.left >= b.left - 0.5 && a.right <= b.right + 0.5;
		const bad = [];
		if (ps.length < 3) bad.push(ps.length + ' panels open');
		ps.forEach((p, i) => {
			const a = r(p);
			if (a.height < 40 || a.top < 0 || a.left < 0 || a.right > innerWidth || a.bottom > bar.top + 0.5) bad.push(p.id + ' outside the window or under the bar');
			if (!inside(r(p.querySelector('.panel-head')), a)) bad.push(p.id + ': the title is out of view');
			for (const q of ps.slice(i + 1)) { const b = r(q); if (a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5 && a.left < b.right - 0.5 && b.left < a.right - 0.5) bad.push(p.id + ' overlaps ' + q.id); }
		});
		if (!inside(r(document.querySelector('#chat-form button[type=submit]')), r(document.getElementById('chat-panel')))) bad.push('the Send button is cut off');
		return bad.join('; ');
	})()`
	for _, size := range [][2]int{{1280, 800}, {1440, 900}, {375, 812}} {
		for _, br := range []struct {
			b    *browser
			code string
		}{{a, "en"}, {b, "ar"}} {
			w, h := size[0], size[1]
			what := br.code + " " + itoa(int64(w)) + "×" + itoa(int64(h))
			br.b.Do(t, what, chromedp.EmulateViewport(int64(w), int64(h)))
			br.b.WaitFor(t, what+": the window is resized", `window.innerWidth === `+itoa(int64(w))+` && window.innerHeight === `+itoa(int64(h)))
			if got := browsertest.Eval[string](t, br.b.Tab, panelsApart); got != "" {
				t.Errorf("%s: %s", what, got)
			}
			br.b.Screenshot(t, "room-panels-"+br.code+"-"+itoa(int64(w))+".png", w, h)
		}
	}
	for _, br := range []*browser{a, b} {
		br.Do(t, "back to the window's size", chromedp.EmulateReset())
	}

	// The chair makes the procedure public: observers see the result
	// without signing in, and the result sheet prints in Arabic.
	a.Do(t, "the chair makes the procedure public", chromedp.Click(chromedp.CSS("#proc-public")),
		chromedp.Click(chromedp.CSS(`#proc-settings-form button[type="submit"]`)))
	deadline := time.Now().Add(20 * time.Second)
	for {
		pr, err := a.ts.db.ProcedureRoom(t.Context(), testRoom)
		if err == nil && pr.Public {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the procedure is not public: %+v %v", pr, err)
		}
		time.Sleep(50 * time.Millisecond) // polling the database, not timing an assertion
	}
	vs, err := a.ts.db.RoomVotes(t.Context(), testRoom, 1)
	if err != nil || len(vs) != 1 {
		t.Fatalf("votes %+v: %v", vs, err)
	}
	obs := browserOn(t, a.ts, a.cat)
	obs.Open(t, "/en/rooms/"+testRoom+"/observe")
	obs.WaitFor(t, "the observers see the result", `document.querySelector('#obs-results .proc-outcome')?.textContent === `+browsertest.JSString(result))
	browsertest.AssertNoSeriousViolations(t, obs.Ctx, "/en/rooms/observe")
	obs.Screenshot(t, "procedure-observe-en.png", 1280, 800)
	obs.Open(t, "/ar/rooms/"+testRoom+"/votes/"+strconv.FormatInt(vs[0].ID, 10))
	obs.WaitFor(t, "the Arabic sheet", `document.documentElement.dir === 'rtl' && document.querySelector('.sheet-counts') !== null`)
	browsertest.AssertNoSeriousViolations(t, obs.Ctx, "/ar/rooms/votes")
	obs.Screenshot(t, "procedure-sheet-ar.png", 1280, 800)
}
