package loadgen

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Timing tolerances. The tests run on loaded 2-core CI machines, under
// -race, in parallel: counts are checked exactly wherever the design makes
// them exact, and times only with margins far above scheduler noise.
const (
	// stopSlack: how long after --duration Run may return. Cancelling the
	// in-flight requests and joining their goroutines takes microseconds;
	// the slack is for a descheduled test process.
	stopSlack = 750 * time.Millisecond
	// maxMissed: requests the open model may fail to send at the very end
	// of a 1s run when the machine stalls the scheduler (5% of 200).
	maxMissed = 10
)

// server is a test target that counts requests and records arrival times.
type server struct {
	*httptest.Server
	n        atomic.Int64
	mu       sync.Mutex
	arrivals []time.Time
}

// newServer starts a server on 127.0.0.1; handle gets the 1-based request
// number. Handlers that block should also watch release, closed before the
// server shuts down.
func newServer(t *testing.T, handle func(n int64, w http.ResponseWriter, r *http.Request)) *server {
	t.Helper()
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := s.n.Add(1)
		s.mu.Lock()
		s.arrivals = append(s.arrivals, time.Now())
		s.mu.Unlock()
		handle(n, w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// hang blocks until the client gives up or the test ends.
func hang(release <-chan struct{}) func(int64, http.ResponseWriter, *http.Request) {
	return func(_ int64, _ http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}
}

func releaseOnCleanup(t *testing.T) <-chan struct{} {
	ch := make(chan struct{})
	t.Cleanup(func() { close(ch) }) // runs before the server's Close (LIFO)
	return ch
}

func ok(int64, http.ResponseWriter, *http.Request) {}

func open(url string, rate float64, d time.Duration) Config {
	return Config{URL: url, Method: "GET", Model: Open, Rate: rate, Duration: d, Timeout: 5 * time.Second, MaxInFlight: 100}
}

func closed(url string, workers int, d time.Duration) Config {
	return Config{URL: url, Method: "GET", Model: Closed, Concurrency: workers, Duration: d, Timeout: 5 * time.Second}
}

func mustRun(t *testing.T, ctx context.Context, cfg Config) *Result {
	t.Helper()
	res, err := Run(ctx, cfg, Options{})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	checkInvariants(t, res)
	return res
}

// checkInvariants: every request sent ends in exactly one class, and the
// open model's schedule is fully accounted for.
func checkInvariants(t *testing.T, r *Result) {
	t.Helper()
	if got := r.OK + r.Errors() + r.Cancelled; got != r.Sent {
		t.Errorf("ok %d + errors %d + cancelled %d = %d, want sent %d", r.OK, r.Errors(), r.Cancelled, got, r.Sent)
	}
	if r.Scheduled > 0 {
		if got := r.Sent + r.Dropped + r.Missed; got != r.Scheduled {
			t.Errorf("sent %d + dropped %d + missed %d = %d, want scheduled %d", r.Sent, r.Dropped, r.Missed, got, r.Scheduled)
		}
	}
	if r.Latency.Count() != r.OK {
		t.Errorf("latency samples %d, want one per ok request (%d)", r.Latency.Count(), r.OK)
	}
}

// TestOpenModelSendsExactlyTheSchedule: 200 req/s for 1s is 200 requests,
// every one of them answered and seen by the server.
func TestOpenModelSendsExactlyTheSchedule(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ok)
	res := mustRun(t, context.Background(), open(srv.URL, 200, time.Second))

	if res.Scheduled != 200 {
		t.Errorf("scheduled = %d, want exactly 200 (200 req/s × 1s)", res.Scheduled)
	}
	if res.Missed > maxMissed || res.Dropped != 0 {
		t.Errorf("missed = %d, dropped = %d, want <= %d and 0", res.Missed, res.Dropped, maxMissed)
	}
	if res.Errors() != 0 {
		t.Errorf("errors = %d (%v), want 0", res.Errors(), res.Status)
	}
	// A request cancelled at the end may or may not have reached the server.
	if got := srv.n.Load(); got < res.OK || got > res.Sent {
		t.Errorf("server saw %d requests, want between ok (%d) and sent (%d)", got, res.OK, res.Sent)
	}
	if res.OK < res.Scheduled-maxMissed-5 {
		t.Errorf("ok = %d of %d scheduled, want nearly all (the server answers at once)", res.OK, res.Scheduled)
	}
}

// TestClosedModelCountsMatchServer: each worker has at most one request in
// flight, so at most Concurrency can be cancelled at the end.
func TestClosedModelCountsMatchServer(t *testing.T) {
	t.Parallel()
	srv := newServer(t, func(int64, http.ResponseWriter, *http.Request) { time.Sleep(5 * time.Millisecond) })
	res := mustRun(t, context.Background(), closed(srv.URL, 4, 500*time.Millisecond))

	if res.Cancelled > 4 {
		t.Errorf("cancelled = %d, want <= 4 (one per worker)", res.Cancelled)
	}
	if got := srv.n.Load(); got < res.OK || got > res.Sent {
		t.Errorf("server saw %d requests, want between ok (%d) and sent (%d)", got, res.OK, res.Sent)
	}
	// 4 workers × 500ms / 5ms = 400 at best; a loaded machine does fewer.
	if res.OK < 40 || res.OK > 400 {
		t.Errorf("ok = %d, want 40..400", res.OK)
	}
}

// TestPercentilesOfKnownDistribution: 7 of every 10 requests take 5ms, 3
// take 150ms. So p50 is a fast one and p90/p99 slow ones. Latency can only
// be longer than the server's sleep, never shorter: the lower bounds are
// exact. How much longer depends on how busy the machine is, so the only
// upper bound is the gap between the two kinds (145ms), which a loaded
// 2-core machine does not close.
func TestPercentilesOfKnownDistribution(t *testing.T) {
	t.Parallel()
	const fast, slow = 5 * time.Millisecond, 150 * time.Millisecond
	srv := newServer(t, func(n int64, _ http.ResponseWriter, _ *http.Request) {
		if n%10 < 3 {
			time.Sleep(slow)
		} else {
			time.Sleep(fast)
		}
	})
	tests := []struct {
		name string
		cfg  Config
	}{
		{name: "closed-8-workers", cfg: closed(srv.URL, 8, 800*time.Millisecond)},
		{name: "open-150-per-second", cfg: open(srv.URL, 150, 800*time.Millisecond)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := mustRun(t, context.Background(), tt.cfg)
			if res.OK < 30 {
				t.Fatalf("ok = %d, want >= 30 samples", res.OK)
			}
			p50, p90, p99, mx := res.Latency.Quantile(0.5), res.Latency.Quantile(0.9), res.Latency.Quantile(0.99), res.Latency.Max()
			if p50 < fast || p50 >= slow {
				t.Errorf("p50 = %s, want in [%s, %s): the fast 70%%", p50, fast, slow)
			}
			for _, p := range []struct {
				name string
				got  time.Duration
			}{{"p90", p90}, {"p99", p99}, {"max", mx}} {
				if p.got < slow {
					t.Errorf("%s = %s, want >= %s: the slow 30%%", p.name, p.got, slow)
				}
			}
			if res.Latency.Min() < fast {
				t.Errorf("min = %s, want >= %s (the server sleeps that long)", res.Latency.Min(), fast)
			}
		})
	}
}

