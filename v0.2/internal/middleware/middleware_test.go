package middleware

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.2/journey/internal/metrics"
)

// newRouter builds a router with the production middleware order and a few
// test routes, including one with a path parameter.
func newRouter(t *testing.T) (*gin.Engine, *metrics.HTTP, *observer.ObservedLogs) {
	t.Helper()
	gin.SetMode(gin.ReleaseMode)
	core, logs := observer.New(zap.DebugLevel)
	log := zap.New(core)
	m := metrics.NewHTTP(prometheus.NewRegistry())
	r := gin.New()
	r.Use(RequestID(), Metrics(m), AccessLog(log, "/probe"), Recovery(log))
	r.GET("/items/:id", func(c *gin.Context) { c.String(http.StatusOK, c.Param("id")) })
	r.GET("/panic", func(*gin.Context) { panic("boom") })
	r.GET("/id", func(c *gin.Context) { c.String(http.StatusOK, GetRequestID(c)) })
	r.GET("/probe", func(c *gin.Context) { c.Status(http.StatusServiceUnavailable) })
	return r, m, logs
}

func do(r http.Handler, method, target string, header http.Header) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, nil)
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, req)
	return rec
}

func TestMetricsLabelRouteTemplate(t *testing.T) {
	r, m, _ := newRouter(t)
	for _, p := range []string{"/items/1", "/items/2", "/items/3", "/unknown/a", "/unknown/b"} {
		do(r, http.MethodGet, p, nil)
	}
	do(r, "BREW", "/items/1", nil)

	// Count before the table below: WithLabelValues creates the series it asks for.
	// 1 template + 1 unmatched + 1 "other": the path values never multiply series.
	if got := testutil.CollectAndCount(m.Requests); got != 3 {
		t.Errorf("http_requests_total has %d series, want 3", got)
	}
	if got := testutil.CollectAndCount(m.Duration); got != 3 {
		t.Errorf("http_request_duration_seconds has %d series, want 3", got)
	}

	tests := []struct {
		name                  string
		method, route, status string
		want                  float64
	}{
		{name: "param-route-uses-template", method: "GET", route: "/items/:id", status: "200", want: 3},
		{name: "unknown-urls-share-one-series", method: "GET", route: UnmatchedRoute, status: "404", want: 2},
		{name: "nonstandard-method-folded", method: "other", route: UnmatchedRoute, status: "404", want: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := testutil.ToFloat64(m.Requests.WithLabelValues(tt.method, tt.route, tt.status))
			if got != tt.want {
				t.Errorf("http_requests_total{%s,%s,%s} = %v, want %v", tt.method, tt.route, tt.status, got, tt.want)
			}
		})
	}
}

func TestRequestID(t *testing.T) {
	long := strings.Repeat("a", maxRequestIDLen+1)
	tests := []struct {
		name      string
		incoming  string
		wantKept  bool
		wantEmpty bool
	}{
		{name: "honours-valid-id", incoming: "abc-123_XYZ", wantKept: true},
		{name: "generates-when-absent", incoming: ""},
		{name: "replaces-too-long", incoming: long},
		{name: "replaces-with-space", incoming: "a b"},
		{name: "replaces-non-ascii", incoming: "id-世界"},
	}
	r, _, _ := newRouter(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.incoming != "" {
				h.Set(RequestIDHeader, tt.incoming)
			}
			rec := do(r, http.MethodGet, "/id", h)
			got := rec.Header().Get(RequestIDHeader)
			if got == "" {
				t.Fatalf("response has no %s header", RequestIDHeader)
			}
			if body := rec.Body.String(); body != got {
				t.Errorf("handler saw request ID %q, header says %q", body, got)
			}
			if tt.wantKept && got != tt.incoming {
				t.Errorf("request ID = %q, want the incoming %q kept", got, tt.incoming)
			}
			if !tt.wantKept && (got == tt.incoming || len(got) != 36) {
				t.Errorf("request ID = %q, want a fresh UUID replacing %q", got, tt.incoming)
			}
		})
	}
}

func TestRecovery(t *testing.T) {
	r, m, logs := newRouter(t)
	rec := do(r, http.MethodGet, "/panic", http.Header{RequestIDHeader: {"req-1"}})

	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status = %d, want 500", rec.Code)
	}
	var body ErrorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("body %q is not JSON: %v", rec.Body.String(), err)
	}
	if want := (ErrorBody{Code: "internal", Error: "internal server error", RequestID: "req-1"}); body != want {
		t.Errorf("body = %+v, want %+v", body, want)
	}
	panics := logs.FilterMessage("panic recovered").All()
	if len(panics) != 1 {
		t.Fatalf("got %d 'panic recovered' logs, want 1", len(panics))
	}
	fields := panics[0].ContextMap()
	if stack, _ := fields["stack"].(string); !strings.Contains(stack, "TestRecovery") {
		t.Errorf("logged stack does not show the panicking call chain:\n%s", stack)
	}
	if fields["request_id"] != "req-1" {
		t.Errorf("logged request_id = %v, want req-1", fields["request_id"])
	}
	if got := testutil.ToFloat64(m.Requests.WithLabelValues("GET", "/panic", "500")); got != 1 {
		t.Errorf("recovered panic counted %v times as 500, want 1", got)
	}
	// The process survived: the next request is served normally.
	if rec := do(r, http.MethodGet, "/items/7", nil); rec.Code != http.StatusOK {
		t.Errorf("request after panic: status = %d, want 200", rec.Code)
	}
}

func TestAccessLog(t *testing.T) {
	r, _, logs := newRouter(t)
	do(r, http.MethodGet, "/items/42?secret=x", http.Header{RequestIDHeader: {"req-2"}})
	do(r, http.MethodGet, "/missing", nil)

	entries := logs.FilterMessage("request").All()
	if len(entries) != 2 {
		t.Fatalf("got %d access-log lines, want 2", len(entries))
	}
	first := entries[0].ContextMap()
	for k, want := range map[string]any{
		"request_id": "req-2", "method": "GET", "path": "/items/42", "route": "/items/:id", "status": int64(200),
	} {
		if first[k] != want {
			t.Errorf("access log %s = %v (%T), want %v", k, first[k], first[k], want)
		}
	}
	if entries[1].Level != zap.WarnLevel {
		t.Errorf("404 logged at %s, want warn", entries[1].Level)
	}

	// A probe answering 503 (readiness while draining) is expected: debug, not error.
	do(r, http.MethodGet, "/probe", nil)
	entries = logs.FilterMessage("request").All()
	if got := entries[len(entries)-1]; got.Level != zap.DebugLevel || got.ContextMap()["route"] != "/probe" {
		t.Errorf("probe logged at %s for route %v, want debug for /probe", got.Level, got.ContextMap()["route"])
	}
}
