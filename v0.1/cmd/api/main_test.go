package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.1/journey/internal/buildinfo"
	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.1/journey/internal/logger"
)

// binary is the api built once for the black-box tests, stamped like a release.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "api-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "api")
	// Same tags as cmd/api/Dockerfile, so the tests exercise the shipped build.
	bi := reflect.TypeFor[buildinfo.Info]().PkgPath()
	build := exec.Command("go", "build", "-tags", "nomsgpack", "-o", binary, "-ldflags",
		"-X "+bi+".version=v0.1-test -X "+bi+".commit=deadbee -X "+bi+".buildTime=2026-01-01T00:00:00Z", ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build api:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// logWait bounds the wait for an info log line: production output is
// buffered and flushed every logger.FlushInterval.
const logWait = logger.FlushInterval + 4*time.Second

type proc struct {
	cmd    *exec.Cmd
	base   string
	output *syncBuffer
	done   chan error
}

// start runs the binary on a free port with the given extra environment and
// waits until /ready answers 200.
func start(t *testing.T, env ...string) *proc {
	t.Helper()
	port := freePort(t)
	cmd := exec.Command(binary)
	cmd.Env = append(os.Environ(), append([]string{
		fmt.Sprintf("JOURNEY_PORT=%d", port), "JOURNEY_ENV=production",
	}, env...)...)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, base: fmt.Sprintf("http://127.0.0.1:%d", port), output: out, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("api output:\n%s", out.String())
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		if resp, err := http.Get(p.base + "/ready"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("api did not become ready within 10s; output:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func TestBinaryEndpoints(t *testing.T) {
	p := start(t, "POD_NAME=api-0", "POD_NAMESPACE=journey", "NODE_NAME=worker", "POD_IP=10.0.0.7")
	tests := []struct {
		name       string
		method     string
		path       string
		header     map[string]string
		wantStatus int
		wantBody   []string // substrings the body must contain
		wantHeader map[string]string
	}{
		{name: "health-200", path: "/health", wantStatus: 200, wantBody: []string{`"status":"ok"`}},
		{name: "ready-200", path: "/ready", wantStatus: 200, wantBody: []string{`"status":"ready"`}},
		{name: "hello-200", path: "/api/v1/hello?name=Gopher", wantStatus: 200, wantBody: []string{`"message":"Hello, Gopher!"`}},
		{name: "hello-400-too-long", path: "/api/v1/hello?name=" + strings.Repeat("x", 65), wantStatus: 400, wantBody: []string{`"code":"invalid_name"`}},
		{
			name: "info-200-stamped-and-downward-api", path: "/api/v1/info", wantStatus: 200,
			wantBody: []string{`"version":"v0.1-test"`, `"commit":"deadbee"`, `"build_time":"2026-01-01T00:00:00Z"`,
				`"pod":{"name":"api-0","namespace":"journey","node":"worker","ip":"10.0.0.7"}`, `"uptime_seconds":`},
		},
		{
			name: "request-id-echoed", path: "/health", header: map[string]string{"X-Request-ID": "trace-42"},
			wantStatus: 200, wantHeader: map[string]string{"X-Request-ID": "trace-42"},
		},
		{name: "unknown-404-json", path: "/does/not/exist", wantStatus: 404, wantBody: []string{`"code":"not_found"`}},
		{name: "wrong-method-405-json", method: http.MethodDelete, path: "/api/v1/info", wantStatus: 405, wantBody: []string{`"code":"method_not_allowed"`}},
		{
			name: "metrics-200", path: "/metrics", wantStatus: 200,
			wantBody: []string{
				`http_requests_total{method="GET",route="/api/v1/hello",status="200"} 1`,
				`http_requests_total{method="GET",route="unmatched",status="404"} 1`,
				`build_info{build_time="2026-01-01T00:00:00Z",commit="deadbee",go_version="go`,
				"process_cpu_seconds_total",
			},
		},
	}
	// Sequential on purpose: metrics-200 asserts the counts of the requests before it.
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = http.MethodGet
			}
			req, _ := http.NewRequest(method, p.base+tt.path, nil)
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d; body %s", resp.StatusCode, tt.wantStatus, body)
			}
			for _, want := range tt.wantBody {
				if !bytes.Contains(body, []byte(want)) {
					t.Errorf("body lacks %s:\n%s", want, body)
				}
			}
			for k, want := range tt.wantHeader {
				if got := resp.Header.Get(k); got != want {
					t.Errorf("header %s = %q, want %q", k, got, want)
				}
			}
		})
	}

	// Production logs are JSON lines a collector can parse. Info lines are
	// buffered: wait for the access-log line rather than expect it at once.
	if !p.output.waitFor(`"route":"/api/v1/hello"`, logWait) {
		t.Errorf("no access-log line for /api/v1/hello within %s", logWait)
	}
	var sawAccess bool
	for _, line := range p.output.lines() {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("log line is not JSON: %q", line)
			continue
		}
		if rec["msg"] == "request" && rec["route"] == "/api/v1/hello" {
			sawAccess = true
		}
	}
	if !sawAccess {
		t.Error("no JSON access-log line for /api/v1/hello")
	}
}

