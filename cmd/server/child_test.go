package main

// This file holds the child-process harness of the TestProcess tests in
// process_test.go.
//
// The TestProcess tests run the real binary as child processes, the way an
// operator does: flags and environment, what it prints, its exit codes, its
// signals and its locks. The in-process tests cover the handlers; these cover
// everything main wires around them.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	// startTimeout bounds a start: migrations, and Argon2 hashing of the
	// bootstrap and demo passwords on a shared, busy machine.
	startTimeout = 90 * time.Second
	// promptly bounds what must fail fast: configuration errors, a held
	// lock, an unreachable database.
	promptly = 20 * time.Second
)

// chancery is the binary under test, built once per test run.
var chancery struct {
	once sync.Once
	dir  string
	path string
	err  error

	mu    sync.Mutex
	procs []*child // every child started, to prove none outlives the tests
}

// TestMain removes the built binary and fails the run if a child outlived
// its test.
func TestMain(m *testing.M) {
	code := m.Run()
	chancery.mu.Lock()
	for _, p := range chancery.procs {
		select {
		case <-p.done:
		default:
			fmt.Fprintf(os.Stderr, "process_test: %s (pid %d) still running after the tests; killing it\n", p.name, p.cmd.Process.Pid)
			_ = p.cmd.Process.Kill()
			code = 1
		}
	}
	chancery.mu.Unlock()
	if chancery.dir != "" {
		_ = os.RemoveAll(chancery.dir)
	}
	os.Exit(code)
}

// chanceryBinary builds the server once and returns its path.
func chanceryBinary(t *testing.T) string {
	t.Helper()
	chancery.once.Do(func() {
		dir, err := os.MkdirTemp("", "chancery-process-test-")
		if err != nil {
			chancery.err = err
			return
		}
		chancery.dir = dir
		chancery.path = filepath.Join(dir, "chancery")
		out, err := exec.Command("go", "build", "-o", chancery.path, ".").CombinedOutput()
		if err != nil {
			chancery.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if chancery.err != nil {
		t.Fatal(chancery.err)
	}
	return chancery.path
}

// childEnv is the test's environment without any CHANCERY_* variable, so
// that the developer's settings never leak into a child, plus extra.
func childEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CHANCERY_") {
			env = append(env, kv)
		}
	}
	// Conference media on an ephemeral port and no ICE-TCP, so that child
	// servers can run side by side.
	env = append(env, "CHANCERY_RTC_UDP=127.0.0.1:0", "CHANCERY_RTC_TCP=")
	// Staff sign in with a password alone; the second-factor policy has
	// its own tests on the fully wired handler (secondfactor_test.go).
	env = append(env, "CHANCERY_REQUIRE_2FA_ROLES=")
	return append(env, extra...)
}

// childOutput collects a stream of a child and wakes waiters on every write.
type childOutput struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{}
}

func newChildOutput() *childOutput { return &childOutput{changed: make(chan struct{})} }

func (o *childOutput) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.buf.Write(p)
	close(o.changed)
	o.changed = make(chan struct{})
	return len(p), nil
}

// snapshot returns the text so far and a channel closed by the next write.
func (o *childOutput) snapshot() (string, <-chan struct{}) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String(), o.changed
}

func (o *childOutput) String() string {
	s, _ := o.snapshot()
	return s
}

// child is a server process started by a test.
type child struct {
	t      *testing.T
	name   string
	cmd    *exec.Cmd
	stdout *childOutput
	stderr *childOutput
	done   chan struct{} // closed once it exited and its output is complete
	err    error         // from Wait; read only after done
	addr   string        // the public listener, once serving
}

// startChild starts the binary with args and env and kills it when the test
// ends, if it is still running. It does not wait for anything.
func startChild(t *testing.T, name string, env []string, args ...string) *child {
	t.Helper()
	cmd := exec.Command(chanceryBinary(t), args...)
	cmd.Env = env
	cmd.Dir = t.TempDir() // so a default ./data never lands in the source tree
	p := &child{t: t, name: name, cmd: cmd, stdout: newChildOutput(), stderr: newChildOutput(), done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.stdout, p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	chancery.mu.Lock()
	chancery.procs = append(chancery.procs, p)
	chancery.mu.Unlock()
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
			return
		default:
		}
		_ = cmd.Process.Kill()
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			t.Errorf("%s (pid %d) survived SIGKILL", name, cmd.Process.Pid)
		}
	})
	return p
}

var servingRE = regexp.MustCompile(`serving.*http://(127\.0\.0\.1:\d+)`)

// serveChild starts the binary and waits until it serves HTTP.
func serveChild(t *testing.T, name string, env []string, args ...string) *child {
	t.Helper()
	p := startChild(t, name, env, args...)
	p.waitServing()
	return p
}

// waitServing waits for the "serving" log line and records the address.
func (p *child) waitServing() {
	p.t.Helper()
	m := servingRE.FindStringSubmatch(p.waitFor(p.stderr, "the serving log line", servingRE.MatchString))
	p.addr = m[1]
}

