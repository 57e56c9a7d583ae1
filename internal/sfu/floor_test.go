package sfu_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/conference"
	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/sfu/sfuclient"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// floorState waits for a floor_state on c that match accepts.
func floorState(t *testing.T, c *sfuclient.Client, what string, match func(f *sfu.FloorInfo) bool) *sfu.FloorInfo {
	t.Helper()
	return nextEvent(t, c, sfu.TypeFloorState, func(m sfu.ServerMessage) bool { return m.Floor != nil && match(m.Floor) }).Floor
}

// floorError waits for the error c receives and checks its code.
func floorError(t *testing.T, c *sfuclient.Client, code string) {
	t.Helper()
	m := nextEvent(t, c, sfu.TypeError, nil)
	if m.Code != code {
		t.Fatalf("error %q (%s), want %s", m.Code, m.Error, code)
	}
}

func send(t *testing.T, c *sfuclient.Client, m sfu.ClientMessage) {
	t.Helper()
	if err := c.Send(m); err != nil {
		t.Fatal(err)
	}
}

// pending lists the identities of the pending requests, in order.
func pending(f *sfu.FloorInfo) string {
	var ids []string
	for _, q := range f.Requests {
		ids = append(ids, q.Identity+":"+string(q.Kind))
	}
	return strings.Join(ids, ",")
}

func requestOf(f *sfu.FloorInfo, identity string) int64 {
	for _, q := range f.Requests {
		if q.Identity == identity {
			return q.ID
		}
	}
	return 0
}

// heard waits until the receiver gets n more packets of track id.
func heard(t *testing.T, rc *receiver, id string, n uint64, what string) {
	t.Helper()
	base := rc.count(id)
	waitFor(t, 20*time.Second, what, func() bool { return rc.count(id) >= base+n })
}

