package main

import (
	"math"
	"net/url"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/mofa-vn/chancery/internal/browsertest"
	"github.com/mofa-vn/chancery/internal/config"
	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/store"
)

// testFreeSpace, when set, is the free disk space the test servers'
// recordings see (newTestServerAt). Only TestBrowserRoomRecording sets it.
var testFreeSpace func(string) (uint64, error)

// TestBrowserRoomRecording is a chair in Chromium (English) and a
// delegate in another (Arabic, right to left) in one room. The chair
// starts and stops the recording from the control bar with the keyboard;
// both see the "recording" indicator come and go, only the chair has the
// button; the database says who stopped it, and ffmpeg decodes Chromium's
// VP8 (WebM) and Opus (Ogg) as recorded. When the disk fills during a
// second recording, the recording stops, the indicator goes off for
// everyone and the chair is warned in the room; a new start on the full
// disk is refused with the reason. axe-core passes on both
// pages; screenshots are saved.
func TestBrowserRoomRecording(t *testing.T) {
	var free atomic.Uint64
	free.Store(1 << 40)
	testFreeSpace = func(string) (uint64, error) { return free.Load(), nil }
	t.Cleanup(func() { testFreeSpace = nil })
	dir := t.TempDir()
	a := newBrowserWith(t, func(c *config.Config) { c.Conference.RecordingDir = dir }, mediaFlags...)
	b := browserOn(t, a.ts, a.cat, mediaFlags...)
	join := func(br *browser, code, identity, name string, role sfu.Role) {
		tok := roomToken(t, a.ts.db, a.ts.clock.Now, sfu.Claims{Identity: identity, Name: name, Delegation: "Delegation " + identity, Role: role, Permissions: sfu.DefaultPermissions(role)}, time.Hour)
		br.Open(t, "/"+code+"/rooms/"+testRoom+"?t="+url.QueryEscape(tok)+"&autojoin=1")
	}
	join(a, "en", "chair-1", "Chair Anh", sfu.RoleChair)
	a.WaitFor(t, "the chair in the room", `!document.getElementById('room').hidden && window.chanceryRoom.state.pub !== null`)
	join(b, "ar", "d-1", "Layla", sfu.RoleDelegate)
	a.WaitFor(t, "the delegate waiting", `[...document.querySelectorAll('#waiting-list li')].some(li => li.textContent.includes('Layla'))`)
	a.Do(t, "admit the delegate", chromedp.Click(chromedp.CSS(`#waiting-list button[aria-label^="Admit: Layla"]`)))
	b.WaitFor(t, "the delegate in the room", `!document.getElementById('room').hidden && window.chanceryRoom.state.camTx !== null`)

	indicator := `!document.getElementById('recording-indicator').hidden`
	if browsertest.Eval[bool](t, a.Tab, indicator) || browsertest.Eval[bool](t, b.Tab, indicator) {
		t.Fatal("a recording indicator before any recording")
	}
	if !browsertest.Eval[bool](t, b.Tab, `document.getElementById('record-toggle').hidden`) {
		t.Error("the delegate has the record button")
	}
	a.WaitFor(t, "the chair's record button", `!document.getElementById('record-toggle').hidden`)
	if got := a.Text(t, "#record-toggle"); got != "Start recording" {
		t.Errorf("the button says %q", got)
	}

	// Start with the keyboard: focus and Enter.
	a.Do(t, "start recording with Enter", chromedp.Focus(chromedp.CSS("#record-toggle")), chromedp.KeyEvent(kb.Enter))
	a.WaitFor(t, "the chair sees the indicator", indicator)
	b.WaitFor(t, "the delegate sees the indicator", indicator)
	if !a.ts.app.sfu.Recording(testRoom) {
		t.Fatal("the server does not record")
	}
	if got, want := b.Text(t, "#recording-indicator"), browsertest.Squash(a.cat.T("ar", "recording_room_on", nil)); got != want {
		t.Errorf("the Arabic indicator says %q, want %q", got, want)
	}
	b.WaitFor(t, "the delegate's screen reader is told", `document.getElementById('recording-status').textContent === `+browsertest.JSString(a.cat.T("ar", "recording_room_started", nil)))
	if got := a.Text(t, "#record-toggle"); got != "Stop recording" {
		t.Errorf("while recording the button says %q", got)
	}
	browsertest.AssertNoSeriousViolations(t, a.Ctx, "/en/rooms/ (chair, recording)")
	browsertest.AssertNoSeriousViolations(t, b.Ctx, "/ar/rooms/ (delegate, recording)")
	a.Screenshot(t, "room-recording-en-chair.png", 1280, 800)
	b.Screenshot(t, "room-recording-ar-delegate.png", 1280, 800)

	// Stop with the keyboard: Space on the focused button.
	a.Do(t, "stop recording with Space", chromedp.Focus(chromedp.CSS("#record-toggle")), chromedp.KeyEvent(" "))
	b.WaitFor(t, "the indicator goes off for the delegate", `document.getElementById('recording-indicator').hidden`)
	a.WaitFor(t, "and for the chair", `document.getElementById('recording-indicator').hidden`)
	// The room is told before the files are closed and the stop stored.
	var rec store.Recording
	for deadline := time.Now().Add(browsertest.ActionTimeout); ; time.Sleep(100 * time.Millisecond) {
		rows, err := a.ts.db.ListRecordings(t.Context(), testRoom)
		if err == nil && len(rows) == 1 && rows[0].StartedBy == "chair-1" && rows[0].StoppedBy == "chair-1" && rows[0].Reason == "chair" && len(rows[0].Files) > 0 {
			rec = rows[0]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("recordings in the database: %+v %v", rows, err)
		}
	}
	// Chromium's VP8 and Opus, written as they came, decode in ffmpeg, the
	// frames' times strictly increasing (passthrough: Chromium's capture
	// times are not at a fixed rate, which ffmpeg would otherwise round to).
	kinds := map[string]bool{}
	for _, f := range rec.Files {
		kinds[f.ContentType] = true
		path := filepath.Join(dir, testRoom, rec.Recording, f.Name)
		// ffprobe reads the file's own packet times: they must strictly
		// increase. Then ffmpeg decodes every frame, its output clock in
		// the file's milliseconds (-enc_time_base -1), since at the default
		// (one tick per frame of the guessed rate) two of Chromium's
		// frames closer than a tick collide in ffmpeg's own null output.
		probe, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "0", "-show_entries", "packet=pts", "-of", "csv=p=0", path).Output()
		if err != nil {
			t.Errorf("ffprobe %s: %v", f.Name, err)
		}
		last, n := int64(math.MinInt64), 0 // Opus in Ogg starts before 0 (its pre-skip)
		for _, line := range strings.Fields(string(probe)) {
			pts, err := strconv.ParseInt(strings.TrimSuffix(line, ","), 10, 64)
			if err != nil {
				continue
			}
			if pts <= last {
				t.Errorf("%s: packet %d at %d after %d", f.Name, n, pts, last)
			}
			last, n = pts, n+1
		}
		if n == 0 {
			t.Errorf("%s: no packet", f.Name)
		}
		if out, err := exec.Command("ffmpeg", "-v", "error", "-xerror", "-i", path, "-fps_mode", "passthrough", "-enc_time_base", "-1", "-f", "null", "-").CombinedOutput(); err != nil || len(out) > 0 {
			t.Errorf("ffmpeg decoding %s (%d bytes): %v %s", f.Name, f.Bytes, err, out)
		}
	}
	if !kinds["video/webm"] || !kinds["audio/ogg"] {
		t.Errorf("files recorded: %+v", rec.Files)
	}

	// A second recording, during which the disk fills.
	a.Do(t, "start again", chromedp.Click(chromedp.CSS("#record-toggle")))
	b.WaitFor(t, "the delegate sees the indicator again", indicator)
	free.Store(1 << 20)
	a.ts.clock.Advance(3 * time.Second) // the recorder looks at the disk every 2 s of the server's clock
	a.WaitFor(t, "the chair is warned", `!document.getElementById('recording-alert').hidden`)
	if got, want := a.Text(t, "#recording-alert"), browsertest.Squash(a.cat.T("en", "recording_room_low_disk", nil)); got != want {
		t.Errorf("the warning says %q, want %q", got, want)
	}
	b.WaitFor(t, "the indicator goes off for the delegate", `document.getElementById('recording-indicator').hidden`)
	if !browsertest.Eval[bool](t, b.Tab, `document.getElementById('recording-alert').hidden`) {
		t.Error("the delegate got the chair's disk warning")
	}
	if a.ts.app.sfu.Recording(testRoom) {
		t.Error("still recording on a full disk")
	}
	// Starting again on the full disk is refused, and the chair is told why.
	a.Do(t, "start on the full disk", chromedp.Click(chromedp.CSS("#record-toggle")))
	a.WaitFor(t, "the chair is told why", `document.getElementById('room-alert').textContent === `+browsertest.JSString(a.cat.T("en", "recording_error_low_disk", nil)))
	if a.ts.app.sfu.Recording(testRoom) {
		t.Error("a recording started on a full disk")
	}
	browsertest.AssertNoSeriousViolations(t, a.Ctx, "/en/rooms/ (chair, low disk)")
	a.Screenshot(t, "room-recording-en-low-disk.png", 1280, 800)
}