// waitFor waits until ok accepts what o holds and returns it. It fails the
// test if the process exits first or startTimeout passes.
func (p *child) waitFor(o *childOutput, what string, ok func(string) bool) string {
	p.t.Helper()
	deadline := time.NewTimer(startTimeout)
	defer deadline.Stop()
	for {
		s, changed := o.snapshot()
		if ok(s) {
			return s
		}
		select {
		case <-changed:
		case <-p.done:
			if s := o.String(); ok(s) { // the last writes may land with the exit
				return s
			}
			p.t.Fatalf("%s exited (%v) before %s\n%s", p.name, p.err, what, p.dump())
		case <-deadline.C:
			p.t.Fatalf("%s: no %s after %s\n%s", p.name, what, startTimeout, p.dump())
		}
	}
}

// waitLog waits until stderr contains sub.
func (p *child) waitLog(sub string) {
	p.t.Helper()
	p.waitFor(p.stderr, fmt.Sprintf("%q in the logs", sub), func(s string) bool { return strings.Contains(s, sub) })
}

// exited reports whether the process has ended.
func (p *child) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// wait waits for the process to exit and returns its exit code.
func (p *child) wait(timeout time.Duration) int {
	p.t.Helper()
	select {
	case <-p.done:
	case <-time.After(timeout):
		p.t.Fatalf("%s did not exit within %s\n%s", p.name, timeout, p.dump())
	}
	return childExitCode(p.t, p.err)
}

// stop sends SIGTERM and requires a clean exit.
func (p *child) stop() {
	p.t.Helper()
	p.signal(syscall.SIGTERM)
	if code := p.wait(startTimeout); code != 0 {
		p.t.Fatalf("%s exited with %d after SIGTERM, want 0\n%s", p.name, code, p.dump())
	}
}

func (p *child) signal(sig os.Signal) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatalf("signal %s: %v", p.name, err)
	}
}

func (p *child) dump() string {
	return "stdout:\n" + p.stdout.String() + "\nstderr:\n" + p.stderr.String()
}

func childExitCode(t *testing.T, err error) int {
	t.Helper()
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("wait: %v", err)
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		t.Fatalf("killed by %s, want an exit", ws.Signal())
	}
	return ee.ExitCode()
}

// childResult is the outcome of a command run to completion.
type childResult struct {
	stdout, stderr string
	code           int
	elapsed        time.Duration
}

// runChild runs the binary to completion, with stdin as its input, and fails the
// test if it takes longer than promptly.
func runChild(t *testing.T, stdin string, env []string, args ...string) childResult {
	t.Helper()
	// The binary is built before the clock starts: a build on a busy
	// machine takes longer than promptly, and is not what is measured.
	bin := chanceryBinary(t)
	ctx, cancel := context.WithTimeout(t.Context(), promptly)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	cmd.Dir = t.TempDir()
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	began := time.Now()
	err := cmd.Run()
	r := childResult{stdout: stdout.String(), stderr: stderr.String(), elapsed: time.Since(began)}
	if ctx.Err() != nil {
		t.Fatalf("chancery %s: still running after %s\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), promptly, r.stdout, r.stderr)
	}
	r.code = childExitCode(t, err)
	return r
}

// noStackTrace fails the test if s looks like a panic or a goroutine dump.
func noStackTrace(t *testing.T, s string) {
	t.Helper()
	for _, bad := range []string{"panic:", "goroutine ", ".go:"} {
		if strings.Contains(s, bad) {
			t.Errorf("output has %q, a stack trace:\n%s", bad, s)
		}
	}
}

// childClient never follows redirects, so tests see them, and never keeps
// connections, so none outlives a child or holds up its shutdown.
var childClient = &http.Client{
	Timeout:       30 * time.Second,
	Transport:     &http.Transport{DisableKeepAlives: true},
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// do sends a request to the child's public listener.
func (p *child) do(method, path string, body url.Values, cookies []*http.Cookie) response {
	p.t.Helper()
	return fetchURL(p.t, method, "http://"+p.addr+path, body, cookies)
}

func fetchURL(t *testing.T, method, u string, body url.Values, cookies []*http.Cookie) response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = strings.NewReader(body.Encode())
	}
	req, err := http.NewRequestWithContext(t.Context(), method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	res, err := childClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	return response{StatusCode: res.StatusCode, Header: res.Header, Body: string(b)}
}

// signIn posts the sign-in form and requires a redirect with a session
// cookie. It returns where the redirect goes and the cookies.
func (p *child) signIn(username, password string) (string, []*http.Cookie) {
	p.t.Helper()
	r := p.do(http.MethodPost, "/signin", url.Values{"username": {username}, "password": {password}}, nil)
	if r.StatusCode != http.StatusSeeOther {
		p.t.Fatalf("sign in as %s on %s: status %d, want 303; body: %s", username, p.name, r.StatusCode, excerpt(r.Body))
	}
	cookies := (&http.Response{Header: r.Header}).Cookies()
	if len(cookies) == 0 {
		p.t.Fatalf("sign in as %s: no session cookie", username)
	}
	return r.Header.Get("Location"), cookies
}

// wantRedirect checks a sign-in's redirect target.
func wantRedirect(t *testing.T, who, got, wantPrefix string) {
	t.Helper()
	if !strings.HasPrefix(got, wantPrefix) {
		t.Errorf("sign-in as %s redirects to %q, want %s…", who, got, wantPrefix)
	}
}

func (p *child) wantStatus(path string, want int) response {
	p.t.Helper()
	r := p.do(http.MethodGet, path, nil, nil)
	if r.StatusCode != want {
		p.t.Fatalf("GET %s on %s: status %d, want %d; body: %s", path, p.name, r.StatusCode, want, excerpt(r.Body))
	}
	return r
}
