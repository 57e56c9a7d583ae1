package sfu_test

import (
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/sfu/sfuclient"
)

// sign publishes c's synthetic camera, one layer whose payloads end with
// tag, with keyframes only when asked for (or every 30 s).
func sign(t *testing.T, c *sfuclient.Client, tag byte) *sfuclient.Publisher {
	t.Helper()
	p, err := c.PublishSynthetic(t.Context(), sfuclient.Synthetic{Video: true, Bitrates: [3]int{0, 0, 200_000}, FPS: 25,
		GOP: 30 * time.Second, VideoTag: tag})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	return p
}

// TestSignLanguageChannel: pion clients sending VP8 packets tagged in
// their payload show that a viewer of the sign-language channel receives
// exactly the live sign interpreter's video, none of the standby's, on
// one track: across a handover its SSRC stays, its sequence numbers
// continue, and the new interpreter's video starts at a keyframe the
// server asked for. Nobody but the booth partner receives a sign
// interpreter's own camera; a sign channel is watched, not listened to
// or relayed; and the server's statistics count the channel's viewers.
func TestSignLanguageChannel(t *testing.T) {
	e := newEnv(t)
	chair := e.join("chair", sfu.RoleChair, nil)
	e.officer = chair
	rs, rt, rl := newVideoReceiver(), newVideoReceiver(), newVideoReceiver()
	sara := joinTagged(t, e, "sara", e.tokenBooth("sara", "sgn"), rs.onTrack)
	tom := joinTagged(t, e, "tom", e.tokenBooth("tom", "sgn"), rt.onTrack)
	anne := joinTagged(t, e, "anne", e.tokenBooth("anne", "fr"), nil)
	lena := joinTagged(t, e, "lena", e.token("lena", sfu.RoleDelegate), rl.onTrack)
	speak(t, chair, sfu.SourceMicrophone, "en", 'F')
	ps := sign(t, sara, 'S')
	pt := sign(t, tom, 'T')
	st := interpState(t, lena, "sign booth", func(in *sfu.InterpInfo) bool {
		b := boothIn(in, "sgn")
		return b != nil && b.Sign && len(b.Interpreters) == 2
	})
	ch := boothIn(st, "sgn").TrackID
	if b := boothIn(st, "fr"); b == nil || b.Sign {
		t.Fatalf("the French booth is missing or taken for a sign booth: %+v", st.Booths)
	}

	// Refusals, each to its sender alone.
	send(t, lena, sfu.ClientMessage{Type: sfu.TypeInterpListen, Language: "sgn"})
	refused(t, lena, sfu.CodeInterpSign)
	send(t, lena, sfu.ClientMessage{Type: sfu.TypeInterpSign, Language: "fr"})
	refused(t, lena, sfu.CodeInterpSign)
	send(t, lena, sfu.ClientMessage{Type: sfu.TypeInterpSign, Language: "ase"})
	refused(t, lena, sfu.CodeInterpNoBooth)
	send(t, tom, sfu.ClientMessage{Type: sfu.TypeInterpSign, Language: "sgn"})
	refused(t, tom, sfu.CodeInterpBooth)
	send(t, anne, sfu.ClientMessage{Type: sfu.TypeInterpHear, Language: "sgn"})
	refused(t, anne, sfu.CodeInterpSign)

	// The partners see each other directly (sara tom's camera, tom
	// sara's) while nobody else receives either camera.
	waitFor(t, 10*time.Second, "partners see each other", func() bool {
		rs.mu.Lock()
		defer rs.mu.Unlock()
		rt.mu.Lock()
		defer rt.mu.Unlock()
		return len(rs.pkts) == 1 && len(rt.pkts) == 1
	})

	subs := e.srv.Stats().Subscriptions
	send(t, lena, sfu.ClientMessage{Type: sfu.TypeInterpSign, Language: "sgn"})
	interpState(t, lena, "lena watches", func(in *sfu.InterpInfo) bool { return in.Sign == "sgn" })
	send(t, sara, sfu.ClientMessage{Type: sfu.TypeInterpLive, On: true})
	interpState(t, tom, "sara live", func(in *sfu.InterpInfo) bool { return boothIn(in, "sgn").Live == sara.Welcome.Self.ID })
	send(t, tom, sfu.ClientMessage{Type: sfu.TypeInterpLive, On: true})
	refused(t, tom, sfu.CodeInterpPartnerLive)
	waitFor(t, 10*time.Second, "lena sees sara", func() bool { return rl.count(ch, 'S') > 40 })
	if got := e.srv.Stats().Subscriptions; got != subs+1 {
		t.Errorf("subscriptions %d after lena chose the sign channel, want %d", got, subs+1)
	}
	if pk := rl.got(ch); !pk[0].key {
		t.Errorf("the channel did not start at a keyframe: %+v", pk[:5])
	}
	// Handover: sara offers, tom accepts, sara switches.
	plis := pt.PLIs.Load()
	handover(t, "sgn", sara, tom, lena)
	waitFor(t, 10*time.Second, "lena sees tom", func() bool { return rl.count(ch, 'T') > 40 })
	if pt.PLIs.Load() == plis {
		t.Error("no keyframe was asked of tom on the switch")
	}
	sentS := ps.Sent.Load()
	waitFor(t, 10*time.Second, "sara sends on", func() bool { return ps.Sent.Load() > sentS+20 })

	pkts := rl.got(ch)
	first := -1
	for i, p := range pkts {
		if p.tag != 'S' && p.tag != 'T' {
			t.Fatalf("packet %d of the channel is %q's", i, p.tag)
		}
		if p.tag == 'T' && first < 0 {
			first = i
		}
		if first >= 0 && p.tag != 'T' {
			t.Fatalf("packet %d after the handover is sara's", i)
		}
		if p.ssrc != pkts[0].ssrc {
			t.Fatalf("the channel's SSRC changed: %d then %d", pkts[0].ssrc, p.ssrc)
		}
		// Numbers go on by one: by exactly one across the handover (the
		// switch the renumbering must hide); elsewhere a loaded machine's
		// loopback may drop a datagram, which shows as a forward gap, but
		// a number never repeats or goes back.
		if i > 0 {
			d := p.seq - pkts[i-1].seq
			switch {
			case i == first && d != 1:
				t.Errorf("across the handover: sequence %d after %d", p.seq, pkts[i-1].seq)
			case d == 0 || d > 1<<15:
				t.Errorf("packet %d: sequence %d after %d", i, p.seq, pkts[i-1].seq)
			case d > 1:
				t.Logf("packet %d: %d packets lost before it", i, d-1)
			}
		}
	}
	if !pkts[first].key {
		t.Error("tom's video did not start at a keyframe")
	}
	rl.mu.Lock()
	for id := range rl.pkts {
		if id != ch {
			t.Errorf("lena received a video other than the sign channel: %s", id)
		}
	}
	rl.mu.Unlock()

	// Lena stops watching: the channel stops reaching her.
	send(t, lena, sfu.ClientMessage{Type: sfu.TypeInterpSign, Language: ""})
	interpState(t, lena, "lena stopped", func(in *sfu.InterpInfo) bool { return in.Sign == "" })
	waitFor(t, 10*time.Second, "subscription dropped", func() bool { return e.srv.Stats().Subscriptions == subs })
}
