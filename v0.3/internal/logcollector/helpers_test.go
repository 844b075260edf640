package logcollector

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap/zaptest"
)

// testID is a container id: 64 hex digits derived from n.
func testID(n int) string { return fmt.Sprintf("%064x", n) }

// node is a fake node: the kubelet's /var/log/containers symlinks pointing
// at real files under /var/log/pods, both in a temp dir.
type node struct {
	t         *testing.T
	dir       string // plays /var/log/containers
	pods      string // plays /var/log/pods
	positions string
}

func newNode(t *testing.T) *node {
	t.Helper()
	root := t.TempDir()
	n := &node{t: t, dir: filepath.Join(root, "containers"), pods: filepath.Join(root, "pods"),
		positions: filepath.Join(root, "state", "positions.json")}
	for _, d := range []string{n.dir, n.pods} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return n
}

// logFile is one container's log as the kubelet lays it out.
type logFile struct {
	t      *testing.T
	link   string // <dir>/<pod>_<ns>_<container>-<id>.log
	target string // <pods>/<ns>_<pod>_uid/<container>/0.log
	f      *os.File
	mu     sync.Mutex
}

// container creates the log file of a container and its symlink.
func (n *node) container(ns, pod, container string, id int) *logFile {
	n.t.Helper()
	dir := filepath.Join(n.pods, ns+"_"+pod+"_uid", container)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		n.t.Fatal(err)
	}
	lf := &logFile{t: n.t, target: filepath.Join(dir, "0.log"),
		link: filepath.Join(n.dir, fmt.Sprintf("%s_%s_%s-%s.log", pod, ns, container, testID(id)))}
	lf.create()
	if err := os.Symlink(lf.target, lf.link); err != nil {
		n.t.Fatal(err)
	}
	n.t.Cleanup(func() { lf.f.Close() })
	return lf
}

func (lf *logFile) create() {
	f, err := os.OpenFile(lf.target, os.O_CREATE|os.O_WRONLY|os.O_APPEND|os.O_EXCL, 0o640)
	if err != nil {
		lf.t.Fatal(err)
	}
	lf.f = f
}

// write appends raw bytes, as the runtime does with each chunk.
func (lf *logFile) write(s string) {
	lf.mu.Lock()
	defer lf.mu.Unlock()
	if _, err := lf.f.WriteString(s); err != nil {
		panic(err) // from writer goroutines too: t.Fatal is not allowed there
	}
}

// rotate does what the kubelet does: rename 0.log, create a new 0.log.
func (lf *logFile) rotate(suffix string) {
	lf.mu.Lock()
	defer lf.mu.Unlock()
	if err := os.Rename(lf.target, lf.target+"."+suffix); err != nil {
		panic(err)
	}
	lf.f.Close()
	lf.create()
}

// cri renders one CRI log line.
func cri(stream, tag, content string) string {
	return time.Now().UTC().Format(time.RFC3339Nano) + " " + stream + " " + tag + " " + content + "\n"
}

// syncBuffer is the collector's stdout, read while it writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// records decodes every complete output line; a line that is not a Record
// fails the test.
func (b *syncBuffer) records(t *testing.T) []Record {
	t.Helper()
	b.mu.Lock()
	data := append([]byte(nil), b.buf.Bytes()...)
	b.mu.Unlock()
	// The collector's buffered writer may have written part of a record
	// so far; only lines that end are records yet.
	data = data[:bytes.LastIndexByte(data, '\n')+1]
	var out []Record
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r Record
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("output line %q is not a record: %v", sc.Text(), err)
		}
		out = append(out, r)
	}
	return out
}

// running is a collector started in the background.
type running struct {
	c       *Collector
	m       *Metrics
	out     *syncBuffer
	cancel  context.CancelFunc
	done    chan error
	stopped bool
}

type optFunc func(*Options)

// start runs a collector on n with test-speed intervals.
func (n *node) start(opts ...optFunc) *running {
	n.t.Helper()
	out := &syncBuffer{}
	m := NewMetrics(prometheus.NewRegistry())
	o := Options{
		LogDir: n.dir, PositionsFile: n.positions,
		PollInterval: 5 * time.Millisecond, FlushInterval: 20 * time.Millisecond,
		Node: "worker-1", Out: out, Metrics: m, Logger: zaptest.NewLogger(n.t),
	}
	for _, f := range opts {
		f(&o)
	}
	c, err := New(o)
	if err != nil {
		n.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{c: c, m: m, out: out, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- c.Run(ctx) }()
	n.t.Cleanup(func() {
		if !r.stopped {
			r.stop(n.t)
		}
	})
	return r
}

// stop cancels the collector like SIGTERM does and waits for Run.
func (r *running) stop(t *testing.T) {
	t.Helper()
	r.stopped = true
	r.cancel()
	select {
	case err := <-r.done:
		if err != nil {
			t.Errorf("Run returned %v after cancel, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return within 10s of cancel")
	}
}

// waitFor polls cond until it holds or the deadline passes: never a fixed
// sleep, so a loaded machine only makes the test slower, not flaky.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func counter(c prometheus.Collector) float64 { return testutil.ToFloat64(c) }

// seqLine is the content of line i of a writer: "seq=<i> <padding>".
func seqLine(i int) string { return "seq=" + strconv.Itoa(i) + " " + strings.Repeat("x", i%50) }

// seqOf extracts i from a record written with seqLine; -1 if none.
func seqOf(r Record) int {
	s, ok := strings.CutPrefix(r.Log, "seq=")
	if !ok {
		return -1
	}
	s, _, _ = strings.Cut(s, " ")
	i, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return i
}
