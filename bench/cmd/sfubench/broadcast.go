package main

// The broadcast shape: one publisher and N viewers. Chancery's viewers are
// WHEP players (POST /whep/{room} on the demo's public live session, a
// pion PeerConnection that only receives); LiveKit has no WHEP egress, so
// its viewers are subscribers through its SDK. Both are measured the same
// way from outside: CPU and RSS of the server from /proc, packets and
// sequence gaps at the viewers, and each viewer's time to first frame (from
// the start of its join to its first video packet).

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"

	lksdk "github.com/livekit/server-sdk-go/v2"

	"github.com/mofa-vn/chancery/internal/sfu/sfuclient"
	"github.com/mofa-vn/chancery/internal/sfu/sfuclient/measure"
)

// viewer is one viewer's join time and first video packet.
type viewer struct {
	start time.Time
	first atomic.Int64 // unix nanoseconds of the first video packet, 0 before
}

func (v *viewer) gotVideo(at time.Time) { v.first.CompareAndSwap(0, at.UnixNano()) }

// ttff is the time to first frame, or false when none came.
func (v *viewer) ttff() (time.Duration, bool) {
	f := v.first.Load()
	if f == 0 {
		return 0, false
	}
	return time.Unix(0, f).Sub(v.start), true
}

// ttffStats are the median and worst time to first frame of the viewers
// that had one, and how many had none.
func ttffStats(vs []*viewer) (median, worst time.Duration, missing int) {
	var d []time.Duration
	for _, v := range vs {
		if t, ok := v.ttff(); ok {
			d = append(d, t)
		} else {
			missing++
		}
	}
	if len(d) == 0 {
		return 0, 0, missing
	}
	slices.Sort(d)
	return d[len(d)/2], d[len(d)-1], missing
}

// viewerJoiner is what the broadcast shape needs of a server besides
// system's publish.
type viewerJoiner interface {
	view(ctx context.Context, id string, v *viewer, rx *measure.Counters) error
}

// broadcastSynthetic is the publisher's media: one VP8 stream at kbps (or
// the simulcast set) and speech-level Opus-sized audio.
func broadcastSynthetic(kbps int, simulcast bool) sfuclient.Synthetic {
	s := sfuclient.DefaultSynthetic()
	s.Simulcast = simulcast
	if !simulcast {
		s.Bitrates[2] = kbps * 1000
	}
	return s
}

// parallelJoins is how many viewers join at once.
const parallelJoins = 5

func runBroadcast(ctx context.Context, o *options, sys system, out io.Writer) error {
	vj, ok := sys.(viewerJoiner)
	if !ok {
		return fmt.Errorf("-target %s has no viewers", o.target)
	}
	pub, err := sys.publish(ctx, "bench-pub-0", broadcastSynthetic(o.videoKbps, o.simulcast))
	if err != nil {
		return err
	}
	defer pub.Stop()
	// Let the publisher's stream reach the server before the baseline.
	if !measure.Sleep(ctx, 2*time.Second) {
		return ctx.Err()
	}
	base, err := measure.ReadProc(o.pid)
	if err != nil {
		return err
	}
	var rx measure.Counters
	viewers := make([]*viewer, o.viewers)
	errs := make([]error, o.viewers)
	sem := make(chan struct{}, parallelJoins)
	var wg sync.WaitGroup
	for i := range viewers {
		viewers[i] = &viewer{}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			viewers[i].start = time.Now()
			errs[i] = vj.view(ctx, fmt.Sprintf("bench-viewer-%d", i), viewers[i], &rx)
		})
	}
	wg.Wait()
	failed := 0
	for i, err := range errs {
		if err != nil {
			failed++
			if failed == 1 {
				fmt.Fprintf(out, "viewer %d: %v\n", i, err)
			}
		}
	}
	if failed == o.viewers {
		return fmt.Errorf("no viewer joined: %w", errors.Join(errs...))
	}
	m, err := measureWindow(ctx, o, &rx, pub.Sent.Load)
	if err != nil {
		return err
	}
	p1, r1, el, w := m.p1, m.r1, m.seconds, m.rx
	cpu, recv, gaps, loss := m.cpu(), w.PacketRate(), w.Gaps, w.LossPercent()
	// Delivery: what the viewers received of what the publisher sent in
	// the window, times the viewers (a server that drops before
	// renumbering shows here and not in the gaps).
	delivery := 0.0
	if sent := float64(m.sent) * float64(o.viewers); sent > 0 {
		delivery = float64(w.Packets) / sent * 100
	}
	med, worst, missing := ttffStats(viewers)
	wantTracks := 2 * o.viewers
	silent := r1.Silent(m.r0)
	mibPerViewer := float64(int64(p1.RSS)-int64(base.RSS)) / (1 << 20) / float64(o.viewers)
	perCore := 0.0
	if cpu > 0 {
		perCore = float64(o.viewers) / cpu
	}
	fmt.Fprintf(out, "%s on %s: 1 publisher (%s), %d viewers (%s), %d failed to join\n", o.label, o.target, pubShape(o), o.viewers, viewerKind(o.target), failed)
	fmt.Fprintf(out, "  publisher sent         %.0f packets/s\n", float64(m.sent)/el)
	fmt.Fprintf(out, "  viewers received       %.0f packets/s, %.2f Mbit/s; %d of %d tracks, %d silent in the window; %.2f %% of sent x viewers\n",
		recv, w.Mbps(), r1.Tracks, wantTracks, silent, delivery)
	fmt.Fprintf(out, "  sequence gaps          %d packets (%.3f %%)\n", gaps, loss)
	fmt.Fprintf(out, "  server CPU             %.3f cores, %.0f packets per CPU-second, %.1f viewers per core\n", cpu, measure.PerCore(recv, cpu), perCore)
	fmt.Fprintf(out, "  server RSS             %.1f MiB (%.1f with the publisher alone), %.3f MiB per viewer\n",
		float64(p1.RSS)/(1<<20), float64(base.RSS)/(1<<20), mibPerViewer)
	fmt.Fprintf(out, "  time to first frame    median %d ms, worst %d ms, %d viewers without video\n", med.Milliseconds(), worst.Milliseconds(), missing)
	fmt.Fprintf(out, "  video received         %s\n", r1.VideoMix(m.r0, el))
	fmt.Fprintf(out, "RESULT label=%s target=%s viewers=%d joined=%d recv_pps=%.0f recv_mbps=%.3f cpu_cores=%.4f pps_per_cpu=%.0f gaps=%d loss_pct=%.4f delivery_pct=%.2f tracks=%d want_tracks=%d silent=%d rss_mib=%.2f base_rss_mib=%.2f mib_per_viewer=%.4f viewers_per_core=%.1f ttff_median_ms=%d ttff_max_ms=%d no_video=%d\n",
		o.label, o.target, o.viewers, o.viewers-failed, recv, w.Mbps(), cpu, measure.PerCore(recv, cpu), gaps, loss, delivery,
		r1.Tracks, wantTracks, silent, float64(p1.RSS)/(1<<20), float64(base.RSS)/(1<<20), mibPerViewer, perCore, med.Milliseconds(), worst.Milliseconds(), missing)
	return nil
}

