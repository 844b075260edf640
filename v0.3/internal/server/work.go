package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.3/journey/internal/middleware"
	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.3/journey/internal/work"
)

// workMetrics show the load jobs: how many, how they ended, what they used.
type workMetrics struct {
	// requests counts /api/v1/work/* jobs by kind (cpu, memory) and result
	// (done, cancelled, rejected, busy, starved).
	requests *prometheus.CounterVec
	// cpuSeconds is the CPU time finished CPU jobs used.
	cpuSeconds prometheus.Counter
}

// newWorkMetrics registers the job metrics and a gauge of the bytes the
// memory jobs hold right now, read from memoryInUse at scrape time.
func newWorkMetrics(reg prometheus.Registerer, memoryInUse func() float64) *workMetrics {
	m := &workMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "work_requests_total",
			Help: "Load-generating jobs by kind (cpu, memory) and result (done, cancelled, rejected, busy, starved).",
		}, []string{"kind", "result"}),
		cpuSeconds: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "work_cpu_seconds_total",
			Help: "CPU seconds used by finished CPU jobs.",
		}),
	}
	reg.MustRegister(m.requests, m.cpuSeconds, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "work_memory_bytes",
		Help: "Bytes held by running memory jobs.",
	}, memoryInUse))
	return m
}

// cpuMaxWall bounds a CPU job's wall-clock time below the server's 30 s
// write timeout, however throttled the pod is.
const cpuMaxWall = 25 * time.Second

// errShuttingDown cancels running jobs once the drain is over, so a long
// job cannot hold up the shutdown; its client gets a 503 it can retry.
var errShuttingDown = errors.New("server shutting down")

// WorkBody is the body of a finished /api/v1/work/* job.
type WorkBody struct {
	Kind    string  `json:"kind"`
	MS      int     `json:"ms,omitempty"`
	Hashes  int64   `json:"hashes,omitempty"`
	MB      int     `json:"mb,omitempty"`
	Seconds int     `json:"seconds,omitempty"`
	TookMS  float64 `json:"took_ms"`
	Pod     string  `json:"pod,omitempty"`
}

// intParam reads an integer query parameter in [1, max]; missing means def.
func intParam(c *gin.Context, name string, def, max int) (int, bool) {
	v := c.Query(name)
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		middleware.AbortWithError(c, http.StatusBadRequest, "invalid_"+name,
			fmt.Sprintf("%s must be an integer from 1 to %d, got %q", name, max, v))
		return 0, false
	}
	return n, true
}

// ANCHOR: job-context
// jobContext ends when the client leaves or when shutdown stops the jobs.
func (s *Server) jobContext(c *gin.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(c.Request.Context())
	stop := context.AfterFunc(s.workCtx, func() { cancel(errShuttingDown) })
	return ctx, func() { stop(); cancel(nil) }
}

// jobFailed answers a job that ended early.
func (s *Server) jobFailed(c *gin.Context, ctx context.Context, kind string) {
	s.workMetrics.requests.WithLabelValues(kind, "cancelled").Inc()
	if errors.Is(context.Cause(ctx), errShuttingDown) {
		middleware.AbortWithError(c, http.StatusServiceUnavailable, "shutting_down", "the server is shutting down; retry")
		return
	}
	c.AbortWithStatus(StatusClientClosedRequest) // the client is gone
}

// ANCHOR_END: job-context
// workCPU serves GET /api/v1/work/cpu?ms=: a computation that uses ms
// milliseconds of CPU time (default 100, at most work.cpu.max_ms), the load
// a CPU-based HPA reacts to. took_ms in the answer is the wall time: it
// grows when the pod is throttled at its CPU limit.
func (s *Server) workCPU(c *gin.Context) {
	ms, ok := intParam(c, "ms", 100, s.opts.Work.CPU.MaxMS)
	if !ok {
		s.workMetrics.requests.WithLabelValues("cpu", "rejected").Inc()
		return
	}
	// Each running job holds an OS thread (BurnCPU locks it), and the Go
	// runtime aborts the process at 10,000 threads: refuse beyond the cap
	// instead of letting a flood of requests crash the pod.
	if s.cpuJobs.Add(1) > int64(s.opts.Work.CPU.MaxJobs) {
		s.cpuJobs.Add(-1)
		s.workMetrics.requests.WithLabelValues("cpu", "busy").Inc()
		middleware.AbortWithError(c, http.StatusTooManyRequests, "cpu_busy",
			fmt.Sprintf("%d CPU jobs are already running, the most this pod takes at once; retry later", s.opts.Work.CPU.MaxJobs))
		return
	}
	defer s.cpuJobs.Add(-1)
	ctx, done := s.jobContext(c)
	defer done()
	start := time.Now()
	hashes, err := work.BurnCPU(ctx, time.Duration(ms)*time.Millisecond, cpuMaxWall)
	took := time.Since(start)
	switch {
	case errors.Is(err, work.ErrStarved):
		s.workMetrics.requests.WithLabelValues("cpu", "starved").Inc()
		middleware.AbortWithError(c, http.StatusServiceUnavailable, "cpu_starved",
			fmt.Sprintf("could not get %d ms of CPU within %s: the pod is overloaded", ms, cpuMaxWall))
		return
	case err != nil:
		s.jobFailed(c, ctx, "cpu")
		return
	}
	s.workMetrics.cpuSeconds.Add(float64(ms) / 1000)
	s.workMetrics.requests.WithLabelValues("cpu", "done").Inc()
	c.JSON(http.StatusOK, WorkBody{Kind: "cpu", MS: ms, Hashes: hashes, TookMS: msOf(took), Pod: s.opts.Pod.Name})
}

// workMemory serves GET /api/v1/work/memory?mb=&seconds=: hold mb MiB
// (default 16) for seconds (default 10), within per-request bounds and a
// budget shared by all requests (429 when it is used up).
func (s *Server) workMemory(c *gin.Context) {
	mb, ok := intParam(c, "mb", min(16, s.opts.Work.Memory.MaxMB), s.opts.Work.Memory.MaxMB)
	if !ok {
		s.workMetrics.requests.WithLabelValues("memory", "rejected").Inc()
		return
	}
	secs, ok := intParam(c, "seconds", min(10, s.opts.Work.Memory.MaxSeconds), s.opts.Work.Memory.MaxSeconds)
	if !ok {
		s.workMetrics.requests.WithLabelValues("memory", "rejected").Inc()
		return
	}
	ctx, done := s.jobContext(c)
	defer done()
	start := time.Now()
	err := s.memory.Hold(ctx, int64(mb)<<20, time.Duration(secs)*time.Second)
	switch {
	case errors.Is(err, work.ErrBusy):
		s.workMetrics.requests.WithLabelValues("memory", "busy").Inc()
		middleware.AbortWithError(c, http.StatusTooManyRequests, "memory_busy",
			fmt.Sprintf("running memory jobs already hold up to the %d MiB budget; retry later", s.opts.Work.Memory.MaxTotalMB))
		return
	case err != nil:
		s.jobFailed(c, ctx, "memory")
		return
	}
	s.workMetrics.requests.WithLabelValues("memory", "done").Inc()
	c.JSON(http.StatusOK, WorkBody{Kind: "memory", MB: mb, Seconds: secs, TookMS: msOf(time.Since(start)), Pod: s.opts.Pod.Name})
}

func msOf(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
