package sfu_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/sfu/sfuclient"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

type env struct {
	t      *testing.T
	srv    *sfu.Server
	http   *httptest.Server
	url    string
	signer *sfu.Signer
	db     *store.DB
	// officer is a protocol officer who admits joiners from the lobby.
	officer *sfuclient.Client
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, sfu.Config{UDPAddr: "127.0.0.1:0", Loopback: true})
}

func newEnvWith(t *testing.T, cfg sfu.Config) *env {
	t.Helper()
	return newEnvParams(t, sfu.Params{Config: cfg})
}

// newEnvParams starts a server with p; the signer (on p.Now), the logger
// and, unless p has one, the store are filled in.
func newEnvParams(t *testing.T, p sfu.Params) *env {
	t.Helper()
	db := storetest.Open(t, "sqlite")
	signer, err := sfu.NewSigner(testKey, p.Now)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: testLogLevel()}))
	}
	if p.Store == nil {
		p.Store = procStore(t, db)
	}
	p.Signer = signer
	if p.Log == nil {
		p.Log = log
	}
	srv, err := sfu.New(p)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	e := &env{t: t, srv: srv, http: hs, url: "ws" + strings.TrimPrefix(hs.URL, "http"), signer: signer, db: db}
	t.Cleanup(func() {
		_ = srv.Close()
		hs.Close()
	})
	return e
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

func (e *env) token(identity string, role sfu.Role) string {
	e.t.Helper()
	tok, err := e.signer.Issue(sfu.Claims{Room: "plenary", Identity: identity, Name: strings.ToUpper(identity[:1]) + identity[1:],
		Delegation: "Delegation of " + identity, Role: role, Permissions: sfu.DefaultPermissions(role)}, time.Hour)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// receiver counts what a client receives, per track id.
type receiver struct {
	mu      sync.Mutex
	packets map[string]*atomic.Uint64
	ssrcs   map[string]webrtc.SSRC
	last    map[string]rtp.Header
	gaps    map[string]int
}

func newReceiver() *receiver {
	return &receiver{packets: map[string]*atomic.Uint64{}, ssrcs: map[string]webrtc.SSRC{}, last: map[string]rtp.Header{}, gaps: map[string]int{}}
}

func (r *receiver) onTrack(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
	r.mu.Lock()
	n := r.packets[t.ID()]
	if n == nil {
		n = new(atomic.Uint64)
		r.packets[t.ID()] = n
	}
	r.ssrcs[t.ID()] = t.SSRC()
	r.mu.Unlock()
	for {
		p, _, err := t.ReadRTP()
		if err != nil {
			return
		}
		r.mu.Lock()
		if prev, ok := r.last[t.ID()]; ok {
			if d := int16(p.SequenceNumber - prev.SequenceNumber); d != 1 && d > 0 {
				r.gaps[t.ID()]++
			}
		}
		r.last[t.ID()] = p.Header
		r.mu.Unlock()
		n.Add(1)
	}
}

func (r *receiver) count(id string) uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if n := r.packets[id]; n != nil {
		return n.Load()
	}
	return 0
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// join connects a client and fails the test unless it is admitted.
func (e *env) join(identity string, role sfu.Role, r *receiver) *sfuclient.Client {
	e.t.Helper()
	return e.joinToken(identity, e.token(identity, role), r)
}

// joinToken is join with a given token.
func (e *env) joinToken(identity, token string, r *receiver) *sfuclient.Client {
	e.t.Helper()
	o := sfuclient.Options{}
	if r != nil {
		o.OnTrack = r.onTrack
	}
	ctx, cancel := context.WithTimeout(e.t.Context(), 10*time.Second)
	defer cancel()
	c, m, err := sfuclient.Dial(ctx, e.url, token, o)
	if err != nil {
		e.t.Fatalf("join %s: %v", identity, err)
	}
	e.t.Cleanup(c.Close)
	if m.Type == sfu.TypeLobby {
		e.admit(c, identity)
		return c
	}
	if m.Type != sfu.TypeWelcome {
		e.t.Fatalf("join %s: got %s, want welcome", identity, m.Type)
	}
	return c
}

// admit has the protocol officer (joined on first use) admit identity.
func (e *env) admit(c *sfuclient.Client, identity string) {
	e.t.Helper()
	if e.officer == nil {
		e.officer = e.join("officer", sfu.RoleProtocol, nil)
	}
	m := nextEvent(e.t, e.officer, sfu.TypeWaiting, func(m sfu.ServerMessage) bool {
		for _, w := range m.Waiting {
			if w.Identity == identity {
				return true
			}
		}
		return false
	})
	for _, w := range m.Waiting {
		if w.Identity == identity {
			if err := e.officer.Send(sfu.ClientMessage{Type: sfu.TypeAdmit, Participant: w.ID}); err != nil {
				e.t.Fatal(err)
			}
		}
	}
	ctx, cancel := context.WithTimeout(e.t.Context(), 10*time.Second)
	defer cancel()
	if _, err := c.AwaitWelcome(ctx); err != nil {
		e.t.Fatalf("admit %s: %v", identity, err)
	}
}

// nextEvent returns the next event of type typ, skipping others.
func nextEvent(t *testing.T, c *sfuclient.Client, typ string, match func(sfu.ServerMessage) bool) sfu.ServerMessage {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case m, ok := <-c.Events():
			if !ok {
				t.Fatalf("connection closed waiting for %s", typ)
			}
			if m.Type == typ && (match == nil || match(m)) {
				return m
			}
			if m.Type == sfu.TypeTrack {
				seenMu.Lock()
				seen[c] = append(seen[c], *m.Track)
				seenMu.Unlock()
			}
		case <-timeout:
			t.Fatalf("timed out waiting for %s", typ)
		}
	}
}

// trackOf waits for the track event of the given participant and source.
func trackOf(t *testing.T, c *sfuclient.Client, participant string, source sfu.Source) sfu.TrackInfo {
	t.Helper()
	for _, tr := range c.Welcome.Tracks {
		if tr.Participant == participant && tr.Source == source {
			return tr
		}
	}
	seenMu.Lock()
	for _, tr := range seen[c] {
		if tr.Participant == participant && tr.Source == source {
			seenMu.Unlock()
			return tr
		}
	}
	seenMu.Unlock()
	m := nextEvent(t, c, sfu.TypeTrack, func(m sfu.ServerMessage) bool {
		return m.Track.Participant == participant && m.Track.Source == source
	})
	return *m.Track
}

// seen keeps the track events nextEvent skipped, for trackOf.
var (
	seenMu sync.Mutex
	seen   = map[*sfuclient.Client][]sfu.TrackInfo{}
)

func testLogLevel() slog.Level {
	if os.Getenv("SFU_TEST_DEBUG") != "" {
		return slog.LevelDebug
	}
	return slog.LevelWarn
}