func pubShape(o *options) string {
	if o.simulcast {
		return "VP8 simulcast 150/500/1500 kbit/s + Opus"
	}
	return fmt.Sprintf("VP8 %d kbit/s + Opus", o.videoKbps)
}

func viewerKind(target string) string {
	if target == "chancery" {
		return "WHEP"
	}
	return "SDK subscribers; LiveKit has no WHEP egress"
}

// whepURL is the WHEP endpoint of a room on a Chancery server.
func whepURL(server, room string) string {
	return strings.TrimSuffix(server, "/") + "/whep/" + url.PathEscape(room)
}

// view opens one WHEP player: a pion PeerConnection that receives one
// video and one audio, its whole offer (ICE gathered) POSTed as
// application/sdp; 201 with the answer.
func (c *chancery) view(ctx context.Context, id string, v *viewer, rx *measure.Counters) error {
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		return err
	}
	pc, err := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(se)).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return err
	}
	fail := func(err error) error {
		_ = pc.Close()
		return fmt.Errorf("%s: %w", id, err)
	}
	pc.OnTrack(func(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		var first func(time.Time)
		if t.Kind() == webrtc.RTPCodecTypeVideo {
			first = v.gotVideo
		}
		rx.Read(t, first)
	})
	for _, k := range []webrtc.RTPCodecType{webrtc.RTPCodecTypeVideo, webrtc.RTPCodecTypeAudio} {
		if _, err := pc.AddTransceiverFromKind(k, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
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
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, whepURL(c.o.server, c.o.room), strings.NewReader(pc.LocalDescription().SDP))
	if err != nil {
		return fail(err)
	}
	req.Header.Set("Content-Type", "application/sdp")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fail(err)
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	_ = res.Body.Close()
	if err != nil {
		return fail(err)
	}
	if res.StatusCode != http.StatusCreated {
		return fail(fmt.Errorf("POST /whep: %s: %s", res.Status, strings.TrimSpace(string(body))))
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: string(body)}); err != nil {
		return fail(err)
	}
	c.mu.Lock()
	c.players = append(c.players, pc)
	c.mu.Unlock()
	return nil
}

// view joins LiveKit as a subscriber of everything (its SDK; LiveKit has
// no WHEP egress).
func (l *livekit_) view(_ context.Context, id string, v *viewer, rx *measure.Counters) error {
	cb := lksdk.NewRoomCallback()
	w, h := uint32(l.o.ViewWidth), uint32(l.o.ViewHeight)
	cb.OnTrackSubscribed = func(t *webrtc.TrackRemote, pub *lksdk.RemoteTrackPublication, _ *lksdk.RemoteParticipant) {
		var first func(time.Time)
		if t.Kind() == webrtc.RTPCodecTypeVideo {
			pub.SetVideoDimensions(w, h)
			first = v.gotVideo
		}
		go rx.Read(t, first)
	}
	_, err := l.connect(id, cb, true)
	return err
}
