// Package source simulates a slow backing service (a database, a remote
// API): the thing a cache exists to protect.
package source

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Item is what the source returns for an id.
type Item struct {
	ID    string `json:"id"`
	Value string `json:"value"`
	// GeneratedAt is when the source produced the item; on a cache hit it
	// shows how old the cached copy is.
	GeneratedAt time.Time `json:"generated_at"`
}

// Slow answers every Fetch after Latency. Its value is derived from the id,
// so two fetches of the same id agree, like rows of a real table.
type Slow struct {
	Latency time.Duration
	Now     func() time.Time // nil means time.Now
}

// Fetch returns the item for id after the configured latency, or the
// context's error if the caller gives up first (client gone, timeout).
func (s Slow) Fetch(ctx context.Context, id string) (Item, error) {
	t := time.NewTimer(s.Latency)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return Item{}, ctx.Err()
	case <-t.C:
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	sum := sha256.Sum256([]byte(id))
	return Item{ID: id, Value: hex.EncodeToString(sum[:8]), GeneratedAt: now().UTC()}, nil
}
