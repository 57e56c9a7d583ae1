package sfu_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/sfu/sfuclient"
)

// descriptionOrder checks the order of one client's messages: every
// candidate the server trickles must carry the ICE username fragment of a
// description it sent before it on the same connection (RFC 8838 §10), so
// that a client can add each candidate the moment it arrives. A candidate
// of an earlier description, gathered before an ICE restart and sent after
// it, is allowed: the client recognises it as stale and drops it.
type descriptionOrder struct {
	mu         sync.Mutex
	ufrags     map[string]map[string]bool // by target: of every offer or answer so far
	candidates map[string]int
	problems   []string
}

func newDescriptionOrder() *descriptionOrder {
	return &descriptionOrder{ufrags: map[string]map[string]bool{}, candidates: map[string]int{}}
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
		c := joinWith(t, e, id, sfuclient.Options{OnMessage: o.observe})
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
	for id, o := range orders {
		o.check(t, id, sfu.TargetPublish, sfu.TargetSubscribe)
	}
}
