// Command sfubench loads one SFU, Chancery's or LiveKit's, with the media
// cmd/loadtest sends (sfuclient's synthetic VP8 simulcast at 150/500/1500
// kbit/s, 30 fps, a keyframe every 3 s, Opus-sized audio every 20 ms) and
// measures the server the same way whichever it is, from outside: CPU time
// and resident memory from /proc/<pid>, and the packets and sequence gaps
// its subscribers receive. scripts/bench-vs-livekit.sh runs it on both
// servers in turn.
//
// It lives in a module of its own (bench/go.mod) so that LiveKit's SDK never
// enters Chancery's go.mod; it reuses Chancery's client and media generator
// through a replace directive.
//
// Usage:
//
//	sfubench -target chancery -server http://127.0.0.1:18080 -key HEX -pid PID -video-pubs 3 -subs 30
//	sfubench -target livekit -server ws://127.0.0.1:17880 -pid PID -video-pubs 3 -subs 30
//
// The broadcast shape (broadcast.go), one publisher and N viewers: WHEP
// players of a public live session on Chancery, SDK subscribers on LiveKit:
//
//	sfubench -target chancery -server http://127.0.0.1:18080 -key HEX -pid PID -room ROOM -viewers 50
//
// It talks to loopback addresses only.
package main

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/livekit/protocol/livekit"
	protoLogger "github.com/livekit/protocol/logger"
	lksdk "github.com/livekit/server-sdk-go/v2"

	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/sfu/sfuclient"
	"github.com/mofa-vn/chancery/internal/sfu/sfuclient/measure"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "sfubench:", err)
		os.Exit(1)
	}
}

type options struct {
	target, server, room, label string
	key, apiKey, apiSecret      string
	pid                         int
	videoPubs, audioPubs        int
	measure.Load
	// The broadcast shape (viewers > 0): one publisher, N viewers.
	viewers, videoKbps int
	simulcast          bool
}

