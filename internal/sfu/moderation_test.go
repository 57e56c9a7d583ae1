package sfu_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/sfu/sfuclient"
)

func dial(t *testing.T, e *env, token string) (*sfuclient.Client, sfu.ServerMessage, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	c, m, err := sfuclient.Dial(ctx, e.url, token, sfuclient.Options{})
	if c != nil {
		t.Cleanup(c.Close)
	}
	return c, m, err
}

func TestTokensRefusedAtJoin(t *testing.T) {
	e := newEnv(t)
	now := time.Now()
	past, _ := sfu.NewSigner(testKey, func() time.Time { return now.Add(-2 * time.Hour) })
	expired, _ := past.Issue(sfu.Claims{Room: "plenary", Identity: "x", Name: "X", Role: sfu.RoleChair, Permissions: sfu.DefaultPermissions(sfu.RoleChair)}, time.Hour)
	good := e.token("mallory", sfu.RoleDelegate)
	p, sig, _ := strings.Cut(good, ".")
	forged := p[:len(p)-2] + "QQ." + sig
	for name, tc := range map[string]struct{ token, code string }{
		"expired": {expired, sfu.CodeExpired},
		"forged":  {forged, sfu.CodeBadToken},
		"garbage": {"nonsense", sfu.CodeBadToken},
	} {
		t.Run(name, func(t *testing.T) {
			_, m, err := dial(t, e, tc.token)
			if err == nil || m.Type != sfu.TypeError || m.Code != tc.code {
				t.Fatalf("got %+v, %v; want error %s", m, err, tc.code)
			}
		})
	}
	if st := e.srv.Stats(); st.Participants != 0 {
		t.Errorf("refused joins left participants: %+v", st)
	}
}

func TestLobbyAdmitDenyMuteRemoveLock(t *testing.T) {
	e := newEnv(t)
	chair := e.join("chair", sfu.RoleChair, nil)
	rc := newReceiver()
	e.officer = chair // the chair admits

	// A delegate waits in the lobby; the chair sees it and denies it.
	intruder, m, err := dial(t, e, e.token("intruder", sfu.RoleDelegate))
	if err != nil || m.Type != sfu.TypeLobby {
		t.Fatalf("join = %+v, %v", m, err)
	}
	w := nextEvent(t, chair, sfu.TypeWaiting, func(m sfu.ServerMessage) bool { return len(m.Waiting) == 1 })
	if w.Waiting[0].Identity != "intruder" || w.Waiting[0].Delegation != "Delegation of intruder" {
		t.Fatalf("waiting = %+v", w.Waiting)
	}
	// A participant in the lobby cannot act in the room.
	if err := intruder.Send(sfu.ClientMessage{Type: sfu.TypeChat, Text: "let me in"}); err != nil {
		t.Fatal(err)
	}
	if m := nextEvent(t, intruder, sfu.TypeError, nil); m.Code != sfu.CodeForbidden {
		t.Fatalf("lobby chat: %+v", m)
	}
	intruder2, _, _ := dial(t, e, e.token("intruder2", sfu.RoleDelegate))
	w = nextEvent(t, chair, sfu.TypeWaiting, func(m sfu.ServerMessage) bool { return len(m.Waiting) == 1 })
	if err := chair.Send(sfu.ClientMessage{Type: sfu.TypeDeny, Participant: w.Waiting[0].ID}); err != nil {
		t.Fatal(err)
	}
	if m := nextEvent(t, intruder2, sfu.TypeBye, nil); m.Reason != "denied" {
		t.Fatalf("deny: %+v", m)
	}

	// Admitted delegates publish; the chair receives.
	e2 := *e
	e2.officer = chair
	alice := e2.join("alice", sfu.RoleDelegate, nil)
	pa, err := alice.PublishSynthetic(t.Context(), sfuclient.Synthetic{Audio: true, AudioLevel: 30})
	if err != nil {
		t.Fatal(err)
	}
	defer pa.Stop()
	_ = rc
	aliceID := alice.Welcome.Self.ID
	mic := trackOf(t, chair, aliceID, sfu.SourceMicrophone)
	bob := e2.join("bob", sfu.RoleDelegate, rc)
	waitFor(t, 10*time.Second, "bob hears alice", func() bool { return rc.count(mic.ID) > 20 })

	// A delegate may not moderate.
	if err := bob.Send(sfu.ClientMessage{Type: sfu.TypeMute, Participant: aliceID, Source: sfu.SourceMicrophone}); err != nil {
		t.Fatal(err)
	}
	if m := nextEvent(t, bob, sfu.TypeError, nil); m.Code != sfu.CodeForbidden {
		t.Fatalf("delegate mute: %+v", m)
	}
	// The chair mutes alice: the server stops forwarding her microphone.
	if err := chair.Send(sfu.ClientMessage{Type: sfu.TypeMute, Participant: aliceID, Source: sfu.SourceMicrophone}); err != nil {
		t.Fatal(err)
	}
	nextEvent(t, bob, sfu.TypeTrack, func(m sfu.ServerMessage) bool { return m.Track.ID == mic.ID && m.Track.Muted })
	time.Sleep(200 * time.Millisecond) // packets already in flight
	before := rc.count(mic.ID)
	time.Sleep(500 * time.Millisecond)
	if after := rc.count(mic.ID); after != before {
		t.Errorf("muted microphone still forwarded: %d → %d packets", before, after)
	}

	// Remove alice: she is told, the others see her leave.
	if err := chair.Send(sfu.ClientMessage{Type: sfu.TypeRemove, Participant: aliceID}); err != nil {
		t.Fatal(err)
	}
	if m := nextEvent(t, alice, sfu.TypeBye, nil); m.Reason != "removed" {
		t.Fatalf("remove: %+v", m)
	}
	nextEvent(t, bob, sfu.TypeLeft, func(m sfu.ServerMessage) bool { return m.ID == aliceID })

	// Lock: newcomers are refused, moderators still enter.
	if err := chair.Send(sfu.ClientMessage{Type: sfu.TypeLock, Locked: true}); err != nil {
		t.Fatal(err)
	}
	nextEvent(t, bob, sfu.TypeLocked, func(m sfu.ServerMessage) bool { return m.Locked != nil && *m.Locked })
	if _, m, err := dial(t, e, e.token("late", sfu.RoleDelegate)); err == nil || m.Code != sfu.CodeLocked {
		t.Fatalf("locked room: %+v %v", m, err)
	}
	if _, m, err := dial(t, e, e.token("officer2", sfu.RoleProtocol)); err != nil || m.Type != sfu.TypeWelcome {
		t.Fatalf("moderator in locked room: %+v %v", m, err)
	}

	audit, err := e.db.ListRoomAudit(t.Context(), "plenary")
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, a := range audit {
		if a.ActorIdentity != "chair" {
			t.Errorf("audit actor %q", a.ActorIdentity)
		}
		actions = append(actions, a.Action+":"+a.TargetIdentity)
	}
	if got, want := strings.Join(actions, " "), "deny:intruder2 admit:alice admit:bob mute:alice remove:alice lock:"; got != want {
		t.Errorf("audit = %q, want %q", got, want)
	}
}

