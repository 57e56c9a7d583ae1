package publishing_test

import (
	"testing"

	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/social"
)

// TestAPIAllowlist: the rule the connectors are built with before the
// Service exists: a network with one official API takes its credentials
// only there or to a configured extra API (trailing slashes aside); the
// others, anywhere; an unknown network is not official.
func TestAPIAllowlist(t *testing.T) {
	nets := social.Catalog{
		{Network: social.X, Official: true, API: "https://api.x.com"},
		{Network: social.Mastodon},
	}
	allow := publishing.APIAllowlist(nets, []string{"http://127.0.0.1:9000/"})
	for _, tc := range []struct {
		network social.Network
		base    string
		want    bool
	}{
		{social.X, "", true},
		{social.X, "https://api.x.com", true},
		{social.X, "https://api.x.com/", true},
		{social.X, "http://127.0.0.1:9000", true},
		{social.X, "http://127.0.0.1:9000/", true},
		{social.X, "http://127.0.0.1:9001", false},
		{social.X, "https://api.x.com.evil.example", false},
		{social.Mastodon, "https://any.example", true},
		{"myspace", "https://any.example", true},
	} {
		if got := allow(tc.network, tc.base); got != tc.want {
			t.Errorf("allow(%s, %q) = %v, want %v", tc.network, tc.base, got, tc.want)
		}
	}
}