func run(ctx context.Context, args []string, out io.Writer) error {
	var o options
	fs := flag.NewFlagSet("sfubench", flag.ContinueOnError)
	fs.StringVar(&o.target, "target", "chancery", "the server: chancery or livekit")
	fs.StringVar(&o.server, "server", "", "the server's base URL on loopback (http://127.0.0.1:PORT for Chancery, ws://127.0.0.1:PORT for LiveKit)")
	fs.StringVar(&o.room, "room", "asean-digital-2026", "room (Chancery: a room slug of the server)")
	fs.StringVar(&o.label, "label", "", "shape name printed in the result line")
	fs.StringVar(&o.key, "key", "", "Chancery: hex join-token key of the server")
	fs.StringVar(&o.apiKey, "api-key", "devkey", "LiveKit: API key (--dev's)")
	fs.StringVar(&o.apiSecret, "api-secret", "secret", "LiveKit: API secret (--dev's)")
	fs.IntVar(&o.pid, "pid", 0, "the server's process id, for its CPU time and memory in /proc")
	fs.IntVar(&o.videoPubs, "video-pubs", 0, "publishers of camera (simulcast) and microphone")
	fs.IntVar(&o.audioPubs, "audio-pubs", 0, "publishers of a microphone only")
	o.Register(fs, 6*time.Second)
	fs.IntVar(&o.viewers, "viewers", 0, "the broadcast shape: one publisher and this many viewers (Chancery: WHEP players of -room, a public live session; LiveKit: SDK subscribers)")
	fs.IntVar(&o.videoKbps, "video-kbps", 1000, "broadcast: the publisher's one VP8 stream, kbit/s")
	fs.BoolVar(&o.simulcast, "simulcast", false, "broadcast: publish the simulcast set (150/500/1500 kbit/s) instead of one stream")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.pid <= 0 {
		return errors.New("-pid: the server's process id is needed")
	}
	if err := loopbackOnly(o.server); err != nil {
		return err
	}
	var sys system
	switch o.target {
	case "chancery":
		key, err := hex.DecodeString(o.key)
		if err != nil {
			return fmt.Errorf("-key: %w", err)
		}
		joiner, err := sfuclient.NewJoiner(o.server, o.room, key, 30*time.Second)
		if err != nil {
			return err
		}
		sys = &chancery{o: &o, joiner: joiner}
	case "livekit":
		lksdk.SetLogger(protoLogger.GetDiscardLogger())
		sys = &livekit_{o: &o}
	default:
		return fmt.Errorf("-target %q: chancery or livekit", o.target)
	}
	defer sys.close()
	if o.viewers > 0 {
		if o.videoPubs+o.audioPubs > 0 {
			return errors.New("-viewers: the broadcast shape has its own publisher; no -video-pubs or -audio-pubs")
		}
		return runBroadcast(ctx, &o, sys, out)
	}

	base, err := measure.ReadProc(o.pid)
	if err != nil {
		return err
	}
	var rx measure.Counters
	for i := range o.Subs {
		if err := sys.subscribe(ctx, fmt.Sprintf("bench-sub-%d", i), &rx); err != nil {
			return err
		}
	}
	var pubs sfuclient.Publishers
	for i := range o.videoPubs + o.audioPubs {
		s := sfuclient.DefaultSynthetic()
		s.Video = i < o.videoPubs
		p, err := sys.publish(ctx, fmt.Sprintf("bench-pub-%d", i), s)
		if err != nil {
			return err
		}
		pubs = append(pubs, p)
	}
	defer pubs.Stop()
	m, err := measureWindow(ctx, &o, &rx, func() uint64 { return pubs.Sent() })
	if err != nil {
		return err
	}
	p1, r1, el, w := m.p1, m.r1, m.seconds, m.rx
	cpu, recv, gaps, loss := m.cpu(), w.PacketRate(), w.Gaps, w.LossPercent()
	// Audio delivery: every audio packet sent during the window should
	// reach every subscriber; a server that drops before renumbering shows
	// here and not in the gaps.
	audioSent := float64((o.videoPubs + o.audioPubs) * 50 * o.Subs)
	audioDelivery := float64(w.Audio) / el / audioSent * 100
	wantTracks := o.Subs * (2*o.videoPubs + o.audioPubs)
	silent := r1.Silent(m.r0)
	tracks := r1.Tracks
	mib := float64(p1.RSS-base.RSS) / (1 << 20)
	fmt.Fprintf(out, "%s on %s: %d video + %d audio publishers, %d subscribers\n", o.label, o.target, o.videoPubs, o.audioPubs, o.Subs)
	fmt.Fprintf(out, "  publishers sent        %.0f packets/s\n", float64(m.sent)/el)
	fmt.Fprintf(out, "  subscribers received   %.0f packets/s, %.2f Mbit/s; %d of %d subscriptions, %d silent in the window\n",
		recv, w.Mbps(), tracks, wantTracks, silent)
	fmt.Fprintf(out, "  sequence gaps          %d packets (%.3f %%); audio received %.2f %% of the nominal 50 packets/s x publishers x subscribers\n", gaps, loss, audioDelivery)
	fmt.Fprintf(out, "  server CPU             %.3f cores, %.0f packets received per CPU-second\n", cpu, measure.PerCore(recv, cpu))
	fmt.Fprintf(out, "  server RSS             %.1f MiB (%.1f before anyone joined), %.3f MiB per subscribed track\n",
		float64(p1.RSS)/(1<<20), float64(base.RSS)/(1<<20), mib/float64(max(tracks, 1)))
	fmt.Fprintf(out, "  video received         %s\n", r1.VideoMix(m.r0, el))
	// One line for the script.
	fmt.Fprintf(out, "RESULT label=%s target=%s subs=%d recv_pps=%.0f cpu_cores=%.4f pps_per_cpu=%.0f gaps=%d loss_pct=%.4f audio_delivery_pct=%.2f tracks=%d want_tracks=%d silent=%d rss_mib=%.2f base_rss_mib=%.2f mib_per_track=%.4f\n",
		o.label, o.target, o.Subs, recv, cpu, measure.PerCore(recv, cpu), gaps, loss, audioDelivery, tracks, wantTracks, silent,
		float64(p1.RSS)/(1<<20), float64(base.RSS)/(1<<20), mib/float64(max(tracks, 1)))
	return nil
}

// window is one measurement: the server's /proc and what the subscribers
// received at its start (0) and end (1), seconds apart, and the packets
// the publishers sent in between.
type window struct {
	p0, p1  measure.Proc
	r0, r1  measure.Snapshot
	seconds float64
	rx      measure.Window
	sent    uint64
}

// cpu is the server's CPU use in the window, in cores.
func (w window) cpu() float64 { return (w.p1.CPU - w.p0.CPU) / w.seconds }

