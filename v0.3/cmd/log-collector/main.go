// Command log-collector runs on every node (a DaemonSet) and writes the logs
// of the node's containers to stdout as JSON lines, one record per line.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/pflag"
	"go.uber.org/zap"

	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.3/journey/internal/buildinfo"
	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.3/journey/internal/flagenv"
	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.3/journey/internal/logcollector"
	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.3/journey/internal/logger"
	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.3/journey/internal/metrics"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first signal, restore the default handling so a second
		// Ctrl-C ends a slow shutdown at once.
		<-ctx.Done()
		stop()
	}()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return
		}
		fmt.Fprintf(os.Stderr, "log-collector: %v\n", err)
		os.Exit(1)
	}
}

// run writes records to stdout, which is the data stream: its own logs are
// zap JSON on stderr, and usage text goes to stderr too.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	flags := pflag.NewFlagSet("log-collector", pflag.ContinueOnError)
	flags.SetOutput(stderr)
	var (
		logDir      = flags.String("log-dir", "/var/log/containers", "directory of the kubelet's container log symlinks")
		positions   = flags.String("positions", "/var/lib/journey-log-collector/positions.json", "file that keeps read offsets across restarts")
		poll        = flags.Duration("poll-interval", logcollector.DefaultPollInterval, "how often to look for new files and new lines")
		flush       = flags.Duration("flush-interval", logcollector.DefaultFlushInterval, "how often, at most, to save the positions file")
		maxRecord   = flags.Int("max-record-bytes", logcollector.DefaultMaxRecordBytes, "longest log record; longer ones are cut and marked truncated")
		exclude     = flags.StringSlice("exclude-namespaces", nil, "comma-separated namespaces whose logs are not collected")
		metricsAddr = flags.String("metrics-addr", ":2020", "listen address of /metrics, /health and /ready")
		logLevel    = flags.String("log-level", "info", "level of the collector's own logs (debug, info, warn, error)")
		showVersion = flags.Bool("version", false, "print the version and exit")
	)
	// Every flag can also be set as JOURNEY_<FLAG>, e.g. JOURNEY_LOG_DIR.
	if err := flagenv.Parse(flags, args, getenv, flagenv.Prefix("JOURNEY_")); err != nil {
		return err
	}
	build := buildinfo.Get()
	if *showVersion {
		_, err := fmt.Fprintln(stdout, build.Line("log-collector"))
		return err
	}
	switch {
	case *poll <= 0:
		return fmt.Errorf("--poll-interval %s must be positive", *poll)
	case *flush <= 0:
		return fmt.Errorf("--flush-interval %s must be positive", *flush)
	case *maxRecord < 1024:
		return fmt.Errorf("--max-record-bytes %d must be at least 1024", *maxRecord)
	}

	log, err := logger.New(false, *logLevel) // JSON on stderr
	if err != nil {
		return err
	}
	defer func() { _ = log.Sync() }()

	reg := metrics.NewRegistry(build)

	col, err := logcollector.New(logcollector.Options{
		LogDir:            *logDir,
		PositionsFile:     *positions,
		PollInterval:      *poll,
		FlushInterval:     *flush,
		MaxRecordBytes:    *maxRecord,
		ExcludeNamespaces: *exclude,
		Out:               stdout,
		Logger:            log,
		Metrics:           logcollector.NewMetrics(reg),
		// Downward API (k8s/log-collector/daemonset.yaml). The collector's
		// own stdout lands in a file it would otherwise tail: skip its pod.
		Node:          getenv("NODE_NAME"),
		SelfNamespace: getenv("POD_NAMESPACE"),
		SelfPod:       getenv("POD_NAME"),
	})
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", *metricsAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *metricsAddr, err)
	}
	srv := &http.Server{Handler: routes(reg, col), ReadHeaderTimeout: 5 * time.Second}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	log.Info("starting log-collector",
		zap.String("version", build.Version),
		zap.String("log_dir", *logDir),
		zap.String("positions", *positions),
		zap.String("metrics_addr", ln.Addr().String()),
		zap.Strings("exclude_namespaces", *exclude),
	)

	// The collector stops on ctx (SIGTERM): it writes out what it read and
	// saves the positions before Run returns.
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	colErr := make(chan error, 1)
	go func() { colErr <- col.Run(runCtx) }()
	select {
	case err = <-colErr:
	case err = <-serveErr:
		cancel()
		err = errors.Join(fmt.Errorf("metrics server: %w", err), <-colErr)
	}
	shutdownCtx, done := context.WithTimeout(context.Background(), 5*time.Second)
	defer done()
	_ = srv.Shutdown(shutdownCtx)
	if err != nil {
		return err
	}
	log.Info("log-collector stopped")
	return nil
}

func routes(reg *prometheus.Registry, col *logcollector.Collector) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	// Liveness: the process serves HTTP. A stuck collector loop is not
	// detected here on purpose: restarting would not unstick a slow disk.
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, `{"status":"ok"}`)
	})
	// Readiness: the first directory scan is done (nothing routes traffic
	// to a collector; this makes `kubectl rollout status` meaningful).
	mux.HandleFunc("GET /ready", func(w http.ResponseWriter, _ *http.Request) {
		if !col.Ready() {
			writeJSON(w, http.StatusServiceUnavailable, `{"status":"starting"}`)
			return
		}
		writeJSON(w, http.StatusOK, `{"status":"ready"}`)
	})
	return mux
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body+"\n")
}
