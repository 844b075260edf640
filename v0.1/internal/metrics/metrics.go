// Package metrics is the API's Prometheus plumbing: a registry of its own,
// so tests and several servers in one process never collide on the global
// default registry, and the HTTP metrics every route gets. Each capability
// registers its own metrics on the same registry, next to its code.
package metrics

import (
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.1/journey/internal/buildinfo"
)

// NewRegistry returns a registry with build_info and the Go and process
// collectors, the series every binary exposes.
func NewRegistry(info buildinfo.Info) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		info.Collector(),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return reg
}

// HTTP holds the request metrics the middleware updates.
type HTTP struct {
	Requests *prometheus.CounterVec
	Duration *prometheus.HistogramVec

	// children caches the series of each (method, route, status): the label
	// sets are few and fixed, and a map hit is cheaper than hashing the
	// label values on every request.
	children sync.Map // seriesKey -> *series
}

type seriesKey struct {
	method, route string
	status        int
}

type series struct {
	requests prometheus.Counter
	duration prometheus.Observer
}

// ANCHOR: observe
// Observe counts one request and records its latency.
func (m *HTTP) Observe(method, route string, status int, took time.Duration) {
	key := seriesKey{method: method, route: route, status: status}
	v, ok := m.children.Load(key)
	if !ok {
		v, _ = m.children.LoadOrStore(key, &series{
			requests: m.Requests.WithLabelValues(method, route, strconv.Itoa(status)),
			duration: m.Duration.WithLabelValues(method, route),
		})
	}
	s := v.(*series)
	s.requests.Inc()
	s.duration.Observe(took.Seconds())
}

// ANCHOR_END: observe

// NewHTTP registers the request count and latency metrics on reg.
func NewHTTP(reg prometheus.Registerer) *HTTP {
	m := &HTTP{
		// ANCHOR: http-metrics
		// route is the route template (/api/v1/hello), never the raw path:
		// a label per distinct URL would let any client create unbounded
		// time series.
		Requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "http_requests_total",
			Help: "HTTP requests handled, by method, route template and status code.",
		}, []string{"method", "route", "status"}),
		Duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "http_request_duration_seconds",
			Help: "HTTP request latency, by method and route template.",
			// Finer than the default buckets at the low end: these handlers
			// answer in well under a millisecond.
			Buckets: []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5},
		}, []string{"method", "route"}),
		// ANCHOR_END: http-metrics
	}
	reg.MustRegister(m.Requests, m.Duration)
	return m
}
