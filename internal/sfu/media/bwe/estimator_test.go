package bwe

import (
	"testing"
	"time"
)

// ackedCeiling is the most the estimate may rise to given acked, with 2
// bit/s of slack for Stats rounding the acknowledged rate down.
func ackedCeiling(acked int) int {
	return int(ackedCapFactor*float64(acked)+ackedCapSlackBps) + 2
}

// checkNoRunaway fails if the target ever rose above what the acknowledged
// rate allows: without evidence (a probe), it may stay where it is but not
// climb past 1.5 × acked + 10 kbit/s.
func checkNoRunaway(t *testing.T, s *sim) {
	t.Helper()
	for i, x := range s.series {
		if i == 0 || x.stats.Acked == 0 || x.target <= s.series[i-1].target {
			continue
		}
		// 1 % of slack: the acknowledged rate moves between the update
		// that raised the target and the sample.
		if x.target > ackedCeiling(x.stats.Acked)*101/100 {
			s.dump()
			t.Fatalf("at %v target rose to %d, above 1.5 × acked %d + 10 kbit/s", x.at, x.target, x.stats.Acked)
		}
	}
}

func TestBelowCapacity(t *testing.T) {
	tests := []struct {
		name string
		rate float64
		// catchUp is when the target must have reached the send rate: 0
		// when it must never be below it.
		catchUp time.Duration
	}{
		{name: "300 kbit/s, initial far above", rate: 300_000},
		{name: "1 Mbit/s", rate: 1_000_000},
		{name: "1.5 Mbit/s, at the initial estimate", rate: 1_500_000},
		// 1.5 → 2.5 Mbit/s at 8%/s takes about 6.6 s.
		{name: "2.5 Mbit/s, above the initial estimate", rate: 2_500_000, catchUp: 8 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := &link{capacity: 5_000_000, queueLimit: 400 * time.Millisecond, delay: 20 * time.Millisecond}
			s := newSim(t, Config{}, l, fixedRate(tt.rate))
			s.run(10 * time.Second)

			checkNoRunaway(t, s)
			for _, x := range s.series {
				if x.stats.Acked > 0 && x.at >= tt.catchUp && float64(x.target) < tt.rate {
					s.dump()
					t.Fatalf("at %v target %d is below the send rate %.0f", x.at, x.target, tt.rate)
				}
				if x.stats.Usage == Overusing {
					s.dump()
					t.Fatalf("at %v the detector over-uses on an idle link", x.at)
				}
				// Sending less than the estimate is no evidence that the
				// path carries less: the estimate does not fall.
				if x.target < min(DefaultInitial, int(tt.rate)) {
					s.dump()
					t.Fatalf("at %v target fell to %d on an uncongested link", x.at, x.target)
				}
			}
			st := s.e.Stats()
			if got, want := float64(st.Acked), tt.rate; got < 0.95*want || got > 1.05*want {
				t.Errorf("Acked = %.0f, want about %.0f", got, want)
			}
			if st.Loss != 0 {
				t.Errorf("Loss = %v on a lossless link", st.Loss)
			}
		})
	}
}

func TestAboveCapacity(t *testing.T) {
	tests := []struct {
		name     string
		capacity float64
		initial  int
	}{
		{name: "1 Mbit/s link, 2.5 Mbit/s start", capacity: 1_000_000, initial: 2_500_000},
		{name: "2.5 Mbit/s link, 5 Mbit/s start", capacity: 2_500_000, initial: 5_000_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := &link{capacity: tt.capacity, queueLimit: 400 * time.Millisecond, delay: 20 * time.Millisecond}
			// The sender starts at the initial estimate, above capacity, and
			// follows the target, like an encoder driven by the allocator.
			s := newSim(t, Config{Initial: tt.initial}, l, followTarget(2*tt.capacity))
			var overuseAt time.Duration
			s.onFeedback = func(s *sim) {
				if overuseAt == 0 && s.e.Stats().Usage == Overusing {
					overuseAt = time.Duration(s.nowNs)
				}
			}
			s.run(20 * time.Second)

			if overuseAt == 0 || overuseAt > time.Second {
				s.dump()
				t.Fatalf("over-use detected at %v, want within 1 s", overuseAt)
			}
			for _, x := range s.window(1500*time.Millisecond, 20*time.Second) {
				if float64(x.target) > 1.05*tt.capacity {
					s.dump()
					t.Fatalf("at %v target %d is above capacity %.0f", x.at, x.target, tt.capacity)
				}
			}
			// Once the sender has adapted, queues stay short and the link
			// stays well used.
			late := s.window(10*time.Second, 20*time.Second)
			var sumQueue time.Duration
			var maxQueue time.Duration
			var sumRate float64
			for _, x := range late {
				sumQueue += x.queue
				maxQueue = max(maxQueue, x.queue)
				sumRate += x.sendRate
			}
			meanQueue := sumQueue / time.Duration(len(late))
			meanRate := sumRate / float64(len(late))
			if meanQueue > 30*time.Millisecond || maxQueue > 100*time.Millisecond {
				s.dump()
				t.Errorf("queue in the last 10 s: mean %v, max %v; want a short queue", meanQueue, maxQueue)
			}
			if meanRate < 0.75*tt.capacity {
				s.dump()
				t.Errorf("mean send rate %.0f uses under 75%% of capacity %.0f", meanRate, tt.capacity)
			}
		})
	}
}

