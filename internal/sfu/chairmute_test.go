package sfu_test

import (
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/sfu/sfuclient"
)

// silentWhile fails the test if muted gains more than a few packets at the
// receiver while control, published at the same rate by someone else,
// gains n: a negative check measured against media that does flow, not
// against a clock.
func silentWhile(t *testing.T, rc *receiver, muted, control string, n uint64, what string) {
	t.Helper()
	// A packet or two may have passed the mute check just before it.
	start := rc.count(muted)
	base := rc.count(control)
	waitFor(t, 20*time.Second, "the control track to flow ("+what+")", func() bool { return rc.count(control) >= base+n })
	if got := rc.count(muted) - start; got > 3 {
		t.Errorf("%s: %d packets of the muted microphone forwarded while the control track sent %d", what, got, n)
	}
}

// chairMutes returns the standing chair mutes of participant id as
// "source:by" pairs.
func chairMutes(p *sfu.ParticipantInfo) string {
	var s []string
	for _, m := range p.ChairMuted {
		s = append(s, string(m.Source)+":"+m.By)
	}
	return strings.Join(s, ",")
}

// TestChairMuteStandsUntilAllowed: a delegate muted by the chair learns
// who muted them; their own unmute is refused (and nothing else changes)
// while the chair's mute stands, also after a reconnect with a new track;
// the chair allows, and unmuting is then the delegate's own choice.
func TestChairMuteStandsUntilAllowed(t *testing.T) {
	e := newEnv(t)
	chair := e.join("chair", sfu.RoleChair, nil)
	e.officer = chair
	alice := e.join("alice", sfu.RoleDelegate, nil)
	carol := e.join("carol", sfu.RoleDelegate, nil)
	rc := newReceiver()
	bob := e.join("bob", sfu.RoleDelegate, rc)

	pa, err := alice.PublishSynthetic(t.Context(), sfuclient.Synthetic{Audio: true, AudioLevel: 30})
	if err != nil {
		t.Fatal(err)
	}
	defer pa.Stop()
	pc, err := carol.PublishSynthetic(t.Context(), sfuclient.Synthetic{Audio: true, AudioLevel: 30})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Stop()
	aliceID := alice.Welcome.Self.ID
	mic := trackOf(t, bob, aliceID, sfu.SourceMicrophone)
	control := trackOf(t, bob, carol.Welcome.Self.ID, sfu.SourceMicrophone)
	waitFor(t, 10*time.Second, "bob hears alice and carol", func() bool { return rc.count(mic.ID) > 20 && rc.count(control.ID) > 20 })

	// The chair mutes alice's microphone: everyone, alice included, learns
	// who did, and bob stops receiving it.
	if err := chair.Send(sfu.ClientMessage{Type: sfu.TypeMute, Participant: aliceID, Source: sfu.SourceMicrophone}); err != nil {
		t.Fatal(err)
	}
	m := nextEvent(t, alice, sfu.TypeParticipant, func(m sfu.ServerMessage) bool {
		return m.Participant.ID == aliceID && len(m.Participant.ChairMuted) > 0
	})
	if got := chairMutes(m.Participant); got != "microphone:Chair" {
		t.Fatalf("alice's chair mutes = %q, want microphone:Chair", got)
	}
	nextEvent(t, bob, sfu.TypeTrack, func(m sfu.ServerMessage) bool { return m.Track.ID == mic.ID && m.Track.Muted })
	silentWhile(t, rc, mic.ID, control.ID, 50, "after the chair's mute")

	// Alice unmutes herself: refused with a clear error to her alone; the
	// track stays muted, her session goes on.
	if err := alice.Send(sfu.ClientMessage{Type: sfu.TypeMuteSelf, Source: sfu.SourceMicrophone, Muted: false}); err != nil {
		t.Fatal(err)
	}
	if m := nextEvent(t, alice, sfu.TypeError, nil); m.Code != sfu.CodeMutedByChair || !strings.Contains(m.Error, "Chair") {
		t.Fatalf("self unmute under a chair's mute: %+v", m)
	}
	silentWhile(t, rc, mic.ID, control.ID, 50, "after alice's refused unmute")
	// Nothing else changed: the chair's next chat reaches bob with no track
	// change of alice's microphone before it (the server queues events to
	// bob in the order it handles the messages).
	if err := chair.Send(sfu.ClientMessage{Type: sfu.TypeChat, Text: "order"}); err != nil {
		t.Fatal(err)
	}
	untilChat(t, bob, func(m sfu.ServerMessage) {
		if m.Type == sfu.TypeTrack && m.Track.ID == mic.ID && !m.Track.Muted {
			t.Errorf("a refused unmute was announced to the others: %+v", m.Track)
		}
	})
	if err := alice.Send(sfu.ClientMessage{Type: sfu.TypePing}); err != nil {
		t.Fatal(err)
	}
	nextEvent(t, alice, sfu.TypePong, nil)

	// A delegate may not lift the mute.
	if err := bob.Send(sfu.ClientMessage{Type: sfu.TypeAllowUnmute, Participant: aliceID, Source: sfu.SourceMicrophone}); err != nil {
		t.Fatal(err)
	}
	if m := nextEvent(t, bob, sfu.TypeError, nil); m.Code != sfu.CodeForbidden {
		t.Fatalf("delegate allow_unmute: %+v", m)
	}

	// Alice reloads the page: a new session with a new microphone track.
	// The chair's mute follows her identity: the new track starts muted
	// and her unmute is still refused.
	pa.Stop()
	// A reload rejoins with the session's rejoin token (another invitation
	// for an identity in the room is refused: identity_in_use).
	if alice.Welcome.Token == "" {
		t.Fatal("the welcome carries no rejoin token")
	}
	alice2, wm, err := dial(t, e, alice.Welcome.Token)
	if err != nil || wm.Type != sfu.TypeWelcome {
		t.Fatalf("alice rejoins: %+v, %v", wm, err)
	}
	if got := chairMutes(wm.Self); got != "microphone:Chair" {
		t.Fatalf("welcome after reconnect: chair mutes = %q", got)
	}
	alice2ID := alice2.Welcome.Self.ID
	pa2, err := alice2.PublishSynthetic(t.Context(), sfuclient.Synthetic{Audio: true, AudioLevel: 30})
	if err != nil {
		t.Fatal(err)
	}
	defer pa2.Stop()
	mic2 := trackOf(t, bob, alice2ID, sfu.SourceMicrophone)
	if !mic2.Muted {
		t.Errorf("the new track of a chair-muted delegate is announced unmuted: %+v", mic2)
	}
	if err := alice2.Send(sfu.ClientMessage{Type: sfu.TypeMuteSelf, Source: sfu.SourceMicrophone, Muted: false}); err != nil {
		t.Fatal(err)
	}
	if m := nextEvent(t, alice2, sfu.TypeError, nil); m.Code != sfu.CodeMutedByChair {
		t.Fatalf("self unmute after reconnect: %+v", m)
	}
	silentWhile(t, rc, mic2.ID, control.ID, 100, "after the reconnect")

	// The chair allows: alice is told, but stays muted until she chooses.
	if err := chair.Send(sfu.ClientMessage{Type: sfu.TypeAllowUnmute, Participant: alice2ID, Source: sfu.SourceMicrophone}); err != nil {
		t.Fatal(err)
	}
	nextEvent(t, alice2, sfu.TypeParticipant, func(m sfu.ServerMessage) bool {
		return m.Participant.ID == alice2ID && len(m.Participant.ChairMuted) == 0
	})
	silentWhile(t, rc, mic2.ID, control.ID, 50, "after the chair allowed, before alice unmutes")
	if err := alice2.Send(sfu.ClientMessage{Type: sfu.TypeMuteSelf, Source: sfu.SourceMicrophone, Muted: false}); err != nil {
		t.Fatal(err)
	}
	nextEvent(t, bob, sfu.TypeTrack, func(m sfu.ServerMessage) bool { return m.Track.ID == mic2.ID && !m.Track.Muted })
	before := rc.count(mic2.ID)
	waitFor(t, 10*time.Second, "bob hears alice again", func() bool { return rc.count(mic2.ID) > before+20 })

	audit, err := e.db.ListRoomAudit(t.Context(), "plenary")
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, a := range audit {
		if a.Action == "mute" || a.Action == "allow_unmute" {
			actions = append(actions, a.ActorIdentity+":"+a.Action+":"+a.TargetIdentity+":"+a.Detail)
		}
	}
	if got, want := strings.Join(actions, " "), "chair:mute:alice:microphone chair:allow_unmute:alice:microphone"; got != want {
		t.Errorf("audit = %q, want %q", got, want)
	}
}

