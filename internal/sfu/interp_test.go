package sfu_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/sfu/sfuclient"
)

// tagged is one received packet of a channel: whose it is (the byte the
// publisher tagged it with), its SSRC, numbering and, for video, whether
// it starts a keyframe.
type tagged struct {
	tag  byte
	ssrc webrtc.SSRC
	seq  uint16
	ts   uint32
	key  bool
}

// tagReceiver keeps every packet received per track id, as read makes of
// it (none when read says no).
type tagReceiver struct {
	mu   sync.Mutex
	pkts map[string][]tagged
	read func(*webrtc.TrackRemote, *rtp.Packet) (tagged, bool)
}

// newTagReceiver keeps the packets of every track, tagged with their
// first payload byte (as the synthetic audio writes it).
func newTagReceiver() *tagReceiver {
	return &tagReceiver{pkts: map[string][]tagged{}, read: func(t *webrtc.TrackRemote, p *rtp.Packet) (tagged, bool) {
		if len(p.Payload) == 0 {
			return tagged{}, false
		}
		return tagged{tag: p.Payload[0], ssrc: t.SSRC(), seq: p.SequenceNumber, ts: p.Timestamp}, true
	}}
}

// newVideoReceiver keeps the packets of the video tracks alone, tagged
// with their last payload byte (as the synthetic video writes it).
func newVideoReceiver() *tagReceiver {
	return &tagReceiver{pkts: map[string][]tagged{}, read: func(t *webrtc.TrackRemote, p *rtp.Packet) (tagged, bool) {
		if t.Kind() != webrtc.RTPCodecTypeVideo || len(p.Payload) < 8 {
			return tagged{}, false
		}
		// The synthetic descriptor is 6 bytes (X, I 15-bit, L, T); S is
		// 0x10 of the first, and P = 0 in the next byte marks a keyframe.
		key := p.Payload[0]&0x10 != 0 && p.Payload[6]&0x01 == 0
		return tagged{tag: p.Payload[len(p.Payload)-1], ssrc: t.SSRC(), seq: p.SequenceNumber, ts: p.Timestamp, key: key}, true
	}}
}

func (r *tagReceiver) onTrack(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
	for {
		p, _, err := t.ReadRTP()
		if err != nil {
			return
		}
		pkt, ok := r.read(t, p)
		if !ok {
			continue
		}
		r.mu.Lock()
		r.pkts[t.ID()] = append(r.pkts[t.ID()], pkt)
		r.mu.Unlock()
	}
}

func (r *tagReceiver) got(id string) []tagged {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]tagged(nil), r.pkts[id]...)
}

// count is how many packets of track id carry tag.
func (r *tagReceiver) count(id string, tag byte) int {
	n := 0
	for _, p := range r.got(id) {
		if p.tag == tag {
			n++
		}
	}
	return n
}

