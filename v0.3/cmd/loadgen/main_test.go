package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.3/journey/internal/loadgen"
	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.3/journey/internal/testutil/bintest"
)

// binary is loadgen built once for the black-box tests, stamped like a release.
var binary string

func TestMain(m *testing.M) {
	os.Exit(bintest.Main(m, "loadgen", &binary))
}

func TestParseConfig(t *testing.T) {
	const u = "http://127.0.0.1:30080/api/v1/work/cpu?ms=20"
	openDefaults := loadgen.Config{URL: u, Method: "GET", Model: loadgen.Open, Rate: 50, Duration: 30 * time.Second,
		Timeout: 10 * time.Second, MaxInFlight: 1000}
	with := func(f func(c *config)) config {
		c := config{Load: openDefaults, Progress: time.Second}
		f(&c)
		return c
	}
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    config
		wantErr string
	}{
		{name: "rate-means-open-model", args: []string{"--url", u, "--rate", "50"}, want: with(func(*config) {})},
		{
			name: "concurrency-means-closed-model",
			args: []string{"--url", u, "--concurrency", "8", "--duration", "2m", "--ramp", "30s", "--method", "post"},
			want: with(func(c *config) {
				c.Load.Model, c.Load.Rate, c.Load.Concurrency, c.Load.Method = loadgen.Closed, 0, 8, "POST"
				c.Load.Duration, c.Load.Ramp = 2*time.Minute, 30*time.Second
			}),
		},
		{
			name: "every-setting-from-env",
			env: map[string]string{"JOURNEY_LOADGEN_URL": u, "JOURNEY_LOADGEN_RATE": "50", "JOURNEY_LOADGEN_TIMEOUT": "2s",
				"JOURNEY_LOADGEN_PROGRESS": "0", "JOURNEY_LOADGEN_FAIL_ON_ERRORS": "0.01", "JOURNEY_LOADGEN_MAX_IN_FLIGHT": "20"},
			want: with(func(c *config) {
				c.Load.Timeout, c.Load.MaxInFlight, c.Progress, c.FailOnErrors = 2*time.Second, 20, 0, ratio{set: true, max: 0.01}
			}),
		},
		{
			name: "flag-beats-env-and-env-chooses-no-second-model",
			args: []string{"--url", u, "--rate", "50"},
			env:  map[string]string{"JOURNEY_LOADGEN_URL": "ftp://ignored", "JOURNEY_LOADGEN_RATE": "7"},
			want: with(func(*config) {}),
		},
		{name: "fail-on-errors-zero-means-any", args: []string{"--url", u, "--rate", "50", "--fail-on-errors", "0"},
			want: with(func(c *config) { c.FailOnErrors = ratio{set: true} })},
		{name: "ftp-url-rejected", args: []string{"--url", "ftp://127.0.0.1/x", "--rate", "10"},
			wantErr: `invalid configuration: url "ftp://127.0.0.1/x": only http:// and https:// URLs are supported`},
		{name: "missing-url-rejected", args: []string{"--rate", "10"}, wantErr: "no URL: set --url"},
		{name: "rate-0-rejected", args: []string{"--url", u, "--rate", "0"}, wantErr: "rate 0 out of range: must be > 0 and <= 100000 requests/s"},
		{name: "rate-1e9-rejected", args: []string{"--url", u, "--rate", "1e9"}, wantErr: "rate 1e+09 out of range"},
		{name: "both-models-rejected", args: []string{"--url", u, "--rate", "10", "--concurrency", "2"},
			wantErr: "give --rate (open model) or --concurrency (closed model), not both"},
		{name: "both-models-rejected-across-env", args: []string{"--url", u, "--rate", "10"}, env: map[string]string{"JOURNEY_LOADGEN_CONCURRENCY": "2"},
			wantErr: "not both"},
		{name: "no-model-rejected", args: []string{"--url", u}, wantErr: "give --rate N (open model: N requests/s) or --concurrency N"},
		{name: "duration-0-rejected", args: []string{"--url", u, "--rate", "10", "--duration", "0s"}, wantErr: "duration 0s out of range"},
		{name: "ramp-over-duration-rejected", args: []string{"--url", u, "--rate", "10", "--duration", "10s", "--ramp", "20s"},
			wantErr: "ramp 20s out of range: must be >= 0 and <= the duration (10s)"},
		{name: "concurrency-too-high-rejected", args: []string{"--url", u, "--concurrency", "20000"}, wantErr: "concurrency 20000 out of range 1..10000"},
		{name: "bad-method-rejected", args: []string{"--url", u, "--rate", "1", "--method", "BREW"}, wantErr: `method "BREW" not supported`},
		{name: "negative-progress-rejected", args: []string{"--url", u, "--rate", "1", "--progress=-1s"}, wantErr: "progress -1s must be >= 0"},
		{name: "fail-on-errors-above-1-rejected", args: []string{"--url", u, "--rate", "1", "--fail-on-errors", "2"},
			wantErr: "want a ratio between 0 and 1"},
		{name: "bad-env-value-names-the-variable", args: []string{"--url", u}, env: map[string]string{"JOURNEY_LOADGEN_RATE": "fast"},
			wantErr: `env JOURNEY_LOADGEN_RATE="fast"`},
		{name: "unquoted-url-split-rejected", args: []string{"--url", "http://h/x?a=1", "--rate", "1", "b=2"},
			wantErr: `unexpected arguments ["b=2"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseConfig(tt.args, func(k string) string { return tt.env[k] }, io.Discard)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseConfig error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseConfig error = %v, want nil", err)
			}
			if got != tt.want {
				t.Errorf("config = %+v\nwant     %+v", got, tt.want)
			}
		})
	}
}

// runBinary runs loadgen without the JOURNEY_LOADGEN_* a developer's shell
// may hold.
func runBinary(t *testing.T, args ...string) bintest.Result {
	t.Helper()
	return bintest.Run(t, binary, cleanEnv(), args...)
}

// cleanEnv drops JOURNEY_LOADGEN_* a developer's shell may hold.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "JOURNEY_LOADGEN_") {
			env = append(env, kv)
		}
	}
	return env
}

// summaryInt reads the first number of a "key: N ..." summary line.
func summaryInt(t *testing.T, stdout, key string) int64 {
	t.Helper()
	m := regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(key) + `:\s+(\d+)`).FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("summary has no %q line:\n%s", key, stdout)
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	return n
}

// TestBinaryRunsAndSummarizes: a short run against a local server exits 0
// with progress lines on stderr and a summary on stdout that matches what
// the server saw.
func TestBinaryRunsAndSummarizes(t *testing.T) {
	t.Parallel()
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if served.Add(1)%4 == 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()

	r := runBinary(t, "--url", srv.URL+"/api/v1/work/cpu?ms=1", "--rate", "40", "--duration", "1s", "--progress", "300ms")
	if r.Code != 0 {
		t.Fatalf("exit code = %d, want 0; stderr:\n%s", r.Code, r.Stderr)
	}
	for _, want := range []string{
		"loadgen summary: GET " + srv.URL + "/api/v1/work/cpu?ms=1\n",
		"  load:          open model, 40 req/s for 1s, at most 1000 in flight\n",
		"(reached --duration)", "  target rate:   ", "  latency:       p50 ",
	} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("stdout:\n%s\nwant it to contain %q", r.Stdout, want)
		}
	}
	sent, ok, s503 := summaryInt(t, r.Stdout, "requests"), summaryInt(t, r.Stdout, "ok"), summaryInt(t, r.Stdout, "status 503")
	if got := served.Load(); got < ok+s503 || got > sent {
		t.Errorf("server saw %d requests, summary says %d sent, %d ok + %d status 503", got, sent, ok, s503)
	}
	if sent < 30 || sent > 40 {
		t.Errorf("sent = %d, want 30..40 (40 scheduled, a few may be missed on a busy machine)", sent)
	}
	// One 503 in every 4 served, give or take the few cut off at the end.
	if answered := ok + s503; s503 < answered/4-2 || s503 > answered/4+2 {
		t.Errorf("status 503 = %d of %d answered, want about 1/4", s503, ok+s503)
	}
	lines := strings.Split(strings.TrimSpace(r.Stderr), "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "[") || !strings.Contains(lines[0], "/1s] sent ") {
		t.Errorf("stderr = %q, want progress lines like \"[0s/1s] sent ...\" (not a terminal: one per update)", r.Stderr)
	}
}

func TestBinaryRejectsBadFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{name: "ftp-url", args: []string{"--url", "ftp://127.0.0.1/file", "--rate", "10"}, wantErr: "only http:// and https:// URLs are supported"},
		{name: "rate-0", args: []string{"--url", "http://127.0.0.1:1/", "--rate", "0"}, wantErr: "rate 0 out of range"},
		{name: "rate-and-concurrency", args: []string{"--url", "http://127.0.0.1:1/", "--rate", "10", "--concurrency", "2"}, wantErr: "not both"},
		{name: "rate-1e9", args: []string{"--url", "http://127.0.0.1:1/", "--rate", "1e9"}, wantErr: "rate 1e+09 out of range: must be > 0 and <= 100000"},
		{name: "duration-0", args: []string{"--url", "http://127.0.0.1:1/", "--rate", "10", "--duration", "0"}, wantErr: "duration 0s out of range"},
		{name: "unknown-flag", args: []string{"--qps", "10"}, wantErr: "unknown flag: --qps"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runBinary(t, tt.args...)
			if r.Code != 1 {
				t.Errorf("exit code = %d, want 1", r.Code)
			}
			if !strings.HasPrefix(r.Stderr, "loadgen: ") || !strings.Contains(r.Stderr, tt.wantErr) {
				t.Errorf("stderr = %q, want \"loadgen: ...%s...\"", r.Stderr, tt.wantErr)
			}
			if strings.Contains(r.Stdout, "summary") {
				t.Errorf("stdout = %q, want no summary: nothing ran", r.Stdout)
			}
		})
	}
}

// TestBinaryFailOnErrors: exit 1 only when asked to and the ratio is over.
func TestBinaryFailOnErrors(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer srv.Close()
	tests := []struct {
		name     string
		flags    []string
		wantCode int
		wantErr  string
	}{
		{name: "errors-alone-exit-0"},
		{name: "ratio-exceeded-exit-1", flags: []string{"--fail-on-errors", "0.5"}, wantCode: 1,
			wantErr: "loadgen: no request succeeded (--fail-on-errors)"},
		{name: "off-exit-0", flags: []string{"--fail-on-errors", "off"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runBinary(t, append([]string{"--url", srv.URL, "--concurrency", "2", "--duration", "200ms", "--progress", "0"}, tt.flags...)...)
			if r.Code != tt.wantCode {
				t.Errorf("exit code = %d, want %d; stderr:\n%s", r.Code, tt.wantCode, r.Stderr)
			}
			if !strings.Contains(r.Stdout, "    status 500:  ") {
				t.Errorf("stdout:\n%s\nwant the summary with the 500s in any case", r.Stdout)
			}
			if tt.wantErr != "" && !strings.Contains(r.Stderr, tt.wantErr) {
				t.Errorf("stderr = %q, want it to contain %q", r.Stderr, tt.wantErr)
			}
			if tt.wantErr == "" && r.Stderr != "" {
				t.Errorf("stderr = %q, want empty (--progress 0)", r.Stderr)
			}
		})
	}
}

// TestBinaryCtrlCPrintsSummarySoFar: SIGINT stops a long run at once,
// cancels the hung requests and still prints the summary, exit 0.
func TestBinaryCtrlCPrintsSummarySoFar(t *testing.T) {
	t.Parallel()
	arrived := make(chan struct{}, 100)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)

	cmd := exec.Command(binary, "--url", srv.URL, "--concurrency", "3", "--duration", "1h", "--progress", "0")
	cmd.Env = cleanEnv()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for range 3 {
		select {
		case <-arrived:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			t.Fatal("loadgen never reached the server")
		}
	}
	sent := time.Now()
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("loadgen did not exit within 5s of SIGINT; stderr:\n%s", stderr.String())
	}
	if took := time.Since(sent); took > 2*time.Second {
		t.Errorf("exit took %s after SIGINT, want < 2s", took)
	}
	if code := cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit code = %d, want 0; stderr:\n%s", code, stderr.String())
	}
	for _, want := range []string{"(interrupted; results so far)", "  requests:      3 sent\n", "  cancelled:     3 ", "  errors:        0 "} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout:\n%s\nwant it to contain %q", stdout.String(), want)
		}
	}
}

func TestBinaryVersionAndHelp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{name: "version", args: []string{"--version"}, want: []string{"loadgen v0.3-test (commit deadbee, built 2026-01-01T00:00:00Z)\n"}},
		{name: "help-explains-models-and-env", args: []string{"--help"}, want: []string{
			"open model:", "closed model:", "--url string", "[env JOURNEY_LOADGEN_URL]",
			"--fail-on-errors ratio", "(default off)", "--duration duration", "(default 30s)",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runBinary(t, tt.args...)
			if r.Code != 0 {
				t.Fatalf("exit code = %d, want 0; stderr:\n%s", r.Code, r.Stderr)
			}
			for _, want := range tt.want {
				if !strings.Contains(r.Stdout, want) {
					t.Errorf("stdout = %q, want it to contain %q", r.Stdout, want)
				}
			}
		})
	}
}
