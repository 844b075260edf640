package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.3/journey/internal/testutil/bintest"
)

// binary is the log-collector built once for the black-box tests.
var binary string

func TestMain(m *testing.M) {
	os.Exit(bintest.Main(m, "log-collector", &binary))
}

// get returns the status and body of url, or 0 when it does not answer.
func get(url string) (int, string) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, ""
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestBinaryCollectsAndStopsCleanly runs the binary on a fake node: records
// on stdout, JSON diagnostics on stderr, metrics, and on SIGTERM exit 0 with
// the positions saved.
func TestBinaryCollectsAndStopsCleanly(t *testing.T) {
	root := t.TempDir()
	logDir := filepath.Join(root, "containers")
	positions := filepath.Join(root, "state", "positions.json")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		t.Fatal(err)
	}
	id := strings.Repeat("ab", 32)
	app := filepath.Join(logDir, "api-0_journey_api-"+id+".log")
	self := filepath.Join(logDir, "log-collector-x_journey-logs_log-collector-"+id+".log")
	content := "2026-01-02T15:04:05Z stdout F one\n" +
		"not a CRI line\n" +
		"2026-01-02T15:04:06Z stdout P tw\n" +
		"2026-01-02T15:04:06Z stdout F o\n"
	if err := os.WriteFile(app, []byte(content), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(self, []byte("2026-01-02T15:04:05Z stdout F {\"msg\":\"my own output\"}\n"), 0o640); err != nil {
		t.Fatal(err)
	}

	port := bintest.FreePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	cmd := exec.Command(binary, "--poll-interval=10ms", "--flush-interval=50ms",
		fmt.Sprintf("--metrics-addr=127.0.0.1:%d", port), "--positions="+positions)
	cmd.Env = append(os.Environ(), "JOURNEY_LOG_DIR="+logDir, // flags are readable from env too
		"NODE_NAME=worker-1", "POD_NAMESPACE=journey-logs", "POD_NAME=log-collector-x")
	var stdout, stderr bintest.SyncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		if t.Failed() {
			t.Logf("stderr:\n%s", stderr.String())
		}
	})

	waitFor(t, "/ready 200", func() bool { s, _ := get(base + "/ready"); return s == http.StatusOK })
	waitFor(t, "2 records on stdout", func() bool { return strings.Count(stdout.String(), "\n") >= 2 })

	tests := []struct {
		path     string
		wantBody []string
	}{
		{path: "/health", wantBody: []string{`"status":"ok"`}},
		{path: "/metrics", wantBody: []string{
			"log_collector_records_total 2",
			"log_collector_parse_errors_total 1",
			"log_collector_files 1", // its own pod's file is not tailed
			fmt.Sprintf("log_collector_read_bytes_total %d", len(content)),
			"log_collector_rotations_total 0",
			"log_collector_truncations_total 0",
			`build_info{build_time="2026-01-01T00:00:00Z",commit="deadbee",go_version="go`,
		}},
	}
	for _, tt := range tests {
		status, body := get(base + tt.path)
		if status != http.StatusOK {
			t.Errorf("GET %s = %d, want 200", tt.path, status)
		}
		for _, w := range tt.wantBody {
			if !strings.Contains(body, w) {
				t.Errorf("GET %s body lacks %q", tt.path, w)
			}
		}
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit after SIGTERM = %v, want exit code 0", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("log-collector did not exit within 15s of SIGTERM")
	}

	// stdout is only records: the data stream.
	want := []string{
		`{"time":"2026-01-02T15:04:05Z","stream":"stdout","namespace":"journey","pod":"api-0","container":"api","container_id":"` + id + `","node":"worker-1","log":"one"}`,
		`{"time":"2026-01-02T15:04:06Z","stream":"stdout","namespace":"journey","pod":"api-0","container":"api","container_id":"` + id + `","node":"worker-1","log":"two"}`,
	}
	if got := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("stdout =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// stderr is zap JSON, including the aggregated parse-error report.
	sc := bufio.NewScanner(strings.NewReader(stderr.String()))
	var msgs []string
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Errorf("stderr line is not JSON: %q", sc.Text())
			continue
		}
		msgs = append(msgs, fmt.Sprint(rec["msg"]))
	}
	for _, w := range []string{"starting log-collector", "skipped lines not in CRI log format", "collector stopped, positions saved"} {
		if !strings.Contains(strings.Join(msgs, "\n"), w) {
			t.Errorf("stderr lacks a %q log; messages: %q", w, msgs)
		}
	}

	data, err := os.ReadFile(positions)
	if err != nil {
		t.Fatalf("positions file after SIGTERM: %v", err)
	}
	var pf struct {
		Files []struct {
			Path   string `json:"path"`
			Offset int64  `json:"offset"`
		} `json:"files"`
	}
	if err := json.Unmarshal(data, &pf); err != nil {
		t.Fatalf("positions file is not JSON: %v\n%s", err, data)
	}
	if len(pf.Files) != 1 || pf.Files[0].Path != app || pf.Files[0].Offset != int64(len(content)) {
		t.Errorf("positions = %s, want one file %s at offset %d", data, app, len(content))
	}
}

func TestBinaryRejectsBadInput(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     []string
		wantErr string
	}{
		{name: "unknown-flag", args: []string{"--bogus"}, wantErr: "unknown flag: --bogus"},
		{name: "zero-poll-interval", args: []string{"--poll-interval=0s"}, wantErr: "--poll-interval 0s must be positive"},
		{name: "bad-duration", args: []string{"--flush-interval=soon"}, wantErr: `invalid argument "soon"`},
		{name: "tiny-max-record", args: []string{"--max-record-bytes=10"}, wantErr: "--max-record-bytes 10 must be at least 1024"},
		{name: "bad-env", env: []string{"JOURNEY_POLL_INTERVAL=fast"}, wantErr: `JOURNEY_POLL_INTERVAL="fast"`},
		{name: "unknown-log-level", args: []string{"--log-level=loud"}, wantErr: "log level"},
		{name: "stray-argument", args: []string{"extra"}, wantErr: `unexpected arguments ["extra"]`},
		{name: "corrupt-positions", args: []string{"--positions=CORRUPT"}, wantErr: "delete it to read all logs from the start"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			args := append([]string{"--log-dir=" + dir, "--metrics-addr=127.0.0.1:0", "--positions=" + filepath.Join(dir, "p.json")}, tt.args...)
			for i, a := range args {
				if a == "--positions=CORRUPT" {
					p := filepath.Join(dir, "bad.json")
					if err := os.WriteFile(p, []byte("{"), 0o644); err != nil {
						t.Fatal(err)
					}
					args[i] = "--positions=" + p
				}
			}
			cmd := exec.Command(binary, args...)
			cmd.Env = append(os.Environ(), tt.env...)
			var stdout bytes.Buffer
			var stderr bintest.SyncBuffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() == 0 {
				t.Fatalf("exit = %v, want a non-zero exit code; stderr:\n%s", err, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.wantErr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr.String(), tt.wantErr)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout = %q, want nothing: stdout is the data stream", stdout.String())
			}
		})
	}
}

func TestBinaryVersion(t *testing.T) {
	out, err := exec.Command(binary, "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("--version: %v\n%s", err, out)
	}
	if want := "log-collector v0.3-test (commit deadbee, built 2026-01-01T00:00:00Z)\n"; string(out) != want {
		t.Errorf("--version printed %q, want %q", out, want)
	}
}