// TestErrorsAreClassified: status codes by code, timeouts, connection
// errors; with one worker the requests reach the server in order, so the
// count of 500s is exact.
func TestErrorsAreClassified(t *testing.T) {
	t.Parallel()
	t.Run("every-third-500", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t, func(n int64, w http.ResponseWriter, _ *http.Request) {
			if n%3 == 0 {
				w.WriteHeader(http.StatusInternalServerError)
			}
		})
		res := mustRun(t, context.Background(), closed(srv.URL, 1, 400*time.Millisecond))
		c := res.Completed()
		if c < 30 {
			t.Fatalf("completed = %d, want >= 30", c)
		}
		// Requests 1..c completed in order: c/3 of them were the 3rd, 6th, ...
		if got, want := res.Status[500], c/3; got != want {
			t.Errorf("status 500 = %d, want %d (every 3rd of %d)", got, want, c)
		}
		if got, want := res.OK, c-c/3; got != want {
			t.Errorf("ok = %d, want %d", got, want)
		}
		if len(res.Status) != 1 || res.Timeouts != 0 || res.ConnErrors != 0 {
			t.Errorf("status %v, timeouts %d, connection errors %d, want only 500s", res.Status, res.Timeouts, res.ConnErrors)
		}
	})
	t.Run("closed-port-connection-errors", func(t *testing.T) {
		t.Parallel()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		url := "http://" + ln.Addr().String() + "/"
		ln.Close()
		for _, cfg := range []Config{closed(url, 2, 300*time.Millisecond), open(url, 50, 300*time.Millisecond)} {
			res := mustRun(t, context.Background(), cfg)
			if res.ConnErrors == 0 || res.ConnErrors != res.Completed() || res.OK != 0 {
				t.Errorf("%s: connection errors %d, completed %d, ok %d, want all completed as connection errors",
					cfg.Model, res.ConnErrors, res.Completed(), res.OK)
			}
		}
	})
	t.Run("slow-server-timeouts", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t, hang(releaseOnCleanup(t)))
		cfg := closed(srv.URL, 2, 550*time.Millisecond)
		cfg.Timeout = 100 * time.Millisecond
		res := mustRun(t, context.Background(), cfg)
		// 2 workers × 5 timeouts at best; a slow machine does fewer.
		if res.Timeouts < 2 || res.Timeouts > 12 {
			t.Errorf("timeouts = %d, want 2..12", res.Timeouts)
		}
		if res.OK != 0 || res.ConnErrors != 0 || len(res.Status) != 0 || res.Cancelled > 2 {
			t.Errorf("ok %d, connection errors %d, status %v, cancelled %d, want 0, 0, none, <= 2",
				res.OK, res.ConnErrors, res.Status, res.Cancelled)
		}
	})
	t.Run("redirect-is-an-answer-not-followed", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
		})
		res := mustRun(t, context.Background(), closed(srv.URL+"/start", 1, 200*time.Millisecond))
		if res.OK == 0 || res.Errors() != 0 {
			t.Errorf("ok %d, errors %d, want every 302 counted ok", res.OK, res.Errors())
		}
		if got := srv.n.Load(); got > res.Sent {
			t.Errorf("server saw %d requests for %d sent: redirects were followed", got, res.Sent)
		}
	})
}

