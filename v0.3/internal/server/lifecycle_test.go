package server

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"
)

// TestServeShutdownOrder checks the order Kubernetes relies on: readiness
// fails at once on shutdown, requests are still served during the drain,
// and Serve returns cleanly within drain + timeout.
func TestServeShutdownOrder(t *testing.T) {
	const drain = 600 * time.Millisecond
	s := New(Options{Drain: drain, ShutdownTimeout: 2 * time.Second})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()

	if rec := get(s, "/ready"); rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("before Serve: /ready = %d, want 503", rec.Code)
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()

	waitStatus(t, base+"/ready", http.StatusOK, 2*time.Second)

	cancel() // what SIGTERM does in main
	stopped := time.Now()
	waitStatus(t, base+"/ready", http.StatusServiceUnavailable, 100*time.Millisecond)
	if got := status(t, base+"/api/v1/hello"); got != http.StatusOK {
		t.Errorf("during drain: /api/v1/hello = %d, want 200 (still serving)", got)
	}

	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve() = %v, want nil", err)
		}
		if took := time.Since(stopped); took < drain {
			t.Errorf("Serve returned %s after shutdown began, want at least the %s drain", took, drain)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return within drain + timeout")
	}
	if _, err := http.Get(base + "/health"); err == nil {
		t.Error("after Serve returned the server still accepts requests")
	}
}

func TestServeReturnsListenerError(t *testing.T) {
	s := New(Options{Drain: time.Second, ShutdownTimeout: time.Second})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close() // Serve must report the broken listener, not hang
	err = s.Serve(context.Background(), ln)
	if err == nil || !errors.Is(err, net.ErrClosed) {
		t.Errorf("Serve(closed listener) = %v, want an error wrapping net.ErrClosed", err)
	}
	if s.ready.Load() {
		t.Error("server reports ready after Serve failed")
	}
}

func status(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func waitStatus(t *testing.T, url string, want int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == want {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s did not return %d within %s (last: %v %v)", url, want, within, resp, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