// measureWindow waits -warmup, then measures for -duration; sent is the
// packets the publishers have sent so far.
func measureWindow(ctx context.Context, o *options, rx *measure.Counters, sent func() uint64) (window, error) {
	var w window
	if !measure.Sleep(ctx, o.Warmup) {
		return w, ctx.Err()
	}
	var err error
	if w.p0, err = measure.ReadProc(o.pid); err != nil {
		return w, err
	}
	w.r0 = rx.Snapshot()
	s0 := sent()
	start := time.Now()
	if !measure.Sleep(ctx, o.Duration) {
		return w, ctx.Err()
	}
	w.seconds = time.Since(start).Seconds()
	if w.p1, err = measure.ReadProc(o.pid); err != nil {
		return w, err
	}
	w.r1 = rx.Snapshot()
	w.sent = sent() - s0
	w.rx = w.r1.Since(w.r0, w.seconds)
	return w, nil
}

// loopbackOnly refuses a server that is not on this machine's loopback.
func loopbackOnly(server string) error {
	u, err := url.Parse(server)
	if err != nil || u.Host == "" {
		return fmt.Errorf("-server %q: a URL is needed", server)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("-server %q: the load tool talks to loopback only", server)
}

// system is one SFU's client side.
type system interface {
	subscribe(ctx context.Context, id string, rx *measure.Counters) error
	publish(ctx context.Context, id string, s sfuclient.Synthetic) (*sfuclient.Publisher, error)
	close()
}

// chancery joins as cmd/loadtest does.
type chancery struct {
	o       *options
	joiner  *sfuclient.Joiner
	clients []*sfuclient.Client
	mu      sync.Mutex
	players []*webrtc.PeerConnection // WHEP viewers
}

func (c *chancery) dial(ctx context.Context, id string, perms sfu.Permissions, onTrack func(*webrtc.TrackRemote, *webrtc.RTPReceiver)) (*sfuclient.Client, error) {
	cl, err := c.joiner.Join(ctx, id, perms, onTrack)
	if err != nil {
		return nil, err
	}
	c.clients = append(c.clients, cl)
	return cl, nil
}

func (c *chancery) subscribe(ctx context.Context, id string, rx *measure.Counters) error {
	cl, err := c.dial(ctx, id, sfu.Permissions{Subscribe: true, Moderate: true}, func(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) { rx.Read(t, nil) })
	if err != nil {
		return err
	}
	go cl.ReportViews(c.o.ViewWidth, c.o.ViewHeight)
	return nil
}

func (c *chancery) publish(ctx context.Context, id string, s sfuclient.Synthetic) (*sfuclient.Publisher, error) {
	cl, err := c.dial(ctx, id, sfu.Permissions{PublishCamera: true, PublishMicrophone: true, Moderate: true}, nil)
	if err != nil {
		return nil, err
	}
	return cl.PublishSynthetic(ctx, s)
}

func (c *chancery) close() {
	for _, cl := range c.clients {
		cl.Close()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, pc := range c.players {
		_ = pc.Close()
	}
}

// livekit_ joins with LiveKit's Go SDK and drives its tracks with
// sfuclient's generator.
type livekit_ struct {
	o     *options
	mu    sync.Mutex
	rooms []*lksdk.Room
}

func (l *livekit_) connect(id string, cb *lksdk.RoomCallback, autoSubscribe bool) (*lksdk.Room, error) {
	r, err := lksdk.ConnectToRoom(l.o.server, lksdk.ConnectInfo{
		APIKey: l.o.apiKey, APISecret: l.o.apiSecret, RoomName: l.o.room, ParticipantIdentity: id, ParticipantName: id,
	}, cb, lksdk.WithAutoSubscribe(autoSubscribe), lksdk.WithConnectTimeout(30*time.Second))
	if err != nil {
		return nil, fmt.Errorf("join %s: %w", id, err)
	}
	l.mu.Lock()
	l.rooms = append(l.rooms, r)
	l.mu.Unlock()
	return r, nil
}

func (l *livekit_) subscribe(_ context.Context, id string, rx *measure.Counters) error {
	cb := lksdk.NewRoomCallback()
	w, h := uint32(l.o.ViewWidth), uint32(l.o.ViewHeight)
	cb.OnTrackSubscribed = func(t *webrtc.TrackRemote, pub *lksdk.RemoteTrackPublication, _ *lksdk.RemoteParticipant) {
		if t.Kind() == webrtc.RTPCodecTypeVideo {
			pub.SetVideoDimensions(w, h)
		}
		go rx.Read(t, nil)
	}
	_, err := l.connect(id, cb, true)
	return err
}

// boundTrack is a pion track that tells when it is bound to the connection
// and the id negotiated for the audio level extension.
type boundTrack struct {
	*webrtc.TrackLocalStaticRTP
	levelID atomic.Uint32
	bound   chan struct{}
	once    sync.Once
}

func (b *boundTrack) Bind(t webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	for _, e := range t.HeaderExtensions() {
		if e.URI == sdp.AudioLevelURI {
			b.levelID.Store(uint32(e.ID))
		}
	}
	p, err := b.TrackLocalStaticRTP.Bind(t)
	if err == nil {
		b.once.Do(func() { close(b.bound) })
	}
	return p, err
}

// lkWriter adapts LiveKit's LocalTrack (which adds the mid and rid
// extensions simulcast needs until the server acknowledges the stream).
type lkWriter struct{ *lksdk.LocalTrack }

func (w lkWriter) WriteRTP(p *rtp.Packet) error { return w.LocalTrack.WriteRTP(p, nil) }

func (l *livekit_) publish(ctx context.Context, id string, s sfuclient.Synthetic) (*sfuclient.Publisher, error) {
	r, err := l.connect(id, lksdk.NewRoomCallback(), false)
	if err != nil {
		return nil, err
	}
	var video []sfuclient.RTPWriter
	var pub *sfuclient.Publisher
	var pubMu sync.Mutex
	keyframe := func(layer int) func(rtcp.Packet) {
		return func(p rtcp.Packet) {
			switch p.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				pubMu.Lock()
				if pub != nil {
					pub.RequestKeyframe(layer)
				}
				pubMu.Unlock()
			}
		}
	}
	var waits []chan struct{}
	if s.Video && !s.Simulcast {
		vp8 := webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}
		t, err := lksdk.NewLocalTrack(vp8, lksdk.WithRTCPHandler(keyframe(0)))
		if err != nil {
			return nil, err
		}
		ch := make(chan struct{})
		var once sync.Once
		t.OnBind(func() { once.Do(func() { close(ch) }) })
		waits = append(waits, ch)
		video = append(video, lkWriter{t})
		if _, err := r.LocalParticipant.PublishTrack(t, &lksdk.TrackPublicationOptions{
			Name: "camera", Source: livekit.TrackSource_CAMERA, VideoWidth: 1280, VideoHeight: 720,
		}); err != nil {
			return nil, fmt.Errorf("%s: publish video: %w", id, err)
		}
	} else if s.Video {
		vp8 := webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}
		sid := "video-" + id
		layers := []*livekit.VideoLayer{
			{Quality: livekit.VideoQuality_LOW, Width: 320, Height: 180, Bitrate: uint32(s.Bitrates[0])},
			{Quality: livekit.VideoQuality_MEDIUM, Width: 640, Height: 360, Bitrate: uint32(s.Bitrates[1])},
			{Quality: livekit.VideoQuality_HIGH, Width: 1280, Height: 720, Bitrate: uint32(s.Bitrates[2])},
		}
		var tracks []*lksdk.LocalTrack
		for i, ly := range layers {
			t, err := lksdk.NewLocalTrack(vp8, lksdk.WithSimulcast(sid, ly), lksdk.WithRTCPHandler(keyframe(i)))
			if err != nil {
				return nil, err
			}
			ch := make(chan struct{})
			var once sync.Once
			t.OnBind(func() { once.Do(func() { close(ch) }) })
			waits = append(waits, ch)
			tracks = append(tracks, t)
			video = append(video, lkWriter{t})
		}
		if _, err := r.LocalParticipant.PublishSimulcastTrack(tracks, &lksdk.TrackPublicationOptions{
			Name: "camera", Source: livekit.TrackSource_CAMERA, VideoWidth: 1280, VideoHeight: 720,
		}); err != nil {
			return nil, fmt.Errorf("%s: publish video: %w", id, err)
		}
	}
	var audio *boundTrack
	if s.Audio {
		t, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "audio-"+id, "stream-"+id)
		if err != nil {
			return nil, err
		}
		audio = &boundTrack{TrackLocalStaticRTP: t, bound: make(chan struct{})}
		if _, err := r.LocalParticipant.PublishTrack(audio, &lksdk.TrackPublicationOptions{
			Name: "microphone", Source: livekit.TrackSource_MICROPHONE,
		}); err != nil {
			return nil, fmt.Errorf("%s: publish audio: %w", id, err)
		}
		waits = append(waits, audio.bound)
	}
	for _, ch := range waits {
		select {
		case <-ch:
		case <-time.After(30 * time.Second):
			return nil, fmt.Errorf("%s: a track was not bound in 30 s", id)
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	var aw sfuclient.RTPWriter
	var ext uint8
	if audio != nil {
		aw, ext = audio, uint8(audio.levelID.Load())
	}
	pubMu.Lock()
	pub = sfuclient.Drive(s, video, aw, ext)
	pubMu.Unlock()
	return pub, nil
}

func (l *livekit_) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, r := range l.rooms {
		r.Disconnect()
	}
}
