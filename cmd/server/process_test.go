package main

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/auth"
	"github.com/mofa-vn/chancery/internal/config"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

var adminPasswordRE = regexp.MustCompile(`sign in as "admin" with the one-time password\s+(\S+)`)

func TestProcessFreshStartSQLite(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data") // missing: the server creates it
	args := []string{"-addr", "127.0.0.1:0", "-data", data}

	p := serveChild(t, "first start", childEnv(), args...)
	out := p.waitFor(p.stdout, "the one-time admin password", adminPasswordRE.MatchString)
	pw := adminPasswordRE.FindStringSubmatch(out)[1]

	if r := p.do(http.MethodPost, "/signin", url.Values{"username": {"admin"}, "password": {pw + "x"}}, nil); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("sign-in with a wrong password: status %d, want 401", r.StatusCode)
	}
	next, cookies := p.signIn("admin", pw)
	wantRedirect(t, "admin", next, "/account/password")
	if i := slices.IndexFunc(cookies, func(c *http.Cookie) bool { return c.Name == auth.CookieName(true) }); i < 0 {
		t.Errorf("no %s cookie by default, got %v", auth.CookieName(true), cookies)
	} else if c := cookies[i]; !c.Secure || !c.HttpOnly {
		t.Errorf("cookie %s: Secure=%v HttpOnly=%v, want both by default", c.Name, c.Secure, c.HttpOnly)
	}
	if r := p.do(http.MethodGet, "/account/password", nil, cookies); r.StatusCode != http.StatusOK {
		t.Errorf("GET /account/password with the new session: status %d, want 200", r.StatusCode)
	}
	if r := p.do(http.MethodGet, "/account/password", nil, nil); r.StatusCode == http.StatusOK {
		t.Error("GET /account/password without a session: 200, want a refusal")
	}

	if r := p.wantStatus("/readyz", http.StatusOK); !strings.Contains(r.Body, "ready") {
		t.Errorf("/readyz body %q", r.Body)
	}
	if r := p.wantStatus("/vi/", http.StatusOK); !strings.Contains(r.Body, `lang="vi"`) {
		t.Errorf(`/vi/ lacks lang="vi": %s`, excerpt(r.Body))
	}
	if _, err := os.Stat(filepath.Join(data, "chancery.db")); err != nil {
		t.Errorf("no database in the data directory: %v", err)
	}
	p.stop()
	if !strings.Contains(p.stderr.String(), "backend=sqlite") {
		t.Errorf("logs do not name the sqlite backend:\n%s", p.stderr)
	}

	again := serveChild(t, "second start", childEnv(), args...)
	next, _ = again.signIn("admin", pw) // the one-time password survives until it is changed
	wantRedirect(t, "admin", next, "/account/password")
	again.stop()
	if strings.Contains(again.stdout.String(), "one-time password") || adminPasswordRE.MatchString(again.stdout.String()) {
		t.Errorf("second start printed an admin password again:\n%s", again.stdout)
	}
}

// demoRE matches one line of the demo banner: username, password, role.
var demoRE = regexp.MustCompile(`(?m)^\s+(demo-[a-z-]+)\s+([A-Z2-7]{26})\s+([a-z_]+)$`)

// demoTitles are titles of the demo articles in scripts that stress
// rendering: Latin with diacritics, Latin with an apostrophe, Arabic, Han.
var demoTitles = map[string][]string{
	"vi": {"Khai mạc Diễn đàn Ngoại giao số ASEAN", "Tuyên bố của Người phát ngôn về hợp tác hàng hải"},
	"en": {"ASEAN Digital Diplomacy Forum opens", "Spokesperson's statement on maritime cooperation"},
	"ar": {"افتتاح منتدى الدبلوماسية الرقمية لرابطة آسيان", "بيان المتحدث الرسمي بشأن التعاون البحري"},
	"zh": {"东盟数字外交论坛开幕", "发言人关于海上合作的声明"},
}

// demoSignIns waits for the whole demo banner and returns password by
// username and role by username.
func (p *child) demoSignIns() (map[string]string, map[string]string) {
	p.t.Helper()
	out := p.waitFor(p.stdout, "the demo sign-ins", func(s string) bool {
		return len(demoRE.FindAllString(s, -1)) >= len(account.Roles)
	})
	pw, role := map[string]string{}, map[string]string{}
	for _, m := range demoRE.FindAllStringSubmatch(out, -1) {
		pw[m[1]], role[m[1]] = m[2], m[3]
	}
	if len(pw) != len(account.Roles) {
		p.t.Fatalf("demo banner lists %d users, want %d:\n%s", len(pw), len(account.Roles), out)
	}
	return pw, role
}