// TestBinaryGracefulShutdown sends SIGTERM while clients are busy. A "load
// balancer" goroutine polls /ready like the endpoints controller; clients
// stop sending new requests once it has seen 503, as traffic stops once
// the pod leaves the Service endpoints. Not one request may fail.
func TestBinaryGracefulShutdown(t *testing.T) {
	const drain = 1500 * time.Millisecond
	p := start(t, fmt.Sprintf("JOURNEY_SHUTDOWN_DRAIN=%s", drain), "JOURNEY_SHUTDOWN_TIMEOUT=10s")

	var (
		removed  = make(chan struct{}) // closed when the LB saw readiness fail
		sigSent  atomic.Bool
		ok, fail atomic.Int64
		okAfter  atomic.Int64 // successes after SIGTERM: proof of serving during drain
		wg       sync.WaitGroup
		failMu   sync.Mutex
		failures []string
	)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}, Timeout: 5 * time.Second}

	// exited is closed when the process ends, so no loop below can outlive it.
	exited := make(chan struct{})
	var exitErr error
	go func() {
		exitErr = <-p.done
		p.done <- exitErr // for Cleanup
		close(exited)
	}()

	wg.Add(1)
	go func() { // the load balancer
		defer wg.Done()
		for {
			select {
			case <-exited:
				return
			default:
			}
			resp, err := client.Get(p.base + "/ready")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusServiceUnavailable {
					close(removed)
					return
				}
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-removed:
					return
				case <-exited:
					return
				default:
				}
				resp, err := client.Get(p.base + "/api/v1/hello?name=load")
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				if err != nil || resp.StatusCode != http.StatusOK {
					fail.Add(1)
					failMu.Lock()
					failures = append(failures, fmt.Sprintf("%v %v", resp, err))
					failMu.Unlock()
					continue
				}
				ok.Add(1)
				if sigSent.Load() {
					okAfter.Add(1)
				}
			}
		}()
	}

	time.Sleep(300 * time.Millisecond)
	sent := time.Now()
	sigSent.Store(true)
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}

	select {
	case <-exited:
		if exitErr != nil {
			t.Errorf("api exited with %v after SIGTERM, want exit code 0", exitErr)
		}
		// Shutdown treats a connection that was dialled but never used
		// (the client pool dials ahead) as idle only after 5 s, so the exit
		// can come up to ~5 s after the drain; the 10 s timeout bounds it.
		if took := time.Since(sent); took < drain || took > drain+10*time.Second {
			t.Errorf("api exited %s after SIGTERM, want between the %s drain and drain + 10s timeout", took, drain)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("api did not exit within 15s of SIGTERM")
	}
	wg.Wait()

	select {
	case <-removed:
	default:
		t.Error("the process exited before /ready ever answered 503: readiness did not fail first")
	}
	if fail.Load() != 0 {
		t.Errorf("%d of %d requests failed across SIGTERM, want 0; first: %s", fail.Load(), ok.Load()+fail.Load(), failures[0])
	}
	if ok.Load() == okAfter.Load() {
		t.Error("no request succeeded before SIGTERM: the test did not exercise the running server")
	}
	if okAfter.Load() == 0 {
		t.Error("no request succeeded after SIGTERM: the server did not keep serving while readiness failed")
	}
	out := p.output.String()
	for _, want := range []string{"shutdown started: readiness failing, draining", "shutdown complete"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q", want)
		}
	}
	t.Logf("%d requests ok (%d after SIGTERM), %d failed", ok.Load(), okAfter.Load(), fail.Load())
}

func TestBinaryRejectsBadInput(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     []string
		wantErr string
	}{
		{name: "port-out-of-range", env: []string{"JOURNEY_PORT=70000"}, wantErr: "port 70000 out of range"},
		{name: "unknown-log-level", env: []string{"JOURNEY_LOG_LEVEL=loud"}, wantErr: `log.level "loud" unknown`},
		{name: "negative-drain", env: []string{"JOURNEY_SHUTDOWN_DRAIN=-5s"}, wantErr: "shutdown.drain -5s must not be negative"},
		{name: "missing-config-file", args: []string{"--config", "/nonexistent/api.yaml"}, wantErr: "/nonexistent/api.yaml"},
		{name: "unknown-flag", args: []string{"--bogus"}, wantErr: "unknown flag: --bogus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(binary, tt.args...)
			cmd.Env = append(os.Environ(), tt.env...)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() == 0 {
				t.Fatalf("exit = %v, want a non-zero exit code; output:\n%s", err, out)
			}
			if !strings.Contains(string(out), tt.wantErr) {
				t.Errorf("output = %q, want it to contain %q", out, tt.wantErr)
			}
		})
	}
}

func TestBinaryVersion(t *testing.T) {
	out, err := exec.Command(binary, "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("--version: %v\n%s", err, out)
	}
	if want := "api v0.1-test (commit deadbee, built 2026-01-01T00:00:00Z)\n"; string(out) != want {
		t.Errorf("--version printed %q, want %q", out, want)
	}
}

// syncBuffer is a bytes.Buffer safe for the process's output goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// lines returns the complete lines written so far: a buffered logger's
// batch can reach the pipe reader in pieces, so a last line without its
// newline is still being written.
func (b *syncBuffer) lines() []string {
	s := b.String()
	end := strings.LastIndexByte(s, '\n')
	if end < 0 {
		return nil
	}
	return strings.Split(s[:end], "\n")
}

// waitFor reports whether substr appears within timeout. The API buffers
// info lines for up to a second (internal/logger.FlushInterval).
func (b *syncBuffer) waitFor(substr string, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for !strings.Contains(b.String(), substr) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}
