package httpx

import (
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

// Middleware measures every request. The route pattern reaches it through
// SetRoute, which RecordPattern (around the ServeMux) and the page cache
// call with the ResponseWriter they were given: middleware in between
// copies the request, so r.Pattern is not visible out here, but it passes
// the writer down.
func (m *Metrics) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		route := sw.route
		if route == "" {
			route = "unmatched"
		}
		m.requests.WithLabelValues(route, r.Method, statusText(sw.status)).Inc()
		m.latency.WithLabelValues(route, r.Method).Observe(time.Since(start).Seconds())
	})
}

// codes are the status codes as label values, made once.
var codes = func() (c [600]string) {
	for i := range c {
		c[i] = strconv.Itoa(i)
	}
	return c
}()

func statusText(code int) string {
	switch {
	case code == 0:
		return codes[http.StatusOK]
	case code > 0 && code < len(codes):
		return codes[code]
	}
	return strconv.Itoa(code)
}

// RecordPattern wraps the ServeMux and hands the matched pattern to Metrics.
func RecordPattern(mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r)
		SetRoute(w, r.Pattern)
	})
}

// SetRoute records pattern as the request's route: it goes to the first
// writer along w and what it wraps (Unwrap) that has a SetRoute method,
// the metrics middleware's or a recorder of a middleware that answers
// without the ServeMux (the page cache).
func SetRoute(w http.ResponseWriter, pattern string) {
	for w != nil {
		if s, ok := w.(interface{ SetRoute(string) }); ok {
			s.SetRoute(pattern)
			return
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return
		}
		w = u.Unwrap()
	}
}
