package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
	"go.uber.org/zap"
)

// Redis is the Redis backend. go-redis keeps a connection pool and redials
// on its own, so after an outage the next command simply works again.
type Redis struct {
	c *redis.Client
}

// NewRedis returns a backend; it does not connect until the first command.
func NewRedis(c RedisConfig) *Redis { return &Redis{c: NewClient(c)} }

// NewClient is the one go-redis client setup of every binary here: each
// command is bounded by c.Timeout and retried once at most, so a Redis
// outage costs a caller one timeout, not a pile of them.
func NewClient(c RedisConfig) *redis.Client {
	return redis.NewClient(&redis.Options{
		Addr:        c.Addr,
		Password:    c.Password,
		DB:          c.DB,
		DialTimeout: c.Timeout,
		// go-redis retries a failed dial 5 times with a 100 ms pause by
		// default; during an outage that would add half a second to every
		// request before it falls back. One attempt, and let the next
		// request (or the next ping) try again.
		DialerRetries: 1,
		ReadTimeout:   c.Timeout,
		WriteTimeout:  c.Timeout,
		PoolTimeout:   c.Timeout,
		// One quick retry covers a connection the server closed while idle
		// (e.g. after a Redis restart); more would only delay the fallback.
		MaxRetries: 1,
		// Maintenance notifications are a Redis Enterprise/Cloud feature;
		// plain Redis answers the handshake with an error. Skip it.
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
	})
}

// RouteRedisLogs sends go-redis's own log lines (pool dial failures, which
// it prints with the standard logger to stderr) to zap at debug level: they
// would break the JSON log stream, and every caller reports the failed
// command itself. go-redis keeps the logger in a global, so main calls this
// once.
func RouteRedisLogs(log *zap.Logger) {
	redis.SetLogger(redisLogger{log.Named("go-redis").Sugar()})
}

type redisLogger struct{ s *zap.SugaredLogger }

func (l redisLogger) Printf(_ context.Context, format string, v ...any) { l.s.Debugf(format, v...) }

// Name is the backend's name in logs and /ready.
func (r *Redis) Name() string { return "redis" }

// GetCache returns a cached value; ok is false on a miss.
func (r *Redis) GetCache(ctx context.Context, key string) ([]byte, bool, error) {
	b, err := r.c.Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("redis GET %s: %w", key, err)
	}
	return b, true, nil
}

// SetCache stores a value that expires after ttl.
func (r *Redis) SetCache(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := r.c.Set(ctx, key, value, ttl).Err(); err != nil {
		return fmt.Errorf("redis SET %s: %w", key, err)
	}
	return nil
}

// ANCHOR: record-visit
// RecordVisit increments the counter and appends the event in one MULTI/EXEC
// transaction, so the two never disagree.
func (r *Redis) RecordVisit(ctx context.Context, ev Event) (int64, error) {
	member, err := json.Marshal(ev)
	if err != nil {
		return 0, err
	}
	var incr *redis.IntCmd
	_, err = r.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		incr = p.Incr(ctx, VisitsKey)
		p.ZAdd(ctx, EventsKey, redis.Z{Score: ev.Score(), Member: member})
		// Keep only the newest MaxEvents (ranks are ascending by time).
		p.ZRemRangeByRank(ctx, EventsKey, 0, -MaxEvents-1)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("redis record visit: %w", err)
	}
	return incr.Val(), nil
}

// ANCHOR_END: record-visit
// Visits returns the counter; a missing key means no visit yet.
func (r *Redis) Visits(ctx context.Context) (int64, error) {
	n, err := r.c.Get(ctx, VisitsKey).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("redis GET %s: %w", VisitsKey, err)
	}
	return n, nil
}

// RecentEvents returns up to limit events, newest first.
func (r *Redis) RecentEvents(ctx context.Context, limit int) ([]Event, error) {
	members, err := r.c.ZRevRange(ctx, EventsKey, 0, int64(limit)-1).Result()
	if err != nil {
		return nil, fmt.Errorf("redis ZREVRANGE %s: %w", EventsKey, err)
	}
	events := make([]Event, 0, len(members))
	for _, m := range members {
		var ev Event
		if err := json.Unmarshal([]byte(m), &ev); err != nil {
			// A foreign member (someone ZADDed by hand) must not break the list.
			continue
		}
		events = append(events, ev)
	}
	return events, nil
}

// Ping checks that Redis answers.
func (r *Redis) Ping(ctx context.Context) error {
	if err := r.c.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis PING: %w", err)
	}
	return nil
}

// Close closes the connection pool.
func (r *Redis) Close() error { return r.c.Close() }
