package media

import (
	"cmp"
	"context"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"

	"github.com/mofa-vn/chancery/internal/sfu/media/bwe"
)

// Subscriber is the media side of one subscriber connection: its bandwidth
// estimator, the interceptor that feeds it, and the allocation of the
// layers of the videos it receives.
type Subscriber struct {
	est        *bwe.Estimator
	counters   *Counters
	log        *slog.Logger
	spawn      func(func())
	reallocate func()
	// order ranks this subscriber's videos where the policy leaves a tie
	// (rankVideos).
	order uint64
}

// SubscriberParams are what a Subscriber needs of its owner.
type SubscriberParams struct {
	// Counters receive probes, padding, feedback and retransmissions
	// dropped (nil: not counted).
	Counters *Counters
	// Log receives each allocation at debug level (nil: discarded).
	Log *slog.Logger
	// Go runs f on a goroutine the owner waits for before it drops the
	// connection: probe padding runs there (nil: a goroutine of its own,
	// which ends with the context Allocate was given).
	Go func(f func())
	// Reallocate asks the owner to call Allocate again, where it serialises
	// its allocations, once a probe's result is due (nil: the owner's next
	// periodic Allocate looks at the result).
	Reallocate func()
}

// NewSubscriber returns the media side of a new subscriber connection,
// with a fresh estimator.
func NewSubscriber(p SubscriberParams) *Subscriber {
	if p.Counters == nil {
		p.Counters = new(Counters)
	}
	if p.Log == nil {
		p.Log = slog.New(slog.DiscardHandler)
	}
	if p.Go == nil {
		p.Go = func(f func()) { go f() }
	}
	if p.Reallocate == nil {
		p.Reallocate = func() {}
	}
	return &Subscriber{est: bwe.New(bwe.Config{}), counters: p.Counters, log: p.Log, spawn: p.Go, reallocate: p.Reallocate,
		order: rand.Uint64()}
}

// Interceptor is the factory to register first, closest to the network, on
// the subscriber's connection (its own interceptor.Registry): it numbers
// every packet the connection sends for transport-wide congestion control
// and hands the subscriber's feedback to the estimator.
func (s *Subscriber) Interceptor() interceptor.Factory {
	return twccFactory{&subscriberBWE{est: s.est, counters: s.counters}}
}

// estimator is what the allocator needs of a subscriber connection's
// bandwidth estimator (*bwe.Estimator).
type estimator interface {
	// Target is the estimate in bits per second.
	Target() int
	// Probe starts a probe cluster at rate bits per second, unless one
	// runs or the last failed recently.
	Probe(rate int) bool
	// ProbePadding is the padding rate a running cluster asks for.
	ProbePadding() (bps int, ok bool)
	// Lossy reports whether loss confirms the congestion the estimate
	// shows; without it the estimate may be the delay detector reading a
	// starved CPU's scheduling delays.
	Lossy() bool
}

// audioReserve is the bandwidth set aside for each audio track before any
// video layer is chosen, until its rate is measured: audio never competes
// with video. A measured track is given its rate and a quarter more.
const audioReserve = 64_000

func audioCost(u *UpTrack) int {
	if b := u.layers[layerHigh].bitrate.Load(); b > 0 {
		return int(b) * 5 / 4
	}
	return audioReserve
}

// keepDiscount is the share of a layer's rate a video that already has the
// layer must fit in to keep it. One multiplicative decrease of the estimate
// (to 85 % of what got through) then holds the layers where they are, and
// only congestion that persists steps them down: otherwise every small
// overuse would step down (or pause) a video the path was carrying.
const keepDiscount = 0.85

// raiseHeadroom is the share of the budget a video may use once it steps
// above the layer it has: the step waits for 10 % of room, so that an
// estimate hovering at a threshold does not flap between two layers.
const raiseHeadroom = 0.9

// probeStep bounds a probe to this multiple of the estimate.
const probeStep = 1.5

// probeSettle is how long after a cluster stops sending the allocator
// looks at its result.
const probeSettle = 300 * time.Millisecond

// probeTick is how often probe padding is sent while a cluster runs.
const probeTick = 5 * time.Millisecond

// Allocate chooses the simulcast layer of every video in downs, the tracks
// the connection receives, and may start probing for more: the padding
// runs until ctx ends or the probe is done. The owner calls it every
// second, when a view size changes and when Reallocate asks, one call at
// a time.
func (s *Subscriber) Allocate(ctx context.Context, downs map[string]*DownTrack) {
	var est estimator
	if s.est != nil {
		est = s.est
	}
	s.allocateWith(ctx, downs, est)
}

