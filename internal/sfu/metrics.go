package sfu

import "github.com/prometheus/client_golang/prometheus"

// Collector returns the collector of the server's figures for /metrics:
// rooms, participants, tracks and subscriptions now, and the media
// plane's counters since start, each named chancery_sfu_….
func (s *Server) Collector() prometheus.Collector {
	c := &collector{s: s, metrics: metrics}
	for _, m := range metrics {
		c.descs = append(c.descs, prometheus.NewDesc(prometheus.BuildFQName("chancery", "sfu", m.name), m.help, nil, nil))
	}
	return c
}

// metric is one figure of Stats on /metrics.
type metric struct {
	name, help string
	kind       prometheus.ValueType
	value      func(Stats) float64
}

var metrics = []metric{
	{"rooms", "Conference rooms with someone in them.", prometheus.GaugeValue, func(st Stats) float64 { return float64(st.Rooms) }},
	{"participants", "Participants connected, lobby included.", prometheus.GaugeValue, func(st Stats) float64 { return float64(st.Participants) }},
	{"tracks", "Published tracks.", prometheus.GaugeValue, func(st Stats) float64 { return float64(st.Tracks) }},
	{"subscriptions", "Subscribed tracks (one per track and subscriber).", prometheus.GaugeValue, func(st Stats) float64 { return float64(st.Subscriptions) }},
	{"forwarded_packets_total", "RTP packets forwarded to subscribers.", prometheus.CounterValue, func(st Stats) float64 { return float64(st.Forwarded) }},
	{"padding_packets_total", "Padding packets sent to probe subscribers' bandwidth.", prometheus.CounterValue, func(st Stats) float64 { return float64(st.Padding) }},
	{"probes_total", "Probe clusters started to find more bandwidth for a subscriber's video.", prometheus.CounterValue, func(st Stats) float64 { return float64(st.Probes) }},
	{"feedback_packets_total", "Transport-wide congestion control feedback packets received from subscribers.", prometheus.CounterValue,
		func(st Stats) float64 { return float64(st.Feedback) }},
	{"retransmissions_dropped_total", "Retransmissions not sent because they were over their share of a subscriber's bandwidth.", prometheus.CounterValue,
		func(st Stats) float64 { return float64(st.RetransmissionsDropped) }},
}

// collector reads the server's Stats once per scrape, which locks every
// room once, and reports each figure from that one reading.
type collector struct {
	s       *Server
	metrics []metric
	descs   []*prometheus.Desc // one per metric
}

// Describe implements prometheus.Collector.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	st := c.s.Stats()
	for i, m := range c.metrics {
		ch <- prometheus.MustNewConstMetric(c.descs[i], m.kind, m.value(st))
	}
}
