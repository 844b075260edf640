// Package config loads the API's configuration: built-in defaults, then an
// optional config file, then JOURNEY_* environment variables (highest
// priority), the order a Kubernetes deployment overrides things in.
package config

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"

	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.3/journey/internal/source"
	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.3/journey/internal/store"
	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.3/journey/internal/work"
)

// EnvPrefix is the prefix of every environment variable the service reads,
// e.g. JOURNEY_PORT or JOURNEY_SHUTDOWN_DRAIN.
const EnvPrefix = "JOURNEY"

// Config is the typed configuration of the API service.
type Config struct {
	// Port is the TCP port the HTTP server listens on.
	Port int `mapstructure:"port"`
	// Env is "development" (console logs) or "production" (JSON logs).
	Env      string         `mapstructure:"env"`
	Log      LogConfig      `mapstructure:"log"`
	Shutdown ShutdownConfig `mapstructure:"shutdown"`
	// Each capability owns its section: type, defaults and checks.
	Redis  store.RedisConfig `mapstructure:"redis"`
	Cache  store.CacheConfig `mapstructure:"cache"`
	Source source.Config     `mapstructure:"source"`
	Work   work.Config       `mapstructure:"work"`
}

// LogConfig is the log section.
type LogConfig struct {
	// Level is one of debug, info, warn, error.
	Level string `mapstructure:"level"`
}

// ShutdownConfig is the shutdown section.
type ShutdownConfig struct {
	// Drain is how long the server keeps serving after SIGTERM while
	// readiness already fails, so that Kubernetes can take the pod out of
	// the Service endpoints before connections are closed.
	Drain time.Duration `mapstructure:"drain"`
	// Timeout bounds http.Server.Shutdown after the drain period.
	Timeout time.Duration `mapstructure:"timeout"`
}

// Addr is the listen address for the configured port on all interfaces,
// which a container needs so the kubelet and Service can reach it.
func (c Config) Addr() string { return fmt.Sprintf(":%d", c.Port) }

// Development reports whether the service runs in development mode.
func (c Config) Development() bool { return c.Env == "development" }

// Default is the configuration with nothing set: every default, written
// once here or in the capability that owns the section.
func Default() Config {
	return Config{
		Port: 8080,
		Env:  "production",
		Log:  LogConfig{Level: "info"},
		// drain + timeout must stay below the pod's terminationGracePeriodSeconds (30 s).
		Shutdown: ShutdownConfig{Drain: 5 * time.Second, Timeout: 10 * time.Second},
		Redis:    store.DefaultRedisConfig(),
		Cache:    store.DefaultCacheConfig(),
		Source:   source.DefaultConfig(),
		Work:     work.DefaultConfig(),
	}
}

// setDefaults gives viper every key of Default(): only known keys are
// looked up in the environment, so each needs a default, even an empty one.
func setDefaults(v *viper.Viper) error {
	var m map[string]any
	if err := mapstructure.Decode(Default(), &m); err != nil {
		return fmt.Errorf("config defaults: %w", err)
	}
	for key, val := range m {
		v.SetDefault(key, val)
	}
	return nil
}

// Load builds the configuration. file may be empty (no config file); getenv
// is os.Getenv in production and a map lookup in tests, so tests never touch
// the process environment.
func Load(file string, getenv func(string) string) (Config, error) {
	v := viper.New()
	if err := setDefaults(v); err != nil {
		return Config{}, err
	}

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
	for _, sec := range []struct {
		name     string
		problems []string
	}{
		{"redis", c.Redis.Validate()},
		{"cache", c.Cache.Validate()},
		{"source", c.Source.Validate()},
		{"work", c.Work.Validate()},
	} {
		for _, p := range sec.problems {
			errs = append(errs, sec.name+"."+p)
		}
	}
	if len(errs) > 0 {
		return errors.New("invalid config: " + strings.Join(errs, "; "))
	}
	return nil
}
