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
	key, err := conference.TokenKey(ctx, db, cfg.RTC.TokenKey, box)
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
	for _, ip := range strings.Split(cfg.RTC.PublicIPs, ",") {
		if ip = strings.TrimSpace(ip); ip != "" {
			ips = append(ips, ip)
		}
	}
	turnSecret := ""
	if cfg.RTC.TURNUDP != "" || cfg.RTC.TURNTLS != "" {
		// TURN credentials derive from the token key: one secret to keep.
		key, err := conference.TokenKey(ctx, db, cfg.RTC.TokenKey, box)
		if err != nil {
			return nil, err
		}
		turnSecret = string(key)
	}
	return sfu.New(sfu.Params{
		Config: sfu.Config{
			UDPAddr: cfg.RTC.UDPAddr, TCPAddr: cfg.RTC.TCPAddr, PublicIPs: ips, Loopback: cfg.RTC.Loopback,
			TURN: sfu.TURNConfig{UDPAddr: cfg.RTC.TURNUDP, TLSAddr: cfg.RTC.TURNTLS, Host: cfg.RTC.TURNHost, RelayIP: cfg.RTC.TURNRelay,
				Realm: "chancery", CertFile: cfg.HTTP.TLSCert, KeyFile: cfg.HTTP.TLSKey, Secret: turnSecret},
		},
		Signer: signer, Store: conference.Store{DB: db}, Log: log.With("component", "sfu"), Now: now,
		ChatHistory: int(cfg.RTC.ChatLength),
	})
}

// registerSFUMetrics exposes the SFU's counters on /metrics.
func registerSFUMetrics(reg prometheus.Registerer, s *sfu.Server) {
	gauge := func(name, help string, f func(sfu.Stats) int) {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "chancery", Subsystem: "sfu", Name: name, Help: help},
			func() float64 { return float64(f(s.Stats())) }))
	}
	gauge("rooms", "Conference rooms with someone in them.", func(st sfu.Stats) int { return st.Rooms })
	gauge("participants", "Participants connected, lobby included.", func(st sfu.Stats) int { return st.Participants })
	gauge("tracks", "Published tracks.", func(st sfu.Stats) int { return st.Tracks })
	gauge("subscriptions", "Subscribed tracks (one per track and subscriber).", func(st sfu.Stats) int { return st.Subscriptions })
	counter := func(name, help string, f func(sfu.Stats) uint64) {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: "chancery", Subsystem: "sfu", Name: name, Help: help},
			func() float64 { return float64(f(s.Stats())) }))
	}
	counter("forwarded_packets_total", "RTP packets forwarded to subscribers.", func(st sfu.Stats) uint64 { return st.Forwarded })
	counter("padding_packets_total", "Padding packets sent to probe subscribers' bandwidth.", func(st sfu.Stats) uint64 { return st.Padding })
	counter("probes_total", "Probe clusters started to find more bandwidth for a subscriber's video.", func(st sfu.Stats) uint64 { return st.Probes })
	counter("feedback_packets_total", "Transport-wide congestion control feedback packets received from subscribers.", func(st sfu.Stats) uint64 { return st.Feedback })
	counter("retransmissions_dropped_total", "Retransmissions not sent because they were over their share of a subscriber's bandwidth.",
		func(st sfu.Stats) uint64 { return st.RetransmissionsDropped })
}
