package connect

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/mofa-vn/chancery/internal/social"
)

// Each network's form produces a secret its connector reads, and a token
// pasted with spaces or of the wrong kind is refused with a sentence.
func TestValidateFormSecrets(t *testing.T) {
	for _, tc := range []struct {
		network social.Network
		fields  map[string]string
		want    string // "" means accepted; else part of the message
	}{
		{social.Mastodon, map[string]string{"access_token": "abcdefghijklmnopqrstuvwxyz012345"}, ""},
		{social.Mastodon, map[string]string{"access_token": "abcdefghijklm nopqrstuvwxyz012345"}, "spaces"},
		{social.Facebook, map[string]string{"page_id": "104857600012345", "page_token": "EAA" + strings.Repeat("x", 40)}, ""},
		{social.Facebook, map[string]string{"page_id": "104857600012345", "page_token": "not-a-page-token"}, "facebook"},
		{social.Bluesky, map[string]string{"identifier": "mofa-vn.bsky.social", "app_password": "abcd-efgh-ijkl-mnop"}, ""},
		{social.Bluesky, map[string]string{"identifier": "mofa-vn.bsky.social", "app_password": "my real password"}, "bluesky"},
		{social.Telegram, map[string]string{"bot_token": "123456789:" + strings.Repeat("A", 35), "chat_id": "@mofa_vn"}, ""},
		{social.Telegram, map[string]string{"bot_token": "123456789:" + strings.Repeat("A", 35), "chat_id": "mofa vn"}, "telegram"},
		{social.LinkedIn, map[string]string{"access_token": "AQV-token", "organization": "urn:li:organization:5515715"}, ""},
		{social.LinkedIn, map[string]string{"access_token": "AQV token", "organization": "urn:li:organization:5515715"}, "spaces"},
		{social.X, map[string]string{"consumer_key": "ck", "consumer_secret": "cs", "token": "1460-abc", "token_secret": "ts"}, ""},
		{social.X, map[string]string{"consumer_key": "ck", "consumer_secret": "cs", "token": "AAAAAAAAAAAAAAAAAAAAAbearer", "token_secret": "ts"}, "bearer"},
		{social.Portal, map[string]string{}, "no credentials"},
	} {
		b, _ := json.Marshal(tc.fields)
		err := validate(tc.network, b)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s %v: refused: %v", tc.network, tc.fields, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s %v: error %v, want one about %q", tc.network, tc.fields, err, tc.want)
		}
	}
	// Every network but the portal has a form whose fields its Secret reads.
	for _, n := range social.Networks {
		if n != social.Portal && len(formFields[n]) == 0 {
			t.Errorf("%s has no connect form", n)
		}
	}
}

// An X reconnect through OAuth 2.0 keeps the stored refresh token when the
// grant has none, and drops an OAuth 1.0a token set and the cached user ID.
func TestMergeX(t *testing.T) {
	cur := `{"consumer_key":"ck","consumer_secret":"cs","token":"1-a","token_secret":"ts","client_id":"cid","access_token":"old","refresh_token":"keep-me","user_id":"42"}`
	out, err := mergeX([]byte(cur), []byte(`{"client_id":"cid","access_token":"new"}`))
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	_ = json.Unmarshal(out, &s)
	if s["refresh_token"] != "keep-me" || s["access_token"] != "new" || s["token"] != nil || s["user_id"] != nil {
		t.Fatalf("merged %s", out)
	}
	out, _ = mergeX([]byte(cur), []byte(`{"consumer_key":"ck2","consumer_secret":"cs2","token":"2-b","token_secret":"ts2"}`))
	s = nil
	_ = json.Unmarshal(out, &s)
	if s["refresh_token"] != nil || s["token"] != "2-b" {
		t.Fatalf("an OAuth 1.0a reconnect kept the OAuth 2.0 grant: %s", out)
	}
}
