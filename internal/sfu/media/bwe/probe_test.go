package bwe

import (
	"testing"
	"time"
)

func TestProbeRefused(t *testing.T) {
	tests := []struct {
		name  string
		setup func(e *Estimator, clock *fakeClock)
		rate  int
		want  bool
	}{
		{name: "above target", rate: 3_000_000, want: true},
		{name: "at target", rate: DefaultInitial, want: false},
		{name: "below target", rate: 1_000_000, want: false},
		{name: "above Max is clamped, still above target", rate: 1 << 40, want: true},
		{
			name: "Max at target",
			setup: func(e *Estimator, _ *fakeClock) {
				e.max = float64(e.Target())
			},
			rate: 3_000_000, want: false,
		},
		{
			name:  "a cluster is sending",
			setup: func(e *Estimator, _ *fakeClock) { e.Probe(2_000_000) },
			rate:  3_000_000, want: false,
		},
		{
			name: "a cluster awaits its feedback",
			setup: func(e *Estimator, clock *fakeClock) {
				e.Probe(2_000_000)
				clock.advance(500 * time.Millisecond)
			},
			rate: 3_000_000, want: false,
		},
		{
			name:  "the path over-uses",
			setup: func(e *Estimator, _ *fakeClock) { e.delay.usage = Overusing },
			rate:  3_000_000, want: false,
		},
		{
			name:  "the path drains its queue",
			setup: func(e *Estimator, _ *fakeClock) { e.delay.usage = Underusing },
			rate:  3_000_000, want: false,
		},
		{
			name:  "the last loss sample is above 2%",
			setup: func(e *Estimator, _ *fakeClock) { e.loss.last, e.loss.smoothed = 0.05, 0.05 },
			rate:  3_000_000, want: false,
		},
		{
			name:  "smoothed loss still high, the last sample clean",
			setup: func(e *Estimator, _ *fakeClock) { e.loss.last, e.loss.smoothed = 0, 0.05 },
			rate:  3_000_000, want: true,
		},
		{
			name: "the estimate was cut less than a second ago",
			setup: func(e *Estimator, clock *fakeClock) {
				clock.advance(5 * time.Second)
				e.rate.decreased, e.rate.lastDecreaseNs = true, e.nowNs()
				clock.advance(probeQuietNs - time.Millisecond)
			},
			rate: 3_000_000, want: false,
		},
		{
			name: "the estimate was cut a second ago",
			setup: func(e *Estimator, clock *fakeClock) {
				clock.advance(5 * time.Second)
				e.rate.decreased, e.rate.lastDecreaseNs = true, e.nowNs()
				clock.advance(probeQuietNs)
			},
			rate: 3_000_000, want: true,
		},
		{
			name: "loss cut the estimate less than a second ago",
			setup: func(e *Estimator, clock *fakeClock) {
				clock.advance(5 * time.Second)
				e.loss.cut, e.loss.lastCutNs = true, e.nowNs()
			},
			rate: 3_000_000, want: false,
		},
		{
			name: "backing off after a cluster got no feedback",
			setup: func(e *Estimator, clock *fakeClock) {
				e.Probe(2_000_000)
				clock.advance(probeDurationNs + probeWaitNs + time.Second)
			},
			rate: 3_000_000, want: false,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := &fakeClock{}
			e := newTestEstimator(Config{}, clock, 0)
			if tt.setup != nil {
				tt.setup(e, clock)
			}
			if got := e.Probe(tt.rate); got != tt.want {
				t.Errorf("Probe(%d) = %v with target %d, want %v", tt.rate, got, e.Target(), tt.want)
			}
		})
	}
}

