package mastodon

import (
	"errors"

	"github.com/mofa-vn/chancery/internal/social"
)

// DefaultMaxLength is a status's limit on an instance that sets none.
const DefaultMaxLength = 500

// Descriptor is what Chancery needs to know of Mastodon outside this
// package. Accounts live on instances: a channel names its own.
var Descriptor = social.Descriptor{
	Network:      social.Mastodon,
	NeedsBaseURL: true,
	Fields:       []social.CredentialField{{Name: "access_token", Label: "channels_field_access_token", Secret: true}},
	Validate:     social.ValidateSecret[Secret](),
	New: func(p social.ClientParams) (social.Publisher, error) {
		if p.BaseURL == "" {
			return nil, errors.New("a Mastodon channel needs its instance's address (base URL)")
		}
		return New(Config{BaseURL: p.BaseURL, Credentials: p.Credentials, Now: p.Now, MaxLength: p.MaxLength, HTTP: p.HTTP})
	},
	Limits:  social.Limits{MaxLength: DefaultMaxLength, MaxMedia: 4, Threads: true, Idempotent: true},
	Recall:  social.RecallAbility{EditInPlace: true, NoteKey: "press_recall_note_mastodon"}, // PUT /api/v1/statuses/:id; 30 deletes / 30 min
	Watched: true,
}
