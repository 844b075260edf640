package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.2/journey/internal/cleanup"
	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.2/journey/internal/store"
	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.2/journey/internal/testutil/bintest"
	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.2/journey/internal/testutil/redistest"
)

// binary is the cleanup job built once for the black-box tests, stamped like a release.
var binary string

func TestMain(m *testing.M) {
	os.Exit(bintest.Main(m, "cleanup", &binary))
}

func TestParseConfig(t *testing.T) {
	defaults := config{
		Redis: store.RedisConfig{Addr: "redis:6379", Timeout: 2 * time.Second}, Retention: 24 * time.Hour,
		Batch: 100, Deadline: 5 * time.Minute,
	}
	with := func(f func(c *config)) config { c := defaults; f(&c); return c }
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    config
		wantErr string
	}{
		{name: "defaults-with-address-from-env", env: map[string]string{"JOURNEY_REDIS_ADDR": "redis:6379"}, want: defaults},
		{name: "address-from-flag", args: []string{"--redis-addr", "redis:6379"}, want: defaults},
		{
			name: "every-setting-from-env",
			env: map[string]string{
				"JOURNEY_REDIS_ADDR": "redis:6379", "JOURNEY_REDIS_PASSWORD": "s3cret", "JOURNEY_REDIS_DB": "2",
				"JOURNEY_REDIS_TIMEOUT": "500ms", "JOURNEY_CLEANUP_RETENTION": "1h", "JOURNEY_CLEANUP_BATCH": "7",
				"JOURNEY_CLEANUP_DRY_RUN": "true", "JOURNEY_CLEANUP_DEADLINE": "1m",
			},
			want: config{Redis: store.RedisConfig{Addr: "redis:6379", Password: "s3cret", DB: 2, Timeout: 500 * time.Millisecond},
				Retention: time.Hour, Batch: 7, DryRun: true, Deadline: time.Minute},
		},
		{
			name: "flags-beat-env",
			args: []string{"--redis-addr", "flag:6379", "--batch", "50", "--retention", "2h", "--dry-run=false"},
			env: map[string]string{"JOURNEY_REDIS_ADDR": "env:6379", "JOURNEY_CLEANUP_BATCH": "7",
				"JOURNEY_CLEANUP_RETENTION": "1h", "JOURNEY_CLEANUP_DRY_RUN": "true"},
			want: with(func(c *config) { c.Redis.Addr, c.Batch, c.Retention = "flag:6379", 50, 2*time.Hour }),
		},
		{
			name: "bad-env-ignored-when-flag-given",
			args: []string{"--batch", "10"},
			env:  map[string]string{"JOURNEY_REDIS_ADDR": "redis:6379", "JOURNEY_CLEANUP_BATCH": "many"},
			want: with(func(c *config) { c.Batch = 10 }),
		},
		{name: "missing-address-rejected", wantErr: "no Redis address: set --redis-addr or JOURNEY_REDIS_ADDR"},
		{name: "batch-0-rejected", args: []string{"--redis-addr", "r:1", "--batch", "0"}, wantErr: "batch 0 out of range 1..10000"},
		{name: "batch-10001-rejected", args: []string{"--redis-addr", "r:1", "--batch", "10001"}, wantErr: "batch 10001 out of range 1..10000"},
		{name: "negative-retention-rejected", args: []string{"--redis-addr", "r:1", "--retention=-1h"}, wantErr: "retention -1h0m0s must be positive"},
		{name: "zero-deadline-rejected", args: []string{"--redis-addr", "r:1", "--deadline", "0s"}, wantErr: "deadline 0s must be positive"},
		{name: "negative-db-rejected", args: []string{"--redis-addr", "r:1", "--redis-db=-1"}, wantErr: "redis-db -1 out of range (0-15"},
		{name: "db-16-rejected", args: []string{"--redis-addr", "r:1", "--redis-db=16"}, wantErr: "redis-db 16 out of range (0-15"},
		{
			name:    "bad-env-value-names-the-variable",
			env:     map[string]string{"JOURNEY_REDIS_ADDR": "r:1", "JOURNEY_CLEANUP_RETENTION": "a day"},
			wantErr: `env JOURNEY_CLEANUP_RETENTION="a day"`,
		},
		{name: "password-flag-does-not-exist", args: []string{"--redis-password", "x"}, wantErr: "unknown flag: --redis-password"},
		{name: "stray-argument-rejected", args: []string{"--redis-addr", "r:1", "now"}, wantErr: `unexpected arguments ["now"]`},
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

// runBinary runs cleanup with env added to the test's environment.
func runBinary(t *testing.T, env []string, args ...string) bintest.Result {
	t.Helper()
	return bintest.Run(t, binary, append(os.Environ(), env...), args...)
}

func redisEnv(srv *redistest.Server) []string {
	return []string{"JOURNEY_REDIS_ADDR=" + srv.Addr, "JOURNEY_REDIS_PASSWORD=" + srv.Password}
}

// seed writes two expired and one recent event, a stale and a fresh cache
// key, the visit counter and an unrelated key. The binary uses the real
// clock, so ages keep hours of margin from the 24h retention.
func seed(t *testing.T, c *redis.Client) (expired, kept []string) {
	t.Helper()
	ctx := context.Background()
	var all []redis.Z
	for _, e := range []struct {
		id  string
		age time.Duration
	}{{"old-48h", 48 * time.Hour}, {"old-25h", 25 * time.Hour}, {"new-1m", time.Minute}} {
		ev := store.Event{ID: e.id, Type: "visit", At: time.Now().Add(-e.age).UTC(), Pod: "api-0"}
		b, _ := json.Marshal(ev)
		all = append(all, redis.Z{Score: ev.Score(), Member: string(b)})
		if e.age > 24*time.Hour {
			expired = append(expired, string(b))
		} else {
			kept = append(kept, string(b))
		}
	}
	_, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.ZAdd(ctx, store.EventsKey, all...)
		p.Set(ctx, store.DataCacheKey("stale"), "x", 0)
		p.Set(ctx, store.DataCacheKey("fresh"), "y", time.Hour)
		p.Set(ctx, store.VisitsKey, 3, 0)
		p.Set(ctx, "other:key", "z", 0)
		return nil
	})
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	return expired, kept
}