// checkDemoArticles requires every language's home page to list the demo
// articles exactly once.
func checkDemoArticles(t *testing.T, p *child) {
	t.Helper()
	for _, code := range config.Languages {
		r := p.wantStatus("/"+code+"/", http.StatusOK)
		// The demo has two articles in every language, two more in some.
		want := map[string]int{"vi": 4, "en": 4, "fr": 3, "zh": 3}[code]
		if want == 0 {
			want = 2
		}
		links := map[string]bool{}
		for _, m := range regexp.MustCompile(`href="(/`+code+`/news/[^"]+)"`).FindAllStringSubmatch(r.Body, -1) {
			links[m[1]] = true
		}
		if len(links) != want {
			t.Errorf("/%s/ links to %d articles, want the %d demo articles", code, len(links), want)
		}
		if !strings.Contains(r.Body, `lang="`+code) {
			t.Errorf("/%s/ is not marked as %s", code, code)
		}
		for _, title := range demoTitles[code] {
			if !strings.Contains(r.Body, html.EscapeString(title)) {
				t.Errorf("/%s/ lacks the demo article %q", code, title)
			}
		}
	}
}

func TestProcessDemo(t *testing.T) {
	data := storetest.DataDir(t)
	args := []string{"-addr", "127.0.0.1:0", "-data", data, "-demo"}

	p := serveChild(t, "demo", childEnv(), args...)
	pws, roles := p.demoSignIns()
	var got []string
	for _, r := range roles {
		got = append(got, r)
	}
	slices.Sort(got)
	var want []string
	for _, r := range account.Roles {
		want = append(want, string(r))
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("demo roles %v, want one per role %v", got, want)
	}
	if strings.Contains(p.stdout.String(), ":0/") {
		t.Errorf("the demo banner shows port 0 instead of the port it serves on:\n%s", p.stdout)
	}
	if !strings.Contains(p.stdout.String(), "http://"+p.addr+"/signin") {
		t.Errorf("the demo banner does not show the sign-in URL http://%s/signin:\n%s", p.addr, p.stdout)
	}
	for user, pw := range pws {
		next, _ := p.signIn(user, pw)
		wantRedirect(t, user, next, "/admin")
	}
	checkDemoArticles(t, p)
	checkDemoNetworks(t, p)
	p.stop()

	again := serveChild(t, "demo again", childEnv(), args...)
	pws2, _ := again.demoSignIns()
	if pws2["demo-admin"] == pws["demo-admin"] {
		t.Error("the demo password did not change on restart")
	}
	next, _ := again.signIn("demo-delegate", pws2["demo-delegate"])
	wantRedirect(t, "demo-delegate", next, "/admin")
	checkDemoArticles(t, again) // no duplicates after a second load
	checkDemoNetworks(t, again) // channels re-pointed at the new fakes
}

// lockMessage is what a second process on a held SQLite directory must say.
var lockMessage = []string{"another Chancery process", "PostgreSQL", "CHANCERY_DATABASE_URL"}

func TestProcessSQLiteLock(t *testing.T) {
	data := storetest.DataDir(t)
	first := serveChild(t, "first", childEnv(), "-addr", "127.0.0.1:0", "-data", data)

	for _, tc := range []struct {
		name string
		args []string
	}{
		{"serve", []string{"-addr", "127.0.0.1:0", "-data", data}},
		{"user add", []string{"user", "add", "-data", data, "-username", "late", "-roles", "delegate"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runChild(t, "", childEnv(), tc.args...)
			if r.code == 0 {
				t.Fatalf("second process on a held data directory exited 0\nstdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
			}
			for _, want := range lockMessage {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
				}
			}
			noStackTrace(t, r.stderr)
			if r.elapsed > 10*time.Second {
				t.Errorf("took %s to give up, want a prompt failure", r.elapsed)
			}
		})
	}

	if first.exited() {
		t.Fatalf("first process died\n%s", first.dump())
	}
	first.wantStatus("/readyz", http.StatusOK)
	first.stop()
}

// refusedWithin waits until addr refuses connections.
func refusedWithin(t *testing.T, addr string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatalf("%s still accepts connections after %s", addr, d)
		}
		<-tick.C
	}
}

