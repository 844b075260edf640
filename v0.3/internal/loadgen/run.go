package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// Result is what a run measured. Every request that was sent ends in
// exactly one of OK, Status, Timeouts, ConnErrors or Cancelled.
type Result struct {
	// Elapsed is the run's wall time, from the first request to the stop.
	Elapsed time.Duration
	// Interrupted: the caller's context ended the run before Duration.
	Interrupted bool

	// Scheduled (open model): requests the schedule called for before the
	// run ended. Scheduled = Sent + Dropped + Missed.
	Scheduled int64
	// Dropped (open model): not sent because MaxInFlight requests were
	// already waiting for an answer.
	Dropped int64
	// Missed (open model): due before the end, but the client was so far
	// behind its schedule that the run ended first.
	Missed int64

	Sent int64
	// OK: a 2xx or 3xx answer, body read completely. Redirects are not
	// followed: each request measures one round trip.
	OK int64
	// Status counts the other answers by code (4xx, 5xx, ...).
	Status map[int]int64
	// Timeouts: no complete answer within Config.Timeout.
	Timeouts int64
	// ConnErrors: refused, reset or broken connections, bad responses.
	ConnErrors int64
	// Cancelled: still waiting when the run ended (at Duration or on
	// Ctrl-C). Not errors: the server was not given the chance to answer.
	Cancelled int64

	// Latency of the OK requests. In the open model it is measured from
	// the time the schedule said the request should start (see Run).
	Latency Histogram
	// Lag (open model): how late requests started compared to the schedule.
	Lag Histogram
}

// Errors is the number of failed requests: non-2xx/3xx answers, timeouts
// and connection errors.
func (r *Result) Errors() int64 {
	n := r.Timeouts + r.ConnErrors
	for _, c := range r.Status {
		n += c
	}
	return n
}

// Completed is the number of requests that ended before the run did.
func (r *Result) Completed() int64 { return r.OK + r.Errors() }

// ErrorRatio is Errors / Completed (0 when nothing completed).
func (r *Result) ErrorRatio() float64 {
	if r.Completed() == 0 {
		return 0
	}
	return float64(r.Errors()) / float64(r.Completed())
}

// ANCHOR: kept-up
// MaxLagP99 is the open model's tolerance for starting late: beyond it the
// client, not the server, shapes the load, and the summary says so.
const MaxLagP99 = 25 * time.Millisecond

// KeptUp reports whether the open model sent what its schedule called for,
// on time, with a reason when it did not.
func (r *Result) KeptUp() (bool, string) {
	switch {
	case r.Dropped > 0:
		return false, fmt.Sprintf("%d requests dropped at the in-flight limit: the server answers too slowly for this rate (raise --max-in-flight to keep sending)", r.Dropped)
	case r.Missed > 0:
		return false, fmt.Sprintf("%d requests never sent: the client fell behind its schedule", r.Missed)
	case r.Lag.Quantile(0.99) > MaxLagP99:
		return false, fmt.Sprintf("requests started late (p99 lag %s > %s): the client machine is the bottleneck", fmtDur(r.Lag.Quantile(0.99)), MaxLagP99)
	}
	return true, ""
}

// ANCHOR_END: kept-up

// Options are the parts of a run that are not the load itself.
type Options struct {
	// Progress receives a status line every ProgressEvery (none if nil or 0).
	Progress      io.Writer
	ProgressEvery time.Duration
	// Live rewrites one line with \r (for a terminal) instead of printing
	// a new line each time (for logs and pipes).
	Live bool
}

