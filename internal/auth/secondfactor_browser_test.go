package auth_test

import (
	"encoding/base32"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/auth/totp"
	"github.com/mofa-vn/chancery/internal/browsertest"
)

// TestBrowserSecondFactor enrols an administrator in Chromium, with the
// keyboard only, in English and in Arabic, then signs in with the second
// step: every page passes axe-core's WCAG 2.2 AA rules, the QR code is an
// image the browser decodes, errors are announced (role=alert) and tied to
// their field, and each page is saved as a screenshot.
func TestBrowserSecondFactor(t *testing.T) {
	const width, height = 1280, 900
	b := newBrowserAt(t, nil, browsertest.WindowSize(width, height))
	const password = "correct horse battery staple"
	check := func(t *testing.T, label string) {
		t.Helper()
		browsertest.AssertNoSeriousViolations(t, b.Ctx, label)
	}
	// press focuses an element as Tab would and presses Enter on it.
	press := func(t *testing.T, what, sel string) {
		t.Helper()
		b.Do(t, "focus: "+what, chromedp.Focus(chromedp.CSS(sel)))
		b.Follow(t, what, chromedp.SendKeys(chromedp.CSS(sel), kb.Enter))
	}
	for _, code := range []string{"en", "ar"} {
		l := mustLang(t, code)
		user := "chief-" + code
		b.ts.AddUser(user, password, account.RoleAdmin)
		t.Run(code, func(t *testing.T) {
			b.chooseLanguage(t, l, "/signin?next=/admin")
			b.SignIn(t, user, password)
			if got, want := b.Location(t), "/account/2fa?next="+url.QueryEscape("/admin"); got != want {
				t.Fatalf("an administrator without a second factor lands on %s, want %s", got, want)
			}
			if got, want := b.Text(t, "main .notice"), browsertest.Squash(b.cat.T(code, "twofa_required")); got != want {
				t.Errorf("the page says %q, want %q", got, want)
			}
			check(t, "/account/2fa in "+code)
			b.Screenshot(t, "2fa-start-"+code+".png", width, height)

			press(t, "start the enrolment", `form[action="/account/2fa"] button`)
			browsertest.WaitVisible(b.Ctx, t, "#totp-secret")
			b.WaitFor(t, "the QR code to load", `(() => { const i = document.querySelector('img[src="/account/2fa/qr.png"]'); return i && i.complete && i.naturalWidth >= 200; })()`)
			if alt := browsertest.Eval[string](t, b.Tab, `document.querySelector('img[src="/account/2fa/qr.png"]').alt`); alt != b.cat.T(code, "twofa_qr_alt") {
				t.Errorf("the QR code's text alternative is %q", alt)
			}
			check(t, "enrolment with the QR code in "+code)
			b.Screenshot(t, "2fa-enrol-"+code+".png", width, height)

			secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(b.Text(t, "#totp-secret"))
			if err != nil {
				t.Fatal(err)
			}
			// A wrong code first: announced and tied to the field.
			b.Do(t, "type a wrong code", chromedp.SendKeys(chromedp.CSS("#code"), "000000"))
			b.Follow(t, "confirm a wrong code", chromedp.SendKeys(chromedp.CSS("#code"), kb.Enter))
			browsertest.WaitVisible(b.Ctx, t, `[role="alert"]`)
			if got, want := b.Text(t, `[role="alert"]`), browsertest.Squash(b.cat.T(code, "twofa_error_confirm")); got != want {
				t.Errorf("error %q, want %q", got, want)
			}
			if d := browsertest.Eval[string](t, b.Tab, `document.querySelector("#code").getAttribute("aria-describedby")`); d != "twofa-error" {
				t.Errorf("the code field is described by %q", d)
			}
			check(t, "enrolment with an error in "+code)
			b.Do(t, "type the app's code", chromedp.SendKeys(chromedp.CSS("#code"), totp.Code(secret, totp.Step(b.ts.clock.Now()))))
			b.Follow(t, "confirm", chromedp.SendKeys(chromedp.CSS("#code"), kb.Enter))
			browsertest.WaitVisible(b.Ctx, t, ".recovery-codes")
			if n := browsertest.Eval[int](t, b.Tab, `document.querySelectorAll(".recovery-codes li").length`); n != 10 {
				t.Fatalf("%d recovery codes shown", n)
			}
			check(t, "recovery codes in "+code)
			b.Screenshot(t, "2fa-recovery-"+code+".png", width, height)
			press(t, "continue", `main a[href="/admin"]`)
			if got := b.Location(t); got != "/admin" {
				t.Fatalf("after the enrolment: %s", got)
			}

			// Sign out, and in again: the second step.
			b.Open(t, "/signout")
			press(t, "sign out", `main form[action="/signout"] button`)
			b.ts.clock.Advance(totp.Period)
			b.chooseLanguage(t, l, "/signin?next=/admin")
			b.SignIn(t, user, password)
			if got := b.Location(t); !strings.HasPrefix(got, "/signin/2fa") {
				t.Fatalf("the password leads to %s, want the second step", got)
			}
			if f := browsertest.Eval[string](t, b.Tab, `document.activeElement.id`); f != "code" {
				t.Errorf("the second step opens with focus on %q, want the code field", f)
			}
			check(t, "/signin/2fa in "+code)
			b.Screenshot(t, "2fa-step-"+code+".png", width, height)
			b.Do(t, "type a wrong code", chromedp.SendKeys(chromedp.CSS("#code"), "123456"))
			b.Follow(t, "submit a wrong code", chromedp.SendKeys(chromedp.CSS("#code"), kb.Enter))
			browsertest.WaitVisible(b.Ctx, t, "#code-error")
			if got, want := b.Text(t, "#code-error"), browsertest.Squash(b.cat.T(code, "twofa_error_code")); got != want {
				t.Errorf("error %q, want %q", got, want)
			}
			check(t, "/signin/2fa with an error in "+code)
			b.Screenshot(t, "2fa-step-error-"+code+".png", width, height)
			b.Do(t, "type the app's code", chromedp.SendKeys(chromedp.CSS("#code"), totp.Code(secret, totp.Step(b.ts.clock.Now()))))
			b.Follow(t, "submit the code", chromedp.SendKeys(chromedp.CSS("#code"), kb.Enter))
			if got := b.Location(t); got != "/admin" {
				t.Fatalf("the right code lands on %s: %s", got, b.Text(t, "main"))
			}
			b.Open(t, "/account/sessions")
			check(t, "/account/sessions in "+code)
			b.Screenshot(t, "sessions-"+code+".png", width, height)
			b.Open(t, "/signout")
			press(t, "sign out", `main form[action="/signout"] button`)
		})
	}
}