func TestRandomLoss(t *testing.T) {
	tests := []struct {
		name     string
		loss     float64
		decrease bool
	}{
		{name: "20% loss", loss: 0.20, decrease: true},
		{name: "1% loss", loss: 0.01, decrease: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// No capacity limit: loss without queuing, which only the
			// loss-based control can see.
			l := &link{loss: tt.loss, delay: 20 * time.Millisecond}
			s := newSim(t, Config{}, l, followTarget(10_000_000))
			s.run(10 * time.Second)

			st := s.e.Stats()
			lowest := DefaultInitial
			for _, x := range s.series {
				lowest = min(lowest, x.target)
			}
			if tt.decrease {
				if st.Target > DefaultInitial/2 {
					s.dump()
					t.Errorf("Target = %d after 10 s of %.0f%% loss, want below %d", st.Target, 100*tt.loss, DefaultInitial/2)
				}
				if st.Loss < 0.1 || st.Loss > 0.3 {
					t.Errorf("Loss = %.3f, want about %.2f", st.Loss, tt.loss)
				}
			} else {
				if lowest < DefaultInitial {
					s.dump()
					t.Errorf("target fell to %d under %.0f%% loss, want no decrease", lowest, 100*tt.loss)
				}
				if st.Loss > 0.05 {
					t.Errorf("Loss = %.3f, want about %.2f", st.Loss, tt.loss)
				}
			}
		})
	}
}

func TestProbeHeadroom(t *testing.T) {
	l := &link{capacity: 5_000_000, queueLimit: 400 * time.Millisecond, delay: 20 * time.Millisecond}
	s := newSim(t, Config{}, l, fixedRate(1_000_000))
	s.run(2 * time.Second)
	if !s.e.Probe(3_000_000) {
		t.Fatal("Probe(3 Mbit/s) refused")
	}
	if !s.e.Stats().Probing {
		t.Error("Stats().Probing = false right after Probe")
	}
	s.run(time.Second)

	st := s.e.Stats()
	if st.Target < 2_700_000 || st.Target > 3_300_000 {
		s.dump()
		t.Errorf("Target = %d one second after Probe(3 Mbit/s) with headroom, want about 3 Mbit/s", st.Target)
	}
	if st.Probing || st.Probes != 1 || st.ProbesSucceeded != 1 {
		t.Errorf("Stats = %+v, want one succeeded probe, none running", st)
	}
	// The cluster really sent at the probe rate: media plus padding.
	var peak float64
	for _, x := range s.window(2*time.Second, 2200*time.Millisecond) {
		peak = max(peak, x.sendRate)
	}
	if peak < 2_700_000 {
		s.dump()
		t.Errorf("peak send rate during the cluster %.0f, want about 3 Mbit/s", peak)
	}
}

