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
	"strconv"
	"strings"
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
	videoPubs, audioPubs, subs  int
	duration, warmup            time.Duration
	viewW, viewH                int
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
	fs.IntVar(&o.subs, "subs", 10, "subscribers (each receives every publisher)")
	fs.DurationVar(&o.duration, "duration", 20*time.Second, "measurement time")
	fs.DurationVar(&o.warmup, "warmup", 6*time.Second, "time between the last join and the measurement")
	fs.IntVar(&o.viewW, "view-width", 640, "size at which subscribers show each video (chooses the simulcast layer)")
	fs.IntVar(&o.viewH, "view-height", 360, "")
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
		signer, err := sfu.NewSigner(key, nil)
		if err != nil {
			return err
		}
		sys = &chancery{o: &o, signer: signer}
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

	base, err := readProc(o.pid)
	if err != nil {
		return err
	}
	var rx counters
	for i := range o.subs {
		if err := sys.subscribe(ctx, fmt.Sprintf("bench-sub-%d", i), &rx); err != nil {
			return err
		}
	}
	var pubs []*sfuclient.Publisher
	for i := range o.videoPubs + o.audioPubs {
		s := sfuclient.DefaultSynthetic()
		s.Video = i < o.videoPubs
		p, err := sys.publish(ctx, fmt.Sprintf("bench-pub-%d", i), s)
		if err != nil {
			return err
		}
		pubs = append(pubs, p)
	}
	defer func() {
		for _, p := range pubs {
			p.Stop()
		}
	}()
	sent := func() (n uint64) {
		for _, p := range pubs {
			n += p.Sent.Load()
		}
		return n
	}
	if !sleep(ctx, o.warmup) {
		return ctx.Err()
	}
	p0, err := readProc(o.pid)
	if err != nil {
		return err
	}
	r0 := rx.snapshot()
	s0 := sent()
	start := time.Now()
	if !sleep(ctx, o.duration) {
		return ctx.Err()
	}
	el := time.Since(start).Seconds()
	p1, err := readProc(o.pid)
	if err != nil {
		return err
	}
	r1 := rx.snapshot()
	s1 := sent()

	cpu := (p1.cpu - p0.cpu) / el
	recv := float64(r1.packets-r0.packets) / el
	gaps := r1.gaps - r0.gaps
	loss := 0.0
	if n := r1.packets - r0.packets + gaps; n > 0 {
		loss = float64(gaps) / float64(n) * 100
	}
	// Audio delivery: every audio packet sent during the window should
	// reach every subscriber; a server that drops before renumbering shows
	// here and not in the gaps.
	audioSent := float64((o.videoPubs + o.audioPubs) * 50 * o.subs)
	audioDelivery := float64(r1.audio-r0.audio) / el / audioSent * 100
	wantTracks := o.subs * (2*o.videoPubs + o.audioPubs)
	silent := r1.silentSince(r0)
	tracks := r1.tracks
	mib := float64(p1.rss-base.rss) / (1 << 20)
	fmt.Fprintf(out, "%s on %s: %d video + %d audio publishers, %d subscribers\n", o.label, o.target, o.videoPubs, o.audioPubs, o.subs)
	fmt.Fprintf(out, "  publishers sent        %.0f packets/s\n", float64(s1-s0)/el)
	fmt.Fprintf(out, "  subscribers received   %.0f packets/s, %.2f Mbit/s; %d of %d subscriptions, %d silent in the window\n",
		recv, float64(r1.bytes-r0.bytes)*8/el/1e6, tracks, wantTracks, silent)
	fmt.Fprintf(out, "  sequence gaps          %d packets (%.3f %%); audio received %.2f %% of the nominal 50 packets/s x publishers x subscribers\n", gaps, loss, audioDelivery)
	fmt.Fprintf(out, "  server CPU             %.3f cores, %.0f packets received per CPU-second\n", cpu, perCPU(recv, cpu))
	fmt.Fprintf(out, "  server RSS             %.1f MiB (%.1f before anyone joined), %.3f MiB per subscribed track\n",
		float64(p1.rss)/(1<<20), float64(base.rss)/(1<<20), mib/float64(max(tracks, 1)))
	fmt.Fprintf(out, "  video received         %s\n", r1.videoMix(r0, el))
	// One line for the script.
	fmt.Fprintf(out, "RESULT label=%s target=%s subs=%d recv_pps=%.0f cpu_cores=%.4f pps_per_cpu=%.0f gaps=%d loss_pct=%.4f audio_delivery_pct=%.2f tracks=%d want_tracks=%d silent=%d rss_mib=%.2f base_rss_mib=%.2f mib_per_track=%.4f\n",
		o.label, o.target, o.subs, recv, cpu, perCPU(recv, cpu), gaps, loss, audioDelivery, tracks, wantTracks, silent,
		float64(p1.rss)/(1<<20), float64(base.rss)/(1<<20), mib/float64(max(tracks, 1)))
	return nil
}

