package xfake

import (
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/social/socialtest/fakekit"
)

// The demo's credentials: valid in form, accepted only by the demo's fake.
const (
	demoToken       = "1460000000000000001-DemoAccessTokenForTheFakeX"
	demoTokenSecret = "demo-token-secret-for-the-fake-x"
)

// Demo starts the fake X that -demo connects a channel to (OAuth 1.0a).
// Without a configured app, the connect button uses the fake's OAuth 2.0
// client.
func Demo(app social.App) fakekit.Demo {
	s := New(Options{})
	s.AddOAuth1Token(demoToken, demoTokenSecret)
	o := s.Options()
	if app.ClientID == "" {
		app = social.App{ClientID: o.ClientID, ClientSecret: o.ClientSecret}
	}
	return fakekit.Demo{Network: social.X, Channel: "X @mofa_vn (demo)", Langs: []string{"en"}, URL: s.URL, App: app, Close: s.Close,
		Secret: map[string]string{"consumer_key": o.ConsumerKey, "consumer_secret": o.ConsumerSecret, "token": demoToken, "token_secret": demoTokenSecret}}
}