// TestFloorGatesMicrophones: pion clients show that while a delegate holds
// the floor, another delegate's microphone reaches nobody whatever its
// client does, the speaker is heard, a pause silences the speaker, the end
// closes the speaker's microphone and opens the floor again, and a turn
// past its time and grace (on the injected clock) is ended by the server.
// Granting also lifts a chair's mute of the speaker.
func TestFloorGatesMicrophones(t *testing.T) {
	clk := &clock{now: time.Now()}
	e := newEnvParams(t, sfu.Params{Config: sfu.Config{UDPAddr: "127.0.0.1:0", Loopback: true}, Now: clk.Now})
	chair := e.join("chair", sfu.RoleChair, nil)
	e.officer = chair
	alice := e.join("alice", sfu.RoleDelegate, nil)
	carol := e.join("carol", sfu.RoleDelegate, nil)
	rc := newReceiver()
	bob := e.join("bob", sfu.RoleDelegate, rc)
	for _, c := range []*sfuclient.Client{chair, alice, carol} {
		pub, err := c.PublishSynthetic(t.Context(), sfuclient.Synthetic{Audio: true, AudioLevel: 30})
		if err != nil {
			t.Fatal(err)
		}
		defer pub.Stop()
	}
	aliceMic := trackOf(t, bob, alice.Welcome.Self.ID, sfu.SourceMicrophone).ID
	carolMic := trackOf(t, bob, carol.Welcome.Self.ID, sfu.SourceMicrophone).ID
	chairMic := trackOf(t, bob, chair.Welcome.Self.ID, sfu.SourceMicrophone).ID
	waitFor(t, 10*time.Second, "bob hears everyone on the open floor", func() bool {
		return rc.count(aliceMic) > 20 && rc.count(carolMic) > 20 && rc.count(chairMic) > 20
	})

	// The chair mutes alice; alice asks for the floor and gets it.
	send(t, chair, sfu.ClientMessage{Type: sfu.TypeMute, Participant: alice.Welcome.Self.ID, Source: sfu.SourceMicrophone})
	nextEvent(t, alice, sfu.TypeParticipant, func(m sfu.ServerMessage) bool { return len(m.Participant.ChairMuted) > 0 })
	send(t, alice, sfu.ClientMessage{Type: sfu.TypeFloorRequest, Language: "fr"})
	f := floorState(t, chair, "alice's request", func(f *sfu.FloorInfo) bool { return requestOf(f, "alice") != 0 })
	req := requestOf(f, "alice")
	if f.AgendaItem != sfu.DefaultAgendaItem || f.Requests[0].State != sfu.FloorPending || f.Requests[0].Language != "fr" ||
		f.Requests[0].Participant != alice.Welcome.Self.ID {
		t.Fatalf("floor after the request = %+v", f)
	}
	send(t, chair, sfu.ClientMessage{Type: sfu.TypeFloorGrant, Request: req})
	f = floorState(t, bob, "alice holds the floor", func(f *sfu.FloorInfo) bool { return f.Current != nil && f.Current.ID == req })
	if f.Current.State != sfu.FloorInProgress || f.Current.Deadline != clk.Now().Add(sfu.DefaultSpeakingTime).UnixMilli() ||
		f.Current.GraceUntil != f.Current.Deadline+sfu.FloorGrace.Milliseconds() || f.ServerTime != clk.Now().UnixMilli() || len(f.Requests) != 0 {
		t.Fatalf("floor after the grant = %+v (current %+v)", f, f.Current)
	}
	nextEvent(t, alice, sfu.TypeParticipant, func(m sfu.ServerMessage) bool {
		return m.Participant.ID == alice.Welcome.Self.ID && len(m.Participant.ChairMuted) == 0
	})
	// Carol tries to speak anyway: her client unmutes, the server does
	// not forward her.
	send(t, carol, sfu.ClientMessage{Type: sfu.TypeMuteSelf, Source: sfu.SourceMicrophone, Muted: false})
	heard(t, rc, aliceMic, 50, "bob hears alice, who has the floor")
	silentWhile(t, rc, carolMic, aliceMic, 50, "carol without the floor")
	heard(t, rc, chairMic, 20, "bob hears the chair")

	// A pause silences alice, the chair still speaks; resuming gives her
	// the floor back with the time left.
	clk.Add(time.Minute)
	send(t, chair, sfu.ClientMessage{Type: sfu.TypeFloorPause, Request: req})
	f = floorState(t, bob, "paused", func(f *sfu.FloorInfo) bool { return f.Current != nil && f.Current.State == sfu.FloorPaused })
	if f.Current.RemainingMS != (sfu.DefaultSpeakingTime-time.Minute).Milliseconds() || f.Current.Deadline != 0 {
		t.Fatalf("paused turn = %+v", f.Current)
	}
	silentWhile(t, rc, aliceMic, chairMic, 50, "alice paused")
	silentWhile(t, rc, carolMic, chairMic, 10, "carol while alice is paused")
	clk.Add(time.Hour) // a paused clock does not run
	send(t, chair, sfu.ClientMessage{Type: sfu.TypeFloorResume, Request: req})
	f = floorState(t, bob, "resumed", func(f *sfu.FloorInfo) bool { return f.Current != nil && f.Current.State == sfu.FloorInProgress })
	if want := clk.Now().Add(sfu.DefaultSpeakingTime - time.Minute).UnixMilli(); f.Current.Deadline != want {
		t.Fatalf("deadline after resuming = %d, want %d", f.Current.Deadline, want)
	}
	heard(t, rc, aliceMic, 50, "bob hears alice again")

	// The chair ends the turn: alice's microphone is closed, and the open
	// floor is back for carol.
	send(t, chair, sfu.ClientMessage{Type: sfu.TypeFloorEnd, Request: req})
	f = floorState(t, bob, "ended", func(f *sfu.FloorInfo) bool { return f.Current == nil && len(f.Recent) > 0 })
	if last := f.Recent[len(f.Recent)-1]; last.ID != req || last.State != sfu.FloorCompleted || last.EndedBy != "chair" {
		t.Fatalf("ended turn = %+v", last)
	}
	heard(t, rc, carolMic, 50, "bob hears carol on the open floor")
	silentWhile(t, rc, aliceMic, carolMic, 50, "alice after her turn")

	// Alice's next turn runs out: she is still heard in the grace, then
	// the server closes her microphone.
	send(t, alice, sfu.ClientMessage{Type: sfu.TypeMuteSelf, Source: sfu.SourceMicrophone, Muted: false})
	send(t, alice, sfu.ClientMessage{Type: sfu.TypeFloorRequest})
	f = floorState(t, chair, "alice's second request", func(f *sfu.FloorInfo) bool { return requestOf(f, "alice") != 0 })
	req = requestOf(f, "alice")
	send(t, chair, sfu.ClientMessage{Type: sfu.TypeFloorGrant, Request: req})
	floorState(t, bob, "alice's second turn", func(f *sfu.FloorInfo) bool { return f.Current != nil && f.Current.ID == req })
	heard(t, rc, aliceMic, 50, "bob hears alice's second turn")
	clk.Add(sfu.DefaultSpeakingTime + time.Second)
	heard(t, rc, aliceMic, 50, "bob hears alice in the grace")
	silentWhile(t, rc, carolMic, aliceMic, 20, "carol during alice's grace")
	clk.Add(sfu.FloorGrace)
	f = floorState(t, bob, "time is up", func(f *sfu.FloorInfo) bool { return f.Current == nil && f.Recent[len(f.Recent)-1].ID == req })
	if last := f.Recent[len(f.Recent)-1]; last.State != sfu.FloorCompleted || last.EndedBy != "time" {
		t.Fatalf("timed-out turn = %+v", last)
	}
	silentWhile(t, rc, aliceMic, carolMic, 50, "alice after her time")

	// Every chair action is in the room's audit trail.
	as, err := e.db.ListRoomAudit(t.Context(), "plenary")
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, a := range as {
		if strings.HasPrefix(a.Action, "floor_") {
			actions = append(actions, a.Action+"/"+a.ActorIdentity)
		}
	}
	want := "floor_request/alice floor_grant/chair floor_start/ floor_pause/chair floor_resume/chair floor_end/chair " +
		"floor_request/alice floor_grant/chair floor_start/ floor_timeout/"
	if got := strings.Join(actions, " "); got != want {
		t.Errorf("audit = %s\nwant    %s", got, want)
	}
}

