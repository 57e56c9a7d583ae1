package telegram

import "github.com/mofa-vn/chancery/internal/social"

// DefaultBaseURL is the Bot API server.
const DefaultBaseURL = "https://api.telegram.org"

// Descriptor is what Chancery needs to know of Telegram outside this
// package. A bot cannot read its channel's history, so the channel is not
// watched.
var Descriptor = social.Descriptor{
	Network:  social.Telegram,
	API:      DefaultBaseURL,
	Official: true,
	Fields: []social.CredentialField{
		{Name: "bot_token", Label: "channels_field_bot_token", Secret: true},
		{Name: "chat_id", Label: "channels_field_chat_id"},
	},
	Validate: social.ValidateSecret[Secret](),
	New: func(p social.ClientParams) (social.Publisher, error) {
		return New(Config{BaseURL: social.BaseOr(p.BaseURL, DefaultBaseURL), Credentials: p.Credentials, Now: p.Now, HTTP: p.HTTP})
	},
	Limits: social.Limits{MaxLength: MaxText, MaxMedia: MaxMedia, Threads: true, DeleteWindow: DeleteWindow},
	Recall: social.RecallAbility{EditInPlace: true, NoteKey: "press_recall_note_telegram"}, // deleteMessage only within 48 h
}