func TestSameIdentityReplacesSession(t *testing.T) {
	e := newEnv(t)
	token := e.token("alice", sfu.RoleDelegate)
	first := e.joinToken("alice", token, nil)
	// The reload: the same token joins again and goes straight in.
	second, m, err := dial(t, e, token)
	if err != nil || m.Type != sfu.TypeWelcome {
		t.Fatalf("rejoin = %+v, %v", m, err)
	}
	if m := nextEvent(t, first, sfu.TypeBye, nil); m.Reason != "replaced" {
		t.Fatalf("first session: %+v", m)
	}
	waitFor(t, 5*time.Second, "one alice", func() bool { return e.srv.Stats().Participants == 2 })
	// The welcome carries a fresh token to reconnect with after a network
	// loss; it works the same way.
	third, m, err := dial(t, e, second.Welcome.Token)
	if err != nil || m.Type != sfu.TypeWelcome || m.Self.Identity != "alice" {
		t.Fatalf("resume = %+v, %v", m, err)
	}
	_ = third
}

// Another token for an identity in the room (a second invitation for the
// same delegate, or one minted to impersonate them) does not take over
// the session: it is refused, and the member stays.
func TestIdentityHijackRefused(t *testing.T) {
	e := newEnv(t)
	alice := e.join("alice", sfu.RoleDelegate, nil)
	// Even a chair's token, which would skip the lobby and moderate.
	_, m, err := dial(t, e, e.token("alice", sfu.RoleChair))
	if err == nil || m.Type != sfu.TypeError || m.Code != sfu.CodeIdentityInUse {
		t.Fatalf("hijack = %+v, %v; want refused with %s", m, err, sfu.CodeIdentityInUse)
	}
	// Alice is still there, with her own session.
	if err := alice.Send(sfu.ClientMessage{Type: sfu.TypePing}); err != nil {
		t.Fatal(err)
	}
	nextEvent(t, alice, sfu.TypePong, nil)
	if n := e.srv.Stats().Participants; n != 2 { // alice and the officer who admitted her
		t.Errorf("participants = %d, want 2", n)
	}
	// Once she has left, the identity is free for another invitation.
	alice.Close()
	waitFor(t, 5*time.Second, "alice gone", func() bool { return e.srv.Stats().Participants == 1 })
	if _, m, err := dial(t, e, e.token("alice", sfu.RoleDelegate)); err != nil || m.Type != sfu.TypeWelcome {
		t.Fatalf("new invitation after she left = %+v, %v", m, err)
	}
}

