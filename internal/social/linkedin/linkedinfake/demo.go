package linkedinfake

import (
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/social/socialtest/fakekit"
)

// demoToken is the demo's access token: valid in form, accepted only by
// the demo's fake.
const demoToken = "AQV-demo-linkedin-token-0123456789"

// Demo starts the fake LinkedIn that -demo connects a channel to. Without
// a configured app, the connect button and token renewal use a demo app
// the fake accepts.
func Demo(app social.App) fakekit.Demo {
	s := New(demoToken)
	if app.ClientID == "" {
		app = social.App{ClientID: "demo-linkedin-app", ClientSecret: "demo-linkedin-app-secret"}
		s.SetRefresh("", app.ClientID, app.ClientSecret)
	}
	return fakekit.Demo{Network: social.LinkedIn, Channel: "LinkedIn MOFA (demo)", Langs: []string{"en"}, URL: s.URL, App: app, Close: s.Close,
		Secret: map[string]string{"access_token": demoToken, "organization": Organization}}
}