// TestFloorRefusals: a forged chair action from a delegate's connection,
// an invalid transition, a second grant, a duplicate request and acting on
// another's request are refused to the sender alone, nothing changes, and
// the session goes on. A point of order goes to the top, after the points
// of order already waiting; the chair reorders; a raised hand is a request.
func TestFloorRefusals(t *testing.T) {
	e := newEnv(t)
	chair := e.join("chair", sfu.RoleChair, nil)
	e.officer = chair
	alice := e.join("alice", sfu.RoleDelegate, nil)
	bob := e.join("bob", sfu.RoleDelegate, nil)
	carol := e.join("carol", sfu.RoleDelegate, nil)
	dave := e.join("dave", sfu.RoleDelegate, nil)
	obs := e.join("olga", sfu.RoleObserver, nil)

	send(t, alice, sfu.ClientMessage{Type: sfu.TypeFloorRequest})
	floorState(t, chair, "alice", func(f *sfu.FloorInfo) bool { return pending(f) == "alice:speech" })
	send(t, bob, sfu.ClientMessage{Type: sfu.TypeHand, Raised: true}) // a raised hand is a request
	floorState(t, chair, "bob", func(f *sfu.FloorInfo) bool { return pending(f) == "alice:speech,bob:speech" })
	send(t, carol, sfu.ClientMessage{Type: sfu.TypeFloorRequest, Kind: sfu.KindPointOfOrder})
	floorState(t, chair, "carol's point of order", func(f *sfu.FloorInfo) bool {
		return pending(f) == "carol:point_of_order,alice:speech,bob:speech"
	})
	send(t, dave, sfu.ClientMessage{Type: sfu.TypeFloorRequest, Kind: sfu.KindPointOfOrder})
	floorState(t, chair, "dave's point of order", func(f *sfu.FloorInfo) bool {
		return pending(f) == "carol:point_of_order,dave:point_of_order,alice:speech,bob:speech"
	})
	send(t, dave, sfu.ClientMessage{Type: sfu.TypeFloorRequest, Kind: sfu.KindReply})
	f := floorState(t, chair, "dave's right of reply", func(f *sfu.FloorInfo) bool { return len(f.Requests) == 5 })
	if got := pending(f); got != "carol:point_of_order,dave:point_of_order,alice:speech,bob:speech,dave:reply" {
		t.Fatalf("list = %s", got)
	}
	aliceReq, bobReq, carolReq := requestOf(f, "alice"), requestOf(f, "bob"), requestOf(f, "carol")
	replyReq := f.Requests[4].ID

	ping := func(c *sfuclient.Client) {
		t.Helper()
		send(t, c, sfu.ClientMessage{Type: sfu.TypePing})
		nextEvent(t, c, sfu.TypePong, nil)
	}
	stored := func() string {
		t.Helper()
		qs, err := e.db.FloorRequests(t.Context(), "plenary", sfu.DefaultAgendaItem, 10)
		if err != nil {
			t.Fatal(err)
		}
		var s []string
		for _, q := range qs {
			s = append(s, q.Identity+":"+q.State)
		}
		return strings.Join(s, ",")
	}
	before := stored()

	// Forged chair actions from delegates: refused to them alone.
	for _, m := range []sfu.ClientMessage{
		{Type: sfu.TypeFloorGrant, Request: aliceReq},
		{Type: sfu.TypeFloorDeny, Request: bobReq},
		{Type: sfu.TypeFloorReorder, Request: bobReq, Position: 0},
		{Type: sfu.TypeFloorAgenda, AgendaItem: "item 2"},
		{Type: sfu.TypeFloorPause, Request: aliceReq},
	} {
		send(t, alice, m)
		floorError(t, alice, sfu.CodeForbidden)
	}
	// Another's request is not one's own to withdraw or re-language.
	send(t, bob, sfu.ClientMessage{Type: sfu.TypeFloorCancel, Request: aliceReq})
	floorError(t, bob, sfu.CodeForbidden)
	send(t, bob, sfu.ClientMessage{Type: sfu.TypeFloorLanguage, Request: aliceReq, Language: "ru"})
	floorError(t, bob, sfu.CodeForbidden)
	// An observer has no microphone to take the floor with.
	send(t, obs, sfu.ClientMessage{Type: sfu.TypeFloorRequest})
	floorError(t, obs, sfu.CodeForbidden)
	// A second request of the same kind.
	send(t, alice, sfu.ClientMessage{Type: sfu.TypeFloorRequest})
	floorError(t, alice, sfu.CodeFloorDuplicate)
	// Invalid transitions, from the chair.
	send(t, chair, sfu.ClientMessage{Type: sfu.TypeFloorPause, Request: aliceReq})
	floorError(t, chair, sfu.CodeFloorTransition)
	send(t, chair, sfu.ClientMessage{Type: sfu.TypeFloorResume, Request: aliceReq})
	floorError(t, chair, sfu.CodeFloorTransition)
	send(t, chair, sfu.ClientMessage{Type: sfu.TypeFloorEnd, Request: aliceReq})
	floorError(t, chair, sfu.CodeFloorTransition)
	send(t, chair, sfu.ClientMessage{Type: sfu.TypeFloorGrant, Request: 99999})
	floorError(t, chair, sfu.CodeNotFound)
	for _, c := range []*sfuclient.Client{alice, bob, chair, obs} {
		ping(c)
	}
	if got := stored(); got != before {
		t.Fatalf("refusals changed the list: %s, was %s", got, before)
	}

	// The chair moves bob up to second place, then grants carol's point of
	// order; a second grant while she holds the floor is refused, and so
	// are a change of agenda item and a denial of a completed request.
	send(t, chair, sfu.ClientMessage{Type: sfu.TypeFloorReorder, Request: bobReq, Position: 1})
	floorState(t, alice, "bob moved", func(f *sfu.FloorInfo) bool {
		return pending(f) == "carol:point_of_order,bob:speech,dave:point_of_order,alice:speech,dave:reply"
	})
	send(t, chair, sfu.ClientMessage{Type: sfu.TypeFloorGrant, Request: carolReq})
	floorState(t, alice, "carol speaks", func(f *sfu.FloorInfo) bool { return f.Current != nil && f.Current.Identity == "carol" })
	send(t, chair, sfu.ClientMessage{Type: sfu.TypeFloorGrant, Request: bobReq})
	floorError(t, chair, sfu.CodeFloorBusy)
	send(t, chair, sfu.ClientMessage{Type: sfu.TypeFloorAgenda, AgendaItem: "item 2"})
	floorError(t, chair, sfu.CodeFloorBusy)
	// The speaker ends her own turn, and may not cancel it any more.
	send(t, carol, sfu.ClientMessage{Type: sfu.TypeFloorCancel, Request: carolReq})
	floorError(t, carol, sfu.CodeFloorTransition)
	send(t, carol, sfu.ClientMessage{Type: sfu.TypeFloorEnd, Request: carolReq})
	floorState(t, alice, "carol done", func(f *sfu.FloorInfo) bool { return f.Current == nil && len(f.Recent) == 1 })
	send(t, chair, sfu.ClientMessage{Type: sfu.TypeFloorDeny, Request: carolReq})
	floorError(t, chair, sfu.CodeFloorTransition)

	// Refusing, withdrawing, and a lowered hand withdrawing bob's request.
	send(t, chair, sfu.ClientMessage{Type: sfu.TypeFloorDeny, Request: replyReq})
	send(t, alice, sfu.ClientMessage{Type: sfu.TypeFloorCancel, Request: aliceReq})
	send(t, bob, sfu.ClientMessage{Type: sfu.TypeHand, Raised: false})
	f = floorState(t, chair, "the list emptied", func(f *sfu.FloorInfo) bool { return pending(f) == "dave:point_of_order" })
	states := map[int64]sfu.FloorState{}
	for _, q := range f.Recent {
		states[q.ID] = q.State
	}
	if states[replyReq] != sfu.FloorDenied || states[aliceReq] != sfu.FloorCancelled || states[bobReq] != sfu.FloorCancelled || states[carolReq] != sfu.FloorCompleted {
		t.Fatalf("closed requests = %v", states)
	}

	// The chair sets the agenda item and its speaking times.
	send(t, chair, sfu.ClientMessage{Type: sfu.TypeFloorAgenda, AgendaItem: "Item 4: Digital economy", Times: map[sfu.Role]int{sfu.RoleDelegate: 120}})
	f = floorState(t, alice, "new item", func(f *sfu.FloorInfo) bool { return f.AgendaItem == "Item 4: Digital economy" })
	if f.Times[sfu.RoleDelegate] != 120 || f.Times[sfu.RoleChair] != int(sfu.DefaultSpeakingTime/time.Second) || len(f.Requests) != 0 || len(f.Recent) != 0 {
		t.Fatalf("new item = %+v", f)
	}
	send(t, alice, sfu.ClientMessage{Type: sfu.TypeFloorRequest})
	f = floorState(t, chair, "alice on the new item", func(f *sfu.FloorInfo) bool { return requestOf(f, "alice") != 0 })
	if f.Requests[0].LimitMS != 120_000 {
		t.Errorf("limit = %d ms, want 120000", f.Requests[0].LimitMS)
	}
}

