package facebook

import "github.com/mofa-vn/chancery/internal/social"

// DefaultBaseURL is the Graph API.
const DefaultBaseURL = "https://graph.facebook.com"

// Descriptor is what Chancery needs to know of Facebook outside this
// package.
var Descriptor = social.Descriptor{
	Network:  social.Facebook,
	API:      DefaultBaseURL,
	Official: true,
	Fields: []social.CredentialField{
		{Name: "page_id", Label: "channels_field_page_id"},
		{Name: "page_token", Label: "channels_field_page_token", Secret: true},
	},
	Validate: social.ValidateSecret[Secret](),
	New: func(p social.ClientParams) (social.Publisher, error) {
		return New(Config{BaseURL: social.BaseOr(p.BaseURL, DefaultBaseURL), Credentials: p.Credentials, Now: p.Now, HTTP: p.HTTP})
	},
	Limits:  social.Limits{MaxLength: 63206, MaxMedia: MaxPhotos, LinkCard: true, ReconcileLag: ReconcileLag},
	Recall:  social.RecallAbility{EditInPlace: true, NoteKey: "press_recall_note_facebook"}, // POST /{post-id} edits; DELETE at any time
	Watched: true,
}
