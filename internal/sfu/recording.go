package sfu

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/sfu/media"
)

// Recorder records one room: the server hands it each track published
// while it records (and those already published when it starts), and the
// changes of active speakers. Package recording implements it; the sfu
// knows no file.
type Recorder interface {
	// AddTrack returns the sink that writes t's packets (nil: t is not
	// recorded, a codec it cannot write for example).
	AddTrack(t RecordedTrack) media.TrackSink
	// RemoveTrack tells that the track ended.
	RemoveTrack(id string)
	// Speakers tells the room's active speakers (participant ids, loudest
	// first) each time they change.
	Speakers(ids []string)
	// Floor tells who holds the floor from now, from the speakers' list:
	// a turn in progress (its speaker and language), or nobody (the zero
	// FloorTurn).
	Floor(t FloorTurn)
}

// FloorTurn is the turn in progress of the speakers' list, as a Recorder
// is told it; the zero FloorTurn is a floor nobody speaks from.
type FloorTurn struct {
	Request                    int64
	Identity, Name, Delegation string
	Participant                string // the session's id, while in the room
	Kind                       FloorKind
	Language                   string
}

// RecordedTrack describes a track to a Recorder.
type RecordedTrack struct {
	ID, Participant, Identity, Name, Delegation string
	Kind, Source, Language                      string
	MimeType                                    string
	ClockRate                                   uint32
	Channels                                    uint16
}

type recording struct {
	rec     Recorder
	removes map[string]func() // track id → detach
}

// StartRecording makes rec record the room slug from now: the tracks
// published in it and its active speakers. A room already recorded is
// refused with fault.ErrConflict.
func (s *Server) StartRecording(slug string, rec Recorder) error {
	s.recsMu.Lock()
	if s.recordings == nil {
		s.recordings = map[string]*recording{}
	}
	if s.recordings[slug] != nil {
		s.recsMu.Unlock()
		return fault.New(fault.ErrConflict, "recording_error_already", "room", slug)
	}
	rg := &recording{rec: rec, removes: map[string]func(){}}
	s.recordings[slug] = rg
	s.recsMu.Unlock()
	s.mu.Lock()
	r := s.rooms[slug]
	s.mu.Unlock()
	if r != nil {
		r.mu.Lock()
		var us []*upTrack
		for _, u := range r.tracks {
			us = append(us, u)
		}
		r.mu.Unlock()
		for _, u := range us {
			r.recordTrack(u)
		}
		r.recordChannels()
		r.floor.mu.Lock()
		r.recordFloorLocked()
		r.floor.mu.Unlock()
	}
	s.announceRecording(slug, true, "")
	return nil
}

// StopRecording detaches the room's recorder from every track and returns
// it (nil if the room was not recorded), and tells the room why it stopped
// (reason: "" when asked, "low_disk"). The caller closes the files.
func (s *Server) StopRecording(slug, reason string) Recorder {
	s.recsMu.Lock()
	rg := s.recordings[slug]
	delete(s.recordings, slug)
	s.recsMu.Unlock()
	if rg == nil {
		return nil
	}
	s.recMu.Lock()
	for id, rm := range rg.removes {
		rm()
		delete(rg.removes, id)
	}
	s.recMu.Unlock()
	s.announceRecording(slug, false, reason)
	return rg.rec
}

// Recording tells whether the room slug is being recorded.
func (s *Server) Recording(slug string) bool {
	s.recsMu.Lock()
	defer s.recsMu.Unlock()
	return s.recordings[slug] != nil
}

func (s *Server) recordingOf(slug string) *recording {
	s.recsMu.Lock()
	defer s.recsMu.Unlock()
	return s.recordings[slug]
}

// recordTrack attaches the room's recorder, if any, to u. An
// interpreter's own track is not recorded: its booth's channel is
// (recordChannels), which carries what the listeners heard.
func (r *Room) recordTrack(u *upTrack) {
	rg := r.s.recordingOf(r.slug)
	if rg == nil || u.Source() == media.SourceInterpretation {
		return
	}
	t := RecordedTrack{ID: u.ID(), Participant: u.Owner(), Kind: u.Kind().String(), Source: string(Source(u.Source())), Language: u.Language()}
	c := u.Codec()
	t.MimeType, t.ClockRate, t.Channels = c.MimeType, c.ClockRate, c.Channels
	r.mu.Lock()
	if p := r.members[u.Owner()]; p != nil {
		t.Identity, t.Name, t.Delegation = p.claims.Identity, p.claims.Name, p.claims.Delegation
	}
	r.mu.Unlock()
	r.s.recMu.Lock()
	defer r.s.recMu.Unlock()
	if r.s.recordingOf(r.slug) != rg || rg.removes[u.ID()] != nil {
		return // stopped meanwhile, or already attached
	}
	if sink := rg.rec.AddTrack(t); sink != nil {
		rg.removes[u.ID()] = u.AddSink(sink)
		if u.Kind() == webrtc.RTPCodecTypeVideo {
			// A video file starts at a keyframe, and browsers send one
			// only when asked: ask now, and once more after the requests'
			// rate limit, in case a keyframe asked for just before went by
			// before the sink was attached and this request was held back.
			u.RequestKeyframes()
			time.AfterFunc(time.Second, u.RequestKeyframes)
		}
	}
}

