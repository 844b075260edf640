// Package middleware holds the gin middleware every request passes through:
// request ID, panic recovery, access log and Prometheus metrics.
package middleware

import (
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.1/journey/internal/metrics"
)

// RequestIDHeader carries the request ID in both directions. Header names
// are case-insensitive; the canonical spelling lets http.Header skip
// re-canonicalising it on every Get and Set.
const RequestIDHeader = "X-Request-Id"

const (
	// maxRequestIDLen bounds an ID taken from a client: it ends up in every
	// log line of the request.
	maxRequestIDLen = 128
	// UnmatchedRoute labels requests that matched no route, so unknown URLs
	// share one time series.
	UnmatchedRoute = "unmatched"
)

// RequestID honours a well-formed incoming X-Request-ID (so one ID follows a
// request across services) and otherwise generates one. The ID is set on the
// response header, where GetRequestID reads it for logs and error bodies.
func RequestID() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader(RequestIDHeader)
		if !validRequestID(id) {
			id = uuid.NewString()
		}
		// The response header is the single place the ID lives: no per-request
		// context map to allocate, and handlers read it back from there.
		c.Header(RequestIDHeader, id)
		c.Next()
	}
}

// validRequestID accepts 1..128 visible ASCII characters, which keeps
// header injection and log forging out.
func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < 0x21 || id[i] > 0x7e {
			return false
		}
	}
	return true
}

// GetRequestID returns the request's ID, or "" before RequestID ran.
func GetRequestID(c *gin.Context) string {
	return c.Writer.Header().Get(RequestIDHeader)
}

// Recovery turns a panic in a handler into a 500 JSON response and an error
// log with the stack, so one bad request never takes the process down.
func Recovery(log *zap.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			rec := recover()
			if rec == nil {
				return
			}
			if err, ok := rec.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				// net/http's documented way to abort a response: let it do so.
				panic(rec)
			}
			log.Error("panic recovered",
				zap.Any("panic", rec),
				zap.String("request_id", GetRequestID(c)),
				zap.String("method", c.Request.Method),
				zap.String("path", c.Request.URL.Path),
				zap.Stack("stack"),
			)
			if c.Writer.Written() {
				// Headers are gone already; the best we can do is stop.
				c.Abort()
				return
			}
			AbortWithError(c, http.StatusInternalServerError, "internal", "internal server error")
		}()
		c.Next()
	}
}

// ErrorBody is the JSON body of every error response.
type ErrorBody struct {
	Code      string `json:"code"`
	Error     string `json:"error"`
	RequestID string `json:"request_id,omitempty"`
}

// AbortWithError writes an ErrorBody with the given status and stops the chain.
func AbortWithError(c *gin.Context, status int, code, msg string) {
	c.AbortWithStatusJSON(status, ErrorBody{Code: code, Error: msg, RequestID: GetRequestID(c)})
}

// accessLogFields recycles the access log's field slices. zap's Core.Write
// takes the fields through an interface, so a fresh slice per request would
// escape to the heap: 512 bytes of pointers for the GC to scan, on a request
// that costs ~18 µs in all (docs/benchmarks.md).
var accessLogFields = sync.Pool{New: func() any {
	fields := make([]zap.Field, 0, 8) // the eight fields below
	return &fields
}}

// AccessLog writes one structured line per request after it completes.
// Requests to quietRoutes (the probes) are logged at debug level whatever
// their status: a 503 from /ready while draining is expected, not an error.
func AccessLog(log *zap.Logger, quietRoutes ...string) gin.HandlerFunc {
	// The caller would always be this function; skipping runtime.Caller
	// saves about a microsecond per request.
	log = log.WithOptions(zap.WithCaller(false))
	quiet := make(map[string]bool, len(quietRoutes))
	for _, r := range quietRoutes {
		quiet[r] = true
	}
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		latency := time.Since(start)
		status := c.Writer.Status()
		level := zapcore.InfoLevel
		switch {
		case quiet[c.FullPath()]:
			level = zapcore.DebugLevel
		case status >= 500:
			level = zapcore.ErrorLevel
		case status >= 400:
			level = zapcore.WarnLevel
		}
		// Check first: at a level that is off, no field is even built.
		ce := log.Check(level, "request")
		if ce == nil {
			return
		}
		buf := accessLogFields.Get().(*[]zap.Field)
		fields := append((*buf)[:0],
			zap.String("request_id", GetRequestID(c)),
			zap.String("method", c.Request.Method),
			zap.String("path", c.Request.URL.Path),
			zap.String("route", routeLabel(c)),
			zap.Int("status", status),
			zap.Duration("latency", latency),
			zap.Int("bytes", c.Writer.Size()),
			// No proxy is trusted (server.routes), so the client is the peer:
			// RemoteIP skips ClientIP's forwarded-header walk.
			zap.String("client_ip", c.RemoteIP()),
		)
		// Cores encode the fields before Write returns (zap's observer, used
		// in tests, copies them), so the slice can be reused right after;
		// clearing it first keeps the pool from pinning request strings.
		ce.Write(fields...)
		clear(fields)
		*buf = fields
		accessLogFields.Put(buf)
	}
}

// ANCHOR: metrics
// Metrics records request counts and latencies labelled by route template.
func Metrics(m *metrics.HTTP) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := routeLabel(c)
		m.Observe(methodLabel(c.Request.Method), route, c.Writer.Status(), time.Since(start))
	}
}

// methodLabel folds methods outside the standard set into "other": the
// method is client input too, and must not grow the label space.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "other"
}

func routeLabel(c *gin.Context) string {
	if route := c.FullPath(); route != "" {
		return route
	}
	return UnmatchedRoute
}

// ANCHOR_END: metrics
