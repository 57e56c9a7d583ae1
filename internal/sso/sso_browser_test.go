package sso_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/mofa-vn/chancery/internal/browsertest"
	"github.com/mofa-vn/chancery/internal/sso/oidctest"
)

// TestBrowserSSO signs in through a real OpenID Provider in Chromium, with
// the keyboard only, in English and in Arabic: the sign-in page offers the
// provider, its page leads on to the provider and back with a session, and
// a refused answer is announced on the sign-in page. Each screen is
// checked with axe-core and saved as a screenshot.
func TestBrowserSSO(t *testing.T) {
	const width, height = 1280, 900
	idp := oidctest.Start(t, "chancery", "browser-secret", "https://placeholder.invalid/")
	b, origin := newSSOBrowser(t, idp, "browser-secret", browsertest.WindowSize(width, height))
	idp.SetRedirectURI(origin + "/signin/sso/callback")

	for i, code := range []string{"en", "ar"} {
		l := mustLang(t, code)
		user := "sso-" + code
		idp.AddUser(user, "idp-password", "mfa-press")
		t.Run(code, func(t *testing.T) {
			b.chooseLanguage(t, l, "/signin?next=/press")
			button := `main form[action="/signin/sso"] button`
			if got, want := b.Text(t, button), browsertest.Squash(b.cat.T(code, "sso_signin", map[string]any{"Provider": "MOFA ID"})); got != want {
				t.Errorf("button %q, want %q", got, want)
			}
			browsertest.AssertNoSeriousViolations(t, b.Ctx, "/signin with single sign-on in "+code)
			b.Screenshot(t, "sso-signin-"+code+".png", width, height)

			b.Do(t, "focus the single sign-on button", chromedp.Focus(chromedp.CSS(button)))
			b.Follow(t, "press the single sign-on button", chromedp.SendKeys(chromedp.CSS(button), kb.Enter))
			// The page that goes on to the provider leaves at once (its
			// refresh has no delay); the browser is now at the provider.
			browsertest.WaitVisible(b.Ctx, t, `input[name="username"]`)
			b.Do(t, "type at the provider",
				chromedp.SendKeys(chromedp.CSS(`input[name="username"]`), user),
				chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), "idp-password"))
			b.Follow(t, "sign in at the provider", chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), kb.Enter))
			if got := b.Location(t); got != "/press" {
				t.Fatalf("after the provider: %s: %s", got, b.Text(t, "main"))
			}
			if c, ok := b.Cookie(t, "__Host-chancery_session"); !ok || !c.Secure || !c.HTTPOnly {
				t.Fatalf("session cookie %+v", c)
			}
			b.Open(t, "/signout")
			b.Follow(t, "sign out", chromedp.SendKeys(chromedp.CSS(`main form[action="/signout"] button`), kb.Enter))

			// An answer that comes back without its pre-session: refused,
			// said on the sign-in page.
			b.Open(t, "/signin/sso/callback?code=forged&state=forged"+strings.Repeat("x", i))
			if got, want := b.Text(t, `[role="alert"]`), browsertest.Squash(b.cat.T(code, "sso_error_no_session", map[string]any{"Provider": "MOFA ID"})); got != want {
				t.Errorf("refusal %q, want %q", got, want)
			}
			browsertest.AssertNoSeriousViolations(t, b.Ctx, "a refused answer in "+code)
			b.Screenshot(t, "sso-refused-"+code+".png", width, height)
		})
	}
}
