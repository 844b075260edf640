package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.2/journey/internal/middleware"
	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.2/journey/internal/source"
	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.2/journey/internal/store"
)

// cacheMetrics show how the cache and the store behind it are doing.
type cacheMetrics struct {
	// requests counts cache lookups by result: hit, miss or error (Redis
	// failed and the request went to the source).
	requests *prometheus.CounterVec
	// storeErrors counts failed store operations by operation, so a Redis
	// outage shows up even where no cache is involved (visits, events).
	storeErrors *prometheus.CounterVec
	// storeUp is 1 while the store answers pings, 0 during an outage.
	storeUp prometheus.Gauge
}

func newCacheMetrics(reg prometheus.Registerer) *cacheMetrics {
	m := &cacheMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cache_requests_total",
			Help: "Cache lookups by result: hit, miss, or error (cache bypassed).",
		}, []string{"result"}),
		storeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "store_errors_total",
			Help: "Failed store (Redis) operations, by operation.",
		}, []string{"op"}),
		storeUp: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "store_up",
			Help: "1 while the store (Redis or memory) answers pings, 0 while it does not.",
		}),
	}
	// Pre-create the label values so a dashboard shows 0 instead of nothing
	// before the first hit, miss or error.
	for _, r := range []string{"hit", "miss", "error"} {
		m.requests.WithLabelValues(r)
	}
	reg.MustRegister(m.requests, m.storeErrors, m.storeUp)
	return m
}

// Store states, as last seen by a ping or a request.
const (
	storeUnknown int32 = iota
	storeUp
	storeDown
)

// Store is what the handlers need from internal/store (Redis or memory).
type Store interface {
	Name() string
	GetCache(ctx context.Context, key string) ([]byte, bool, error)
	SetCache(ctx context.Context, key string, value []byte, ttl time.Duration) error
	RecordVisit(ctx context.Context, ev store.Event) (int64, error)
	Visits(ctx context.Context) (int64, error)
	RecentEvents(ctx context.Context, limit int) ([]store.Event, error)
	Ping(ctx context.Context) error
}

// Source is the slow backing service the cache protects.
type Source interface {
	Fetch(ctx context.Context, id string) (source.Item, error)
}

const (
	// MaxIDLen bounds /api/v1/data/:id; ids become Redis keys.
	MaxIDLen = 64
	// DefaultEventsLimit and MaxEventsLimit bound /api/v1/events?limit=.
	DefaultEventsLimit = 10
	MaxEventsLimit     = 100
	// StatusClientClosedRequest is nginx's convention for "the client went
	// away before the answer": it keeps such requests out of the 5xx counts.
	StatusClientClosedRequest = 499
	// sourceTimeout bounds one shared fetch (config caps latency at 10s).
	sourceTimeout = 15 * time.Second
)

// ValidateID accepts 1 to MaxIDLen characters of [A-Za-z0-9_-]: safe as part
// of a Redis key and in a URL, and nothing a client could use to address
// another key.
func ValidateID(id string) error {
	if id == "" || len(id) > MaxIDLen {
		return fmt.Errorf("id must be 1-%d characters, got %d", MaxIDLen, len(id))
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return fmt.Errorf("id may contain only letters, digits, '-' and '_', got %q", r)
		}
	}
	return nil
}

// ANCHOR: cache-aside
// data serves GET /api/v1/data/:id with the cache-aside pattern: look in the
// cache; on a miss, fetch from the slow source and fill the cache with a TTL.
// A failing cache is bypassed, never fatal: the request is slower, not lost.
func (s *Server) data(c *gin.Context) {
	id := c.Param("id")
	if err := ValidateID(id); err != nil {
		middleware.AbortWithError(c, http.StatusBadRequest, "invalid_id", err.Error())
		return
	}
	ctx := c.Request.Context()
	key := store.DataCacheKey(id)

	cached, ok, err := s.store.GetCache(ctx, key)
	cacheUp := err == nil
	switch {
	case err != nil && ctx.Err() != nil:
		// The client left (wrk stopping, a browser tab closed): not a cache
		// failure, and nobody is waiting for an answer.
		c.AbortWithStatus(StatusClientClosedRequest)
		return
	case err != nil:
		s.storeFailed("cache_get", err)
		s.cacheMetrics.requests.WithLabelValues("error").Inc()
	case ok:
		var item source.Item
		if json.Unmarshal(cached, &item) == nil && item.ID == id {
			s.cacheMetrics.requests.WithLabelValues("hit").Inc()
			c.Header("X-Cache", "HIT")
			c.JSON(http.StatusOK, item)
			return
		}
		// An entry we cannot read is overwritten below, like a miss.
		fallthrough
	default:
		s.cacheMetrics.requests.WithLabelValues("miss").Inc()
	}

	item, err := s.fetch(ctx, id)
	if err != nil {
		middleware.AbortWithError(c, http.StatusServiceUnavailable, "source_unavailable", "data source: "+err.Error())
		return
	}
	if cacheUp {
		b, _ := json.Marshal(item) // a struct of strings and a time: cannot fail
		if err := s.store.SetCache(ctx, key, b, s.opts.Cache.TTL); err != nil {
			s.storeFailed("cache_set", err)
		}
	}
	c.Header("X-Cache", "MISS")
	c.JSON(http.StatusOK, item)
}

