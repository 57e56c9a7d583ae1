package main

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mofa-vn/chancery/internal/conference"
	"github.com/mofa-vn/chancery/internal/config"
	"github.com/mofa-vn/chancery/internal/secrets"
	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/store"
)

// newSigner returns the join-token signer with the configured or stored key.
func newSigner(ctx context.Context, cfg config.Config, db *store.DB, box *secrets.Box, now func() time.Time) (*sfu.Signer, error) {
	key, err := conference.TokenKey(ctx, db, cfg.Conference.TokenKey, box)
	if err != nil {
		return nil, err
	}
	return sfu.NewSigner(key, now)
}

// newSFU opens the media sockets of the conference SFU.
func newSFU(ctx context.Context, cfg config.Config, db *store.DB, box *secrets.Box, log *slog.Logger, now func() time.Time) (*sfu.Server, error) {
	signer, err := newSigner(ctx, cfg, db, box, now)
	if err != nil {
		return nil, err
	}
	var ips []string
	for _, ip := range strings.Split(cfg.Conference.PublicIPs, ",") {
		if ip = strings.TrimSpace(ip); ip != "" {
			ips = append(ips, ip)
		}
	}
	turnSecret := ""
	if cfg.Conference.TURNUDP != "" || cfg.Conference.TURNTLS != "" {
		// TURN credentials derive from the token key: one secret to keep.
		key, err := conference.TokenKey(ctx, db, cfg.Conference.TokenKey, box)
		if err != nil {
			return nil, err
		}
		turnSecret = string(key)
	}
	return sfu.New(sfu.Params{
		Config: sfu.Config{
			UDPAddr: cfg.Conference.UDPAddr, TCPAddr: cfg.Conference.TCPAddr, PublicIPs: ips, Loopback: cfg.Conference.Loopback,
			TURN: sfu.TURNConfig{UDPAddr: cfg.Conference.TURNUDP, TLSAddr: cfg.Conference.TURNTLS, Host: cfg.Conference.TURNHost, RelayIP: cfg.Conference.TURNRelay,
				Realm: "chancery", CertFile: cfg.HTTP.TLSCert, KeyFile: cfg.HTTP.TLSKey, Secret: turnSecret},
		},
		Signer: signer, Store: conference.Store{DB: db}, Log: log.With("component", "sfu"), Now: now,
		ChatHistory: int(cfg.Conference.ChatLength),
	})
}

// registerSFUMetrics exposes the SFU's counters on /metrics.
func registerSFUMetrics(reg prometheus.Registerer, s *sfu.Server) {
	metrics := []sfuMetric{
		{"rooms", "Conference rooms with someone in them.", prometheus.GaugeValue, func(st sfu.Stats) float64 { return float64(st.Rooms) }},
		{"participants", "Participants connected, lobby included.", prometheus.GaugeValue, func(st sfu.Stats) float64 { return float64(st.Participants) }},
		{"tracks", "Published tracks.", prometheus.GaugeValue, func(st sfu.Stats) float64 { return float64(st.Tracks) }},
		{"subscriptions", "Subscribed tracks (one per track and subscriber).", prometheus.GaugeValue, func(st sfu.Stats) float64 { return float64(st.Subscriptions) }},
		{"forwarded_packets_total", "RTP packets forwarded to subscribers.", prometheus.CounterValue, func(st sfu.Stats) float64 { return float64(st.Forwarded) }},
		{"padding_packets_total", "Padding packets sent to probe subscribers' bandwidth.", prometheus.CounterValue, func(st sfu.Stats) float64 { return float64(st.Padding) }},
		{"probes_total", "Probe clusters started to find more bandwidth for a subscriber's video.", prometheus.CounterValue, func(st sfu.Stats) float64 { return float64(st.Probes) }},
		{"feedback_packets_total", "Transport-wide congestion control feedback packets received from subscribers.", prometheus.CounterValue,
			func(st sfu.Stats) float64 { return float64(st.Feedback) }},
		{"retransmissions_dropped_total", "Retransmissions not sent because they were over their share of a subscriber's bandwidth.", prometheus.CounterValue,
			func(st sfu.Stats) float64 { return float64(st.RetransmissionsDropped) }},
	}
	c := &sfuCollector{s: s, metrics: metrics}
	for _, m := range metrics {
		c.descs = append(c.descs, prometheus.NewDesc(prometheus.BuildFQName("chancery", "sfu", m.name), m.help, nil, nil))
	}
	reg.MustRegister(c)
}

// sfuMetric is one figure of sfu.Stats on /metrics.
type sfuMetric struct {
	name, help string
	kind       prometheus.ValueType
	value      func(sfu.Stats) float64
}

// sfuCollector reads the SFU's Stats once per scrape, which locks every
// room once, and reports each figure from that one reading.
type sfuCollector struct {
	s       *sfu.Server
	metrics []sfuMetric
	descs   []*prometheus.Desc // one per metric
}

// Describe implements prometheus.Collector.
func (c *sfuCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *sfuCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.s.Stats()
	for i, m := range c.metrics {
		ch <- prometheus.MustNewConstMetric(c.descs[i], m.kind, m.value(st))
	}
}
