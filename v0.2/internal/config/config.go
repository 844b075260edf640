// Package config loads the API's configuration: built-in defaults, then an
// optional config file, then JOURNEY_* environment variables (highest
// priority), the order a Kubernetes deployment overrides things in.
package config

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/spf13/viper"
)

// EnvPrefix is the prefix of every environment variable the service reads,
// e.g. JOURNEY_PORT or JOURNEY_SHUTDOWN_DRAIN.
const EnvPrefix = "JOURNEY"

// Config is the typed configuration of the API service.
type Config struct {
	// Port is the TCP port the HTTP server listens on.
	Port int `mapstructure:"port"`
	// Env is "development" (console logs) or "production" (JSON logs).
	Env string `mapstructure:"env"`
	Log struct {
		// Level is one of debug, info, warn, error.
		Level string `mapstructure:"level"`
	} `mapstructure:"log"`
	Shutdown struct {
		// Drain is how long the server keeps serving after SIGTERM while
		// readiness already fails, so that Kubernetes can take the pod out of
		// the Service endpoints before connections are closed.
		Drain time.Duration `mapstructure:"drain"`
		// Timeout bounds http.Server.Shutdown after the drain period.
		Timeout time.Duration `mapstructure:"timeout"`
	} `mapstructure:"shutdown"`
	// ANCHOR: redis-config
	Redis struct {
		// Addr is host:port of Redis. Empty means no Redis: the API keeps
		// its cache, counter and events in memory.
		Addr string `mapstructure:"addr"`
		// Password comes from a Secret via JOURNEY_REDIS_PASSWORD, never
		// from the config file (which lives in a ConfigMap).
		Password string `mapstructure:"password"`
		DB       int    `mapstructure:"db"`
		// Timeout bounds dialling and every command, so a Redis outage
		// slows a request by at most this much before the fallback.
		Timeout time.Duration `mapstructure:"timeout"`
	} `mapstructure:"redis"`
	Cache struct {
		// TTL is how long a cached item lives.
		TTL time.Duration `mapstructure:"ttl"`
	} `mapstructure:"cache"`
	Source struct {
		// Latency is how slow the simulated data source is.
		Latency time.Duration `mapstructure:"latency"`
	} `mapstructure:"source"`
	// ANCHOR_END: redis-config
}

// Addr is the listen address for the configured port on all interfaces,
// which a container needs so the kubelet and Service can reach it.
func (c Config) Addr() string { return fmt.Sprintf(":%d", c.Port) }

// Development reports whether the service runs in development mode.
func (c Config) Development() bool { return c.Env == "development" }

func setDefaults(v *viper.Viper) {
	v.SetDefault("port", 8080)
	v.SetDefault("env", "production")
	v.SetDefault("log.level", "info")
	// drain + timeout must stay below the pod's terminationGracePeriodSeconds (30 s).
	v.SetDefault("shutdown.drain", 5*time.Second)
	v.SetDefault("shutdown.timeout", 10*time.Second)
	// Every key needs a default, even an empty one: only known keys are
	// looked up in the environment.
	v.SetDefault("redis.addr", "")
	v.SetDefault("redis.password", "")
	v.SetDefault("redis.db", 0)
	v.SetDefault("redis.timeout", 500*time.Millisecond)
	v.SetDefault("cache.ttl", 60*time.Second)
	v.SetDefault("source.latency", 100*time.Millisecond)
}

// ANCHOR: load
// Load builds the configuration. file may be empty (no config file); getenv
// is os.Getenv in production and a map lookup in tests, so tests never touch
// the process environment.
func Load(file string, getenv func(string) string) (Config, error) {
	v := viper.New()
	setDefaults(v)

	if file != "" {
		v.SetConfigFile(file)
		if err := v.ReadInConfig(); err != nil {
			return Config{}, fmt.Errorf("read config file %s: %w", file, err)
		}
		// The file is in git and in a ConfigMap, which any reader of the
		// namespace can read: a password there is a leak, so refuse it.
		if v.GetString("redis.password") != "" {
			return Config{}, fmt.Errorf("config file %s sets redis.password: the password comes only from %s (a Secret), never from the file", file, EnvName("redis.password"))
		}
	}

	// Environment variables override the file. Viper's AutomaticEnv reads the
	// process environment directly; binding each known key explicitly keeps
	// the getenv seam and documents every variable the service reads.
	for _, key := range v.AllKeys() {
		name := EnvName(key)
		if val := getenv(name); val != "" {
			v.Set(key, val)
		}
	}

	var cfg Config
	// UnmarshalExact rejects unknown keys, so a typo in a config file
	// ("shutdwon") fails loudly instead of being ignored.
	if err := v.UnmarshalExact(&cfg); err != nil {
		return Config{}, fmt.Errorf("decode config: %w", err)
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// EnvName maps a config key such as "shutdown.drain" to its environment
// variable, JOURNEY_SHUTDOWN_DRAIN.
func EnvName(key string) string {
	return EnvPrefix + "_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// ANCHOR_END: load

// Validate reports every invalid value at once, so one run shows all mistakes.
func (c Config) Validate() error {
	var errs []string
	if c.Port < 1 || c.Port > 65535 {
		errs = append(errs, fmt.Sprintf("port %d out of range (1-65535)", c.Port))
	}
	switch c.Env {
	case "development", "production":
	default:
		errs = append(errs, fmt.Sprintf("env %q unknown (want development or production)", c.Env))
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Sprintf("log.level %q unknown (want debug, info, warn or error)", c.Log.Level))
	}
	if c.Shutdown.Drain < 0 {
		errs = append(errs, fmt.Sprintf("shutdown.drain %s must not be negative", c.Shutdown.Drain))
	}
	if c.Shutdown.Timeout <= 0 {
		errs = append(errs, fmt.Sprintf("shutdown.timeout %s must be positive", c.Shutdown.Timeout))
	}
	if c.Redis.Addr != "" {
		if _, port, err := net.SplitHostPort(c.Redis.Addr); err != nil || port == "" {
			errs = append(errs, fmt.Sprintf("redis.addr %q must be host:port", c.Redis.Addr))
		}
	}
	if c.Redis.DB < 0 || c.Redis.DB > 15 {
		errs = append(errs, fmt.Sprintf("redis.db %d out of range (0-15)", c.Redis.DB))
	}
	if c.Redis.Timeout <= 0 || c.Redis.Timeout > 10*time.Second {
		errs = append(errs, fmt.Sprintf("redis.timeout %s must be in (0s, 10s]", c.Redis.Timeout))
	}
	if c.Cache.TTL < time.Second || c.Cache.TTL > 24*time.Hour {
		errs = append(errs, fmt.Sprintf("cache.ttl %s must be between 1s and 24h", c.Cache.TTL))
	}
	if c.Source.Latency < 0 || c.Source.Latency > 10*time.Second {
		errs = append(errs, fmt.Sprintf("source.latency %s must be between 0s and 10s", c.Source.Latency))
	}
	if len(errs) > 0 {
		return errors.New("invalid config: " + strings.Join(errs, "; "))
	}
	return nil
}
