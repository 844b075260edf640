// Package store keeps the API's state: the cache of the slow data source, a
// visit counter and a list of recent events. Redis is the real backend; an
// in-memory backend with the same behaviour lets the API run with nothing
// else installed.
package store

import "time"

// The Redis key layout, shared by the API and the cleanup job.
const (
	// CachePrefix holds every cache entry. Each is written with a TTL; one
	// without (TTL -1) never expires and is removed by cmd/cleanup.
	CachePrefix = "journey:cache:"
	// DataCachePrefix + id caches GET /api/v1/data/:id.
	DataCachePrefix = CachePrefix + "data:"
	// VisitsKey is the visit counter. It must survive a Redis restart (AOF).
	VisitsKey = "journey:visits"
	// EventsKey is a sorted set of recent events: score = Unix milliseconds,
	// member = the event's JSON. cmd/cleanup trims it by age.
	EventsKey = "journey:events"
)

// MaxEvents caps the events list between two cleanup runs, so a burst of
// visits cannot grow Redis without bound if the CronJob stops running.
const MaxEvents = 10000

// DataCacheKey is the cache key of one data item.
func DataCacheKey(id string) string { return DataCachePrefix + id }

// Event is one entry of the recent-events list.
type Event struct {
	ID   string    `json:"id"`
	Type string    `json:"type"`
	At   time.Time `json:"at"`
	Pod  string    `json:"pod,omitempty"`
}

// Score is the event's sorted-set score: its time in Unix milliseconds.
func (e Event) Score() float64 { return float64(e.At.UnixMilli()) }
