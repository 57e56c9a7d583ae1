package main

// The hard guarantees of publishing, tested on the real binary: killed with
// SIGKILL at random moments while publications fall due, and run as three
// instances on one PostgreSQL database. The binary is built with -tags
// chancerytest so that its "mastodon" channels publish over HTTP to a
// pubtest network served by the test (fakenet_chancerytest.go); its X
// channels use the real connector, pointed at xfake.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/auth"
	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/publishing/pubtest"
	"github.com/mofa-vn/chancery/internal/secrets"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/social/x"
	"github.com/mofa-vn/chancery/internal/social/x/xfake"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

var taggedBinary struct {
	once sync.Once
	path string
	err  error
}

// chanceryTestBinary builds the server with the chancerytest tag, once.
func chanceryTestBinary(t *testing.T) string {
	t.Helper()
	taggedBinary.once.Do(func() {
		dir, err := os.MkdirTemp("", "chancery-publish-test-")
		if err != nil {
			taggedBinary.err = err
			return
		}
		taggedBinary.path = filepath.Join(dir, "chancery")
		out, err := exec.Command("go", "build", "-tags", "chancerytest", "-o", taggedBinary.path, ".").CombinedOutput()
		if err != nil {
			taggedBinary.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if taggedBinary.err != nil {
		t.Fatal(taggedBinary.err)
	}
	return taggedBinary.path
}

// startPublisher starts the tagged binary and waits until it serves; it is
// killed when the test ends if still running.
func startPublisher(t *testing.T, name string, env []string) *child {
	t.Helper()
	cmd := exec.Command(chanceryTestBinary(t), "-addr", "127.0.0.1:0", "-publish-lease", "5s")
	cmd.Env = env
	cmd.Dir = t.TempDir()
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
		default:
			_ = cmd.Process.Kill()
			<-p.done
		}
	})
	p.waitServing()
	return p
}

// fakeMastodon serves a pubtest network over HTTP for the children.
func fakeMastodon(t *testing.T, latency time.Duration) (*pubtest.Network, string) {
	t.Helper()
	net := pubtest.New(social.Mastodon, social.Limits{MaxLength: 500, Idempotent: true})
	net.Latency = latency
	srv := httptest.NewServer(pubtest.Handler(net))
	t.Cleanup(srv.Close)
	return net, srv.URL
}

// seedPublications creates n cleared statements on one channel of the fake
// network, due between start and start+spread.
func seedPublications(t *testing.T, o store.Options, baseURL string, n int, lead, spread time.Duration) (token string) {
	t.Helper()
	hc := &pubtest.Client{BaseURL: baseURL, Name: social.Mastodon, Lim: social.Limits{MaxLength: 500, Idempotent: true}, HTTP: childClient}
	return seedStatements(t, o, publishing.ChannelInput{Network: "mastodon", Name: "Mastodon", BaseURL: baseURL, Languages: []string{"en"}, TimeZone: "Asia/Ho_Chi_Minh"},
		func(*store.DB, int64) social.Publisher { return hc }, func(i int) string { return fmt.Sprint("Statement number ", i) }, n, lead, spread)
}