// allocateWith chooses the simulcast layer of every video in downs: the
// layer that fits the size the client shows it at, stepped down (cameras
// before screens, the highest layer first, down to a pause) while the
// estimate, less what audio is given, cannot carry them. When the videos
// get less than their tiles ask for, it probes the path for the next step
// up: padding tells whether the link has room before any video relies on
// it. A nil est means no estimate: every video gets what it asks for.
func (s *Subscriber) allocateWith(ctx context.Context, downs map[string]*DownTrack, est estimator) {
	var videos []*DownTrack
	audio := 0
	for _, d := range downs {
		if d.up.kind == webrtc.RTPCodecTypeAudio {
			audio += audioCost(d.up)
		} else {
			videos = append(videos, d)
		}
	}
	if len(videos) == 0 {
		return
	}
	s.rankVideos(videos)
	want := make([]int, len(videos))
	have := make([]int, len(videos))
	for i, d := range videos {
		want[i] = d.up.bestLayer(viewLayer(d))
		have[i] = d.targetLayer()
	}
	if est == nil {
		for i, d := range videos {
			d.setTarget(want[i])
		}
		return
	}
	budget := max(est.Target()-audio, 0)
	// Delay alone steps a video down to its lowest layer, never to a
	// pause: only loss says that even the lowest layer does not fit. On a
	// starved machine (the SFU's, or the subscriber's) packets leave and
	// are read late, the delay detector reads the scheduling delays as a
	// filling queue and the estimate falls to its minimum, below the
	// lowest layer once audio is served: every video then paused for the
	// whole run while nothing was lost (docs/benchmarks.md, issue 22).
	floor := make([]int, len(videos))
	lossy := est.Lossy()
	for i, d := range videos {
		floor[i] = layerPaused
		if !lossy {
			floor[i] = lowestLayer(d.up, want[i])
		}
	}
	alloc := fit(videos, want, have, floor, budget)
	if raised(alloc, have) && cost(videos, alloc, nil) > int(raiseHeadroom*float64(budget)) {
		keep := slices.Clone(want)
		for i := range keep {
			keep[i] = min(keep[i], max(have[i], floor[i]))
		}
		alloc = fit(videos, keep, have, floor, budget)
	}
	for i, d := range videos {
		d.setTarget(alloc[i])
	}
	if s.est != nil && s.log.Enabled(ctx, slog.LevelDebug) {
		st := s.est.Stats()
		s.log.Debug("allocate", "target", st.Target, "acked", st.Acked, "loss", st.Loss, "usage", st.Usage.String(), "probing", st.Probing,
			"probes", st.Probes, "succeeded", st.ProbesSucceeded, "want", want, "have", have, "alloc", alloc)
	}
	if next, ok := nextStep(videos, alloc, want); ok {
		// Enough for the next step with the headroom a raise needs, and a
		// little more: a probe's result is what got through, slightly
		// below what was sent.
		rate := int(float64(audio+int(float64(cost(videos, next, nil))/raiseHeadroom)) * 1.05)
		// At most half again the estimate at a time: a probe far beyond
		// what the path carries overflows its queue, and the loss hits the
		// video and audio already flowing. Larger steps take several
		// probes, each from what the last one proved.
		rate = min(rate, int(probeStep*float64(est.Target())))
		if est.Probe(rate) {
			s.counters.probes.Add(1)
			s.spawn(func() { s.pad(ctx, est, videos) })
		}
	}
}

// rankVideos sorts videos in the order that breaks the policy's ties: of
// two cameras at the same layer, the first steps down (and pauses) first
// and comes back last. Map order is random, and a subscriber's allocation
// must not flap between equals from one second to the next: the order is
// the subscriber's own, fixed. It must differ between subscribers: with
// one order for all (by track id, say), the estimates of a room's
// subscribers falling together (a loaded server, a shared uplink) paused
// the same publisher's video for every one of them, and kept it paused
// while probes failed: one delegate unseen by the whole room, for the
// whole run. Each subscriber now pauses its own choice.
func (s *Subscriber) rankVideos(videos []*DownTrack) {
	rank := func(d *DownTrack) uint64 {
		// FNV-1a over the subscriber's order, then the track id.
		h := uint64(14695981039346656037)
		for i := range 8 {
			h = (h ^ (s.order >> (8 * i) & 0xff)) * 1099511628211
		}
		for i := range len(d.up.id) {
			h = (h ^ uint64(d.up.id[i])) * 1099511628211
		}
		return h
	}
	slices.SortFunc(videos, func(a, b *DownTrack) int {
		return cmp.Or(cmp.Compare(rank(a), rank(b)), strings.Compare(a.up.id, b.up.id))
	})
}

