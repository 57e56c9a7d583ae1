package pubtest

import (
	"context"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
)

// UI is the press office of the user-interface tests (the press office's
// and cmd/server's): an X channel (English and Vietnamese: 280
// characters, threads, no link cards) and a Facebook channel (Vietnamese:
// link cards, no threads), each served by a fake network with those
// limits.
type UI struct {
	X, Facebook       publishing.Channel
	XNet, FacebookNet *Network
}

// NewUINetworks makes the fake networks of UI; Resolve serves a press
// office with them, before its channels exist.
func NewUINetworks() *UI {
	return &UI{XNet: New(social.X, social.Limits{MaxLength: 280, Threads: true}),
		FacebookNet: New(social.Facebook, social.Limits{MaxLength: 63206, LinkCard: true})}
}

// Resolve serves the Facebook channels with FacebookNet and every other
// with XNet.
func (u *UI) Resolve(_ context.Context, ch publishing.Channel) (social.Publisher, error) {
	if ch.Network == "facebook" {
		return u.FacebookNet, nil
	}
	return u.XNet, nil
}

// Channels creates the two channels through svc as officer.
func (u *UI) Channels(t testing.TB, svc *publishing.Service, officer account.User) {
	t.Helper()
	var err error
	u.X, err = svc.CreateChannel(t.Context(), publishing.ActorOf(officer), publishing.ChannelInput{Network: "x", Name: "MOFA Viet Nam",
		Account: "MOFA_VN", Languages: []string{"en", "vi"}, TimeZone: "Asia/Ho_Chi_Minh"})
	if err != nil {
		t.Fatal(err)
	}
	u.Facebook, err = svc.CreateChannel(t.Context(), publishing.ActorOf(officer), publishing.ChannelInput{Network: "facebook", Name: "Bộ Ngoại giao",
		Account: "mofavn", Languages: []string{"vi"}, TimeZone: "Asia/Ho_Chi_Minh"})
	if err != nil {
		t.Fatal(err)
	}
}

// Cleared makes a statement in English and Vietnamese for the channels,
// due at due, as officer, and has approver approve it.
func Cleared(t testing.TB, svc *publishing.Service, db *store.DB, officer, approver account.User, title string, due time.Time, channels ...int64) store.Statement {
	t.Helper()
	st, err := svc.SaveStatement(t.Context(), publishing.ActorOf(officer), 0, publishing.StatementInput{DueAt: due,
		Variants: []publishing.VariantInput{{Lang: "en", Title: title, Body: title + "."}, {Lang: "vi", Title: title, Body: title + " (vi)."}}, Targets: channels})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Submit(t.Context(), publishing.ActorOf(officer), st.ID); err != nil {
		t.Fatal(err)
	}
	st, _ = db.GetStatement(t.Context(), st.ID)
	if _, err := svc.Approve(t.Context(), publishing.ActorOf(approver), st.ID, st.ContentHash); err != nil {
		t.Fatal(err)
	}
	st, _ = db.GetStatement(t.Context(), st.ID)
	return st
}
