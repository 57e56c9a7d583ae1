package events_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/mofa-vn/chancery/internal/browsertest"
)

// TestBrowserEventPage opens the demo conference's public page in English
// and Arabic in a browser whose clock is in the middle of the opening
// plenary and whose zone is New York: each session shows the venue's time
// (Ha Noi) and the reader's own, the plenary is marked as in session and
// the working session is not, and axe-core finds no serious violation.
// Then the staff event editor and session editor, as the demo protocol
// officer.
func TestBrowserEventPage(t *testing.T) {
	const width, height = 1280, 1000
	b := newBrowser(t, browsertest.WindowSize(width, height))
	ctx := t.Context()
	ev, err := b.ts.db.GetEventBySlug(ctx, "asean-digital-diplomacy-forum-2026")
	if err != nil {
		t.Fatal(err)
	}
	sessions, err := b.ts.db.ListEventSessions(ctx, ev.ID)
	if err != nil || len(sessions) != 2 {
		t.Fatalf("demo sessions %v, %v", sessions, err)
	}
	during := sessions[0].StartsAt.Add(30 * time.Minute).UnixMilli()
	b.Do(t, "put the reader in New York, during the plenary",
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			if _, err := cdp.Call(ctx, tg, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "America/New_York"}); err != nil {
				return err
			}
			_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument,
				page.AddScriptToEvaluateOnNewDocumentParams{Source: fmt.Sprintf("Date.now = () => %d;", during)})
			return err
		}))
	for _, code := range []string{"en", "ar"} {
		path := "/" + code + "/events/" + ev.Slug
		b.Open(t, path)
		b.WaitFor(t, "the reader's times", `!document.querySelector("[data-reader-time]").hidden`)
		if zone := b.Text(t, "[data-reader-zone-name]"); !strings.HasPrefix(zone, "America/New_York") {
			t.Errorf("%s: reader zone %q", path, zone)
		}
		venue := b.Text(t, ".session .venue-time")
		reader := b.Text(t, ".session .reader-time")
		if venue == "" || reader == "" || venue == reader {
			t.Errorf("%s: venue time %q, reader time %q", path, venue, reader)
		}
		if !strings.Contains(b.Text(t, ".zones"), "Asia/Ho_Chi_Minh") {
			t.Errorf("%s: the venue's zone is not named", path)
		}
		now := browsertest.Eval[[]bool](t, b.Tab, `[...document.querySelectorAll(".session [data-now]")].map(e => !e.hidden)`)
		if len(now) != 2 || !now[0] || now[1] {
			t.Errorf("%s: now in session %v, want the plenary only", path, now)
		}
		if got := b.Text(t, ".session [data-now]"); got != b.cat.T(code, "events_now_in_session") {
			t.Errorf("%s: badge %q", path, got)
		}
		if code == "ar" && browsertest.Eval[string](t, b.Tab, `document.documentElement.dir`) != "rtl" {
			t.Error("the Arabic page is not right to left")
		}
		browsertest.AssertNoSeriousViolations(t, b.Ctx, path)
		b.Screenshot(t, "event-"+code+".png", width, height)
		b.Open(t, "/"+code+"/events")
		browsertest.AssertNoSeriousViolations(t, b.Ctx, "/"+code+"/events")
	}

	pw := map[string]string{}
	for _, s := range b.ts.demo {
		pw[s.Username] = s.Password
	}
	b.Open(t, "/signin")
	b.SignIn(t, "demo-protocol", pw["demo-protocol"])
	editor := "/admin/events/" + strconv.FormatInt(ev.ID, 10)
	for _, path := range []string{"/admin/events", editor, editor + "/sessions/" + strconv.FormatInt(sessions[0].ID, 10), editor + "/translations/ar", "/admin/events/new"} {
		b.Open(t, path)
		browsertest.AssertNoSeriousViolations(t, b.Ctx, path)
	}
	b.Open(t, editor)
	if got := b.Text(t, "main h1"); !strings.Contains(got, ev.Slug) {
		t.Errorf("editor heading %q", got)
	}
	b.Screenshot(t, "event-editor.png", width, height)
	b.Open(t, editor+"/sessions/"+strconv.FormatInt(sessions[0].ID, 10))
	b.Screenshot(t, "event-session-editor.png", width, height)
}
