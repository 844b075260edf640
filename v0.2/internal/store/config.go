package store

import (
	"fmt"
	"net"
	"time"
)

// RedisConfig is the redis section of the API's config and the cleanup
// job's --redis-* flags: every Redis client here is built from it.
type RedisConfig struct {
	// Addr is host:port of Redis. Empty means no Redis: the API keeps its
	// cache, counter and events in memory.
	Addr string `mapstructure:"addr"`
	// Password comes from a Secret via JOURNEY_REDIS_PASSWORD, never from a
	// config file or a flag (a ConfigMap and the pod spec are readable by
	// anyone who can read the namespace; a flag shows in ps).
	Password string `mapstructure:"password"`
	DB       int    `mapstructure:"db"`
	// Timeout bounds dialling and every command, so a Redis outage slows a
	// request by at most this much before the fallback.
	Timeout time.Duration `mapstructure:"timeout"`
}

// DefaultRedisConfig is no Redis (in memory) with a short timeout.
func DefaultRedisConfig() RedisConfig { return RedisConfig{Timeout: 500 * time.Millisecond} }

// Validate lists every problem, named by key without the section prefix.
func (c RedisConfig) Validate() []string {
	var errs []string
	if c.Addr != "" {
		if _, port, err := net.SplitHostPort(c.Addr); err != nil || port == "" {
			errs = append(errs, fmt.Sprintf("addr %q must be host:port", c.Addr))
		}
	}
	if c.DB < 0 || c.DB > 15 {
		errs = append(errs, fmt.Sprintf("db %d out of range (0-15)", c.DB))
	}
	if c.Timeout <= 0 || c.Timeout > 10*time.Second {
		errs = append(errs, fmt.Sprintf("timeout %s must be in (0s, 10s]", c.Timeout))
	}
	return errs
}

// CacheConfig is the cache section of the API's config.
type CacheConfig struct {
	// TTL is how long a cached item lives.
	TTL time.Duration `mapstructure:"ttl"`
}

// DefaultCacheConfig keeps items for a minute.
func DefaultCacheConfig() CacheConfig { return CacheConfig{TTL: time.Minute} }

// Validate lists every problem, named by key without the section prefix.
func (c CacheConfig) Validate() []string {
	if c.TTL < time.Second || c.TTL > 24*time.Hour {
		return []string{fmt.Sprintf("ttl %s must be between 1s and 24h", c.TTL)}
	}
	return nil
}