func TestProcessGracefulShutdown(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			data := storetest.DataDir(t)
			const shutdownTimeout = 20 * time.Second
			args := []string{"-addr", "127.0.0.1:0", "-data", data, "-shutdown-timeout", shutdownTimeout.String()}
			p := serveChild(t, "server", childEnv(), args...)

			// A request in flight: a sign-in whose handler is running and
			// waits for the body. "100 Continue" says the handler has
			// started reading it.
			conn, err := net.Dial("tcp", p.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(startTimeout))
			form := url.Values{"username": {"nobody"}, "password": {"not the password"}}.Encode()
			if _, err := fmt.Fprintf(conn, "POST /signin HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", p.addr, len(form)); err != nil {
				t.Fatal(err)
			}
			br := bufio.NewReader(conn)
			if line, err := br.ReadString('\n'); err != nil || !strings.HasPrefix(line, "HTTP/1.1 100 ") {
				t.Fatalf("want 100 Continue, got %q, %v", line, err)
			}
			if line, err := br.ReadString('\n'); err != nil || line != "\r\n" {
				t.Fatalf("want the end of the 100 Continue, got %q, %v", line, err)
			}

			p.signal(sig)
			p.waitLog("shutting down")
			refusedWithin(t, p.addr, 10*time.Second) // stopped accepting…
			if p.exited() {                          // …but still drains
				t.Fatalf("exited with a request in flight\n%s", p.dump())
			}

			began := time.Now()
			if _, err := io.WriteString(conn, form); err != nil {
				t.Fatal(err)
			}
			res, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatalf("the in-flight request got no response: %v\n%s", err, p.dump())
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			// 401 needs the database: the sign-in counts the failure.
			if res.StatusCode != http.StatusUnauthorized {
				t.Errorf("in-flight sign-in: status %d, want 401: the database must stay open until requests drain; body: %s", res.StatusCode, excerpt(string(body)))
			}
			if !res.Close {
				t.Error("a response during shutdown keeps the connection alive")
			}

			if code := p.wait(shutdownTimeout); code != 0 {
				t.Fatalf("exit code %d after %s, want 0\n%s", code, sig, p.dump())
			}
			if d := time.Since(began); d > shutdownTimeout {
				t.Errorf("took %s to exit after the last request, more than the shutdown timeout", d)
			}
			logs := p.stderr.String()
			for _, want := range []string{`msg="shutting down"`, "msg=stopped"} {
				if !strings.Contains(logs, want) {
					t.Errorf("logs lack %s:\n%s", want, logs)
				}
			}
			if strings.Index(logs, "shutting down") > strings.Index(logs, "msg=stopped") {
				t.Errorf("stopped logged before shutting down:\n%s", logs)
			}
			noStackTrace(t, logs)
			if c, err := net.DialTimeout("tcp", p.addr, time.Second); err == nil {
				c.Close()
				t.Errorf("%s accepts connections after the exit", p.addr)
			}

			// The lock went with the process.
			next := serveChild(t, "next", childEnv(), args...)
			next.wantStatus("/readyz", http.StatusOK)
			next.stop()
		})
	}
}

func TestProcessConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"unknown environment variable", []string{"CHANCERY_NOPE=1"}, nil, "unknown environment variable CHANCERY_NOPE"},
		{"log format", nil, []string{"-log-format", "xml"}, `log-format must be text or json, got "xml"`},
		{"address", nil, []string{"-addr", "nonsense"}, `addr must be host:port, got "nonsense"`},
		{"port", nil, []string{"-addr", "127.0.0.1:99999"}, `addr has an invalid port "99999"`},
		{"session TTL", []string{"CHANCERY_SESSION_TTL=forever"}, nil, `CHANCERY_SESSION_TTL: want a duration such as 30s or 5m, got "forever"`},
		{"boolean", []string{"CHANCERY_DEMO=maybe"}, nil, `CHANCERY_DEMO: want true or false, got "maybe"`},
		{"positional argument", nil, []string{"extra"}, `unexpected argument "extra"`},
		{"unknown flag", nil, []string{"-nope"}, "flag provided but not defined: -nope"},
		{"database URL", nil, []string{"-database-url", "mysql://x"}, "database-url must be a postgres:// or postgresql:// URL"},
		{"database URL with a password", nil, []string{"-database-url", "mysql://root:s3cretpw@db/x"}, "database-url must be a postgres:// or postgresql:// URL"},
		{"user subcommand", nil, []string{"user", "remove"}, "usage: chancery user add"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := filepath.Join(t.TempDir(), "data")
			r := runChild(t, "", childEnv(tc.env...), append(tc.args, "-data", data)...)
			if r.code != 2 {
				t.Fatalf("exit code %d, want 2\nstderr:\n%s", r.code, r.stderr)
			}
			if !strings.Contains(r.stderr, "chancery: ") || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("stderr lacks %q:\n%s", tc.want, r.stderr)
			}
			if strings.Contains(r.stderr, "s3cretpw") {
				t.Errorf("stderr shows the database password:\n%s", r.stderr)
			}
			noStackTrace(t, r.stderr)
			if r.stdout != "" {
				t.Errorf("stdout %q, want nothing", r.stdout)
			}
			if _, err := os.Stat(data); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a bad configuration touched the data directory (%v)", err)
			}
		})
	}
}

