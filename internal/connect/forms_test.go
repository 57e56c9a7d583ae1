package connect

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/mofa-vn/chancery/internal/portal"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/social/bluesky"
	"github.com/mofa-vn/chancery/internal/social/facebook"
	"github.com/mofa-vn/chancery/internal/social/linkedin"
	"github.com/mofa-vn/chancery/internal/social/mastodon"
	"github.com/mofa-vn/chancery/internal/social/telegram"
	"github.com/mofa-vn/chancery/internal/social/x"
)

// networks is the list cmd/server gives Params.Networks.
var networks = social.Catalog{portal.Descriptor, x.Descriptor, facebook.Descriptor, mastodon.Descriptor,
	bluesky.Descriptor, telegram.Descriptor, linkedin.Descriptor}

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
		err := validate(networks, tc.network, b)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s %v: refused: %v", tc.network, tc.fields, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s %v: error %v, want one about %q", tc.network, tc.fields, err, tc.want)
		}
	}
	// Every network but the portal has a form whose fields its Secret reads.
	h := New(Params{Networks: networks})
	for _, n := range networks.Networks() {
		if n != social.Portal && len(h.formFields(n)) == 0 {
			t.Errorf("%s has no connect form", n)
		}
	}
}
