package linkedin_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/mofa-vn/chancery/internal/outbound/outboundtest"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/social/linkedin"
	"github.com/mofa-vn/chancery/internal/social/linkedin/linkedinfake"
	"github.com/mofa-vn/chancery/internal/social/socialtest"
)

// The connect flow: the consent page sends the browser back with a code and
// the state; the code is redeemed once for a secret that posts as the page.
func TestOAuthConnect(t *testing.T) {
	fake := linkedinfake.New("old-token")
	t.Cleanup(fake.Close)
	fake.SetRefresh("", "chancery-app", "app-secret")
	app := linkedin.OAuthApp{ClientID: "chancery-app", ClientSecret: "app-secret", RedirectURL: "https://chancery.example/press/oauth/callback",
		AuthURL: fake.URL + "/oauth/v2/authorization", TokenURL: fake.URL + "/oauth/v2/accessToken", HTTP: outboundtest.Client(t, fake.URL)}

	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noFollow.Get(app.AuthCodeURL("state-123"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	back, err := url.Parse(res.Header.Get("Location"))
	if err != nil || back.Query().Get("state") != "state-123" || back.Query().Get("code") == "" {
		t.Fatalf("consent page sent back to %q", res.Header.Get("Location"))
	}
	code := back.Query().Get("code")
	s, err := app.Exchange(t.Context(), code, "5515715")
	if err != nil {
		t.Fatal(err)
	}
	if s.Organization != linkedinfake.Organization || s.AccessToken != fake.Token() || s.RefreshToken == "" || s.ExpiresAt.IsZero() {
		t.Fatalf("secret %+v", s)
	}
	c, err := linkedin.New(linkedin.Config{BaseURL: fake.URL, Credentials: socialtest.NewCreds(t, s), HTTP: outboundtest.Client(t, fake.URL)})
	if err != nil {
		t.Fatal(err)
	}
	if acc, err := c.WhoAmI(t.Context()); err != nil || acc.ID == "" {
		t.Fatalf("WhoAmI with the new token: %+v, %v", acc, err)
	}
	// A code is good once.
	_, err = app.Exchange(t.Context(), code, "5515715")
	socialtest.WantClass(t, err, social.AuthExpired)
	// A wrong app secret is refused.
	bad := app
	bad.ClientSecret = "guess"
	_, err = bad.Exchange(t.Context(), "AQ-code-1", "5515715")
	socialtest.WantClass(t, err, social.AuthExpired)
}
