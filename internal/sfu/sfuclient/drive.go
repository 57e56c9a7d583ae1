package sfuclient

import "github.com/pion/rtp"

// RTPWriter is where synthetic media is written: a pion local track, or a
// track another SFU's client has negotiated (bench/ publishes to LiveKit
// with Drive, so that both servers receive the same packets).
type RTPWriter interface {
	WriteRTP(*rtp.Packet) error
}

// Drive sends s's media, exactly as PublishSynthetic does, on tracks
// negotiated by someone else: video holds the layers lowest first (one
// track without s.Simulcast), audio the microphone (nil without s.Audio),
// audioLevelExt the negotiated id of the audio level header extension (0:
// none). The caller tags simulcast packets with their mid and rid itself
// if its SFU needs it, and calls RequestKeyframe on a PLI or FIR. Stop ends
// it.
func Drive(s Synthetic, video []RTPWriter, audio RTPWriter, audioLevelExt uint8) *Publisher {
	p := &Publisher{stop: make(chan struct{})}
	p.level.Store(uint32(s.AudioLevel))
	rids := []string{"q", "h", "f"}
	if s.Video {
		for i, t := range video {
			rate, rid := s.Bitrates[i], rids[i]
			if !s.Simulcast {
				rate, rid = s.Bitrates[2], ""
			}
			p.wg.Go(func() { p.sendVideo(t, rid, i, rate, s.FPS, s.GOP, tagger{}, 0) })
		}
	}
	if s.Audio && audio != nil {
		p.wg.Go(func() { p.sendAudio(audio, audioLevelExt, s.AudioTag) })
	}
	return p
}

// RequestKeyframe makes the next frame of a video layer (0 lowest) a
// keyframe, as a PLI does on a connection of PublishSynthetic.
func (p *Publisher) RequestKeyframe(layer int) {
	if layer >= 0 && layer < len(p.kf) {
		p.kf[layer].Store(true)
		p.PLIs.Add(1)
	}
}

// Publishers are the generators of a load.
type Publishers []*Publisher

// Sent is the packets all of them have sent so far.
func (ps Publishers) Sent() (n uint64) {
	for _, p := range ps {
		n += p.Sent.Load()
	}
	return n
}

// Stop stops all of them.
func (ps Publishers) Stop() {
	for _, p := range ps {
		p.Stop()
	}
}
