package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.3/journey/internal/work"
)

func TestWorkBounds(t *testing.T) {
	tests := []struct {
		name, target string
		wantStatus   int
		wantBody     string // substring
	}{
		{"cpu-200-small", "/api/v1/work/cpu?ms=5", 200, `"kind":"cpu","ms":5`},
		{"cpu-200-default-100ms", "/api/v1/work/cpu", 200, `"ms":100`},
		{"cpu-400-zero", "/api/v1/work/cpu?ms=0", 400, `"code":"invalid_ms","error":"ms must be an integer from 1 to 1000, got \"0\""`},
		{"cpu-400-over-max", "/api/v1/work/cpu?ms=1001", 400, `"code":"invalid_ms"`},
		{"cpu-400-not-a-number", "/api/v1/work/cpu?ms=lots", 400, `"code":"invalid_ms"`},
		{"memory-200-small", "/api/v1/work/memory?mb=1&seconds=1", 200, `"kind":"memory","mb":1,"seconds":1`},
		{"memory-400-mb-over-max", "/api/v1/work/memory?mb=33", 400, `"code":"invalid_mb","error":"mb must be an integer from 1 to 32, got \"33\""`},
		{"memory-400-typo-2000", "/api/v1/work/memory?mb=2000", 400, `"code":"invalid_mb"`},
		{"memory-400-seconds-over-max", "/api/v1/work/memory?mb=1&seconds=21", 400, `"code":"invalid_seconds"`},
		{"memory-400-negative-seconds", "/api/v1/work/memory?seconds=-1", 400, `"code":"invalid_seconds"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(Options{})
			rec := do(s, http.MethodGet, tt.target)
			if rec.Code != tt.wantStatus || !strings.Contains(rec.Body.String(), tt.wantBody) {
				t.Errorf("GET %s = %d %s, want %d containing %s", tt.target, rec.Code, rec.Body, tt.wantStatus, tt.wantBody)
			}
		})
	}
}

func TestWorkMemoryBudgetIs429(t *testing.T) {
	limits := work.DefaultConfig()
	limits.Memory.MaxMB, limits.Memory.MaxTotalMB = 32, 48
	s := New(Options{Work: limits})
	first := make(chan int, 1)
	go func() { first <- do(s, http.MethodGet, "/api/v1/work/memory?mb=32&seconds=3").Code }()
	waitFor(t, "the first job to hold its memory", func() bool { return s.memory.InUse() == 32<<20 })
	rec := do(s, http.MethodGet, "/api/v1/work/memory?mb=32&seconds=1")
	if rec.Code != http.StatusTooManyRequests || !strings.Contains(rec.Body.String(), `"code":"memory_busy"`) {
		t.Errorf("second job beyond the budget = %d %s, want 429 memory_busy", rec.Code, rec.Body)
	}
	if code := <-first; code != http.StatusOK {
		t.Errorf("first job = %d, want 200", code)
	}
	if got := testutil.ToFloat64(s.workMetrics.requests.WithLabelValues("memory", "busy")); got != 1 {
		t.Errorf("work_requests_total{kind=memory,result=busy} = %v, want 1", got)
	}
}

// TestWorkCPUJobsCapIs429: each CPU job holds an OS thread, so beyond
// CPUMaxJobs running at once a request is refused, and the slot is free
// again when the job ends.
func TestWorkCPUJobsCapIs429(t *testing.T) {
	limits := work.DefaultConfig()
	limits.CPU.MaxJobs = 1
	s := New(Options{Work: limits})
	first := make(chan int, 1)
	go func() { first <- do(s, http.MethodGet, "/api/v1/work/cpu?ms=1000").Code }()
	waitFor(t, "the first CPU job to start", func() bool { return s.cpuJobs.Load() == 1 })
	rec := do(s, http.MethodGet, "/api/v1/work/cpu?ms=5")
	if rec.Code != http.StatusTooManyRequests || !strings.Contains(rec.Body.String(), `"code":"cpu_busy","error":"1 CPU jobs are already running`) {
		t.Errorf("second job beyond the cap = %d %s, want 429 cpu_busy", rec.Code, rec.Body)
	}
	if code := <-first; code != http.StatusOK {
		t.Errorf("first job = %d, want 200", code)
	}
	if got := testutil.ToFloat64(s.workMetrics.requests.WithLabelValues("cpu", "busy")); got != 1 {
		t.Errorf("work_requests_total{kind=cpu,result=busy} = %v, want 1", got)
	}
	if n := s.cpuJobs.Load(); n != 0 {
		t.Fatalf("running CPU jobs after the first ended = %d, want 0", n)
	}
	if rec := do(s, http.MethodGet, "/api/v1/work/cpu?ms=5"); rec.Code != http.StatusOK {
		t.Errorf("job after the slot was freed = %d %s, want 200", rec.Code, rec.Body)
	}
}

// TestWorkStopsWhenTheClientLeaves: a cancelled request ends its job at
// once, and nothing is left behind: no goroutine, no held memory.
func TestWorkStopsWhenTheClientLeaves(t *testing.T) {
	// Each bound is well below what the job takes when cancellation is ignored (1s of CPU time,
	// a 20s hold) and well above what it takes here, also on a loaded machine: freeing 32 MiB to
	// the OS (debug.FreeOSMemory) alone took up to 1.2s with -race while both cores were busy.
	for target, bound := range map[string]time.Duration{
		"/api/v1/work/cpu?ms=1000":             900 * time.Millisecond,
		"/api/v1/work/memory?mb=32&seconds=20": 10 * time.Second,
	} {
		t.Run(target, func(t *testing.T) {
			s := New(Options{})
			goroutines := runtime.NumGoroutine()
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(50*time.Millisecond, cancel)
			rec := httptest.NewRecorder()
			start := time.Now()
			s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil).WithContext(ctx))
			if took := time.Since(start); took > bound {
				t.Errorf("job ran %s after its client left at 50ms, want it to stop within %s", took, bound)
			}
			if rec.Code != StatusClientClosedRequest {
				t.Errorf("status = %d, want %d", rec.Code, StatusClientClosedRequest)
			}
			if got := s.memory.InUse(); got != 0 {
				t.Errorf("memory held after the job = %d, want 0", got)
			}
			waitFor(t, "goroutines back to the baseline", func() bool { return runtime.NumGoroutine() <= goroutines })
			kind := "cpu"
			if strings.Contains(target, "memory") {
				kind = "memory"
			}
			if got := testutil.ToFloat64(s.workMetrics.requests.WithLabelValues(kind, "cancelled")); got != 1 {
				t.Errorf("work_requests_total{kind=%s,result=cancelled} = %v, want 1", kind, got)
			}
		})
	}
}

// TestWorkEndsAtShutdown: jobs still running when the drain is over get a
// 503 instead of holding up the shutdown.
func TestWorkEndsAtShutdown(t *testing.T) {
	s := New(Options{})
	res := make(chan *httptest.ResponseRecorder, 1)
	go func() { res <- do(s, http.MethodGet, "/api/v1/work/memory?mb=1&seconds=20") }()
	waitFor(t, "the job to start", func() bool { return s.memory.InUse() > 0 })
	s.stopWork()
	select {
	case rec := <-res:
		var body map[string]any
		_ = json.Unmarshal(rec.Body.Bytes(), &body)
		if rec.Code != http.StatusServiceUnavailable || body["code"] != "shutting_down" {
			t.Errorf("job at shutdown = %d %s, want 503 shutting_down", rec.Code, rec.Body)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("job still running 5s after shutdown stopped the jobs")
	}
}