func TestProbeNoHeadroom(t *testing.T) {
	l := &link{capacity: 1_200_000, queueLimit: 400 * time.Millisecond, delay: 20 * time.Millisecond}
	s := newSim(t, Config{Initial: 1_000_000}, l, fixedRate(1_000_000))
	s.run(time.Second)
	before := s.e.Target()
	if !s.e.Probe(3_000_000) {
		t.Fatal("Probe(3 Mbit/s) refused")
	}
	var doneAt time.Duration
	s.onFeedback = func(s *sim) {
		if doneAt == 0 && !s.e.Stats().Probing {
			doneAt = time.Duration(s.nowNs)
		}
	}
	s.run(1500 * time.Millisecond)

	if doneAt == 0 {
		s.dump()
		t.Fatal("the probe never concluded")
	}
	for _, x := range s.series {
		if x.target > 1_250_000 {
			s.dump()
			t.Fatalf("at %v target %d, above the 1.2 Mbit/s link", x.at, x.target)
		}
	}
	st := s.e.Stats()
	if st.Probes != 1 || st.ProbesSucceeded != 0 {
		t.Errorf("Stats = %+v, want one failed probe", st)
	}
	// The queue the probe itself built made the detector over-use: that
	// says the path carries less than the probe, not less than before it,
	// so the estimate is not cut below where it was (the video the
	// allocator chose on it stays).
	if st.Target < before {
		s.dump()
		t.Errorf("after the failed probe Target = %d, below the %d before it", st.Target, before)
	}
	if s.e.Probe(3_000_000) {
		t.Fatal("Probe accepted during the backoff after a failure")
	}
	// The backoff is 2 s from the failure.
	s.run(doneAt + probeBackoffMinNs - time.Duration(s.nowNs) - 10*time.Millisecond)
	if s.e.Probe(3_000_000) {
		t.Fatalf("Probe accepted %v after the failure, before the 2 s backoff", time.Duration(s.nowNs)-doneAt)
	}
	s.run(20 * time.Millisecond)
	if !s.e.Probe(3_000_000) {
		t.Fatalf("Probe refused %v after the failure, after the 2 s backoff", time.Duration(s.nowNs)-doneAt)
	}
}

// TestWraparound runs through both wraps the feedback format has: the 16-bit
// transport sequence number and the 24-bit reference time.
func TestWraparound(t *testing.T) {
	l := &link{capacity: 5_000_000, queueLimit: 400 * time.Millisecond, delay: 20 * time.Millisecond}
	s := newSim(t, Config{}, l, fixedRate(1_000_000))
	s.e.nextSeq = 65_400 // wraps after about 1.3 s at ~104 packets/s
	// The receiver's reference time wraps 1.5 s in.
	s.rx.offsetNs = (1<<refTimeBits)*refTimeUnitUs*1000 - int64(1500*time.Millisecond)
	s.run(4 * time.Second)

	if s.e.nextSeq < 1<<16 {
		t.Fatalf("sent up to sequence %d, the test needs to pass 65535", s.e.nextSeq)
	}
	for _, x := range s.series {
		if x.stats.Usage == Overusing || (x.stats.Acked > 0 && x.target < 1_000_000) {
			s.dump()
			t.Fatalf("at %v: %+v; the wrap looks like congestion", x.at, x.stats)
		}
	}
	if got := s.e.Stats().Acked; got < 950_000 || got > 1_050_000 {
		t.Errorf("Acked = %d, want about 1 Mbit/s", got)
	}
	// Every packet sent more than 200 ms ago has been reported.
	cutoff := int64(s.nowNs) - int64(200*time.Millisecond)
	for i := range s.e.history {
		p := &s.e.history[i]
		if p.seq != emptySeq && p.sendNs < cutoff && p.state != reportedReceived {
			t.Fatalf("packet %d (wire %d) sent at %v is in state %d", p.seq, uint16(p.seq), time.Duration(p.sendNs), p.state)
		}
	}
}

// TestOnOffSender sends in bursts with pauses longer than a small receive
// delta can express, the way an application-limited sender (a screen share
// between changes) does.
func TestOnOffSender(t *testing.T) {
	l := &link{capacity: 5_000_000, queueLimit: 400 * time.Millisecond, delay: 20 * time.Millisecond}
	onOff := func(nowNs int64, _ int) float64 {
		if nowNs%int64(280*time.Millisecond) < int64(200*time.Millisecond) {
			return 1_500_000
		}
		return 0
	}
	s := newSim(t, Config{}, l, onOff)
	// Feedback every 100 ms spans the 80 ms pauses: large deltas.
	s.fbInterval = 100 * time.Millisecond
	s.run(10 * time.Second)

	c := s.rx.coverage
	if c.runLength == 0 || c.oneBit == 0 || c.twoBit == 0 || c.small == 0 || c.large == 0 {
		t.Fatalf("feedback used %+v, want every chunk and delta kind", c)
	}
	for _, x := range s.series {
		if x.stats.Usage == Overusing {
			s.dump()
			t.Fatalf("at %v the detector over-uses on pauses", x.at)
		}
	}
	checkNoRunaway(t, s)
}

