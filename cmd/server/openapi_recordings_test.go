package main

import (
	"testing"

	"github.com/mofa-vn/chancery/internal/store"
)

// apiRoomRecordings starts and stops a room's recording through the API,
// as a moderator does from the room: a second start is refused, the list
// shows it running, then finished; a second stop is not found.
func apiRoomRecordings(t *testing.T, admin apiClient, room store.Room) {
	t.Helper()
	slug := map[string]string{"slug": room.Slug}
	admin.call("POST /api/v1/rooms/{slug}/recording", slug, nil, 204)
	apiWantError(t, admin.call("POST /api/v1/rooms/{slug}/recording", slug, nil, 409), "recording_error_already", "")
	if got := apiObject(t, admin.call("GET /api/v1/rooms/{slug}/recordings", slug, nil, 200)); got["recording"] != true {
		t.Fatalf("recordings while recording: %v", got)
	}
	admin.call("DELETE /api/v1/rooms/{slug}/recording", slug, nil, 204)
	admin.call("DELETE /api/v1/rooms/{slug}/recording", slug, nil, 404)
	got := apiObject(t, admin.call("GET /api/v1/rooms/{slug}/recordings", slug, nil, 200))
	if list, _ := got["recordings"].([]any); got["recording"] != false || len(list) != 1 || apiObject(t, apiObject(t, list[0])["manifest"])["stopped"] == nil {
		t.Fatalf("recordings after the stop: %v", got)
	}
}
