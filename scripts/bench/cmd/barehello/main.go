// Command barehello is the baseline of scripts/bench/hello.sh: the smallest
// net/http server that answers GET /api/v1/hello with the same JSON shape and
// the same name rules as the v0.1 API, but without a framework, middleware,
// logging or metrics. By default its http.Server has the API's timeouts, so
// the API's req/s divided by this server's req/s is the price of gin and the
// middleware alone; -timeouts=false measures what the timeouts cost.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"
)

// Same limits and default as v0.1's handler, so both servers do the same work.
const (
	maxNameLen  = 64
	defaultName = "Cloud Native"
)

type helloBody struct {
	Message string `json:"message"`
}

type errorBody struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "barehello:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("barehello", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8081", "listen address")
	timeouts := fs.Bool("timeouts", true, "set the v0.1 API's read, write and idle timeouts (false: only ReadHeaderTimeout)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := newServer(*timeouts)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Fprintf(os.Stderr, "barehello: listening on http://%s\n", ln.Addr())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// newServer returns the server; with timeouts it is configured like
// v0.1/internal/server's. Every request then re-arms the read and write
// deadlines (runtime timers); docs/benchmarks.md has what that costs here.
func newServer(timeouts bool) *http.Server {
	srv := &http.Server{Handler: newMux(), ReadHeaderTimeout: 5 * time.Second}
	if timeouts {
		srv.ReadTimeout = 10 * time.Second
		srv.WriteTimeout = 30 * time.Second
		srv.IdleTimeout = 120 * time.Second
	}
	return srv
}

func newMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/hello", hello)
	// /ready lets the bench script wait for both servers the same way.
	mux.HandleFunc("GET /ready", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
	return mux
}

func hello(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("name")
	if name == "" {
		name = defaultName
	}
	if err := validateName(name); err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody{Error: "invalid_name", Message: err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, helloBody{Message: "Hello, " + name + "!"})
}

func validateName(name string) error {
	if !utf8.ValidString(name) {
		return errors.New("name must be valid UTF-8")
	}
	if n := utf8.RuneCountInString(name); n > maxNameLen {
		return fmt.Errorf("name must be at most %d characters, got %d", maxNameLen, n)
	}
	for _, r := range name {
		if !unicode.IsPrint(r) {
			return fmt.Errorf("name must contain only printable characters, got %q", r)
		}
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, `{"error":"internal"}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
