package main

import (
	"context"
	"testing"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/store"
)

// apiRoomAccess does through the API what an administrator and the
// conference staff do on /admin/rooms: issue, list and revoke join tokens,
// and assign staff to rooms. Staff other than administrators act only in
// the rooms they are assigned to, and on the moderating roles only as a
// room's moderator; a token of one room cannot be revoked through another
// room the caller manages. It returns the ID of a token of room, for the
// requests every route gets.
func apiRoomAccess(t *testing.T, ts *testServer, as func(string, string) apiClient, admin apiClient, room store.Room) string {
	t.Helper()
	ctx := context.Background()
	other, err := ts.db.CreateRoom(ctx, store.Room{Slug: "mekong-2026", Title: "Mekong 2026"})
	if err != nil {
		t.Fatal(err)
	}
	// Two roles on one person: a press officer who is also a protocol
	// officer gets no more in a room than the assignment gives.
	ts.addUser("paul", "protocol-password-1", account.RoleProtocolOfficer, account.RolePressOfficer)
	ts.addUser("chloe", "chair-password-1", account.RoleChair)
	protocol := as("paul", "protocol-password-1")
	chair := as("chloe", "chair-password-1")
	slug := map[string]string{"slug": room.Slug}
	staffOf := func(slug, username string) map[string]string {
		return map[string]string{"slug": slug, "username": username}
	}
	tokenOf := func(slug, id string) map[string]string { return map[string]string{"slug": slug, "id": id} }
	delegateInvite := map[string]any{"identity": "vn-1", "name": "Nguyễn Lan", "delegation": "Viet Nam", "role": "delegate", "lang": "vi"}
	chairInvite := map[string]any{"identity": "chair-1", "name": "Chair", "role": "chair"}

	issued := apiObject(t, admin.call("POST /api/v1/rooms/{slug}/tokens", slug, delegateInvite, 201))
	adminToken, _ := issued["id"].(string)
	if adminToken == "" {
		t.Fatalf("issued token without an ID: %v", issued)
	}
	admin.call("POST /api/v1/rooms/{slug}/tokens", slug, map[string]any{"identity": "", "name": "", "role": "king"}, 400)
	apiWantError(t, admin.call("POST /api/v1/rooms/{slug}/tokens", slug, map[string]any{"identity": "vn-2", "name": "Lan\u0000", "role": "delegate"}, 400),
		"text_invalid", "")
	admin.call("POST /api/v1/rooms/{slug}/tokens", map[string]string{"slug": "no-such-room"}, delegateInvite, 404)
	admin.call("GET /api/v1/rooms/{slug}/tokens", map[string]string{"slug": "no-such-room"}, nil, 404)

	// Not assigned: nothing in the room, though the role reaches the API.
	apiWantError(t, protocol.call("GET /api/v1/rooms/{slug}/tokens", slug, nil, 403), "room_admin_not_assigned", "")
	protocol.call("POST /api/v1/rooms/{slug}/tokens", slug, delegateInvite, 403)
	protocol.call("DELETE /api/v1/rooms/{slug}/tokens/{id}", tokenOf(room.Slug, adminToken), nil, 403)

	// Administrators assign protocol officers and chairs, no one else.
	if s := apiObject(t, admin.call("PUT /api/v1/rooms/{slug}/staff/{username}", staffOf(room.Slug, "paul"), map[string]any{}, 200)); s["moderator"] != false {
		t.Fatalf("assigned without moderator: %v", s)
	}
	admin.call("PUT /api/v1/rooms/{slug}/staff/{username}", staffOf(other.Slug, "chloe"), map[string]any{"moderator": true}, 200)
	apiWantError(t, admin.call("PUT /api/v1/rooms/{slug}/staff/{username}", staffOf(room.Slug, "olivia"), map[string]any{"moderator": true}, 400),
		"room_admin_staff_role", "")
	apiWantError(t, admin.call("PUT /api/v1/rooms/{slug}/staff/{username}", staffOf(room.Slug, "nobody"), map[string]any{}, 404),
		"room_admin_no_user", "")
	admin.call("PUT /api/v1/rooms/{slug}/staff/{username}", staffOf("no-such-room", "paul"), map[string]any{}, 404)
	protocol.call("PUT /api/v1/rooms/{slug}/staff/{username}", staffOf(room.Slug, "paul"), map[string]any{"moderator": true}, 403)
	protocol.call("GET /api/v1/rooms/{slug}/staff", slug, nil, 403)
	staff := admin.call("GET /api/v1/rooms/{slug}/staff", slug, nil, 200).([]any)
	if len(staff) != 1 || apiObject(t, staff[0])["username"] != "paul" {
		t.Fatalf("staff of %s: %v", room.Slug, staff)
	}
	admin.call("GET /api/v1/rooms/{slug}/staff", map[string]string{"slug": "no-such-room"}, nil, 404)

	// Assigned: delegates, not chairs.
	own := apiObject(t, protocol.call("POST /api/v1/rooms/{slug}/tokens", slug, delegateInvite, 201))
	apiWantError(t, protocol.call("POST /api/v1/rooms/{slug}/tokens", slug, chairInvite, 403), "room_admin_role_forbidden", "")
	chairToken := apiObject(t, admin.call("POST /api/v1/rooms/{slug}/tokens", slug, chairInvite, 201))["id"].(string)
	list := protocol.call("GET /api/v1/rooms/{slug}/tokens", slug, nil, 200).([]any)
	revocable := map[string]bool{}
	for _, x := range list {
		ti := apiObject(t, x)
		revocable[ti["id"].(string)] = ti["revocable"].(bool)
	}
	if len(list) != 3 || !revocable[adminToken] || !revocable[own["id"].(string)] || revocable[chairToken] {
		t.Fatalf("tokens as the protocol officer sees them: %v", list)
	}
	apiWantError(t, protocol.call("DELETE /api/v1/rooms/{slug}/tokens/{id}", tokenOf(room.Slug, chairToken), nil, 403), "room_admin_role_forbidden", "")
	rev := apiObject(t, protocol.call("DELETE /api/v1/rooms/{slug}/tokens/{id}", tokenOf(room.Slug, own["id"].(string)), nil, 200))
	if rev["revoked_at"] == nil || rev["revocable"] != false || rev["sessions_ended"] != float64(0) {
		t.Fatalf("revoked: %v", rev)
	}
	protocol.call("DELETE /api/v1/rooms/{slug}/tokens/{id}", tokenOf(room.Slug, "no-such-token"), nil, 404)

	// A chair assigned to another room: this room's token is not found
	// through theirs, and theirs does not open this one.
	chair.call("DELETE /api/v1/rooms/{slug}/tokens/{id}", tokenOf(other.Slug, adminToken), nil, 404)
	chair.call("GET /api/v1/rooms/{slug}/tokens", slug, nil, 403)
	chair.call("GET /api/v1/rooms/{slug}/tokens", map[string]string{"slug": other.Slug}, nil, 200)

	// As the room's moderator, the chair's invitation too.
	admin.call("PUT /api/v1/rooms/{slug}/staff/{username}", staffOf(room.Slug, "paul"), map[string]any{"moderator": true}, 200)
	protocol.call("DELETE /api/v1/rooms/{slug}/tokens/{id}", tokenOf(room.Slug, chairToken), nil, 200)

	// Unassigned: nothing again.
	admin.call("DELETE /api/v1/rooms/{slug}/staff/{username}", staffOf(room.Slug, "paul"), nil, 204)
	apiWantError(t, admin.call("DELETE /api/v1/rooms/{slug}/staff/{username}", staffOf(room.Slug, "paul"), nil, 404), "not_found", "")
	apiWantError(t, admin.call("DELETE /api/v1/rooms/{slug}/staff/{username}", staffOf(room.Slug, "nobody"), nil, 404), "room_admin_no_user", "")
	protocol.call("GET /api/v1/rooms/{slug}/tokens", slug, nil, 403)
	protocol.call("DELETE /api/v1/rooms/{slug}/tokens/{id}", tokenOf(room.Slug, adminToken), nil, 403)
	return adminToken
}

// apiWantError checks that an Error answer names the code and, when field
// is not empty, the field.
func apiWantError(t *testing.T, v any, code, field string) {
	t.Helper()
	e, _ := apiObject(t, v)["error"].(map[string]any)
	if e["code"] != code || (field != "" && e["field"] != field) {
		t.Fatalf("error %v, want code %q field %q", e, code, field)
	}
}
