package sfu_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/sfu/sfuclient"
)

// descriptionOrder checks the order of one client's messages: every
// candidate the server trickles must carry the ICE username fragment of a
// description it sent before it on the same connection (RFC 8838 §10), so
// that a client can add each candidate the moment it arrives. A candidate
// of an earlier description, gathered before an ICE restart and sent after
// it, is allowed: the client recognises it as stale and drops it.
//
// It checks the client's own messages the same way: the server adds a
// candidate the moment it arrives too, and drops one whose ufrag is not
// that of the description it holds.
type descriptionOrder struct {
	mu         sync.Mutex
	ufrags     map[string]map[string]bool // by target: of every offer or answer so far
	candidates map[string]int
	sent       map[string]map[string]bool // by target: of every offer or answer the client sent
	problems   []string
}

func newDescriptionOrder() *descriptionOrder {
	return &descriptionOrder{ufrags: map[string]map[string]bool{}, candidates: map[string]int{}, sent: map[string]map[string]bool{}}
}

// observeSent sees a message the client sends: its offers are those of the
// publishing connection, its answers those of the subscribing one.
func (o *descriptionOrder) observeSent(m sfu.ClientMessage) {
	o.mu.Lock()
	defer o.mu.Unlock()
	target := sfu.TargetPublish
	switch m.Type {
	case sfu.TypeAnswer:
		target = sfu.TargetSubscribe
		fallthrough
	case sfu.TypeOffer:
		if o.sent[target] == nil {
			o.sent[target] = map[string]bool{}
		}
		o.sent[target][sdpAttr(m.SDP, "ice-ufrag")] = true
	case sfu.TypeCandidate:
		if m.Candidate == nil {
			return
		}
		if u := candidateUfrag(m.Candidate.Candidate); !o.sent[m.Target][u] {
			o.problems = append(o.problems, fmt.Sprintf("sent %s candidate of ufrag %q before its description: %s", m.Target, u, m.Candidate.Candidate))
		}
	}
}

func (o *descriptionOrder) observe(m sfu.ServerMessage) {
	o.mu.Lock()
	defer o.mu.Unlock()
	switch m.Type {
	case sfu.TypeOffer, sfu.TypeAnswer:
		if o.ufrags[m.Target] == nil {
			o.ufrags[m.Target] = map[string]bool{}
		}
		o.ufrags[m.Target][sdpAttr(m.SDP, "ice-ufrag")] = true
	case sfu.TypeCandidate:
		if m.Candidate == nil {
			return
		}
		o.candidates[m.Target]++
		if u := candidateUfrag(m.Candidate.Candidate); !o.ufrags[m.Target][u] {
			o.problems = append(o.problems, fmt.Sprintf("%s candidate of ufrag %q before its description: %s", m.Target, u, m.Candidate.Candidate))
		}
	}
}

func (o *descriptionOrder) check(t *testing.T, who string, targets ...string) {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, p := range o.problems {
		t.Errorf("%s: %s", who, p)
	}
	for _, target := range targets {
		if o.candidates[target] == 0 {
			t.Errorf("%s: no %s candidate at all", who, target)
		}
	}
}

func (o *descriptionOrder) count(target string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.candidates[target]
}

func sdpAttr(sdp, name string) string {
	for line := range strings.SplitSeq(sdp, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "a="+name+":"); ok {
			return v
		}
	}
	return ""
}

// candidateUfrag is the "ufrag" extension of a candidate line, which pion
// and browsers add.
func candidateUfrag(c string) string {
	f := strings.Fields(c)
	for i := 0; i+1 < len(f); i++ {
		if f[i] == "ufrag" {
			return f[i+1]
		}
	}
	return ""
}

