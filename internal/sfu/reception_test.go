package sfu_test

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mofa-vn/chancery/internal/conference"
	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/sfu/sfuclient"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// receptionStore is the database's store with a meeting's list: Viet Nam
// takes precedence over France; three French and one Vietnamese delegate
// are expected.
type receptionStore struct{ conference.Store }

func (receptionStore) Reception(_ context.Context, slug string) (sfu.ReceptionList, error) {
	if slug != "plenary" {
		return sfu.ReceptionList{}, nil
	}
	return sfu.ReceptionList{
		Delegations: []sfu.ReceptionDelegation{{Key: "vn", Name: "Viet Nam"}, {Key: "fr", Name: "France"}},
		Expected: []sfu.Expected{
			{Identity: "claire", Name: "Claire", Delegation: "fr", Role: sfu.RoleDelegate},
			{Identity: "paul", Name: "Paul", Delegation: "fr", Role: sfu.RoleDelegate},
			{Identity: "zoe", Name: "Zoé", Delegation: "fr", Role: sfu.RoleDelegate},
			{Identity: "lan", Name: "Lan", Delegation: "vn", Role: sfu.RoleDelegate},
		}}, nil
}

// The reception tells the protocol officer who is expected and who waits,
// in order of precedence; one action admits the waiting members of a
// delegation (and only them), audited one by one; a delegate cannot do it;
// the participants carry their delegation's rank, and speech requests go
// to the speakers' list in order of precedence.
func TestReceptionAdmitsByDelegation(t *testing.T) {
	db := storetest.Open(t, "sqlite")
	e := newEnvParams(t, sfu.Params{Config: sfu.Config{UDPAddr: "127.0.0.1:0", Loopback: true}, Store: receptionStore{conference.Store{DB: db}}})
	e.db = db
	officer := e.join("officer", sfu.RoleProtocol, nil)
	e.officer = officer

	lobby := map[string]*sfuclient.Client{}
	for _, id := range []string{"claire", "stranger", "lan", "paul"} {
		c, m, err := dial(t, e, e.token(id, sfu.RoleDelegate))
		if err != nil || m.Type != sfu.TypeLobby {
			t.Fatalf("%s: %+v %v", id, m, err)
		}
		lobby[id] = c
	}
	w := nextEvent(t, officer, sfu.TypeWaiting, func(m sfu.ServerMessage) bool { return len(m.Waiting) == 4 })
	var order []string
	for _, p := range w.Waiting {
		order = append(order, p.Identity)
	}
	// Viet Nam, then France in the order they came, then the uninvited.
	if strings.Join(order, ",") != "lan,claire,paul,stranger" || w.Waiting[0].Rank != 1 || w.Waiting[1].Rank != 2 || w.Waiting[3].Rank != 0 {
		t.Fatalf("waiting = %+v", w.Waiting)
	}
	if w.Reception == nil || len(w.Reception.Delegations) != 2 || len(w.Reception.Expected) != 4 {
		t.Fatalf("reception = %+v", w.Reception)
	}
	states := map[string]string{}
	for _, x := range w.Reception.Expected {
		states[x.Identity] = x.State
	}
	if states["lan"] != sfu.ExpectedWaiting || states["claire"] != sfu.ExpectedWaiting || states["zoe"] != sfu.ExpectedAbsent || w.Reception.Expected[0].Identity != "lan" {
		t.Fatalf("expected = %+v", w.Reception.Expected)
	}

	// A delegate already in cannot admit a delegation; an unknown one and
	// a malformed message are refused.
	inside := e.join("lan2", sfu.RoleDelegate, nil)
	send(t, inside, sfu.ClientMessage{Type: sfu.TypeAdmitDelegation, Delegation: "fr"})
	if m := nextEvent(t, inside, sfu.TypeError, nil); m.Code != sfu.CodeForbidden {
		t.Fatalf("a delegate admitting: %+v", m)
	}
	send(t, officer, sfu.ClientMessage{Type: sfu.TypeAdmitDelegation, Delegation: "de"})
	if m := nextEvent(t, officer, sfu.TypeError, nil); m.Code != sfu.CodeNotFound {
		t.Fatalf("an unknown delegation: %+v", m)
	}
	if _, err := sfu.DecodeClientMessage([]byte(`{"v":1,"type":"admit_delegation"}`)); err == nil {
		t.Fatal("admit_delegation without a delegation decoded")
	}

	// France is admitted at once: Claire and Paul; Lan and the stranger wait.
	send(t, officer, sfu.ClientMessage{Type: sfu.TypeAdmitDelegation, Delegation: "fr"})
	for _, id := range []string{"claire", "paul"} {
		m := nextEvent(t, lobby[id], sfu.TypeWelcome, nil)
		if m.Self == nil || m.Self.Rank != 2 {
			t.Fatalf("%s welcome: %+v", id, m.Self)
		}
	}
	w = nextEvent(t, officer, sfu.TypeWaiting, func(m sfu.ServerMessage) bool { return len(m.Waiting) == 2 })
	if w.Waiting[0].Identity != "lan" || w.Waiting[1].Identity != "stranger" {
		t.Fatalf("still waiting = %+v", w.Waiting)
	}
	audit, err := e.db.ListRoomAudit(t.Context(), "plenary")
	if err != nil {
		t.Fatal(err)
	}
	admitted := map[string]string{}
	for _, a := range audit {
		if a.Action == "admit" {
			admitted[a.TargetIdentity] = a.Detail + " by " + a.ActorIdentity
		}
	}
	if len(admitted) != 3 || admitted["lan2"] != " by officer" || admitted["claire"] != "delegation: France by officer" || admitted["paul"] != "delegation: France by officer" {
		t.Fatalf("audit = %+v", admitted)
	}

	// Paul asks for the floor first, Lan second: Viet Nam speaks first.
	send(t, officer, sfu.ClientMessage{Type: sfu.TypeAdmit, Participant: w.Waiting[0].ID})
	nextEvent(t, lobby["lan"], sfu.TypeWelcome, nil)
	send(t, lobby["paul"], sfu.ClientMessage{Type: sfu.TypeFloorRequest})
	floorState(t, officer, "paul inscribed", func(f *sfu.FloorInfo) bool { return len(f.Requests) == 1 })
	send(t, lobby["lan"], sfu.ClientMessage{Type: sfu.TypeFloorRequest})
	f := floorState(t, officer, "lan inscribed", func(f *sfu.FloorInfo) bool { return len(f.Requests) == 2 })
	if f.Requests[0].Identity != "lan" || f.Requests[1].Identity != "paul" {
		t.Fatalf("speakers' list = %+v", f.Requests)
	}
	// Claire (France) goes after Paul; the chair's reorder still rules.
	send(t, lobby["claire"], sfu.ClientMessage{Type: sfu.TypeFloorRequest})
	f = floorState(t, officer, "claire inscribed", func(f *sfu.FloorInfo) bool { return len(f.Requests) == 3 })
	if f.Requests[2].Identity != "claire" {
		t.Fatalf("speakers' list = %+v", f.Requests)
	}
}

// FuzzDecodeAdmitDelegation: an accepted admit_delegation always names a
// delegation key of 1 to 64 bytes of valid UTF-8.
func FuzzDecodeAdmitDelegation(f *testing.F) {
	for _, s := range []string{`{"v":1,"type":"admit_delegation","delegation":"d12"}`, `{"v":1,"type":"admit_delegation"}`,
		`{"v":1,"type":"admit_delegation","delegation":""}`, `{"v":1,"type":"admit_delegation","delegation":"\xff"}`,
		`{"v":1,"type":"admit_delegation","delegation":"` + strings.Repeat("d", 65) + `"}`,
		`{"v":1,"type":"admit_delegation","delegation":"d1","participant":"x"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := sfu.DecodeClientMessage(b)
		if err != nil || m.Type != sfu.TypeAdmitDelegation {
			return
		}
		if m.Delegation == "" || len(m.Delegation) > 64 || !utf8.ValidString(m.Delegation) {
			t.Fatalf("accepted %q", m.Delegation)
		}
	})
}