// newClient returns the HTTP client of one run.
func newClient(cfg Config) *http.Client {
	conns := cfg.Concurrency
	if cfg.Model == Open {
		conns = cfg.MaxInFlight
	}
	dialer := &net.Dialer{Timeout: cfg.Timeout, KeepAlive: 30 * time.Second}
	return &http.Client{
		Transport: &http.Transport{
			// No proxy from the environment: load meant for a local
			// NodePort must not go through a corporate HTTP_PROXY.
			Proxy:       nil,
			DialContext: dialer.DialContext,
			// Keep one idle connection per possible in-flight request,
			// so connections are reused instead of reopened (the default
			// of 2 per host would make most requests dial anew and
			// measure TCP handshakes and TIME_WAIT churn).
			MaxIdleConns:        conns,
			MaxIdleConnsPerHost: conns,
			IdleConnTimeout:     90 * time.Second,
			TLSHandshakeTimeout: cfg.Timeout,
			// Like curl without --compressed: measure the server, not
			// the client's gunzip.
			DisableCompression: true,
			DisableKeepAlives:  cfg.NoKeepAlive,
		},
		// A 3xx is an answer: following it would send a second request
		// that the schedule never asked for.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

var (
	errRunEnded       = errors.New("run ended")
	errRequestTimeout = errors.New("request timeout")
)

// Run sends load as cfg says until cfg.Duration has passed or ctx ends,
// then cancels the requests still waiting and returns what it measured.
// It returns an error only for an invalid cfg.
//
// Open model and coordinated omission: a client that waits for each answer
// before sending the next sends less when the server slows down, so the
// slow period holds few samples and the percentiles look better than what
// users saw ("coordinated omission", Gil Tene). Here every request has a
// start time fixed in advance by the schedule, independent of the answers;
// its latency is measured from that time, so even a request that had to
// start late (the client was busy) is charged the wait a real user would
// have had, as wrk2 does. Lag shows how late requests started, so a
// client that could not keep up is reported as such.
func Run(ctx context.Context, cfg Config, opts Options) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	client := newClient(cfg)
	defer client.CloseIdleConnections()
	g := &generator{cfg: cfg, client: client, rec: newRecorder()}

	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	g.start = time.Now()
	// The run stops at Duration exactly: in-flight requests are cancelled
	// then, and counted as such.
	stopTimer := time.AfterFunc(cfg.Duration, func() { cancel(errRunEnded) })
	defer stopTimer.Stop()

	var progressDone chan struct{}
	if opts.Progress != nil && opts.ProgressEvery > 0 {
		progressDone = make(chan struct{})
		go func() {
			defer close(progressDone)
			g.progress(runCtx, opts)
		}()
	}

	if cfg.Model == Open {
		g.runOpen(runCtx)
	} else {
		g.runClosed(runCtx)
	}
	elapsed := time.Since(g.start)
	// Whoever ended runCtx first set its cause: the timer (errRunEnded)
	// or the caller (Ctrl-C).
	interrupted := context.Cause(runCtx) != errRunEnded
	cancel(errRunEnded)
	if progressDone != nil {
		<-progressDone
	}

	res := g.rec.result()
	res.Elapsed = elapsed
	res.Interrupted = interrupted
	return res, nil
}

type generator struct {
	cfg    Config
	client *http.Client
	rec    *recorder
	start  time.Time
}

func (g *generator) runOpen(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for i := int64(0); ; i++ {
		at := sendTime(i, g.cfg.Rate, g.cfg.Ramp)
		if at >= g.cfg.Duration {
			// Schedule done: the run still lasts until Duration, so
			// achieved rates divide by the time the load was asked for.
			<-ctx.Done()
			return
		}
		if wait := time.Until(g.start.Add(at)); wait > 0 {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-ctx.Done():
			}
		}
		if ctx.Err() != nil {
			if context.Cause(ctx) == errRunEnded {
				g.countMissed(i)
			}
			return
		}
		if !g.rec.tryStart(g.cfg.MaxInFlight) {
			continue // counted as dropped
		}
		intended := g.start.Add(at)
		wg.Go(func() { g.rec.done(g.do(ctx, intended, true)) })
	}
}

// countMissed counts the requests from i on that were due before the run
// ended: the client was behind by that many when the time was up.
func (g *generator) countMissed(i int64) {
	end := min(time.Since(g.start), g.cfg.Duration)
	var n int64
	for ; sendTime(i, g.cfg.Rate, g.cfg.Ramp) < end; i++ {
		n++
	}
	g.rec.missed(n)
}

func (g *generator) runClosed(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	for k := range g.cfg.Concurrency {
		delay := workerStart(k, g.cfg.Concurrency, g.cfg.Ramp)
		wg.Go(func() {
			if delay > 0 {
				t := time.NewTimer(time.Until(g.start.Add(delay)))
				defer t.Stop()
				select {
				case <-t.C:
				case <-ctx.Done():
					return
				}
			}
			for ctx.Err() == nil {
				g.rec.start()
				g.rec.done(g.do(ctx, time.Now(), false))
			}
		})
	}
}

// outcome is one request's result.
type outcome struct {
	class   class
	status  int
	latency time.Duration
	lag     time.Duration
	open    bool
}

type class int

const (
	classOK class = iota
	classStatus
	classTimeout
	classConn
	classCancelled
)

// ANCHOR: do
// do sends one request and reads the whole body (so the connection can be
// reused and the latency includes the transfer).
func (g *generator) do(runCtx context.Context, intended time.Time, open bool) outcome {
	started := time.Now()
	ctx, cancel := context.WithTimeoutCause(runCtx, g.cfg.Timeout, errRequestTimeout)
	defer cancel()
	o := outcome{open: open, lag: started.Sub(intended)}
	req, err := http.NewRequestWithContext(ctx, g.cfg.Method, g.cfg.URL, nil)
	if err != nil {
		// Unreachable after Validate; classified rather than panicking.
		o.class = classConn
		return o
	}
	req.Header.Set("User-Agent", "journey-loadgen")
	resp, err := g.client.Do(req)
	if err == nil {
		o.status = resp.StatusCode
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	o.latency = time.Since(intended)
	o.class = classify(ctx, err, o.status)
	return o
}

// ANCHOR_END: do

func classify(ctx context.Context, err error, status int) class {
	if err == nil {
		if status >= 200 && status < 400 {
			return classOK
		}
		return classStatus
	}
	if ctx.Err() != nil {
		// The request's own deadline, or the run's end (or Ctrl-C)
		// reaching it through the parent context: the cause tells which.
		if context.Cause(ctx) == errRequestTimeout {
			return classTimeout
		}
		return classCancelled
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return classTimeout
	}
	return classConn
}