func TestProcessJSONLogs(t *testing.T) {
	p := serveChild(t, "json", childEnv("CHANCERY_LOG_FORMAT=json"), "-addr", "127.0.0.1:0", "-data", storetest.DataDir(t))
	p.wantStatus("/readyz", http.StatusOK)
	p.wantStatus("/nowhere", http.StatusNotFound)
	p.stop()

	var msgs []string
	for line := range strings.Lines(p.stderr.String()) {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var rec struct{ Time, Level, Msg string }
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("log line is not JSON (%v): %s", err, line)
			continue
		}
		if rec.Msg == "" || rec.Level == "" || rec.Time == "" {
			t.Errorf("log line lacks time, level or msg: %s", line)
		}
		msgs = append(msgs, rec.Msg)
	}
	for _, want := range []string{"storage ready", "serving", "shutting down", "stopped"} {
		if !slices.Contains(msgs, want) {
			t.Errorf("no %q among the JSON log messages %q", want, msgs)
		}
	}
}

var oneTimeRE = regexp.MustCompile(`one-time password: (\S+)`)

func TestProcessUserAdd(t *testing.T) {
	data := storetest.DataDir(t)
	env := childEnv("CHANCERY_DATA=" + data) // user add reads the data directory from the environment too
	const alicePW = "correct horse battery staple"

	r := runChild(t, alicePW+"\n", env, "user", "add", "-username", "Alice", "-name", "Alice Nguyễn", "-roles", "press_officer,approver", "-password-stdin")
	if r.code != 0 {
		t.Fatalf("user add -password-stdin: exit %d\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "created user alice") || !strings.Contains(r.stdout, "press_officer,approver") {
		t.Errorf("user add output: %q", r.stdout)
	}
	if strings.Contains(r.stdout, "password") || strings.Contains(r.stdout, alicePW) {
		t.Errorf("user add -password-stdin prints a password: %q", r.stdout)
	}

	r = runChild(t, "", env, "user", "add", "-username", "bob", "-roles", "delegate")
	if r.code != 0 {
		t.Fatalf("user add: exit %d\n%s", r.code, r.stderr)
	}
	m := oneTimeRE.FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("user add without -password-stdin prints no one-time password: %q", r.stdout)
	}
	bobPW := m[1]

	for _, tc := range []struct {
		name, stdin string
		args        []string
		code        int
		want        []string
	}{
		{"duplicate", alicePW + "\n", []string{"-username", "ALICE ", "-roles", "delegate", "-password-stdin"}, 1, []string{`a user named "alice" already exists`}},
		{"unknown role", "", []string{"-username", "carol", "-roles", "delegate,wizard"}, 2, []string{`"wizard"`, "admin,press_officer,approver"}},
		{"no role", "", []string{"-username", "carol"}, 2, []string{"-roles must name at least one of"}},
		{"no username", "", []string{"-roles", "delegate"}, 2, []string{"-username is required"}},
		{"short password", "short\n", []string{"-username", "carol", "-roles", "delegate", "-password-stdin"}, 2, []string{"at least 12 characters"}},
		{"long password", strings.Repeat("x", 1025) + "\n", []string{"-username", "carol", "-roles", "delegate", "-password-stdin"}, 2, []string{"at most 1024"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runChild(t, tc.stdin, env, append([]string{"user", "add"}, tc.args...)...)
			if r.code != tc.code {
				t.Errorf("exit code %d, want %d\nstderr:\n%s", r.code, tc.code, r.stderr)
			}
			for _, want := range tc.want {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
				}
			}
			noStackTrace(t, r.stderr)
			if strings.Contains(r.stdout, "created") {
				t.Errorf("stdout says a user was created: %q", r.stdout)
			}
		})
	}

	p := serveChild(t, "server", env, "-addr", "127.0.0.1:0")
	next, _ := p.signIn("alice", alicePW)
	wantRedirect(t, "alice", next, "/admin")
	next, _ = p.signIn("bob", bobPW)
	wantRedirect(t, "bob", next, "/account/password")
	if r := p.do(http.MethodPost, "/signin", url.Values{"username": {"carol"}, "password": {"short"}}, nil); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("carol signs in with status %d; a failed user add must create nobody", r.StatusCode)
	}
	p.stop()
}

