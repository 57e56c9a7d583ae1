package linkedin

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/mofa-vn/chancery/internal/social"
)

// DefaultBaseURL is LinkedIn's API.
const DefaultBaseURL = "https://api.linkedin.com"

// Descriptor is what Chancery needs to know of LinkedIn outside this
// package.
var Descriptor = social.Descriptor{
	Network:  social.LinkedIn,
	API:      DefaultBaseURL,
	Official: true,
	Fields: []social.CredentialField{
		{Name: "access_token", Label: "channels_field_access_token", Secret: true},
		{Name: "organization", Label: "channels_field_organization"},
	},
	Validate: social.ValidateSecret[Secret](),
	// A reconnect whose grant carries no refresh token keeps the stored one.
	Merge: social.MergeJSON,
	New: func(p social.ClientParams) (social.Publisher, error) {
		cfg := Config{BaseURL: social.BaseOr(p.BaseURL, DefaultBaseURL), Credentials: p.Credentials, Now: p.Now, HTTP: p.HTTP,
			ClientID: p.App.ClientID, ClientSecret: p.App.ClientSecret}
		if p.BaseURL != "" {
			// A LinkedIn-compatible server other than LinkedIn's (the demo's
			// fake) issues its own tokens.
			cfg.TokenURL = strings.TrimSuffix(p.BaseURL, "/") + "/oauth/v2/accessToken"
		}
		return New(cfg)
	},
	OAuth:   &social.OAuth{NeedsOrganization: true, New: newOAuthFlow},
	Limits:  social.Limits{MaxLength: MaxCommentary, MaxMedia: 20, LinkCard: true, ReconcileLag: ReconcileLag},
	Recall:  social.RecallAbility{EditInPlace: true, NoteKey: "press_recall_note_linkedin"}, // partial update of commentary; delete at any time
	Watched: true,
}

// oauthFlow is OAuthApp as a social.OAuthFlow.
type oauthFlow struct{ a OAuthApp }

func newOAuthFlow(p social.OAuthParams) social.OAuthFlow {
	a := OAuthApp{ClientID: p.App.ClientID, ClientSecret: p.App.ClientSecret, RedirectURL: p.RedirectURL, HTTP: p.HTTP, Now: p.Now}
	if p.BaseURL != "" {
		a.AuthURL, a.TokenURL = p.BaseURL+"/oauth/v2/authorization", p.BaseURL+"/oauth/v2/accessToken"
	}
	return oauthFlow{a}
}

func (f oauthFlow) AuthCodeURL(state string) (string, string, error) {
	return f.a.AuthCodeURL(state), "", nil
}

func (f oauthFlow) Exchange(ctx context.Context, code, _, organization string) ([]byte, error) {
	s, err := f.a.Exchange(ctx, code, organization)
	if err != nil {
		return nil, err
	}
	return json.Marshal(s)
}
