package browsertest_test

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/mofa-vn/chancery/internal/browsertest"
)

// badPage has two known serious violations: html-has-lang (no lang) and
// image-alt (an img without alt).
const badPage = `<!doctype html>
<html>
<head><meta charset="utf-8"><title>Bad page</title></head>
<body><main><h1>Bad page</h1><img src="/pixel.gif"></main></body>
</html>`

// cleanNonce is fixed because the test only needs the CSP to be enforced, not
// unguessable.
const cleanNonce = "dGVzdC1ub25jZQ"

// cleanPage passes the WCAG 2.2 AA rules. It is served with a strict CSP, with
// Trusted Types required, like Chancery's pages: the script with the nonce
// runs and the one without it is blocked.
const cleanPage = `<!doctype html>
<html lang="en" dir="ltr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Clean page</title>
<script nonce="` + cleanNonce + `">document.documentElement.dataset.nonced = "ran";</script>
<script>document.documentElement.dataset.inline = "ran";</script>
</head>
<body>
<header><a href="#main">Skip to content</a></header>
<main id="main">
<h1 id="title">Clean page</h1>
<p>Some text with enough contrast.</p>
<img src="/pixel.gif" alt="A grey pixel" width="10" height="10">
</main>
</body>
</html>`

// keysPage reports an error on the console when Enter is pressed on its
// button, and throws when its field gets the focus.
const keysPage = `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Touches</title></head>
<body><main><a href="#main" id="first">Un</a> <button type="button" id="second">Deux</button> <input id="third" aria-label="Trois">
<script>
document.getElementById("second").addEventListener("click", () => console.error("pressed", "Enter"));
document.getElementById("third").addEventListener("focus", () => setTimeout(() => { throw new Error("boom"); }, 0));
</script></main></body></html>`

// pixelGIF is a 1×1 grey GIF.
var pixelGIF = []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x80\x80\x80\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")

