package sfu_test

import (
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/sfu/sfuclient"
)

func TestPublishSubscribe(t *testing.T) {
	e := newEnv(t)
	ra, rb := newReceiver(), newReceiver()
	alice := e.join("alice", sfu.RoleDelegate, ra)
	bob := e.join("bob", sfu.RoleDelegate, rb)

	s := sfuclient.DefaultSynthetic()
	pa, err := alice.PublishSynthetic(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	defer pa.Stop()
	pb, err := bob.PublishSynthetic(t.Context(), sfuclient.Synthetic{Audio: true, AudioLevel: 40})
	if err != nil {
		t.Fatal(err)
	}
	defer pb.Stop()

	// Opus with in-band FEC and DTX (RFC 7587) in the server's answer;
	// no RTX from publishers (they retransmit on the stream: pion takes a
	// repair stream named by the rid for the layer itself), RTX towards
	// subscribers.
	answer := alice.Pub.RemoteDescription().SDP
	for _, want := range []string{"useinbandfec=1", "usedtx=1", "ssrc-audio-level", "transport-cc"} {
		if !strings.Contains(answer, want) {
			t.Errorf("answer lacks %q", want)
		}
	}
	if strings.Contains(answer, "apt=96") {
		t.Error("the answer to a publisher offers RTX")
	}
	aliceID := alice.Welcome.Self.ID
	bobID := bob.Welcome.Self.ID
	va := trackOf(t, bob, aliceID, sfu.SourceCamera)
	aa := trackOf(t, bob, aliceID, sfu.SourceMicrophone)
	ab := trackOf(t, alice, bobID, sfu.SourceMicrophone)
	if !va.Simulcast || aa.Language != "en" {
		t.Errorf("track infos: %+v %+v", va, aa)
	}
	waitFor(t, 15*time.Second, "bob receives alice's video and audio", func() bool {
		return rb.count(va.ID) > 50 && rb.count(aa.ID) > 50
	})
	if offer := bob.Sub.RemoteDescription().SDP; !strings.Contains(offer, "apt=96") {
		t.Error("the offer to a subscriber of a video lacks RTX")
	}
	waitFor(t, 10*time.Second, "alice receives bob's audio", func() bool { return ra.count(ab.ID) > 50 })
	if ra.count(aliceID) != 0 {
		t.Error("alice receives her own track")
	}
	st := e.srv.Stats()
	// The protocol officer who admitted them subscribes too.
	if st.Participants != 3 || st.Tracks != 3 || st.Subscriptions != 6 || st.Forwarded == 0 {
		t.Errorf("stats = %+v", st)
	}
}
