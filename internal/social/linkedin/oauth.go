package linkedin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mofa-vn/chancery/internal/outbound"
	"github.com/mofa-vn/chancery/internal/social"
)

// DefaultScopes are the OAuth scopes Chancery asks for: posting and reading
// as an organisation, and the page roles WhoAmI checks.
var DefaultScopes = []string{"w_organization_social", "r_organization_social", "rw_organization_admin"}

// OAuthApp is Chancery's LinkedIn app, for the connect flow (three-legged
// OAuth 2.0 authorization code): AuthCodeURL sends the press officer to
// LinkedIn, Exchange turns the code LinkedIn sends back into a Secret for
// organization.
type OAuthApp struct {
	ClientID, ClientSecret string
	RedirectURL            string
	// AuthURL is LinkedIn's consent page; default
	// https://www.linkedin.com/oauth/v2/authorization.
	AuthURL string
	// TokenURL is the token endpoint; default
	// https://www.linkedin.com/oauth/v2/accessToken.
	TokenURL string
	Scopes   []string // default DefaultScopes
	HTTP     *http.Client
	Now      func() time.Time
}

func (a OAuthApp) endpoints() (auth, token string) {
	auth, token = a.AuthURL, a.TokenURL
	if auth == "" {
		auth = "https://www.linkedin.com/oauth/v2/authorization"
	}
	if token == "" {
		token = "https://www.linkedin.com/oauth/v2/accessToken"
	}
	return auth, token
}

// AuthCodeURL returns the address of LinkedIn's consent page for state.
func (a OAuthApp) AuthCodeURL(state string) string {
	auth, _ := a.endpoints()
	scopes := a.Scopes
	if len(scopes) == 0 {
		scopes = DefaultScopes
	}
	q := url.Values{"response_type": {"code"}, "client_id": {a.ClientID}, "redirect_uri": {a.RedirectURL},
		"state": {state}, "scope": {strings.Join(scopes, " ")}}
	return auth + "?" + q.Encode()
}

// Exchange redeems the code LinkedIn sent back and returns the Secret that
// posts as organization ("urn:li:organization:123" or its number).
func (a OAuthApp) Exchange(ctx context.Context, code, organization string) (Secret, error) {
	if n := strings.TrimSpace(organization); n != "" && !strings.HasPrefix(n, "urn:") {
		organization = "urn:li:organization:" + n
	}
	_, tokenURL := a.endpoints()
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {a.RedirectURL},
		"client_id": {a.ClientID}, "client_secret": {a.ClientSecret}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return Secret{}, fmt.Errorf("linkedin: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	hc := a.HTTP
	if hc == nil {
		hc = outbound.Default()
	}
	resp, err := hc.Do(req)
	if err != nil {
		return Secret{}, &social.Error{Network: social.LinkedIn, Class: social.Transient, Reason: "LinkedIn's token endpoint did not answer; try connecting again", Err: err}
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken           string `json:"access_token"`
		ExpiresIn             int64  `json:"expires_in"`
		RefreshToken          string `json:"refresh_token"`
		RefreshTokenExpiresIn int64  `json:"refresh_token_expires_in"`
		Error                 string `json:"error"`
		Description           string `json:"error_description"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(nil, resp.Body, 64<<10)).Decode(&out); err != nil {
		return Secret{}, &social.Error{Network: social.LinkedIn, Class: social.Transient, Status: resp.StatusCode, Reason: "LinkedIn's token endpoint answered unreadably; try connecting again", Err: err}
	}
	if resp.StatusCode != http.StatusOK || out.AccessToken == "" {
		return Secret{}, &social.Error{Network: social.LinkedIn, Class: social.AuthExpired, Status: resp.StatusCode, Code: out.Error,
			Reason: "LinkedIn refused the authorization (" + out.Description + "); connect again", Err: errors.New(out.Error)}
	}
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	s := Secret{AccessToken: out.AccessToken, RefreshToken: out.RefreshToken, Organization: organization}
	if out.ExpiresIn > 0 {
		s.ExpiresAt = now().Add(time.Duration(out.ExpiresIn) * time.Second).UTC()
	}
	if out.RefreshTokenExpiresIn > 0 {
		s.RefreshExpiresAt = now().Add(time.Duration(out.RefreshTokenExpiresIn) * time.Second).UTC()
	}
	return s, s.Validate()
}
