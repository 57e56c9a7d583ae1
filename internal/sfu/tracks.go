package sfu

import (
	"github.com/mofa-vn/chancery/internal/sfu/media"
)

// trackInfo describes a published track to clients.
func trackInfo(u *media.UpTrack) TrackInfo {
	return TrackInfo{ID: u.ID(), Participant: u.Owner(), Kind: u.Kind().String(), Source: Source(u.Source()),
		Language: u.Language(), Simulcast: u.Simulcast(), Muted: u.Muted() || u.SelfMuted() || u.Gated()}
}

// allocate chooses the simulcast layer of every video p receives, on p's
// ops goroutine, which owns p.downs.
func (p *Participant) allocate() {
	if p.subscriber == nil {
		return // no subscriber connection, so nothing received
	}
	p.subscriber.Allocate(p.ctx, p.downs)
}

// upTrack and downTrack are the media plane's tracks as rooms and
// participants hold them.
type (
	upTrack   = media.UpTrack
	downTrack = media.DownTrack
)
