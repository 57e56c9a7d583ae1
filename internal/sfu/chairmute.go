package sfu

import (
	"context"
	"slices"

	"github.com/pion/webrtc/v4"
)

// ChairMute is a moderator's mute of one of a participant's sources. While
// it stands the participant cannot unmute that source; only another
// moderator's allow_unmute lifts it, and unmuting is then the
// participant's own choice.
type ChairMute struct {
	Source Source `json:"source"`
	// By is the display name of the moderator who muted.
	By string `json:"by"`
}

// chairMutesLocked lists identity's standing chair mutes, in source order.
// r.mu must be held.
func (r *Room) chairMutesLocked(identity string) []ChairMute {
	ms := r.chairMutes[identity]
	if len(ms) == 0 {
		return nil
	}
	out := make([]ChairMute, 0, len(ms))
	for s, by := range ms {
		out = append(out, ChairMute{Source: s, By: by})
	}
	slices.SortFunc(out, func(a, b ChairMute) int { return compareIDs(string(a.Source), string(b.Source)) })
	return out
}

// chairMutedLocked reports whether a moderator's mute of identity's source
// stands. r.mu must be held.
func (r *Room) chairMutedLocked(identity string, source Source) bool {
	_, ok := r.chairMutes[identity][source]
	return ok
}

// chairMute records that actor muted target's source and stops forwarding
// it. The mute is kept by identity, so a reload or a reconnect does not
// lift it, and a track target publishes later of that source starts muted.
func (r *Room) chairMute(actor, target *Participant, source Source) {
	r.mu.Lock()
	if r.chairMutes == nil {
		r.chairMutes = map[string]map[Source]string{}
	}
	ms := r.chairMutes[target.claims.Identity]
	if ms == nil {
		ms = map[Source]string{}
		r.chairMutes[target.claims.Identity] = ms
	}
	ms[source] = actor.claims.Name
	r.mu.Unlock()
	// The flag is set before the tracks are muted: a track published
	// meanwhile is either muted here or sees the flag in onTrack.
	target.muteTrack(source, true, true)
	r.participantChanged(target)
}

// allowUnmute lifts a moderator's mute of target's source. The tracks stay
// muted until target unmutes them itself. It reports whether a mute stood.
func (r *Room) allowUnmute(target *Participant, source Source) bool {
	r.mu.Lock()
	ms := r.chairMutes[target.claims.Identity]
	_, ok := ms[source]
	delete(ms, source)
	if len(ms) == 0 {
		delete(r.chairMutes, target.claims.Identity)
	}
	r.mu.Unlock()
	if ok {
		r.participantChanged(target)
	}
	return ok
}

// startMutedIfChairMuted mutes a freshly published track whose source a
// moderator muted, before anyone receives it.
func (p *Participant) startMutedIfChairMuted(u *upTrack) {
	p.room.mu.Lock()
	if p.room.chairMutedLocked(p.claims.Identity, Source(u.Source())) {
		u.SetMuted(true)
	}
	p.room.mu.Unlock()
}

// unmuteSelf resumes forwarding p's tracks of source at p's own request.
// It is refused, and nothing changes, while a moderator's mute of that
// source stands. The check and the change happen under the room lock, so
// that a moderator's mute racing with it always wins.
func (p *Participant) unmuteSelf(source Source) error {
	p.pubMu.Lock()
	var us []*upTrack
	for _, u := range p.uplink {
		if Source(u.Source()) == source {
			us = append(us, u)
		}
	}
	p.pubMu.Unlock()
	r := p.room
	r.mu.Lock()
	if by, ok := r.chairMutes[p.claims.Identity][source]; ok {
		r.mu.Unlock()
		return protoErr(CodeMutedByChair, "%s muted your %s; a moderator must allow you to unmute", by, source)
	}
	allowed := p.perms.CanPublish(source)
	for _, u := range us {
		u.SetSelfMuted(false)
		if allowed {
			u.SetMuted(false)
		}
	}
	r.mu.Unlock()
	for _, u := range us {
		if allowed && u.Kind() == webrtc.RTPCodecTypeVideo {
			u.RequestKeyframes()
		}
		r.trackChanged(u)
	}
	return nil
}

// moderateMute runs a moderator's mute or allow_unmute of target. A
// moderator cannot lift a mute of its own: with two roles on one person
// (a delegate who also moderates), the mute would otherwise mean nothing.
func (p *Participant) moderateMute(ctx context.Context, m ClientMessage, target *Participant) {
	r := p.room
	if target.claims.Identity == p.claims.Identity {
		p.send(errorMessage(protoErr(CodeForbidden, "another moderator must %s you", m.Type)))
		return
	}
	switch m.Type {
	case TypeMute:
		r.chairMute(p, target, m.Source)
		r.audit(ctx, p, "mute", target, string(m.Source))
	case TypeAllowUnmute:
		if r.allowUnmute(target, m.Source) {
			r.audit(ctx, p, "allow_unmute", target, string(m.Source))
		}
	}
}
