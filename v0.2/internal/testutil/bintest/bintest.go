// Package bintest is the shared part of the black-box tests in cmd/*: build
// the command once per test binary, stamped like a release, and collect the
// output of the processes the tests start.
package bintest

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.2/journey/internal/buildinfo"
)

// Version is what the test builds are stamped with (buildinfo's version).
const Version = "v0.2-test"

// Main builds the command in the working directory (the cmd/<name> package
// under test) into a temp dir, sets *binary to its path, runs the tests and
// returns their exit code: func TestMain(m *testing.M) { os.Exit(bintest.Main(m, "api", &binary)) }.
// buildArgs are extra `go build` arguments, e.g. the Dockerfile's tags.
func Main(m *testing.M, name string, binary *string, buildArgs ...string) int {
	dir, err := os.MkdirTemp("", name+"-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	*binary = filepath.Join(dir, name)
	args := append([]string{"build"}, buildArgs...)
	bi := reflect.TypeFor[buildinfo.Info]().PkgPath()
	args = append(args, "-o", *binary, "-ldflags",
		"-X "+bi+".version="+Version+" -X "+bi+".commit=deadbee -X "+bi+".buildTime=2026-01-01T00:00:00Z", ".")
	build := exec.Command("go", args...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "build %s: %v\n", name, err)
		return 1
	}
	return m.Run()
}

// Result is one finished run of a binary.
type Result struct {
	Code           int
	Stdout, Stderr string
}

// Run runs binary with args to completion; env is its whole environment
// (nil: the test's own). Only a binary that cannot run fails the test: the
// exit code is the caller's to check.
func Run(t testing.TB, binary string, env []string, args ...string) Result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("run %s: %v", filepath.Base(binary), err)
	}
	return Result{Code: cmd.ProcessState.ExitCode(), Stdout: stdout.String(), Stderr: stderr.String()}
}

// FreePort returns a TCP port on 127.0.0.1 that nothing listens on now.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// SyncBuffer is a bytes.Buffer that a child process's output goroutines
// may write while the test reads it.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Lines returns the complete lines written so far: a buffered logger's
// batch can reach the pipe reader in pieces, so a last line without its
// newline is still being written.
func (b *SyncBuffer) Lines() []string {
	s := b.String()
	end := strings.LastIndexByte(s, '\n')
	if end < 0 {
		return nil
	}
	return strings.Split(s[:end], "\n")
}

// WaitFor reports whether substr appears within timeout. The services
// buffer info lines for up to a second (internal/logger.FlushInterval).
func (b *SyncBuffer) WaitFor(substr string, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for !strings.Contains(b.String(), substr) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}
