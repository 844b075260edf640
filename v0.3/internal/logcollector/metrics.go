package logcollector

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the collector's Prometheus metrics. They are registered on the
// registry given to NewMetrics, never on the global one, so tests can run
// several collectors in one process.
type Metrics struct {
	Records          prometheus.Counter
	TruncatedRecords prometheus.Counter
	ReadBytes        prometheus.Counter
	Files            prometheus.Gauge
	ParseErrors      prometheus.Counter
	Rotations        prometheus.Counter
	Truncations      prometheus.Counter
}

// NewMetrics creates the metrics and registers them on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Records: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "log_collector_records_total",
			Help: "Log records written to stdout (partial chunks joined count once).",
		}),
		TruncatedRecords: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "log_collector_truncated_records_total",
			Help: "Records cut at --max-record-bytes (or left incomplete when their file went away).",
		}),
		ReadBytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "log_collector_read_bytes_total",
			Help: "Bytes read from container log files.",
		}),
		Files: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "log_collector_files",
			Help: "Log files being tailed (including rotated files still being drained).",
		}),
		ParseErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "log_collector_parse_errors_total",
			Help: "Lines skipped because they are not in the CRI log format.",
		}),
		Rotations: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "log_collector_rotations_total",
			Help: "Files replaced under the same name (kubelet log rotation).",
		}),
		Truncations: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "log_collector_truncations_total",
			Help: "Files found shorter than the read offset (copytruncate); read again from the start.",
		}),
	}
	reg.MustRegister(m.Records, m.TruncatedRecords, m.ReadBytes, m.Files, m.ParseErrors, m.Rotations, m.Truncations)
	return m
}