func keyspace(t *testing.T, c *redis.Client) []string {
	t.Helper()
	ctx := context.Background()
	var keys []string
	it := c.Scan(ctx, 0, "*", 1000).Iterator()
	for it.Next(ctx) {
		keys = append(keys, it.Val())
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(keys)
	return keys
}

func events(t *testing.T, c *redis.Client) []string {
	t.Helper()
	m, err := c.ZRange(context.Background(), store.EventsKey, 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(m)
	return m
}

// logLines parses stderr, failing on any line that is not JSON.
func logLines(t *testing.T, stderr string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
		if strings.HasPrefix(line, "cleanup: ") {
			continue // main's one-line error, for people reading kubectl logs
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("stderr line is not JSON: %q", line)
			continue
		}
		out = append(out, rec)
	}
	return out
}

func findLog(recs []map[string]any, msg string) map[string]any {
	for _, r := range recs {
		if r["msg"] == msg {
			return r
		}
	}
	return nil
}

// TestBinaryRemovesExpiredDataAndLogsSummary: exit 0, stdout empty, a JSON
// summary on stderr, and exactly the expired items gone.
func TestBinaryRemovesExpiredDataAndLogsSummary(t *testing.T) {
	srv := redistest.Start(t)
	c := srv.Client(t)
	_, kept := seed(t, c)

	r := runBinary(t, redisEnv(srv), "--batch", "1")
	if r.Code != 0 {
		t.Fatalf("exit code = %d, want 0; stderr:\n%s", r.Code, r.Stderr)
	}
	if r.Stdout != "" {
		t.Errorf("stdout = %q, want empty (logs go to stderr)", r.Stdout)
	}
	sum := findLog(logLines(t, r.Stderr), "cleanup finished")
	if sum == nil {
		t.Fatalf("no \"cleanup finished\" log line; stderr:\n%s", r.Stderr)
	}
	for field, want := range map[string]float64{"events_removed": 2, "stale_keys_removed": 1, "cache_keys_scanned": 2, "event_batches": 2} {
		if got := sum[field]; got != want {
			t.Errorf("summary %s = %v, want %v", field, got, want)
		}
	}
	if _, ok := sum["duration_seconds"].(float64); !ok {
		t.Errorf("summary lacks duration_seconds: %v", sum)
	}
	wantKeys := []string{store.DataCacheKey("fresh"), store.EventsKey, store.VisitsKey, "other:key"}
	slices.Sort(wantKeys)
	if got := keyspace(t, c); !slices.Equal(got, wantKeys) {
		t.Errorf("keyspace = %q, want %q", got, wantKeys)
	}
	if got := events(t, c); !slices.Equal(got, kept) {
		t.Errorf("events = %q, want %q", got, kept)
	}
}

// TestBinaryDryRunListsAndDeletesNothing: the dry run's stdout lists exactly
// what the real run then removes, and the keyspace does not change.
func TestBinaryDryRunListsAndDeletesNothing(t *testing.T) {
	srv := redistest.Start(t)
	c := srv.Client(t)
	expired, _ := seed(t, c)
	keysBefore, eventsBefore := keyspace(t, c), events(t, c)

	r := runBinary(t, redisEnv(srv), "--dry-run")
	if r.Code != 0 {
		t.Fatalf("dry run exit code = %d, want 0; stderr:\n%s", r.Code, r.Stderr)
	}
	if got := keyspace(t, c); !slices.Equal(got, keysBefore) {
		t.Errorf("dry run changed the keyspace: %q, want %q", got, keysBefore)
	}
	if got := events(t, c); !slices.Equal(got, eventsBefore) {
		t.Errorf("dry run changed the events: %q, want %q", got, eventsBefore)
	}
	var wantOut []string
	for _, m := range expired {
		wantOut = append(wantOut, cleanup.DryRunEventPrefix+m)
	}
	wantOut = append(wantOut, cleanup.DryRunKeyPrefix+store.DataCacheKey("stale"))
	lines := strings.Split(strings.TrimSuffix(r.Stdout, "\n"), "\n")
	if len(lines) == 0 || !strings.HasPrefix(lines[len(lines)-1], "dry run: would remove 2 events older than ") ||
		!strings.HasSuffix(lines[len(lines)-1], " and 1 stale cache keys (2 cache keys scanned); nothing deleted") {
		t.Errorf("last stdout line = %q, want the dry-run summary", lines[len(lines)-1])
	}
	listed := slices.Sorted(slices.Values(lines[:len(lines)-1]))
	slices.Sort(wantOut)
	if !slices.Equal(listed, wantOut) {
		t.Errorf("dry run listed\n %q\nwant\n %q", listed, wantOut)
	}

	// The real run removes what was listed, and nothing else.
	if r := runBinary(t, redisEnv(srv)); r.Code != 0 {
		t.Fatalf("real run exit code = %d, want 0; stderr:\n%s", r.Code, r.Stderr)
	}
	var removed []string
	for _, m := range eventsBefore {
		if !slices.Contains(events(t, c), m) {
			removed = append(removed, cleanup.DryRunEventPrefix+m)
		}
	}
	for _, k := range keysBefore {
		if !slices.Contains(keyspace(t, c), k) {
			removed = append(removed, cleanup.DryRunKeyPrefix+k)
		}
	}
	slices.Sort(removed)
	if !slices.Equal(removed, listed) {
		t.Errorf("real run removed\n %q\ndry run listed\n %q", removed, listed)
	}
}

func TestBinaryFailsWithClearMessage(t *testing.T) {
	srv := redistest.Start(t)
	down := redistest.Start(t)
	down.Stop(t)

	tests := []struct {
		name    string
		env     []string
		args    []string
		wantErr []string // substrings of stderr
	}{
		{name: "redis-down", env: redisEnv(down), wantErr: []string{"cleanup: redis " + down.Addr + ": PING: ", "connection refused"}},
		{name: "wrong-password", env: []string{"JOURNEY_REDIS_ADDR=" + srv.Addr, "JOURNEY_REDIS_PASSWORD=wrong"},
			wantErr: []string{"cleanup: redis " + srv.Addr + ": authentication failed (check JOURNEY_REDIS_PASSWORD): WRONGPASS"}},
		{name: "missing-password", env: []string{"JOURNEY_REDIS_ADDR=" + srv.Addr},
			wantErr: []string{"authentication failed (check JOURNEY_REDIS_PASSWORD): NOAUTH"}},
		{name: "missing-address", wantErr: []string{"cleanup: invalid configuration: no Redis address"}},
		{name: "batch-0", env: redisEnv(srv), args: []string{"--batch", "0"}, wantErr: []string{"batch 0 out of range 1..10000"}},
		{name: "negative-retention", env: redisEnv(srv), args: []string{"--retention=-24h"}, wantErr: []string{"retention -24h0m0s must be positive"}},
		{name: "bad-env-batch", env: append(redisEnv(srv), "JOURNEY_CLEANUP_BATCH=lots"), wantErr: []string{`env JOURNEY_CLEANUP_BATCH="lots"`}},
		{name: "unknown-flag", args: []string{"--bogus"}, wantErr: []string{"unknown flag: --bogus"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The real process environment may hold JOURNEY_* from a shell.
			env := append([]string{"JOURNEY_REDIS_ADDR=", "JOURNEY_REDIS_PASSWORD="}, tt.env...)
			r := runBinary(t, env, tt.args...)
			if r.Code == 0 {
				t.Fatalf("exit code = 0, want non-zero; stderr:\n%s", r.Stderr)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(r.Stderr, want) {
					t.Errorf("stderr = %q, want it to contain %q", r.Stderr, want)
				}
			}
		})
	}
}

// blackHole accepts TCP connections and never answers, like a hung Redis.
// accepted receives once per connection.
func blackHole(t *testing.T) (addr string, accepted <-chan struct{}) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan struct{}, 16)
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			select {
			case ch <- struct{}{}:
			default:
			}
			wg.Add(1)
			go func() { defer wg.Done(); _, _ = io.Copy(io.Discard, conn); conn.Close() }()
		}
	}()
	return ln.Addr().String(), ch
}

