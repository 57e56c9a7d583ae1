package browsertest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"flag"
	"image/png"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// shotDir keeps a copy of Tab.Screenshot's captures for a person to look
// at: go test -run Browser ./internal/press -screenshot-dir /tmp
var shotDir = flag.String("screenshot-dir", "", "also write the browser tests' screenshots to this directory")

// Tab is one headless Chromium tab and the server it visits, with the
// steps a person takes on a page: open a path, follow a link or a form,
// type, wait until the page shows something, read it.
type Tab struct {
	Ctx context.Context
	// URL is the server's origin; Open takes paths under it.
	URL string
}

// NewTab starts Chromium (New) for the server at url. A server with a
// certificate (an httptest TLS server's) is trusted by pinning its public
// key: the server stays on HTTPS, as in production, so __Host- cookies,
// their Secure flag and HSTS are exercised for real; and unlike
// --ignore-certificate-errors, every other bad certificate is refused.
func NewTab(t testing.TB, url string, cert *x509.Certificate, opts ...Option) *Tab {
	t.Helper()
	if cert != nil {
		spki := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
		opts = append([]Option{Flag("ignore-certificate-errors-spki-list", base64.StdEncoding.EncodeToString(spki[:]))}, opts...)
	}
	return &Tab{Ctx: New(t, opts...), URL: url}
}

// Open loads a path of the server and waits for the load event.
func (b *Tab) Open(t testing.TB, path string) {
	t.Helper()
	Navigate(b.Ctx, t, b.URL+path)
}

// Follow runs step, which makes the page navigate (following a link or
// submitting a form), and waits until the page it leads to has loaded,
// after any redirects.
func (b *Tab) Follow(t testing.TB, what string, step chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, ActionTimeout)
	defer cancel()
	if _, err := chromedp.RunResponse(ctx, step); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// Do runs steps that do not navigate.
func (b *Tab) Do(t testing.TB, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, ActionTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// Eval evaluates a JavaScript expression in the tab's page.
func Eval[T any](t testing.TB, b *Tab, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, ActionTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// WaitFor polls a JavaScript predicate until it is true, and fails the
// test with what when it is still false after the deadline.
func (b *Tab) WaitFor(t testing.TB, what, predicate string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, ActionTimeout)
	defer cancel()
	for {
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](predicate, chromedp.WithPollingTimeout(ActionTimeout)))
		if err == nil {
			return
		}
		// A navigation that is still going on (the redirect after a form
		// was posted, say) destroys the page's JavaScript context under the
		// poll: poll again in the new page.
		if ctx.Err() == nil && navigatedAway(err) {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		t.Fatalf("%s: %v", what, err)
	}
}

// navigatedAway reports a DevTools error saying the page's JavaScript
// context went away under an evaluation because the page navigated.
func navigatedAway(err error) bool {
	s := err.Error()
	return strings.Contains(s, "Cannot find context with specified id") ||
		strings.Contains(s, "Execution context was destroyed") ||
		strings.Contains(s, "Inspected target navigated or closed")
}

// Location is the path and query of the page in the tab.
func (b *Tab) Location(t testing.TB) string {
	t.Helper()
	return Eval[string](t, b, `location.pathname + location.search`)
}

// Text is the rendered text of the first element that sel matches,
// squashed, or "" when there is none.
func (b *Tab) Text(t testing.TB, sel string) string {
	t.Helper()
	return Squash(Eval[string](t, b, `document.querySelector(`+JSString(sel)+`)?.innerText ?? ""`))
}

// Squash collapses every run of white space, no-break spaces included,
// into one space, so that a page's text compares with the catalogue's
// whatever spaces a translator chose (French puts a no-break space before
// a colon).
func Squash(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// JSString quotes s as a JavaScript string literal.
func JSString(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err) // a Go string always marshals
	}
	return string(b)
}

// SignIn types the username and password into the sign-in form of the
// page, as a person does, and presses Enter in the password field.
func (b *Tab) SignIn(t testing.TB, username, password string) {
	t.Helper()
	WaitVisible(b.Ctx, t, "#username")
	b.Do(t, "type the username and password",
		chromedp.SendKeys(chromedp.CSS("#username"), username),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
	)
	b.Follow(t, "submit the sign-in form", chromedp.SendKeys(chromedp.CSS("#password"), kb.Enter))
}

// Cookie returns the browser's cookie of that name for the server, as the
// browser stores it, including HttpOnly cookies that scripts cannot see.
func (b *Tab) Cookie(t testing.TB, name string) (*network.Cookie, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, ActionTimeout)
	defer cancel()
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{b.URL + "/"}})
	if err != nil {
		t.Fatalf("read the browser's cookies: %v", err)
	}
	for _, c := range res.Cookies {
		if c.Name == name {
			return c, true
		}
	}
	return nil, false
}