// TestStopsOnTime: a server that never answers cannot hold the run past
// its duration; the hung requests are cancelled, not errors.
func TestStopsOnTime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		cfg           func(url string) Config
		wantCancelled int64
	}{
		{name: "closed-3-workers", cfg: func(url string) Config { return closed(url, 3, time.Second) }, wantCancelled: 3},
		{name: "open-10-per-second", cfg: func(url string) Config { return open(url, 10, time.Second) }, wantCancelled: 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, hang(releaseOnCleanup(t)))
			start := time.Now()
			res := mustRun(t, context.Background(), tt.cfg(srv.URL))
			took := time.Since(start)
			if took < time.Second || took > time.Second+stopSlack {
				t.Errorf("Run took %s, want 1s..%s", took, time.Second+stopSlack)
			}
			if res.Interrupted {
				t.Error("Interrupted = true, want false (the duration ended the run)")
			}
			if res.Errors() != 0 || res.OK != 0 {
				t.Errorf("errors %d, ok %d, want 0 and 0", res.Errors(), res.OK)
			}
			if res.Cancelled != res.Sent || res.Sent+res.Missed != tt.wantCancelled {
				t.Errorf("cancelled %d, sent %d, missed %d, want every one of the %d requests cancelled",
					res.Cancelled, res.Sent, res.Missed, tt.wantCancelled)
			}
		})
	}
}

// TestInterruptReturnsResultsSoFar: the caller's context (Ctrl-C) ends the
// run early, with what was measured until then.
func TestInterruptReturnsResultsSoFar(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ok)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	res := mustRun(t, ctx, open(srv.URL, 100, time.Minute))
	if took := time.Since(start); took > 300*time.Millisecond+stopSlack {
		t.Errorf("Run took %s after a 300ms interrupt, want <= %s", took, 300*time.Millisecond+stopSlack)
	}
	if !res.Interrupted {
		t.Error("Interrupted = false, want true")
	}
	if res.OK == 0 || res.Missed != 0 {
		t.Errorf("ok = %d, missed = %d, want the requests so far and no missed count after an interrupt", res.OK, res.Missed)
	}
}

// TestRampShape: ramping from 0, the first half of the run carries less
// load than the second. For the open model the schedule is exact: a quarter
// of the 100 requests fall in the first half.
func TestRampShape(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		cfg           func(url string) Config
		wantScheduled int64
	}{
		{name: "open-rate-ramp", cfg: func(url string) Config {
			c := open(url, 200, time.Second)
			c.Ramp = time.Second
			return c
		}, wantScheduled: 100},
		{name: "closed-workers-ramp", cfg: func(url string) Config {
			c := closed(url, 4, time.Second)
			c.Ramp = time.Second
			return c
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, func(int64, http.ResponseWriter, *http.Request) { time.Sleep(20 * time.Millisecond) })
			start := time.Now()
			res := mustRun(t, context.Background(), tt.cfg(srv.URL))
			if tt.wantScheduled > 0 && res.Scheduled != tt.wantScheduled {
				t.Errorf("scheduled = %d, want %d", res.Scheduled, tt.wantScheduled)
			}
			srv.mu.Lock()
			defer srv.mu.Unlock()
			var first, second int
			for _, at := range srv.arrivals {
				if at.Sub(start) < 500*time.Millisecond {
					first++
				} else {
					second++
				}
			}
			if first == 0 || first >= second {
				t.Errorf("requests in first half = %d, second half = %d, want 0 < first < second", first, second)
			}
		})
	}
}

