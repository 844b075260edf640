package logcollector

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

func TestCollectorEnrichesRecords(t *testing.T) {
	n := newNode(t)
	lf := n.container("journey", "api-0", "api", 1)
	lf.write("2026-01-02T15:04:05.5Z stdout F hello <world> & \"quotes\"\n")
	lf.write("2026-01-02T15:04:06Z stderr F oops\n")
	r := n.start()
	waitFor(t, "2 records", func() bool { return len(r.out.records(t)) == 2 })

	got := r.out.records(t)
	want := []Record{
		{Time: "2026-01-02T15:04:05.5Z", Stream: "stdout", Namespace: "journey", Pod: "api-0", Container: "api",
			ContainerID: testID(1), Node: "worker-1", Log: `hello <world> & "quotes"`},
		{Time: "2026-01-02T15:04:06Z", Stream: "stderr", Namespace: "journey", Pod: "api-0", Container: "api",
			ContainerID: testID(1), Node: "worker-1", Log: "oops"},
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("record %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	r.out.mu.Lock()
	raw := r.out.buf.String()
	r.out.mu.Unlock()
	if strings.Contains(raw, `\u003c`) || strings.Contains(raw, "truncated") {
		t.Errorf("output %q: want < unescaped and no truncated field on complete records", raw)
	}
	if got := counter(r.m.Records); got != 2 {
		t.Errorf("records metric = %v, want 2", got)
	}
	if got := counter(r.m.Files); got != 1 {
		t.Errorf("files gauge = %v, want 1", got)
	}
	// Records are flushed inside the first cycle and Ready is set when the
	// cycle returns: they may come out a moment before it.
	waitFor(t, "Ready() to turn true after the first cycle", r.c.Ready)
}

func TestCollectorJoinsPartialLines(t *testing.T) {
	n := newNode(t)
	lf := n.container("journey", "api-0", "api", 1)
	r := n.start(func(o *Options) { o.MaxRecordBytes = 1024 })

	// One record in three chunks, with a complete stderr line in between:
	// partials are joined per stream.
	head := cri("stdout", "P", "part1-") + cri("stderr", "F", "err-between") + cri("stdout", "P", "part2-")
	lf.write(head)
	// The last chunk comes in a later poll cycle: wait until the collector
	// has read everything so far, so the join crosses cycles for sure.
	// Bytes are counted as they are read and records are flushed when the
	// cycle ends, so wait for the stderr record as well.
	waitFor(t, "the first chunks read and flushed", func() bool {
		return counter(r.m.ReadBytes) == float64(len(head)) && len(r.out.records(t)) > 0
	})
	if got := r.out.records(t); len(got) != 1 || got[0].Log != "err-between" {
		t.Fatalf("before the F chunk got %+v, want only the stderr record", got)
	}
	lf.write(cri("stdout", "F", "end"))
	// Over the 1024-byte limit: written cut, flagged, the rest skipped up
	// to its F chunk; the record after it is intact.
	lf.write(cri("stdout", "P", strings.Repeat("a", 700)) + cri("stdout", "P", strings.Repeat("b", 700)) +
		cri("stdout", "F", "tail-of-long") + cri("stdout", "F", "after-long"))
	// A single physical line over the limit is cut the same way.
	lf.write(cri("stderr", "F", strings.Repeat("c", 5000)) + cri("stderr", "F", "last"))

	waitFor(t, "6 records", func() bool { return len(r.out.records(t)) >= 6 })
	got := r.out.records(t)
	want := []struct {
		stream    string
		log       string
		truncated bool
	}{
		{"stderr", "err-between", false},
		{"stdout", "part1-part2-end", false},
		{"stdout", strings.Repeat("a", 700) + strings.Repeat("b", 324), true},
		{"stdout", "after-long", false},
		{"stderr", strings.Repeat("c", 1024), true},
		{"stderr", "last", false},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d records, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		if got[i].Stream != w.stream || got[i].Log != w.log || got[i].Truncated != w.truncated {
			t.Errorf("record %d = {%s %.40q… (%d bytes) truncated=%v}, want {%s %.40q… (%d bytes) truncated=%v}",
				i, got[i].Stream, got[i].Log, len(got[i].Log), got[i].Truncated, w.stream, w.log, len(w.log), w.truncated)
		}
	}
	if got := counter(r.m.TruncatedRecords); got != 2 {
		t.Errorf("truncated records metric = %v, want 2", got)
	}
}

func TestCollectorSkipsMalformedLines(t *testing.T) {
	n := newNode(t)
	lf := n.container("journey", "api-0", "api", 1)
	lf.write(cri("stdout", "F", "good-1"))
	lf.write("this is not a CRI line\n")
	lf.write(`{"log":"docker json-file format","stream":"stdout"}` + "\n")
	lf.write(cri("stdout", "F", "good-2"))
	lf.write("\n") // empty line
	lf.write(cri("stdin", "F", "bad stream"))
	lf.write(cri("stdout", "F", "good-3"))
	r := n.start()
	waitFor(t, "3 good records", func() bool { return len(r.out.records(t)) == 3 })
	waitFor(t, "4 parse errors", func() bool { return counter(r.m.ParseErrors) == 4 })

	var logs []string
	for _, rec := range r.out.records(t) {
		logs = append(logs, rec.Log)
	}
	if got, want := strings.Join(logs, ","), "good-1,good-2,good-3"; got != want {
		t.Errorf("records = %s, want %s", got, want)
	}
}

// TestCollectorFollowsRotation: a writer writes numbered lines and rotates
// the file like the kubelet several times, each time just after writing
// lines the collector has not read yet; every line comes out exactly once,
// in order.
func TestCollectorFollowsRotation(t *testing.T) {
	n := newNode(t)
	lf := n.container("journey", "api-0", "api", 1)
	r := n.start()
	waitFor(t, "the file to be opened", func() bool { return counter(r.m.Files) == 1 })
	const total, rotations, perFile, unread = 2000, 4, 400, 50

	writerDone := make(chan struct{})
	var stuck atomic.Bool
	go func() {
		defer close(writerDone)
		var bytesWritten int
		write := func(i int) {
			line := cri("stdout", "F", seqLine(i))
			lf.write(line)
			bytesWritten += len(line)
		}
		i := 0
		for rotated := 0; rotated < rotations; rotated++ {
			for end := i + perFile - unread; i < end; i++ {
				write(i)
			}
			// The kubelet rotates at 10 MiB, so the collector has long
			// opened the current file when it rotates; a file created and
			// rotated between two polls would pass unseen. Wait until it
			// has read the file so far, then write lines it has not read
			// and rotate at once: those must be read from the old file.
			deadline := time.Now().Add(30 * time.Second)
			for counter(r.m.ReadBytes) != float64(bytesWritten) {
				if time.Now().After(deadline) {
					stuck.Store(true)
					return
				}
				time.Sleep(time.Millisecond)
			}
			for end := i + unread; i < end; i++ {
				write(i)
			}
			lf.rotate(string(rune('a' + rotated)))
		}
		for ; i < total; i++ {
			write(i)
		}
	}()
	<-writerDone
	if stuck.Load() {
		t.Fatalf("the collector did not catch up before rotation %v", counter(r.m.Rotations)+1)
	}
	waitFor(t, "all records", func() bool { return len(r.out.records(t)) >= total })
	waitFor(t, "the rotations counted", func() bool { return counter(r.m.Rotations) == rotations })
	r.stop(t)

	got := r.out.records(t)
	if len(got) != total {
		t.Fatalf("got %d records, want %d", len(got), total)
	}
	for i, rec := range got {
		if s := seqOf(rec); s != i {
			t.Fatalf("record %d has seq %d, want %d (lost, repeated or out of order)", i, s, i)
		}
	}
}

// TestCollectorFollowsTruncation: copytruncate empties the file in place
// and the writer goes on at offset 0.
func TestCollectorFollowsTruncation(t *testing.T) {
	n := newNode(t)
	lf := n.container("journey", "api-0", "api", 1)
	r := n.start()
	for i := 0; i < 50; i++ {
		lf.write(cri("stdout", "F", seqLine(i)))
	}
	waitFor(t, "50 records", func() bool { return len(r.out.records(t)) == 50 })
	if err := lf.f.Truncate(0); err != nil {
		t.Fatal(err)
	}
	// Detection compares the size with the read offset, so it must see the
	// file shorter than it was: the writer resumes once it has.
	waitFor(t, "the truncation counted", func() bool { return counter(r.m.Truncations) == 1 })
	for i := 50; i < 60; i++ {
		lf.write(cri("stdout", "F", seqLine(i)))
	}
	waitFor(t, "60 records", func() bool { return len(r.out.records(t)) >= 60 })
	r.stop(t)
	got := r.out.records(t)
	if len(got) != 60 {
		t.Fatalf("got %d records, want 60", len(got))
	}
	for i, rec := range got {
		if s := seqOf(rec); s != i {
			t.Errorf("record %d has seq %d, want %d", i, s, i)
		}
	}
}

func TestCollectorSkipsOwnPodAndExcludedNamespaces(t *testing.T) {
	n := newNode(t)
	self := n.container("journey-logs", "log-collector-abcde", "log-collector", 1)
	sibling := n.container("journey-logs", "log-collector-fghij", "log-collector", 2)
	system := n.container("kube-system", "kube-proxy-x", "kube-proxy", 3)
	app := n.container("journey", "api-0", "api", 4)
	if err := os.WriteFile(n.dir+"/not-a-kubelet-name.log", []byte(cri("stdout", "F", "stray")), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, lf := range []*logFile{self, sibling, system, app} {
		lf.write(cri("stdout", "F", "from "+lf.link))
	}
	r := n.start(func(o *Options) {
		o.SelfNamespace, o.SelfPod = "journey-logs", "log-collector-abcde"
		o.ExcludeNamespaces = []string{"kube-system", " "}
	})
	waitFor(t, "2 records", func() bool { return len(r.out.records(t)) == 2 })
	r.stop(t)
	var pods []string
	for _, rec := range r.out.records(t) {
		pods = append(pods, rec.Pod)
	}
	// Only the own pod is skipped: another collector pod's logs are data.
	if got, want := strings.Join(pods, ","), "api-0,log-collector-fghij"; got != want {
		t.Errorf("records from pods %s, want %s", got, want)
	}
}

func TestCollectorForgetsRemovedFiles(t *testing.T) {
	n := newNode(t)
	lf := n.container("journey", "api-0", "api", 1)
	r := n.start()
	lf.write(cri("stdout", "F", "one"))
	waitFor(t, "1 record", func() bool { return len(r.out.records(t)) == 1 })
	// Written just before the pod is deleted: still read via the open file.
	lf.write(cri("stdout", "F", "two"))
	if err := os.Remove(lf.link); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(lf.target); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the file to be forgotten", func() bool { return counter(r.m.Files) == 0 })
	r.stop(t)
	if got := len(r.out.records(t)); got != 2 {
		t.Errorf("got %d records, want 2 (the line written before removal too)", got)
	}
	ps, err := loadPositions(n.positions)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 0 {
		t.Errorf("positions = %+v, want none for a removed file", ps)
	}
}

// TestCollectorRestartInsidePartialRecord stops the collector while a
// record is half written, then checks the saved position and that the
// restarted collector completes the record without repeating anything.
func TestCollectorRestartInsidePartialRecord(t *testing.T) {
	n := newNode(t)
	lf := n.container("journey", "api-0", "api", 1)
	first := cri("stdout", "F", "complete")
	chunk := cri("stdout", "P", "half-")
	other := cri("stderr", "F", "stderr-done")
	lf.write(first + chunk + other)

	r1 := n.start()
	waitFor(t, "2 records", func() bool { return len(r1.out.records(t)) == 2 })
	r1.stop(t)

	ps, err := loadPositions(n.positions)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 {
		t.Fatalf("positions = %+v, want 1 file", ps)
	}
	for _, p := range ps {
		if want := int64(len(first)); p.Offset != want {
			t.Errorf("offset = %d, want %d (the start of the unfinished record)", p.Offset, want)
		}
		if want := int64(len(first + chunk + other)); p.EmittedUntil != want {
			t.Errorf("emitted_until = %d, want %d", p.EmittedUntil, want)
		}
		if !strings.HasSuffix(p.Path, ".log") {
			t.Errorf("path = %q, want the file path for humans", p.Path)
		}
	}

	lf.write(cri("stdout", "F", "done"))
	r2 := n.start()
	waitFor(t, "1 record", func() bool { return len(r2.out.records(t)) == 1 })
	r2.stop(t)
	got := r2.out.records(t)
	if len(got) != 1 || got[0].Log != "half-done" {
		t.Errorf("after restart got %+v, want exactly one record \"half-done\"", got)
	}
}

// TestCollectorRestartNeitherLosesNorRepeats writes numbered records (some
// split into partial chunks on both streams) in three phases: A while run 1
// reads (run 1 is stopped once it has emitted part of them, possibly while
// A is still being written), B while no collector runs (ending in P chunks
// whose F chunks come in C), C while run 2 reads. The records written and
// emitted must be exactly the same multiset.
func TestCollectorRestartNeitherLosesNorRepeats(t *testing.T) {
	n := newNode(t)
	files := []*logFile{n.container("journey", "api-0", "api", 1), n.container("journey", "redis-0", "redis", 2)}
	const phaseA, phaseB, total = 1500, 500, 3000
	// One record per file whose P chunk is written in phase B and whose F
	// chunk in phase C.
	splitFirst, splitLast := phaseA+phaseB, phaseA+phaseB+len(files)

	var (
		stopped      atomic.Bool  // no collector runs
		whileStopped atomic.Int64 // chunks written while stopped
	)
	fileOf := func(i int) *logFile { return files[i%len(files)] }
	streamOf := func(i int) string { return []string{"stdout", "stderr"}[i/2%2] }
	write := func(lf *logFile, s string) {
		lf.write(s)
		if stopped.Load() {
			whileStopped.Add(1)
		}
	}
	head := func(i int) string { return seqLine(i)[:len(seqLine(i))/2] }
	tail := func(i int) string { return seqLine(i)[len(seqLine(i))/2:] }
	// writeRange writes records [from, to), every third one in two chunks
	// like the runtime splitting a long line, so a stop can land between
	// them; pause slows the writer so a collector runs while it writes.
	writeRange := func(from, to int, pause bool) {
		for i := from; i < to; i++ {
			lf, stream := fileOf(i), streamOf(i)
			if i%3 == 0 {
				write(lf, cri(stream, "P", head(i)))
				write(lf, cri(stream, "F", tail(i)))
			} else {
				write(lf, cri(stream, "F", seqLine(i)))
			}
			if pause && i%50 == 0 {
				time.Sleep(time.Millisecond)
			}
		}
	}

	// Phase A, while run 1 reads.
	phaseADone := make(chan struct{})
	go func() {
		defer close(phaseADone)
		writeRange(0, phaseA, true)
	}()
	// Runs before the files are closed, also when the test fails early.
	t.Cleanup(func() { <-phaseADone })
	r1 := n.start()
	waitFor(t, "run 1 to emit some records", func() bool { return len(r1.out.records(t)) >= phaseA/5 })
	stopped.Store(true)
	r1.stop(t)
	<-phaseADone

	// Phase B: nothing reads.
	writeRange(phaseA, splitFirst, false)
	for i := splitFirst; i < splitLast; i++ {
		write(fileOf(i), cri(streamOf(i), "P", head(i)))
	}

	// Phase C, while run 2 reads.
	r2 := n.start()
	stopped.Store(false)
	for i := splitFirst; i < splitLast; i++ {
		write(fileOf(i), cri(streamOf(i), "F", tail(i)))
	}
	writeRange(splitLast, total, true)
	waitFor(t, "all records", func() bool { return len(r1.out.records(t))+len(r2.out.records(t)) >= total })
	r2.stop(t)

	emitted1, emitted2 := len(r1.out.records(t)), len(r2.out.records(t))
	t.Logf("run 1 emitted %d, %d chunks written while stopped, run 2 emitted %d", emitted1, whileStopped.Load(), emitted2)
	// Each phase happened: otherwise the test would not test a restart.
	if emitted1 == 0 || emitted1 >= total {
		t.Errorf("run 1 emitted %d records, want some but fewer than %d", emitted1, total)
	}
	if got, want := whileStopped.Load(), int64(phaseB); got < want {
		t.Errorf("%d chunks written while stopped, want at least %d", got, want)
	}
	if emitted2 == 0 {
		t.Error("run 2 emitted nothing, want the records written while stopped and after")
	}

	counts := map[int]int{}
	for _, out := range []*syncBuffer{r1.out, r2.out} {
		for _, rec := range out.records(t) {
			counts[seqOf(rec)]++
		}
	}
	for seq, c := range counts {
		if seq < 0 || seq >= total {
			t.Errorf("seq %d emitted %d times but never written", seq, c)
		} else if c != 1 {
			t.Errorf("seq %d emitted %d times, want once", seq, c)
		}
	}
	for i := 0; i < total; i++ {
		if counts[i] == 0 {
			t.Errorf("seq %d written but never emitted", i)
		}
	}
	if emitted1+emitted2 != total {
		t.Errorf("emitted %d records, written %d", emitted1+emitted2, total)
	}
}

// TestCollectorReadsFileRotatedWhileStopped: the kubelet rotates a file
// while the collector is stopped, after lines were appended to it. The
// restarted collector finds the rotated file by (dev, inode), reads it from
// the saved offset, then the new file: every line once, in order. A file
// that was not rotated resumes as before.
func TestCollectorReadsFileRotatedWhileStopped(t *testing.T) {
	n := newNode(t)
	rotated := n.container("journey", "api-0", "api", 1)
	steady := n.container("journey", "redis-0", "redis", 2)
	seq := map[*logFile]int{}
	writeLines := func(lf *logFile, k int) {
		for range k {
			lf.write(cri("stdout", "F", seqLine(seq[lf])))
			seq[lf]++
		}
	}
	writeLines(rotated, 10)
	writeLines(steady, 10)
	r1 := n.start()
	waitFor(t, "20 records", func() bool { return len(r1.out.records(t)) == 20 })
	r1.stop(t)

	writeLines(rotated, 5) // after the saved offset, in the file about to rotate
	rotated.rotate("20260102-150600")
	writeLines(rotated, 5) // the new 0.log
	writeLines(steady, 5)

	r2 := n.start()
	waitFor(t, "10 records", func() bool { return len(r2.out.records(t)) >= 10 })
	// The rotated file is closed once a poll finds nothing more in it.
	waitFor(t, "the rotated file closed", func() bool { return counter(r2.m.Files) == 2 })
	r2.stop(t)

	perPod := map[string][]int{}
	for _, out := range []*syncBuffer{r1.out, r2.out} {
		for _, rec := range out.records(t) {
			perPod[rec.Pod] = append(perPod[rec.Pod], seqOf(rec))
		}
	}
	for _, pod := range []string{"api-0", "redis-0"} {
		got := perPod[pod]
		want := make([]int, 15)
		for i := range want {
			want[i] = i
		}
		if pod == "api-0" {
			want = append(want, 15, 16, 17, 18, 19)
		}
		if !slices.Equal(got, want) {
			t.Errorf("pod %s: seqs %v, want %v (every line once, in order)", pod, got, want)
		}
	}
	if got := counter(r2.m.Rotations); got != 1 {
		t.Errorf("rotations metric = %v, want 1", got)
	}
	// The rotated file is forgotten: positions hold the two current files.
	ps, err := loadPositions(n.positions)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 {
		t.Errorf("positions = %+v, want 2 files", ps)
	}
}

// TestCollectorRotatedTwiceWhileStopped documents the limit: after two
// rotations while stopped, the middle file (created and rotated while
// stopped) has no position and is not read, and once the kubelet has
// gzipped the oldest one (a new inode) its unread lines are lost too. What
// is read is read once, in order, and nothing crashes.
func TestCollectorRotatedTwiceWhileStopped(t *testing.T) {
	tests := []struct {
		name     string
		compress bool // the kubelet gzips all but the newest rotated file
		want     []int
	}{
		{name: "oldest-kept-uncompressed-read", want: []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 16, 17, 18}},
		{name: "oldest-gzipped-lost", compress: true, want: []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 17, 18}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newNode(t)
			lf := n.container("journey", "api-0", "api", 1)
			next := 0
			writeLines := func(k int) {
				for range k {
					lf.write(cri("stdout", "F", seqLine(next)))
					next++
				}
			}
			writeLines(10)
			r1 := n.start()
			waitFor(t, "10 records", func() bool { return len(r1.out.records(t)) == 10 })
			r1.stop(t)

			writeLines(3) // 10-12 in the oldest file, after the saved offset
			first := lf.target + ".20260102-150600"
			lf.rotate("20260102-150600")
			writeLines(3) // 13-15 in the middle file
			if tt.compress {
				gzipFile(t, first)
			}
			lf.rotate("20260102-150700")
			writeLines(3) // 16-18 in the new 0.log

			r2 := n.start()
			waitFor(t, "the new file's records", func() bool {
				recs := r2.out.records(t)
				return len(recs) > 0 && seqOf(recs[len(recs)-1]) == 18
			})
			waitFor(t, "only the new file tailed", func() bool { return counter(r2.m.Files) == 1 })
			r2.stop(t)

			var got []int
			for _, out := range []*syncBuffer{r1.out, r2.out} {
				for _, rec := range out.records(t) {
					got = append(got, seqOf(rec))
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("seqs %v, want %v", got, tt.want)
			}
		})
	}
}

// gzipFile replaces path with path.gz like the kubelet: a new file.
func gzipFile(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+".gz", buf.Bytes(), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
}

func TestPositionsFile(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/positions.json"
	want := []Position{{Dev: 1, Ino: 2, Path: "/var/log/containers/a.log", Offset: 10, EmittedUntil: 20}}
	if err := savePositions(path, want); err != nil {
		t.Fatal(err)
	}
	got, err := loadPositions(path)
	if err != nil {
		t.Fatal(err)
	}
	if p := got[fileID{Dev: 1, Ino: 2}]; len(got) != 1 || p != want[0] {
		t.Errorf("loaded %+v, want %+v", got, want)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("dir holds %d files after save, want only positions.json (no temp file left)", len(entries))
	}
	var raw map[string]any
	data, _ := os.ReadFile(path)
	if err := json.Unmarshal(data, &raw); err != nil || raw["version"] != float64(1) {
		t.Errorf("positions file %s: want JSON with version 1", data)
	}

	tests := []struct {
		name    string
		content string
		wantErr string
	}{
		{name: "corrupt-json", content: "{not json", wantErr: "delete it to read all logs"},
		{name: "unknown-version", content: `{"version":9,"files":[]}`, wantErr: "version 9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := t.TempDir() + "/positions.json"
			if err := os.WriteFile(p, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := loadPositions(p); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("loadPositions error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
	if ps, err := loadPositions(t.TempDir() + "/missing.json"); err != nil || len(ps) != 0 {
		t.Errorf("missing file: got %v, %v; want empty and no error", ps, err)
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	m := NewMetrics(prometheus.NewRegistry())
	tests := []struct {
		name    string
		opts    Options
		wantErr string
	}{
		{name: "no-log-dir", opts: Options{PositionsFile: "p", Out: &syncBuffer{}, Metrics: m}, wantErr: "log dir"},
		{name: "no-positions", opts: Options{LogDir: "d", Out: &syncBuffer{}, Metrics: m}, wantErr: "positions file"},
		{name: "negative-poll", opts: Options{LogDir: "d", PositionsFile: t.TempDir() + "/p", PollInterval: -1, Out: &syncBuffer{}, Metrics: m}, wantErr: "positive"},
		{name: "no-output", opts: Options{LogDir: "d", PositionsFile: t.TempDir() + "/p", Metrics: m}, wantErr: "required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.opts); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("New error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