// fit steps want down until the videos cost no more than budget, a layer
// a video has counting keepDiscount of its rate, and none below its floor.
func fit(videos []*DownTrack, want, have, floor []int, budget int) []int {
	alloc := slices.Clone(want)
	for cost(videos, alloc, have) > budget {
		best := -1
		for i, d := range videos {
			if alloc[i] < 0 || alloc[i] <= floor[i] {
				continue
			}
			if best < 0 || (d.up.source == SourceCamera && videos[best].up.source != SourceCamera) ||
				(d.up.source == videos[best].up.source && alloc[i] > alloc[best]) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		alloc[best] = stepDown(videos[best].up, alloc[best])
	}
	return alloc
}

// lowestLayer is the lowest layer of u that is live, up to want: the
// layer delay-based congestion alone cannot take away (paused when want is).
func lowestLayer(u *UpTrack, want int) int {
	for q := layerLow; q <= want; q++ {
		if u.bestLayer(q) == q {
			return q
		}
	}
	return layerPaused
}

// stepDown is the next layer below q that the track has.
func stepDown(u *UpTrack, q int) int {
	if !u.simulcast {
		return layerPaused
	}
	return u.bestLayer(q - 1)
}

// nextStep is alloc with one video one step closer to what it wants: a
// screen before cameras, then the video with the lowest layer, so that
// everyone comes back before anyone gets more.
func nextStep(videos []*DownTrack, alloc, want []int) ([]int, bool) {
	best := -1
	for i, d := range videos {
		if alloc[i] >= want[i] {
			continue
		}
		if best < 0 || (d.up.source == SourceScreen && videos[best].up.source != SourceScreen) ||
			(d.up.source == videos[best].up.source && alloc[i] < alloc[best]) {
			best = i
		}
	}
	if best < 0 {
		return nil, false
	}
	next := slices.Clone(alloc)
	u := videos[best].up
	if !u.simulcast {
		next[best] = want[best]
	} else {
		for q := alloc[best] + 1; q <= want[best]; q++ {
			if u.bestLayer(q) == q {
				next[best] = q
				break
			}
		}
	}
	return next, next[best] != alloc[best]
}

func raised(alloc, have []int) bool {
	for i := range alloc {
		if alloc[i] > have[i] {
			return true
		}
	}
	return false
}

// cost is what the videos need at the given layers, in bits per second; a
// layer a video has (have, when not nil) counts keepDiscount of its rate.
func cost(videos []*DownTrack, layers, have []int) int {
	c := 0.0
	for i, d := range videos {
		if layers[i] < 0 {
			continue
		}
		r := float64(d.up.layerBitrate(layers[i]))
		if have != nil && layers[i] == have[i] {
			r *= keepDiscount
		}
		c += r
	}
	return int(c)
}

// pad sends the padding a probe cluster asks for, every probeTick, on the
// subscriber's videos, until the cluster has sent what it needs.
func (s *Subscriber) pad(ctx context.Context, est estimator, videos []*DownTrack) {
	t := time.NewTicker(probeTick)
	defer t.Stop()
	const overhead = 12 + 8 // RTP header and the transport-wide sequence number
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		bps, ok := est.ProbePadding()
		if !ok {
			// The cluster has sent what it needs; its feedback follows
			// within a round trip or two. Allocate again then rather than
			// at the next tick, so that a step up the probe allowed comes
			// half a second sooner on average.
			select {
			case <-ctx.Done():
			case <-time.After(probeSettle):
				s.reallocate()
			}
			return
		}
		bytes := int(int64(bps) * int64(probeTick) / int64(8*time.Second))
		for bytes > 0 {
			sent := false
			for _, d := range videos {
				n := min(bytes, maxPadding)
				if d.writePadding(n) {
					s.counters.padding.Add(1)
					bytes -= n + overhead
					sent = true
					if bytes <= 0 {
						break
					}
				}
			}
			if !sent {
				break // every video is inside a frame: try again next tick
			}
		}
	}
}

// viewLayer is the layer that fits how large the client shows the video.
func viewLayer(d *DownTrack) int {
	if !d.viewSet.Load() {
		return layerMedium
	}
	w, h := d.viewW.Load(), d.viewH.Load()
	switch {
	case w == 0 || h == 0:
		return layerPaused
	case d.up.source == SourceScreen:
		return layerHigh // text must stay readable
	case w <= 360 && h <= 240:
		return layerLow
	case w <= 800 && h <= 480:
		return layerMedium
	}
	return layerHigh
}
