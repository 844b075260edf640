package loadgen

import (
	"math"
	"strings"
	"testing"
	"time"
)

func validOpen() Config {
	return Config{URL: "http://127.0.0.1:30080/api/v1/work/cpu?ms=20", Method: "GET", Model: Open, Rate: 100,
		Duration: 30 * time.Second, Timeout: 10 * time.Second, MaxInFlight: 1000}
}

func TestValidate(t *testing.T) {
	with := func(f func(c *Config)) Config { c := validOpen(); f(&c); return c }
	tests := []struct {
		name    string
		cfg     Config
		wantErr string // "" = valid
	}{
		{name: "open-valid", cfg: validOpen()},
		{name: "closed-valid", cfg: with(func(c *Config) { c.Model, c.Rate, c.Concurrency = Closed, 0, 10 })},
		{name: "https-valid", cfg: with(func(c *Config) { c.URL = "https://example.test/x" })},
		{name: "ramp-equal-to-duration-valid", cfg: with(func(c *Config) { c.Ramp = c.Duration })},
		{name: "limits-valid", cfg: with(func(c *Config) { c.Rate, c.Duration, c.MaxInFlight = MaxRate, MaxDuration, MaxInFlight })},
		{name: "ftp-url-rejected", cfg: with(func(c *Config) { c.URL = "ftp://127.0.0.1/x" }), wantErr: `url "ftp://127.0.0.1/x": only http:// and https:// URLs are supported`},
		{name: "url-without-scheme-rejected", cfg: with(func(c *Config) { c.URL = "127.0.0.1:30080/x" }), wantErr: `url "127.0.0.1:30080/x": `},
		{name: "url-without-host-rejected", cfg: with(func(c *Config) { c.URL = "http:///x" }), wantErr: `url "http:///x" has no host`},
		{name: "missing-url-rejected", cfg: with(func(c *Config) { c.URL = "" }), wantErr: "no URL: set --url"},
		{name: "rate-0-rejected", cfg: with(func(c *Config) { c.Rate = 0 }), wantErr: "rate 0 out of range: must be > 0 and <= 100000 requests/s"},
		{name: "rate-1e9-rejected", cfg: with(func(c *Config) { c.Rate = 1e9 }), wantErr: "rate 1e+09 out of range"},
		{name: "rate-nan-rejected", cfg: with(func(c *Config) { c.Rate = math.NaN() }), wantErr: "rate NaN out of range"},
		{name: "concurrency-0-rejected", cfg: with(func(c *Config) { c.Model, c.Concurrency = Closed, 0 }), wantErr: "concurrency 0 out of range 1..10000"},
		{name: "concurrency-10001-rejected", cfg: with(func(c *Config) { c.Model, c.Concurrency = Closed, 10001 }), wantErr: "concurrency 10001 out of range 1..10000"},
		{name: "no-model-rejected", cfg: with(func(c *Config) { c.Model = 0 }), wantErr: "choose a load model"},
		{name: "duration-0-rejected", cfg: with(func(c *Config) { c.Duration = 0 }), wantErr: "duration 0s out of range: must be > 0 and <= 24h0m0s"},
		{name: "duration-25h-rejected", cfg: with(func(c *Config) { c.Duration = 25 * time.Hour }), wantErr: "duration 25h0m0s out of range"},
		{name: "ramp-longer-than-duration-rejected", cfg: with(func(c *Config) { c.Ramp = time.Minute }), wantErr: "ramp 1m0s out of range: must be >= 0 and <= the duration (30s)"},
		{name: "negative-ramp-rejected", cfg: with(func(c *Config) { c.Ramp = -time.Second }), wantErr: "ramp -1s out of range"},
		{name: "timeout-0-rejected", cfg: with(func(c *Config) { c.Timeout = 0 }), wantErr: "timeout 0s out of range"},
		{name: "max-in-flight-0-rejected", cfg: with(func(c *Config) { c.MaxInFlight = 0 }), wantErr: "max-in-flight 0 out of range 1..10000"},
		{name: "lowercase-method-rejected", cfg: with(func(c *Config) { c.Method = "get" }), wantErr: `method "get" not supported`},
		{name: "every-problem-reported-at-once", cfg: with(func(c *Config) { c.URL, c.Rate, c.Duration = "ftp://x", -1, 0 }),
			wantErr: "only http:// and https:// URLs are supported; rate -1 out of range: must be > 0 and <= 100000 requests/s; duration 0s out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Validate() = %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestSendTime(t *testing.T) {
	tests := []struct {
		name string
		i    int64
		rate float64
		ramp time.Duration
		want time.Duration
	}{
		{name: "first-at-once", i: 0, rate: 100, want: 0},
		{name: "constant-rate-spacing", i: 1, rate: 100, want: 10 * time.Millisecond},
		{name: "constant-rate-one-second", i: 100, rate: 100, want: time.Second},
		{name: "fractional-rate", i: 1, rate: 0.5, want: 2 * time.Second},
		{name: "ramp-start", i: 0, rate: 200, ramp: time.Second, want: 0},
		// 200 req/s ramped over 1s: sqrt(2·25·1/200) = 0.5s; a quarter of
		// the ramp's 100 requests go out in its first half.
		{name: "ramp-quarter-at-half-time", i: 25, rate: 200, ramp: time.Second, want: 500 * time.Millisecond},
		{name: "ramp-end", i: 100, rate: 200, ramp: time.Second, want: time.Second},
		{name: "after-ramp-constant", i: 102, rate: 200, ramp: time.Second, want: time.Second + 10*time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sendTime(tt.i, tt.rate, tt.ramp); got != tt.want {
				t.Errorf("sendTime(%d, %g, %s) = %s, want %s", tt.i, tt.rate, tt.ramp, got, tt.want)
			}
		})
	}
}

// TestScheduleCounts: the number of requests due before the end is exact,
// which the run tests rely on.
func TestScheduleCounts(t *testing.T) {
	tests := []struct {
		name     string
		rate     float64
		ramp     time.Duration
		duration time.Duration
		want     int64
	}{
		{name: "200-per-second-for-1s", rate: 200, duration: time.Second, want: 200},
		{name: "3-per-second-for-1s", rate: 3, duration: time.Second, want: 3},
		{name: "ramp-over-whole-run-halves-it", rate: 200, ramp: time.Second, duration: time.Second, want: 100},
		{name: "ramp-then-hold", rate: 100, ramp: 2 * time.Second, duration: 5 * time.Second, want: 100 + 300},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got int64
			for sendTime(got, tt.rate, tt.ramp) < tt.duration {
				got++
			}
			if got != tt.want {
				t.Errorf("requests due before %s = %d, want %d", tt.duration, got, tt.want)
			}
		})
	}
}

func TestWorkerStart(t *testing.T) {
	for k, want := range []time.Duration{0, 250 * time.Millisecond, 500 * time.Millisecond, 750 * time.Millisecond} {
		if got := workerStart(k, 4, time.Second); got != want {
			t.Errorf("workerStart(%d, 4, 1s) = %s, want %s", k, got, want)
		}
	}
	if got := workerStart(3, 4, 0); got != 0 {
		t.Errorf("workerStart without ramp = %s, want 0", got)
	}
}