// TestDroppedAtInFlightLimit: when the server stops answering, the open
// model keeps its schedule but sends no more than MaxInFlight at a time,
// and says the target rate was not achieved.
func TestDroppedAtInFlightLimit(t *testing.T) {
	t.Parallel()
	srv := newServer(t, hang(releaseOnCleanup(t)))
	cfg := open(srv.URL, 100, 500*time.Millisecond)
	cfg.MaxInFlight = 2
	res := mustRun(t, context.Background(), cfg)
	if res.Sent != 2 || res.Dropped+res.Missed != 48 {
		t.Errorf("sent %d, dropped %d, missed %d, want 2 sent and the other 48 of 50 dropped", res.Sent, res.Dropped, res.Missed)
	}
	if kept, why := res.KeptUp(); kept || !strings.Contains(why, "dropped at the in-flight limit") {
		t.Errorf("KeptUp() = %v, %q, want false with the dropped reason", kept, why)
	}
}

func TestProgressLines(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ok)
	tests := []struct {
		name string
		live bool
	}{{name: "plain-lines-for-pipes"}, {name: "live-line-for-terminals", live: true}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			_, err := Run(context.Background(), open(srv.URL, 100, 550*time.Millisecond),
				Options{Progress: &buf, ProgressEvery: 100 * time.Millisecond, Live: tt.live})
			if err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			var updates []string
			if tt.live {
				if !strings.HasSuffix(out, "\n") || strings.Count(out, "\n") != 1 {
					t.Errorf("live output = %q, want \\r updates and one final newline", out)
				}
				for _, u := range strings.Split(strings.TrimSuffix(out, "\n"), "\r")[1:] {
					if !strings.HasSuffix(u, "\033[K") {
						t.Errorf("live update %q does not clear the rest of the line", u)
					}
					updates = append(updates, u)
				}
			} else {
				updates = strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			}
			if len(updates) < 2 {
				t.Fatalf("%d progress updates in %q, want >= 2 (every 100ms for 550ms)", len(updates), out)
			}
			for _, u := range updates {
				for _, want := range []string{"/550ms] sent ", "  ok ", "  errors 0  ", "in-flight ", "req/s  p50 "} {
					if !strings.Contains(u, want) {
						t.Errorf("progress update %q, want it to contain %q", u, want)
					}
				}
			}
		})
	}
}

func TestSummary(t *testing.T) {
	r := &Result{
		Elapsed: 2 * time.Second, Scheduled: 200, Sent: 200, OK: 180, Cancelled: 2, Timeouts: 3, ConnErrors: 1,
		Status: map[int]int64{503: 4, 500: 10},
	}
	for i := 1; i <= 180; i++ {
		r.Latency.Record(time.Duration(i) * time.Millisecond)
		r.Lag.Record(time.Millisecond)
	}
	cfg := open("http://127.0.0.1:30080/x", 100, 2*time.Second)
	var b bytes.Buffer
	if err := WriteSummary(&b, cfg, r); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	for _, want := range []string{
		"loadgen summary: GET http://127.0.0.1:30080/x\n",
		"  load:          open model, 100 req/s for 2s, at most 100 in flight\n",
		"  elapsed:       2s (reached --duration)\n",
		"  requests:      200 sent (200 scheduled, 0 dropped, 0 missed)\n",
		"  ok:            180 (2xx/3xx)\n",
		"  errors:        18 (9.09% of 198 completed)\n",
		"    status 500:  10\n    status 503:  4\n    timeout:     3 ",
		"    connection:  1 ",
		"  cancelled:     2 (still waiting at the end; not errors)\n",
		"  throughput:    100.0 req/s sent, 99.0 req/s completed\n",
		"  target rate:   achieved (p99 start lag 1ms)\n",
		"  latency:       p50 90.18ms  p90 162.5ms",
		"  p99 179.3ms",
		"  max 180ms\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("summary:\n%s\nwant it to contain %q", got, want)
		}
	}
}

