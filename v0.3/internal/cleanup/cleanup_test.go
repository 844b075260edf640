package cleanup

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.3/journey/internal/store"
	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.3/journey/internal/testutil/redistest"
)

// now is the tests' fixed clock: a whole millisecond, like event scores.
var now = time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)

func fixedNow() time.Time { return now }

// event is an events member at now - age, shaped like store.RecordVisit writes it.
func event(id string, age time.Duration) redis.Z {
	at := now.Add(-age)
	return redis.Z{
		Score:  store.Event{At: at}.Score(),
		Member: fmt.Sprintf(`{"id":%q,"type":"visit","at":%q,"pod":"api-0"}`, id, at.Format(time.RFC3339Nano)),
	}
}

func members(zs ...redis.Z) []string {
	out := make([]string, len(zs))
	for i, z := range zs {
		out[i] = z.Member.(string)
	}
	return out
}

// The mixed fixture: one of everything the job may or may not touch.
var (
	evOld48h       = event("old-48h", 48*time.Hour)
	evOld25h       = event("old-25h", 25*time.Hour)
	evJustExpired  = event("just-expired", 24*time.Hour+time.Millisecond)
	evAtCutoff     = event("at-cutoff", 24*time.Hour) // not older than retention: stays
	evRecent23h    = event("recent-23h", 23*time.Hour)
	evRecent1m     = event("recent-1m", time.Minute)
	mixedEvents    = []redis.Z{evOld48h, evOld25h, evJustExpired, evAtCutoff, evRecent23h, evRecent1m}
	expiredEvents  = members(evOld48h, evOld25h, evJustExpired)
	survivorEvents = members(evAtCutoff, evRecent23h, evRecent1m)

	staleKeys = []string{ // under journey:cache:, no TTL
		store.DataCacheKey("stale-1"),
		store.DataCacheKey("stale-2"),
		store.CachePrefix + "legacy:format", // not a data entry, still cache
		store.CachePrefix + "stale-hash",    // another type, still cache
	}
	freshKeys  = []string{store.DataCacheKey("fresh-1"), store.DataCacheKey("fresh-2")} // TTL set
	otherKeys  = []string{store.VisitsKey, "other:key", "journey:config", "journey:cachex:1"}
	mixedTotal = append(append(append([]string{store.EventsKey}, staleKeys...), freshKeys...), otherKeys...)
)

func seedMixed(t *testing.T, c *redis.Client) {
	t.Helper()
	ctx := context.Background()
	_, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.ZAdd(ctx, store.EventsKey, mixedEvents...)
		for _, k := range staleKeys {
			if strings.HasSuffix(k, "hash") {
				p.HSet(ctx, k, "field", "value")
			} else {
				p.Set(ctx, k, `{"id":"x"}`, 0)
			}
		}
		for _, k := range freshKeys {
			p.Set(ctx, k, `{"id":"y"}`, time.Hour)
		}
		p.Set(ctx, store.VisitsKey, 42, 0)
		p.Set(ctx, "other:key", "keep me", 0)
		p.Set(ctx, "journey:config", "not a cache key, no TTL", 0)
		p.Set(ctx, "journey:cachex:1", "looks like the prefix, is not", 0)
		return nil
	})
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
}

// seedMany writes nExpired events older than the retention and nStale cache
// keys without TTL, plus recent events and fresh keys that must survive.
func seedMany(nExpired, nStale int) func(t *testing.T, c *redis.Client) {
	return func(t *testing.T, c *redis.Client) {
		t.Helper()
		ctx := context.Background()
		_, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i := range nExpired {
				p.ZAdd(ctx, store.EventsKey, event(fmt.Sprintf("old-%04d", i), 25*time.Hour+time.Duration(i)*time.Second))
			}
			p.ZAdd(ctx, store.EventsKey, recentEvents()...)
			for i := range nStale {
				p.Set(ctx, store.DataCacheKey(fmt.Sprintf("stale-%04d", i)), "x", 0)
			}
			for i := range 50 {
				p.Set(ctx, store.DataCacheKey(fmt.Sprintf("fresh-%02d", i)), "y", time.Hour)
			}
			p.Set(ctx, store.VisitsKey, 7, 0)
			return nil
		})
		if err != nil {
			t.Fatalf("seed: %v", err)
		}
	}
}

// recentEvents are the 20 events of seedMany within the retention.
func recentEvents() []redis.Z {
	out := make([]redis.Z, 20)
	for i := range out {
		out[i] = event(fmt.Sprintf("new-%02d", i), time.Duration(i)*time.Minute)
	}
	return out
}