// newPostgresSchema creates a schema of its own in the test database and
// returns a URL selecting it, with a password in it even where the server
// trusts the client, so that tests can look for the password in output. The
// schema is dropped when the test ends, after the children are gone.
func newPostgresSchema(t *testing.T) (dbURL, password string) {
	t.Helper()
	u, err := url.Parse(storetest.NewSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	password, ok := u.User.Password()
	if !ok {
		var b [6]byte
		_, _ = rand.Read(b[:])
		password = "s3cretpw" + hex.EncodeToString(b[:])
		u.User = url.UserPassword(u.User.Username(), password)
	}
	return u.String(), password
}

// adminPassword waits until a or b prints the admin password and returns
// it. Each would print it before it serves, but through another pipe.
func adminPassword(t *testing.T, a, b *child) string {
	ps := []*child{a, b}
	t.Helper()
	deadline := time.NewTimer(promptly)
	defer deadline.Stop()
	for {
		var changed []<-chan struct{}
		for _, p := range ps {
			s, c := p.stdout.snapshot()
			if m := adminPasswordRE.FindStringSubmatch(s); m != nil {
				return m[1]
			}
			changed = append(changed, c)
		}
		select {
		case <-changed[0]:
		case <-changed[1]:
		case <-deadline.C:
			t.Fatalf("no instance printed the admin password\n%s\n%s", a.dump(), b.dump())
		}
	}
}

func TestProcessPostgres(t *testing.T) {
	dbURL, password := newPostgresSchema(t)
	env := childEnv("CHANCERY_DATABASE_URL="+dbURL, "CHANCERY_SIGNING_KEY="+sharedSigningKey(t), "CHANCERY_SECRET_KEY="+testSecretKey)

	// Both start at once on a fresh schema: PostgreSQL allows several
	// instances, and they race to migrate and to create the first admin.
	a := startChild(t, "instance a", env, "-addr", "127.0.0.1:0")
	b := startChild(t, "instance b", env, "-addr", "127.0.0.1:0")
	a.waitServing()
	b.waitServing()
	for _, p := range []*child{a, b} {
		p.wantStatus("/readyz", http.StatusOK)
		if !strings.Contains(p.stderr.String(), "backend=postgres") {
			t.Errorf("%s logs do not say backend=postgres:\n%s", p.name, p.stderr)
		}
	}

	// One instance created the admin and printed the password; it signs in
	// on either, because they share the database.
	pw := adminPassword(t, a, b)
	if adminPasswordRE.MatchString(a.stdout.String()) && adminPasswordRE.MatchString(b.stdout.String()) {
		t.Error("both instances created an admin")
	}
	next, _ := a.signIn("admin", pw)
	wantRedirect(t, "admin", next, "/account/password")
	next, _ = b.signIn("admin", pw)
	wantRedirect(t, "admin", next, "/account/password")

	// user add works on PostgreSQL while the servers run.
	r := runChild(t, "a long enough password\n", env, "user", "add", "-username", "dana", "-roles", "chair", "-password-stdin")
	if r.code != 0 {
		t.Fatalf("user add on PostgreSQL: exit %d\n%s", r.code, r.stderr)
	}
	next, _ = b.signIn("dana", "a long enough password")
	wantRedirect(t, "dana", next, "/admin")

	a.stop()
	b.stop()
	for _, p := range []*child{a, b} {
		if strings.Contains(p.stderr.String()+p.stdout.String(), password) {
			t.Errorf("%s shows the database password:\n%s", p.name, p.dump())
		}
	}
}

func TestProcessPostgresFailureHidesPassword(t *testing.T) {
	const secret = "s3cretpw"
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"unreachable, from the environment", []string{"CHANCERY_DATABASE_URL=postgres://postgres:" + secret + "@127.0.0.1:1/test?sslmode=disable"}, []string{"-addr", "127.0.0.1:0"}, "PostgreSQL"},
		{"unreachable, from a flag", nil, []string{"-addr", "127.0.0.1:0", "-database-url", "postgresql://postgres:" + secret + "@127.0.0.1:1/test"}, "PostgreSQL"},
		{"rejected by the driver", nil, []string{"-addr", "127.0.0.1:0", "-database-url", "postgres://postgres:" + secret + "@127.0.0.1:1/test?sslmode=bogus"}, "database URL"},
		{"unparsable", nil, []string{"-addr", "127.0.0.1:0", "-database-url", "postgres://postgres:" + secret + "@127.0.0.1:port/test"}, "database-url"},
		{"user add", nil, []string{"user", "add", "-username", "x", "-roles", "chair", "-database-url", "postgres://postgres:" + secret + "@127.0.0.1:1/test"}, "PostgreSQL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runChild(t, "", childEnv(tc.env...), tc.args...)
			if r.code == 0 {
				t.Fatalf("exit 0 with an unusable database\n%s", r.stderr)
			}
			if strings.Contains(r.stderr+r.stdout, secret) {
				t.Errorf("output shows the database password:\nstdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
			}
			if !strings.Contains(r.stderr, tc.want) {
				t.Errorf("stderr lacks %q:\n%s", tc.want, r.stderr)
			}
			noStackTrace(t, r.stderr)
		})
	}
}

