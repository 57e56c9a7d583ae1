package media

import (
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
)

// fixedEstimate stands in for the estimator with a given estimate, to test
// the allocation policy on its own; it records the probes asked for. lossy
// is whether loss confirms the congestion (the only case where a video may
// pause for bandwidth).
type fixedEstimate struct {
	target int
	lossy  bool
	probes []int
}

func (f *fixedEstimate) Target() int { return f.target }
func (f *fixedEstimate) Probe(rate int) bool {
	f.probes = append(f.probes, rate)
	return false // no padding goroutine in these tests
}
func (f *fixedEstimate) ProbePadding() (int, bool) { return 0, false }
func (f *fixedEstimate) Lossy() bool               { return f.lossy }

func liveTrack(id string, kind webrtc.RTPCodecType, source Source) *UpTrack {
	u := &UpTrack{id: id, owner: "p-" + id, kind: kind, source: source, simulcast: kind == webrtc.RTPCodecTypeVideo}
	now := time.Now().UnixNano()
	for i := range u.layers {
		u.layers[i].active.Store(true)
		u.layers[i].lastRx.Store(now)
	}
	return u
}

func TestAllocateStepsVideoDownBeforeAudio(t *testing.T) {
	downs := map[string]*DownTrack{}
	s := NewSubscriber(SubscriberParams{
		Go:         func(func()) { t.Error("padding started without a probe") },
		Reallocate: func() { t.Error("reallocation asked without a probe") },
	})
	ctx := t.Context()
	var cams []*DownTrack
	for _, id := range []string{"a", "b"} {
		v := NewDownTrack(liveTrack("cam-"+id, webrtc.RTPCodecTypeVideo, SourceCamera))
		v.viewW.Store(1280)
		v.viewH.Store(720)
		v.viewSet.Store(true)
		downs[v.up.id] = v
		cams = append(cams, v)
		a := NewDownTrack(liveTrack("mic-"+id, webrtc.RTPCodecTypeAudio, SourceMicrophone))
		downs[a.up.id] = a
	}
	scr := NewDownTrack(liveTrack("screen", webrtc.RTPCodecTypeVideo, SourceScreen))
	scr.up.simulcast = false
	scr.viewW.Store(1280)
	scr.viewH.Store(720)
	scr.viewSet.Store(true)
	downs["screen"] = scr

	// Plenty of bandwidth: every video at the layer its size asks for, and
	// nothing to probe for.
	e := &fixedEstimate{target: 20_000_000}
	s.allocateWith(ctx, downs, e)
	if len(e.probes) != 0 {
		t.Errorf("probed %v with every video at its layer", e.probes)
	}
	for _, d := range append(cams, scr) {
		if d.targetLayer() != layerHigh {
			t.Fatalf("%s: layer %d, want high", d.up.id, d.targetLayer())
		}
		d.mu.Lock()
		d.current = d.target // as if the keyframes had arrived
		d.mu.Unlock()
	}

	// Congestion with loss: 0.8 Mbit/s. Audio keeps its share (two microphones), the
	// screen (text must stay readable) keeps its layer (it has it, so 85 %
	// of its rate is enough), cameras step down and one pauses.
	e = &fixedEstimate{target: 800_000, lossy: true}
	s.allocateWith(ctx, downs, e)
	got := map[string]int{}
	for _, d := range append(cams, scr) {
		got[d.up.id] = d.targetLayer()
	}
	if got["screen"] != layerHigh || got["cam-a"]+got["cam-b"] != layerLow+layerPaused {
		t.Fatalf("layers under congestion = %v", got)
	}
	for _, d := range downs {
		if d.up.kind == webrtc.RTPCodecTypeAudio && d.targetLayer() != layerHigh {
			t.Errorf("audio %s touched: %d", d.up.id, d.targetLayer())
		}
	}
	// It probes for the next step: the paused camera back at the low
	// layer (screen 500 + two low 150 kbit/s), with the headroom a raise
	// needs, on top of the audio.
	headroom, step := raiseHeadroom, 800_000.0
	if want := int(float64(128_000+int(step/headroom)) * 1.05); len(e.probes) != 1 || e.probes[0] != want {
		t.Errorf("probes %v, want [%d]", e.probes, want)
	}
	for _, d := range append(cams, scr) {
		d.mu.Lock()
		d.current = d.target
		d.mu.Unlock()
	}

	// An estimate that just covers the step is not enough to take it
	// (hysteresis)...
	s.allocateWith(ctx, downs, &fixedEstimate{target: 1_000_000, lossy: true})
	if got := cams[0].targetLayer() + cams[1].targetLayer(); got != layerLow+layerPaused {
		t.Errorf("raised without headroom: cameras at %d and %d", cams[0].targetLayer(), cams[1].targetLayer())
	}
	// ...one with room is, and the paused camera comes back before the
	// other one gets more.
	s.allocateWith(ctx, downs, &fixedEstimate{target: 1_100_000, lossy: true})
	if cams[0].targetLayer() != layerLow || cams[1].targetLayer() != layerLow {
		t.Errorf("after a probe: cameras at %d and %d, want both low", cams[0].targetLayer(), cams[1].targetLayer())
	}

	// A hidden video pauses whatever the bandwidth.
	cams[0].viewW.Store(0)
	cams[0].viewH.Store(0)
	e = &fixedEstimate{target: 20_000_000}
	s.allocateWith(ctx, downs, e)
	if cams[0].targetLayer() != layerPaused {
		t.Errorf("hidden camera at layer %d", cams[0].targetLayer())
	}
}

func TestKeyframeRequestsAreRateLimited(t *testing.T) {
	u := liveTrack("cam", webrtc.RTPCodecTypeVideo, SourceCamera)
	u.layers[layerHigh].ssrc.Store(1234)
	var sent []rtcp.Packet
	u.sendRTCP = func(p []rtcp.Packet) error { sent = append(sent, p...); return nil }
	for range 10 { // ten subscribers lose the same packet
		u.requestKeyframe(layerHigh)
	}
	if len(sent) != 1 {
		t.Fatalf("%d keyframe requests reached the publisher, want 1", len(sent))
	}
	if pli, ok := sent[0].(*rtcp.PictureLossIndication); !ok || pli.MediaSSRC != 1234 {
		t.Errorf("sent %#v", sent[0])
	}
	u.layers[layerHigh].lastKF.Store(time.Now().Add(-keyframeInterval).UnixNano())
	u.requestKeyframe(layerHigh)
	if len(sent) != 2 {
		t.Errorf("no request after the interval: %d", len(sent))
	}
	// Audio never gets keyframe requests.
	a := liveTrack("mic", webrtc.RTPCodecTypeAudio, SourceMicrophone)
	a.sendRTCP = u.sendRTCP
	a.requestKeyframe(layerHigh)
	if len(sent) != 2 {
		t.Error("keyframe request sent for audio")
	}
}