// tokenBooth is an interpreter's token for booth.
func (e *env) tokenBooth(identity, booth string) string {
	e.t.Helper()
	tok, err := e.signer.Issue(sfu.Claims{Room: "plenary", Identity: identity, Name: strings.ToUpper(identity[:1]) + identity[1:],
		Role: sfu.RoleInterpreter, Booth: booth, Permissions: sfu.DefaultPermissions(sfu.RoleInterpreter)}, time.Hour)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// speak publishes c's synthetic audio of source in lang, tagged tag.
func speak(t *testing.T, c *sfuclient.Client, source sfu.Source, lang string, tag byte) *sfuclient.Publisher {
	t.Helper()
	p, err := c.PublishSynthetic(t.Context(), sfuclient.Synthetic{Audio: true, AudioLevel: 30, AudioSource: source, AudioLanguage: lang, AudioTag: tag})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	return p
}

// interpState waits for an interp_state on c that satisfies ok.
func interpState(t *testing.T, c *sfuclient.Client, what string, ok func(*sfu.InterpInfo) bool) *sfu.InterpInfo {
	t.Helper()
	m := nextEvent(t, c, sfu.TypeInterpState, func(m sfu.ServerMessage) bool { return ok(m.Interp) })
	return m.Interp
}

func boothIn(in *sfu.InterpInfo, lang string) *sfu.BoothInfo {
	for i := range in.Booths {
		if in.Booths[i].Language == lang {
			return &in.Booths[i]
		}
	}
	return nil
}

// handover passes booth lang from live to partner: live offers, partner
// accepts, live switches; it returns once watcher is told partner is live.
func handover(t *testing.T, lang string, live, partner, watcher *sfuclient.Client) {
	t.Helper()
	send(t, live, sfu.ClientMessage{Type: sfu.TypeInterpOffer, On: true})
	interpState(t, partner, "offered", func(in *sfu.InterpInfo) bool { return boothIn(in, lang).Offer == partner.Welcome.Self.ID })
	send(t, partner, sfu.ClientMessage{Type: sfu.TypeInterpAccept})
	interpState(t, live, "accepted", func(in *sfu.InterpInfo) bool { return boothIn(in, lang).Accepted })
	send(t, live, sfu.ClientMessage{Type: sfu.TypeInterpSwitch})
	interpState(t, watcher, "partner live", func(in *sfu.InterpInfo) bool { return boothIn(in, lang).Live == partner.Welcome.Self.ID })
}

// refused waits for the error code on c.
func refused(t *testing.T, c *sfuclient.Client, code string) {
	t.Helper()
	nextEvent(t, c, sfu.TypeError, func(m sfu.ServerMessage) bool { return m.Code == code })
}

// TestInterpretationBooth: pion clients that send Opus packets tagged in
// their payload show that a listener of the French channel receives
// exactly the live interpreter's packets, none of the standby's; that a
// handover keeps the listener's track (same SSRC) with sequence numbers
// continuing; that going live over the partner, a booth the token does
// not name and a relay of one's own booth or a missing booth are refused
// with the channel unaffected; that a forced take-over is audited; and
// that the cough silences the channel while held.
func TestInterpretationBooth(t *testing.T) {
	e := newEnv(t)
	chair := e.join("chair", sfu.RoleChair, nil)
	e.officer = chair
	anne := e.joinToken("anne", e.tokenBooth("anne", "fr"), nil)
	bert := e.joinToken("bert", e.tokenBooth("bert", "fr"), nil)
	rc := newTagReceiver()
	lena := joinTagged(t, e, "lena", e.token("lena", sfu.RoleDelegate), rc.onTrack)

	speak(t, chair, sfu.SourceMicrophone, "en", 'F')
	speak(t, anne, sfu.SourceInterpretation, "fr", 'A')
	pb := speak(t, bert, sfu.SourceInterpretation, "fr", 'B')

	st := interpState(t, lena, "the French booth", func(in *sfu.InterpInfo) bool {
		b := boothIn(in, "fr")
		return b != nil && len(b.Interpreters) == 2 && in.Ducking == sfu.DefaultDucking
	})
	ch := boothIn(st, "fr").TrackID
	send(t, lena, sfu.ClientMessage{Type: sfu.TypeInterpListen, Language: "fr"})
	interpState(t, lena, "lena listens to French", func(in *sfu.InterpInfo) bool { return in.Listen == "fr" })

	// Nobody live: the channel is silent. Anne goes live.
	send(t, anne, sfu.ClientMessage{Type: sfu.TypeInterpLive, On: true})
	interpState(t, lena, "anne live", func(in *sfu.InterpInfo) bool { return boothIn(in, "fr").Live == anne.Welcome.Self.ID })
	waitFor(t, 10*time.Second, "lena hears anne on the channel", func() bool { return rc.count(ch, 'A') > 30 })

	// Bert cannot go live over anne; a track in another language than his
	// booth is refused; he cannot relay his own booth nor a missing one.
	send(t, bert, sfu.ClientMessage{Type: sfu.TypeInterpLive, On: true})
	refused(t, bert, sfu.CodeInterpPartnerLive)
	send(t, bert, sfu.ClientMessage{Type: sfu.TypeInterpHear, Language: "fr"})
	refused(t, bert, sfu.CodeInterpOwnLanguage)
	send(t, bert, sfu.ClientMessage{Type: sfu.TypeInterpHear, Language: "de"})
	refused(t, bert, sfu.CodeInterpNoBooth)
	// (The track is refused before its offer is read.)
	send(t, bert, sfu.ClientMessage{Type: sfu.TypeOffer, SDP: "v=0", Tracks: []sfu.TrackSpec{{ID: "x", Source: sfu.SourceInterpretation, Language: "es"}}})
	refused(t, bert, sfu.CodeInterpBooth)
	// A delegate cannot pose as a booth, nor take a booth's actions.
	send(t, lena, sfu.ClientMessage{Type: sfu.TypeInterpLive, On: true})
	refused(t, lena, sfu.CodeInterpBooth)
	// Bert cannot switch or accept what was not offered.
	send(t, bert, sfu.ClientMessage{Type: sfu.TypeInterpAccept})
	refused(t, bert, sfu.CodeInterpNoHandover)
	send(t, anne, sfu.ClientMessage{Type: sfu.TypeInterpSwitch})
	refused(t, anne, sfu.CodeInterpNoHandover)

	base := rc.count(ch, 'A')
	waitFor(t, 10*time.Second, "the channel unaffected", func() bool { return rc.count(ch, 'A') > base+20 })
	if n := rc.count(ch, 'B'); n != 0 {
		t.Fatalf("lena received %d of the standby's packets", n)
	}
	if n := rc.count(ch, 'F') + rc.count(ch, 'X'); n != 0 {
		t.Fatalf("the channel carried %d packets of others", n)
	}

	// Handover: anne offers, bert accepts, anne switches.
	handover(t, "fr", anne, bert, lena)
	waitFor(t, 10*time.Second, "lena hears bert", func() bool { return rc.count(ch, 'B') > 30 })
	pkts := rc.got(ch)
	first := -1
	for i, p := range pkts {
		if p.tag == 'B' && first < 0 {
			first = i
		}
		if first >= 0 && p.tag != 'B' {
			t.Fatalf("packet %d after the handover is %c's", i, p.tag)
		}
	}
	for i := 1; i < len(pkts); i++ {
		if pkts[i].ssrc != pkts[0].ssrc {
			t.Fatalf("the channel's SSRC changed: %d then %d", pkts[0].ssrc, pkts[i].ssrc)
		}
	}
	if a, b := pkts[first-1], pkts[first]; b.seq != a.seq+1 || int32(b.ts-a.ts) <= 0 || b.ts-a.ts > 48000 {
		t.Errorf("across the handover: seq %d→%d, ts %d→%d", a.seq, b.seq, a.ts, b.ts)
	}

	// Cough: bert's channel goes silent while held (while bert sends 25
	// more packets, half a second), then resumes: the listener sees one
	// step of the timestamp by at least that time with no packet between,
	// and the sequence still continuous.
	send(t, bert, sfu.ClientMessage{Type: sfu.TypeInterpCough, On: true})
	interpState(t, lena, "cough", func(in *sfu.InterpInfo) bool { return boothIn(in, "fr").Cough })
	sent := pb.Sent.Load()
	waitFor(t, 10*time.Second, "bert speaks on while coughing", func() bool { return pb.Sent.Load() > sent+25 })
	held := len(rc.got(ch))
	send(t, bert, sfu.ClientMessage{Type: sfu.TypeInterpCough, On: false})
	interpState(t, lena, "cough released", func(in *sfu.InterpInfo) bool { return !boothIn(in, "fr").Cough })
	waitFor(t, 10*time.Second, "bert heard again", func() bool { return len(rc.got(ch)) > held+30 })
	pkts = rc.got(ch)
	gaps := 0
	for i := first + 1; i < len(pkts); i++ {
		if pkts[i].seq != pkts[i-1].seq+1 {
			t.Errorf("sequence %d→%d", pkts[i-1].seq, pkts[i].seq)
		}
		if pkts[i].ts-pkts[i-1].ts >= 25*960 {
			gaps++
		}
	}
	if gaps != 1 {
		t.Errorf("%d silences of the channel, want the one of the cough", gaps)
	}

	// Anne takes over by force: audited.
	send(t, anne, sfu.ClientMessage{Type: sfu.TypeInterpTakeover})
	interpState(t, lena, "anne took over", func(in *sfu.InterpInfo) bool { return boothIn(in, "fr").Live == anne.Welcome.Self.ID })
	base = rc.count(ch, 'A')
	waitFor(t, 10*time.Second, "anne heard again", func() bool { return rc.count(ch, 'A') > base+30 })
	as, err := e.db.ListRoomAudit(t.Context(), "plenary")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, a := range as {
		if a.Action == "interp_takeover" && a.ActorIdentity == "anne" && a.TargetIdentity == "bert" && a.Detail == "booth fr" {
			found = true
		}
	}
	if !found {
		t.Errorf("take-over not audited: %+v", as)
	}
	// Nobody else ever received an interpreter's own track: only the
	// channel and the floor reached lena.
	rc.mu.Lock()
	for id := range rc.pkts {
		if id != ch && rc.count0(id, 'A')+rc.count0(id, 'B') > 0 {
			t.Errorf("lena received an interpreter's own track %s", id)
		}
	}
	rc.mu.Unlock()
}

func (r *tagReceiver) count0(id string, tag byte) int {
	n := 0
	for _, p := range r.pkts[id] {
		if p.tag == tag {
			n++
		}
	}
	return n
}

// joinTagged joins with a receiver callback.
func joinTagged(t *testing.T, e *env, identity, token string, on func(*webrtc.TrackRemote, *webrtc.RTPReceiver)) *sfuclient.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	c, m, err := sfuclient.Dial(ctx, e.url, token, sfuclient.Options{OnTrack: on})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	if m.Type == sfu.TypeLobby {
		e.admit(c, identity)
	}
	return c
}