// TestBinaryStopsOnSignalsAndDeadline: SIGTERM (the Job's pod deleted) and
// the run's deadline both end a stuck run with a non-zero exit that says why.
func TestBinaryStopsOnSignalsAndDeadline(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		signal  bool
		wantErr string
	}{
		{name: "sigterm-interrupts", args: []string{"--redis-timeout", "1s"}, signal: true, wantErr: "cleanup: interrupted by signal (0 events and 0 stale cache keys removed so far; the next run finishes the job): redis "},
		{name: "deadline-exceeded", args: []string{"--redis-timeout", "2s", "--deadline", "300ms"}, wantErr: "cleanup: deadline 300ms exceeded (0 events and 0 stale cache keys removed so far): redis "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, accepted := blackHole(t)
			cmd := exec.Command(binary, tt.args...)
			cmd.Env = append(os.Environ(), "JOURNEY_REDIS_ADDR="+addr, "JOURNEY_REDIS_PASSWORD=x")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-accepted: // the job is now waiting on "Redis"
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
				t.Fatal("cleanup never connected")
			}
			if tt.signal {
				if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
					t.Fatal(err)
				}
			}
			select {
			case <-done:
			case <-time.After(15 * time.Second):
				_ = cmd.Process.Kill()
				<-done
				t.Fatalf("cleanup did not exit within 15s; stderr:\n%s", stderr.String())
			}
			if code := cmd.ProcessState.ExitCode(); code != 1 {
				t.Errorf("exit code = %d, want 1; stderr:\n%s", code, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.wantErr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr.String(), tt.wantErr)
			}
			logLines(t, stderr.String())
		})
	}
}

func TestBinaryVersionAndHelp(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{name: "version", args: []string{"--version"}, want: []string{"cleanup v0.2-test (commit deadbee, built 2026-01-01T00:00:00Z)\n"}},
		{name: "help-documents-env-and-precedence", args: []string{"--help"}, want: []string{
			"a flag\ngiven on the command line wins over its variable",
			"--redis-addr string", "[env JOURNEY_REDIS_ADDR]", "[env JOURNEY_CLEANUP_RETENTION] (default 24h0m0s)",
			"[env JOURNEY_CLEANUP_BATCH] (default 100)", "only from JOURNEY_REDIS_PASSWORD",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runBinary(t, nil, tt.args...)
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