// seedStatements creates n cleared statements, statement i saying body(i),
// on one channel made from in, whose publisher (connected first, if need
// be) connect returns, all due between start and start+spread.
func seedStatements(t *testing.T, o store.Options, in publishing.ChannelInput, connect func(db *store.DB, channel int64) social.Publisher,
	body func(int) string, n int, lead, spread time.Duration) (token string) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var pub social.Publisher
	// The fake network listens on loopback: allowed, as -extra-api-urls does.
	svc, err := publishing.New(publishing.Params{Networks: pubtest.Networks, DB: db, Log: slog.New(slog.NewTextHandler(t.Output(), nil)),
		Settings: publishing.Settings{ExtraAPIs: []string{in.BaseURL}},
		Resolve:  func(context.Context, publishing.Channel) (social.Publisher, error) { return pub, nil }})
	if err != nil {
		t.Fatal(err)
	}
	author, err := db.CreateUser(ctx, account.User{Username: "olivia", DisplayName: "Olivia", Roles: []account.Role{account.RolePressOfficer}})
	if err != nil {
		t.Fatal(err)
	}
	approver, err := db.CreateUser(ctx, account.User{Username: "arthur", DisplayName: "Arthur", Roles: []account.Role{account.RoleApprover}})
	if err != nil {
		t.Fatal(err)
	}
	authSvc, err := auth.NewService(auth.Params{DB: db, Argon2: cheapArgon})
	if err != nil {
		t.Fatal(err)
	}
	token, _, err = authSvc.CreateToken(ctx, author, "process test", []account.Role{account.RolePressOfficer}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := svc.CreateChannel(ctx, publishing.ActorOf(author), in)
	if err != nil {
		t.Fatal(err)
	}
	pub = connect(db, ch.ID)
	jobs := make(chan int)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range 8 {
		wg.Go(func() {
			for i := range jobs {
				st, err := svc.SaveStatement(ctx, publishing.ActorOf(author), 0, publishing.StatementInput{DueAt: time.Now().Add(24 * time.Hour),
					Variants: []publishing.VariantInput{{Lang: "en", Body: body(i)}}, Targets: []int64{ch.ID}})
				if err == nil {
					err = svc.Submit(ctx, publishing.ActorOf(author), st.ID)
				}
				if err == nil {
					st, err = db.GetStatement(ctx, st.ID)
				}
				if err == nil {
					_, err = svc.Approve(ctx, publishing.ActorOf(approver), st.ID, st.ContentHash)
				}
				if err != nil {
					errs <- err
				}
			}
		})
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// Now that setup is done, bring them all due within spread.
	pubs, err := db.ListPublications(ctx, store.QueueFilter{Limit: n + 1})
	if err != nil || len(pubs) != n {
		t.Fatalf("seeded %d publications (%v)", len(pubs), err)
	}
	start := time.Now().Add(lead)
	ids := make(chan int)
	for range 8 {
		wg.Go(func() {
			for i := range ids {
				// An approval covers the time: the move is cleared again.
				due := start.Add(time.Duration(i) * spread / time.Duration(n))
				if _, err := pubtest.BringDue(ctx, db, pubs[i].ID, due, author.ID, approver.ID); err != nil {
					t.Error(err)
				}
			}
		})
	}
	for i := range n {
		ids <- i
	}
	close(ids)
	wg.Wait()
	t.Logf("moved and cleared %d publications in %v (lead %v)", n, time.Since(start.Add(-lead)).Round(time.Millisecond), lead)
	return token
}

// waitSettled waits until the instance at addr reports every publication
// published or needs-check: posts on the network are not enough, as the
// last one may have been made by a killed instance whose lease has yet to
// expire and be reconciled.
func waitSettled(t *testing.T, addr, token string, n int, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	var counts map[string]int
	for {
		req, err := http.NewRequest(http.MethodGet, "http://"+addr+"/api/v1/publishing/status", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := childClient.Do(req)
		if err == nil {
			counts = map[string]int{}
			err = json.NewDecoder(res.Body).Decode(&counts)
			res.Body.Close()
		}
		if err == nil && counts[store.StatePublished]+counts[store.StateNeedsCheck] == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %v (%v)", d, counts, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitPosts waits until the network holds n distinct posts.
func waitPosts(t *testing.T, net *pubtest.Network, n int, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for len(net.CountByKey()) < n {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %d of %d posts", d, len(net.CountByKey()), n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// checkExactlyOnce opens the database and checks every publication against
// the network: published exactly once, or needs-check; none lost.
func checkExactlyOnce(t *testing.T, o store.Options, net *pubtest.Network, n int) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	counts, err := db.CountPublicationsByState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if counts[store.StatePublished]+counts[store.StateNeedsCheck] != n {
		t.Fatalf("states %v, want all %d published or needs-check", counts, n)
	}
	byKey := net.CountByKey()
	for k, c := range byKey {
		if c != 1 {
			t.Errorf("%s posted %d times", k, c)
		}
	}
	pubs, err := db.ListPublications(ctx, store.QueueFilter{Limit: n + 1})
	if err != nil {
		t.Fatal(err)
	}
	owners := map[string]int{}
	for _, p := range pubs {
		if p.State == store.StatePublished && byKey[publishing.PostKey(p.ID, "en", 0)] != 1 {
			t.Errorf("publication %d is published but the network holds %d posts for it", p.ID, byKey[publishing.PostKey(p.ID, "en", 0)])
		}
		attempts, err := db.ListAttempts(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range attempts {
			if a.Outcome == store.AttemptOK {
				owners[a.Owner]++
			}
		}
	}
	t.Logf("confirmed posts per instance: %v", owners)
	if _, err := db.VerifyAudit(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("states %v, %d posts", counts, len(byKey))
}

func TestProcessPublishSurvivesSIGKILL(t *testing.T) {
	const n = 500
	net, url := fakeMastodon(t, 20*time.Millisecond)
	o := store.Options{DataDir: storetest.DataDir(t)}
	token := seedPublications(t, o, url, n, 3*time.Second, 12*time.Second)
	env := childEnv("CHANCERY_DATA="+o.DataDir, "CHANCERY_EXTRA_API_URLS="+url)
	for kill := range 8 {
		p := startPublisher(t, fmt.Sprint("publisher ", kill), env)
		time.Sleep(time.Duration(200+rand.IntN(1200)) * time.Millisecond)
		p.signal(syscall.SIGKILL)
		<-p.done
		t.Logf("killed after %d posts", len(net.CountByKey()))
	}
	p := startPublisher(t, "publisher, last", env)
	waitPosts(t, net, n, 3*time.Minute)
	waitSettled(t, p.addr, token, n, time.Minute)
	p.stop()
	checkExactlyOnce(t, o, net, n)
}

func TestProcessPublishThreeInstancesOnePostgres(t *testing.T) {
	const n = 2000
	net, url := fakeMastodon(t, 5*time.Millisecond)
	dbURL, _ := newPostgresSchema(t)
	o := store.Options{DatabaseURL: dbURL}
	// Everything falls due within one minute, starting shortly after the
	// instances are up.
	token := seedPublications(t, o, url, n, 5*time.Second, 30*time.Second)
	env := childEnv("CHANCERY_DATABASE_URL="+dbURL, "CHANCERY_SIGNING_KEY="+sharedSigningKey(t), "CHANCERY_SECRET_KEY="+testSecretKey,
		"CHANCERY_EXTRA_API_URLS="+url)
	var ps []*child
	for i := range 3 {
		ps = append(ps, startPublisher(t, fmt.Sprint("instance ", i), env))
	}
	waitPosts(t, net, n, 4*time.Minute)
	waitSettled(t, ps[0].addr, token, n, time.Minute)
	for _, p := range ps {
		p.stop()
	}
	checkExactlyOnce(t, o, net, n)
}

// TestProcessPublishSeriesToLaggingX publishes a series of statements that
// differ only in their links to the real X connector of the binary,
// pointed at a fake X whose timeline lags and which cuts a third of its
// answers after making the post, while instances are killed with SIGKILL.
// Every statement ends published once, recording the post that carries
// exactly its text and links: no duplicate, none lost, none recorded for
// another statement or twice.
func TestProcessPublishSeriesToLaggingX(t *testing.T) {
	const n = 30
	fake := xfake.New(xfake.Options{TimelineLag: 2 * time.Second, WindowLimit: 100000})
	t.Cleanup(fake.Close)
	fake.AddOAuth1Token("1460000000000000001-tok", "token-secret")
	for range 3 * n {
		if rand.IntN(3) == 0 {
			fake.Fail(xfake.CommitThenDrop)
		} else {
			fake.Fail(0)
		}
	}
	key, err := base64.StdEncoding.DecodeString(testSecretKey)
	if err != nil {
		t.Fatal(err)
	}
	box, err := secrets.NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	connect := func(db *store.DB, channel int64) social.Publisher {
		creds := secrets.NewCredentials(db, box, channel)
		o := fake.Options()
		if err := x.Connect(context.Background(), creds, x.Secret{ConsumerKey: o.ConsumerKey, ConsumerSecret: o.ConsumerSecret,
			Token: "1460000000000000001-tok", TokenSecret: "token-secret"}); err != nil {
			t.Fatal(err)
		}
		c, err := x.New(x.Params{BaseURL: fake.URL, Credentials: creds, HTTP: childClient})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	body := func(i int) string {
		if i%3 == 1 {
			return fmt.Sprintf("Remarks at the regular press briefing: mofa.gov.vn/en/briefings/%d.", i)
		}
		return fmt.Sprintf("Remarks at the regular press briefing: https://mofa.gov.vn/en/briefings/%d", i)
	}
	dbURL, _ := newPostgresSchema(t)
	o := store.Options{DatabaseURL: dbURL}
	token := seedStatements(t, o, publishing.ChannelInput{Network: "x", Name: "X", BaseURL: fake.URL, Languages: []string{"en"}, TimeZone: "Asia/Ho_Chi_Minh"},
		connect, body, n, 3*time.Second, 15*time.Second)
	env := childEnv("CHANCERY_DATABASE_URL="+dbURL, "CHANCERY_SIGNING_KEY="+sharedSigningKey(t), "CHANCERY_SECRET_KEY="+testSecretKey,
		"CHANCERY_EXTRA_API_URLS="+fake.URL, "CHANCERY_WATCH_INTERVAL=0")
	for kill := range 5 {
		p := startPublisher(t, fmt.Sprint("publisher ", kill), env)
		time.Sleep(time.Duration(500+rand.IntN(2500)) * time.Millisecond)
		p.signal(syscall.SIGKILL)
		<-p.done
		t.Logf("killed after %d posts", len(fake.Posts()))
	}
	p := startPublisher(t, "publisher, last", env)
	waitSettled(t, p.addr, token, n, 3*time.Minute)
	p.stop()

	db, err := store.Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	posts := fake.Posts()
	postOf := map[string]string{}
	for _, p := range posts {
		if _, dup := postOf[p.Text]; dup {
			t.Errorf("posted twice: %q", p.Text)
		}
		postOf[p.Text] = p.ID
	}
	if len(posts) != n {
		t.Errorf("X holds %d posts for %d statements", len(posts), n)
	}
	pubs, err := db.ListPublications(context.Background(), store.QueueFilter{Limit: n + 1})
	if err != nil || len(pubs) != n {
		t.Fatalf("%d publications, %v", len(pubs), err)
	}
	recorded := map[string]int64{}
	for _, p := range pubs {
		st, err := db.GetStatement(context.Background(), p.StatementID)
		if err != nil {
			t.Fatal(err)
		}
		text := st.Variants[0].Body
		switch {
		case p.State != store.StatePublished:
			t.Errorf("%q: %s (%s)", text, p.State, p.Reason)
		case p.RemoteID != postOf[text]:
			t.Errorf("%q recorded post %s; its post is %s", text, p.RemoteID, postOf[text])
		case recorded[p.RemoteID] != 0:
			t.Errorf("post %s recorded by publications %d and %d", p.RemoteID, recorded[p.RemoteID], p.ID)
		}
		recorded[p.RemoteID] = p.ID
	}
	if _, err := db.VerifyAudit(context.Background()); err != nil {
		t.Fatal(err)
	}
	entries, err := db.ListAudit(context.Background(), store.AuditFilter{Limit: 100000})
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, en := range entries {
		counts[en.Action]++
	}
	if counts["publication.unknown"] == 0 || counts["publication.reconciled+published"] == 0 {
		t.Errorf("no answer was cut and reconciled: %v", counts)
	}
	t.Logf("%d creates sent for %d statements; audit %v", fake.Requests("POST /2/tweets"), n, counts)
}