// Screenshot captures the viewport into the test's temporary directory,
// and into -screenshot-dir when it is set, and checks that it is
// width×height.
func (b *Tab) Screenshot(t *testing.T, name string, width, height int) {
	t.Helper()
	shot := Screenshot(b.Ctx, t, filepath.Join(t.TempDir(), name))
	cfg, err := png.DecodeConfig(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if cfg.Width != width || cfg.Height != height {
		t.Errorf("screenshot %s is %dx%d, want the %dx%d viewport", name, cfg.Width, cfg.Height, width, height)
	}
	if *shotDir != "" {
		path := filepath.Join(*shotDir, name)
		if err := os.WriteFile(path, shot, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", path)
	}
}

// Dialogs accepts every dialog the page opens (the warning before leaving
// unsaved changes among them) and remembers their kinds.
type Dialogs struct {
	mu    sync.Mutex
	kinds []string
}

// AcceptDialogs accepts every dialog the tab's pages open from now on.
func (b *Tab) AcceptDialogs(t testing.TB) *Dialogs {
	t.Helper()
	d := &Dialogs{}
	err := chromedp.Listen(b.Ctx, func(ev any) {
		if e, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			d.mu.Lock()
			d.kinds = append(d.kinds, string(e.Type))
			d.mu.Unlock()
			go func() {
				_, _ = chromedp.Call(b.Ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
			}()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Seen reports whether a dialog of that kind ("beforeunload", "confirm", …)
// opened.
func (d *Dialogs) Seen(kind string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, k := range d.kinds {
		if k == kind {
			return true
		}
	}
	return false
}

// Press sends keys to the element that has the focus, one key event each,
// as a keyboard user presses them (kb.Tab, kb.Enter, kb.Escape, …).
func (b *Tab) Press(t testing.TB, keys ...string) {
	t.Helper()
	for _, k := range keys {
		b.Do(t, "press "+strings.TrimSpace(k), chromedp.KeyEvent(k))
	}
}

// TabTo presses Tab until the element that sel matches has the focus, as
// a keyboard user would, and fails the test when 40 presses never reach it.
func (b *Tab) TabTo(t testing.TB, sel string) {
	t.Helper()
	for range 40 {
		if Eval[bool](t, b, `document.activeElement?.matches(`+JSString(sel)+`) === true`) {
			return
		}
		b.Do(t, "press Tab", chromedp.KeyEvent(kb.Tab))
	}
	t.Fatalf("40 presses of Tab never reached %s", sel)
}

// PageLang is the language tag that the page declares on <html>.
func (b *Tab) PageLang(t testing.TB) string {
	t.Helper()
	return Eval[string](t, b, `document.documentElement.lang`)
}

// CheckA11y runs axe-core on the page and fails the test for each serious
// or critical WCAG 2.2 AA violation (AssertNoSeriousViolations).
func (b *Tab) CheckA11y(t testing.TB, pageLabel string) {
	t.Helper()
	AssertNoSeriousViolations(t, b.Ctx, pageLabel)
}

// Console records what the tab's pages report as errors: console.error
// calls and uncaught exceptions (a script that throws, a CSP refusal
// reported by the page's own code).
type Console struct {
	mu     sync.Mutex
	errors []string
}

// CaptureConsole records the errors of the tab's pages from now on.
func (b *Tab) CaptureConsole(t testing.TB) *Console {
	t.Helper()
	c := &Console{}
	err := chromedp.Listen(b.Ctx, func(ev any) {
		var msg string
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type != runtime.ConsoleAPICalledTypeError {
				return
			}
			var parts []string
			for _, a := range e.Args {
				if a.Value != nil {
					var s string
					if json.Unmarshal(a.Value, &s) == nil {
						parts = append(parts, s)
						continue
					}
					parts = append(parts, string(a.Value))
				} else {
					parts = append(parts, a.Description)
				}
			}
			msg = "console.error: " + strings.Join(parts, " ")
		case *runtime.EventExceptionThrown:
			d := e.ExceptionDetails
			msg = "uncaught: " + d.Text
			if d.Exception != nil && d.Exception.Description != "" {
				msg += " " + d.Exception.Description
			}
		default:
			return
		}
		c.mu.Lock()
		c.errors = append(c.errors, msg)
		c.mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(b.Ctx, ActionTimeout)
	defer cancel()
	if _, err := chromedp.Call(ctx, runtime.Enable, cdp.Empty{}); err != nil {
		t.Fatalf("browsertest: listen to the console: %v", err)
	}
	return c
}

// Errors returns the errors recorded so far.
func (c *Console) Errors() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.errors...)
}

// NoErrors fails the test when the pages reported an error.
func (c *Console) NoErrors(t testing.TB, what string) {
	t.Helper()
	if errs := c.Errors(); len(errs) > 0 {
		t.Errorf("%s: the page reported %d error(s):\n  %s", what, len(errs), strings.Join(errs, "\n  "))
	}
}

// ChooseLanguage picks a language as a visitor does in the switcher
// (GET /lang/{code}, which remembers it in a cookie), goes on to next and
// checks that the page declares tag, the language's BCP 47 tag.
func (b *Tab) ChooseLanguage(t testing.TB, code, tag, next string) {
	t.Helper()
	b.Open(t, "/lang/"+code+"?next="+url.QueryEscape(next))
	if got := b.PageLang(t); got != tag {
		t.Fatalf("after choosing %s, %s declares lang=%q, want %q", code, b.Location(t), got, tag)
	}
}
