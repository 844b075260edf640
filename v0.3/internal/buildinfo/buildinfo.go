// Package buildinfo is what the build stamps into a binary (version, commit,
// build time) and the two ways every binary shows it: the --version line
// and the build_info gauge.
package buildinfo

import (
	"fmt"
	"runtime"

	"github.com/prometheus/client_golang/prometheus"
)

// Stamped by the Dockerfiles and `make run`, with the module path from
// `go list -m`:
//
//	-ldflags "-X $MOD/internal/buildinfo.version=... -X $MOD/internal/buildinfo.commit=... -X $MOD/internal/buildinfo.buildTime=..."
var (
	version   = "dev"
	commit    = "unknown"
	buildTime = "unknown"
)

// Info describes one build.
type Info struct {
	Version   string
	Commit    string
	BuildTime string
}

// Get returns the stamped build of this binary.
func Get() Info { return Info{Version: version, Commit: commit, BuildTime: buildTime} }

// Line is the --version output of the named command.
func (i Info) Line(command string) string {
	return fmt.Sprintf("%s %s (commit %s, built %s)", command, i.Version, i.Commit, i.BuildTime)
}

// Collector is the build_info gauge: always 1, the build in its labels, so
// a query can tell which version each pod runs (during a rollout, both).
func (i Info) Collector() prometheus.Collector {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "build_info",
		Help: "Build information of the running binary; the value is always 1.",
	}, []string{"version", "commit", "build_time", "go_version"})
	g.WithLabelValues(i.Version, i.Commit, i.BuildTime, runtime.Version()).Set(1)
	return g
}
