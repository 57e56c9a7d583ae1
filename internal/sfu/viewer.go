package sfu

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/mofa-vn/chancery/internal/sfu/media"
)

// chooseInterval is how often a viewer looks again at who speaks.
const chooseInterval = 250 * time.Millisecond

// ViewParams describe one WHEP viewer to View.
type ViewParams struct {
	// Room is the room's slug.
	Room string
	// Offer is the viewer's SDP offer.
	Offer string
	// Lang is the language the viewer wants to hear: the room's language
	// channel for it (the booth's live interpreter, or the floor in
	// passthrough) while the channel has a source; "", a language without
	// a booth in the room, or a booth with nobody live is the floor.
	//
	// An offer with two audio m-sections (and Lang set) receives the
	// channel on the first and the floor on the second while the channel
	// carries an interpreter, so that the player mixes the floor in at the
	// room's ducking level (Viewer.Ducking), as the room client does; a
	// plain WHEP player, offering one audio, gets the channel alone.
	Lang string
	// Sign is the sign language the viewer wants to see: an offer with two
	// video m-sections receives the speaker on the first and the room's
	// sign-language channel of Sign on the second, while it has a source.
	Sign string
}

// Viewer is one receive-only broadcast session (WHEP): it receives one
// video, the active speaker's camera or the room's programme feed, and
// one audio, its language's channel or the floor, each switched on one
// sender as speakers change, without renegotiation.
type Viewer struct {
	s     *Server
	id    string
	room  string
	lang  string
	log   *slog.Logger
	pc    *webrtc.PeerConnection
	sub   *media.Subscriber
	video *switchTrack
	audio *switchTrack
	// floor is the second audio, the floor under the channel (nil: the
	// viewer offered one audio).
	floor *switchTrack
	// sign is the second video, the sign-language channel (nil: not asked
	// for); signLang its language.
	sign     *switchTrack
	signLang string
	ctx      context.Context
	cancel   context.CancelFunc
	done     chan struct{}
	wg       sync.WaitGroup
	// realloc asks the run loop to allocate again (after a probe), so that
	// allocations never run at once.
	realloc chan struct{}
}

// View answers a viewer's offer for a room that is live. The viewer ends
// with Close, when its connection fails, or when the server closes.
func (s *Server) View(ctx context.Context, p ViewParams) (*Viewer, string, error) {
	if !s.Live(p.Room) {
		return nil, "", ErrNotLive
	}
	id := s.newID("v")
	vctx, cancel := context.WithCancel(context.Background())
	v := &Viewer{s: s, id: id, room: p.Room, lang: p.Lang, log: s.log.With("room", p.Room, "viewer", id),
		ctx: vctx, cancel: cancel, done: make(chan struct{}), realloc: make(chan struct{}, 1)}
	v.sub = media.NewSubscriber(media.SubscriberParams{Counters: &s.counters, Log: v.log, Go: v.wg.Go, Reallocate: func() {
		select {
		case v.realloc <- struct{}{}:
		default:
		}
	}})
	pc, err := s.t.newPeerConnectionWith(s.ICEServers(), v.sub.Interceptor(), true)
	if err != nil {
		cancel()
		return nil, "", err
	}
	v.pc = pc
	v.video = &switchTrack{kind: webrtc.RTPCodecTypeVideo, id: "video", stream: "broadcast"}
	v.audio = &switchTrack{kind: webrtc.RTPCodecTypeAudio, id: "audio", stream: "broadcast"}
	tracks := []*switchTrack{v.audio, v.video}
	if p.Lang != "" && !IsSignLanguage(p.Lang) && sections(p.Offer, "audio") >= 2 {
		v.floor = &switchTrack{kind: webrtc.RTPCodecTypeAudio, id: "floor", stream: "broadcast"}
		tracks = []*switchTrack{v.audio, v.floor, v.video} // pion gives the offer's audio sections these in order
	}
	if p.Sign != "" && IsSignLanguage(p.Sign) && sections(p.Offer, "video") >= 2 {
		v.sign, v.signLang = &switchTrack{kind: webrtc.RTPCodecTypeVideo, id: "sign", stream: "broadcast"}, strings.ToLower(p.Sign)
		tracks = append(tracks, v.sign) // after the speaker's video: the second video section
	}
	for _, t := range tracks {
		tr, err := pc.AddTransceiverFromTrack(t, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
		if err != nil {
			_ = pc.Close()
			cancel()
			return nil, "", fmt.Errorf("sfu: viewer track: %w", err)
		}
		t.sender = tr.Sender()
	}
	ans, err := answer(ctx, pc, p.Offer)
	if err != nil {
		_ = pc.Close()
		cancel()
		return nil, "", err
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = pc.Close()
		cancel()
		return nil, "", ErrClosed
	}
	s.wg.Add(1)
	s.mu.Unlock()
	s.bc.add(v, nil)
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		if st == webrtc.PeerConnectionStateFailed || st == webrtc.PeerConnectionStateClosed {
			v.log.Debug("viewer connection ended", "state", st.String())
			v.cancel()
		}
	})
	for _, t := range tracks {
		v.wg.Go(func() { t.rtcpLoop() })
	}
	go v.run()
	return v, ans, nil
}