// unrecordTrack detaches the recorder from u, which ended.
func (r *Room) unrecordTrack(u *upTrack) {
	rg := r.s.recordingOf(r.slug)
	if rg == nil {
		return
	}
	r.s.recMu.Lock()
	rm := rg.removes[u.ID()]
	delete(rg.removes, u.ID())
	r.s.recMu.Unlock()
	if rm != nil {
		rm()
		rg.rec.RemoveTrack(u.ID())
	}
}

// recordChannels attaches the room's recorder, if any, to each language
// channel not yet recorded: a file per language, one continuous track
// whoever interprets into it (or the floor, in passthrough).
func (r *Room) recordChannels() {
	rg := r.s.recordingOf(r.slug)
	if rg == nil {
		return
	}
	r.mu.Lock()
	chs := make([]*media.Channel, 0, len(r.in.booths))
	for _, b := range r.in.booths {
		chs = append(chs, b.ch)
	}
	r.mu.Unlock()
	r.s.recMu.Lock()
	defer r.s.recMu.Unlock()
	if r.s.recordingOf(r.slug) != rg {
		return
	}
	for _, ch := range chs {
		u := ch.Track()
		if rg.removes[u.ID()] != nil {
			continue
		}
		c := u.Codec()
		sink := rg.rec.AddTrack(RecordedTrack{ID: u.ID(), Kind: u.Kind().String(), Source: string(SourceInterpretation),
			Language: ch.Language(), MimeType: c.MimeType, ClockRate: c.ClockRate, Channels: c.Channels})
		if sink != nil {
			rg.removes[u.ID()] = ch.AddTap(func(p *rtp.Packet) { sink.WriteTrackRTP(0, p) })
		}
	}
}

// unrecordChannels ends the files of the room's channels: the room closed.
func (r *Room) unrecordChannels() {
	r.mu.Lock()
	chs := make([]*media.Channel, 0, len(r.in.booths))
	for _, b := range r.in.booths {
		chs = append(chs, b.ch)
	}
	r.mu.Unlock()
	for _, ch := range chs {
		r.unrecordTrack(ch.Track())
	}
}

// recordFloorLocked tells the recorder who holds the floor now. f.mu must
// be held.
func (r *Room) recordFloorLocked() {
	rg := r.s.recordingOf(r.slug)
	if rg == nil {
		return
	}
	var t FloorTurn
	if q := r.floor.cur; q != nil && q.State == FloorInProgress {
		t = FloorTurn{Request: q.ID, Identity: q.Identity, Name: q.Name, Delegation: q.Delegation, Kind: q.Kind, Language: q.Language}
		if p := r.present(q.Identity); p != nil {
			t.Participant = p.id
		}
	}
	rg.rec.Floor(t)
}

// recordSpeakers tells the recorder the new active speakers.
func (r *Room) recordSpeakers(ids []string) {
	if rg := r.s.recordingOf(r.slug); rg != nil {
		rg.rec.Speakers(ids)
	}
}

// RecordControl starts and stops the recording of a room (package
// recording's Manager): moderators reach it from the room, staff from the
// admin pages. actor is the identity of whoever asked.
type RecordControl interface {
	StartRecording(ctx context.Context, room, actor string) error
	StopRecording(ctx context.Context, room, actor string) error
	// Shutdown stops every recording, with the reason "shutdown", and
	// refuses new ones: the server is closing (Server.Close calls it
	// first, while the rooms can still be told).
	Shutdown()
}

// SetRecordControl lets the room's moderators start and stop recording
// through c (nil: they cannot).
func (s *Server) SetRecordControl(c RecordControl) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recordControl = c
}

// record runs a moderator's start or stop of the room's recording.
func (p *Participant) record(on bool) {
	r := p.room
	r.s.mu.Lock()
	c := r.s.recordControl
	r.s.mu.Unlock()
	if c == nil {
		p.send(errorMessage(protoErr(CodeUnavailable, "recording is not available on this server")))
		return
	}
	ctx := context.WithoutCancel(p.ctx)
	var err error
	if on {
		err = c.StartRecording(ctx, r.slug, p.claims.Identity)
	} else {
		err = c.StopRecording(ctx, r.slug, p.claims.Identity)
	}
	if err != nil {
		// A refusal the recorder words (recording_error_*) is the error's
		// code, which the client shows in the participant's language.
		code := CodeBadMessage
		if pr, ok := errors.AsType[*fault.Problem](err); ok && strings.HasPrefix(pr.Key, "recording_error_") {
			code = pr.Key
		}
		p.send(errorMessage(protoErr(code, "recording: %v", err)))
		return
	}
	action := "recording_stop"
	if on {
		action = "recording_start"
	}
	r.audit(ctx, p, action, nil, "")
}

// announceRecording tells everyone in the room slug that its recording
// started or stopped, and why when the server stopped it ("low_disk").
func (s *Server) announceRecording(slug string, on bool, reason string) {
	s.mu.Lock()
	r := s.rooms[slug]
	s.mu.Unlock()
	if r != nil {
		r.broadcast(ServerMessage{Type: TypeRecording, Recording: &on, Reason: reason})
	}
}

// recordingFlag is the welcome's recording field: set only while the room
// is recorded, so that a joiner knows at once.
func (s *Server) recordingFlag(slug string) *bool {
	if !s.Recording(slug) {
		return nil
	}
	on := true
	return &on
}
