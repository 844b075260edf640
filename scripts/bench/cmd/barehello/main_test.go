package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestHandlers(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		target     string
		wantStatus int
		wantBody   string
	}{
		{"hello-200-default-name", http.MethodGet, "/api/v1/hello", http.StatusOK, `{"message":"Hello, Cloud Native!"}`},
		{"hello-200-name", http.MethodGet, "/api/v1/hello?name=x", http.StatusOK, `{"message":"Hello, x!"}`},
		{"hello-200-unicode-name", http.MethodGet, "/api/v1/hello?name=%E4%B8%96%E7%95%8C", http.StatusOK, `{"message":"Hello, 世界!"}`},
		{"hello-400-too-long", http.MethodGet, "/api/v1/hello?name=" + strings.Repeat("a", 65), http.StatusBadRequest, `"error":"invalid_name"`},
		{"hello-400-control-char", http.MethodGet, "/api/v1/hello?name=a%07", http.StatusBadRequest, `"error":"invalid_name"`},
		{"hello-405-post", http.MethodPost, "/api/v1/hello", http.StatusMethodNotAllowed, ""},
		{"ready-200", http.MethodGet, "/ready", http.StatusOK, `{"status":"ready"}`},
		{"unknown-404", http.MethodGet, "/nope", http.StatusNotFound, ""},
	}
	mux := newMux()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.target, nil))
			if rec.Code != tt.wantStatus {
				t.Errorf("status: got %d, want %d", rec.Code, tt.wantStatus)
			}
			if got := rec.Body.String(); !strings.Contains(got, tt.wantBody) {
				t.Errorf("body: got %q, want it to contain %q", got, tt.wantBody)
			}
			if tt.wantStatus < 300 {
				if got, want := rec.Header().Get("Content-Type"), "application/json; charset=utf-8"; got != want {
					t.Errorf("Content-Type: got %q, want %q", got, want)
				}
			}
		})
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"unknown-flag", []string{"-nope"}},
		{"bad-addr", []string{"-addr", "127.0.0.1:99999"}},
		{"bad-timeouts", []string{"-timeouts=maybe"}},
		{"extra-argument", []string{"now"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := run(tt.args); err == nil {
				t.Errorf("run(%q): got nil error, want one", tt.args)
			}
		})
	}
}

// TestServerTimeoutsMatchTheAPI keeps the baseline honest: with timeouts it
// must be configured like v0.1's server (internal/server.Serve), so the ratio
// compares gin and the middleware, not two server configurations.
func TestServerTimeoutsMatchTheAPI(t *testing.T) {
	src, err := os.ReadFile("../../../../v0.1/internal/server/server.go")
	if err != nil {
		t.Fatalf("v0.1 not found next to scripts/bench: %v", err)
	}
	srv := newServer(true)
	for field, got := range map[string]time.Duration{
		"ReadHeaderTimeout": srv.ReadHeaderTimeout,
		"ReadTimeout":       srv.ReadTimeout,
		"WriteTimeout":      srv.WriteTimeout,
		"IdleTimeout":       srv.IdleTimeout,
	} {
		want := regexp.MustCompile(field + `:\s+(\d+) \* time\.Second`).FindSubmatch(src)
		if want == nil {
			t.Errorf("%s not found in v0.1/internal/server/server.go", field)
			continue
		}
		if n, _ := strconv.Atoi(string(want[1])); got != time.Duration(n)*time.Second {
			t.Errorf("%s = %s, v0.1's server has %ss", field, got, want[1])
		}
	}
	plain := newServer(false)
	if plain.ReadTimeout != 0 || plain.WriteTimeout != 0 || plain.IdleTimeout != 0 || plain.ReadHeaderTimeout == 0 {
		t.Errorf("-timeouts=false: got %+v, want only ReadHeaderTimeout", plain)
	}
}
