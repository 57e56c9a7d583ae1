package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/store"
)

// demoLiveName is the name room members see for the demo's test signal.
const demoLiveName = "Test signal (demo)"

// demoLiveRoom is the room of the demo conference's first session (the
// one its live page shows until it ends), the public session -demo keeps
// live.
func demoLiveRoom(ctx context.Context, db *store.DB) (string, error) {
	e, err := db.GetEventBySlug(ctx, demoEventSlug)
	if err != nil {
		return "", err
	}
	ss, err := db.ListEventSessions(ctx, e.ID)
	if err != nil {
		return "", err
	}
	var first *store.EventSession
	for i := range ss {
		if s := &ss[i]; s.RoomSlug != "" && s.Status != store.SessionCancelled && (first == nil || s.StartsAt.Before(first.StartsAt)) {
			first = s
		}
	}
	if first == nil {
		return "", errors.New("the demo event has no session with a room")
	}
	return first.RoomSlug, nil
}

// startDemoLive publishes a test signal, synthetic VP8 and Opus from an
// in-process WHIP-style encoder (sfu.Server.Ingest), into the demo's
// public session, so that a newcomer sees its live page live and WHEP
// answers. The frames are well-formed RTP but carry no picture: players
// show the stream as live, dark. It is not the programme feed: a member
// who speaks in the room takes the viewers' picture. It ends with the
// SFU, or when the room closes.
func startDemoLive(ctx context.Context, db *store.DB, rooms *sfu.Server, log *slog.Logger) (string, error) {
	room, err := demoLiveRoom(ctx, db)
	if err != nil {
		return "", fmt.Errorf("demo live: %w", err)
	}
	m := &webrtc.MediaEngine{}
	for _, c := range []struct {
		p webrtc.RTPCodecParameters
		k webrtc.RTPCodecType
	}{
		{webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, PayloadType: 96}, webrtc.RTPCodecTypeVideo},
		{webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, PayloadType: 111}, webrtc.RTPCodecTypeAudio},
	} {
		if err := m.RegisterCodec(c.p, c.k); err != nil {
			return "", fmt.Errorf("demo live: %w", err)
		}
	}
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	pc, err := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(se)).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return "", fmt.Errorf("demo live: %w", err)
	}
	fail := func(err error) (string, error) {
		_ = pc.Close()
		return "", fmt.Errorf("demo live: %w", err)
	}
	vt, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "video", "test-signal")
	if err != nil {
		return fail(err)
	}
	at, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "audio", "test-signal")
	if err != nil {
		return fail(err)
	}
	for _, t := range []webrtc.TrackLocal{vt, at} {
		if _, err := pc.AddTransceiverFromTrack(t, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
			return fail(err)
		}
	}
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		return fail(err)
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(offer); err != nil {
		return fail(err)
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		return fail(ctx.Err())
	}
	in, answer, err := rooms.Ingest(ctx, sfu.IngestParams{Room: room, TokenID: "demo-test-signal", Name: demoLiveName,
		Offer: pc.LocalDescription().SDP})
	if err != nil {
		return fail(err)
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
		in.Close()
		return fail(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() { sendTestVideo(in.Done(), vt) })
	wg.Go(func() { sendTestAudio(in.Done(), at) })
	go func() {
		<-in.Done()
		wg.Wait()
		_ = pc.Close()
	}()
	log.Info("demo test signal live", "room", room)
	return room, nil
}

// sendTestVideo sends 15 VP8 key frames a second, each one packet (RFC
// 7741: S=1, partition 0, a key frame header), until the session ends.
func sendTestVideo(ended <-chan struct{}, t *webrtc.TrackLocalStaticRTP) {
	tick := time.NewTicker(time.Second / 15)
	defer tick.Stop()
	payload := []byte{0x10, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00}
	var seq uint16
	var ts uint32
	for {
		select {
		case <-ended:
			return
		case <-tick.C:
			seq++
			ts += 90000 / 15
			_ = t.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, Marker: true, SequenceNumber: seq, Timestamp: ts}, Payload: payload})
		}
	}
}

// sendTestAudio sends Opus's 20 ms silence frame until the session ends.
func sendTestAudio(ended <-chan struct{}, t *webrtc.TrackLocalStaticRTP) {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	payload := []byte{0xf8, 0xff, 0xfe}
	var seq uint16
	var ts uint32
	for {
		select {
		case <-ended:
			return
		case <-tick.C:
			seq++
			ts += 960
			_ = t.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: ts}, Payload: payload})
		}
	}
}
