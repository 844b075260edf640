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

	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.1/journey/internal/middleware"
)

// MaxNameLen is the longest name /api/v1/hello accepts, in characters.
const MaxNameLen = 64

// DefaultName is greeted when no name is given.
const DefaultName = "Cloud Native"

// StatusBody is the body of /health and /ready.
type StatusBody struct {
	Status string `json:"status"`
}

// ANCHOR: probes
// health is the liveness probe: it answers as long as the process can serve
// HTTP at all. It checks no dependency on purpose: a failing liveness probe
// restarts the container, which never fixes a dependency outage.
func (s *Server) health(c *gin.Context) {
	c.JSON(http.StatusOK, StatusBody{Status: "ok"})
}

// readiness is the readiness probe: 503 while starting and from the first
// moment of shutdown, so Kubernetes sends traffic only while we can take it.
func (s *Server) readiness(c *gin.Context) {
	if !s.ready.Load() {
		c.JSON(http.StatusServiceUnavailable, StatusBody{Status: "not ready"})
		return
	}
	c.JSON(http.StatusOK, StatusBody{Status: "ready"})
}

// ANCHOR_END: probes

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
