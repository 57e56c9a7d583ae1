package media

import (
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
)

// connectedSender adds d to a real pion connection, negotiated with a
// second one on loopback, and returns its sender once d is bound.
func connectedSender(t *testing.T, d *DownTrack) *webrtc.RTPSender {
	t.Helper()
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetInterfaceFilter(func(name string) bool { return name == "lo" })
	api := webrtc.NewAPI(webrtc.WithSettingEngine(se))
	a, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	b, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	sender, err := a.AddTrack(d)
	if err != nil {
		t.Fatal(err)
	}
	d.SetSender(sender)
	offer, err := a.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	done := webrtc.GatheringCompletePromise(a)
	if err := a.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	<-done
	if err := b.SetRemoteDescription(*a.LocalDescription()); err != nil {
		t.Fatal(err)
	}
	answer, err := b.CreateAnswer(nil)
	if err != nil {
		t.Fatal(err)
	}
	done = webrtc.GatheringCompletePromise(b)
	if err := b.SetLocalDescription(answer); err != nil {
		t.Fatal(err)
	}
	<-done
	if err := a.SetRemoteDescription(*b.LocalDescription()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		d.mu.Lock()
		bound := d.bound
		d.mu.Unlock()
		if bound && a.ConnectionState() == webrtc.PeerConnectionStateConnected {
			return sender
		}
		if time.Now().After(deadline) {
			t.Fatal("the track was not bound in 10 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A report sent from write, which holds the track's lock, never waits for
// the sender: pion stops a sender holding its lock and unbinds the track
// (taking the track's lock), so asking the sender from write deadlocks
// when both meet. Here every packet sends a report while the sender stops.
func TestSenderReportWhileTheSenderStops(t *testing.T) {
	prev := SetSenderReportInterval(0)
	t.Cleanup(func() { SetSenderReportInterval(prev) })
	u, _ := subscribed(t, webrtc.RTPCodecTypeAudio, 0, nil)
	d := NewDownTrack(u)
	sender := connectedSender(t, d)
	next := packets(webrtc.RTPCodecTypeAudio)
	stop := make(chan struct{})
	writing := make(chan struct{})
	go func() {
		defer close(writing)
		for {
			select {
			case <-stop:
				return
			default:
			}
			d.write(layerHigh, next(), false, time.Now())
		}
	}()
	time.Sleep(100 * time.Millisecond) // reports flowing
	stopped := make(chan error, 1)
	go func() { stopped <- sender.Stop() }()
	select {
	case err := <-stopped:
		if err != nil {
			t.Errorf("stop: %v", err)
		}
	case <-time.After(10 * time.Second):
		// Not t.Fatal: the cleanups would close the connections and wait
		// on the same locks for the test's whole timeout.
		panic("the sender did not stop in 10 s while the track sent reports: deadlock")
	}
	close(stop)
	<-writing
	if d.srPackets == 0 {
		t.Error("no packet was counted for the reports")
	}
}