// TestFloorMessagesChecked: malformed floor messages are bad messages.
func TestFloorMessagesChecked(t *testing.T) {
	for _, raw := range []string{
		`{"v":1,"type":"floor_request","kind":"filibuster"}`,
		`{"v":1,"type":"floor_request","language":"fr\u0000"}`,
		`{"v":1,"type":"floor_request","request":3}`,
		`{"v":1,"type":"floor_grant"}`,
		`{"v":1,"type":"floor_grant","request":-1}`,
		`{"v":1,"type":"floor_reorder","request":1,"position":-2}`,
		`{"v":1,"type":"floor_reorder","request":1,"position":100000}`,
		`{"v":1,"type":"floor_agenda","agenda_item":""}`,
		`{"v":1,"type":"floor_agenda","agenda_item":"a\u202eb"}`,
		`{"v":1,"type":"floor_agenda","agenda_item":"` + strings.Repeat("x", 65) + `"}`,
		`{"v":1,"type":"floor_agenda","agenda_item":"x","times":{"delegate":5}}`,
		`{"v":1,"type":"floor_agenda","agenda_item":"x","times":{"king":60}}`,
		`{"v":1,"type":"floor_language","request":1,"language":""}`,
		`{"v":1,"type":"floor_language","request":1,"language":"-fr"}`,
	} {
		if _, err := sfu.DecodeClientMessage([]byte(raw)); err == nil {
			t.Errorf("accepted %s", raw)
		}
	}
	for _, raw := range []string{
		`{"v":1,"type":"floor_request","kind":"reply","language":"zh-Hans"}`,
		`{"v":1,"type":"floor_agenda","agenda_item":"Điểm 3: Kinh tế số","times":{"delegate":180,"chair":600}}`,
		`{"v":1,"type":"floor_reorder","request":1,"position":0}`,
	} {
		if _, err := sfu.DecodeClientMessage([]byte(raw)); err != nil {
			t.Errorf("refused %s: %v", raw, err)
		}
	}
}

