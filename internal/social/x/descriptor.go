package x

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/social/x/xtext"
)

// Descriptor is what Chancery needs to know of X outside this package.
var Descriptor = social.Descriptor{
	Network:  social.X,
	API:      DefaultBaseURL,
	Official: true,
	Fields: []social.CredentialField{
		{Name: "consumer_key", Label: "channels_field_consumer_key", Secret: true},
		{Name: "consumer_secret", Label: "channels_field_consumer_secret", Secret: true},
		{Name: "token", Label: "channels_field_access_token", Secret: true},
		{Name: "token_secret", Label: "channels_field_token_secret", Secret: true},
	},
	Validate: social.ValidateSecret[Secret](),
	Merge:    MergeReconnect,
	New: func(p social.ClientParams) (social.Publisher, error) {
		return New(Params{BaseURL: p.BaseURL, Credentials: p.Credentials, Now: p.Now, MaxLength: p.MaxLength, HTTP: p.HTTP})
	},
	OAuth:   &social.OAuth{New: newOAuthFlow},
	Limits:  social.Limits{MaxLength: xtext.MaxWeightedLength, MaxMedia: MaxMedia, Threads: true, ReconcileLag: ReconcileLag},
	Recall:  social.RecallAbility{EditInPlace: true, NoteKey: "press_recall_note_x"}, // edit window; a delete removes the whole edit chain; 50 deletes / 15 min
	Watched: true,
}

// MergeReconnect keeps the stored X secret's refresh token across an OAuth
// 2.0 reconnect, but nothing of another kind of grant: a fresh OAuth 2.0
// grant drops a stored OAuth 1.0a token (which would otherwise win), and
// the reverse. The cached user ID is dropped, since the account may
// change.
func MergeReconnect(cur, fresh []byte) ([]byte, error) {
	var c, f Secret
	if err := json.Unmarshal(fresh, &f); err != nil {
		return nil, errors.New("the credentials are not readable")
	}
	if json.Unmarshal(cur, &c) != nil {
		c = Secret{}
	}
	c.UserID = ""
	if f.OAuth1() {
		c = Secret{}
	} else {
		c.ConsumerKey, c.ConsumerSecret, c.Token, c.TokenSecret = "", "", "", ""
	}
	return json.Marshal(MergeSecret(c, f))
}

// oauthFlow is OAuth2App as a social.OAuthFlow.
type oauthFlow struct{ a OAuth2App }

func newOAuthFlow(p social.OAuthParams) social.OAuthFlow {
	a := OAuth2App{ClientID: p.App.ClientID, ClientSecret: p.App.ClientSecret, RedirectURL: p.RedirectURL, HTTP: p.HTTP, Now: p.Now}
	if p.BaseURL != "" {
		a.BaseURL, a.AuthURL = p.BaseURL, p.BaseURL+"/i/oauth2/authorize"
	}
	return oauthFlow{a}
}

func (f oauthFlow) AuthCodeURL(state string) (string, string, error) { return f.a.AuthCodeURL(state) }

func (f oauthFlow) Exchange(ctx context.Context, code, verifier, _ string) ([]byte, error) {
	s, err := f.a.Exchange(ctx, code, verifier)
	if err != nil {
		return nil, err
	}
	return json.Marshal(s)
}