// The server never trickles a candidate before the offer or answer it
// belongs to, for the first negotiation, renegotiations and ICE restarts.
// pion reports the first candidates from its own goroutine while
// SetLocalDescription runs, so without care they can overtake the
// description; a client must then drop them, and ICE over TCP or TURN,
// which cannot fall back on peer-reflexive discovery, never connects.
func TestCandidatesFollowTheirDescription(t *testing.T) {
	e := newEnvWith(t, sfu.Config{UDPAddr: "127.0.0.1:0", TCPAddr: "127.0.0.1:0", Loopback: true})
	var publishers []*sfuclient.Publisher
	defer func() {
		for _, p := range publishers {
			p.Stop()
		}
	}()
	orders := map[string]*descriptionOrder{}
	var clients []*sfuclient.Client
	for i := range 4 {
		id := fmt.Sprintf("delegate-%d", i)
		o := newDescriptionOrder()
		orders[id] = o
		c := joinWith(t, e, id, sfuclient.Options{OnMessage: o.observe, OnSend: o.observeSent})
		clients = append(clients, c)
		// Each one publishes, so that everyone joined before renegotiates.
		p, err := c.PublishSynthetic(t.Context(), sfuclient.Synthetic{Audio: true})
		if err != nil {
			t.Fatal(err)
		}
		publishers = append(publishers, p)
	}
	// An ICE restart of a subscriber connection: its new candidates follow
	// the new offer.
	last := orders["delegate-0"]
	before := last.count(sfu.TargetSubscribe)
	if err := clients[0].Send(sfu.ClientMessage{Type: sfu.TypeRestart}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "candidates after the ICE restart", func() bool { return last.count(sfu.TargetSubscribe) > before })
	// And one of a publisher connection, which the client offers.
	pubBefore := orders["delegate-1"].count(sfu.TargetPublish)
	if err := clients[1].Negotiate(t.Context(), nil, true); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "candidates after the publisher's ICE restart", func() bool { return orders["delegate-1"].count(sfu.TargetPublish) > pubBefore })
	// The restart forgot every remote candidate: the server's new ones,
	// trickled right after its answer, must reach pion rather than be
	// dropped as belonging to the previous answer.
	waitFor(t, 10*time.Second, "the server's host candidates known after the publisher's ICE restart", func() bool {
		return remoteHostCandidates(clients[1].Pub) > 0
	})
	for id, o := range orders {
		o.check(t, id, sfu.TargetPublish, sfu.TargetSubscribe)
	}
}

// remoteHostCandidates counts the host candidates pc's ICE agent holds for
// the other side: those it was given, not those it discovered from checks
// (peer reflexive).
func remoteHostCandidates(pc *webrtc.PeerConnection) int {
	n := 0
	for _, st := range pc.GetStats() {
		if c, ok := st.(webrtc.ICECandidateStats); ok && c.Type == webrtc.StatsTypeRemoteCandidate && c.CandidateType == webrtc.ICECandidateTypeHost {
			n++
		}
	}
	return n
}

// An ICE restart asked for before the server has offered anything (no one
// publishes yet) has nothing to restart; it must not break the offers that
// come with the first tracks. Under load the restart of
// TestCandidatesFollowTheirDescription came that early one run in three,
// and the participant never received an offer again.
func TestRestartBeforeFirstOffer(t *testing.T) {
	e := newEnv(t)
	r := newReceiver()
	alice := e.join("alice", sfu.RoleChair, r)
	if err := alice.Send(sfu.ClientMessage{Type: sfu.TypeRestart}); err != nil {
		t.Fatal(err)
	}
	// The server handles a client's messages in order: the pong says the
	// restart is done.
	if err := alice.Send(sfu.ClientMessage{Type: sfu.TypePing}); err != nil {
		t.Fatal(err)
	}
	nextEvent(t, alice, sfu.TypePong, nil)
	bob := e.join("bob", sfu.RoleChair, nil)
	pb, err := bob.PublishSynthetic(t.Context(), sfuclient.Synthetic{Audio: true})
	if err != nil {
		t.Fatal(err)
	}
	defer pb.Stop()
	mic := trackOf(t, alice, bob.Welcome.Self.ID, sfu.SourceMicrophone)
	waitFor(t, 10*time.Second, "bob's audio at alice", func() bool { return r.count(mic.ID) > 10 })
	// And a restart now, with a connection, renews it.
	if err := alice.Send(sfu.ClientMessage{Type: sfu.TypeRestart}); err != nil {
		t.Fatal(err)
	}
	got := r.count(mic.ID)
	waitFor(t, 10*time.Second, "bob's audio at alice after the restart", func() bool { return r.count(mic.ID) > got+10 })
}
