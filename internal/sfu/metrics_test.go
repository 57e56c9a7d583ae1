package sfu_test

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mofa-vn/chancery/internal/sfu"
)

// TestCollector: the figures on /metrics are the server's Stats, read once
// per scrape, under their documented names and types.
func TestCollector(t *testing.T) {
	e := newEnv(t)
	reg := prometheus.NewRegistry()
	reg.MustRegister(e.srv.Collector())
	scrape := func() map[string]float64 {
		t.Helper()
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]float64{}
		for _, mf := range mfs {
			if len(mf.Metric) != 1 {
				t.Fatalf("%s: %d series, want 1", mf.GetName(), len(mf.Metric))
			}
			m := mf.Metric[0]
			switch mf.GetType().String() {
			case "GAUGE":
				out[mf.GetName()] = m.GetGauge().GetValue()
			case "COUNTER":
				out[mf.GetName()] = m.GetCounter().GetValue()
			default:
				t.Fatalf("%s is a %s", mf.GetName(), mf.GetType())
			}
		}
		return out
	}
	empty := scrape()
	want := []string{"chancery_sfu_rooms", "chancery_sfu_participants", "chancery_sfu_tracks", "chancery_sfu_subscriptions",
		"chancery_sfu_forwarded_packets_total", "chancery_sfu_padding_packets_total", "chancery_sfu_probes_total",
		"chancery_sfu_feedback_packets_total", "chancery_sfu_retransmissions_dropped_total"}
	if len(empty) != len(want) {
		t.Fatalf("%d metrics, want %d: %v", len(empty), len(want), empty)
	}
	for _, name := range want {
		v, ok := empty[name]
		if !ok || v != 0 {
			t.Errorf("%s = %v (present %v) on an idle server", name, v, ok)
		}
	}

	e.join("chair", sfu.RoleProtocol, nil)
	e.join("envoy", sfu.RoleProtocol, nil)
	got, st := scrape(), e.srv.Stats()
	if st.Rooms != 1 || st.Participants != 2 {
		t.Fatalf("stats %+v, want one room of two", st)
	}
	if got["chancery_sfu_rooms"] != float64(st.Rooms) || got["chancery_sfu_participants"] != float64(st.Participants) ||
		got["chancery_sfu_tracks"] != float64(st.Tracks) || got["chancery_sfu_subscriptions"] != float64(st.Subscriptions) {
		t.Errorf("scraped %v, stats %+v", got, st)
	}
}
