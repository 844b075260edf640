// Package metrics defines the service's Prometheus metrics on a registry of
// its own, so tests and several servers in one process never collide on the
// global default registry.
package metrics

import (
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// BuildInfo describes the binary; it is stamped at build time via -ldflags.
type BuildInfo struct {
	Version   string
	Commit    string
	BuildTime string
}

// Metrics holds the collectors the HTTP middleware updates.
type Metrics struct {
	Registry *prometheus.Registry
	Requests *prometheus.CounterVec
	Duration *prometheus.HistogramVec

	// CacheRequests counts cache lookups by result: hit, miss or error
	// (Redis failed and the request went to the source).
	CacheRequests *prometheus.CounterVec
	// StoreErrors counts failed store operations by operation, so a Redis
	// outage shows up even where no cache is involved (visits, events).
	StoreErrors *prometheus.CounterVec
	// StoreUp is 1 while the store answers pings, 0 during an outage.
	StoreUp prometheus.Gauge

	// WorkRequests counts /api/v1/work/* jobs by kind (cpu, memory) and
	// result (done, cancelled, rejected, busy, starved).
	WorkRequests *prometheus.CounterVec
	// WorkCPUSeconds is the CPU time finished CPU jobs used.
	WorkCPUSeconds prometheus.Counter

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
func (m *Metrics) Observe(method, route string, status int, took time.Duration) {
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

// RegisterWorkMemory exposes the bytes held by memory jobs; the holder
// lives in the server, so it is registered once the server has one.
func (m *Metrics) RegisterWorkMemory(inUse func() float64) {
	m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "work_memory_bytes",
		Help: "Bytes held by running memory jobs.",
	}, inUse))
}

// New registers the HTTP metrics, a build_info gauge and the Go and process
// collectors on a fresh registry.
func New(info BuildInfo) *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
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
		// ANCHOR: cache-metrics
		CacheRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cache_requests_total",
			Help: "Cache lookups by result: hit, miss, or error (cache bypassed).",
		}, []string{"result"}),
		StoreErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "store_errors_total",
			Help: "Failed store (Redis) operations, by operation.",
		}, []string{"op"}),
		StoreUp: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "store_up",
			Help: "1 while the store (Redis or memory) answers pings, 0 while it does not.",
		}),
		// ANCHOR_END: cache-metrics
		WorkRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "work_requests_total",
			Help: "Load-generating jobs by kind (cpu, memory) and result (done, cancelled, rejected, busy, starved).",
		}, []string{"kind", "result"}),
		WorkCPUSeconds: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "work_cpu_seconds_total",
			Help: "CPU seconds used by finished CPU jobs.",
		}),
	}
	// Pre-create the label values so a dashboard shows 0 instead of nothing
	// before the first hit, miss or error.
	for _, r := range []string{"hit", "miss", "error"} {
		m.CacheRequests.WithLabelValues(r)
	}
	buildInfo := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "build_info",
		Help: "Build information of the running binary; the value is always 1.",
	}, []string{"version", "commit", "build_time", "go_version"})
	buildInfo.WithLabelValues(info.Version, info.Commit, info.BuildTime, runtime.Version()).Set(1)

	reg.MustRegister(
		m.Requests,
		m.Duration,
		m.CacheRequests,
		m.StoreErrors,
		m.StoreUp,
		m.WorkRequests,
		m.WorkCPUSeconds,
		buildInfo,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}