// TestModeratorCannotLiftOwnChairMute: a chair muted by the protocol
// officer holds two roles (participant and moderator) but cannot use the
// second to undo the first, nor mute itself with the moderator's mute.
func TestModeratorCannotLiftOwnChairMute(t *testing.T) {
	e := newEnv(t)
	officer := e.join("officer", sfu.RoleProtocol, nil)
	e.officer = officer
	chair := e.join("chair", sfu.RoleChair, nil)
	chairID := chair.Welcome.Self.ID
	if err := officer.Send(sfu.ClientMessage{Type: sfu.TypeMute, Participant: chairID, Source: sfu.SourceMicrophone}); err != nil {
		t.Fatal(err)
	}
	nextEvent(t, chair, sfu.TypeParticipant, func(m sfu.ServerMessage) bool {
		return m.Participant.ID == chairID && len(m.Participant.ChairMuted) == 1
	})
	for _, typ := range []string{sfu.TypeAllowUnmute, sfu.TypeMute} {
		if err := chair.Send(sfu.ClientMessage{Type: typ, Participant: chairID, Source: sfu.SourceMicrophone}); err != nil {
			t.Fatal(err)
		}
		if m := nextEvent(t, chair, sfu.TypeError, nil); m.Code != sfu.CodeForbidden {
			t.Fatalf("%s on oneself: %+v", typ, m)
		}
	}
	if err := chair.Send(sfu.ClientMessage{Type: sfu.TypeMuteSelf, Source: sfu.SourceMicrophone}); err != nil {
		t.Fatal(err)
	}
	if m := nextEvent(t, chair, sfu.TypeError, nil); m.Code != sfu.CodeMutedByChair || !strings.Contains(m.Error, "Officer") {
		t.Fatalf("chair's own unmute: %+v", m)
	}
	// A malformed allow_unmute is a protocol error like any other.
	if _, err := sfu.DecodeClientMessage([]byte(`{"v":1,"type":"allow_unmute","participant":"p1"}`)); err == nil {
		t.Error("allow_unmute without a source was accepted")
	}
}

