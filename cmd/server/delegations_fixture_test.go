package main

import (
	"context"
	"net/http"
	"testing"

	"github.com/mofa-vn/chancery/internal/events/delegations/delegationstest"
	"github.com/mofa-vn/chancery/internal/mail/mailtest"
	"github.com/mofa-vn/chancery/internal/store"
)

// The delegations' behaviour is tested in internal/events/delegations;
// what stays here are the helpers of the tests of the whole server that
// pass through accreditation (the OpenAPI document, the browser tests), on
// the delegations' shared kit.

type registrationForm = delegationstest.Form

func goodForm(name, category string) registrationForm {
	return delegationstest.GoodForm(name, category)
}

func linkPath(t *testing.T, link string) string { t.Helper(); return delegationstest.LinkPath(t, link) }

func pathQuery(t *testing.T, link string) string {
	t.Helper()
	return delegationstest.PathQuery(t, link)
}

func readInvitation(t *testing.T, m mailtest.Received) invitation {
	t.Helper()
	return delegationstest.ReadInvitation(t, m)
}

func icsEvents(t *testing.T, ics []byte) []map[string]any {
	t.Helper()
	return delegationstest.ICSEvents(t, ics)
}

func createEvent(t *testing.T, db *store.DB, slug, title string) store.Event {
	t.Helper()
	return delegationstest.CreateEvent(t, db, slug, title)
}

var joinLinkRE = delegationstest.JoinLinkRE

type invitation = delegationstest.Invitation

func registrationsOf(t *testing.T, db *store.DB, event int64) []store.Registration {
	t.Helper()
	regs, err := db.ListRegistrations(context.Background(), store.RegistrationFilter{EventID: event})
	if err != nil {
		t.Fatal(err)
	}
	return regs
}

// register sends the form to the registration link's path.
func (ts *testServer) register(path string, f registrationForm) response {
	ts.t.Helper()
	ct, body := f.MultipartBody(ts.t)
	return ts.send(ts.client(), http.MethodPost, path, ct, body, nil)
}