// TestInterpretationRelayAndPassthrough: a relay from another booth
// reaches the relaying interpreter through that booth's channel; the
// reverse relay, a cycle, is refused; and when the floor speaks a
// channel's language the channel carries the floor speaker at full level
// while its booth is idle, and switches back when the language changes.
func TestInterpretationRelayAndPassthrough(t *testing.T) {
	e := newEnv(t)
	chair := e.join("chair", sfu.RoleChair, nil)
	e.officer = chair
	rcE := newTagReceiver()
	anne := joinTagged(t, e, "anne", e.tokenBooth("anne", "fr"), nil)
	emil := joinTagged(t, e, "emil", e.tokenBooth("emil", "es"), rcE.onTrack)
	rc := newTagReceiver()
	lena := joinTagged(t, e, "lena", e.token("lena", sfu.RoleDelegate), rc.onTrack)
	speak(t, chair, sfu.SourceMicrophone, "en", 'F')
	speak(t, anne, sfu.SourceInterpretation, "fr", 'A')
	speak(t, emil, sfu.SourceInterpretation, "es", 'E')
	st := interpState(t, lena, "two booths", func(in *sfu.InterpInfo) bool { return len(in.Booths) == 2 })
	fr, es := boothIn(st, "fr").TrackID, boothIn(st, "es").TrackID
	send(t, anne, sfu.ClientMessage{Type: sfu.TypeInterpLive, On: true})
	send(t, emil, sfu.ClientMessage{Type: sfu.TypeInterpLive, On: true})

	// Emil relays the French booth: he hears anne through its channel.
	send(t, emil, sfu.ClientMessage{Type: sfu.TypeInterpHear, Language: "fr"})
	interpState(t, emil, "emil relays French", func(in *sfu.InterpInfo) bool { return in.Hear == "fr" })
	waitFor(t, 10*time.Second, "emil hears the French channel", func() bool { return rcE.count(fr, 'A') > 20 })
	// Anne relaying Spanish would close a cycle.
	send(t, anne, sfu.ClientMessage{Type: sfu.TypeInterpHear, Language: "es"})
	refused(t, anne, sfu.CodeInterpCycle)

	// Lena listens to French: anne's voice.
	send(t, lena, sfu.ClientMessage{Type: sfu.TypeInterpListen, Language: "fr"})
	waitFor(t, 10*time.Second, "lena hears anne", func() bool { return rc.count(fr, 'A') > 20 })
	if rc.count(es, 'E') != 0 {
		t.Error("lena receives a channel she did not choose")
	}

	// A moderator sets the floor's language to French: the French channel
	// passes the floor (the chair speaking) through, the booth idle.
	send(t, lena, sfu.ClientMessage{Type: sfu.TypeInterpFloor, Language: "fr"})
	refused(t, lena, sfu.CodeForbidden)
	send(t, chair, sfu.ClientMessage{Type: sfu.TypeInterpFloor, Language: "fr"})
	interpState(t, lena, "passthrough", func(in *sfu.InterpInfo) bool { return boothIn(in, "fr").Passthrough })
	// With no turn running, nobody holds the floor: a speaker's request
	// in French, granted, makes the chair's turn.
	send(t, chair, sfu.ClientMessage{Type: sfu.TypeFloorRequest, Language: "fr"})
	f := floorState(t, chair, "chair's request", func(f *sfu.FloorInfo) bool { return requestOf(f, "chair") != 0 })
	req := requestOf(f, "chair")
	send(t, chair, sfu.ClientMessage{Type: sfu.TypeFloorGrant, Request: req})
	waitFor(t, 10*time.Second, "the French channel carries the floor", func() bool { return rc.count(fr, 'F') > 20 })
	base := len(rc.got(fr))
	waitFor(t, 10*time.Second, "more floor", func() bool { return len(rc.got(fr)) > base+20 })
	for _, p := range rc.got(fr)[base:] {
		if p.tag == 'A' {
			t.Fatal("the booth was heard during passthrough")
		}
	}
	// The speaker says they now speak English: the booth is back.
	send(t, chair, sfu.ClientMessage{Type: sfu.TypeFloorLanguage, Request: req, Language: "en"})
	interpState(t, lena, "passthrough ended", func(in *sfu.InterpInfo) bool { return !boothIn(in, "fr").Passthrough && in.FloorLanguage == "en" })
	base = rc.count(fr, 'A')
	waitFor(t, 10*time.Second, "anne heard again", func() bool { return rc.count(fr, 'A') > base+20 })
	pk := rc.got(fr)
	for i := 1; i < len(pk); i++ {
		if pk[i].ssrc != pk[0].ssrc {
			t.Fatal("the channel's SSRC changed across passthrough")
		}
	}
}
