// Command api is the cloudnative-go-journey API service.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/google/uuid"
	"github.com/spf13/pflag"
	"go.uber.org/zap"

	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.2/journey/internal/config"
	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.2/journey/internal/logger"
	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.2/journey/internal/metrics"
	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.2/journey/internal/server"
	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.2/journey/internal/source"
	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.2/journey/internal/store"
)

// Stamped at build time: -ldflags "-X main.version=<version> -X main.commit=... -X main.buildTime=...".
var (
	version   = "dev"
	commit    = "unknown"
	buildTime = "unknown"
)

// ANCHOR: main
func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first signal, restore the default handling so a second
		// Ctrl-C ends a drain at once.
		<-ctx.Done()
		stop()
	}()
	// Request IDs come from a buffered crypto/rand pool instead of one
	// getrandom call per request. Not thread-safe, hence here, before serving.
	uuid.EnableRandPool()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return
		}
		fmt.Fprintf(os.Stderr, "api: %v\n", err)
		os.Exit(1)
	}
}

// ANCHOR_END: main
// ANCHOR: run
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	flags := pflag.NewFlagSet("api", pflag.ContinueOnError)
	flags.SetOutput(stdout)
	configFile := flags.String("config", "", "optional config file (YAML, JSON or TOML); JOURNEY_* env vars override it")
	showVersion := flags.Bool("version", false, "print the version and exit")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if *showVersion {
		_, err := fmt.Fprintf(stdout, "api %s (commit %s, built %s)\n", version, commit, buildTime)
		return err
	}

	cfg, err := config.Load(*configFile, getenv)
	if err != nil {
		return err
	}
	log, err := logger.New(cfg.Development(), cfg.Log.Level)
	if err != nil {
		return err
	}
	defer func() { _ = log.Sync() }()

	// ANCHOR: store
	// No Redis configured: keep everything in memory, so the API runs with
	// nothing installed. Configured: use it, even if it is down right now;
	// the API serves without the cache until Redis answers.
	var st interface {
		server.Store
		Close() error
	}
	if cfg.Redis.Addr == "" {
		st = store.NewMemory(nil)
		log.Info("store: in memory (set JOURNEY_REDIS_ADDR to use Redis)")
	} else {
		store.RouteRedisLogs(log)
		st = store.NewRedis(store.RedisOptions{
			Addr:     cfg.Redis.Addr,
			Password: cfg.Redis.Password,
			DB:       cfg.Redis.DB,
			Timeout:  cfg.Redis.Timeout,
		})
		log.Info("store: redis", zap.String("addr", cfg.Redis.Addr), zap.Int("db", cfg.Redis.DB))
	}
	defer func() { _ = st.Close() }()
	// ANCHOR_END: store

	hostname, _ := os.Hostname()
	srv := server.New(server.Options{
		Logger:   log,
		Build:    metrics.BuildInfo{Version: version, Commit: commit, BuildTime: buildTime},
		Hostname: hostname,
		// ANCHOR: downward-api
		// Injected by the Downward API in k8s/api/deployment.yaml.
		Pod: server.PodInfo{
			Name:      getenv("POD_NAME"),
			Namespace: getenv("POD_NAMESPACE"),
			Node:      getenv("NODE_NAME"),
			IP:        getenv("POD_IP"),
		},
		// ANCHOR_END: downward-api
		Drain:           cfg.Shutdown.Drain,
		ShutdownTimeout: cfg.Shutdown.Timeout,
		Store:           st,
		Source:          source.Slow{Latency: cfg.Source.Latency},
		CacheTTL:        cfg.Cache.TTL,
	})

	ln, err := net.Listen("tcp", cfg.Addr())
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr(), err)
	}
	log.Info("starting api",
		zap.String("version", version),
		zap.String("commit", commit),
		zap.String("env", cfg.Env),
		zap.String("addr", ln.Addr().String()),
	)
	return srv.Serve(ctx, ln)
}

// ANCHOR_END: run
