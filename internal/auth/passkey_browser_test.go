package auth_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/browsertest"
)

// TestBrowserPasskeys registers a passkey in Chromium with the DevTools
// virtual authenticator (CTAP2, built in, with resident keys and user
// verification), with the keyboard only, in English and in Arabic; signs
// in with the passkey alone, then with it as the second step after the
// password; removes it and sees the authenticator's copy refused with the
// message in the page's language. Every state passes axe-core's WCAG 2.2
// AA rules and is saved as a screenshot.
func TestBrowserPasskeys(t *testing.T) {
	const width, height = 1280, 900
	// Browsers take no IP address as a WebAuthn relying party: the
	// browser visits the test server by the loopback name.
	byName := func(u string) string { return strings.Replace(u, "127.0.0.1", "localhost", 1) }
	b := newBrowserAt(t, byName, browsertest.WindowSize(width, height))
	origin := byName(b.ts.URL)
	const password = "correct horse battery staple"
	open := func(t *testing.T, path string) {
		t.Helper()
		browsertest.Navigate(b.Ctx, t, origin+path)
	}
	check := func(t *testing.T, label string) {
		t.Helper()
		browsertest.AssertNoSeriousViolations(t, b.Ctx, label)
	}
	// press focuses an element as Tab would and presses Enter on it.
	press := func(t *testing.T, what, sel string) {
		t.Helper()
		b.Do(t, "focus: "+what, chromedp.Focus(chromedp.CSS(sel)))
		b.Do(t, what, chromedp.SendKeys(chromedp.CSS(sel), kb.Enter))
	}
	signOut := func(t *testing.T) {
		t.Helper()
		open(t, "/signout")
		b.Do(t, "focus: sign out", chromedp.Focus(chromedp.CSS(`main form[action="/signout"] button`)))
		b.Follow(t, "sign out", chromedp.SendKeys(chromedp.CSS(`main form[action="/signout"] button`), kb.Enter))
	}

	open(t, "/signin")
	if _, err := chromedp.Call(b.Ctx, webauthn.Enable, webauthn.EnableParams{}); err != nil {
		t.Fatalf("enable the WebAuthn domain: %v", err)
	}
	va, err := chromedp.Call(b.Ctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{Options: &webauthn.VirtualAuthenticatorOptions{
		Protocol: webauthn.AuthenticatorProtocolCtap2, Transport: webauthn.AuthenticatorTransportInternal,
		HasResidentKey: true, HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true,
	}})
	if err != nil {
		t.Fatalf("add a virtual authenticator: %v", err)
	}
	for _, code := range []string{"en", "ar"} {
		user := "envoy-" + code
		u := b.ts.AddUser(user, password, account.RoleApprover)
		t.Run(code, func(t *testing.T) {
			open(t, "/lang/"+code+"?next="+url.QueryEscape("/signin?next=/admin"))
			b.SignIn(t, user, password)
			if got := b.Location(t); !strings.HasPrefix(got, "/account/2fa") {
				t.Fatalf("an approver without a second factor lands on %s", got)
			}
			browsertest.WaitVisible(b.Ctx, t, "#passkey-name")
			check(t, "/account/2fa with passkeys in "+code)
			b.Screenshot(t, "passkey-none-"+code+".png", width, height)

			// Register: name it, press Enter; the browser asks the
			// authenticator, and the page comes back with the list.
			b.Do(t, "name the passkey", chromedp.SendKeys(chromedp.CSS("#passkey-name"), "Laptop "+code))
			b.Do(t, "add the passkey", chromedp.SendKeys(chromedp.CSS("#passkey-name"), kb.Enter))
			b.WaitFor(t, "the passkey to be registered", `location.search.includes("added=1") && !!document.querySelector("#passkeys")`)
			if got := b.Text(t, "#passkeys tbody"); !strings.Contains(got, "Laptop "+code) {
				t.Fatalf("the passkeys listed: %q", got)
			}
			if got, want := b.Text(t, "main section .notice"), browsertest.Squash(b.cat.T(code, "passkey_added")); got != want {
				t.Errorf("the page says %q, want %q", got, want)
			}
			keys, err := b.ts.db.ListPasskeys(t.Context(), u.ID)
			if err != nil || len(keys) != 1 {
				t.Fatalf("stored passkeys: %+v, %v", keys, err)
			}
			check(t, "/account/2fa with a passkey in "+code)
			b.Screenshot(t, "passkey-added-"+code+".png", width, height)
			// The passkey satisfies the policy: the staff pages open.
			open(t, "/admin")
			if got := b.Location(t); got != "/admin" {
				t.Fatalf("with a passkey, /admin sends to %s", got)
			}
			signOut(t)

			// A passkey alone.
			open(t, "/signin?next=/admin")
			browsertest.WaitVisible(b.Ctx, t, "#passkey-signin")
			check(t, "/signin with a passkey in "+code)
			b.Screenshot(t, "passkey-signin-"+code+".png", width, height)
			press(t, "sign in with a passkey", "#passkey-signin")
			b.WaitFor(t, "the passkey sign-in", `location.pathname === "/admin"`)
			signOut(t)

			// A passkey as the second step.
			open(t, "/signin?next=/admin")
			b.SignIn(t, user, password)
			if got := b.Location(t); !strings.HasPrefix(got, "/signin/2fa") {
				t.Fatalf("the password leads to %s, want the second step", got)
			}
			browsertest.WaitVisible(b.Ctx, t, "#passkey-second-factor")
			check(t, "/signin/2fa with a passkey in "+code)
			b.Screenshot(t, "passkey-step-"+code+".png", width, height)
			press(t, "use the passkey", "#passkey-second-factor")
			b.WaitFor(t, "the second step with a passkey", `location.pathname === "/admin"`)

			// Remove it: the authenticator's copy signs in no more.
			open(t, "/account/2fa")
			b.Do(t, "focus: remove", chromedp.Focus(chromedp.CSS(`#passkeys button`)))
			b.Follow(t, "remove the passkey", chromedp.SendKeys(chromedp.CSS(`#passkeys button`), kb.Enter))
			if got, want := b.Text(t, "main section .notice"), browsertest.Squash(b.cat.T(code, "passkey_removed")); !strings.Contains(got, want) {
				t.Errorf("after the removal the page says %q, want %q", got, want)
			}
			check(t, "/account/2fa after a removal in "+code)
			signOut(t)
			open(t, "/signin?next=/admin")
			browsertest.WaitVisible(b.Ctx, t, "#passkey-signin")
			press(t, "sign in with the removed passkey", "#passkey-signin")
			b.WaitFor(t, "the refusal", `!document.querySelector('[data-passkey] [role="alert"]').hidden`)
			if got, want := b.Text(t, `[data-passkey] [role="alert"]`), browsertest.Squash(b.cat.T(code, "passkey_error_unknown")); got != want {
				t.Errorf("the refusal says %q, want %q", got, want)
			}
			check(t, "/signin with a refused passkey in "+code)
			b.Screenshot(t, "passkey-refused-"+code+".png", width, height)
			open(t, "/admin")
			if got := b.Location(t); !strings.HasPrefix(got, "/signin") {
				t.Fatalf("a removed passkey opened a session: /admin shows %s", got)
			}
			if _, err := chromedp.Call(b.Ctx, webauthn.ClearCredentials, webauthn.ClearCredentialsParams(va)); err != nil {
				t.Fatal(err)
			}
		})
	}
}
