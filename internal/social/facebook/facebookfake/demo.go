package facebookfake

import (
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/social/socialtest/fakekit"
)

// demoToken is the demo's Page token: valid in form, accepted only by the
// demo's fake.
const demoToken = "EAADemoPageTokenForTheFakeGraphApi0123456789"

// Demo starts the fake Facebook Page that -demo connects a channel to.
func Demo(app social.App) fakekit.Demo {
	s := New(demoToken)
	return fakekit.Demo{Network: social.Facebook, Channel: "Facebook Bộ Ngoại giao (demo)", Langs: []string{"vi"}, URL: s.URL, App: app, Close: s.Close,
		Secret: map[string]string{"page_id": PageID, "page_token": demoToken}}
}