// ANCHOR_END: cache-aside

// ANCHOR: singleflight
// fetch collapses concurrent misses for one id into a single source call
// (singleflight), so a popular key expiring does not send a stampede of
// identical queries to the slow source. The shared call is detached from any
// one caller's cancellation; each caller still stops waiting when it leaves.
func (s *Server) fetch(ctx context.Context, id string) (source.Item, error) {
	ch := s.flight.DoChan(id, func() (any, error) {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sourceTimeout)
		defer cancel()
		return s.source.Fetch(fctx, id)
	})
	select {
	case <-ctx.Done():
		return source.Item{}, ctx.Err()
	case r := <-ch:
		if r.Err != nil {
			return source.Item{}, r.Err
		}
		return r.Val.(source.Item), nil
	}
}

// ANCHOR_END: singleflight

// VisitsBody is the body of /api/v1/visits.
type VisitsBody struct {
	Visits int64        `json:"visits"`
	Store  string       `json:"store"`
	Event  *store.Event `json:"event,omitempty"`
}

// ANCHOR: record-visit
// recordVisit counts a visit and adds it to the recent events. Unlike the
// cache, the counter has no fallback: when Redis is down the client gets a
// 503 that names the cause, instead of a number that would silently be wrong.
func (s *Server) recordVisit(c *gin.Context) {
	ev := store.Event{
		ID:   uuid.NewString(),
		Type: "visit",
		At:   s.opts.Now().UTC(),
		Pod:  s.opts.Pod.Name,
	}
	n, err := s.store.RecordVisit(c.Request.Context(), ev)
	if err != nil {
		s.storeUnavailable(c, "record_visit", err)
		return
	}
	c.JSON(http.StatusOK, VisitsBody{Visits: n, Store: s.store.Name(), Event: &ev})
}

// ANCHOR_END: record-visit
func (s *Server) visits(c *gin.Context) {
	n, err := s.store.Visits(c.Request.Context())
	if err != nil {
		s.storeUnavailable(c, "visits", err)
		return
	}
	c.JSON(http.StatusOK, VisitsBody{Visits: n, Store: s.store.Name()})
}

// EventsBody is the body of /api/v1/events.
type EventsBody struct {
	Events []store.Event `json:"events"`
}

func (s *Server) events(c *gin.Context) {
	limit := DefaultEventsLimit
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxEventsLimit {
			middleware.AbortWithError(c, http.StatusBadRequest, "invalid_limit",
				fmt.Sprintf("limit must be an integer from 1 to %d, got %q", MaxEventsLimit, v))
			return
		}
		limit = n
	}
	evs, err := s.store.RecentEvents(c.Request.Context(), limit)
	if err != nil {
		s.storeUnavailable(c, "events", err)
		return
	}
	c.JSON(http.StatusOK, EventsBody{Events: evs})
}

// ANCHOR: store-failed
func (s *Server) storeUnavailable(c *gin.Context, op string, err error) {
	s.storeFailed(op, err)
	middleware.AbortWithError(c, http.StatusServiceUnavailable, "store_unavailable",
		s.store.Name()+" unavailable: "+err.Error())
}

// storeFailed counts a failed store operation. It logs only the first
// failure of an outage (and watchStore logs the recovery): at hundreds of
// requests per second, one warning per request would bury everything else.
func (s *Server) storeFailed(op string, err error) {
	if errors.Is(err, context.Canceled) {
		return // the client left; Redis is fine
	}
	s.cacheMetrics.storeErrors.WithLabelValues(op).Inc()
	if s.storeState.Swap(storeDown) != storeDown {
		s.cacheMetrics.storeUp.Set(0)
		s.log.Warn("store unavailable: cache bypassed, counters answer 503 until it is back",
			zap.String("store", s.store.Name()), zap.String("op", op), zap.Error(err))
	}
}

// ANCHOR_END: store-failed
// ANCHOR: watch-store
// watchStore pings the store every interval until ctx ends, keeps the
// store_up gauge current and logs each outage and recovery once. It never
// touches readiness: see readiness for why.
func (s *Server) watchStore(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		pctx, cancel := context.WithTimeout(ctx, every)
		err := s.store.Ping(pctx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		switch {
		case err == nil && s.storeState.Swap(storeUp) != storeUp:
			s.cacheMetrics.storeUp.Set(1)
			s.log.Info("store available", zap.String("store", s.store.Name()))
		case err != nil:
			s.storeFailed("ping", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// ANCHOR_END: watch-store
