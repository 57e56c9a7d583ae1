package bwe

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtcp"
)

// TestConcurrentUse runs every method at once, for the race detector:
// senders number packets, one goroutine feeds feedback about them, and
// others read the target, probe and poll for padding. The clock advances
// 10 µs per reading, so it is deterministic in total though not in order.
func TestConcurrentUse(t *testing.T) {
	var ticks atomic.Int64
	now := func() time.Time { return simEpoch.Add(time.Duration(ticks.Add(1)) * 10 * time.Microsecond) }
	e := New(Config{Now: now})

	const senders, perSender = 4, 5000
	var newest atomic.Uint32 // the last sequence number any sender got
	seqs := make([][]uint16, senders)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range perSender {
				seq := e.OnSent(1200)
				seqs[i] = append(seqs[i], seq)
				newest.Store(uint32(seq))
			}
		}()
	}

	var others sync.WaitGroup
	others.Add(2)
	go func() {
		defer others.Done()
		var fbCount uint8
		arrival := int64(0)
		for {
			select {
			case <-stop:
				return
			default:
			}
			// Report the 50 packets before the newest as received, 1 ms apart.
			base := uint16(newest.Load()) - 50
			deltas := make([]*rtcp.RecvDelta, 50)
			for j := range deltas {
				deltas[j] = &rtcp.RecvDelta{Type: rtcp.TypeTCCPacketReceivedSmallDelta, Delta: 1000}
			}
			arrival += 50_000
			e.OnFeedback(&rtcp.TransportLayerCC{
				BaseSequenceNumber: base,
				PacketStatusCount:  50,
				ReferenceTime:      uint32(arrival/refTimeUnitUs) & refTimeMask,
				FbPktCount:         fbCount,
				PacketChunks:       []rtcp.PacketStatusChunk{rl(rtcp.TypeTCCPacketReceivedSmallDelta, 50)},
				RecvDeltas:         deltas,
			})
			fbCount++
		}
	}()
	go func() {
		defer others.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if tgt := e.Target(); tgt < DefaultMin || tgt > DefaultMax {
				t.Errorf("Target = %d", tgt)
			}
			e.Probe(e.Target() * 2)
			e.ProbePadding()
			e.Stats()
		}
	}()
	wg.Wait()
	close(stop)
	others.Wait()

	seen := make(map[uint16]int, senders*perSender)
	for _, s := range seqs {
		for _, q := range s {
			seen[q]++
		}
	}
	// 20000 packets wrap the 16-bit space less than once: all distinct.
	if len(seen) != senders*perSender {
		t.Errorf("%d distinct sequence numbers from %d packets", len(seen), senders*perSender)
	}
}
