package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.3/journey/internal/testutil/redistest"
)

func TestMemoryCacheExpires(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m := NewMemory(func() time.Time { return now })
	ctx := context.Background()
	if err := m.SetCache(ctx, "k", []byte("v"), time.Minute); err != nil {
		t.Fatal(err)
	}
	now = now.Add(59 * time.Second)
	if v, ok, _ := m.GetCache(ctx, "k"); !ok || string(v) != "v" {
		t.Errorf("GetCache after 59s of a 1m TTL = %q, %v; want v, true", v, ok)
	}
	now = now.Add(time.Second)
	if _, ok, _ := m.GetCache(ctx, "k"); ok {
		t.Error("GetCache at exactly the TTL = hit, want miss (expired)")
	}
}

func TestMemoryCacheIsBounded(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m := NewMemory(func() time.Time { return now })
	ctx := context.Background()
	for i := range maxCacheEntries + 500 {
		now = now.Add(time.Millisecond)
		_ = m.SetCache(ctx, fmt.Sprint(i), []byte("v"), time.Hour)
	}
	if got := len(m.cache); got != maxCacheEntries {
		t.Errorf("entries after %d distinct keys = %d, want the cap %d", maxCacheEntries+500, got, maxCacheEntries)
	}
	if _, ok, _ := m.GetCache(ctx, "0"); ok {
		t.Error("oldest key still cached, want it evicted first")
	}
	if _, ok, _ := m.GetCache(ctx, fmt.Sprint(maxCacheEntries+499)); !ok {
		t.Error("newest key evicted, want it kept")
	}
}

func TestRedisEventsAreCappedAndTolerateForeignMembers(t *testing.T) {
	srv := redistest.Start(t)
	RouteRedisLogs(zap.NewNop())
	r := NewRedis(RedisConfig{Addr: srv.Addr, Password: srv.Password, Timeout: time.Second})
	defer r.Close()
	ctx := context.Background()
	c := srv.Client(t)

	// Pre-fill MaxEvents old members in one pipeline, then record one visit.
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	pipe := c.Pipeline()
	for i := range MaxEvents {
		pipe.ZAdd(ctx, EventsKey, redis.Z{Score: float64(base.Add(time.Duration(i) * time.Millisecond).UnixMilli()), Member: fmt.Sprintf("old-%d", i)})
	}
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	ev := Event{ID: "new", Type: "visit", At: base.Add(time.Hour)}
	if n, err := r.RecordVisit(ctx, ev); err != nil || n != 1 {
		t.Fatalf("RecordVisit = %d, %v; want 1, nil", n, err)
	}
	if got := c.ZCard(ctx, EventsKey).Val(); got != MaxEvents {
		t.Errorf("events after one more than the cap = %d, want %d", got, MaxEvents)
	}
	if c.ZScore(ctx, EventsKey, "old-0").Err() != redis.Nil {
		t.Error("oldest event old-0 kept, want it trimmed")
	}
	// The "old-N" members are not JSON: the list skips them instead of failing.
	evs, err := r.RecentEvents(ctx, 3)
	if err != nil || len(evs) != 1 || evs[0].ID != "new" {
		t.Errorf("RecentEvents(3) = %+v, %v; want just the one real event", evs, err)
	}
}

func TestRedisWrongPasswordIsAnError(t *testing.T) {
	srv := redistest.Start(t)
	RouteRedisLogs(zap.NewNop())
	r := NewRedis(RedisConfig{Addr: srv.Addr, Password: "wrong", Timeout: time.Second})
	defer r.Close()
	if _, err := r.Visits(context.Background()); err == nil {
		t.Error("Visits with a wrong password = nil error, want an auth error")
	}
	if err := r.Ping(context.Background()); err == nil {
		t.Error("Ping with a wrong password = nil error, want an auth error")
	}
}