// TestFloorSurvivesRestart: the speakers' list, the turn holding the floor
// and the agenda item's times are kept by the store (both backends): a
// server restarted on the same database gives the chair the same list,
// and the speaker's microphone is gated as before.
func TestFloorSurvivesRestart(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			db := storetest.Open(t, backend)
			params := sfu.Params{Config: sfu.Config{UDPAddr: "127.0.0.1:0", Loopback: true}, Store: conference.Store{DB: db}}
			e := newEnvParams(t, params)
			e.db = db
			chair := e.join("chair", sfu.RoleChair, nil)
			e.officer = chair
			alice := e.join("alice", sfu.RoleDelegate, nil)
			bob := e.join("bob", sfu.RoleDelegate, nil)
			send(t, chair, sfu.ClientMessage{Type: sfu.TypeFloorAgenda, AgendaItem: "item-7", Times: map[sfu.Role]int{sfu.RoleDelegate: 90}})
			floorState(t, chair, "item-7", func(f *sfu.FloorInfo) bool { return f.AgendaItem == "item-7" })
			send(t, alice, sfu.ClientMessage{Type: sfu.TypeFloorRequest})
			send(t, bob, sfu.ClientMessage{Type: sfu.TypeFloorRequest, Kind: sfu.KindReply})
			f := floorState(t, chair, "two requests", func(f *sfu.FloorInfo) bool { return len(f.Requests) == 2 })
			send(t, chair, sfu.ClientMessage{Type: sfu.TypeFloorGrant, Request: requestOf(f, "alice")})
			before := floorState(t, chair, "alice speaks", func(f *sfu.FloorInfo) bool { return f.Current != nil })

			// A new server (nothing in memory) on the same database.
			for _, c := range []*sfuclient.Client{chair, alice, bob} {
				c.Close()
			}
			e2 := newEnvParams(t, params)
			chair2 := e2.join("chair", sfu.RoleChair, nil)
			after := floorState(t, chair2, "the list after the restart", func(f *sfu.FloorInfo) bool { return true })
			if after.AgendaItem != "item-7" || after.Times[sfu.RoleDelegate] != 90 || pending(after) != "bob:reply" ||
				after.Current == nil || after.Current.ID != before.Current.ID || after.Current.State != sfu.FloorInProgress ||
				after.Current.Deadline != before.Current.Deadline {
				t.Fatalf("after the restart: %+v (current %+v), before %+v (current %+v)", after, after.Current, before, before.Current)
			}

			// Alice holds the floor still: bob, back too, is not heard.
			e2.officer = chair2
			rc := newReceiver()
			watcher := e2.join("watcher", sfu.RoleObserver, rc)
			alice2 := e2.join("alice", sfu.RoleDelegate, nil)
			bob2 := e2.join("bob", sfu.RoleDelegate, nil)
			for _, c := range []*sfuclient.Client{alice2, bob2} {
				pub, err := c.PublishSynthetic(t.Context(), sfuclient.Synthetic{Audio: true, AudioLevel: 30})
				if err != nil {
					t.Fatal(err)
				}
				defer pub.Stop()
			}
			aliceMic := trackOf(t, watcher, alice2.Welcome.Self.ID, sfu.SourceMicrophone).ID
			bobMic := trackOf(t, watcher, bob2.Welcome.Self.ID, sfu.SourceMicrophone).ID
			heard(t, rc, aliceMic, 50, "alice heard after the restart")
			silentWhile(t, rc, bobMic, aliceMic, 50, "bob after the restart")
			if slices.ContainsFunc(after.Requests, func(q sfu.FloorRequestInfo) bool { return q.State != sfu.FloorPending }) {
				t.Errorf("requests = %+v", after.Requests)
			}
		})
	}
}

