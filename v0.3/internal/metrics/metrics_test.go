package metrics

import (
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.3/journey/internal/buildinfo"
)

// TestObserveConcurrent checks the series cache under concurrency (run with
// -race): every request is counted once, on the series of its labels.
func TestObserveConcurrent(t *testing.T) {
	m := NewHTTP(prometheus.NewRegistry())
	const workers, perWorker = 8, 500
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perWorker; i++ {
				status := 200
				if i%5 == 0 {
					status = 404
				}
				m.Observe("GET", "/api/v1/hello", status, time.Millisecond)
			}
		}()
	}
	wg.Wait()

	tests := []struct {
		status string
		want   float64
	}{
		{status: "200", want: workers * perWorker * 4 / 5},
		{status: "404", want: workers * perWorker / 5},
	}
	for _, tt := range tests {
		if got := testutil.ToFloat64(m.Requests.WithLabelValues("GET", "/api/v1/hello", tt.status)); got != tt.want {
			t.Errorf("http_requests_total{status=%s} = %v, want %v", tt.status, got, tt.want)
		}
	}
	if got := testutil.CollectAndCount(m.Duration); got != 1 {
		t.Errorf("http_request_duration_seconds has %d series, want 1 (status is not a histogram label)", got)
	}
}

func TestNewRegistry(t *testing.T) {
	reg := NewRegistry(buildinfo.Info{Version: "v9", Commit: "abc", BuildTime: "t"})
	NewHTTP(reg)
	for _, name := range []string{"build_info", "go_goroutines", "process_cpu_seconds_total"} {
		if n, err := testutil.GatherAndCount(reg, name); err != nil || n != 1 {
			t.Errorf("%s series = %d (%v), want 1", name, n, err)
		}
	}
}
