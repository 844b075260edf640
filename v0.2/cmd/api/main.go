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

	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.2/journey/internal/buildinfo"
	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.2/journey/internal/config"
	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.2/journey/internal/flagenv"
	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.2/journey/internal/logger"
	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.2/journey/internal/server"
	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.2/journey/internal/source"
	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.2/journey/internal/store"
)

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

func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	flags := pflag.NewFlagSet("api", pflag.ContinueOnError)
	flags.SetOutput(stdout)
	configFile := flags.String("config", "", "optional config file (YAML, JSON or TOML); JOURNEY_* env vars override it")
	showVersion := flags.Bool("version", false, "print the version and exit")
	if err := flagenv.Parse(flags, args, getenv, flagenv.Prefix(config.EnvPrefix+"_")); err != nil {
		return err
	}
	build := buildinfo.Get()
	if *showVersion {
		_, err := fmt.Fprintln(stdout, build.Line("api"))
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
		st = store.NewRedis(cfg.Redis)
		log.Info("store: redis", zap.String("addr", cfg.Redis.Addr), zap.Int("db", cfg.Redis.DB))
	}
	defer func() { _ = st.Close() }()
	// ANCHOR_END: store

	hostname, _ := os.Hostname()
	srv := server.New(server.Options{
		Logger:   log,
		Build:    build,
		Hostname: hostname,
		// Injected by the Downward API in k8s/api/deployment.yaml.
		Pod: server.PodInfo{
			Name:      getenv("POD_NAME"),
			Namespace: getenv("POD_NAMESPACE"),
			Node:      getenv("NODE_NAME"),
			IP:        getenv("POD_IP"),
		},
		Drain:           cfg.Shutdown.Drain,
		ShutdownTimeout: cfg.Shutdown.Timeout,
		Store:           st,
		Source:          source.Slow{Latency: cfg.Source.Latency},
		Cache:           cfg.Cache,
	})

	ln, err := net.Listen("tcp", cfg.Addr())
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr(), err)
	}
	log.Info("starting api",
		zap.String("version", build.Version),
		zap.String("commit", build.Commit),
		zap.String("env", cfg.Env),
		zap.String("addr", ln.Addr().String()),
	)
	return srv.Serve(ctx, ln)
}