func perCPU(pps, cores float64) float64 {
	if cores <= 0 {
		return 0
	}
	return pps / cores
}

func sleep(ctx context.Context, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
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

// proc is what /proc tells of the server: CPU time (user and system, in
// seconds) and resident memory (bytes).
type proc struct {
	cpu float64
	rss uint64
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat's times: 100 on every
// Linux architecture Go runs on.
const clockTicks = 100

func readProc(pid int) (proc, error) {
	var p proc
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return p, err
	}
	// The command name is in parentheses and may hold spaces: fields
	// count from after the last ')'. utime and stime are fields 14 and 15.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return p, fmt.Errorf("/proc/%d/stat: too short", pid)
	}
	ut, err1 := strconv.ParseUint(f[11], 10, 64)
	st, err2 := strconv.ParseUint(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return p, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	p.cpu = float64(ut+st) / clockTicks
	b, err = os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return p, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				return p, fmt.Errorf("/proc/%d/status: %w", pid, err)
			}
			p.rss = kb << 10
		}
	}
	return p, nil
}

// system is one SFU's client side.
type system interface {
	subscribe(ctx context.Context, id string, rx *counters) error
	publish(ctx context.Context, id string, s sfuclient.Synthetic) (*sfuclient.Publisher, error)
	close()
}

// chancery joins as cmd/loadtest does.
type chancery struct {
	o       *options
	signer  *sfu.Signer
	clients []*sfuclient.Client
	mu      sync.Mutex
	players []*webrtc.PeerConnection // WHEP viewers
}

func (c *chancery) dial(ctx context.Context, id string, perms sfu.Permissions, onTrack func(*webrtc.TrackRemote, *webrtc.RTPReceiver)) (*sfuclient.Client, error) {
	tok, err := c.signer.Issue(sfu.Claims{Room: c.o.room, Identity: id, Name: id, Role: sfu.RoleProtocol, Permissions: perms}, time.Hour)
	if err != nil {
		return nil, err
	}
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	ws := "ws" + strings.TrimPrefix(c.o.server, "http") + "/rooms/signal"
	cl, m, err := sfuclient.Dial(dctx, ws, tok, sfuclient.Options{OnTrack: onTrack})
	if err != nil {
		return nil, fmt.Errorf("join %s: %w", id, err)
	}
	if m.Type != sfu.TypeWelcome {
		cl.Close()
		return nil, fmt.Errorf("join %s: got %s", id, m.Type)
	}
	c.clients = append(c.clients, cl)
	return cl, nil
}

