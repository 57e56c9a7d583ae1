package broadcast_test

import (
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

// duoListener is a WHEP viewer that offers two audios, as the live page
// does for a language: it keeps the tags received per track id.
type duoListener struct {
	mu   sync.Mutex
	tags map[string][]byte
}

func (l *duoListener) count(track string, tag byte) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, t := range l.tags[track] {
		if t == tag {
			n++
		}
	}
	return n
}

func (l *duoListener) since(track string, from int) []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]byte(nil), l.tags[track][min(from, len(l.tags[track])):]...)
}

func (l *duoListener) n(track string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.tags[track])
}

// listenDuo opens a viewer at path offering video and audios audio
// m-sections; it returns the viewer and the ducking header of the answer.
func (f *fixture) listenDuo(path string, audios int) (*duoListener, string) {
	f.t.Helper()
	pc := newPC(f.t, webrtc.MimeTypeVP8)
	kinds := []webrtc.RTPCodecType{webrtc.RTPCodecTypeVideo}
	for range audios {
		kinds = append(kinds, webrtc.RTPCodecTypeAudio)
	}
	for _, k := range kinds {
		if _, err := pc.AddTransceiverFromKind(k, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
			f.t.Fatal(err)
		}
	}
	l := &duoListener{tags: map[string][]byte{}}
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		for {
			p, _, err := tr.ReadRTP()
			if err != nil {
				return
			}
			if tr.Kind() != webrtc.RTPCodecTypeAudio || len(p.Payload) == 0 {
				continue
			}
			l.mu.Lock()
			l.tags[tr.ID()] = append(l.tags[tr.ID()], p.Payload[0])
			l.mu.Unlock()
		}
	})
	p, res, body := f.post(pc, path)
	if p == nil {
		f.t.Fatalf("WHEP %s: %d %s", path, res.StatusCode, body)
	}
	return l, res.Header.Get("Interpretation-Ducking")
}

// A player that offers two audios with ?lang=fr (the live page) gets the
// French channel on the first and the floor on the second while an
// interpreter is live, with the room's ducking level in the answer's
// Interpretation-Ducking header; in passthrough the floor comes on the
// channel alone and the second audio falls silent, so the player never
// plays the floor twice. A plain player (one audio) gets no header and
// the channel alone.
func TestWHEPDuckedFloorOnASecondAudio(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newInterpFixture(t, db)
		room, chair := f.room.Slug, f.chair
		anne := f.member("anne", sfu.RoleInterpreter, "fr")
		speakTagged(t, chair, sfu.SourceMicrophone, "en", 'F')
		speakTagged(t, anne, sfu.SourceInterpretation, "fr", 'A')
		waitFor(t, 10*time.Second, "the room to go live", func() bool { return f.srv.Live(room) })
		must(t, chair.Send(sfu.ClientMessage{Type: sfu.TypeInterpDucking, Level: 25}))
		event(t, chair, sfu.TypeInterpState, func(m sfu.ServerMessage) bool { return m.Interp.Ducking == 25 })
		must(t, anne.Send(sfu.ClientMessage{Type: sfu.TypeInterpLive, On: true}))
		event(t, chair, sfu.TypeInterpState, func(m sfu.ServerMessage) bool { return booth(m, "fr").Live == anne.Welcome.Self.ID })

		// A sign interpreter live in the sgn booth: her channel is video,
		// so a viewer asking for sgn hears the floor, alone.
		sara := f.member("sara", sfu.RoleInterpreter, "sgn")
		sp, err := sara.PublishSynthetic(t.Context(), sfuclient.Synthetic{Video: true, Bitrates: [3]int{0, 0, 200_000}, FPS: 25, GOP: time.Second})
		must(t, err)
		t.Cleanup(sp.Stop)
		must(t, sara.Send(sfu.ClientMessage{Type: sfu.TypeInterpLive, On: true}))
		event(t, chair, sfu.TypeInterpState, func(m sfu.ServerMessage) bool { return booth(m, "sgn").Live == sara.Welcome.Self.ID })
		sign, signLevel := f.listenDuo("/whep/"+room+"?lang=sgn", 2)

		duo, level := f.listenDuo("/whep/"+room+"?lang=fr", 2)
		if level != "25" {
			t.Errorf("Interpretation-Ducking %q, want the room's 25", level)
		}
		plain, plainLevel := f.listenDuo("/whep/"+room+"?lang=fr", 1)
		if plainLevel != "" {
			t.Errorf("a one-audio player was told a ducking level %q", plainLevel)
		}
		waitFor(t, 15*time.Second, "the channel and the floor", func() bool {
			return duo.count("audio", 'A') > 30 && duo.count("floor", 'F') > 30 && plain.count("audio", 'A') > 30
		})
		if n := duo.count("audio", 'F') + duo.count("floor", 'A'); n != 0 {
			t.Errorf("%d packets on the wrong audio", n)
		}
		if n := plain.count("audio", 'F') + plain.n("floor"); n != 0 {
			t.Errorf("the plain player got %d packets of the floor", n)
		}
		waitFor(t, 15*time.Second, "the sign viewer hears the floor", func() bool { return sign.count("audio", 'F') > 30 })
		if n := sign.count("audio", 'A') + sign.n("floor"); n != 0 || signLevel != "" {
			t.Errorf("the sign viewer got %d packets of interpretation or a second audio (ducking %q)", n, signLevel)
		}

		// Passthrough: the channel carries the floor, the second audio is
		// silent.
		must(t, chair.Send(sfu.ClientMessage{Type: sfu.TypeInterpFloor, Language: "fr"}))
		event(t, chair, sfu.TypeInterpState, func(m sfu.ServerMessage) bool { return booth(m, "fr").Passthrough })
		// With no turn running nobody holds the floor: the chair's turn in
		// French makes the channel carry the chair.
		must(t, chair.Send(sfu.ClientMessage{Type: sfu.TypeFloorRequest, Language: "fr"}))
		req := event(t, chair, sfu.TypeFloorState, func(m sfu.ServerMessage) bool { return m.Floor != nil && len(m.Floor.Requests) > 0 }).Floor.Requests[0].ID
		must(t, chair.Send(sfu.ClientMessage{Type: sfu.TypeFloorGrant, Request: req}))
		waitFor(t, 15*time.Second, "the channel carries the floor", func() bool { return duo.count("audio", 'F') > 20 })
		time.Sleep(300 * time.Millisecond) // packets the second audio had in flight
		floorBase, chBase := duo.n("floor"), duo.n("audio")
		waitFor(t, 15*time.Second, "more of the channel", func() bool { return duo.n("audio") > chBase+30 })
		if got := duo.since("floor", floorBase); len(got) != 0 {
			t.Errorf("the second audio carried %d packets in passthrough (the floor twice)", len(got))
		}
		for _, tag := range duo.since("audio", chBase) {
			if tag != 'F' {
				t.Fatalf("the channel carried %c in passthrough", tag)
			}
		}
	})
}

