// Command loadtest measures the conference SFU: it starts N publishers
// (synthetic VP8 simulcast at about 150/500/1500 kbps plus Opus-sized audio)
// and M subscribers against a running server, and reports packets forwarded
// per second, loss, bitrate, join time and the server's CPU and memory from
// its metrics: on its debug listener (-debug), or on its public address with
// its -metrics-token.
//
// Usage:
//
//	loadtest -server http://localhost:8080 -debug http://localhost:6060 -key HEX -room asean-digital-2026 -pubs 4 -subs 20 -duration 30s
//
// -busy N runs N busy processes beside the server for the whole run (a
// starved machine, as under other work); LOADTEST_TRACE=1 in the
// environment prints each jump of over 100 sequence numbers a subscriber
// sees, with the packet's header and first payload bytes.
//
// The key is the server's join-token key (-room-token-key, or the one kept
// in its database: `chancery token` uses the same).
package main

import (
	"bufio"
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/sfu/sfuclient"
)

// spinEnv marks the busy processes -busy starts: copies of this binary
// that only spin.
const spinEnv = "CHANCERY_LOADTEST_SPIN"

func main() {
	if os.Getenv(spinEnv) == "1" {
		spin()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

type options struct {
	server, room, key string
	pubs, subs        int
	duration, warmup  time.Duration
	viewW, viewH      int
	audioOnly         bool
	debug             string
	metricsToken      string
	busy              int
}

func run(ctx context.Context, args []string, out io.Writer) error {
	var o options
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.StringVar(&o.server, "server", "http://localhost:8080", "server base URL")
	fs.StringVar(&o.room, "room", "asean-digital-2026", "room slug")
	fs.StringVar(&o.key, "key", "", "hex join-token key of the server")
	fs.IntVar(&o.pubs, "pubs", 2, "publishers")
	fs.IntVar(&o.subs, "subs", 10, "subscribers (they receive every publisher)")
	fs.DurationVar(&o.duration, "duration", 20*time.Second, "measurement time")
	fs.DurationVar(&o.warmup, "warmup", 5*time.Second, "time before measuring")
	fs.IntVar(&o.viewW, "view-width", 640, "size subscribers report for each video (chooses the simulcast layer)")
	fs.IntVar(&o.viewH, "view-height", 360, "")
	fs.BoolVar(&o.audioOnly, "audio-only", false, "publish audio only")
	fs.StringVar(&o.debug, "debug", "", "the server's debug address (its -debug-addr, as http://host:port): metrics come from there, after a collection, so that the live heap is current")
	fs.StringVar(&o.metricsToken, "metrics-token", os.Getenv("CHANCERY_METRICS_TOKEN"), "without -debug: the server's -metrics-token, to read /metrics on its public address")
	fs.IntVar(&o.busy, "busy", 0, "busy processes to run beside the server for the whole run (each spins on one CPU): a starved machine")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.busy > 0 {
		stopBusy, err := startBusy(ctx, o.busy)
		if err != nil {
			return err
		}
		defer stopBusy()
		fmt.Fprintf(out, "%d busy processes spin beside the server\n", o.busy)
	}
	key, err := hex.DecodeString(o.key)
	if err != nil {
		return fmt.Errorf("-key: %w", err)
	}
	signer, err := sfu.NewSigner(key, nil)
	if err != nil {
		return err
	}
	ws := "ws" + strings.TrimPrefix(o.server, "http") + "/rooms/signal"
	token := func(id string, perms sfu.Permissions) (string, error) {
		return signer.Issue(sfu.Claims{Room: o.room, Identity: id, Name: id, Role: sfu.RoleProtocol, Permissions: perms}, time.Hour)
	}

	var joins []time.Duration
	var joinMu sync.Mutex
	dial := func(id string, perms sfu.Permissions, onTrack func(*webrtc.TrackRemote, *webrtc.RTPReceiver)) (*sfuclient.Client, error) {
		tok, err := token(id, perms)
		if err != nil {
			return nil, err
		}
		start := time.Now()
		dctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		c, m, err := sfuclient.Dial(dctx, ws, tok, sfuclient.Options{OnTrack: onTrack})
		if err != nil {
			return nil, fmt.Errorf("join %s: %w", id, err)
		}
		if m.Type != sfu.TypeWelcome {
			c.Close()
			return nil, fmt.Errorf("join %s: got %s", id, m.Type)
		}
		joinMu.Lock()
		joins = append(joins, time.Since(start))
		joinMu.Unlock()
		return c, nil
	}

	base, err := o.scrapeAfterGC(ctx)
	if err != nil {
		return err
	}
	var clients []*sfuclient.Client
	defer func() {
		for _, c := range clients {
			c.Close()
		}
	}()
	var rx counters
	for i := range o.subs {
		c, err := dial(fmt.Sprintf("load-sub-%d", i), sfu.Permissions{Subscribe: true, Moderate: true}, rx.onTrack)
		if err != nil {
			return err
		}
		clients = append(clients, c)
		go reportViews(c, o.viewW, o.viewH)
	}
	var pubs []*sfuclient.Publisher
	for i := range o.pubs {
		c, err := dial(fmt.Sprintf("load-pub-%d", i), sfu.Permissions{PublishCamera: true, PublishMicrophone: true, Moderate: true}, nil)
		if err != nil {
			return err
		}
		clients = append(clients, c)
		s := sfuclient.DefaultSynthetic()
		if o.audioOnly {
			s.Video = false
		}
		p, err := c.PublishSynthetic(ctx, s)
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

	fmt.Fprintf(out, "joined %d publishers and %d subscribers; warming up %s\n", o.pubs, o.subs, o.warmup)
	if !sleep(ctx, o.warmup) {
		return ctx.Err()
	}
	m0, err := o.scrape(ctx)
	if err != nil {
		return err
	}
	r0 := rx.snapshot()
	var sent0 uint64
	for _, p := range pubs {
		sent0 += p.Sent.Load()
	}
	start := time.Now()
	if !sleep(ctx, o.duration) {
		return ctx.Err()
	}
	el := time.Since(start).Seconds()
	m1, err := o.scrapeAfterGC(ctx)
	if err != nil {
		return err
	}
	r1 := rx.snapshot()
	var sent1 uint64
	for _, p := range pubs {
		sent1 += p.Sent.Load()
	}

	fwd := (m1["chancery_sfu_forwarded_packets_total"] - m0["chancery_sfu_forwarded_packets_total"]) / el
	cpu := (m1["process_cpu_seconds_total"] - m0["process_cpu_seconds_total"]) / el
	recv := float64(r1.packets-r0.packets) / el
	lost := r1.gaps - r0.gaps
	loss := 0.0
	if n := r1.packets - r0.packets + lost; n > 0 {
		loss = float64(lost) / float64(n) * 100
	}
	subsTracks := m1["chancery_sfu_subscriptions"]
	rss := m1["process_resident_memory_bytes"]
	sort.Slice(joins, func(i, j int) bool { return joins[i] < joins[j] })
	fmt.Fprintf(out, "publishers sent          %.0f packets/s\n", float64(sent1-sent0)/el)
	fmt.Fprintf(out, "server forwarded         %.0f packets/s\n", fwd)
	fmt.Fprintf(out, "subscribers received     %.0f packets/s, %.2f Mbit/s\n", recv, float64(r1.bytes-r0.bytes)*8/el/1e6)
	fmt.Fprintf(out, "loss (sequence gaps)     %.3f %% (%d packets)\n", loss, lost)
	fmt.Fprintf(out, "gaps                     %d in video tracks, %d in audio; %d jumps over 100 (largest %d); %d padding-only packets received\n",
		r1.videoGaps-r0.videoGaps, lost-(r1.videoGaps-r0.videoGaps), r1.jumps-r0.jumps, rx.maxJump.Load(), r1.padding-r0.padding)
	fmt.Fprintf(out, "server CPU               %.2f cores; %.0f packets/s per core\n", cpu, perCore(fwd, cpu))
	// Memory a subscribed track holds: the live heap after the last
	// collection plus goroutine stacks, against the same before anyone
	// joined. RSS is shown too, but it keeps what the runtime has not
	// returned to the system (seeding the demo, earlier runs).
	if o.debug == "" {
		fmt.Fprintln(out, "(without -debug the live heap is the one of the server's last collection, which may be old)")
	}
	held := func(m map[string]float64) float64 {
		return m["go_gc_heap_live_bytes"] + m["go_memstats_stack_inuse_bytes"]
	}
	grown := held(m1) - held(base)
	fmt.Fprintf(out, "server memory            %.1f MiB live heap and stacks (%.1f MiB before anyone joined), %.0f subscribed tracks, %.3f MiB per subscribed track\n",
		held(m1)/(1<<20), held(base)/(1<<20), subsTracks, grown/(1<<20)/max(subsTracks, 1))
	fmt.Fprintf(out, "server RSS               %.1f MiB (%.1f MiB before anyone joined)\n", rss/(1<<20), base["process_resident_memory_bytes"]/(1<<20))
	fmt.Fprintf(out, "video tracks received    %s (by the rate each got)\n", videoMix(r0, r1, el))
	fmt.Fprintf(out, "server goroutines        %.0f\n", m1["go_goroutines"])
	if len(joins) > 0 {
		fmt.Fprintf(out, "join time                p50 %s, max %s\n", joins[len(joins)/2].Round(time.Millisecond), joins[len(joins)-1].Round(time.Millisecond))
	}
	return nil
}

// spinCount is where spin's loop writes, so that it does work.
var spinCount atomic.Uint64

// spin burns one CPU until the process is killed.
func spin() {
	for {
		spinCount.Add(1)
	}
}

// startBusy starts n copies of this binary that spin; the function
// returned kills them.
func startBusy(ctx context.Context, n int) (func(), error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	var cmds []*exec.Cmd
	stop := func() {
		for _, c := range cmds {
			_ = c.Process.Kill()
			_ = c.Wait()
		}
	}
	for range n {
		c := exec.CommandContext(ctx, exe)
		c.Env = append(os.Environ(), spinEnv+"=1")
		if err := c.Start(); err != nil {
			stop()
			return nil, fmt.Errorf("-busy: %w", err)
		}
		cmds = append(cmds, c)
	}
	return stop, nil
}

func perCore(pps, cores float64) float64 {
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

// reportViews tells the SFU the size at which every received video is shown.
func reportViews(c *sfuclient.Client, w, h int) {
	for m := range c.Events() {
		if m.Type == sfu.TypeTrack && m.Track.Kind == "video" {
			_ = c.Send(sfu.ClientMessage{Type: sfu.TypeView, Track: m.Track.ID, Width: w, Height: h})
		}
		if m.Type == sfu.TypeWelcome {
			for _, t := range m.Tracks {
				_ = c.Send(sfu.ClientMessage{Type: sfu.TypeView, Track: t.ID, Width: w, Height: h})
			}
		}
	}
}

type counters struct {
	packets, bytes, gaps atomic.Uint64
	// videoGaps are the gaps of video tracks; jumps the gaps of more than
	// 100 packets at once, and maxJump the largest; padding the
	// padding-only packets received (probes).
	videoGaps, jumps, maxJump, padding atomic.Uint64
	mu                                 sync.Mutex
	video                              []*atomic.Uint64 // bytes received per video track
}

type snapshot struct {
	packets, bytes, gaps uint64
	videoGaps, jumps     uint64
	padding              uint64
	video                []uint64
}

func (c *counters) snapshot() snapshot {
	s := snapshot{packets: c.packets.Load(), bytes: c.bytes.Load(), gaps: c.gaps.Load(),
		videoGaps: c.videoGaps.Load(), jumps: c.jumps.Load(), padding: c.padding.Load()}
	c.mu.Lock()
	for _, v := range c.video {
		s.video = append(s.video, v.Load())
	}
	c.mu.Unlock()
	return s
}

// onTrack counts received packets and sequence gaps (packets the SFU
// forwarded that never arrived, or never forwarded after a switch), and the
// bytes of each video track.
func (c *counters) onTrack(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
	var video *atomic.Uint64
	if t.Kind() == webrtc.RTPCodecTypeVideo {
		video = new(atomic.Uint64)
		c.mu.Lock()
		c.video = append(c.video, video)
		c.mu.Unlock()
	}
	var last uint16
	started := false
	for {
		p, attrs, err := t.ReadRTP()
		if err != nil {
			return
		}
		if started {
			if d := int16(p.SequenceNumber - last); d > 1 {
				c.gaps.Add(uint64(d - 1))
				if video != nil {
					c.videoGaps.Add(uint64(d - 1))
				}
				if d > 100 {
					if os.Getenv("LOADTEST_TRACE") != "" {
						fmt.Fprintf(os.Stderr, "jump %s ssrc %d/%d %d -> %d (+%d) ts %d pt %d pad %v len %d marker %v attrs %v payload % x hdr %+v\n", t.Kind(), t.SSRC(), p.SSRC, last, p.SequenceNumber, d, p.Timestamp, p.PayloadType, p.Padding, len(p.Payload), p.Marker, attrs, p.Payload[:min(10, len(p.Payload))], p.Header)
					}
					c.jumps.Add(1)
					for m := c.maxJump.Load(); uint64(d) > m && !c.maxJump.CompareAndSwap(m, uint64(d)); m = c.maxJump.Load() {
					}
				}
			}
		}
		if !started || int16(p.SequenceNumber-last) > 0 {
			last, started = p.SequenceNumber, true
		}
		if p.Padding && len(p.Payload) == 0 {
			c.padding.Add(1)
		}
		n := uint64(len(p.Payload) + 12)
		c.packets.Add(1)
		c.bytes.Add(n)
		if video != nil {
			video.Add(n)
		}
	}
}

// videoMix sorts the video tracks the subscribers received during the
// window by the rate they got: which simulcast layer the SFU chose for each
// (about 150, 500 and 1,500 kbit/s), or a pause.
func videoMix(r0, r1 snapshot, seconds float64) string {
	var paused, low, medium, high int
	for i, b := range r1.video {
		var b0 uint64
		if i < len(r0.video) {
			b0 = r0.video[i]
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

// scrapeAfterGC reads /metrics after asking the server's debug listener,
// when given, for a heap profile with gc=1, which runs a collection first:
// the live heap the metrics report is then current, not the one of the last
// collection (which, right after start, still holds the demo's argon2
// buffers).
func (o *options) scrapeAfterGC(ctx context.Context) (map[string]float64, error) {
	if o.debug != "" {
		res, err := get(ctx, o.debug+"/debug/pprof/heap?gc=1", "collect garbage", "")
		if err != nil {
			return nil, err
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	return o.scrape(ctx)
}

// get fetches url, with a bearer token if given, and fails unless it
// answers 200; what names it in errors.
func get(ctx context.Context, url, what, bearer string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if res.StatusCode != http.StatusOK {
		res.Body.Close()
		return nil, errors.New(what + ": " + res.Status)
	}
	return res, nil
}

// scrape reads the numeric samples of /metrics (summing labelled series):
// on the debug listener, or on the public one with the metrics token.
func (o *options) scrape(ctx context.Context) (map[string]float64, error) {
	url, bearer := o.server+"/metrics", o.metricsToken
	if o.debug != "" {
		url, bearer = o.debug+"/metrics", ""
	}
	res, err := get(ctx, url, "metrics", bearer)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		name, val, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		if i := strings.IndexByte(name, '{'); i >= 0 {
			name = name[:i]
		}
		v, err := strconv.ParseFloat(strings.Fields(val)[0], 64)
		if err == nil {
			out[name] += v
		}
	}
	return out, sc.Err()
}
