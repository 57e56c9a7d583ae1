package broadcast_test

import (
	"fmt"
	"net/http"
	"runtime"
	"sort"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// benchWindow is how long the loss is measured once every viewer plays.
const benchWindow = 5 * time.Second

// BenchmarkWHEPViewers publishes one 1 Mbit/s VP8 feed (about 100 packets
// of 1,200 bytes a second) and 50 Opus packets a second by WHIP, opens N
// WHEP viewers through the real handlers (pion peers in this process, over
// loopback) and reports, for each N: the packets lost over benchWindow
// (per cent of what the viewers should have received), the CPU the whole
// process used (server and clients, in cores), the heap per viewer, and
// the median and worst time from a viewer's POST to its first video
// packet. docs/benchmarks.md records the figures.
//
//	go test -run '^$' -bench WHEPViewers -benchtime 1x ./internal/broadcast/
func BenchmarkWHEPViewers(b *testing.B) {
	for _, n := range []int{10, 25, 50, 100} {
		b.Run(fmt.Sprintf("viewers=%d", n), func(b *testing.B) {
			for range b.N {
				benchViewers(b, n)
			}
		})
	}
}

func benchViewers(b *testing.B, n int) {
	db := storetest.Open(b, store.BackendSQLite)
	f := newFixture(b, db)
	f.user("admin", account.RoleAdmin)
	room := f.room.Slug
	tok := f.issue("admin", room, false)
	pc := newPC(b, webrtc.MimeTypeVP8)
	vt, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "video", "studio")
	if err != nil {
		b.Fatal(err)
	}
	at, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "audio", "studio")
	if err != nil {
		b.Fatal(err)
	}
	for _, tr := range []webrtc.TrackLocal{vt, at} {
		if _, err := pc.AddTransceiverFromTrack(tr, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
			b.Fatal(err)
		}
	}
	pub, res, body := f.post(pc, "/whip/"+room, "Authorization", "Bearer "+tok.Token)
	if pub == nil {
		b.Fatalf("WHIP: %d %s", res.StatusCode, body)
	}
	var sent atomic.Uint64
	pub.wg.Go(func() {
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		payload := make([]byte, 1200)
		copy(payload, []byte{0x10, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0})
		var seq uint16
		var ts uint32
		for i := 0; ; i++ {
			select {
			case <-pub.stop:
				return
			case <-tick.C:
				seq++
				if i%3 == 0 {
					ts += 3000
				}
				if vt.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, Marker: i%3 == 2, SequenceNumber: seq, Timestamp: ts}, Payload: payload}) == nil {
					sent.Add(1)
				}
			}
		}
	})
	pub.wg.Go(func() { sendAudio(pub.stop, at) })
	b.Cleanup(pub.halt)
	waitFor(b, 10*time.Second, "the room to go live", func() bool { return f.srv.Live(room) })

	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	viewers := make([]*peer, n)
	ttff := make([]time.Duration, n)
	for i := range viewers {
		start := time.Now()
		v, res, body := f.view("/whep/" + room)
		if v == nil {
			if res.StatusCode == http.StatusServiceUnavailable {
				b.Fatalf("viewer %d refused: %s", i, body)
			}
			b.Fatalf("viewer %d: %d %s", i, res.StatusCode, body)
		}
		viewers[i] = v
		waitFor(b, 20*time.Second, "a viewer's first frame", func() bool { return v.video.Load() > 0 })
		ttff[i] = time.Since(start)
	}
	time.Sleep(time.Second) // let every viewer's jitter settle before measuring
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)

	s0 := sent.Load()
	r0 := make([]uint64, n)
	for i, v := range viewers {
		r0[i] = v.video.Load()
	}
	cpu0 := cpuTime()
	wall0 := time.Now()
	time.Sleep(benchWindow)
	cpu := cpuTime() - cpu0
	wall := time.Since(wall0)
	// Packets still in flight at the end are not lost: give them a moment.
	s1 := sent.Load()
	time.Sleep(200 * time.Millisecond)
	var got uint64
	for i, v := range viewers {
		got += min(v.video.Load()-r0[i], s1-s0)
	}
	want := (s1 - s0) * uint64(n)
	loss := 100 * float64(want-got) / float64(want)
	sort.Slice(ttff, func(i, j int) bool { return ttff[i] < ttff[j] })
	b.ReportMetric(loss, "loss-%")
	b.ReportMetric(cpu.Seconds()/wall.Seconds(), "cores")
	b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/float64(n)/1024, "heap-KiB/viewer")
	b.ReportMetric(float64(ttff[n/2].Milliseconds()), "ttff-median-ms")
	b.ReportMetric(float64(ttff[n-1].Milliseconds()), "ttff-max-ms")
	b.ReportMetric(float64(s1-s0)/wall.Seconds(), "video-pps-in")
}

// cpuTime is the CPU time the process used so far, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
