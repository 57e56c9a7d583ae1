package httpx

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics counts requests and their latency per route pattern. Labels use
// the ServeMux pattern, never the raw path, so their number stays bounded.
type Metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// NewMetrics registers the HTTP metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chancery_http_requests_total", Help: "HTTP requests by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "chancery_http_request_duration_seconds", Help: "HTTP request latency by route pattern.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route", "method"}),
	}
	reg.MustRegister(m.requests, m.latency)
	return m
}

type routeKey struct{}

// Middleware measures every request. The route pattern is reported by
// RecordPattern, which must wrap the ServeMux itself: middleware in between
// copies the request, so r.Pattern is not visible out here.
func (m *Metrics) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		route := new(string)
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), routeKey{}, route)))
		if *route == "" {
			*route = "unmatched"
		}
		code := sw.status
		if code == 0 {
			code = http.StatusOK
		}
		m.requests.WithLabelValues(*route, r.Method, strconv.Itoa(code)).Inc()
		m.latency.WithLabelValues(*route, r.Method).Observe(time.Since(start).Seconds())
	})
}

// RecordPattern wraps the ServeMux and hands the matched pattern to Metrics.
func RecordPattern(mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r)
		if p, ok := r.Context().Value(routeKey{}).(*string); ok {
			*p = r.Pattern
		}
	})
}

// SetRoute records pattern as the request's route for Metrics, for a
// middleware that answers without reaching the ServeMux (the page cache).
func SetRoute(ctx context.Context, pattern string) {
	if p, ok := ctx.Value(routeKey{}).(*string); ok {
		*p = pattern
	}
}

// Route returns the route recorded for the request so far ("" if none).
func Route(ctx context.Context) string {
	if p, ok := ctx.Value(routeKey{}).(*string); ok {
		return *p
	}
	return ""
}
