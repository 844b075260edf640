// Command portfwd is the sandbox's stand-in for the port publishing a kind node container gets
// from Docker (docker-proxy): it listens on a host address and forwards each TCP connection to a
// port of a node, so a kind config's extraPortMappings work the same way on real sandbox nodes.
//
//	portfwd 127.0.0.1:30080=198.18.0.11:30080 [more mappings...]
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "portfwd:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return errors.New("usage: portfwd LISTEN_ADDR:PORT=TARGET_ADDR:PORT ...")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var wg sync.WaitGroup
	for _, a := range args {
		listen, target, ok := strings.Cut(a, "=")
		if !ok {
			return fmt.Errorf("mapping %q: want LISTEN=TARGET", a)
		}
		if _, _, err := net.SplitHostPort(target); err != nil {
			return fmt.Errorf("mapping %q: target: %w", a, err)
		}
		ln, err := net.Listen("tcp", listen)
		if err != nil {
			return err
		}
		go func() { <-ctx.Done(); ln.Close() }()
		slog.Info("forwarding", "listen", listen, "target", target)
		wg.Go(func() { serve(ln, target) })
	}
	wg.Wait()
	return nil
}

func serve(ln net.Listener, target string) {
	for {
		c, err := ln.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				slog.Error("accept", "err", err)
			}
			return
		}
		go forward(c, target)
	}
}

// forward copies both ways and half-closes each side when the other finishes, so HTTP clients
// that close their write side still get the whole answer.
func forward(c net.Conn, target string) {
	defer c.Close()
	t, err := net.DialTimeout("tcp", target, 5*time.Second)
	if err != nil {
		// The client sees a closed connection, as with an unreachable published port in Docker.
		slog.Warn("dial target", "target", target, "err", err)
		return
	}
	defer t.Close()
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		if tc, ok := dst.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
		done <- struct{}{}
	}
	go pipe(t, c)
	go pipe(c, t)
	<-done
	<-done
}
