package main

// The press office as the whole server wires it, for the tests of what
// crosses areas there: the notifications' badge in every page's layout
// and the media library in the composer (the press office's own tests are
// in internal/press).

import (
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/publishing/pubtest"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
	"github.com/mofa-vn/chancery/locales"
)

// dialogs accepts every dialog the page opens (the warning before leaving
// unsaved changes among them) and remembers their kinds.
type dialogs struct {
	mu    sync.Mutex
	kinds []string
}

func acceptDialogs(t *testing.T, b *browser) *dialogs {
	t.Helper()
	d := &dialogs{}
	err := chromedp.Listen(b.ctx, func(ev any) {
		if e, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			d.mu.Lock()
			d.kinds = append(d.kinds, string(e.Type))
			d.mu.Unlock()
			go func() {
				_, _ = chromedp.Call(b.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
			}()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// pressUIFixture is a press office with an X channel (English and
// Vietnamese: 280 characters, threads, no link cards) and a Facebook
// channel (Vietnamese: link cards, no threads), each served by a fake
// network with those limits, and an officer and an approver.
type pressUIFixture struct {
	ts               *testServer
	a                *app
	db               *store.DB
	clock            *storetest.Clock
	cat              *lang.Catalog
	officer, approve account.User
	x, fb            publishing.Channel
	xNet             *pubtest.Network
}

func newPressUI(t *testing.T) *pressUIFixture {
	t.Helper()
	clock := storetest.NewClock(time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC)) // Monday 08:00 in Ha Noi
	db := storetest.OpenWithClock(t, store.BackendSQLite, clock.Now)
	ui := pubtest.NewUINetworks()
	a, hs := buildTLS(t, testConfig(), db, slog.New(slog.DiscardHandler), io.Discard, buildOptions{now: clock.Now, argon2: cheapArgon, resolve: ui.Resolve}, nil)
	ts := &testServer{Server: hs, db: db, clock: clock, t: t}
	cat, err := lang.NewCatalog(locales.FS, "vi")
	if err != nil {
		t.Fatal(err)
	}
	f := &pressUIFixture{ts: ts, a: a, db: db, clock: clock, cat: cat, xNet: ui.XNet}
	f.officer = ts.addUser("olivia", "officer-password-1", account.RolePressOfficer)
	f.approve = ts.addUser("arthur", "approver-password-1", account.RoleApprover)
	ui.Channels(t, a.publishing, f.officer)
	f.x, f.fb = ui.X, ui.Facebook
	return f
}

// cleared makes a statement in English and Vietnamese for the channels,
// due at due, and has it approved (pubtest.Cleared).
func (f *pressUIFixture) cleared(t *testing.T, title string, due time.Time, channels ...int64) store.Statement {
	t.Helper()
	return pubtest.Cleared(t, f.a.publishing, f.db, f.officer, f.approve, title, due, channels...)
}