// TestFloorGrantedInAbsence: the floor given to a delegate who has left is
// held (granted: nobody but the chair is heard) and the turn starts, with
// its whole time, when the delegate comes back.
func TestFloorGrantedInAbsence(t *testing.T) {
	e := newEnv(t)
	chair := e.join("chair", sfu.RoleChair, nil)
	e.officer = chair
	alice := e.join("alice", sfu.RoleDelegate, nil)
	send(t, alice, sfu.ClientMessage{Type: sfu.TypeFloorRequest})
	f := floorState(t, chair, "alice's request", func(f *sfu.FloorInfo) bool { return requestOf(f, "alice") != 0 })
	req := requestOf(f, "alice")
	alice.Close()
	nextEvent(t, chair, sfu.TypeLeft, func(m sfu.ServerMessage) bool { return m.ID == alice.Welcome.Self.ID })

	send(t, chair, sfu.ClientMessage{Type: sfu.TypeFloorGrant, Request: req})
	f = floorState(t, chair, "granted", func(f *sfu.FloorInfo) bool { return f.Current != nil })
	if f.Current.State != sfu.FloorGranted || f.Current.Participant != "" || f.Current.RemainingMS != sfu.DefaultSpeakingTime.Milliseconds() || f.Current.Deadline != 0 {
		t.Fatalf("granted in absence = %+v", f.Current)
	}
	back := e.join("alice", sfu.RoleDelegate, nil)
	f = floorState(t, chair, "alice back", func(f *sfu.FloorInfo) bool { return f.Current != nil && f.Current.State == sfu.FloorInProgress })
	if f.Current.ID != req || f.Current.Participant != back.Welcome.Self.ID || f.Current.Deadline == 0 {
		t.Fatalf("started turn = %+v", f.Current)
	}
}

