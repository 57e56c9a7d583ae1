package main

import (
	"net/http"
	"testing"

	"github.com/mofa-vn/chancery/internal/account"
)

// apiEvents does through the API what a protocol officer does on
// /admin/events: create an event (refused, with nothing saved, when its
// zone does not exist or its slug is taken), change it, save a
// translation, add, change and delete sessions, and release the
// timetable. It returns the path values of an event and a session, for
// the requests every route gets.
func apiEvents(t *testing.T, ts *testServer, admin apiClient, as func(string, string) apiClient) map[string]string {
	t.Helper()
	ts.addUser("pia", "protocol-password-1", account.RoleProtocolOfficer)
	officer := as("pia", "protocol-password-1")
	none := map[string]string{}
	in := eventInput("asean-digital-forum")
	bad := eventInput("asean-digital-forum")
	bad["zone"] = "Europe/Geneva"
	apiWantError(t, officer.call("POST /api/v1/events", none, bad, 422), "events_error_zone_suggest", "zone")
	created := apiObject(t, officer.call("POST /api/v1/events", none, in, 201))
	officer.call("POST /api/v1/events", none, in, 409)
	id := apiID(t, created)
	ev := map[string]string{"id": id}
	other := eventInput("other-forum")
	otherID := apiID(t, apiObject(t, officer.call("POST /api/v1/events", none, other, 201)))
	officer.call("GET /api/v1/events", none, nil, 200)
	officer.call("GET /api/v1/events/{id}", ev, nil, 200)
	officer.call("PATCH /api/v1/events/{id}", ev, map[string]any{"format": "virtual"}, 200)
	officer.call("PATCH /api/v1/events/{id}", map[string]string{"id": otherID}, map[string]any{"slug": "asean-digital-forum"}, 409)
	apiWantError(t, officer.call("PATCH /api/v1/events/{id}", ev, map[string]any{"end": "2026-03-01T00:00"}, 422), "events_error_end_before_start", "end")
	tr := map[string]string{"id": id, "tl": "fr"}
	officer.call("PUT /api/v1/events/{id}/translations/{tl}", tr, map[string]any{"title": "Forum numérique de l’ASEAN", "publish": true}, 200)
	officer.call("PUT /api/v1/events/{id}/translations/{tl}", tr, map[string]any{"title": ""}, 422)
	session := map[string]any{"kind": "plenary", "start": "2026-03-10T09:00", "end": "2026-03-10T10:00", "titles": map[string]string{"en": "Opening"}}
	s := apiObject(t, officer.call("POST /api/v1/events/{id}/sessions", ev, session, 201))
	sid := apiID(t, s)
	backwards := map[string]any{"kind": "plenary", "start": "2026-03-10T11:00", "end": "2026-03-10T10:00", "titles": map[string]string{"en": "x"}}
	apiWantError(t, officer.call("POST /api/v1/events/{id}/sessions", ev, backwards, 422), "events_error_end_before_start", "end")
	ses := map[string]string{"id": id, "sid": sid}
	officer.call("PATCH /api/v1/events/{id}/sessions/{sid}", ses, map[string]any{"titles": map[string]string{"en": "Opening plenary"}}, 200)
	officer.call("PATCH /api/v1/events/{id}/sessions/{sid}", ses, map[string]any{"kind": "concert"}, 422)
	// A session of another event is not found through this one.
	officer.call("PATCH /api/v1/events/{id}/sessions/{sid}", map[string]string{"id": otherID, "sid": sid}, map[string]any{}, 404)
	rel := apiObject(t, officer.call("POST /api/v1/events/{id}/release", ev, nil, 201))
	if rel["version"] != float64(1) {
		t.Fatalf("release %v", rel)
	}
	officer.call("DELETE /api/v1/events/{id}/sessions/{sid}", ses, nil, http.StatusConflict)
	draft := apiID(t, apiObject(t, officer.call("POST /api/v1/events/{id}/sessions", ev, session, 201)))
	officer.call("DELETE /api/v1/events/{id}/sessions/{sid}", map[string]string{"id": id, "sid": draft}, nil, 204)
	officer.call("DELETE /api/v1/events/{id}/sessions/{sid}", map[string]string{"id": id, "sid": draft}, nil, 404)
	return ses
}
