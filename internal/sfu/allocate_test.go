package sfu

import (
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/cc"
	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
)

// fixedEstimate stands in for GCC with a given estimate, to test the
// allocation policy on its own; the pion tests exercise the real estimator.
type fixedEstimate int

func (f fixedEstimate) AddStream(_ *interceptor.StreamInfo, w interceptor.RTPWriter) interceptor.RTPWriter {
	return w
}
func (f fixedEstimate) WriteRTCP([]rtcp.Packet, interceptor.Attributes) error { return nil }
func (f fixedEstimate) GetTargetBitrate() int                                 { return int(f) }
func (f fixedEstimate) OnTargetBitrateChange(func(int))                       {}
func (f fixedEstimate) GetStats() map[string]any                              { return nil }
func (f fixedEstimate) Close() error                                          { return nil }

func liveTrack(id string, kind webrtc.RTPCodecType, source Source) *upTrack {
	u := &upTrack{id: id, owner: "p-" + id, kind: kind, source: source, simulcast: kind == webrtc.RTPCodecTypeVideo}
	now := time.Now().UnixNano()
	for i := range u.layers {
		u.layers[i].active.Store(true)
		u.layers[i].lastRx.Store(now)
	}
	return u
}

func TestAllocateStepsVideoDownBeforeAudio(t *testing.T) {
	p := &Participant{downs: map[string]*downTrack{}}
	var cams []*downTrack
	for _, id := range []string{"a", "b"} {
		v := newDownTrack(liveTrack("cam-"+id, webrtc.RTPCodecTypeVideo, SourceCamera), "me")
		v.viewW.Store(1280)
		v.viewH.Store(720)
		v.viewSet.Store(true)
		p.downs[v.up.id] = v
		cams = append(cams, v)
		a := newDownTrack(liveTrack("mic-"+id, webrtc.RTPCodecTypeAudio, SourceMicrophone), "me")
		p.downs[a.up.id] = a
	}
	scr := newDownTrack(liveTrack("screen", webrtc.RTPCodecTypeVideo, SourceScreen), "me")
	scr.up.simulcast = false
	scr.viewW.Store(1280)
	scr.viewH.Store(720)
	scr.viewSet.Store(true)
	p.downs["screen"] = scr

	// Plenty of bandwidth: every video at the layer its size asks for.
	var e cc.BandwidthEstimator = fixedEstimate(20_000_000)
	p.bwe.Store(&e)
	p.allocate()
	for _, d := range append(cams, scr) {
		if d.targetLayer() != layerHigh {
			t.Fatalf("%s: layer %d, want high", d.up.id, d.targetLayer())
		}
		d.mu.Lock()
		d.current = d.target // as if the keyframes had arrived
		d.mu.Unlock()
	}

	// Congestion: 0.9 Mbit/s. Audio keeps its share (two microphones), the
	// screen (text must stay readable) keeps its layer, cameras step down
	// and one pauses.
	e = fixedEstimate(900_000)
	p.bwe.Store(&e)
	p.allocate()
	got := map[string]int{}
	for _, d := range append(cams, scr) {
		got[d.up.id] = d.targetLayer()
	}
	if got["screen"] != layerHigh || got["cam-a"]+got["cam-b"] != layerLow+layerPaused {
		t.Fatalf("layers under congestion = %v", got)
	}
	for _, d := range p.downs {
		if d.up.kind == webrtc.RTPCodecTypeAudio && d.targetLayer() != layerHigh {
			t.Errorf("audio %s touched: %d", d.up.id, d.targetLayer())
		}
	}

	// A hidden video pauses whatever the bandwidth.
	cams[0].viewW.Store(0)
	cams[0].viewH.Store(0)
	e = fixedEstimate(20_000_000)
	p.bwe.Store(&e)
	p.lastUpgrade = time.Time{}
	p.allocate()
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
