package buildinfo

import (
	"runtime"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestGetIsUnstampedInTests(t *testing.T) {
	if got := Get(); got != (Info{Version: "dev", Commit: "unknown", BuildTime: "unknown"}) {
		t.Errorf("Get() = %+v, want the unstamped defaults", got)
	}
}

func TestLine(t *testing.T) {
	i := Info{Version: "v9", Commit: "abc1234", BuildTime: "2026-01-02T03:04:05Z"}
	if got, want := i.Line("api"), "api v9 (commit abc1234, built 2026-01-02T03:04:05Z)"; got != want {
		t.Errorf("Line = %q, want %q", got, want)
	}
}

func TestCollector(t *testing.T) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(Info{Version: "v9", Commit: "abc1234", BuildTime: "t0"}.Collector())
	want := `# HELP build_info Build information of the running binary; the value is always 1.
# TYPE build_info gauge
build_info{build_time="t0",commit="abc1234",go_version="` + runtime.Version() + `",version="v9"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "build_info"); err != nil {
		t.Error(err)
	}
}
