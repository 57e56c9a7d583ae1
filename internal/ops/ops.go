// Package ops owns the operational endpoints: liveness, readiness, metrics,
// and the pprof debug listener.
//
// It must not import feature packages; it sees the database only through
// the small Checker interface, and HTTP through internal/httpx.
package ops

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"net/http"
	"net/http/pprof"
	"regexp"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/mofa-vn/chancery/internal/httpx"
)

// Checker is what readiness needs from the database.
type Checker interface {
	Ping(ctx context.Context) error
	MigrationsCurrent(ctx context.Context) error
	Stats() sql.DBStats
}

// Handlers serve /healthz, /readyz and /metrics.
type Handlers struct {
	db  Checker
	reg *prometheus.Registry
}

// New returns the operational handlers and registers the process, Go runtime
// and database pool collectors with reg.
func New(db Checker, reg *prometheus.Registry) *Handlers {
	reg.MustRegister(
		// The classic memstats, plus the live heap after the last
		// collection (what memory the server really holds, without the
		// garbage in between) and how long goroutines wait to run.
		collectors.NewGoCollector(collectors.WithGoCollectorRuntimeMetrics(
			collectors.GoRuntimeMetricsRule{Matcher: regexp.MustCompile(`^/gc/heap/live:bytes$|^/sched/latencies:seconds$`)})),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	poolMetrics(reg, db.Stats)
	return &Handlers{db: db, reg: reg}
}

// poolMetrics exports the database connection pool, read at scrape time.
func poolMetrics(reg prometheus.Registerer, stats func() sql.DBStats) {
	gauge := func(name, help string, f func(sql.DBStats) float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "chancery_db_" + name, Help: help}, func() float64 { return f(stats()) })
	}
	counter := func(name, help string, f func(sql.DBStats) float64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "chancery_db_" + name, Help: help}, func() float64 { return f(stats()) })
	}
	reg.MustRegister(
		gauge("max_open_connections", "Maximum number of open connections to the database.", func(s sql.DBStats) float64 { return float64(s.MaxOpenConnections) }),
		gauge("open_connections", "Established connections, in use and idle.", func(s sql.DBStats) float64 { return float64(s.OpenConnections) }),
		gauge("in_use_connections", "Connections currently in use.", func(s sql.DBStats) float64 { return float64(s.InUse) }),
		gauge("idle_connections", "Idle connections.", func(s sql.DBStats) float64 { return float64(s.Idle) }),
		counter("wait_count_total", "Connections waited for.", func(s sql.DBStats) float64 { return float64(s.WaitCount) }),
		counter("wait_duration_seconds_total", "Time spent waiting for a connection.", func(s sql.DBStats) float64 { return s.WaitDuration.Seconds() }),
	)
}

// Routes lists the operational routes of the public listener. /metrics is
// among them only with a token, which a scraper sends as a bearer token:
// the figures tell an outsider too much about the ministry's traffic and
// the server. Without one, /metrics is on the debug listener alone.
func (h *Handlers) Routes(mux *httpx.Router, metricsToken string) {
	mux.HandleFunc("GET /healthz", h.healthz)
	mux.HandleFunc("GET /readyz", h.readyz)
	if metricsToken != "" {
		mux.Handle("GET /metrics", requireBearer(metricsToken, h.Metrics()))
	}
}

// Metrics serves the metrics to anyone: mount it on a private listener
// only (DebugMux), or behind a check.
func (h *Handlers) Metrics() http.Handler {
	return promhttp.HandlerFor(h.reg, promhttp.HandlerOpts{})
}

// requireBearer lets through the requests that carry token as a bearer
// token (RFC 6750), compared in constant time, and answers the others 401.
func requireBearer(token string, next http.Handler) http.Handler {
	want := sha256.Sum256([]byte(token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		sum := sha256.Sum256([]byte(got))
		if !ok || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte("metrics need the bearer token configured with -metrics-token\n"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (h *Handlers) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte("ok\n"))
}

func (h *Handlers) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := h.db.Ping(ctx); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("database unreachable\n"))
		return
	}
	if err := h.db.MigrationsCurrent(ctx); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("migrations pending\n"))
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}

// DebugMux serves pprof and metrics (Handlers.Metrics); it is mounted on
// its own listener, never on the public one.
func DebugMux(metrics http.Handler) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics)
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	return mux
}