var pprofRE = regexp.MustCompile(`pprof listening.*addr=(127\.0\.0\.1:\d+)`)

func TestProcessDebugListener(t *testing.T) {
	p := serveChild(t, "server", childEnv(), "-addr", "127.0.0.1:0", "-data", storetest.DataDir(t), "-debug-addr", "127.0.0.1:0")
	m := pprofRE.FindStringSubmatch(p.waitFor(p.stderr, "the pprof address", pprofRE.MatchString))
	if m == nil || strings.HasSuffix(m[1], ":0") {
		t.Fatalf("pprof address not logged with its real port:\n%s", p.stderr)
	}
	debug := "http://" + m[1]
	if r := fetchURL(t, http.MethodGet, debug+"/debug/pprof/", nil, nil); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "goroutine") {
		t.Errorf("pprof on the debug listener: %d %s", r.StatusCode, excerpt(r.Body))
	}
	if r := fetchURL(t, http.MethodGet, debug+"/debug/pprof/cmdline", nil, nil); r.StatusCode != http.StatusOK {
		t.Errorf("pprof cmdline on the debug listener: %d", r.StatusCode)
	}
	if r := fetchURL(t, http.MethodGet, debug+"/metrics", nil, nil); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "chancery_pagecache_hits_total") {
		t.Errorf("metrics on the debug listener: %d %s", r.StatusCode, excerpt(r.Body))
	}
	p.wantStatus("/metrics", http.StatusNotFound) // no -metrics-token
	p.wantStatus("/debug/pprof/", http.StatusNotFound)
	p.wantStatus("/debug/pprof/cmdline", http.StatusNotFound)
	if r := fetchURL(t, http.MethodGet, debug+"/vi/", nil, nil); r.StatusCode != http.StatusNotFound {
		t.Errorf("the debug listener serves the portal: %d", r.StatusCode)
	}
	p.stop()
	refusedWithin(t, m[1], 10*time.Second)

	t.Run("public listener fails", func(t *testing.T) {
		// Serving fails at once (no certificate) while pprof runs: the
		// process must still end, not wait for the debug listener.
		missing := filepath.Join(t.TempDir(), "missing.pem")
		r := runChild(t, "", childEnv(), "-addr", "127.0.0.1:0", "-data", storetest.DataDir(t), "-debug-addr", "127.0.0.1:0", "-tls-cert", missing, "-tls-key", missing)
		if r.code == 0 {
			t.Fatalf("exit 0 without a certificate\n%s", r.stderr)
		}
		if !strings.Contains(r.stderr, "missing.pem") {
			t.Errorf("the error does not name the certificate:\n%s", r.stderr)
		}
		noStackTrace(t, r.stderr)
	})

	t.Run("address in use", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		r := runChild(t, "", childEnv(), "-addr", "127.0.0.1:0", "-data", storetest.DataDir(t), "-debug-addr", ln.Addr().String())
		if r.code == 0 {
			t.Fatalf("started with its debug address taken\n%s", r.stderr)
		}
		if !strings.Contains(r.stderr, ln.Addr().String()) {
			t.Errorf("the error does not name the debug address %s:\n%s", ln.Addr(), r.stderr)
		}
		noStackTrace(t, r.stderr)
	})
}