// TestFloorRateLimited: a delegate who floods floor messages is refused
// past the limit (to them alone) until the window passes on the server's
// clock; the chair is not limited.
func TestFloorRateLimited(t *testing.T) {
	clk := &clock{now: time.Now()}
	e := newEnvParams(t, sfu.Params{Config: sfu.Config{UDPAddr: "127.0.0.1:0", Loopback: true}, Now: clk.Now})
	chair := e.join("chair", sfu.RoleChair, nil)
	e.officer = chair
	alice := e.join("alice", sfu.RoleDelegate, nil)
	send(t, alice, sfu.ClientMessage{Type: sfu.TypeFloorRequest})
	floorState(t, alice, "alice's request", func(f *sfu.FloorInfo) bool { return requestOf(f, "alice") != 0 })
	for range 9 {
		send(t, alice, sfu.ClientMessage{Type: sfu.TypeFloorRequest})
		floorError(t, alice, sfu.CodeFloorDuplicate)
	}
	send(t, alice, sfu.ClientMessage{Type: sfu.TypeFloorRequest, Kind: sfu.KindReply})
	floorError(t, alice, sfu.CodeRateLimit)
	for range 12 {
		send(t, chair, sfu.ClientMessage{Type: sfu.TypeFloorReorder, Request: 99999})
		floorError(t, chair, sfu.CodeNotFound)
	}
	clk.Add(11 * time.Second)
	send(t, alice, sfu.ClientMessage{Type: sfu.TypeFloorRequest, Kind: sfu.KindReply})
	floorState(t, chair, "alice's reply", func(f *sfu.FloorInfo) bool { return len(f.Requests) == 2 })
}