func TestConfigDefaults(t *testing.T) {
	tests := []struct {
		name            string
		in              Config
		initial, lo, hi int
	}{
		{name: "zero", in: Config{}, initial: DefaultInitial, lo: DefaultMin, hi: DefaultMax},
		{name: "initial below min", in: Config{Initial: 100_000, Min: 200_000}, initial: 200_000, lo: 200_000, hi: DefaultMax},
		{name: "initial above max", in: Config{Initial: 5_000_000, Max: 2_000_000}, initial: 2_000_000, lo: DefaultMin, hi: 2_000_000},
		{name: "max below min", in: Config{Min: 500_000, Max: 300_000}, initial: 500_000, lo: 500_000, hi: 500_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := New(tt.in)
			if e.Target() != tt.initial || e.min != float64(tt.lo) || e.max != float64(tt.hi) {
				t.Errorf("Target, Min, Max = %d, %.0f, %.0f; want %d, %d, %d", e.Target(), e.min, e.max, tt.initial, tt.lo, tt.hi)
			}
		})
	}
}

func TestUsageString(t *testing.T) {
	for u, want := range map[Usage]string{Normal: "normal", Overusing: "overusing", Underusing: "underusing", Usage(7): "unknown"} {
		if got := u.String(); got != want {
			t.Errorf("Usage(%d).String() = %q, want %q", int(u), got, want)
		}
	}
}

// TestLossCutsOnlyWhileLossGoesOn: a burst of loss (a link that narrowed at
// once, say) cuts the estimate while it lasts; once the sender has backed off
// and the loss has stopped, the smoothed loss fraction is still high for a
// while, but the estimate is not cut again for losses already answered.
func TestLossCutsOnlyWhileLossGoesOn(t *testing.T) {
	l := &link{capacity: 5_000_000, queueLimit: 400 * time.Millisecond, delay: 20 * time.Millisecond}
	s := newSim(t, Config{Initial: 1_000_000}, l, fixedRate(800_000))
	s.run(2 * time.Second)
	before := s.e.Target()
	l.loss = 0.5
	s.run(600 * time.Millisecond)
	l.loss = 0
	s.run(200 * time.Millisecond) // the feedback about the last losses is in
	after := s.e.Target()
	if after >= before {
		s.dump()
		t.Fatalf("Target = %d, %d before: 50%% loss did not cut it", after, before)
	}
	for range 20 {
		s.run(100 * time.Millisecond)
		if st := s.e.Stats(); st.Target < after {
			s.dump()
			t.Fatalf("Target cut to %d after the loss stopped (smoothed loss %.2f)", st.Target, st.Loss)
		}
	}
}

// TestStarvedReceiverIsNotLoss: a starved CPU reads packets late, more
// and more late while it falls behind, and loses none. The delay detector
// takes that for a filling queue and the estimate falls (this is what
// paused every video under load, issue 22), but Lossy stays false, so the
// allocator keeps each video's lowest layer; real loss makes it true.
func TestStarvedReceiverIsNotLoss(t *testing.T) {
	l := &link{delay: 20 * time.Millisecond} // no capacity limit: only the delays grow
	s := newSim(t, Config{Initial: 1_500_000}, l, fixedRate(1_000_000))
	s.run(2 * time.Second)
	before := s.e.Target()
	// Starvation: each 100 ms the receiver reads 30 ms later than before,
	// up to 900 ms, and nothing is lost.
	for range 30 {
		l.delay += 30 * time.Millisecond
		s.run(100 * time.Millisecond)
		if s.e.Lossy() {
			s.dump()
			t.Fatalf("Lossy at delay %v with nothing lost", l.delay)
		}
	}
	if after := s.e.Target(); after >= before {
		s.dump()
		t.Fatalf("Target %d, %d before: growing delays did not lower the estimate (the test does not reach the case)", after, before)
	}
	if st := s.e.Stats(); st.Loss != 0 {
		t.Fatalf("loss %.2f with nothing lost", st.Loss)
	}
	// Loss: the congestion is confirmed.
	l.loss = 0.3
	s.run(3 * time.Second)
	if !s.e.Lossy() {
		s.dump()
		t.Fatalf("not Lossy with 30 %% of packets lost")
	}
}
