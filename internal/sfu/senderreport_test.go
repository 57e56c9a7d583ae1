package sfu_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"

	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/sfu/sfuclient"
)

// srWatch records, for each track a subscriber receives, the packets'
// timestamps and payload sizes and the sender reports that came for it.
type srWatch struct {
	mu      sync.Mutex
	kind    map[webrtc.SSRC]webrtc.RTPCodecType
	ts      map[webrtc.SSRC][]uint32
	size    map[webrtc.SSRC][]int
	reports map[webrtc.SSRC][]rtcp.SenderReport
	foreign []uint32 // reports for a stream the subscriber does not receive
}

func (w *srWatch) onTrack(t *webrtc.TrackRemote, r *webrtc.RTPReceiver) {
	ssrc := t.SSRC()
	w.mu.Lock()
	w.kind[ssrc] = t.Kind()
	w.mu.Unlock()
	go func() {
		for {
			pkts, _, err := r.ReadRTCP()
			if err != nil {
				return
			}
			w.mu.Lock()
			for _, p := range pkts {
				if sr, ok := p.(*rtcp.SenderReport); ok {
					if webrtc.SSRC(sr.SSRC) == ssrc {
						w.reports[ssrc] = append(w.reports[ssrc], *sr)
					} else {
						w.foreign = append(w.foreign, sr.SSRC)
					}
				}
			}
			w.mu.Unlock()
		}
	}()
	for {
		p, _, err := t.ReadRTP()
		if err != nil {
			return
		}
		w.mu.Lock()
		w.ts[ssrc] = append(w.ts[ssrc], p.Timestamp)
		w.size[ssrc] = append(w.size[ssrc], len(p.Payload))
		w.mu.Unlock()
	}
}

// The SFU reports each stream it sends to a subscriber (RFC 3550 §6.4.1)
// about once a second, with the figures of what the subscriber received:
// for audio (no loss on loopback, no padding), the packets and octets
// counted between two reports are exactly those received between their
// timestamps; for both
// kinds, the wall clock and the RTP clock advance together between
// reports (what lip sync relies on), and the counts never go back.
func TestSenderReports(t *testing.T) {
	e := newEnv(t)
	alice := e.join("alice", sfu.RoleDelegate, nil)
	w := &srWatch{kind: map[webrtc.SSRC]webrtc.RTPCodecType{}, ts: map[webrtc.SSRC][]uint32{}, size: map[webrtc.SSRC][]int{}, reports: map[webrtc.SSRC][]rtcp.SenderReport{}}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	bob, m, err := sfuclient.Dial(ctx, e.url, e.token("bob", sfu.RoleDelegate), sfuclient.Options{OnTrack: w.onTrack})
	if err != nil {
		t.Fatal(err)
	}
	defer bob.Close()
	if m.Type == sfu.TypeLobby {
		e.admit(bob, "bob")
	}
	p, err := alice.PublishSynthetic(t.Context(), sfuclient.Synthetic{Audio: true, AudioLevel: 30, Video: true, Bitrates: [3]int{0, 0, 300_000}, FPS: 30, GOP: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	waitFor(t, 15*time.Second, "three reports on each of two streams", func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		n := 0
		for _, rs := range w.reports {
			if len(rs) >= 3 {
				n++
			}
		}
		return n == 2
	})
	time.Sleep(200 * time.Millisecond) // the packets sent before the last report arrive
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.foreign) > 0 {
		t.Errorf("reports for streams not received: %v", w.foreign)
	}
	for ssrc, rs := range w.reports {
		kind, clock := w.kind[ssrc], 90000.0
		if kind == webrtc.RTPCodecTypeAudio {
			clock = 48000
		}
		first := w.ts[ssrc][0]
		for i, r := range rs {
			if i > 0 {
				prev := rs[i-1]
				if r.PacketCount < prev.PacketCount || r.OctetCount < prev.OctetCount {
					t.Errorf("%s report %d counts back: %d/%d after %d/%d", kind, i, r.PacketCount, r.OctetCount, prev.PacketCount, prev.OctetCount)
				}
				wall := ntpSeconds(r.NTPTime) - ntpSeconds(prev.NTPTime)
				media := float64(int32(r.RTPTime-prev.RTPTime)) / clock
				if wall < 0.5 || wall > 3 {
					t.Errorf("%s reports %d and %d are %.3f s apart", kind, i-1, i, wall)
				}
				// The synthetic publisher stamps its packets by its own
				// ticker; the reports go with packets as they leave: the
				// two clocks agree within the jitter of a loaded machine.
				if d := wall - media; d > 0.25 || d < -0.25 {
					t.Errorf("%s reports %d and %d: wall clock advanced %.3f s, media clock %.3f s", kind, i-1, i, wall, media)
				}
			}
			if kind != webrtc.RTPCodecTypeAudio || i == 0 {
				continue
			}
			// Between two reports (packets sent before the subscriber's
			// connection was ready to decrypt are counted, not received).
			prev := rs[i-1]
			var packets, octets uint32
			for j, ts := range w.ts[ssrc] {
				if int32(ts-first) > int32(prev.RTPTime-first) && int32(ts-first) <= int32(r.RTPTime-first) {
					packets++
					octets += uint32(w.size[ssrc][j])
				}
			}
			if r.PacketCount-prev.PacketCount != packets || r.OctetCount-prev.OctetCount != octets {
				t.Errorf("audio reports %d and %d count %d packets, %d octets between them; received: %d, %d", i-1, i,
					r.PacketCount-prev.PacketCount, r.OctetCount-prev.OctetCount, packets, octets)
			}
		}
	}
}

// ntpSeconds is an NTP timestamp in seconds.
func ntpSeconds(v uint64) float64 { return float64(v>>32) + float64(v&0xffffffff)/(1<<32) }
