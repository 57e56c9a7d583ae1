package bluesky

import "github.com/mofa-vn/chancery/internal/social"

// DefaultBaseURL is the PDS of accounts that name none.
const DefaultBaseURL = "https://bsky.social"

// Descriptor is what Chancery needs to know of Bluesky outside this
// package. A channel may name its own PDS.
var Descriptor = social.Descriptor{
	Network: social.Bluesky,
	API:     DefaultBaseURL,
	Fields: []social.CredentialField{
		{Name: "identifier", Label: "channels_field_identifier"},
		{Name: "app_password", Label: "channels_field_app_password", Secret: true},
	},
	Validate: social.ValidateSecret[Secret](),
	New: func(p social.ClientParams) (social.Publisher, error) {
		return New(Config{BaseURL: social.BaseOr(p.BaseURL, DefaultBaseURL), Credentials: p.Credentials, Now: p.Now, HTTP: p.HTTP})
	},
	Limits:  social.Limits{MaxLength: MaxGraphemes, MaxMedia: MaxImages, Threads: true, Idempotent: true},
	Recall:  social.RecallAbility{EditInPlace: false, NoteKey: "press_recall_note_bluesky"}, // records are not edited: delete and post again
	Watched: true,
}
