package broadcast_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/sfu/sfuclient"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// heard is one audio packet a WHEP viewer received: whose it is (the
// first payload byte the publisher wrote), its SSRC and numbering.
type heard struct {
	tag  byte
	ssrc webrtc.SSRC
	seq  uint16
	ts   uint32
}

// listener is a WHEP viewer that keeps every audio packet it receives.
type listener struct {
	mu     sync.Mutex
	pkts   []heard
	tracks int // audio tracks the viewer was given (one: never renegotiated)
}

func (l *listener) got() []heard {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]heard(nil), l.pkts...)
}

func (l *listener) count(tag byte) int {
	n := 0
	for _, p := range l.got() {
		if p.tag == tag {
			n++
		}
	}
	return n
}

// listen opens a WHEP viewer at path that records its audio.
func (f *fixture) listen(path string) *listener {
	f.t.Helper()
	pc := newPC(f.t, webrtc.MimeTypeVP8)
	for _, k := range []webrtc.RTPCodecType{webrtc.RTPCodecTypeVideo, webrtc.RTPCodecTypeAudio} {
		if _, err := pc.AddTransceiverFromKind(k, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
			f.t.Fatal(err)
		}
	}
	l := &listener{}
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		if tr.Kind() != webrtc.RTPCodecTypeAudio {
			for {
				if _, _, err := tr.ReadRTP(); err != nil {
					return
				}
			}
		}
		l.mu.Lock()
		l.tracks++
		l.mu.Unlock()
		for {
			p, _, err := tr.ReadRTP()
			if err != nil {
				return
			}
			if len(p.Payload) == 0 {
				continue
			}
			l.mu.Lock()
			l.pkts = append(l.pkts, heard{tag: p.Payload[0], ssrc: tr.SSRC(), seq: p.SequenceNumber, ts: p.Timestamp})
			l.mu.Unlock()
		}
	})
	if p, res, body := f.post(pc, path); p == nil {
		f.t.Fatalf("WHEP %s: %d %s", path, res.StatusCode, body)
	}
	return l
}

// interpFixture is the broadcast fixture with its room's conference served
// over a websocket and the chair joined, ready for interpreters: the setup
// of the tests of a broadcast with an interpretation channel.
type interpFixture struct {
	*fixture
	url   string            // where members join the conference
	chair *sfuclient.Client // admits the others from the lobby
}

func newInterpFixture(t testing.TB, db *store.DB) *interpFixture {
	t.Helper()
	f := newFixture(t, db)
	hs := httptest.NewServer(f.srv)
	t.Cleanup(hs.Close)
	x := &interpFixture{fixture: f, url: "ws" + strings.TrimPrefix(hs.URL, "http")}
	x.chair = x.member("chair", sfu.RoleChair, "")
	return x
}