// untilChat passes every event c receives to f until a chat message.
func untilChat(t *testing.T, c *sfuclient.Client, f func(sfu.ServerMessage)) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case m, ok := <-c.Events():
			if !ok {
				t.Fatal("connection closed waiting for chat")
			}
			if m.Type == sfu.TypeChat {
				return
			}
			f(m)
		case <-timeout:
			t.Fatal("timed out waiting for chat")
		}
	}
}

// TestChairMuteWinsRaceWithSelfUnmute: a delegate sends a burst of unmutes
// while the chair mutes them; once the mute is in place, whatever order the
// messages were handled in, the microphone stays cut.
func TestChairMuteWinsRaceWithSelfUnmute(t *testing.T) {
	e := newEnv(t)
	chair := e.join("chair", sfu.RoleChair, nil)
	e.officer = chair
	alice := e.join("alice", sfu.RoleDelegate, nil)
	carol := e.join("carol", sfu.RoleDelegate, nil)
	rc := newReceiver()
	bob := e.join("bob", sfu.RoleDelegate, rc)
	for _, c := range []*sfuclient.Client{alice, carol} {
		p, err := c.PublishSynthetic(t.Context(), sfuclient.Synthetic{Audio: true, AudioLevel: 30})
		if err != nil {
			t.Fatal(err)
		}
		defer p.Stop()
	}
	aliceID := alice.Welcome.Self.ID
	mic := trackOf(t, bob, aliceID, sfu.SourceMicrophone)
	control := trackOf(t, bob, carol.Welcome.Self.ID, sfu.SourceMicrophone)
	waitFor(t, 10*time.Second, "bob hears alice and carol", func() bool { return rc.count(mic.ID) > 20 && rc.count(control.ID) > 20 })

	const burst = 100
	done := make(chan error, 1)
	go func() {
		for range burst {
			if err := alice.Send(sfu.ClientMessage{Type: sfu.TypeMuteSelf, Source: sfu.SourceMicrophone}); err != nil {
				done <- err
				return
			}
		}
		// The pong follows every unmute the server handled.
		done <- alice.Send(sfu.ClientMessage{Type: sfu.TypePing})
	}()
	if err := chair.Send(sfu.ClientMessage{Type: sfu.TypeMute, Participant: aliceID, Source: sfu.SourceMicrophone}); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// Both the pong and the news of the mute reach alice, in either order.
	var pong, muted bool
	timeout := time.After(10 * time.Second)
	for !pong || !muted {
		select {
		case m, ok := <-alice.Events():
			if !ok {
				t.Fatal("alice's connection closed")
			}
			pong = pong || m.Type == sfu.TypePong
			muted = muted || (m.Type == sfu.TypeParticipant && m.Participant.ID == aliceID && len(m.Participant.ChairMuted) == 1)
		case <-timeout:
			t.Fatalf("timed out: pong %v, mute %v", pong, muted)
		}
	}
	silentWhile(t, rc, mic.ID, control.ID, 100, "after a burst of unmutes racing the chair's mute")
}