// ID names the viewer.
func (v *Viewer) ID() string { return v.id }

// Done is closed once the viewer has ended.
func (v *Viewer) Done() <-chan struct{} { return v.done }

// Close ends the viewer and waits until it has.
func (v *Viewer) Close() {
	v.cancel()
	<-v.done
}

// AddCandidate implements Session.
func (v *Viewer) AddCandidate(c webrtc.ICECandidateInit) error { return addCandidate(v.pc, c) }

// Restart implements Session.
func (v *Viewer) Restart(ctx context.Context, ufrag, pwd string) (string, error) {
	return restartICE(ctx, v.pc, ufrag, pwd)
}

var _ Session = (*Viewer)(nil)

func (v *Viewer) run() {
	defer v.s.wg.Done()
	defer close(v.done)
	defer v.s.bc.remove(v, nil)
	tick := time.NewTicker(chooseInterval)
	defer tick.Stop()
	n := 0
	v.choose()
	for {
		select {
		case <-v.ctx.Done():
			_ = v.pc.Close()
			v.wg.Wait()
			v.video.set(nil)
			v.audio.set(nil)
			if v.floor != nil {
				v.floor.set(nil)
			}
			if v.sign != nil {
				v.sign.set(nil)
			}
			return
		case <-v.realloc:
			v.allocate()
		case <-tick.C:
			v.choose()
			n++
			if n%int(allocateInterval/chooseInterval) == 0 {
				v.allocate()
			}
		}
	}
}

// allocate fits the video's simulcast layer to the viewer's bandwidth
// estimate.
func (v *Viewer) allocate() {
	downs := map[string]*media.DownTrack{}
	for _, t := range []*switchTrack{v.video, v.sign} {
		if t == nil {
			continue
		}
		if d := t.current(); d != nil {
			downs[d.ID()] = d
		}
	}
	if len(downs) > 0 {
		v.sub.Allocate(v.ctx, downs)
	}
}

// choose switches the viewer's tracks to what it should receive now.
func (v *Viewer) choose() {
	v.s.mu.Lock()
	r := v.s.rooms[v.room]
	v.s.mu.Unlock()
	if r == nil {
		v.video.set(nil)
		v.audio.set(nil)
		if v.floor != nil {
			v.floor.set(nil)
		}
		if v.sign != nil {
			v.sign.set(nil)
		}
		return
	}
	prog := v.s.bc.programmeOf(v.room)
	r.mu.Lock()
	video := pickVideo(r.programmeTracksLocked(), r.speakers, prog, v.video.up())
	audio := r.channelLocked(v.lang)
	var floor *upTrack
	if audio == nil {
		audio = pickAudio(r.tracks, r.speakers, prog, v.audio.up())
	} else if v.floor != nil && !r.in.booths[strings.ToLower(v.lang)].pass {
		// Under an interpreter the floor goes on the second audio; in
		// passthrough the channel is the floor, at full level.
		floor = pickAudio(r.tracks, r.speakers, prog, v.floor.up())
	}
	var sign *upTrack
	if b := r.in.booths[v.signLang]; v.sign != nil && b != nil && b.ch.Video() && b.ch.Source() != nil {
		sign = b.ch.Track()
	}
	r.mu.Unlock()
	v.video.set(video)
	v.audio.set(audio)
	if v.floor != nil {
		v.floor.set(floor)
	}
	if v.sign != nil {
		v.sign.set(sign)
	}
}

