package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.2/journey/internal/testutil/bintest"
	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.2/journey/internal/testutil/redistest"
)

type response struct {
	status int
	cache  string
	body   string
}

func call(t *testing.T, method, url string) response {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, cache: resp.Header.Get("X-Cache"), body: string(b)}
}

// TestBinaryWithRedis runs the binary the way the Deployment does: Redis
// address from config, password from the environment (the Secret).
func TestBinaryWithRedis(t *testing.T) {
	srv := redistest.Start(t)
	p := start(t, "JOURNEY_REDIS_ADDR="+srv.Addr, "JOURNEY_REDIS_PASSWORD="+srv.Password, "JOURNEY_SOURCE_LATENCY=10ms")

	if r := call(t, http.MethodGet, p.base+"/api/v1/data/42"); r.status != 200 || r.cache != "MISS" {
		t.Errorf("first GET data/42 = %d X-Cache %q, want 200 MISS", r.status, r.cache)
	}
	if r := call(t, http.MethodGet, p.base+"/api/v1/data/42"); r.status != 200 || r.cache != "HIT" {
		t.Errorf("second GET data/42 = %d X-Cache %q, want 200 HIT", r.status, r.cache)
	}
	if r := call(t, http.MethodPost, p.base+"/api/v1/visits"); r.status != 200 || !strings.Contains(r.body, `"visits":1,"store":"redis"`) {
		t.Errorf("POST visits = %d %s, want 200 visits 1 from redis", r.status, r.body)
	}
	// The state is in Redis, not in the process: a second API instance sees it.
	q := start(t, "JOURNEY_REDIS_ADDR="+srv.Addr, "JOURNEY_REDIS_PASSWORD="+srv.Password)
	if r := call(t, http.MethodGet, q.base+"/api/v1/data/42"); r.cache != "HIT" {
		t.Errorf("second instance GET data/42: X-Cache %q, want HIT (shared cache)", r.cache)
	}
	if r := call(t, http.MethodGet, q.base+"/api/v1/visits"); !strings.Contains(r.body, `"visits":1`) {
		t.Errorf("second instance GET visits = %s, want visits 1 (shared counter)", r.body)
	}
	if !p.output.WaitFor(`"msg":"store: redis"`, logWait) {
		t.Errorf("start-up log does not say the store is redis:\n%s", p.output)
	}
}

// TestBinaryRedisDown starts the API with a Redis that is not there: it
// must start, be ready, serve data from the source, answer 503 on the
// counter, and keep its log JSON (go-redis's own lines included).
func TestBinaryRedisDown(t *testing.T) {
	addr := fmt.Sprintf("127.0.0.1:%d", bintest.FreePort(t)) // nothing listens there
	p := start(t, "JOURNEY_REDIS_ADDR="+addr, "JOURNEY_SOURCE_LATENCY=0s", "JOURNEY_LOG_LEVEL=debug")

	if r := call(t, http.MethodGet, p.base+"/ready"); r.status != 200 {
		t.Errorf("/ready = %d, want 200: a cache outage must not take the pods out of the Service", r.status)
	}
	if r := call(t, http.MethodGet, p.base+"/api/v1/data/7"); r.status != 200 || r.cache != "MISS" {
		t.Errorf("GET data/7 = %d X-Cache %q, want 200 MISS (served without the cache)", r.status, r.cache)
	}
	r := call(t, http.MethodPost, p.base+"/api/v1/visits")
	if r.status != 503 || !strings.Contains(r.body, `"code":"store_unavailable"`) || !strings.Contains(r.body, "connection refused") {
		t.Errorf("POST visits = %d %s, want 503 store_unavailable with the cause", r.status, r.body)
	}
	m := call(t, http.MethodGet, p.base+"/metrics").body
	for _, want := range []string{`cache_requests_total{result="error"} 1`, `store_up 0`, `store_errors_total{op="record_visit"} 1`} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	// Count once the log holds everything the requests above caused: their
	// warning, then the access-log line of a later request (the log keeps
	// its order, so nothing they caused can still follow it).
	const warning = "store unavailable: cache bypassed, counters answer 503 until it is back"
	if !p.output.WaitFor(warning, logWait) {
		t.Fatalf("no outage warning in the log after %s:\n%s", logWait, p.output)
	}
	call(t, http.MethodGet, p.base+"/api/v1/hello") // the test's only hello
	if !p.output.WaitFor(`"path":"/api/v1/hello"`, logWait) {
		t.Fatalf("the marker request's access-log line never came:\n%s", p.output)
	}
	warnings := 0
	for _, line := range p.output.Lines() {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("log line is not JSON: %q", line)
			continue
		}
		if rec["msg"] == warning {
			warnings++
		}
	}
	if warnings != 1 {
		t.Errorf("outage warnings = %d, want exactly 1 (one per outage, not one per request)", warnings)
	}
}