func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /bad", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, badPage)
	})
	mux.HandleFunc("GET /clean", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "script-src 'nonce-"+cleanNonce+"' 'strict-dynamic'; "+
			"object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'; "+
			"require-trusted-types-for 'script'")
		fmt.Fprint(w, cleanPage)
	})
	mux.HandleFunc("GET /keys", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, keysPage)
	})
	mux.HandleFunc("GET /pixel.gif", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/gif")
		w.Write(pixelGIF)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestAxe(t *testing.T) {
	srv := newServer(t)
	ctx := browsertest.New(t)

	tests := []struct {
		path string
		// want lists rules that must be reported as serious or critical.
		want []string
	}{
		{path: "/bad", want: []string{"html-has-lang", "image-alt"}},
		{path: "/clean", want: nil},
	}
	for _, tt := range tests {
		t.Run(strings.TrimPrefix(tt.path, "/"), func(t *testing.T) {
			browsertest.Navigate(ctx, t, srv.URL+tt.path)
			browsertest.WaitVisible(ctx, t, "h1")

			var got []string
			for _, v := range browsertest.Axe(ctx, t) {
				if v.Serious() {
					got = append(got, v.ID)
				}
				if len(v.Nodes) == 0 || len(v.Nodes[0].Target) == 0 || v.Nodes[0].HTML == "" {
					t.Errorf("violation %s has no node target or HTML: %+v", v.ID, v)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("serious violations = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestAxeUnderStrictCSP checks that the clean page really enforced its CSP,
// so that TestAxe proves that axe-core runs under a strict CSP.
func TestAxeUnderStrictCSP(t *testing.T) {
	srv := newServer(t)
	ctx := browsertest.New(t)
	browsertest.Navigate(ctx, t, srv.URL+"/clean")

	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`(document.documentElement.dataset.nonced || "blocked") + " " + (document.documentElement.dataset.inline || "blocked")`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "ran blocked"; got != want {
		t.Fatalf("nonced and inline scripts: got %q, want %q", got, want)
	}
	browsertest.AssertNoSeriousViolations(t, ctx, "clean page under strict CSP")
}

// recorder is a testing.TB that records failures instead of failing, to test
// that the helpers fail when they should.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

// Fatalf records the failure and stops the goroutine, as testing.T does. Call
// the code under test in its own goroutine.
func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}

func (r *recorder) failures() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.errors)
}

// inGoroutine runs f in a goroutine and waits for it, so that a Fatalf in f
// stops only that goroutine.
func inGoroutine(f func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	<-done
}

func TestAssertNoSeriousViolationsFails(t *testing.T) {
	srv := newServer(t)
	ctx := browsertest.New(t)
	browsertest.Navigate(ctx, t, srv.URL+"/bad")

	rec := &recorder{TB: t}
	inGoroutine(func() { browsertest.AssertNoSeriousViolations(rec, ctx, "bad page") })

	failures := rec.failures()
	if len(failures) != 1 {
		t.Fatalf("got %d failures, want 1: %q", len(failures), failures)
	}
	msg := failures[0]
	t.Logf("the failure reads:\n%s", msg)
	for _, want := range []string{"bad page", "image-alt [critical]", "html-has-lang [serious]", `<img src="/pixel.gif">`} {
		if !strings.Contains(msg, want) {
			t.Errorf("failure does not mention %q:\n%s", want, msg)
		}
	}
}

func TestNewWithoutChromiumFails(t *testing.T) {
	t.Setenv(browsertest.ChromiumEnv, filepath.Join(t.TempDir(), "no-such-chromium"))

	rec := &recorder{TB: t}
	var ctx context.Context
	inGoroutine(func() { ctx = browsertest.New(rec) })

	if ctx != nil {
		t.Fatal("New returned a context without a browser")
	}
	failures := rec.failures()
	if len(failures) != 1 || !strings.Contains(failures[0], "make deps") {
		t.Fatalf("failures = %q, want one that says to run make deps", failures)
	}
}

func TestScreenshot(t *testing.T) {
	srv := newServer(t)
	const width, height = 800, 600
	ctx := browsertest.New(t, browsertest.WindowSize(width, height))
	browsertest.Navigate(ctx, t, srv.URL+"/clean")
	browsertest.WaitVisible(ctx, t, "#title")

	path := filepath.Join(t.TempDir(), "shots", "clean.png")
	buf := browsertest.Screenshot(ctx, t, path)

	onDisk, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(buf) == 0 || !bytes.Equal(buf, onDisk) {
		t.Fatalf("screenshot: %d bytes returned, %d bytes on disk; want the same non-empty PNG", len(buf), len(onDisk))
	}
	img, err := png.Decode(bytes.NewReader(buf))
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != width || b.Dy() != height {
		t.Errorf("screenshot is %dx%d, want the window size %dx%d", b.Dx(), b.Dy(), width, height)
	}
}

// A keyboard user reaches the button with Tab and presses Enter; the
// console's error and the exception thrown when the field gets the focus
// are recorded, and NoErrors fails on them.
func TestTabKeyboardAndConsole(t *testing.T) {
	srv := newServer(t)
	tab := browsertest.NewTab(t, srv.URL, nil)
	console := tab.CaptureConsole(t)
	tab.Open(t, "/keys")
	if got := tab.PageLang(t); got != "fr" {
		t.Errorf("PageLang = %q, want fr", got)
	}
	console.NoErrors(t, "a page that has done nothing yet")

	tab.TabTo(t, "#second")
	tab.Press(t, kb.Enter)
	tab.TabTo(t, "#third")
	tab.WaitFor(t, "the field has the focus", `document.activeElement.id === "third"`)
	want := []string{"console.error: pressed Enter", "uncaught: Uncaught Error: boom"}
	var errs []string
	for range 100 { // the events come from the browser on their own
		if errs = console.Errors(); len(errs) >= len(want) {
			break
		}
		tab.Do(t, "let the events arrive", chromedp.Sleep(50*time.Millisecond))
	}
	for _, w := range want {
		if !slices.ContainsFunc(errs, func(e string) bool { return strings.HasPrefix(e, w) }) {
			t.Errorf("console errors %q, want one starting %q", errs, w)
		}
	}

	rec := &recorder{TB: t}
	inGoroutine(func() { console.NoErrors(rec, "the keys page") })
	if f := rec.failures(); len(f) != 1 || !strings.Contains(f[0], "boom") {
		t.Errorf("NoErrors failures = %q, want one that lists the exception", f)
	}
	rec = &recorder{TB: t}
	inGoroutine(func() { tab.TabTo(rec, "#no-such-element") })
	if f := rec.failures(); len(f) != 1 || !strings.Contains(f[0], "never reached #no-such-element") {
		t.Errorf("TabTo failures = %q, want one that says Tab never reached the element", f)
	}
}