// Ducking is the level, in percent, at which the room plays the floor
// under an interpretation channel (the chair's setting, else
// DefaultDucking).
func (v *Viewer) Ducking() int {
	v.s.mu.Lock()
	r := v.s.rooms[v.room]
	v.s.mu.Unlock()
	if r == nil {
		return DefaultDucking
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.interpLocked().ducking
}

// Floor tells whether the viewer receives the floor on a second audio.
func (v *Viewer) Floor() bool { return v.floor != nil }

// sections counts the m-sections of kind (audio, video) of an SDP offer.
func sections(sdp, kind string) int {
	n := 0
	for line := range strings.Lines(sdp) {
		if strings.HasPrefix(line, "m="+kind+" ") {
			n++
		}
	}
	return n
}

func playing(u *upTrack) bool { return !u.Muted() && !u.Gated() && !u.SelfMuted() }

// pickVideo is the programme feed's video, else the camera of the loudest
// speaker who has one, else the current video while it plays, else a
// shared screen, else any camera.
func pickVideo(tracks map[string]*upTrack, speakers []string, prog string, cur *upTrack) *upTrack {
	find := func(owner string, src media.Source) *upTrack {
		var best *upTrack
		for _, u := range tracks {
			if u.Kind() == webrtc.RTPCodecTypeVideo && (owner == "" || u.Owner() == owner) && (src == "" || u.Source() == src) && playing(u) {
				if best == nil || compareIDs(u.ID(), best.ID()) < 0 {
					best = u
				}
			}
		}
		return best
	}
	if prog != "" {
		if u := find(prog, ""); u != nil {
			return u
		}
	}
	for _, sp := range speakers {
		if u := find(sp, media.SourceCamera); u != nil {
			return u
		}
	}
	if cur != nil && tracks[cur.ID()] == cur && playing(cur) {
		return cur
	}
	if u := find("", media.SourceScreen); u != nil {
		return u
	}
	return find("", "")
}

// programmeTracksLocked are the room's tracks a viewer's video may show:
// all but sign interpreters' cameras, which viewers see through the sign
// channel when they ask for it. r.mu must be held.
func (r *Room) programmeTracksLocked() map[string]*upTrack {
	signing := false
	for _, p := range r.members {
		if IsSignLanguage(boothOf(p)) {
			signing = true
		}
	}
	if !signing {
		return r.tracks
	}
	out := make(map[string]*upTrack, len(r.tracks))
	for id, u := range r.tracks {
		if o := r.members[u.Owner()]; u.Source() == media.SourceCamera && o != nil && IsSignLanguage(boothOf(o)) {
			continue
		}
		out[id] = u
	}
	return out
}

// channelLocked is the outgoing track of the room's language channel for
// lang while the channel has a source (its live interpreter, or the floor
// in passthrough), else nil. The track stays the same whoever the source
// is, so a viewer on it keeps one stream across handovers and coughs; an
// interpreter's own track never reaches a viewer. r.mu must be held.
func (r *Room) channelLocked(lang string) *upTrack {
	if lang == "" {
		return nil
	}
	b := r.in.booths[strings.ToLower(lang)]
	if b == nil || b.ch.Video() || b.ch.Source() == nil {
		return nil // a sign language's channel is no sound: the viewer hears the floor
	}
	return b.ch.Track()
}

// pickAudio is the programme feed's sound, else the floor: the current microphone while its
// speaker is still among the active ones (so that cross-talk does not
// flip the sound back and forth), else the loudest speaker's, else any
// microphone heard.
func pickAudio(tracks map[string]*upTrack, speakers []string, prog string, cur *upTrack) *upTrack {
	find := func(match func(u *upTrack) bool) *upTrack {
		var best *upTrack
		for _, u := range tracks {
			if u.Kind() == webrtc.RTPCodecTypeAudio && playing(u) && match(u) {
				if best == nil || compareIDs(u.ID(), best.ID()) < 0 {
					best = u
				}
			}
		}
		return best
	}
	if prog != "" {
		if u := find(func(u *upTrack) bool { return u.Owner() == prog }); u != nil {
			return u
		}
	}
	mic := func(owner string) func(u *upTrack) bool {
		return func(u *upTrack) bool {
			return u.Source() == media.SourceMicrophone && (owner == "" || u.Owner() == owner)
		}
	}
	if cur != nil && tracks[cur.ID()] == cur && playing(cur) && cur.Source() == media.SourceMicrophone {
		for _, sp := range speakers {
			if sp == cur.Owner() {
				return cur
			}
		}
	}
	for _, sp := range speakers {
		if u := find(mic(sp)); u != nil {
			return u
		}
	}
	if cur != nil && tracks[cur.ID()] == cur && playing(cur) && cur.Source() == media.SourceMicrophone {
		return cur
	}
	return find(mic(""))
}