// A player that offers two videos with ?sign=sgn (the live page) gets the
// sign interpreter's channel on the second once she is live, her own
// camera never, and the first video is still the room's; a sign language
// that is not one, or a malformed one, is refused with 400.
func TestWHEPSignLanguageOnASecondVideo(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newInterpFixture(t, db)
		room, chair := f.room.Slug, f.chair
		cp, err := chair.PublishSynthetic(t.Context(), sfuclient.Synthetic{Video: true, Bitrates: [3]int{0, 0, 200_000}, FPS: 25, GOP: time.Second,
			VideoTag: 'C', Audio: true, AudioLevel: 30, AudioTag: 'F'})
		must(t, err)
		t.Cleanup(cp.Stop)
		sara := f.member("sara", sfu.RoleInterpreter, "sgn")
		sp, err := sara.PublishSynthetic(t.Context(), sfuclient.Synthetic{Video: true, Bitrates: [3]int{0, 0, 200_000}, FPS: 25, GOP: 30 * time.Second, VideoTag: 'S'})
		must(t, err)
		t.Cleanup(sp.Stop)
		waitFor(t, 10*time.Second, "the room to go live", func() bool { return f.srv.Live(room) })

		for _, q := range []string{"?sign=fr", "?sign=s%20g", "?sign=" + strings.Repeat("a", 40)} {
			pc := newPC(t, webrtc.MimeTypeVP8)
			for range 2 {
				_, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly})
				must(t, err)
			}
			if p, res, _ := f.post(pc, "/whep/"+room+q); p != nil || res.StatusCode != 400 {
				t.Errorf("WHEP %s: %d, want 400", q, res.StatusCode)
			}
		}

		pc := newPC(t, webrtc.MimeTypeVP8)
		for _, k := range []webrtc.RTPCodecType{webrtc.RTPCodecTypeVideo, webrtc.RTPCodecTypeAudio, webrtc.RTPCodecTypeVideo} {
			_, err := pc.AddTransceiverFromKind(k, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly})
			must(t, err)
		}
		var mu sync.Mutex
		tags := map[string][]byte{}
		pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
			for {
				p, _, err := tr.ReadRTP()
				if err != nil {
					return
				}
				if tr.Kind() == webrtc.RTPCodecTypeVideo && len(p.Payload) > 8 {
					mu.Lock()
					tags[tr.ID()] = append(tags[tr.ID()], p.Payload[len(p.Payload)-1])
					mu.Unlock()
				}
			}
		})
		if p, res, body := f.post(pc, "/whep/"+room+"?sign=sgn"); p == nil {
			t.Fatalf("WHEP: %d %s", res.StatusCode, body)
		}
		count := func(id string, tag byte) int {
			mu.Lock()
			defer mu.Unlock()
			n := 0
			for _, x := range tags[id] {
				if x == tag {
					n++
				}
			}
			return n
		}
		waitFor(t, 15*time.Second, "the speaker's video", func() bool { return count("video", 'C') > 30 })
		if n := count("sign", 'S') + count("video", 'S'); n != 0 {
			t.Fatalf("%d packets of the sign interpreter before she is live", n)
		}
		// With the chair's camera off, the programme video is nobody's:
		// never the sign interpreter's own camera.
		must(t, chair.Send(sfu.ClientMessage{Type: sfu.TypeMuteSelf, Source: sfu.SourceCamera, Muted: true}))
		time.Sleep(time.Second)
		if n := count("video", 'S'); n != 0 {
			t.Fatalf("the programme video showed the sign interpreter's own camera (%d packets)", n)
		}
		must(t, chair.Send(sfu.ClientMessage{Type: sfu.TypeMuteSelf, Source: sfu.SourceCamera, Muted: false}))
		must(t, sara.Send(sfu.ClientMessage{Type: sfu.TypeInterpLive, On: true}))
		waitFor(t, 15*time.Second, "the sign channel", func() bool { return count("sign", 'S') > 30 })
		if n := count("video", 'S') + count("sign", 'C'); n != 0 {
			t.Errorf("%d packets on the wrong video", n)
		}
	})
}
