package main

import (
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/store"
)

// apiRoomManagement does through the API what an administrator does on
// /admin/rooms/{slug}: create a room, rename it in Arabic, schedule it,
// invite a list, see who is in it, archive it (which refuses invitations)
// and bring it back. paul is the protocol officer apiRoomAccess assigned
// to room and then removed.
func apiRoomManagement(t *testing.T, ts *testServer, admin apiClient, room store.Room) {
	t.Helper()
	slug := map[string]string{"slug": room.Slug}
	none := map[string]string{}
	now := ts.clock.Now().UTC()

	made := apiObject(t, admin.call("POST /api/v1/rooms", none, map[string]any{"slug": "side-event-2026", "title": "Side event",
		"titles": map[string]string{"vi": "Sự kiện bên lề"}, "opens_at": now.Add(24 * time.Hour).Format(time.RFC3339)}, 201))
	if made["state"] != "scheduled" {
		t.Fatalf("created room: %v", made)
	}
	apiWantError(t, admin.call("POST /api/v1/rooms", none, map[string]any{"slug": "side-event-2026", "title": "Again"}, 409), "room_manage_slug_taken", "slug")
	apiWantError(t, admin.call("POST /api/v1/rooms", none, map[string]any{"slug": "Not a slug", "title": "X"}, 400), "room_manage_slug_invalid", "slug")
	if rooms := admin.call("GET /api/v1/rooms", none, nil, 200).([]any); len(rooms) < 2 {
		t.Fatalf("rooms: %v", rooms)
	}
	admin.call("GET /api/v1/rooms", map[string]string{"?": "archived=maybe"}, nil, 400)

	renamed := apiObject(t, admin.call("PATCH /api/v1/rooms/{slug}", slug, map[string]any{"titles": map[string]string{"ar": "قاعة آسيان الرقمية"},
		"closes_at": now.Add(48 * time.Hour).Format(time.RFC3339)}, 200))
	if titles, _ := renamed["titles"].(map[string]any); titles["ar"] != "قاعة آسيان الرقمية" || renamed["closes_at"] == nil {
		t.Fatalf("renamed: %v", renamed)
	}
	admin.call("PATCH /api/v1/rooms/{slug}", slug, map[string]any{"opens_at": now.Add(72 * time.Hour).Format(time.RFC3339)}, 400)
	langs := apiObject(t, admin.call("PATCH /api/v1/rooms/{slug}", slug, map[string]any{"languages": []string{"vi", "en", "sgn"}}, 200))
	if l, _ := langs["languages"].([]any); len(l) != 3 || l[2] != "sgn" {
		t.Fatalf("meeting languages: %v", langs)
	}
	apiWantError(t, admin.call("PATCH /api/v1/rooms/{slug}", slug, map[string]any{"languages": []string{"vi!"}}, 400), "room_manage_languages_invalid", "languages")
	admin.call("PATCH /api/v1/rooms/{slug}", slug, map[string]any{"languages": []string{}}, 200)
	admin.call("GET /api/v1/rooms/{slug}", slug, nil, 200)
	if ps := admin.call("GET /api/v1/rooms/{slug}/participants", slug, nil, 200).([]any); len(ps) != 0 {
		t.Fatalf("participants of an empty room: %v", ps)
	}

	batch := apiObject(t, admin.call("POST /api/v1/rooms/{slug}/invitations", slug, map[string]any{
		"invitees": []map[string]string{{"name": "Nguyễn Lan"}, {"identity": "th-1", "name": "Somchai", "delegation": "Thailand", "role": "interpreter"}},
		"role":     "observer", "not_before": now.Add(time.Hour).Format(time.RFC3339), "lang": "ar"}, 201))
	if list, _ := batch["invitations"].([]any); len(list) != 2 || apiObject(t, list[0])["not_before"] == nil {
		t.Fatalf("batch: %v", batch)
	}
	apiWantError(t, admin.call("POST /api/v1/rooms/{slug}/invitations", slug, map[string]any{"invitees": []map[string]string{{"name": "Lan"}, {"name": "Binh", "role": "king"}}}, 400),
		"room_invite_line_role", "invitees")

	// Archived: no invitation, one by one or by list; then back.
	admin.call("PATCH /api/v1/rooms/{slug}", slug, map[string]any{"archived": true}, 200)
	apiWantError(t, admin.call("POST /api/v1/rooms/{slug}/invitations", slug, map[string]any{"invitees": []map[string]string{{"name": "Lan"}}}, 422), "room_manage_is_archived", "")
	admin.call("POST /api/v1/rooms/{slug}/tokens", slug, map[string]any{"identity": "vn-3", "name": "Lan", "role": "delegate"}, 422)
	admin.call("PATCH /api/v1/rooms/{slug}", slug, map[string]any{"archived": false, "opens_at": nil, "closes_at": nil}, 200)
}
