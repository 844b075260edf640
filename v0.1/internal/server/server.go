// Package server wires the HTTP handlers, middleware and the server's
// lifecycle: readiness, drain and graceful shutdown.
package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"

	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.1/journey/internal/buildinfo"
	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.1/journey/internal/metrics"
	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.1/journey/internal/middleware"
)

// PodInfo is what the Downward API tells the pod about itself; every field
// is empty when the service runs outside Kubernetes.
type PodInfo struct {
	Name      string `json:"name,omitempty"`
	Namespace string `json:"namespace,omitempty"`
	Node      string `json:"node,omitempty"`
	IP        string `json:"ip,omitempty"`
}

// Options are the server's dependencies and settings.
type Options struct {
	Logger   *zap.Logger
	Build    buildinfo.Info
	Hostname string
	Pod      PodInfo
	// Drain is how long to keep serving after shutdown starts while
	// readiness already fails.
	Drain time.Duration
	// ShutdownTimeout bounds the graceful shutdown after the drain.
	ShutdownTimeout time.Duration
	// Now is the clock, replaceable in tests; nil means time.Now.
	Now func() time.Time
}

// Server is the API service. Handlers are its methods, so each test gets an
// isolated instance with its own registry and readiness state.
type Server struct {
	opts    Options
	log     *zap.Logger
	reg     *prometheus.Registry
	metrics *metrics.HTTP
	started time.Time
	ready   atomic.Bool
	handler http.Handler
}

// New builds a server; it is not ready until Serve runs.
func New(opts Options) *Server {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	reg := metrics.NewRegistry(opts.Build)
	s := &Server{
		opts:    opts,
		log:     opts.Logger,
		reg:     reg,
		metrics: metrics.NewHTTP(reg),
		started: opts.Now(),
	}
	s.handler = s.routes()
	return s
}

// Handler returns the HTTP handler with all middleware.
func (s *Server) Handler() http.Handler { return s.handler }

// SetReady flips readiness; Serve does it at start and at shutdown.
func (s *Server) SetReady(ready bool) { s.ready.Store(ready) }

func (s *Server) routes() http.Handler {
	// Release mode silences gin's debug route dump: all output goes through zap.
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	// No proxy in front is trusted, so gin never takes the client address
	// from X-Forwarded-For (a client could spoof it); the access log uses
	// the peer address.
	if err := r.SetTrustedProxies(nil); err != nil {
		panic(err) // nil never fails; a failure here is a programming error
	}
	// Order matters: the request ID first so every later log has it; metrics
	// and access log outside recovery so a recovered panic is counted as 500.
	r.Use(
		middleware.RequestID(),
		middleware.Metrics(s.metrics),
		// Probes hit every pod every few seconds: log them at debug only.
		middleware.AccessLog(s.log, "/health", "/ready"),
		middleware.Recovery(s.log),
	)
	r.NoRoute(func(c *gin.Context) {
		middleware.AbortWithError(c, http.StatusNotFound, "not_found", "no route for "+c.Request.URL.Path)
	})
	r.NoMethod(func(c *gin.Context) {
		middleware.AbortWithError(c, http.StatusMethodNotAllowed, "method_not_allowed",
			"method "+c.Request.Method+" not allowed on "+c.Request.URL.Path)
	})

	r.GET("/health", s.health)
	r.GET("/ready", s.readiness)
	r.GET("/metrics", gin.WrapH(promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{
		Registry: s.reg, // also count the handler's own errors
	})))
	v1 := r.Group("/api/v1")
	v1.GET("/hello", s.hello)
	v1.GET("/info", s.info)
	return r
}

// ANCHOR: serve
// Serve serves on ln until ctx is cancelled (SIGTERM in main), then shuts
// down in the order Kubernetes needs:
//  1. readiness fails at once. The pod is already marked terminating in its
//     EndpointSlices; failing readiness also tells health-checking load
//     balancers and anything else that probes us;
//  2. the server keeps serving for the drain period, because kube-proxy on
//     every node and external load balancers keep routing to the pod until
//     they have seen that change;
//  3. http.Server.Shutdown closes idle connections and waits for in-flight
//     requests, bounded by the shutdown timeout.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 5 * time.Second, // slow-loris guard
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          zap.NewStdLog(s.log.Named("http")),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	s.SetReady(true)
	s.log.Info("server ready", zap.String("addr", ln.Addr().String()))

	select {
	case err := <-errc:
		s.SetReady(false)
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}

	s.SetReady(false)
	s.log.Info("shutdown started: readiness failing, draining", zap.Duration("drain", s.opts.Drain))
	select {
	case <-time.After(s.opts.Drain):
	case err := <-errc:
		return fmt.Errorf("serve during drain: %w", err)
	}

	sctx, cancel := context.WithTimeout(context.Background(), s.opts.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("graceful shutdown did not finish within %s: %w", s.opts.ShutdownTimeout, err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	s.log.Info("shutdown complete")
	return nil
}

// ANCHOR_END: serve
