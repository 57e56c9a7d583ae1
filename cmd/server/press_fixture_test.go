package main

// The press office as the whole server wires it, for the tests of what
// crosses areas there: the notifications' badge in every page's layout
// and the media library in the composer (the press office's own tests are
// in internal/press).

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/publishing/pubtest"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
	"github.com/mofa-vn/chancery/locales"
)

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
	xNet := pubtest.New(social.X, social.Limits{MaxLength: 280, Threads: true})
	fbNet := pubtest.New(social.Facebook, social.Limits{MaxLength: 63206, LinkCard: true})
	res := func(_ context.Context, ch publishing.Channel) (social.Publisher, error) {
		if ch.Network == "facebook" {
			return fbNet, nil
		}
		return xNet, nil
	}
	a, hs := buildTLS(t, testConfig(), db, slog.New(slog.DiscardHandler), io.Discard, buildOptions{now: clock.Now, argon2: cheapArgon, resolve: res}, nil)
	ts := &testServer{Server: hs, db: db, clock: clock, t: t}
	cat, err := lang.NewCatalog(locales.FS, "vi")
	if err != nil {
		t.Fatal(err)
	}
	f := &pressUIFixture{ts: ts, a: a, db: db, clock: clock, cat: cat, xNet: xNet}
	f.officer = ts.addUser("olivia", "officer-password-1", account.RolePressOfficer)
	f.approve = ts.addUser("arthur", "approver-password-1", account.RoleApprover)
	f.x, err = a.publishing.CreateChannel(t.Context(), publishing.ActorOf(f.officer), publishing.ChannelInput{Network: "x", Name: "MOFA Viet Nam",
		Account: "MOFA_VN", Languages: []string{"en", "vi"}, TimeZone: "Asia/Ho_Chi_Minh"})
	if err != nil {
		t.Fatal(err)
	}
	f.fb, err = a.publishing.CreateChannel(t.Context(), publishing.ActorOf(f.officer), publishing.ChannelInput{Network: "facebook", Name: "Bộ Ngoại giao",
		Account: "mofavn", Languages: []string{"vi"}, TimeZone: "Asia/Ho_Chi_Minh"})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// cleared makes a statement in English and Vietnamese for the channels,
// due at due, and has it approved.
func (f *pressUIFixture) cleared(t *testing.T, title string, due time.Time, channels ...int64) store.Statement {
	t.Helper()
	st, err := f.a.publishing.SaveStatement(t.Context(), publishing.ActorOf(f.officer), 0, publishing.StatementInput{DueAt: due,
		Variants: []publishing.VariantInput{{Lang: "en", Title: title, Body: title + "."}, {Lang: "vi", Title: title, Body: title + " (vi)."}}, Targets: channels})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.a.publishing.Submit(t.Context(), publishing.ActorOf(f.officer), st.ID); err != nil {
		t.Fatal(err)
	}
	st, _ = f.db.GetStatement(t.Context(), st.ID)
	if _, err := f.a.publishing.Approve(t.Context(), publishing.ActorOf(f.approve), st.ID, st.ContentHash); err != nil {
		t.Fatal(err)
	}
	st, _ = f.db.GetStatement(t.Context(), st.ID)
	return st
}
