package sfu

import (
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
	s.mu.Lock()
	if s.recordings == nil {
		s.recordings = map[string]*recording{}
	}
	if s.recordings[slug] != nil {
		s.mu.Unlock()
		return fault.New(fault.ErrConflict, "recording_error_already", "room", slug)
	}
	rg := &recording{rec: rec, removes: map[string]func(){}}
	s.recordings[slug] = rg
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
	}
	return nil
}

// StopRecording detaches the room's recorder from every track and returns
// it (nil if the room was not recorded). The caller closes its files.
func (s *Server) StopRecording(slug string) Recorder {
	s.mu.Lock()
	rg := s.recordings[slug]
	delete(s.recordings, slug)
	s.mu.Unlock()
	if rg == nil {
		return nil
	}
	s.recMu.Lock()
	for id, rm := range rg.removes {
		rm()
		delete(rg.removes, id)
	}
	s.recMu.Unlock()
	return rg.rec
}

// Recording tells whether the room slug is being recorded.
func (s *Server) Recording(slug string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.recordings[slug] != nil
}

func (s *Server) recordingOf(slug string) *recording {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.recordings[slug]
}

// recordTrack attaches the room's recorder, if any, to u.
func (r *Room) recordTrack(u *upTrack) {
	rg := r.s.recordingOf(r.slug)
	if rg == nil {
		return
	}
	t := RecordedTrack{ID: u.ID(), Participant: u.Owner(), Kind: u.Kind().String(), Source: string(Source(u.Source())), Language: u.Language()}
	t.MimeType, t.ClockRate, t.Channels = u.Codec()
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

// recordSpeakers tells the recorder the new active speakers.
func (r *Room) recordSpeakers(ids []string) {
	if rg := r.s.recordingOf(r.slug); rg != nil {
		rg.rec.Speakers(ids)
	}
}
