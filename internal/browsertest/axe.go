package browsertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// axeScript is axe-core's browser bundle, relative to the repository root.
// `make deps` installs it with `npm ci` at the version that package-lock.json
// pins.
const axeScript = "node_modules/axe-core/axe.min.js"

// AxeTimeout bounds one axe-core run. A large page takes a few seconds.
const AxeTimeout = 2 * time.Minute

// axeRun runs the WCAG 2.2 AA rules (and the 2.0 and 2.1 A and AA rules that
// it includes) on the whole document, and returns the violations as JSON in
// the shape of Violation. Targets inside a shadow root are arrays of
// selectors; they are joined with " >>> " so that a target is one string.
const axeRun = `axe.run(document, {
	runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']},
	resultTypes: ['violations'],
}).then(r => JSON.stringify(r.violations.map(v => ({
	id: v.id,
	impact: v.impact,
	help: v.help,
	helpUrl: v.helpUrl,
	nodes: v.nodes.map(n => ({
		target: n.target.map(s => Array.isArray(s) ? s.join(' >>> ') : String(s)),
		html: n.html,
		failureSummary: n.failureSummary,
	})),
}))))`

// Violation is one axe-core rule that the page fails.
type Violation struct {
	// ID is the axe rule, such as "image-alt" or "color-contrast".
	ID string `json:"id"`
	// Impact is "minor", "moderate", "serious" or "critical".
	Impact string `json:"impact"`
	// Help is the one-line summary of the rule.
	Help    string `json:"help"`
	HelpURL string `json:"helpUrl"`
	Nodes   []Node `json:"nodes"`
}

// Node is one element that fails a rule.
type Node struct {
	// Target holds the CSS selectors of the element, one per frame or
	// shadow root on the way to it.
	Target []string `json:"target"`
	// HTML is the start of the element's outer HTML.
	HTML           string `json:"html"`
	FailureSummary string `json:"failureSummary"`
}

// Serious reports whether the violation's impact is serious or critical, the
// levels that fail Chancery's accessibility tests.
func (v Violation) Serious() bool {
	return v.Impact == "serious" || v.Impact == "critical"
}

// Axe runs axe-core's WCAG 2.2 AA rules on the page loaded in the tab of ctx
// and returns every violation, whatever its impact.
//
// It injects axe-core through the DevTools protocol (Runtime.evaluate) and not
// with a <script> tag, so it works on pages with a strict nonce-based Content
// Security Policy. It checks the top document only, not the documents of
// iframes.
func Axe(ctx context.Context, t testing.TB) []Violation {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, AxeTimeout)
	defer cancel()

	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof window.axe === 'object'`))
	if err != nil {
		t.Fatalf("browsertest: axe: %v", err)
	}
	if !loaded {
		src, err := readAxe()
		if err != nil {
			t.Fatalf("browsertest: axe: %v", err)
		}
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](src)); err != nil {
			t.Fatalf("browsertest: axe: inject %s: %v", axeScript, err)
		}
	}

	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](axeRun, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("browsertest: axe: run: %v", err)
	}
	var vs []Violation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		t.Fatalf("browsertest: axe: decode results: %v", err)
	}
	return vs
}

// AssertNoSeriousViolations runs Axe on the page loaded in the tab of ctx and
// fails the test, without stopping it, when a violation is serious or
// critical. The message lists each such violation and the elements that fail
// it. pageLabel names the page in the message, for example "/ar/ home".
func AssertNoSeriousViolations(t testing.TB, ctx context.Context, pageLabel string) {
	t.Helper()
	var serious []Violation
	for _, v := range Axe(ctx, t) {
		if v.Serious() {
			serious = append(serious, v)
		}
	}
	if len(serious) > 0 {
		t.Errorf("%s", FormatViolations(pageLabel, serious))
	}
}

// maxNodes is how many failing elements FormatViolations lists per rule.
const maxNodes = 5

// FormatViolations describes the violations of a page for a test failure, one
// rule per paragraph with its failing elements.
func FormatViolations(pageLabel string, vs []Violation) string {
	var b strings.Builder
	fmt.Fprintf(&b, "axe: %s: %d WCAG 2.2 AA violation(s):", pageLabel, len(vs))
	for _, v := range vs {
		fmt.Fprintf(&b, "\n  %s [%s]: %s\n    %s", v.ID, v.Impact, v.Help, v.HelpURL)
		for i, n := range v.Nodes {
			if i == maxNodes {
				fmt.Fprintf(&b, "\n    … and %d more", len(v.Nodes)-maxNodes)
				break
			}
			fmt.Fprintf(&b, "\n    - %s\n      %s", strings.Join(n.Target, " "), oneLine(n.HTML))
		}
	}
	return b.String()
}

// oneLine squeezes an HTML snippet onto one short line.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	const limit = 160
	if r := []rune(s); len(r) > limit {
		s = string(r[:limit]) + "…"
	}
	return s
}

// readAxe reads axe-core from node_modules at the repository root.
func readAxe() (string, error) {
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	path := filepath.Join(root, axeScript)
	src, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("%s is missing; run `make deps` to install axe-core", path)
	}
	if err != nil {
		return "", err
	}
	return string(src), nil
}

// repoRoot returns the nearest directory at or above the working directory
// that holds go.mod. `go test` runs in the package's directory, so this is the
// module root.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod at or above the working directory")
		}
		dir = parent
	}
}
