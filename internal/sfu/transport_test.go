package sfu_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/sfu/sfuclient"
)

// joinWith joins with client options; the token's role skips the lobby.
func joinWith(t *testing.T, e *env, identity string, o sfuclient.Options) *sfuclient.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	c, m, err := sfuclient.Dial(ctx, e.url, e.token(identity, sfu.RoleChair), o)
	if err != nil || m.Type != sfu.TypeWelcome {
		t.Fatalf("join %s: %+v %v", identity, m, err)
	}
	t.Cleanup(c.Close)
	return c
}

func TestTURNRelayOnly(t *testing.T) {
	e := newEnvWith(t, sfu.Config{UDPAddr: "127.0.0.1:0", Loopback: true,
		TURN: sfu.TURNConfig{UDPAddr: "127.0.0.1:0", Host: "127.0.0.1", RelayIP: "127.0.0.1", Realm: "chancery", Secret: "turn-secret-for-tests"}})
	alice := e.join("alice", sfu.RoleChair, nil)
	ice := alice.Welcome.ICEServers
	if len(ice) != 1 || len(ice[0].URLs) != 1 || !strings.HasPrefix(ice[0].URLs[0], "turn:127.0.0.1:") || ice[0].Username == "" || ice[0].Credential == nil {
		t.Fatalf("ice servers = %+v", ice)
	}
	pa, err := alice.PublishSynthetic(t.Context(), sfuclient.Synthetic{Audio: true})
	if err != nil {
		t.Fatal(err)
	}
	defer pa.Stop()
	// Bob may only use relayed candidates: media reaches him through the
	// embedded TURN server or not at all.
	rb := newReceiver()
	bob := joinWith(t, e, "bob", sfuclient.Options{OnTrack: rb.onTrack, ICEServers: ice, RelayOnly: true})
	mic := trackOf(t, bob, alice.Welcome.Self.ID, sfu.SourceMicrophone)
	waitFor(t, 15*time.Second, "audio over TURN", func() bool { return rb.count(mic.ID) > 20 })
	// Wrong credentials get no allocation.
	bad := ice[0]
	bad.Credential = "wrong"
	rc := newReceiver()
	carol := joinWith(t, e, "carol", sfuclient.Options{OnTrack: rc.onTrack, ICEServers: []webrtc.ICEServer{bad}, RelayOnly: true})
	trackOf(t, carol, alice.Welcome.Self.ID, sfu.SourceMicrophone)
	time.Sleep(2 * time.Second)
	if n := rc.count(mic.ID); n != 0 {
		t.Errorf("relay with a wrong password carried %d packets", n)
	}
}

func TestICEOverTCP(t *testing.T) {
	e := newEnvWith(t, sfu.Config{UDPAddr: "127.0.0.1:0", TCPAddr: "127.0.0.1:0", Loopback: true})
	alice := e.join("alice", sfu.RoleChair, nil)
	pa, err := alice.PublishSynthetic(t.Context(), sfuclient.Synthetic{Audio: true})
	if err != nil {
		t.Fatal(err)
	}
	defer pa.Stop()
	rb := newReceiver()
	bob := joinWith(t, e, "bob", sfuclient.Options{OnTrack: rb.onTrack, TCPOnly: true})
	mic := trackOf(t, bob, alice.Welcome.Self.ID, sfu.SourceMicrophone)
	waitFor(t, 15*time.Second, "audio over ICE-TCP", func() bool { return rb.count(mic.ID) > 20 })
}
