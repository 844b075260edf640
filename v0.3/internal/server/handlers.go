package server

import (
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.3/journey/internal/middleware"
)

// MaxNameLen is the longest name /api/v1/hello accepts, in characters.
const MaxNameLen = 64

// DefaultName is greeted when no name is given.
const DefaultName = "Cloud Native"

// StatusBody is the body of /health and /ready.
type StatusBody struct {
	Status string `json:"status"`
	// Store is reported by /ready for people, not for the kubelet: see readiness.
	Store *StoreStatus `json:"store,omitempty"`
}

// StoreStatus says which store the API uses and whether it last answered.
type StoreStatus struct {
	Backend string `json:"backend"`
	Up      bool   `json:"up"`
}

// health is the liveness probe: it answers as long as the process can serve
// HTTP at all. It checks no dependency on purpose: a failing liveness probe
// restarts the container, which never fixes a dependency outage.
func (s *Server) health(c *gin.Context) {
	c.JSON(http.StatusOK, StatusBody{Status: "ok"})
}

// readiness is the readiness probe: 503 while starting and from the first
// moment of shutdown, so Kubernetes sends traffic only while we can take it.
//
// It does not fail when Redis is down. Every replica shares that Redis, so
// all of them would turn unready together and the Service would have no
// endpoints at all: a cache outage would become a full outage, although
// hello, info and uncached data still work. The body reports the store for
// humans; the store_up metric is what alerting watches.
func (s *Server) readiness(c *gin.Context) {
	st := &StoreStatus{Backend: s.store.Name(), Up: s.storeState.Load() == storeUp}
	if !s.ready.Load() {
		c.JSON(http.StatusServiceUnavailable, StatusBody{Status: "not ready", Store: st})
		return
	}
	c.JSON(http.StatusOK, StatusBody{Status: "ready", Store: st})
}

// HelloBody is the body of /api/v1/hello.
type HelloBody struct {
	Message string `json:"message"`
}

func (s *Server) hello(c *gin.Context) {
	name := c.Query("name")
	if name == "" {
		name = DefaultName
	}
	if err := ValidateName(name); err != nil {
		middleware.AbortWithError(c, http.StatusBadRequest, "invalid_name", err.Error())
		return
	}
	c.JSON(http.StatusOK, HelloBody{Message: "Hello, " + name + "!"})
}

// ValidateName accepts at most MaxNameLen printable characters, in any
// script (so 世界 is fine); anything else is a client error.
func ValidateName(name string) error {
	if !utf8.ValidString(name) {
		return errors.New("name must be valid UTF-8")
	}
	if n := utf8.RuneCountInString(name); n > MaxNameLen {
		return fmt.Errorf("name must be at most %d characters, got %d", MaxNameLen, n)
	}
	for _, r := range name {
		if !unicode.IsPrint(r) {
			return fmt.Errorf("name must contain only printable characters, got %q", r)
		}
	}
	return nil
}

// InfoBody is the body of /api/v1/info.
type InfoBody struct {
	Version       string   `json:"version"`
	Commit        string   `json:"commit"`
	BuildTime     string   `json:"build_time"`
	GoVersion     string   `json:"go_version"`
	Hostname      string   `json:"hostname"`
	Pod           *PodInfo `json:"pod,omitempty"`
	Uptime        string   `json:"uptime"`
	UptimeSeconds float64  `json:"uptime_seconds"`
}

func (s *Server) info(c *gin.Context) {
	up := s.opts.Now().Sub(s.started)
	body := InfoBody{
		Version:       s.opts.Build.Version,
		Commit:        s.opts.Build.Commit,
		BuildTime:     s.opts.Build.BuildTime,
		GoVersion:     runtime.Version(),
		Hostname:      s.opts.Hostname,
		Uptime:        up.Round(time.Second).String(),
		UptimeSeconds: up.Seconds(),
	}
	if s.opts.Pod != (PodInfo{}) {
		pod := s.opts.Pod
		body.Pod = &pod
	}
	c.JSON(http.StatusOK, body)
}
