// Package cleanup removes expired data from Redis for the cleanup CronJob:
// events older than a retention period and cache keys that would never
// expire. It works in bounded batches, so Redis (single-threaded) never runs
// one long command on our behalf and the API keeps being served in between.
package cleanup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.3/journey/internal/store"
)

// Batch bounds. Every command the job sends touches at most MaxBatch items:
// larger batches would block Redis for longer per command for little gain.
const (
	MinBatch = 1
	MaxBatch = 10000
)

// Options configure one run.
type Options struct {
	// Retention: events with a score older than now - Retention are removed.
	Retention time.Duration
	// Batch is the size of each ZRANGEBYSCORE page and the SCAN COUNT hint.
	Batch int
	// DryRun lists what would be deleted on Out and deletes nothing.
	DryRun bool
	// Out receives one line per item in a dry run.
	Out io.Writer
	// Now is the clock (time.Now when nil); tests fix it.
	Now func() time.Time
	// OnBatch, when set, is called after each batch with the phase
	// ("events" or "keys"). Tests use it to observe batching and to
	// interrupt a run between two batches.
	OnBatch func(phase string)
}

// Validate reports every bad option in one error a person can act on.
func (o Options) Validate() error {
	var errs []string
	if o.Retention <= 0 {
		errs = append(errs, fmt.Sprintf("retention %s must be positive (events older than now - retention are removed)", o.Retention))
	}
	if o.Batch < MinBatch || o.Batch > MaxBatch {
		errs = append(errs, fmt.Sprintf("batch %d out of range %d..%d", o.Batch, MinBatch, MaxBatch))
	}
	if o.DryRun && o.Out == nil {
		errs = append(errs, "dry run needs an output for the items it would delete")
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}

// Result counts what a run did. In a dry run the "removed" counts are what
// would have been removed.
type Result struct {
	// Cutoff is now - retention; events with an older score were removed.
	Cutoff           time.Time
	EventsRemoved    int64
	StaleKeysRemoved int64
	// CacheKeysScanned counts keys under store.CachePrefix that SCAN
	// returned (SCAN may return a key twice while Redis rehashes).
	CacheKeysScanned int64
	// EventBatches counts ZRANGEBYSCORE pages that found events.
	EventBatches int
	// ScanCalls counts SCAN round trips.
	ScanCalls int
}

// Dry-run line prefixes, so a reader (or a test) can tell items apart.
const (
	DryRunEventPrefix = "would remove event: "
	DryRunKeyPrefix   = "would unlink stale key: "
)

// Run removes expired events, then stale cache keys. It checks ctx between
// batches and returns ctx's error when cancelled (e.g. on SIGTERM). Stopping
// part-way is safe: each batch is idempotent (ZREM / UNLINK of items that are
// already gone remove nothing), so the next run simply finishes the job.
func Run(ctx context.Context, rdb redis.Cmdable, o Options) (Result, error) {
	if err := o.Validate(); err != nil {
		return Result{}, err
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	// One cutoff for the whole run, so a slow run does not chase a moving target.
	res := Result{Cutoff: now().Add(-o.Retention)}
	if err := removeEvents(ctx, rdb, o, &res); err != nil {
		return res, err
	}
	if err := removeStaleKeys(ctx, rdb, o, &res); err != nil {
		return res, err
	}
	return res, nil
}

func removeEvents(ctx context.Context, rdb redis.Cmdable, o Options, res *Result) error {
	// "(" makes the bound exclusive: an event exactly at the cutoff stays.
	// Scores are Unix milliseconds (store.Event.Score), so is the cutoff.
	page := &redis.ZRangeBy{
		Min:   "-inf",
		Max:   "(" + strconv.FormatInt(res.Cutoff.UnixMilli(), 10),
		Count: int64(o.Batch),
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		members, err := rdb.ZRangeByScore(ctx, store.EventsKey, page).Result()
		if err != nil {
			return fmt.Errorf("ZRANGEBYSCORE %s: %w", store.EventsKey, err)
		}
		if len(members) == 0 {
			return nil
		}
		res.EventBatches++
		if o.DryRun {
			// Nothing is removed, so page forward instead of re-reading page 0.
			// (Should the API trim the set meanwhile, ranks shift and the
			// preview may miss an event; the real run never pages.)
			for _, m := range members {
				if _, err := fmt.Fprintf(o.Out, "%s%s\n", DryRunEventPrefix, m); err != nil {
					return err
				}
			}
			res.EventsRemoved += int64(len(members))
			page.Offset += int64(len(members))
		} else {
			// ZREM exactly the members read, never ZREMRANGEBYSCORE over the
			// whole range: one command per batch, bounded work for Redis.
			n, err := rdb.ZRem(ctx, store.EventsKey, toAny(members)...).Result()
			if err != nil {
				return fmt.Errorf("ZREM %s: %w", store.EventsKey, err)
			}
			res.EventsRemoved += n
		}
		if o.OnBatch != nil {
			o.OnBatch("events")
		}
		if len(members) < o.Batch {
			return nil // a short page is the last one
		}
	}
}

func removeStaleKeys(ctx context.Context, rdb redis.Cmdable, o Options, res *Result) error {
	// SCAN walks the keyspace a few keys per call; KEYS would block every
	// other client until it had walked all of it.
	var (
		cursor uint64
		listed map[string]bool // dry run: SCAN may return a key twice
	)
	if o.DryRun {
		listed = map[string]bool{}
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		keys, next, err := rdb.Scan(ctx, cursor, store.CachePrefix+"*", int64(o.Batch)).Result()
		if err != nil {
			return fmt.Errorf("SCAN %s*: %w", store.CachePrefix, err)
		}
		res.ScanCalls++
		res.CacheKeysScanned += int64(len(keys))
		stale, err := withoutTTL(ctx, rdb, keys)
		if err != nil {
			return err
		}
		switch {
		case o.DryRun:
			for _, k := range stale {
				if listed[k] {
					continue
				}
				listed[k] = true
				if _, err := fmt.Fprintf(o.Out, "%s%s\n", DryRunKeyPrefix, k); err != nil {
					return err
				}
				res.StaleKeysRemoved++
			}
		case len(stale) > 0:
			// UNLINK frees the memory in a background thread, unlike DEL.
			// A key re-SET with a TTL between our TTL check and here would be
			// removed too: for a cache that costs one miss, nothing more.
			n, err := rdb.Unlink(ctx, stale...).Result()
			if err != nil {
				return fmt.Errorf("UNLINK: %w", err)
			}
			res.StaleKeysRemoved += n
		}
		if o.OnBatch != nil {
			o.OnBatch("keys")
		}
		cursor = next
		if cursor == 0 {
			return nil
		}
	}
}

// withoutTTL returns the keys whose TTL is -1 (no expiry), asking for all
// TTLs in one pipelined round trip. TTL -2 means the key vanished since SCAN
// (expired or deleted): nothing to do.
func withoutTTL(ctx context.Context, rdb redis.Cmdable, keys []string) ([]string, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	cmds := make([]*redis.DurationCmd, len(keys))
	_, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.TTL(ctx, k)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("TTL of %d keys: %w", len(keys), err)
	}
	var stale []string
	for i, c := range cmds {
		if c.Val() == -1 {
			stale = append(stale, keys[i])
		}
	}
	return stale, nil
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
