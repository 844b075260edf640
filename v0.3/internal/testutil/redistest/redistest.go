// Package redistest starts a real redis-server for tests: on 127.0.0.1, on a
// free port, with its data in the test's temp dir, a password and AOF on, so
// tests exercise what production does (AUTH, persistence across restarts).
//
// Without a redis-server binary the test is skipped with a loud message,
// except in CI (CI=true), where a missing server is a failure: CI must never
// go green by skipping the real-server tests.
package redistest

import (
	"context"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.3/journey/internal/testutil/bintest"
)

// Server is one redis-server process plus its data directory, which
// survives Stop/Start and Kill/Start, like a StatefulSet pod's volume.
type Server struct {
	Addr     string
	Password string

	bin  string
	dir  string
	port int

	mu    sync.Mutex
	cmd   *exec.Cmd
	waitc chan error // cmd.Wait's result
	log   *bintest.SyncBuffer
}

// Start starts a server and registers its shutdown with t.Cleanup.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("redis-server not found on PATH: CI must run the real-Redis tests (scripts/install-deps.sh installs it)")
		}
		t.Skipf("SKIP (no real Redis): redis-server not found on PATH; install it (apt-get install redis-server) to run this test")
	}
	s := &Server{
		bin:      bin,
		dir:      t.TempDir(),
		port:     bintest.FreePort(t),
		Password: "test-password",
	}
	s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
	s.Start(t)
	t.Cleanup(func() { s.stop(t, os.Interrupt) })
	return s
}

// Start (re)starts the server on the same port and data dir and waits until
// it answers PING.
func (s *Server) Start(t testing.TB) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		t.Fatalf("redistest: server on %s already running", s.Addr)
	}
	s.log = &bintest.SyncBuffer{}
	cmd := exec.Command(s.bin,
		"--bind", "127.0.0.1",
		"--port", strconv.Itoa(s.port),
		"--dir", s.dir,
		"--requirepass", s.Password,
		// The same persistence settings as k8s/redis/configmap.yaml.
		"--appendonly", "yes",
		"--appendfsync", "everysec",
		"--save", "",
		"--daemonize", "no",
		"--logfile", "",
	)
	cmd.Stdout, cmd.Stderr = s.log, s.log
	if err := cmd.Start(); err != nil {
		t.Fatalf("redistest: start redis-server: %v", err)
	}
	s.cmd = cmd
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	c := redis.NewClient(&redis.Options{Addr: s.Addr, Password: s.Password, MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			s.waitc = exited
			return
		}
		select {
		case werr := <-exited:
			s.cmd = nil
			t.Fatalf("redistest: redis-server exited during start-up (%v):\n%s", werr, s.log.String())
		default:
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-exited
			s.cmd = nil
			t.Fatalf("redistest: redis-server on %s did not answer PING within 15s: %v\n%s", s.Addr, err, s.log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop shuts the server down cleanly (SIGTERM: Redis flushes the AOF).
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	s.stop(t, syscall.SIGTERM)
}

// Kill ends the server with SIGKILL, like an OOM kill: with appendfsync
// everysec the last second or two of writes may be lost.
func (s *Server) Kill(t testing.TB) {
	t.Helper()
	s.stop(t, syscall.SIGKILL)
}

func (s *Server) stop(t testing.TB, sig os.Signal) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(sig)
	select {
	case <-s.waitc:
	case <-time.After(15 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.waitc
		t.Errorf("redistest: redis-server on %s ignored %v for 15s; killed it", s.Addr, sig)
	}
	s.cmd = nil
}

// Client returns a go-redis client for the server, closed at test end.
func (s *Server) Client(t testing.TB) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: s.Addr, Password: s.Password})
	t.Cleanup(func() { _ = c.Close() })
	return c
}