func TestChatHistoryAndHand(t *testing.T) {
	e := newEnv(t)
	alice := e.join("alice", sfu.RoleDelegate, nil)
	for _, text := range []string{"Good morning", "Xin chào — 你好"} {
		if err := alice.Send(sfu.ClientMessage{Type: sfu.TypeChat, Text: text}); err != nil {
			t.Fatal(err)
		}
		nextEvent(t, alice, sfu.TypeChat, func(m sfu.ServerMessage) bool { return m.Message.Text == text })
	}
	if err := alice.Send(sfu.ClientMessage{Type: sfu.TypeHand, Raised: true}); err != nil {
		t.Fatal(err)
	}
	nextEvent(t, alice, sfu.TypeParticipant, func(m sfu.ServerMessage) bool { return m.Participant.Hand })
	bob := e.join("bob", sfu.RoleDelegate, nil)
	if len(bob.Welcome.Chat) != 2 || bob.Welcome.Chat[1].Text != "Xin chào — 你好" || bob.Welcome.Chat[0].Name != "Alice" {
		t.Fatalf("history = %+v", bob.Welcome.Chat)
	}
	var sawHand bool
	for _, p := range bob.Welcome.Participants {
		sawHand = sawHand || (p.Identity == "alice" && p.Hand)
	}
	if !sawHand {
		t.Errorf("late joiner does not see alice's raised hand: %+v", bob.Welcome.Participants)
	}
	// An observer role without chat permission is refused.
	tok, _ := e.signer.Issue(sfu.Claims{Room: "plenary", Identity: "mute", Name: "Mute", Role: sfu.RoleObserver, Permissions: sfu.Permissions{Subscribe: true}}, time.Hour)
	c, m, err := dial(t, e, tok)
	if err != nil {
		t.Fatal(err)
	}
	if m.Type == sfu.TypeLobby {
		e.admit(c, "mute")
	}
	_ = c.Send(sfu.ClientMessage{Type: sfu.TypeChat, Text: "hi"})
	if m := nextEvent(t, c, sfu.TypeError, nil); m.Code != sfu.CodeForbidden {
		t.Fatalf("chat without permission: %+v", m)
	}
}