func manyNames(format string, n int) []string {
	out := make([]string, n)
	for i := range n {
		out[i] = fmt.Sprintf(format, i)
	}
	return out
}

// snapshot is every key with its serialized value (DUMP), walked with SCAN.
func snapshot(t *testing.T, c *redis.Client) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	it := c.Scan(ctx, 0, "*", 1000).Iterator()
	for it.Next(ctx) {
		v, err := c.Dump(ctx, it.Val()).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			t.Fatalf("DUMP %s: %v", it.Val(), err)
		}
		out[it.Val()] = v
	}
	if err := it.Err(); err != nil {
		t.Fatalf("SCAN: %v", err)
	}
	return out
}

func eventMembers(t *testing.T, c *redis.Client) []string {
	t.Helper()
	m, err := c.ZRange(context.Background(), store.EventsKey, 0, -1).Result()
	if err != nil {
		t.Fatalf("ZRANGE: %v", err)
	}
	slices.Sort(m)
	return m
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func without(all []string, drop ...string) []string {
	var out []string
	for _, s := range all {
		if !slices.Contains(drop, s) {
			out = append(out, s)
		}
	}
	return out
}

func TestRun(t *testing.T) {
	srv := redistest.Start(t)
	c := srv.Client(t)
	ctx := context.Background()

	tests := []struct {
		name       string
		seed       func(t *testing.T, c *redis.Client)
		batch      int
		wantKeys   []string // the whole keyspace after the run
		wantEvents []string // the events left
		// Exact counts. Cutoff, ScanCalls and CacheKeysScanned are checked
		// apart: SCAN may return a key twice while Redis resizes its table.
		want     Result
		minScans int // at least this many SCAN calls
	}{
		{
			name:       "deletes-exactly-the-expired-set-and-nothing-else",
			seed:       seedMixed,
			batch:      100,
			wantKeys:   without(mixedTotal, staleKeys...),
			wantEvents: survivorEvents,
			want:       Result{EventsRemoved: 3, StaleKeysRemoved: 4, CacheKeysScanned: 6, EventBatches: 1},
			minScans:   1,
		},
		{
			name:       "batch-of-one-gives-the-same-result-one-item-per-batch",
			seed:       seedMixed,
			batch:      1,
			wantKeys:   without(mixedTotal, staleKeys...),
			wantEvents: survivorEvents,
			// Three full pages of one, then the empty page that ends the loop.
			want:     Result{EventsRemoved: 3, StaleKeysRemoved: 4, CacheKeysScanned: 6, EventBatches: 3},
			minScans: 2,
		},
		{
			name:  "more-than-one-batch-removes-all-in-several-batches",
			seed:  seedMany(1050, 350),
			batch: 100,
			wantKeys: append([]string{store.EventsKey, store.VisitsKey},
				manyNames(store.DataCachePrefix+"fresh-%02d", 50)...),
			wantEvents: members(recentEvents()...),
			want:       Result{EventsRemoved: 1050, StaleKeysRemoved: 350, CacheKeysScanned: 400, EventBatches: 11},
			minScans:   4, // 400 cache keys at COUNT 100
		},
		{
			name:       "nothing-expired-removes-nothing",
			seed:       seedMany(0, 0),
			batch:      100,
			wantKeys:   append([]string{store.EventsKey, store.VisitsKey}, manyNames(store.DataCachePrefix+"fresh-%02d", 50)...),
			wantEvents: members(recentEvents()...),
			want:       Result{CacheKeysScanned: 50},
			minScans:   1,
		},
		{
			name:     "empty-redis-succeeds",
			seed:     func(*testing.T, *redis.Client) {},
			batch:    100,
			want:     Result{},
			minScans: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := c.FlushAll(ctx).Err(); err != nil {
				t.Fatal(err)
			}
			tt.seed(t, c)
			before := snapshot(t, c)

			var batches []string
			got, err := Run(ctx, c, Options{
				Retention: 24 * time.Hour, Batch: tt.batch, Now: fixedNow,
				OnBatch: func(phase string) { batches = append(batches, phase) },
			})
			if err != nil {
				t.Fatalf("Run: %v", err)
			}

			after := snapshot(t, c)
			if gotKeys, want := sorted(slices.Collect(maps.Keys(after))), sorted(tt.wantKeys); !slices.Equal(gotKeys, want) {
				t.Errorf("keyspace after run:\n got %q\nwant %q", gotKeys, want)
			}
			// Survivors are untouched, not just present (events excepted: trimmed on purpose).
			for k, v := range after {
				if k != store.EventsKey && before[k] != v {
					t.Errorf("key %s changed value during the run", k)
				}
			}
			gotEvents := eventMembers(t, c)
			if want := sorted(tt.wantEvents); !slices.Equal(gotEvents, want) {
				t.Errorf("events after run:\n got %q\nwant %q", gotEvents, want)
			}
			for _, k := range freshKeys {
				if ttl := c.TTL(ctx, k).Val(); after[k] != "" && ttl <= 0 {
					t.Errorf("fresh key %s lost its TTL: %v", k, ttl)
				}
			}

			if want := now.Add(-24 * time.Hour); !got.Cutoff.Equal(want) {
				t.Errorf("Cutoff = %v, want %v", got.Cutoff, want)
			}
			if got.ScanCalls < tt.minScans {
				t.Errorf("ScanCalls = %d, want at least %d", got.ScanCalls, tt.minScans)
			}
			if n := countPhase(batches, "keys"); n != got.ScanCalls {
				t.Errorf("OnBatch saw %d key batches, Result.ScanCalls = %d; want equal", n, got.ScanCalls)
			}
			if n := countPhase(batches, "events"); n != got.EventBatches {
				t.Errorf("OnBatch saw %d event batches, Result.EventBatches = %d; want equal", n, got.EventBatches)
			}
			if got.CacheKeysScanned < tt.want.CacheKeysScanned {
				t.Errorf("CacheKeysScanned = %d, want at least %d", got.CacheKeysScanned, tt.want.CacheKeysScanned)
			}
			got.Cutoff, got.ScanCalls, got.CacheKeysScanned = time.Time{}, 0, tt.want.CacheKeysScanned
			if got != tt.want {
				t.Errorf("Result = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func countPhase(phases []string, phase string) int {
	n := 0
	for _, p := range phases {
		if p == phase {
			n++
		}
	}
	return n
}

// TestRunDryRunListsWhatTheRealRunDeletes: a dry run changes nothing, and
// the items it lists are exactly those the real run then removes.
func TestRunDryRunListsWhatTheRealRunDeletes(t *testing.T) {
	srv := redistest.Start(t)
	c := srv.Client(t)
	ctx := context.Background()

	tests := []struct {
		name  string
		seed  func(t *testing.T, c *redis.Client)
		batch int
	}{
		{name: "mixed-fixture", seed: seedMixed, batch: 100},
		{name: "mixed-fixture-one-per-batch", seed: seedMixed, batch: 1},
		{name: "several-batches", seed: seedMany(250, 130), batch: 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := c.FlushAll(ctx).Err(); err != nil {
				t.Fatal(err)
			}
			tt.seed(t, c)
			before := snapshot(t, c)
			beforeEvents := eventMembers(t, c)

			var out bytes.Buffer
			dry, err := Run(ctx, c, Options{Retention: 24 * time.Hour, Batch: tt.batch, DryRun: true, Out: &out, Now: fixedNow})
			if err != nil {
				t.Fatalf("dry Run: %v", err)
			}
			if after := snapshot(t, c); !maps.Equal(before, after) {
				t.Fatalf("dry run changed the keyspace:\nbefore %v\nafter  %v", slices.Sorted(maps.Keys(before)), slices.Sorted(maps.Keys(after)))
			}
			var listedEvents, listedKeys []string
			for _, line := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
				if m, ok := strings.CutPrefix(line, DryRunEventPrefix); ok {
					listedEvents = append(listedEvents, m)
				} else if k, ok := strings.CutPrefix(line, DryRunKeyPrefix); ok {
					listedKeys = append(listedKeys, k)
				} else if line != "" {
					t.Errorf("unexpected dry-run line %q", line)
				}
			}
			if int64(len(listedEvents)) != dry.EventsRemoved || int64(len(listedKeys)) != dry.StaleKeysRemoved {
				t.Errorf("listed %d events and %d keys, Result counts %d and %d; want equal",
					len(listedEvents), len(listedKeys), dry.EventsRemoved, dry.StaleKeysRemoved)
			}

			real, err := Run(ctx, c, Options{Retention: 24 * time.Hour, Batch: tt.batch, Now: fixedNow})
			if err != nil {
				t.Fatalf("real Run: %v", err)
			}
			after := snapshot(t, c)
			var deletedKeys []string
			for k := range before {
				if _, ok := after[k]; !ok {
					deletedKeys = append(deletedKeys, k)
				}
			}
			if got, want := sorted(listedKeys), sorted(deletedKeys); !slices.Equal(got, want) {
				t.Errorf("dry run listed keys\n %q\nreal run deleted\n %q", got, want)
			}
			deletedEvents := without(beforeEvents, eventMembers(t, c)...)
			if got, want := sorted(listedEvents), sorted(deletedEvents); !slices.Equal(got, want) {
				t.Errorf("dry run listed events\n %q\nreal run deleted\n %q", got, want)
			}
			if tt.name == "mixed-fixture" {
				if got, want := sorted(listedEvents), sorted(expiredEvents); !slices.Equal(got, want) {
					t.Errorf("dry run listed events %q, want %q", got, want)
				}
				if got, want := sorted(listedKeys), sorted(staleKeys); !slices.Equal(got, want) {
					t.Errorf("dry run listed keys %q, want %q", got, want)
				}
			}
			if dry.EventsRemoved != real.EventsRemoved || dry.StaleKeysRemoved != real.StaleKeysRemoved {
				t.Errorf("dry run counted %d events / %d keys, real run removed %d / %d; want equal",
					dry.EventsRemoved, dry.StaleKeysRemoved, real.EventsRemoved, real.StaleKeysRemoved)
			}
		})
	}
}

// TestRunStopsBetweenBatchesWhenCancelled: a cancelled context (SIGTERM)
// stops the run after the current batch; the next run finishes the job.
func TestRunStopsBetweenBatchesWhenCancelled(t *testing.T) {
	srv := redistest.Start(t)
	c := srv.Client(t)
	seedMany(300, 0)(t, c)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	res, err := Run(ctx, c, Options{
		Retention: 24 * time.Hour, Batch: 100, Now: fixedNow,
		OnBatch: func(string) { cancel() }, // "SIGTERM" during the first batch
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run error = %v, want context.Canceled", err)
	}
	if res.EventsRemoved != 100 || res.EventBatches != 1 {
		t.Errorf("interrupted run removed %d events in %d batches, want 100 in 1", res.EventsRemoved, res.EventBatches)
	}
	if n := c.ZCard(context.Background(), store.EventsKey).Val(); n != 220 {
		t.Errorf("events left after the interrupted run = %d, want 220 (300 expired + 20 recent - 100)", n)
	}

	res, err = Run(context.Background(), c, Options{Retention: 24 * time.Hour, Batch: 100, Now: fixedNow})
	if err != nil {
		t.Fatalf("second Run: %v", err)
	}
	if res.EventsRemoved != 200 {
		t.Errorf("second run removed %d events, want the remaining 200", res.EventsRemoved)
	}
	if got, want := eventMembers(t, c), sorted(members(recentEvents()...)); !slices.Equal(got, want) {
		t.Errorf("events after both runs = %q, want %q", got, want)
	}
}

func TestRunFails(t *testing.T) {
	srv := redistest.Start(t)
	good := Options{Retention: 24 * time.Hour, Batch: 100, Now: fixedNow}

	tests := []struct {
		name    string
		client  func(t *testing.T) *redis.Client
		opts    func(o Options) Options
		wantErr string
	}{
		{name: "zero-batch-rejected", opts: func(o Options) Options { o.Batch = 0; return o }, wantErr: "batch 0 out of range 1..10000"},
		{name: "huge-batch-rejected", opts: func(o Options) Options { o.Batch = 10001; return o }, wantErr: "batch 10001 out of range 1..10000"},
		{name: "negative-retention-rejected", opts: func(o Options) Options { o.Retention = -time.Hour; return o }, wantErr: "retention -1h0m0s must be positive"},
		{name: "zero-retention-rejected", opts: func(o Options) Options { o.Retention = 0; return o }, wantErr: "retention 0s must be positive"},
		{name: "dry-run-without-output-rejected", opts: func(o Options) Options { o.DryRun = true; return o }, wantErr: "dry run needs an output"},
		{
			name: "wrong-password-fails",
			client: func(t *testing.T) *redis.Client {
				c := redis.NewClient(&redis.Options{Addr: srv.Addr, Password: "wrong", MaxRetries: -1})
				t.Cleanup(func() { _ = c.Close() })
				return c
			},
			wantErr: "WRONGPASS",
		},
		{
			name: "redis-down-fails",
			client: func(t *testing.T) *redis.Client {
				down := redistest.Start(t)
				down.Stop(t)
				c := redis.NewClient(&redis.Options{Addr: down.Addr, Password: down.Password, MaxRetries: -1})
				t.Cleanup(func() { _ = c.Close() })
				return c
			},
			wantErr: "connection refused",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := srv.Client(t)
			if tt.client != nil {
				c = tt.client(t)
			}
			o := good
			if tt.opts != nil {
				o = tt.opts(o)
			}
			_, err := Run(context.Background(), c, o)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Run error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
