package store

import (
	"context"
	"sort"
	"sync"
	"time"
)

// maxCacheEntries bounds the in-memory cache: ids are client input, so an
// unbounded map would let any client grow the heap.
const maxCacheEntries = 10000

// Memory is the in-process backend used when no Redis is configured. It
// behaves like the Redis backend (TTL, counter, newest-first events) but
// lives and dies with the process, and each replica has its own.
type Memory struct {
	mu     sync.Mutex
	now    func() time.Time
	cache  map[string]memEntry
	visits int64
	events []Event // ascending by time, at most MaxEvents
}

type memEntry struct {
	value   []byte
	expires time.Time
}

// NewMemory returns an empty in-memory backend; now may be nil (time.Now).
func NewMemory(now func() time.Time) *Memory {
	if now == nil {
		now = time.Now
	}
	return &Memory{now: now, cache: make(map[string]memEntry)}
}

// Name is the backend's name in logs and /ready.
func (m *Memory) Name() string { return "memory" }

// GetCache returns a cached value that has not expired.
func (m *Memory) GetCache(_ context.Context, key string) ([]byte, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.cache[key]
	if !ok {
		return nil, false, nil
	}
	if !m.now().Before(e.expires) {
		delete(m.cache, key)
		return nil, false, nil
	}
	return append([]byte(nil), e.value...), true, nil
}

// SetCache stores a copy of value for ttl.
func (m *Memory) SetCache(_ context.Context, key string, value []byte, ttl time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if _, exists := m.cache[key]; !exists && len(m.cache) >= maxCacheEntries {
		m.evictLocked(now)
	}
	m.cache[key] = memEntry{value: append([]byte(nil), value...), expires: now.Add(ttl)}
	return nil
}

// evictLocked drops expired entries, and if the cache is still full, the
// entry closest to expiry (O(n), but only when full).
func (m *Memory) evictLocked(now time.Time) {
	var oldestKey string
	var oldest time.Time
	for k, e := range m.cache {
		if !now.Before(e.expires) {
			delete(m.cache, k)
			continue
		}
		if oldestKey == "" || e.expires.Before(oldest) {
			oldestKey, oldest = k, e.expires
		}
	}
	if len(m.cache) >= maxCacheEntries {
		delete(m.cache, oldestKey)
	}
}

// RecordVisit increments the counter and appends the event.
func (m *Memory) RecordVisit(_ context.Context, ev Event) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.visits++
	i := sort.Search(len(m.events), func(i int) bool { return m.events[i].At.After(ev.At) })
	m.events = append(m.events, Event{})
	copy(m.events[i+1:], m.events[i:])
	m.events[i] = ev
	if len(m.events) > MaxEvents {
		m.events = append(m.events[:0], m.events[len(m.events)-MaxEvents:]...)
	}
	return m.visits, nil
}

// Visits returns the counter.
func (m *Memory) Visits(context.Context) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.visits, nil
}

// RecentEvents returns up to limit events, newest first.
func (m *Memory) RecentEvents(_ context.Context, limit int) ([]Event, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Event, 0, min(limit, len(m.events)))
	for i := len(m.events) - 1; i >= 0 && len(out) < limit; i-- {
		out = append(out, m.events[i])
	}
	return out, nil
}

// Ping always succeeds: memory is never unreachable.
func (m *Memory) Ping(context.Context) error { return nil }

// Close does nothing.
func (m *Memory) Close() error { return nil }
