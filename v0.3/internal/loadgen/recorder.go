package loadgen

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"time"
)

// recorder collects outcomes from every request goroutine. One mutex is
// enough: at MaxRate it is taken 200000 times a second for a few dozen
// nanoseconds each, far from the cost of the HTTP requests themselves.
type recorder struct {
	mu       sync.Mutex
	res      Result
	inFlight int64
	// window holds what completed since the last progress line.
	window     Histogram
	windowDone int64
}

func newRecorder() *recorder {
	return &recorder{res: Result{Status: map[int]int64{}}}
}

// tryStart is the open model's admission: it counts a scheduled request
// and admits it unless limit requests are already in flight.
func (r *recorder) tryStart(limit int) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.res.Scheduled++
	if r.inFlight >= int64(limit) {
		r.res.Dropped++
		return false
	}
	r.inFlight++
	r.res.Sent++
	return true
}

// start counts a closed-model request.
func (r *recorder) start() {
	r.mu.Lock()
	r.inFlight++
	r.res.Sent++
	r.mu.Unlock()
}

func (r *recorder) missed(n int64) {
	r.mu.Lock()
	r.res.Scheduled += n
	r.res.Missed += n
	r.mu.Unlock()
}

func (r *recorder) done(o outcome) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.inFlight--
	if o.open {
		r.res.Lag.Record(o.lag)
	}
	switch o.class {
	case classOK:
		r.res.OK++
		r.res.Latency.Record(o.latency)
		r.window.Record(o.latency)
	case classStatus:
		r.res.Status[o.status]++
	case classTimeout:
		r.res.Timeouts++
	case classConn:
		r.res.ConnErrors++
	case classCancelled:
		r.res.Cancelled++
		return // not a completion
	}
	r.windowDone++
}

// result returns a copy that later requests cannot change.
func (r *recorder) result() *Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	res := r.res
	res.Status = maps.Clone(r.res.Status)
	return &res
}

// snapshot is what one progress line shows.
type snapshot struct {
	sent, ok, errors, inFlight int64
	windowDone, windowOK       int64
	p50, p99                   time.Duration
}

// takeWindow returns the totals and the window since the last call, and
// starts a new window.
func (r *recorder) takeWindow() snapshot {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := snapshot{
		sent: r.res.Sent, ok: r.res.OK, errors: r.res.Errors(), inFlight: r.inFlight,
		windowDone: r.windowDone, windowOK: r.window.Count(), p50: r.window.Quantile(0.5), p99: r.window.Quantile(0.99),
	}
	r.window.Reset()
	r.windowDone = 0
	return s
}

// progress prints a status line every opts.ProgressEvery until ctx ends.
func (g *generator) progress(ctx context.Context, opts Options) {
	t := time.NewTicker(opts.ProgressEvery)
	defer t.Stop()
	last := g.start
	for {
		select {
		case <-ctx.Done():
			if opts.Live {
				// Leave the last status on screen; the summary starts
				// on a line of its own.
				fmt.Fprintln(opts.Progress)
			}
			return
		case now := <-t.C:
			s := g.rec.takeWindow()
			line := formatProgress(now.Sub(g.start), g.cfg.Duration, s, now.Sub(last))
			last = now
			if opts.Live {
				// \r returns to the line's start, \033[K clears what a
				// longer previous line left behind.
				fmt.Fprintf(opts.Progress, "\r%s\033[K", line)
			} else {
				fmt.Fprintln(opts.Progress, line)
			}
		}
	}
}

func formatProgress(elapsed, total time.Duration, s snapshot, window time.Duration) string {
	pct := "p50 -  p99 -"
	if s.windowOK > 0 {
		pct = fmt.Sprintf("p50 %s  p99 %s", fmtDur(s.p50), fmtDur(s.p99))
	}
	return fmt.Sprintf("[%s/%s] sent %d  ok %d  errors %d  in-flight %d | last %s: %.1f req/s  %s",
		elapsed.Round(time.Second), total, s.sent, s.ok, s.errors, s.inFlight,
		window.Round(100*time.Millisecond), float64(s.windowDone)/window.Seconds(), pct)
}

// fmtDur rounds a duration to about three significant digits.
func fmtDur(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < 100*time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	case d < time.Second:
		return d.Round(100 * time.Microsecond).String()
	}
	return d.Round(time.Millisecond).String()
}