// TestProbeBackoff fails probe after probe (no feedback ever comes back)
// and checks the wait doubles from 2 s up to 30 s.
func TestProbeBackoff(t *testing.T) {
	clock := &fakeClock{}
	e := newTestEstimator(Config{}, clock, 0)
	for i, backoff := range []time.Duration{2, 4, 8, 16, 30, 30} {
		backoff *= time.Second
		if !e.Probe(3_000_000) {
			t.Fatalf("probe %d refused", i)
		}
		clock.advance(probeDurationNs + probeWaitNs)
		if st := e.Stats(); st.Probing || st.Probes != i+1 || st.ProbesSucceeded != 0 {
			t.Fatalf("probe %d: Stats = %+v, want it failed and over", i, st)
		}
		clock.advance(backoff - time.Millisecond)
		if e.Probe(3_000_000) {
			t.Fatalf("probe %d: next probe accepted before its %v backoff", i, backoff)
		}
		clock.advance(time.Millisecond)
	}
}

// TestProbePadding plays a caller: media at 1 Mbit/s, polling ProbePadding
// every 5 ms and sending the padding it asks for. The cluster must run at
// the probe rate for 150 ms, then stop.
func TestProbePadding(t *testing.T) {
	tests := []struct {
		name        string
		media, rate float64
		poll        time.Duration
	}{
		{name: "1 Mbit/s media, 3 Mbit/s probe", media: 1e6, rate: 3e6, poll: 5 * time.Millisecond},
		{name: "no media", media: 0, rate: 2e6, poll: 5 * time.Millisecond},
		{name: "slow poll", media: 1e6, rate: 3e6, poll: 15 * time.Millisecond},
		{name: "media above the probe rate", media: 4e6, rate: 3e6, poll: 5 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := &fakeClock{}
			e := newTestEstimator(Config{Initial: 500_000}, clock, 0)
			if !e.Probe(int(tt.rate)) {
				t.Fatal("Probe refused")
			}
			var mediaBud, padBud float64
			var pad int
			var sentBits float64
			var lastPad int
			for ms := 0; ms < 200; ms++ {
				if ms%int(tt.poll/time.Millisecond) == 0 {
					bps, ok := e.ProbePadding()
					if ok != (ms < 150) {
						t.Fatalf("at %d ms ProbePadding ok = %v", ms, ok)
					}
					pad = bps
					if ok {
						lastPad = bps
					}
				}
				mediaBud += tt.media / 1000
				padBud += float64(pad) / 1000
				for mediaBud >= 9600 {
					e.OnSent(1200)
					mediaBud -= 9600
					if ms < 150 {
						sentBits += 9600
					}
				}
				for padBud >= 2400 {
					e.OnSent(300)
					padBud -= 2400
					if ms < 150 {
						sentBits += 2400
					}
				}
				clock.advance(time.Millisecond)
			}
			got := sentBits / 0.150
			want := max(tt.rate, tt.media)
			if got < 0.93*want || got > 1.07*want {
				t.Errorf("cluster sent %.0f bit/s, want about %.0f", got, want)
			}
			if steady := tt.rate - tt.media; float64(lastPad) < steady-300_000 || float64(lastPad) > max(steady, 0)+300_000 {
				t.Errorf("padding settled at %d bit/s, want about %.0f", lastPad, max(steady, 0))
			}
		})
	}
}

// TestProbeLossyPath probes a path with headroom but 40% loss: the cluster
// must fail, however fast its survivors arrived.
func TestProbeLossyPath(t *testing.T) {
	l := &link{capacity: 5_000_000, queueLimit: 400 * time.Millisecond, delay: 20 * time.Millisecond}
	s := newSim(t, Config{}, l, fixedRate(1_000_000))
	s.run(2 * time.Second)
	l.loss = 0.40
	if !s.e.Probe(3_000_000) {
		t.Fatal("Probe refused")
	}
	s.run(time.Second)
	st := s.e.Stats()
	if st.Probes != 1 || st.ProbesSucceeded != 0 || st.Probing {
		t.Errorf("Stats = %+v, want one failed probe", st)
	}
	if st.Target > 2_000_000 {
		s.dump()
		t.Errorf("Target = %d after a lossy probe", st.Target)
	}
}
