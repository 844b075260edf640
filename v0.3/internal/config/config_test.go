package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadDefaults(t *testing.T) {
	cfg, err := Load("", env(nil))
	if err != nil {
		t.Fatalf("Load() error = %v, want nil", err)
	}
	if cfg.Port != 8080 || cfg.Env != "production" || cfg.Log.Level != "info" ||
		cfg.Shutdown.Drain != 5*time.Second || cfg.Shutdown.Timeout != 10*time.Second {
		t.Errorf("Load() = %+v, want port 8080, env production, level info, drain 5s, timeout 10s", cfg)
	}
	if got, want := cfg.Addr(), ":8080"; got != want {
		t.Errorf("Addr() = %q, want %q", got, want)
	}
	// Every key reaches viper from Default(), whatever section owns it.
	if cfg != Default() {
		t.Errorf("Load() = %+v, want Default() = %+v", cfg, Default())
	}
}

func TestLoadFileThenEnv(t *testing.T) {
	file := writeFile(t, "api.yaml", `
port: 9090
env: development
log:
  level: debug
shutdown:
  drain: 2s
  timeout: 3s
`)
	tests := []struct {
		name string
		env  map[string]string
		want Config
	}{
		{
			name: "file-only",
			want: cfgOf(9090, "development", "debug", 2*time.Second, 3*time.Second),
		},
		{
			name: "env-overrides-file",
			env: map[string]string{
				"JOURNEY_PORT":             "7070",
				"JOURNEY_ENV":              "production",
				"JOURNEY_LOG_LEVEL":        "warn",
				"JOURNEY_SHUTDOWN_DRAIN":   "0s",
				"JOURNEY_SHUTDOWN_TIMEOUT": "1m",
			},
			want: cfgOf(7070, "production", "warn", 0, time.Minute),
		},
		{
			name: "partial-env-keeps-file-values",
			env:  map[string]string{"JOURNEY_LOG_LEVEL": "error"},
			want: cfgOf(9090, "development", "error", 2*time.Second, 3*time.Second),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Load(file, env(tt.env))
			if err != nil {
				t.Fatalf("Load() error = %v, want nil", err)
			}
			if got != tt.want {
				t.Errorf("Load() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func cfgOf(port int, envName, level string, drain, timeout time.Duration) Config {
	var c Config
	c.Port, c.Env, c.Log.Level = port, envName, level
	c.Shutdown.Drain, c.Shutdown.Timeout = drain, timeout
	c.Redis.Timeout = 500 * time.Millisecond
	c.Cache.TTL = 60 * time.Second
	c.Source.Latency = 100 * time.Millisecond
	c.Work.CPU.MaxMS, c.Work.CPU.MaxJobs = 1000, 1000
	c.Work.Memory.MaxMB, c.Work.Memory.MaxSeconds, c.Work.Memory.MaxTotalMB = 32, 20, 64
	return c
}

// TestLoadRedis covers the redis keys: the ConfigMap's file sets the address
// and TTLs, the Secret's env var sets the password.
func TestLoadRedis(t *testing.T) {
	file := writeFile(t, "api.yaml", `
redis:
  addr: redis.journey.svc.cluster.local:6379
  timeout: 300ms
cache:
  ttl: 30s
source:
  latency: 50ms
`)
	cfg, err := Load(file, env(map[string]string{"JOURNEY_REDIS_PASSWORD": "s3cret", "JOURNEY_CACHE_TTL": "45s"}))
	if err != nil {
		t.Fatalf("Load() error = %v", err)
	}
	if cfg.Redis.Addr != "redis.journey.svc.cluster.local:6379" || cfg.Redis.Password != "s3cret" ||
		cfg.Redis.Timeout != 300*time.Millisecond || cfg.Cache.TTL != 45*time.Second || cfg.Source.Latency != 50*time.Millisecond {
		t.Errorf("Load() = %+v, want addr from file, password from env, timeout 300ms, ttl 45s (env wins), latency 50ms", cfg)
	}

	defaults, err := Load("", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if defaults.Redis.Addr != "" {
		t.Errorf("default redis.addr = %q, want empty (in-memory store)", defaults.Redis.Addr)
	}
}

func TestLoadInvalid(t *testing.T) {
	tests := []struct {
		name    string
		file    string // config file body; "" means no file
		env     map[string]string
		wantErr string
	}{
		{name: "port-zero", env: map[string]string{"JOURNEY_PORT": "0"}, wantErr: "port 0 out of range"},
		{name: "port-too-big", env: map[string]string{"JOURNEY_PORT": "70000"}, wantErr: "port 70000 out of range"},
		{name: "port-not-a-number", env: map[string]string{"JOURNEY_PORT": "eighty"}, wantErr: "port"},
		{name: "unknown-level", env: map[string]string{"JOURNEY_LOG_LEVEL": "verbose"}, wantErr: `log.level "verbose" unknown`},
		{name: "unknown-env", env: map[string]string{"JOURNEY_ENV": "staging"}, wantErr: `env "staging" unknown`},
		{name: "negative-drain", env: map[string]string{"JOURNEY_SHUTDOWN_DRAIN": "-1s"}, wantErr: "shutdown.drain -1s must not be negative"},
		{name: "zero-timeout", env: map[string]string{"JOURNEY_SHUTDOWN_TIMEOUT": "0s"}, wantErr: "shutdown.timeout 0s must be positive"},
		{name: "bad-duration", env: map[string]string{"JOURNEY_SHUTDOWN_TIMEOUT": "soon"}, wantErr: "shutdown.timeout"},
		{name: "unknown-key-in-file", file: "shutdwon:\n  drain: 1s\n", wantErr: "shutdwon"},
		{name: "malformed-file", file: "port: [1\n", wantErr: "read config file"},
		{name: "redis-password-in-file", file: "redis:\n  password: hunter2\n", wantErr: "sets redis.password: the password comes only from JOURNEY_REDIS_PASSWORD"},
		{name: "redis-addr-without-port", env: map[string]string{"JOURNEY_REDIS_ADDR": "redis"}, wantErr: `redis.addr "redis" must be host:port`},
		{name: "redis-db-out-of-range", env: map[string]string{"JOURNEY_REDIS_DB": "16"}, wantErr: "redis.db 16 out of range"},
		{name: "redis-timeout-zero", env: map[string]string{"JOURNEY_REDIS_TIMEOUT": "0s"}, wantErr: "redis.timeout 0s"},
		{name: "cache-ttl-too-short", env: map[string]string{"JOURNEY_CACHE_TTL": "10ms"}, wantErr: "cache.ttl 10ms must be between 1s and 24h"},
		{name: "work-cpu-max-ms-zero", env: map[string]string{"JOURNEY_WORK_CPU_MAX_MS": "0"}, wantErr: "work.cpu.max_ms 0 out of range"},
		{name: "work-cpu-max-jobs-over-thread-limit", env: map[string]string{"JOURNEY_WORK_CPU_MAX_JOBS": "20000"}, wantErr: "work.cpu.max_jobs 20000 out of range"},
		{name: "work-memory-max-mb-too-big", env: map[string]string{"JOURNEY_WORK_MEMORY_MAX_MB": "2048"}, wantErr: "work.memory.max_mb 2048 out of range"},
		{name: "work-memory-max-seconds-above-write-timeout", env: map[string]string{"JOURNEY_WORK_MEMORY_MAX_SECONDS": "30"}, wantErr: "work.memory.max_seconds 30 out of range (1-25"},
		{name: "work-memory-total-below-per-request", env: map[string]string{"JOURNEY_WORK_MEMORY_MAX_TOTAL_MB": "16"}, wantErr: "work.memory.max_total_mb 16 out of range"},
		{name: "source-latency-negative", env: map[string]string{"JOURNEY_SOURCE_LATENCY": "-1s"}, wantErr: "source.latency -1s"},
		{
			name:    "all-errors-at-once",
			env:     map[string]string{"JOURNEY_PORT": "-1", "JOURNEY_LOG_LEVEL": "loud"},
			wantErr: `port -1 out of range (1-65535); log.level "loud" unknown`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := ""
			if tt.file != "" {
				file = writeFile(t, "api.yaml", tt.file)
			}
			_, err := Load(file, env(tt.env))
			if err == nil {
				t.Fatalf("Load() error = nil, want one containing %q", tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Load() error = %q, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"), env(nil))
	if err == nil || !strings.Contains(err.Error(), "nope.yaml") {
		t.Errorf("Load(missing) error = %v, want one naming nope.yaml", err)
	}
}

func TestEnvName(t *testing.T) {
	for key, want := range map[string]string{
		"port":           "JOURNEY_PORT",
		"log.level":      "JOURNEY_LOG_LEVEL",
		"shutdown.drain": "JOURNEY_SHUTDOWN_DRAIN",
	} {
		if got := EnvName(key); got != want {
			t.Errorf("EnvName(%q) = %q, want %q", key, got, want)
		}
	}
}

// TestExampleFileMatchesDefaults keeps configs/api.yaml honest: it must load
// and state exactly the built-in defaults it claims to.
func TestExampleFileMatchesDefaults(t *testing.T) {
	fromFile, err := Load(filepath.Join("..", "..", "configs", "api.yaml"), env(nil))
	if err != nil {
		t.Fatalf("Load(configs/api.yaml) error = %v", err)
	}
	defaults, err := Load("", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if fromFile != defaults {
		t.Errorf("configs/api.yaml = %+v, want the defaults %+v", fromFile, defaults)
	}
}
