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
	"github.com/mofa-vn/chancery/internal/sfu/sfuclient/measure"
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
	pubs              int
	measure.Load
	audioOnly    bool
	debug        string
	metricsToken string
	busy         int
}

func run(ctx context.Context, args []string, out io.Writer) error {
	var o options
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.StringVar(&o.server, "server", "http://localhost:8080", "server base URL")
	fs.StringVar(&o.room, "room", "asean-digital-2026", "room slug")
	fs.StringVar(&o.key, "key", "", "hex join-token key of the server")
	fs.IntVar(&o.pubs, "pubs", 2, "publishers")
	o.Register(fs, 5*time.Second)
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
	joiner, err := sfuclient.NewJoiner(o.server, o.room, key, 20*time.Second)
	if err != nil {
		return err
	}

	var joins []time.Duration
	var joinMu sync.Mutex
	dial := func(id string, perms sfu.Permissions, onTrack func(*webrtc.TrackRemote, *webrtc.RTPReceiver)) (*sfuclient.Client, error) {
		start := time.Now()
		c, err := joiner.Join(ctx, id, perms, onTrack)
		if err != nil {
			return nil, err
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
	var rx measure.Counters
	if os.Getenv("LOADTEST_TRACE") != "" {
		rx.Trace = os.Stderr
	}
	for i := range o.Subs {
		c, err := dial(fmt.Sprintf("load-sub-%d", i), sfu.Permissions{Subscribe: true, Moderate: true}, func(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) { rx.Read(t, nil) })
		if err != nil {
			return err
		}
		clients = append(clients, c)
		go c.ReportViews(o.ViewWidth, o.ViewHeight)
	}
	var pubs sfuclient.Publishers
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
	defer pubs.Stop()

	fmt.Fprintf(out, "joined %d publishers and %d subscribers; warming up %s\n", o.pubs, o.Subs, o.Warmup)
	if !measure.Sleep(ctx, o.Warmup) {
		return ctx.Err()
	}
	m0, err := o.scrape(ctx)
	if err != nil {
		return err
	}
	r0 := rx.Snapshot()
	sent0 := pubs.Sent()
	start := time.Now()
	if !measure.Sleep(ctx, o.Duration) {
		return ctx.Err()
	}
	el := time.Since(start).Seconds()
	m1, err := o.scrapeAfterGC(ctx)
	if err != nil {
		return err
	}
	r1 := rx.Snapshot()
	sent1 := pubs.Sent()

	fwd := (m1["chancery_sfu_forwarded_packets_total"] - m0["chancery_sfu_forwarded_packets_total"]) / el
	cpu := (m1["process_cpu_seconds_total"] - m0["process_cpu_seconds_total"]) / el
	w := r1.Since(r0, el)
	subsTracks := m1["chancery_sfu_subscriptions"]
	rss := m1["process_resident_memory_bytes"]
	sort.Slice(joins, func(i, j int) bool { return joins[i] < joins[j] })
	fmt.Fprintf(out, "publishers sent          %.0f packets/s\n", float64(sent1-sent0)/el)
	fmt.Fprintf(out, "server forwarded         %.0f packets/s\n", fwd)
	fmt.Fprintf(out, "subscribers received     %.0f packets/s, %.2f Mbit/s\n", w.PacketRate(), w.Mbps())
	fmt.Fprintf(out, "loss (sequence gaps)     %.3f %% (%d packets)\n", w.LossPercent(), w.Gaps)
	fmt.Fprintf(out, "gaps                     %d in video tracks, %d in audio; %d jumps over %d (largest %d); %d padding-only packets received\n",
		w.VideoGaps, w.Gaps-w.VideoGaps, w.Jumps, measure.JumpOver, r1.MaxJump, w.Padding)
	fmt.Fprintf(out, "server CPU               %.2f cores; %.0f packets/s per core\n", cpu, measure.PerCore(fwd, cpu))
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
	fmt.Fprintf(out, "video tracks received    %s (by the rate each got)\n", r1.VideoMix(r0, el))
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
