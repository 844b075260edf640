package loadgen

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// WriteSummary prints the result for a person: one "key: value" line per
// fact, so it also greps well.
func WriteSummary(w io.Writer, cfg Config, r *Result) error {
	var b strings.Builder
	line := func(key, format string, args ...any) {
		if key != "" {
			key += ":"
		}
		fmt.Fprintf(&b, "  %-14s %s\n", key, fmt.Sprintf(format, args...))
	}
	fmt.Fprintf(&b, "loadgen summary: %s %s\n", cfg.Method, cfg.URL)

	ramp := ""
	if cfg.Ramp > 0 {
		ramp = fmt.Sprintf(", ramp from 0 over %s", cfg.Ramp)
	}
	if cfg.Model == Open {
		line("load", "open model, %g req/s for %s%s, at most %d in flight", cfg.Rate, cfg.Duration, ramp, cfg.MaxInFlight)
	} else {
		line("load", "closed model, %d workers for %s%s", cfg.Concurrency, cfg.Duration, ramp)
	}
	stop := "reached --duration"
	if r.Interrupted {
		stop = "interrupted; results so far"
	}
	line("elapsed", "%s (%s)", fmtDur(r.Elapsed), stop)

	if cfg.Model == Open {
		line("requests", "%d sent (%d scheduled, %d dropped, %d missed)", r.Sent, r.Scheduled, r.Dropped, r.Missed)
	} else {
		line("requests", "%d sent", r.Sent)
	}
	line("ok", "%d (2xx/3xx)", r.OK)
	line("errors", "%d (%.2f%% of %d completed)", r.Errors(), 100*r.ErrorRatio(), r.Completed())
	for _, code := range slices.Sorted(maps.Keys(r.Status)) {
		line(fmt.Sprintf("  status %d", code), "%d", r.Status[code])
	}
	line("  timeout", "%d (no complete answer within %s)", r.Timeouts, cfg.Timeout)
	line("  connection", "%d (refused, reset, bad response)", r.ConnErrors)
	line("cancelled", "%d (still waiting at the end; not errors)", r.Cancelled)

	secs := r.Elapsed.Seconds()
	if secs > 0 {
		line("throughput", "%.1f req/s sent, %.1f req/s completed", float64(r.Sent)/secs, float64(r.Completed())/secs)
	}
	if cfg.Model == Open {
		if ok, why := r.KeptUp(); ok {
			line("target rate", "achieved (p99 start lag %s)", fmtDur(r.Lag.Quantile(0.99)))
		} else {
			line("target rate", "NOT achieved: %s", why)
		}
	}

	from := "from send to end of body"
	if cfg.Model == Open {
		from = "from each request's scheduled start to end of body"
	}
	if r.Latency.Count() == 0 {
		line("latency", "no successful request")
	} else {
		line("latency", "p50 %s  p90 %s  p99 %s  max %s", fmtDur(r.Latency.Quantile(0.5)),
			fmtDur(r.Latency.Quantile(0.9)), fmtDur(r.Latency.Quantile(0.99)), fmtDur(r.Latency.Max()))
		line("", "(%d ok requests, %s; log-linear histogram: percentiles at most 0.8%% high)", r.Latency.Count(), from)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