func TestBadInputClosesOnlyThatClient(t *testing.T) {
	e := newEnv(t)
	ra := newReceiver()
	alice := e.join("alice", sfu.RoleDelegate, ra)
	bob := e.join("bob", sfu.RoleDelegate, nil)
	pb, err := bob.PublishSynthetic(t.Context(), sfuclient.Synthetic{Audio: true})
	if err != nil {
		t.Fatal(err)
	}
	defer pb.Stop()
	mic := trackOf(t, alice, bob.Welcome.Self.ID, sfu.SourceMicrophone)

	for name, tc := range map[string]struct {
		raw  string
		code string
	}{
		"malformed":   {`{"v":1,"type":`, sfu.CodeBadMessage},
		"unknown":     {`{"v":1,"type":"self_destruct"}`, sfu.CodeBadMessage},
		"old version": {`{"v":0,"type":"ping"}`, sfu.CodeBadVersion},
		"oversize":    {`{"v":1,"type":"chat","text":"` + strings.Repeat("a", sfu.MaxMessageBytes) + `"}`, sfu.CodeTooLarge},
		"munged sdp":  {`{"v":1,"type":"offer","sdp":"v=0\r\no=- 0 0 IN IP4 0.0.0.0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=garbage"}`, sfu.CodeBadSDP},
	} {
		t.Run(name, func(t *testing.T) {
			c := e.join("eve-"+strings.ReplaceAll(name, " ", "-"), sfu.RoleDelegate, nil)
			if err := c.SendRaw([]byte(tc.raw)); err != nil {
				t.Fatal(err)
			}
			if m := nextEvent(t, c, sfu.TypeError, nil); m.Code != tc.code {
				t.Fatalf("error = %+v, want %s", m, tc.code)
			}
			// The connection is closed.
			timeout := time.After(5 * time.Second)
			for {
				select {
				case _, ok := <-c.Events():
					if !ok {
						return
					}
				case <-timeout:
					t.Fatal("connection still open")
				}
			}
		})
	}
	// Alice still receives bob.
	n := ra.count(mic.ID)
	waitFor(t, 5*time.Second, "alice still hears bob", func() bool { return ra.count(mic.ID) > n+20 })

	// A client that never joins is dropped after the join timeout; one that
	// sends binary garbage first is told so.
	ws, _, err := websocket.DefaultDialer.Dial(e.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	_ = ws.WriteMessage(websocket.TextMessage, []byte(`{"v":1,"type":"chat","text":"hi"}`))
	var m sfu.ServerMessage
	if err := ws.ReadJSON(&m); err != nil || m.Type != sfu.TypeError || m.Code != sfu.CodeBadMessage {
		t.Fatalf("chat before join: %+v %v", m, err)
	}
}

// clock is a settable clock for the server and its token signer.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// A delegate in a meeting longer than the rejoin token's lifetime gets a
// fresh token over the signalling channel before the old one expires, and
// reconnects with it after a network loss without going through the lobby.
func TestRejoinTokenRefreshedDuringMeeting(t *testing.T) {
	clk := &clock{now: time.Now()}
	const ttl = 2 * time.Minute
	e := newEnvParams(t, sfu.Params{Config: sfu.Config{UDPAddr: "127.0.0.1:0", Loopback: true}, Now: clk.Now, RejoinTTL: ttl})
	alice := e.join("alice", sfu.RoleDelegate, nil) // admitted from the lobby by the officer
	first := alice.Token()
	if first == "" || alice.Welcome.ExpiresAt != clk.Now().Add(ttl).Unix() {
		t.Fatalf("welcome token %q expires %d, want %d", first, alice.Welcome.ExpiresAt, clk.Now().Add(ttl).Unix())
	}
	c, err := e.signer.Verify(first)
	if err != nil || c.Identity != "alice" || c.Room != "plenary" || c.Permissions != sfu.DefaultPermissions(sfu.RoleDelegate) {
		t.Fatalf("welcome token claims = %+v, %v", c, err)
	}

	// Nothing is refreshed before half the lifetime.
	clk.Add(ttl/2 - time.Second)
	time.Sleep(1200 * time.Millisecond) // two refresh checks of the room
	if alice.Token() != first {
		t.Fatal("token refreshed before half its lifetime")
	}
	// Past half of it, the server pushes a new one.
	clk.Add(2 * time.Second)
	m := nextEvent(t, alice, sfu.TypeToken, nil)
	if m.Token == "" || m.Token == first || alice.Token() != m.Token || m.ExpiresAt != clk.Now().Add(ttl).Unix() {
		t.Fatalf("refresh = %+v (client has %q)", m, alice.Token())
	}

	// A moderator revokes the camera: the token is replaced at once and
	// carries the new permissions.
	perms := sfu.DefaultPermissions(sfu.RoleDelegate)
	perms.PublishCamera = false
	if err := e.srv.SetPermissions(t.Context(), "plenary", "alice", perms, "chair"); err != nil {
		t.Fatal(err)
	}
	m = nextEvent(t, alice, sfu.TypeToken, nil)
	if c, err := e.signer.Verify(m.Token); err != nil || c.Permissions != perms || c.Identity != "alice" {
		t.Fatalf("token after the permission change = %+v, %v", c, err)
	}
	latest := alice.Token()

	// The welcome token has now expired; the refreshed one has not.
	clk.Add(ttl/2 + time.Second)
	if _, m, err := dial(t, e, first); err == nil || m.Code != sfu.CodeExpired {
		t.Fatalf("expired welcome token: %+v, %v", m, err)
	}
	// The network drops: the client reconnects with the latest token and
	// is back in at once, with the permissions the moderator set.
	alice.Close()
	back, m, err := dial(t, e, latest)
	if err != nil || m.Type != sfu.TypeWelcome || m.Self.Identity != "alice" || m.Self.Permissions != perms {
		t.Fatalf("reconnect = %+v, %v", m, err)
	}
	if back.Token() == "" || back.Token() == latest {
		t.Fatal("the reconnected session got no fresh token")
	}
}
