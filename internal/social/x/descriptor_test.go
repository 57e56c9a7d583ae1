package x

import (
	"encoding/json"
	"testing"
)

// An X reconnect through OAuth 2.0 keeps the stored refresh token when the
// grant has none, and drops an OAuth 1.0a token set and the cached user ID.
func TestMergeReconnect(t *testing.T) {
	cur := `{"consumer_key":"ck","consumer_secret":"cs","token":"1-a","token_secret":"ts","client_id":"cid","access_token":"old","refresh_token":"keep-me","user_id":"42"}`
	out, err := MergeReconnect([]byte(cur), []byte(`{"client_id":"cid","access_token":"new"}`))
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	_ = json.Unmarshal(out, &s)
	if s["refresh_token"] != "keep-me" || s["access_token"] != "new" || s["token"] != nil || s["user_id"] != nil {
		t.Fatalf("merged %s", out)
	}
	out, _ = MergeReconnect([]byte(cur), []byte(`{"consumer_key":"ck2","consumer_secret":"cs2","token":"2-b","token_secret":"ts2"}`))
	s = nil
	_ = json.Unmarshal(out, &s)
	if s["refresh_token"] != nil || s["token"] != "2-b" {
		t.Fatalf("an OAuth 1.0a reconnect kept the OAuth 2.0 grant: %s", out)
	}
}
