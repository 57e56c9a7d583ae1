package sfuclient

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/mofa-vn/chancery/internal/sfu"
)

// Synthetic describes fixed synthetic media: VP8-shaped frames (a valid
// payload descriptor and key/delta flag, random-free filler) and Opus-sized
// audio packets carrying an RFC 6464 audio level. The SFU does not decode
// media, so this exercises exactly what it does with real media.
type Synthetic struct {
	// Video publishes a camera track; with Simulcast, three layers at
	// Bitrates (bits per second, lowest first), else one at Bitrates[2].
	Video, Simulcast bool
	Bitrates         [3]int
	FPS              int
	GOP              time.Duration // keyframe interval
	// Audio publishes a microphone track of 20 ms packets at AudioLevel
	// (0 loudest, 127 silent).
	Audio      bool
	AudioLevel uint8
	// Source of the video track (camera unless set).
	Source sfu.Source
	// AudioSource and AudioLanguage describe the audio track (a
	// microphone in English unless set); AudioTag, when set, is the first
	// byte of every audio payload, so that a receiver tells publishers
	// apart in what it receives.
	AudioSource   sfu.Source
	AudioLanguage string
	AudioTag      byte
	// VideoTag, when set, is the last byte of every video payload.
	VideoTag byte
}

// DefaultSynthetic is the load tool's media: 150/500/1500 kbps simulcast at
// 30 fps, a keyframe every 3 s, and speech-level audio.
func DefaultSynthetic() Synthetic {
	return Synthetic{Video: true, Simulcast: true, Bitrates: [3]int{150_000, 500_000, 1_500_000}, FPS: 30, GOP: 3 * time.Second, Audio: true, AudioLevel: 30}
}

// Publisher sends synthetic media until stopped.
type Publisher struct {
	stop  chan struct{}
	wg    sync.WaitGroup
	kf    [3]atomic.Bool
	Sent  atomic.Uint64 // packets
	Bytes atomic.Uint64
	level atomic.Uint32
	// Video and Audio are the local tracks (nil when not published).
	Video []*webrtc.TrackLocalStaticRTP
	Audio *webrtc.TrackLocalStaticRTP
	// PLIs counts keyframe requests received.
	PLIs atomic.Uint64
}

// SetAudioLevel changes the level written in audio packets.
func (p *Publisher) SetAudioLevel(l uint8) { p.level.Store(uint32(l)) }

// Stop ends sending and waits for the senders.
func (p *Publisher) Stop() {
	select {
	case <-p.stop:
	default:
		close(p.stop)
	}
	p.wg.Wait()
}

// PublishSynthetic adds the tracks of s to the publishing connection,
// negotiates and starts sending.
func (c *Client) PublishSynthetic(ctx context.Context, s Synthetic) (*Publisher, error) {
	p := &Publisher{stop: make(chan struct{})}
	p.level.Store(uint32(s.AudioLevel))
	var specs []sfu.TrackSpec
	var vsender, asender *webrtc.RTPSender
	rids := []string{"q", "h", "f"}
	if s.Source == "" {
		s.Source = sfu.SourceCamera
	}
	if s.Video {
		id := fmt.Sprintf("video-%p", p)
		vp8 := webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}
		if s.Simulcast {
			for _, rid := range rids {
				t, err := webrtc.NewTrackLocalStaticRTP(vp8, id, "stream", webrtc.WithRTPStreamID(rid))
				if err != nil {
					return nil, err
				}
				p.Video = append(p.Video, t)
			}
			var err error
			if vsender, err = c.Pub.AddTrack(p.Video[0]); err != nil {
				return nil, fmt.Errorf("sfuclient: add video: %w", err)
			}
			for _, t := range p.Video[1:] {
				if err := vsender.AddEncoding(t); err != nil {
					return nil, fmt.Errorf("sfuclient: add encoding: %w", err)
				}
			}
		} else {
			t, err := webrtc.NewTrackLocalStaticRTP(vp8, id, "stream")
			if err != nil {
				return nil, err
			}
			p.Video = []*webrtc.TrackLocalStaticRTP{t}
			if vsender, err = c.Pub.AddTrack(t); err != nil {
				return nil, fmt.Errorf("sfuclient: add video: %w", err)
			}
		}
		specs = append(specs, sfu.TrackSpec{ID: id, Source: s.Source})
	}
	if s.Audio {
		id := fmt.Sprintf("audio-%p", p)
		t, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, id, "stream")
		if err != nil {
			return nil, err
		}
		p.Audio = t
		if asender, err = c.Pub.AddTrack(t); err != nil {
			return nil, fmt.Errorf("sfuclient: add audio: %w", err)
		}
		src, lang := s.AudioSource, s.AudioLanguage
		if src == "" {
			src = sfu.SourceMicrophone
		}
		if lang == "" {
			lang = "en"
		}
		specs = append(specs, sfu.TrackSpec{ID: id, Source: src, Language: lang})
	}
	if err := c.Negotiate(ctx, specs, false); err != nil {
		return nil, err
	}
	if vsender != nil {
		if s.Simulcast {
			for i, rid := range rids {
				go p.readRTCP(func() ([]rtcp.Packet, error) { pk, _, err := vsender.ReadSimulcastRTCP(rid); return pk, err }, i)
			}
		} else {
			go p.readRTCP(func() ([]rtcp.Packet, error) { pk, _, err := vsender.ReadRTCP(); return pk, err }, 0)
		}
		// pion does not tag simulcast packets itself: write the mid and
		// rid header extensions (RFC 8852) that the SFU demuxes on.
		var tags tagger
		if s.Simulcast {
			for _, tr := range c.Pub.GetTransceivers() {
				if tr.Sender() == vsender {
					tags.mid = tr.Mid()
				}
			}
			for _, h := range vsender.GetParameters().HeaderExtensions {
				switch h.URI {
				case sdp.SDESMidURI:
					tags.midID = uint8(h.ID)
				case sdp.SDESRTPStreamIDURI:
					tags.ridID = uint8(h.ID)
				}
			}
		}
		for i, t := range p.Video {
			rate := s.Bitrates[i]
			if !s.Simulcast {
				rate = s.Bitrates[2]
			}
			p.wg.Go(func() { p.sendVideo(t, t.RID(), i, rate, s.FPS, s.GOP, tags, s.VideoTag) })
		}
	}
	if asender != nil {
		go p.readRTCP(func() ([]rtcp.Packet, error) { pk, _, err := asender.ReadRTCP(); return pk, err }, -1)
		var extID uint8
		for _, h := range asender.GetParameters().HeaderExtensions {
			if h.URI == sdp.AudioLevelURI {
				extID = uint8(h.ID)
			}
		}
		p.wg.Go(func() { p.sendAudio(p.Audio, extID, s.AudioTag) })
	}
	return p, nil
}

