// Package loadgen sends HTTP load to one URL, at a fixed rate (open model)
// or from a fixed number of workers (closed model), and measures what the
// server answered: counts by outcome and latency percentiles. cmd/loadgen is
// its command line; the posts use it to drive the HPA demo.
package loadgen

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"
	"time"
)

// ANCHOR: models
// Model is how load is generated.
type Model int

const (
	// Open: requests start on a schedule (Rate per second), whether or not
	// earlier ones have finished, like users arriving independently. A slow
	// server then shows as growing latency and in-flight requests.
	Open Model = iota + 1
	// Closed: Concurrency workers each send a request, wait for the answer,
	// and send the next. A slow server slows the load down with it.
	Closed
)

// ANCHOR_END: models

func (m Model) String() string {
	switch m {
	case Open:
		return "open"
	case Closed:
		return "closed"
	}
	return fmt.Sprintf("Model(%d)", int(m))
}

// Bounds that refuse absurd values: a typo (an extra zero, ms for s) should
// fail with a message, not flood the reader's laptop or cluster.
const (
	MaxRate        = 100000 // requests per second
	MaxConcurrency = 10000  // workers
	MaxInFlight    = 10000  // open model: requests waiting for an answer
	MaxDuration    = 24 * time.Hour
	MaxTimeout     = 10 * time.Minute
)

// Methods are the request methods loadgen sends (always without a body).
var Methods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

// Config describes one run.
type Config struct {
	URL    string
	Method string
	Model  Model
	// Rate is the target in requests per second (Open).
	Rate float64
	// Concurrency is the number of workers (Closed).
	Concurrency int
	// Duration of the whole run, ramp included.
	Duration time.Duration
	// Ramp grows the rate (Open) or the number of workers (Closed) linearly
	// from 0 to its target over this time; 0 starts at full load.
	Ramp time.Duration
	// Timeout of each request, from sending to the end of the body.
	Timeout time.Duration
	// MaxInFlight caps the requests waiting for an answer in the open
	// model: past it, scheduled requests are dropped and counted, instead
	// of piling up goroutines and sockets without limit.
	MaxInFlight int
	// ANCHOR: no-keepalive
	// NoKeepAlive opens a new connection for every request. Behind a
	// Kubernetes Service, kube-proxy picks a pod per connection: kept-alive
	// connections opened while one pod existed stay on it, and pods the HPA
	// adds later get no load. New connections spread it (at the cost of a
	// TCP handshake per request, which the latency then includes).
	NoKeepAlive bool
	// ANCHOR_END: no-keepalive
}

// Validate reports every bad field in one error a person can act on.
func (c Config) Validate() error {
	var errs []string
	add := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }

	if c.URL == "" {
		add("no URL: set --url, e.g. http://127.0.0.1:30080/api/v1/work/cpu?ms=20")
	} else if u, err := url.Parse(c.URL); err != nil {
		add("url %q: %v", c.URL, err)
	} else if u.Scheme != "http" && u.Scheme != "https" {
		add("url %q: only http:// and https:// URLs are supported", c.URL)
	} else if u.Host == "" {
		add("url %q has no host", c.URL)
	}
	if !slices.Contains(Methods, c.Method) {
		add("method %q not supported (one of %s)", c.Method, strings.Join(Methods, ", "))
	}
	switch c.Model {
	case Open:
		// !(x > 0) also catches NaN.
		if !(c.Rate > 0) || c.Rate > MaxRate {
			add("rate %g out of range: must be > 0 and <= %d requests/s", c.Rate, MaxRate)
		}
		if c.MaxInFlight < 1 || c.MaxInFlight > MaxInFlight {
			add("max-in-flight %d out of range 1..%d", c.MaxInFlight, MaxInFlight)
		}
	case Closed:
		if c.Concurrency < 1 || c.Concurrency > MaxConcurrency {
			add("concurrency %d out of range 1..%d", c.Concurrency, MaxConcurrency)
		}
	default:
		add("choose a load model: a rate (open model) or a concurrency (closed model)")
	}
	if c.Duration <= 0 || c.Duration > MaxDuration {
		add("duration %s out of range: must be > 0 and <= %s", c.Duration, MaxDuration)
	}
	if c.Ramp < 0 || c.Ramp > c.Duration {
		add("ramp %s out of range: must be >= 0 and <= the duration (%s)", c.Ramp, c.Duration)
	}
	if c.Timeout <= 0 || c.Timeout > MaxTimeout {
		add("timeout %s out of range: must be > 0 and <= %s", c.Timeout, MaxTimeout)
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}

// sendTime is when, after the start, the open model sends request i
// (i = 0, 1, 2, ...). At a constant rate R that is i/R. During a linear ramp
// the rate is R·t/ramp, so i requests have been sent by R·t²/(2·ramp):
// solving for t gives sqrt(2·i·ramp/R); after the ramp (R·ramp/2 requests)
// the constant rate takes over.
func sendTime(i int64, rate float64, ramp time.Duration) time.Duration {
	n := float64(i)
	r := ramp.Seconds()
	var s float64
	if rampRequests := rate * r / 2; n < rampRequests {
		s = math.Sqrt(2 * n * r / rate)
	} else {
		s = r + (n-rampRequests)/rate
	}
	return time.Duration(math.Round(s * 1e9))
}

// workerStart is when, after the start, closed-model worker k of n starts:
// spread evenly over the ramp, the first one at once.
func workerStart(k, n int, ramp time.Duration) time.Duration {
	return time.Duration(int64(ramp) * int64(k) / int64(n))
}
