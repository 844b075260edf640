package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.2/journey/internal/buildinfo"
	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.2/journey/internal/middleware"
)

func newTestServer(t testing.TB, pod PodInfo) (*Server, *time.Time) {
	t.Helper()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s := New(Options{
		Build:    buildinfo.Info{Version: "v0.2", Commit: "abc1234", BuildTime: "2026-01-02T03:04:05Z"},
		Hostname: "test-host",
		Pod:      pod,
		Now:      func() time.Time { return now },
	})
	return s, &now
}

func get(s *Server, target string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	return rec
}

func TestHandlers(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		target     string
		notReady   bool
		wantStatus int
		wantBody   string // a JSON object the body must equal
	}{
		{name: "health-200", target: "/health", wantStatus: 200, wantBody: `{"status":"ok"}`},
		{name: "health-200-while-not-ready", target: "/health", notReady: true, wantStatus: 200, wantBody: `{"status":"ok"}`},
		{name: "ready-503-before-start", target: "/ready", notReady: true, wantStatus: 503, wantBody: `{"status":"not ready","store":{"backend":"memory","up":false}}`},
		{name: "ready-200", target: "/ready", wantStatus: 200, wantBody: `{"status":"ready","store":{"backend":"memory","up":false}}`},
		{name: "hello-200-default-name", target: "/api/v1/hello", wantStatus: 200, wantBody: `{"message":"Hello, Cloud Native!"}`},
		{name: "hello-200-empty-name-is-default", target: "/api/v1/hello?name=", wantStatus: 200, wantBody: `{"message":"Hello, Cloud Native!"}`},
		{name: "hello-200-name", target: "/api/v1/hello?name=Gopher", wantStatus: 200, wantBody: `{"message":"Hello, Gopher!"}`},
		{name: "hello-200-chinese-name", target: "/api/v1/hello?name=" + url.QueryEscape("世界"), wantStatus: 200, wantBody: `{"message":"Hello, 世界!"}`},
		{name: "hello-200-64-chars", target: "/api/v1/hello?name=" + strings.Repeat("界", 64), wantStatus: 200, wantBody: `{"message":"Hello, ` + strings.Repeat("界", 64) + `!"}`},
		{name: "hello-400-65-chars", target: "/api/v1/hello?name=" + strings.Repeat("a", 65), wantStatus: 400, wantBody: `{"code":"invalid_name","error":"name must be at most 64 characters, got 65"}`},
		{name: "hello-400-control-char", target: "/api/v1/hello?name=a%0Ab", wantStatus: 400, wantBody: `{"code":"invalid_name","error":"name must contain only printable characters, got '\\n'"}`},
		{name: "hello-400-invalid-utf8", target: "/api/v1/hello?name=%ff", wantStatus: 400, wantBody: `{"code":"invalid_name","error":"name must be valid UTF-8"}`},
		{name: "data-400-dot-in-id", target: "/api/v1/data/a.b", wantStatus: 400, wantBody: `{"code":"invalid_id","error":"id may contain only letters, digits, '-' and '_', got '.'"}`},
		{name: "data-400-id-too-long", target: "/api/v1/data/" + strings.Repeat("x", 65), wantStatus: 400, wantBody: `{"code":"invalid_id","error":"id must be 1-64 characters, got 65"}`},
		{name: "data-400-key-injection", target: "/api/v1/data/x%3Aother", wantStatus: 400, wantBody: `{"code":"invalid_id","error":"id may contain only letters, digits, '-' and '_', got ':'"}`},
		{name: "visits-200-zero", target: "/api/v1/visits", wantStatus: 200, wantBody: `{"visits":0,"store":"memory"}`},
		{name: "events-200-empty", target: "/api/v1/events", wantStatus: 200, wantBody: `{"events":[]}`},
		{name: "events-400-limit-zero", target: "/api/v1/events?limit=0", wantStatus: 400, wantBody: `{"code":"invalid_limit","error":"limit must be an integer from 1 to 100, got \"0\""}`},
		{name: "events-400-limit-too-big", target: "/api/v1/events?limit=101", wantStatus: 400, wantBody: `{"code":"invalid_limit","error":"limit must be an integer from 1 to 100, got \"101\""}`},
		{name: "events-400-limit-not-a-number", target: "/api/v1/events?limit=ten", wantStatus: 400, wantBody: `{"code":"invalid_limit","error":"limit must be an integer from 1 to 100, got \"ten\""}`},
		{name: "visits-405-put", method: http.MethodPut, target: "/api/v1/visits", wantStatus: 405, wantBody: `{"code":"method_not_allowed","error":"method PUT not allowed on /api/v1/visits"}`},
		{name: "unknown-route-404", target: "/api/v1/nope", wantStatus: 404, wantBody: `{"code":"not_found","error":"no route for /api/v1/nope"}`},
		{name: "wrong-method-405", method: http.MethodPost, target: "/api/v1/hello", wantStatus: 405, wantBody: `{"code":"method_not_allowed","error":"method POST not allowed on /api/v1/hello"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestServer(t, PodInfo{})
			s.SetReady(!tt.notReady)
			method := tt.method
			if method == "" {
				method = http.MethodGet
			}
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, httptest.NewRequest(method, tt.target, nil))

			if rec.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d (body %s)", rec.Code, tt.wantStatus, rec.Body)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type = %q, want application/json", ct)
			}
			var got, want map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatalf("body %q is not JSON: %v", rec.Body, err)
			}
			if err := json.Unmarshal([]byte(tt.wantBody), &want); err != nil {
				t.Fatalf("bad wantBody: %v", err)
			}
			if _, isError := want["code"]; isError {
				// Error bodies carry the generated request ID; it must match the header.
				if got["request_id"] != rec.Header().Get(middleware.RequestIDHeader) || got["request_id"] == "" {
					t.Errorf("error body request_id = %v, want the X-Request-ID header %q", got["request_id"], rec.Header().Get(middleware.RequestIDHeader))
				}
				delete(got, "request_id")
			}
			gotJSON, _ := json.Marshal(got)
			wantJSON, _ := json.Marshal(want)
			if string(gotJSON) != string(wantJSON) {
				t.Errorf("body = %s, want %s", gotJSON, wantJSON)
			}
		})
	}
}

func TestInfo(t *testing.T) {
	tests := []struct {
		name    string
		pod     PodInfo
		wantPod *PodInfo
	}{
		{name: "info-200-outside-kubernetes", pod: PodInfo{}, wantPod: nil},
		{
			name:    "info-200-with-downward-api",
			pod:     PodInfo{Name: "api-7d9f-abcde", Namespace: "journey", Node: "journey-v0-2-worker", IP: "10.244.1.5"},
			wantPod: &PodInfo{Name: "api-7d9f-abcde", Namespace: "journey", Node: "journey-v0-2-worker", IP: "10.244.1.5"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, now := newTestServer(t, tt.pod)
			*now = now.Add(90 * time.Second)
			rec := get(s, "/api/v1/info")
			if rec.Code != http.StatusOK {
				t.Fatalf("status = %d, want 200", rec.Code)
			}
			var got InfoBody
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatalf("body is not an InfoBody: %v", err)
			}
			if got.Version != "v0.2" || got.Commit != "abc1234" || got.BuildTime != "2026-01-02T03:04:05Z" ||
				got.Hostname != "test-host" || !strings.HasPrefix(got.GoVersion, "go") {
				t.Errorf("build/host fields = %+v, want v0.2/abc1234/2026-01-02T03:04:05Z/test-host/go*", got)
			}
			if got.Uptime != "1m30s" || got.UptimeSeconds != 90 {
				t.Errorf("uptime = %q (%v s), want 1m30s (90 s)", got.Uptime, got.UptimeSeconds)
			}
			if (got.Pod == nil) != (tt.wantPod == nil) || (got.Pod != nil && *got.Pod != *tt.wantPod) {
				t.Errorf("pod = %+v, want %+v", got.Pod, tt.wantPod)
			}
		})
	}
}

func TestMetricsEndpoint(t *testing.T) {
	s, _ := newTestServer(t, PodInfo{})
	get(s, "/api/v1/hello?name=x")
	rec := get(s, "/metrics")
	if rec.Code != http.StatusOK {
		t.Fatalf("status = %d, want 200", rec.Code)
	}
	body := rec.Body.String()
	for _, want := range []string{
		`http_requests_total{method="GET",route="/api/v1/hello",status="200"} 1`,
		`http_request_duration_seconds_count{method="GET",route="/api/v1/hello"} 1`,
		`build_info{build_time="2026-01-02T03:04:05Z",commit="abc1234",go_version="go`,
		`go_goroutines `,
		`process_resident_memory_bytes `,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}
