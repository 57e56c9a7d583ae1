package main

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/mofa-vn/chancery/internal/store"
)

// apiBroadcast issues, lists and revokes a WHIP token of room through the
// API, as a room's moderator does for a studio encoder.
func apiBroadcast(t *testing.T, admin apiClient, room store.Room) {
	t.Helper()
	slug := map[string]string{"slug": room.Slug}
	issued := apiObject(t, admin.call("POST /api/v1/rooms/{slug}/whip-tokens", slug, map[string]any{"label": "Studio A", "programme": true}, 201))
	tok, _ := issued["token"].(string)
	if !strings.HasPrefix(tok, "chwhip_") || !strings.HasSuffix(issued["url"].(string), "/whip/"+room.Slug) {
		t.Fatalf("issued WHIP token: %v", issued)
	}
	apiWantError(t, admin.call("POST /api/v1/rooms/{slug}/whip-tokens", slug, map[string]any{"label": " "}, 400), "broadcast_error_label_required", "label")
	list, _ := admin.call("GET /api/v1/rooms/{slug}/whip-tokens", slug, nil, 200).([]any)
	if b, _ := json.Marshal(list); len(list) != 1 || strings.Contains(string(b), tok) {
		t.Fatalf("listed WHIP tokens: %v", list)
	}
	id := strconv.FormatFloat(issued["id"].(float64), 'f', 0, 64)
	revoked := apiObject(t, admin.call("DELETE /api/v1/rooms/{slug}/whip-tokens/{id}", map[string]string{"slug": room.Slug, "id": id}, nil, 200))
	if revoked["revoked_at"] == nil {
		t.Fatalf("revoked WHIP token: %v", revoked)
	}
}
