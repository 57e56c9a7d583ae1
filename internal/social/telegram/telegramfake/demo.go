package telegramfake

import (
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/social/socialtest/fakekit"
)

// demoToken is the demo's bot token: valid in form, accepted only by the
// demo's fake.
const demoToken = "123456789:DemoBotTokenForTheFakeTelegramApi01"

// Demo starts the fake Bot API that -demo connects a channel to.
func Demo(app social.App) fakekit.Demo {
	s := New(demoToken)
	return fakekit.Demo{Network: social.Telegram, Channel: "Telegram @mofa_vn (demo)", Langs: []string{"vi", "en"}, URL: s.URL, App: app, Close: s.Close,
		Secret: map[string]string{"bot_token": demoToken, "chat_id": "@" + ChannelUsername}}
}
