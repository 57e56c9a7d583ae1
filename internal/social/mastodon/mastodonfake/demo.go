package mastodonfake

import (
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/social/socialtest/fakekit"
)

// demoToken is the demo's access token: valid in form, accepted only by
// the demo's fake.
const demoToken = "demo-mastodon-token-0123456789"

// Demo starts the fake Mastodon instance that -demo connects a channel to.
func Demo(app social.App) fakekit.Demo {
	s := New(demoToken)
	return fakekit.Demo{Network: social.Mastodon, Channel: "Mastodon MOFA (demo)", Langs: []string{"en", "fr"}, URL: s.URL, App: app, Close: s.Close,
		Secret: map[string]string{"access_token": demoToken}}
}
