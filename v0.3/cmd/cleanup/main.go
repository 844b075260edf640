// Command cleanup is the cloudnative-go-journey cleanup job, run by the
// CronJob in k8s/cleanup: it removes events older than the retention period
// and cache keys that would never expire, then exits.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/spf13/pflag"
	"go.uber.org/zap"

	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.3/journey/internal/buildinfo"
	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.3/journey/internal/cleanup"
	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.3/journey/internal/flagenv"
	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.3/journey/internal/logger"
	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.3/journey/internal/store"
)

// PasswordEnv is the only way to pass the Redis password: a flag would show
// in `ps` and in the pod spec; the env var comes from a Secret.
const PasswordEnv = "JOURNEY_REDIS_PASSWORD"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first signal, restore the default handling so a second
		// one ends the process at once.
		<-ctx.Done()
		stop()
	}()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return
		}
		// A non-zero exit is what makes the Job controller retry (backoffLimit).
		fmt.Fprintf(os.Stderr, "cleanup: %v\n", err)
		os.Exit(1)
	}
}

// config is the job's typed configuration.
type config struct {
	Redis     store.RedisConfig
	Retention time.Duration
	Batch     int
	DryRun    bool
	Deadline  time.Duration
	Version   bool
}

// envName maps a flag to its environment variable: redis-* flags share the
// API's JOURNEY_REDIS_* names, the job's own flags get JOURNEY_CLEANUP_*.
func envName(flag string) string {
	if strings.HasPrefix(flag, "redis-") {
		return flagenv.Prefix("JOURNEY_")(flag)
	}
	return flagenv.Prefix("JOURNEY_CLEANUP_")(flag)
}

const usageHeader = `Usage: cleanup [flags]

Removes, in bounded batches, events older than --retention from the sorted set
journey:events and keys without a TTL under journey:cache: (found with SCAN,
never KEYS). Touches nothing else. Exits non-zero on any failure.

Every flag can also be set by the environment variable shown with it; a flag
given on the command line wins over its variable. The Redis password is read
only from ` + PasswordEnv + ` (a flag would show in ps and in the pod spec).

Logs are JSON lines on stderr; --dry-run lists the items it would delete on
stdout.

Flags:
`

// parseConfig reads the flags and, for each flag not given, its variable
// (internal/flagenv, the same rules as every command here).
func parseConfig(args []string, getenv func(string) string, out io.Writer) (config, error) {
	var c config
	flags := pflag.NewFlagSet("cleanup", pflag.ContinueOnError)
	flags.SetOutput(out)
	flags.SortFlags = false
	flags.StringVar(&c.Redis.Addr, "redis-addr", "", "Redis host:port (required)")
	flags.IntVar(&c.Redis.DB, "redis-db", 0, "Redis database number")
	flags.DurationVar(&c.Redis.Timeout, "redis-timeout", 2*time.Second, "timeout of dialling and of each Redis command")
	flags.DurationVar(&c.Retention, "retention", 24*time.Hour, "events older than now - retention are removed")
	flags.IntVar(&c.Batch, "batch", 100, fmt.Sprintf("items per Redis command (%d..%d)", cleanup.MinBatch, cleanup.MaxBatch))
	flags.BoolVar(&c.DryRun, "dry-run", false, "list what would be deleted on stdout; delete nothing")
	flags.DurationVar(&c.Deadline, "deadline", 5*time.Minute, "time limit of the whole run")
	flags.BoolVar(&c.Version, "version", false, "print the version and exit")
	flags.Usage = func() { fmt.Fprint(out, usageHeader+flags.FlagUsages()) }

	if err := flagenv.Parse(flags, args, getenv, envName); err != nil {
		return c, err
	}
	c.Redis.Password = getenv(PasswordEnv)
	if c.Version {
		return c, nil
	}
	return c, c.validate()
}

