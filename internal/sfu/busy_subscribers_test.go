package sfu_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/sfu/sfuclient"
)

// TestBusySubscribersReceiveEveryTrack: many publishers start at once while
// the subscribers are too busy to read their signalling promptly and the
// CPU is taken by busy loops, the plenary under load of issue 22 in
// small. Every subscriber must end with every track (each offer answered
// or followed by another) and stay in the room.
func TestBusySubscribersReceiveEveryTrack(t *testing.T) {
	const subs, audioPubs, videoPubs = 3, 12, 2
	e := newEnv(t)
	var recvs []*receiver
	var clients []*sfuclient.Client
	offers, answers := make([]atomic.Int64, subs), make([]atomic.Int64, subs)
	for i := range subs {
		r := newReceiver()
		recvs = append(recvs, r)
		id := fmt.Sprintf("listener%d", i)
		o := sfuclient.Options{OnTrack: r.onTrack,
			// A starved client: every server message waits before the
			// client reads the next, offers included.
			OnMessage: func(m sfu.ServerMessage) {
				if m.Type == sfu.TypeOffer {
					offers[i].Add(1)
				}
				time.Sleep(15 * time.Millisecond)
			},
			OnSend: func(m sfu.ClientMessage) {
				if m.Type == sfu.TypeAnswer {
					answers[i].Add(1)
				}
			}}
		c := e.dialWith(id, sfu.RoleDelegate, o)
		clients = append(clients, c)
	}
	var pubs []*sfuclient.Client
	for i := range audioPubs + videoPubs {
		pubs = append(pubs, e.join(fmt.Sprintf("speaker%02d", i), sfu.RoleDelegate, nil))
	}

	// Busy loops on every CPU while the publishers start.
	var stop atomic.Bool
	var busy sync.WaitGroup
	for range runtime.NumCPU() {
		busy.Go(func() {
			for !stop.Load() {
				for range 1000 {
				}
			}
		})
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(pubs))
	for i, c := range pubs {
		s := sfuclient.Synthetic{Audio: true, AudioLevel: 30}
		if i < videoPubs {
			s = sfuclient.DefaultSynthetic()
		}
		wg.Go(func() {
			p, err := c.PublishSynthetic(t.Context(), s)
			if err != nil {
				errs <- err
				return
			}
			t.Cleanup(p.Stop)
		})
	}
	wg.Wait()
	time.Sleep(2 * time.Second) // the burst of renegotiations under the busy loops
	stop.Store(true)
	busy.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	want := audioPubs + 2*videoPubs
	for i := range recvs {
		select {
		case <-clients[i].Done():
			t.Errorf("subscriber %d was dropped during the burst", i)
		default:
		}
	}
	got := func(r *receiver) int {
		r.mu.Lock()
		defer r.mu.Unlock()
		n := 0
		for _, c := range r.packets {
			if c.Load() > 0 {
				n++
			}
		}
		return n
	}
	deadline := time.Now().Add(30 * time.Second)
	for i, r := range recvs {
		for got(r) != want && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if n := got(r); n != want {
			t.Errorf("subscriber %d receives %d of %d tracks (offers %d, answers %d, connection %s)", i, n, want,
				offers[i].Load(), answers[i].Load(), clients[i].Sub.ConnectionState())
		}
		select {
		case <-clients[i].Done():
			t.Errorf("subscriber %d was dropped", i)
		default:
		}
	}
}

// dialWith is join with client options.
func (e *env) dialWith(identity string, role sfu.Role, o sfuclient.Options) *sfuclient.Client {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.t.Context(), 10*time.Second)
	defer cancel()
	c, m, err := sfuclient.Dial(ctx, e.url, e.token(identity, role), o)
	if err != nil {
		e.t.Fatalf("join %s: %v", identity, err)
	}
	e.t.Cleanup(c.Close)
	if m.Type == sfu.TypeLobby {
		e.admit(c, identity)
	} else if m.Type != sfu.TypeWelcome {
		e.t.Fatalf("join %s: got %s, want welcome", identity, m.Type)
	}
	return c
}

// TestSubscriberRestartsFailedICE: a client whose subscribing connection
// failed (a starved load-tool subscriber misses its consent checks) asks
// for an ICE restart, as the room page does, and receives again; before,
// sfuclient waited, the server waited for it, and the subscriber got
// nothing for the rest of the run.
func TestSubscriberRestartsFailedICE(t *testing.T) {
	e := newEnv(t)
	alice := e.join("alice", sfu.RoleDelegate, nil)
	r := newReceiver()
	link := sfuclient.NewLink(0, 0)
	bob := e.dialWith("bob", sfu.RoleDelegate, sfuclient.Options{OnTrack: r.onTrack, Downlink: link})
	p, err := alice.PublishSynthetic(t.Context(), sfuclient.Synthetic{Audio: true, AudioLevel: 30})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	var id string
	waitFor(t, 20*time.Second, "alice's audio at bob", func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		for k, n := range r.packets {
			id = k
			return n.Load() > 0
		}
		return false
	})

	// Cut bob's downlink until his subscribing connection fails.
	link.SetDown(true)
	// Failed, or already checking again after a restart that followed the
	// failure faster than this polls.
	lost := false
	waitFor(t, 60*time.Second, "bob's subscribing connection to fail", func() bool {
		switch bob.Sub.ICEConnectionState() {
		case webrtc.ICEConnectionStateFailed:
			return true
		case webrtc.ICEConnectionStateDisconnected:
			lost = true
		case webrtc.ICEConnectionStateChecking:
			return lost
		}
		return false
	})
	link.SetDown(false)
	before := r.count(id)
	waitFor(t, 30*time.Second, "alice's audio at bob after the restart", func() bool { return r.count(id) > before+50 })
}
