package blueskyfake

import (
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/social/socialtest/fakekit"
)

// The demo's account: valid in form, accepted only by the demo's fake.
const (
	demoHandle  = "mofa-vn.bsky.social"
	demoAppPass = "mofa-demo-2026-pass"
)

// Demo starts the fake Bluesky PDS that -demo connects a channel to.
func Demo(app social.App) fakekit.Demo {
	s := New(demoHandle, demoAppPass)
	return fakekit.Demo{Network: social.Bluesky, Channel: "Bluesky MOFA (demo)", Langs: []string{"en"}, URL: s.URL, App: app, Close: s.Close,
		Secret: map[string]string{"identifier": demoHandle, "app_password": demoAppPass}}
}