// member joins the room's conference with a token for role (an
// interpreter of booth when set); the chair, once joined, admits it from
// the lobby.
func (x *interpFixture) member(identity string, role sfu.Role, booth string) *sfuclient.Client {
	x.t.Helper()
	tok, err := x.sign.Issue(sfu.Claims{Room: x.room.Slug, Identity: identity, Name: strings.ToUpper(identity[:1]) + identity[1:],
		Role: role, Booth: booth, Permissions: sfu.DefaultPermissions(role)}, time.Hour)
	if err != nil {
		x.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(x.t.Context(), 10*time.Second)
	defer cancel()
	c, m, err := sfuclient.Dial(ctx, x.url, tok, sfuclient.Options{})
	if err != nil {
		x.t.Fatalf("join %s: %v", identity, err)
	}
	x.t.Cleanup(c.Close)
	if m.Type == sfu.TypeLobby {
		if x.chair == nil {
			x.t.Fatalf("%s waits in the lobby", identity)
		}
		w := event(x.t, x.chair, sfu.TypeWaiting, func(m sfu.ServerMessage) bool {
			for _, w := range m.Waiting {
				if w.Identity == identity {
					return true
				}
			}
			return false
		})
		for _, p := range w.Waiting {
			if p.Identity == identity {
				must(x.t, x.chair.Send(sfu.ClientMessage{Type: sfu.TypeAdmit, Participant: p.ID}))
			}
		}
		if _, err := c.AwaitWelcome(ctx); err != nil {
			x.t.Fatalf("admit %s: %v", identity, err)
		}
	}
	return c
}

// event waits for a message of typ on c that satisfies match.
func event(t testing.TB, c *sfuclient.Client, typ string, match func(sfu.ServerMessage) bool) sfu.ServerMessage {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case m, ok := <-c.Events():
			if !ok {
				t.Fatalf("connection closed waiting for %s", typ)
			}
			if m.Type == typ && (match == nil || match(m)) {
				return m
			}
		case <-timeout:
			t.Fatalf("timed out waiting for %s", typ)
		}
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// booth is the state of the booth of lang in an interp_state message.
func booth(m sfu.ServerMessage, lang string) sfu.BoothInfo {
	if m.Interp != nil {
		for _, b := range m.Interp.Booths {
			if b.Language == lang {
				return b
			}
		}
	}
	return sfu.BoothInfo{}
}

// speakTagged publishes c's synthetic audio of source in lang whose
// payloads start with tag.
func speakTagged(t testing.TB, c *sfuclient.Client, source sfu.Source, lang string, tag byte) {
	t.Helper()
	p, err := c.PublishSynthetic(t.Context(), sfuclient.Synthetic{Audio: true, AudioLevel: 30, AudioSource: source, AudioLanguage: lang, AudioTag: tag})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
}

// A member of the public watching with ?lang=fr hears the French booth's
// channel: before anyone is live in the booth, the floor; then exactly the
// live interpreter's packets (never the standby partner's, never the
// floor's), on the one audio track it was given at first, with one SSRC
// and sequence numbers continuing across the switch to the channel and
// across the booth's handover; and when the floor speaks French, the floor
// again on that track. A viewer asking for a language without a booth, or
// for none, hears the floor throughout.
func TestWHEPHearsTheInterpretationChannel(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newInterpFixture(t, db)
		room, chair := f.room.Slug, f.chair
		anne := f.member("anne", sfu.RoleInterpreter, "fr")
		bert := f.member("bert", sfu.RoleInterpreter, "fr")
		speakTagged(t, chair, sfu.SourceMicrophone, "en", 'F')
		waitFor(t, 10*time.Second, "the room to go live", func() bool { return f.srv.Live(room) })

		fr := f.listen("/whep/" + room + "?lang=fr")
		es := f.listen("/whep/" + room + "?lang=es")
		floor := f.listen("/whep/" + room)
		waitFor(t, 15*time.Second, "the French viewer to hear the floor while nobody is live", func() bool { return fr.count('F') > 20 })

		speakTagged(t, anne, sfu.SourceInterpretation, "fr", 'A')
		speakTagged(t, bert, sfu.SourceInterpretation, "fr", 'B')
		must(t, anne.Send(sfu.ClientMessage{Type: sfu.TypeInterpLive, On: true}))
		event(t, chair, sfu.TypeInterpState, func(m sfu.ServerMessage) bool { return booth(m, "fr").Live == anne.Welcome.Self.ID })
		waitFor(t, 15*time.Second, "the French viewer to hear anne", func() bool { return fr.count('A') > 30 })
		if n := fr.count('B'); n != 0 {
			t.Fatalf("the viewer heard %d packets of the standby interpreter", n)
		}

		// Handover: anne offers, bert accepts, anne switches.
		must(t, anne.Send(sfu.ClientMessage{Type: sfu.TypeInterpOffer, On: true}))
		event(t, bert, sfu.TypeInterpState, func(m sfu.ServerMessage) bool { return booth(m, "fr").Offer == bert.Welcome.Self.ID })
		must(t, bert.Send(sfu.ClientMessage{Type: sfu.TypeInterpAccept}))
		event(t, anne, sfu.TypeInterpState, func(m sfu.ServerMessage) bool { return booth(m, "fr").Accepted })
		must(t, anne.Send(sfu.ClientMessage{Type: sfu.TypeInterpSwitch}))
		waitFor(t, 15*time.Second, "the French viewer to hear bert", func() bool { return fr.count('B') > 30 })

		pkts := fr.got()
		firstA, firstB := -1, -1
		for i, p := range pkts {
			switch {
			case p.tag == 'A' && firstA < 0:
				firstA = i
			case p.tag == 'B' && firstB < 0:
				firstB = i
			}
			if i > 0 && p.ssrc != pkts[0].ssrc {
				t.Fatalf("the viewer's audio SSRC changed at packet %d: %d then %d", i, pkts[0].ssrc, p.ssrc)
			}
		}
		for i := firstA; i < len(pkts); i++ {
			want := byte('A')
			if i >= firstB {
				want = 'B'
			}
			if pkts[i].tag != want {
				t.Fatalf("packet %d on the channel is %c's, want %c's", i, pkts[i].tag, want)
			}
		}
		for _, at := range []int{firstA, firstB} {
			if a, b := pkts[at-1], pkts[at]; b.seq != a.seq+1 || int32(b.ts-a.ts) <= 0 || b.ts-a.ts > 48000 {
				t.Errorf("across the switch at packet %d: seq %d→%d, ts %d→%d", at, a.seq, b.seq, a.ts, b.ts)
			}
		}
		fr.mu.Lock()
		tracks := fr.tracks
		fr.mu.Unlock()
		if tracks != 1 {
			t.Errorf("the French viewer was given %d audio tracks, want 1", tracks)
		}

		// The floor speaks French: the booth is idle and the French viewer
		// hears the floor again, on the same track, bert no more.
		must(t, chair.Send(sfu.ClientMessage{Type: sfu.TypeInterpFloor, Language: "fr"}))
		event(t, chair, sfu.TypeInterpState, func(m sfu.ServerMessage) bool { return booth(m, "fr").Passthrough })
		base := len(fr.got())
		waitFor(t, 15*time.Second, "the French viewer to hear the floor in passthrough", func() bool {
			n := 0
			for _, p := range fr.got()[base:] {
				if p.tag == 'F' {
					n++
				}
			}
			return n > 30
		})
		pkts = fr.got()
		last := len(pkts) - 1
		for pkts[last].tag == 'F' && last > base {
			last--
		}
		for i, p := range pkts[last+1:] {
			if p.tag != 'F' || p.ssrc != pkts[0].ssrc {
				t.Fatalf("packet %d in passthrough is %c's on SSRC %d", last+1+i, p.tag, p.ssrc)
			}
		}
		if a, b := pkts[last], pkts[last+1]; b.seq != a.seq+1 {
			t.Errorf("into passthrough: seq %d→%d", a.seq, b.seq)
		}

		// Without a booth for the language, or without a language: the
		// floor alone.
		for name, l := range map[string]*listener{"es": es, "none": floor} {
			if l.count('F') < 30 {
				t.Errorf("viewer %s heard %d packets of the floor", name, l.count('F'))
			}
			if n := l.count('A') + l.count('B'); n != 0 {
				t.Errorf("viewer %s heard %d packets of interpreters", name, n)
			}
		}
	})
}