// readRTCP counts keyframe requests until the connection closes (the
// goroutine ends with the client's PeerConnection, not with Stop).
func (p *Publisher) readRTCP(read func() ([]rtcp.Packet, error), layer int) {
	for {
		pkts, err := read()
		if err != nil {
			return
		}
		for _, pk := range pkts {
			switch pk.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				if layer >= 0 {
					p.kf[layer].Store(true)
					p.PLIs.Add(1)
				}
			}
		}
	}
}

const maxPayload = 1100

// vp8Desc is the length of the VP8 payload descriptor the publisher sends.
const vp8Desc = 6

type tagger struct {
	mid          string
	midID, ridID uint8
}

func (g tagger) tag(h *rtp.Header, rid string) {
	if g.midID != 0 && g.ridID != 0 && rid != "" {
		_ = h.SetExtension(g.midID, []byte(g.mid))
		_ = h.SetExtension(g.ridID, []byte(rid))
	}
}

func (p *Publisher) sendVideo(t RTPWriter, rid string, layer, bitrate, fps int, gop time.Duration, tags tagger, tag byte) {
	if fps <= 0 {
		fps = 30
	}
	frameBytes := bitrate / 8 / fps
	tick := time.NewTicker(time.Second / time.Duration(fps))
	defer tick.Stop()
	var seq uint16
	var ts uint32
	lastKF := time.Time{}
	buf := make([]byte, maxPayload+vp8Desc)
	// Each layer numbers its pictures from its own start, as browsers do.
	pic := uint16(layer*11_000+32_700) & 0x7fff
	tl0 := byte(layer*80 + 250)
	for {
		select {
		case <-p.stop:
			return
		case now := <-tick.C:
			key := p.kf[layer].Swap(false) || now.Sub(lastKF) >= gop
			size := frameBytes
			if key {
				lastKF = now
				size *= 3
			}
			first := true
			for size > 0 {
				n := min(size, maxPayload)
				size -= n
				// The descriptor browsers send (RFC 7741 §4.2): X, then
				// I (15-bit picture ID), L (TL0PICIDX) and T (TID byte);
				// every frame is in temporal layer 0.
				buf[0] = 0x80
				if first {
					buf[0] |= 0x10 // S: start of a VP8 partition, PID 0
				}
				buf[1] = 0xe0
				buf[2] = 0x80 | byte(pic>>8)&0x7f
				buf[3] = byte(pic)
				buf[4] = tl0
				buf[5] = 0x00
				buf[vp8Desc] = 0x01 // P = 1: delta frame
				if key {
					buf[vp8Desc] = 0x00
				}
				if !first {
					buf[vp8Desc] = 0xff
				}
				if tag != 0 && n > 1 {
					buf[vp8Desc+n-1] = tag
				}
				first = false
				seq++
				pkt := rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: ts, Marker: size == 0}, Payload: buf[:n+vp8Desc]}
				tags.tag(&pkt.Header, rid)
				if err := t.WriteRTP(&pkt); err != nil {
					return
				}
				p.Sent.Add(1)
				p.Bytes.Add(uint64(n + 12))
			}
			ts += uint32(90000 / fps)
			pic = (pic + 1) & 0x7fff
			tl0++
		}
	}
}

func (p *Publisher) sendAudio(t RTPWriter, extID uint8, tag byte) {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	var seq uint16
	var ts uint32
	payload := make([]byte, 80)
	payload[0] = tag
	for {
		select {
		case <-p.stop:
			return
		case <-tick.C:
			seq++
			ts += 960
			pkt := rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: ts}, Payload: payload}
			if extID != 0 {
				_ = pkt.Header.SetExtension(extID, []byte{0x80 | byte(p.level.Load())})
			}
			if err := t.WriteRTP(&pkt); err != nil {
				return
			}
			p.Sent.Add(1)
			p.Bytes.Add(uint64(len(payload) + 12))
		}
	}
}