func (c config) validate() error {
	var errs []string
	if c.Redis.Addr == "" {
		errs = append(errs, "no Redis address: set --redis-addr or "+envName("redis-addr"))
	}
	for _, p := range c.Redis.Validate() {
		errs = append(errs, "redis-"+p)
	}
	if c.Deadline <= 0 {
		errs = append(errs, fmt.Sprintf("deadline %s must be positive", c.Deadline))
	}
	// The job's own limits live with the logic, in one place.
	if err := (cleanup.Options{Retention: c.Retention, Batch: c.Batch, Out: io.Discard}).Validate(); err != nil {
		errs = append(errs, err.Error())
	}
	if len(errs) > 0 {
		return fmt.Errorf("invalid configuration: %s", strings.Join(errs, "; "))
	}
	return nil
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	cfg, err := parseConfig(args, getenv, stdout)
	if err != nil {
		return err
	}
	build := buildinfo.Get()
	if cfg.Version {
		_, err := fmt.Fprintln(stdout, build.Line("cleanup"))
		return err
	}
	// Logs go to stderr (zap's production default), keeping stdout for the
	// dry-run listing, so `cleanup --dry-run | grep -c ^would` counts the items.
	// The kubelet collects both streams, so nothing is lost in the cluster.
	log, err := logger.New(false, "info")
	if err != nil {
		return err
	}
	defer func() { _ = log.Sync() }()
	store.RouteRedisLogs(log)
	// The Job retries the whole run (backoffLimit); the client's one quick
	// retry only covers a connection dropped between two batches.
	rdb := store.NewClient(cfg.Redis)
	defer rdb.Close()

	// go-redis applies this deadline to each command's reads and writes, but
	// a new connection's handshake waits up to --redis-timeout regardless:
	// a run can overshoot the deadline by that much, never more.
	runCtx, cancel := context.WithTimeout(ctx, cfg.Deadline)
	defer cancel()
	started := time.Now()
	log.Info("cleanup started",
		zap.String("version", build.Version),
		zap.String("redis_addr", cfg.Redis.Addr),
		zap.Stringer("retention", cfg.Retention),
		zap.Int("batch", cfg.Batch),
		zap.Bool("dry_run", cfg.DryRun),
		zap.Stringer("deadline", cfg.Deadline),
	)

	var res cleanup.Result
	err = ping(runCtx, rdb)
	if err == nil {
		res, err = cleanup.Run(runCtx, rdb, cleanup.Options{
			Retention: cfg.Retention,
			Batch:     cfg.Batch,
			DryRun:    cfg.DryRun,
			Out:       stdout,
		})
	}
	summary := []zap.Field{
		zap.Bool("dry_run", cfg.DryRun),
		zap.Int64("events_removed", res.EventsRemoved),
		zap.Int64("stale_keys_removed", res.StaleKeysRemoved),
		zap.Int64("cache_keys_scanned", res.CacheKeysScanned),
		zap.Int("event_batches", res.EventBatches),
		zap.Int("scan_calls", res.ScanCalls),
		zap.Float64("duration_seconds", time.Since(started).Seconds()),
	}
	if !res.Cutoff.IsZero() {
		summary = append(summary, zap.Time("cutoff", res.Cutoff))
	}
	if err != nil {
		err = explain(ctx, runCtx, cfg, res, err)
		log.Error("cleanup failed", append(summary, zap.Error(err))...)
		return err
	}
	if cfg.DryRun {
		if _, err := fmt.Fprintf(stdout, "dry run: would remove %d events older than %s and %d stale cache keys (%d cache keys scanned); nothing deleted\n",
			res.EventsRemoved, res.Cutoff.UTC().Format(time.RFC3339), res.StaleKeysRemoved, res.CacheKeysScanned); err != nil {
			return err
		}
	}
	log.Info("cleanup finished", summary...)
	return nil
}

// ping checks reachability and the password before any work, so the two
// most common failures get a message that says what to fix.
func ping(ctx context.Context, rdb *redis.Client) error {
	err := rdb.Ping(ctx).Err()
	if err == nil {
		return nil
	}
	if msg := err.Error(); strings.HasPrefix(msg, "WRONGPASS") || strings.HasPrefix(msg, "NOAUTH") {
		return fmt.Errorf("authentication failed (check %s): %w", PasswordEnv, err)
	}
	return fmt.Errorf("PING: %w", err)
}

// explain turns a failure into one line that names its cause: a signal, the
// run's deadline, or Redis itself.
func explain(ctx, runCtx context.Context, cfg config, res cleanup.Result, err error) error {
	err = fmt.Errorf("redis %s: %w", cfg.Redis.Addr, err)
	done := fmt.Sprintf("%d events and %d stale cache keys removed so far", res.EventsRemoved, res.StaleKeysRemoved)
	if cfg.DryRun {
		done = "dry run, nothing deleted"
	}
	switch {
	case ctx.Err() != nil:
		// Safe to stop here: every batch is idempotent, the next run resumes.
		return fmt.Errorf("interrupted by signal (%s; the next run finishes the job): %w", done, err)
	case errors.Is(runCtx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("deadline %s exceeded (%s): %w", cfg.Deadline, done, err)
	}
	return err
}