// TestConnectionsAreReused: the idle pool is sized to the workers, so 8
// workers keep about 8 connections. The server answers in rounds (all 8
// requests at once), so all 8 connections return to the pool together:
// with Go's default of 2 idle per host, 6 would be closed and dialled anew
// every round (dozens of connections in this run instead of 8).
func TestConnectionsAreReused(t *testing.T) {
	t.Parallel()
	const workers = 8
	var (
		conns   atomic.Int64
		mu      sync.Mutex
		waiting []chan struct{}
	)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		release := make(chan struct{})
		mu.Lock()
		if waiting = append(waiting, release); len(waiting) == workers {
			for _, ch := range waiting {
				close(ch)
			}
			waiting = nil
		}
		mu.Unlock()
		select {
		case <-release:
		case <-time.After(100 * time.Millisecond): // the last, incomplete round
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	res := mustRun(t, context.Background(), closed(srv.URL, workers, 500*time.Millisecond))
	// Four full rounds are enough to tell the pools apart: with 2 idle
	// connections per host they would need 8 + 3*6 = 26 connections. A
	// loaded machine manages fewer rounds than an idle one, so that is
	// the only lower bound on the requests.
	if res.OK < 4*workers {
		t.Fatalf("only %d requests in the run, want at least %d (4 rounds) to judge connection reuse", res.OK, 4*workers)
	}
	// Not exactly 8: a worker whose answer arrives first may start a dial
	// before the other connections are back; Go then hands it a returned
	// connection and parks the new one in the pool. At most one such extra
	// connection per worker stays.
	if got := conns.Load(); got > 2*workers {
		t.Errorf("%d TCP connections for %d requests from %d workers, want at most %d", got, res.OK, workers, 2*workers)
	}
}

// TestNoKeepAliveOpensAConnectionPerRequest: what lets a Kubernetes
// Service spread the load over pods added during the run.
func TestNoKeepAliveOpensAConnectionPerRequest(t *testing.T) {
	t.Parallel()
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	cfg := closed(srv.URL, 2, 200*time.Millisecond)
	cfg.NoKeepAlive = true
	res := mustRun(t, context.Background(), cfg)
	if res.OK < 10 || conns.Load() < res.OK {
		t.Errorf("%d TCP connections for %d requests with NoKeepAlive, want one per request", conns.Load(), res.OK)
	}
}

// TestOpenModelShowsSaturation: a server that handles one request at a
// time, 20ms each, can answer 50/s. Sent 100/s, the open model keeps
// sending on schedule, the queue grows and so does the latency it reports;
// one closed-model worker against the same server sees only the 20ms.
func TestOpenModelShowsSaturation(t *testing.T) {
	t.Parallel()
	// One server per run: the open run leaves a backlog behind.
	serialServer := func() *server {
		var serial sync.Mutex
		return newServer(t, func(int64, http.ResponseWriter, *http.Request) {
			serial.Lock()
			defer serial.Unlock()
			time.Sleep(20 * time.Millisecond)
		})
	}
	openRes := mustRun(t, context.Background(), open(serialServer().URL, 100, 600*time.Millisecond))
	closedRes := mustRun(t, context.Background(), closed(serialServer().URL, 1, 600*time.Millisecond))

	if openRes.Sent+openRes.Missed != 60 || openRes.Dropped != 0 {
		t.Errorf("open model sent %d, missed %d, dropped %d, want all 60 scheduled sent despite the slow server",
			openRes.Sent, openRes.Missed, openRes.Dropped)
	}
	if openRes.Cancelled < 10 {
		t.Errorf("open model cancelled %d at the end, want >= 10 still queued", openRes.Cancelled)
	}
	// Request k waits for the k before it: latency ~ 10ms·k + 20ms.
	if p90 := openRes.Latency.Quantile(0.9); p90 < 100*time.Millisecond {
		t.Errorf("open model p90 = %s, want >= 100ms (queueing)", p90)
	}
	if p90 := closedRes.Latency.Quantile(0.9); p90 < 20*time.Millisecond || p90 >= 100*time.Millisecond {
		t.Errorf("closed model p90 = %s, want 20ms..100ms (no queue with one worker)", p90)
	}
}

// TestLateStartIsChargedToLatency: a request that starts 100ms after its
// scheduled time (the client was busy) reports its latency from the
// schedule, as a user arriving then would have waited; the lag shows it.
func TestLateStartIsChargedToLatency(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ok)
	cfg := open(srv.URL, 1, time.Second)
	g := &generator{cfg: cfg, client: newClient(cfg), rec: newRecorder(), start: time.Now()}
	o := g.do(context.Background(), time.Now().Add(-100*time.Millisecond), true)
	if o.class != classOK {
		t.Fatalf("class = %v, want ok", o.class)
	}
	if o.lag < 100*time.Millisecond || o.latency < o.lag {
		t.Errorf("lag %s, latency %s, want lag >= 100ms and latency >= lag", o.lag, o.latency)
	}
}
