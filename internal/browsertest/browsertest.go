// Package browsertest holds test helpers that drive Debian's Chromium with
// chromedp: it starts a headless browser per test, runs axe-core accessibility
// checks, and takes viewport screenshots.
//
// It is used only from _test files. Production packages must not import it,
// and it must not import any Chancery package, so that every package can test
// its pages with it. `make deps` installs what it needs: the chromium and
// Noto font packages, and axe-core in node_modules/.
package browsertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// ChromiumEnv is the environment variable that names the Chromium binary to
// use instead of Debian's /usr/bin/chromium.
const ChromiumEnv = "CHANCERY_CHROMIUM"

// defaultChromium is where Debian's chromium package installs the browser.
const defaultChromium = "/usr/bin/chromium"

// ActionTimeout bounds each helper that waits on the page, such as Navigate
// and WaitVisible, so that a broken page fails the test instead of hanging
// until the test binary's own timeout.
const ActionTimeout = 30 * time.Second

type config struct {
	width, height int
	flags         []chromedp.ExecAllocatorOption
}

// Option changes how New starts Chromium.
type Option func(*config)

// WindowSize sets the browser window and the page's viewport to width×height
// CSS pixels, at a device scale factor of 1. The default is 1280×800.
// Screenshots have this size, so visual checks should set it explicitly.
func WindowSize(width, height int) Option {
	return func(c *config) { c.width, c.height = width, height }
}

// FakeMedia makes getUserMedia succeed without a prompt and without hardware:
// Chromium grants camera and microphone access and feeds a test pattern and a
// beep. The flags are defined in Chromium's media/base/media_switches.cc; see
// https://webrtc.github.io/webrtc-org/testing/.
func FakeMedia() Option {
	return func(c *config) {
		c.flags = append(c.flags,
			chromedp.Flag("use-fake-ui-for-media-stream", true),
			chromedp.Flag("use-fake-device-for-media-stream", true),
		)
	}
}

// MediaOptions are the options of a participant in a conference room:
// FakeMedia with three fake cameras (so that a participant can switch
// between them; the second captures in a depth format that yields no
// video frames, so tests pick the last one), real host candidates instead
// of mDNS names (which need multicast), autoplay without a gesture, and
// getDisplayMedia choosing the screen without a picker.
func MediaOptions() []Option {
	return []Option{
		FakeMedia(),
		Flag("use-fake-device-for-media-stream", "device-count=3"),
		Flag("disable-features", "WebRtcHideLocalIpsWithMdns"),
		Flag("autoplay-policy", "no-user-gesture-required"),
		Flag("auto-select-desktop-capture-source", "Entire screen"),
	}
}

// Flag passes one more command-line switch to Chromium, for example
// Flag("use-file-for-fake-video-capture", "testdata/clip.y4m") together with
// FakeMedia. A value of true passes the switch with no value.
func Flag(name string, value any) Option {
	return func(c *config) { c.flags = append(c.flags, chromedp.Flag(name, value)) }
}

// New starts a headless Chromium for the test and returns a chromedp context
// with one tab open. The browser runs with a fresh profile in t.TempDir(), and
// it is closed when the test ends.
//
// New fails the test when Chromium is missing or does not start. It never
// skips: a browser test that silently does not run hides regressions.
func New(t testing.TB, opts ...Option) context.Context {
	t.Helper()
	cfg := config{width: 1280, height: 800}
	for _, o := range opts {
		o(&cfg)
	}
	execPath, err := chromiumPath()
	if err != nil {
		t.Fatalf("browsertest: %v; run `make deps` to install Debian's chromium package", err)
	}

	// TempDir registers its removal before the cancellations below, and
	// cleanups run last-in first-out, so the profile is removed only after
	// Chromium has exited.
	profile := t.TempDir()

	allocOpts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(execPath),
		chromedp.Headless,
		// Tests run as root in CI, where Chromium refuses to start
		// with its sandbox.
		chromedp.NoSandbox,
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(cfg.width, cfg.height),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
	)
	allocOpts = append(allocOpts, cfg.flags...)

	// The browser lives as long as the test, not as long as t.Context(),
	// so that the cleanups below close it in order.
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), allocOpts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(cancel)

	// Start the browser now, with no timeout on this first call: a timeout
	// here would end the browser with it. Later calls may add timeouts.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("browsertest: start %s: %v; run `make deps` to install Debian's chromium package", execPath, err)
	}
	// Headless Chromium reserves part of --window-size for its invisible
	// toolbars, so the viewport would be smaller than asked. Pin it, so that
	// layouts and screenshots have exactly the requested size.
	vctx, vcancel := context.WithTimeout(ctx, ActionTimeout)
	defer vcancel()
	if err := chromedp.Do(vctx, chromedp.EmulateViewport(int64(cfg.width), int64(cfg.height))); err != nil {
		t.Fatalf("browsertest: set the viewport to %dx%d: %v", cfg.width, cfg.height, err)
	}
	return ctx
}

// chromiumPath returns the browser binary: the one that CHANCERY_CHROMIUM
// names, else Debian's /usr/bin/chromium, else chromium on PATH.
func chromiumPath() (string, error) {
	if p := os.Getenv(ChromiumEnv); p != "" {
		found, err := exec.LookPath(p)
		if err != nil {
			return "", fmt.Errorf("%s=%s: %w", ChromiumEnv, p, err)
		}
		return found, nil
	}
	if found, err := exec.LookPath(defaultChromium); err == nil {
		return found, nil
	}
	if found, err := exec.LookPath("chromium"); err == nil {
		return found, nil
	}
	return "", errors.New("chromium not found at " + defaultChromium + " nor on PATH (set " + ChromiumEnv + " to use another binary)")
}

// Navigate loads url in the tab of ctx and waits for the load event.
func Navigate(ctx context.Context, t testing.TB, url string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, ActionTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatalf("browsertest: navigate to %s: %v", url, err)
	}
}

// WaitVisible waits until the element that the CSS selector sel matches is
// visible.
func WaitVisible(ctx context.Context, t testing.TB, sel string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, ActionTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(sel))); err != nil {
		t.Fatalf("browsertest: wait for %q to be visible: %v", sel, err)
	}
}

// Screenshot captures the viewport as a PNG, writes it to path unless path
// is empty, and returns it.
//
// It captures the viewport only, never the full page: in Chromium 156 a
// capture beyond the viewport (chromedp.FullScreenshot) of a dir="rtl" page
// comes out shifted and clipped. Set the size with WindowSize instead.
func Screenshot(ctx context.Context, t testing.TB, path string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, ActionTimeout)
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("browsertest: screenshot: %v", err)
	}
	if _, err := png.DecodeConfig(bytes.NewReader(buf)); err != nil {
		t.Fatalf("browsertest: screenshot is not a PNG: %v", err)
	}
	if path != "" {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatalf("browsertest: screenshot: %v", err)
		}
		if err := os.WriteFile(path, buf, 0o644); err != nil {
			t.Fatalf("browsertest: screenshot: %v", err)
		}
	}
	return buf
}