func (c *chancery) subscribe(ctx context.Context, id string, rx *counters) error {
	cl, err := c.dial(ctx, id, sfu.Permissions{Subscribe: true, Moderate: true}, func(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) { rx.read(t) })
	if err != nil {
		return err
	}
	w, h := c.o.viewW, c.o.viewH
	go func() {
		for m := range cl.Events() {
			if m.Type == sfu.TypeTrack && m.Track.Kind == "video" {
				_ = cl.Send(sfu.ClientMessage{Type: sfu.TypeView, Track: m.Track.ID, Width: w, Height: h})
			}
			if m.Type == sfu.TypeWelcome {
				for _, t := range m.Tracks {
					_ = cl.Send(sfu.ClientMessage{Type: sfu.TypeView, Track: t.ID, Width: w, Height: h})
				}
			}
		}
	}()
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

func (l *livekit_) subscribe(_ context.Context, id string, rx *counters) error {
	cb := lksdk.NewRoomCallback()
	w, h := uint32(l.o.viewW), uint32(l.o.viewH)
	cb.OnTrackSubscribed = func(t *webrtc.TrackRemote, pub *lksdk.RemoteTrackPublication, _ *lksdk.RemoteParticipant) {
		if t.Kind() == webrtc.RTPCodecTypeVideo {
			pub.SetVideoDimensions(w, h)
		}
		go rx.read(t)
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

// counters are what every subscriber received, the way cmd/loadtest
// counts it: packets, bytes, sequence gaps (numbers skipped by the
// server's renumbering or lost on the way), audio packets, and bytes per
// video subscription.
type counters struct {
	packets, bytes, gaps, audio atomic.Uint64
	mu                          sync.Mutex
	subs                        []*sub
}

type sub struct {
	video   bool
	packets atomic.Uint64
	bytes   atomic.Uint64
	// the highest sequence number seen, for the reader only
	last    uint16
	started bool
}

type snapshot struct {
	packets, bytes, gaps, audio uint64
	tracks                      int
	video                       []bool
	subPackets, subBytes        []uint64
}

func (c *counters) snapshot() snapshot {
	s := snapshot{packets: c.packets.Load(), bytes: c.bytes.Load(), gaps: c.gaps.Load(), audio: c.audio.Load()}
	c.mu.Lock()
	s.tracks = len(c.subs)
	for _, v := range c.subs {
		s.video = append(s.video, v.video)
		s.subPackets = append(s.subPackets, v.packets.Load())
		s.subBytes = append(s.subBytes, v.bytes.Load())
	}
	c.mu.Unlock()
	return s
}

// silentSince counts the subscriptions that received nothing between s0
// and s.
func (s snapshot) silentSince(s0 snapshot) int {
	n := 0
	for i, p := range s.subPackets {
		var p0 uint64
		if i < len(s0.subPackets) {
			p0 = s0.subPackets[i]
		}
		if p == p0 {
			n++
		}
	}
	return n
}

// videoMix sorts the video subscriptions by the rate each got in the
// window: the simulcast layer the server chose (about 150, 500 or 1,500
// kbit/s), or a pause.
func (s snapshot) videoMix(s0 snapshot, seconds float64) string {
	var paused, low, medium, high int
	for i, b := range s.subBytes {
		if !s.video[i] {
			continue
		}
		var b0 uint64
		if i < len(s0.subBytes) {
			b0 = s0.subBytes[i]
		}
		switch kbps := float64(b-b0) * 8 / seconds / 1000; {
		case kbps < 50:
			paused++
		case kbps < 300:
			low++
		case kbps < 900:
			medium++
		default:
			high++
		}
	}
	return fmt.Sprintf("%d high, %d medium, %d low, %d paused", high, medium, low, paused)
}

// read counts one received track until it ends.
func (c *counters) read(t *webrtc.TrackRemote) { c.readFirst(t, nil) }

// readFirst is read that also calls first, when set, with the arrival
// time of the track's first packet.
func (c *counters) readFirst(t *webrtc.TrackRemote, first func(time.Time)) {
	s := &sub{video: t.Kind() == webrtc.RTPCodecTypeVideo}
	c.mu.Lock()
	c.subs = append(c.subs, s)
	c.mu.Unlock()
	for {
		p, _, err := t.ReadRTP()
		if err != nil {
			return
		}
		if first != nil {
			first(time.Now())
			first = nil
		}
		c.count(s, p)
	}
}

// count adds one packet of subscription s (read by one goroutine only).
func (c *counters) count(s *sub, p *rtp.Packet) {
	if s.started {
		if d := int16(p.SequenceNumber - s.last); d > 1 {
			c.gaps.Add(uint64(d - 1))
		}
	}
	if !s.started || int16(p.SequenceNumber-s.last) > 0 {
		s.last, s.started = p.SequenceNumber, true
	}
	n := uint64(len(p.Payload) + 12)
	c.packets.Add(1)
	c.bytes.Add(n)
	s.packets.Add(1)
	s.bytes.Add(n)
	if !s.video {
		c.audio.Add(1)
	}
}
