package logcollector

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

// Options configure a Collector. Zero durations and sizes take the defaults.
type Options struct {
	// LogDir holds the kubelet's symlinks, /var/log/containers on a node.
	LogDir string
	// PositionsFile stores read offsets across restarts.
	PositionsFile string
	// PollInterval is how often LogDir is listed and files are read.
	PollInterval time.Duration
	// FlushInterval bounds how often the positions file is written.
	FlushInterval time.Duration
	// MaxRecordBytes caps one record's log content; longer records are cut
	// and marked truncated instead of being buffered without limit.
	MaxRecordBytes int
	// Node is added to every record (Downward API spec.nodeName).
	Node string
	// SelfNamespace and SelfPod name the collector's own pod, whose files
	// are never read: they hold the collector's own stdout, so reading them
	// would emit every record again, forever.
	SelfNamespace, SelfPod string
	// ExcludeNamespaces are never read.
	ExcludeNamespaces []string

	Out     io.Writer // the data stream, one JSON record per line
	Logger  *zap.Logger
	Metrics *Metrics
}

// Defaults for Options.
const (
	DefaultPollInterval   = time.Second
	DefaultFlushInterval  = time.Second
	DefaultMaxRecordBytes = 256 << 10

	// readBudget bounds the bytes read from one file per cycle, so one busy
	// file cannot starve the others or delay a shutdown.
	readBudget = 1 << 20
	// malformedReportEvery aggregates parse errors into one log line per
	// period instead of one per bad line (a bad file could flood stderr).
	malformedReportEvery = 10 * time.Second
	// lineHeaderAllowance is room for "<time> <stream> <tag> " on top of
	// MaxRecordBytes in one physical line.
	lineHeaderAllowance = 256
)

// Record is one line of output.
type Record struct {
	Time        string `json:"time"`
	Stream      string `json:"stream"`
	Namespace   string `json:"namespace"`
	Pod         string `json:"pod"`
	Container   string `json:"container"`
	ContainerID string `json:"container_id"`
	Node        string `json:"node"`
	Log         string `json:"log"`
	Truncated   bool   `json:"truncated,omitempty"`
}

// Collector tails the log files of one node. Run it once.
type Collector struct {
	opts      Options
	log       *zap.Logger
	m         *Metrics
	out       *bufio.Writer
	enc       *json.Encoder
	exclude   map[string]bool
	positions map[fileID]Position // loaded at start, consumed when files open

	files   map[string]*tailer // current file for each path in LogDir
	retired []*tailer          // rotated files still drained until quiet
	ignored map[string]bool    // names already reported as not kubelet logs
	readBuf []byte

	lastSaved []Position // what the positions file holds, sorted by path
	lastSave  time.Time

	malformed       map[string]int // per path since the last report
	malformedSample string
	lastReport      time.Time

	resumed bool // resumeRotated has run
	ready   atomic.Bool
}

// New validates opts and loads the positions file.
func New(opts Options) (*Collector, error) {
	if opts.LogDir == "" {
		return nil, errors.New("log dir must not be empty")
	}
	if opts.PositionsFile == "" {
		return nil, errors.New("positions file must not be empty")
	}
	if opts.PollInterval == 0 {
		opts.PollInterval = DefaultPollInterval
	}
	if opts.FlushInterval == 0 {
		opts.FlushInterval = DefaultFlushInterval
	}
	if opts.MaxRecordBytes == 0 {
		opts.MaxRecordBytes = DefaultMaxRecordBytes
	}
	if opts.PollInterval < 0 || opts.FlushInterval < 0 {
		return nil, errors.New("poll and flush intervals must be positive")
	}
	if opts.MaxRecordBytes < 0 {
		return nil, errors.New("max record bytes must be positive")
	}
	if opts.Out == nil || opts.Metrics == nil {
		return nil, errors.New("Out and Metrics are required")
	}
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	if err := os.MkdirAll(filepath.Dir(opts.PositionsFile), 0o755); err != nil {
		return nil, fmt.Errorf("positions directory: %w", err)
	}
	positions, err := loadPositions(opts.PositionsFile)
	if err != nil {
		return nil, err
	}
	c := &Collector{
		opts:      opts,
		log:       opts.Logger,
		m:         opts.Metrics,
		out:       bufio.NewWriterSize(opts.Out, 64<<10),
		exclude:   map[string]bool{},
		positions: positions,
		files:     map[string]*tailer{},
		ignored:   map[string]bool{},
		readBuf:   make([]byte, 64<<10),
		malformed: map[string]int{},
	}
	c.enc = json.NewEncoder(c.out)
	c.enc.SetEscapeHTML(false) // log lines are not HTML; keep "<" readable
	for _, ns := range opts.ExcludeNamespaces {
		if ns = strings.TrimSpace(ns); ns != "" {
			c.exclude[ns] = true
		}
	}
	return c, nil
}

// Ready reports whether the first directory scan has completed.
func (c *Collector) Ready() bool { return c.ready.Load() }

// Run tails files until ctx is cancelled, then writes out everything read,
// saves the positions and returns nil. It returns an error only when the
// output or the positions file cannot be written.
//
// Delivery: a graceful stop (ctx cancelled) saves exactly what was written,
// so a restart neither loses nor repeats a line. A crash (SIGKILL, OOM, node
// failure) between writing records and the next save repeats at most the
// records of the last FlushInterval on restart: at-least-once, never loss.
func (c *Collector) Run(ctx context.Context) error {
	defer c.closeAll()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return c.shutdown()
		case <-timer.C:
		}
		busy, err := c.cycle(ctx)
		if err != nil {
			return err
		}
		c.ready.Store(true)
		// A file with more to read than one cycle's budget is read again at
		// once; otherwise wait for the next poll.
		if busy {
			timer.Reset(0)
		} else {
			timer.Reset(c.opts.PollInterval)
		}
	}
}

func (c *Collector) shutdown() error {
	if err := c.out.Flush(); err != nil {
		return fmt.Errorf("write records: %w", err)
	}
	c.reportMalformed(true)
	if err := c.save(); err != nil {
		return err
	}
	c.log.Info("collector stopped, positions saved", zap.String("positions", c.opts.PositionsFile))
	return nil
}

// cycle scans the directory, reads every file, writes the records out, and
// saves positions when due. The order matters: positions are saved only
// after the records they cover are flushed.
//
// Why polling and not inotify: the files are symlinks into
// /var/log/pods/<pod>/<container>/, so the writes happen in directories
// inotify would have to watch one by one (and re-watch as pods come and go);
// on a hostPath the events are easy to miss, and a missed event stalls a
// file for good. Polling once a second costs one readdir and one stat per
// file and can never miss a rotation or a write.
func (c *Collector) cycle(ctx context.Context) (busy bool, err error) {
	if !c.resumed {
		c.resumed = true
		c.resumeRotated()
	}
	// Rotated files first: their lines come before the new file's. A
	// rotated file was read to its end when the rotation was seen, and is
	// kept one more poll in case the runtime wrote to it before reopening.
	kept := c.retired[:0]
	for _, t := range c.retired {
		n, _, err := c.drain(t)
		if err != nil || n == 0 {
			c.closeTailer(t, "rotated file drained")
			continue
		}
		kept = append(kept, t)
	}
	c.retired = kept
	if err := c.scan(); err != nil {
		return false, err
	}
	paths := make([]string, 0, len(c.files))
	for p := range c.files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		if ctx.Err() != nil {
			break
		}
		t := c.files[p]
		_, more, err := c.readFile(t)
		if err != nil {
			c.log.Warn("read failed, file dropped", zap.String("path", t.path), zap.Error(err))
			delete(c.files, p)
			c.closeTailer(t, "read error")
			continue
		}
		busy = busy || more
	}
	c.m.Files.Set(float64(len(c.files) + len(c.retired)))
	if err := c.out.Flush(); err != nil {
		return false, fmt.Errorf("write records: %w", err)
	}
	c.reportMalformed(false)
	if time.Since(c.lastSave) >= c.opts.FlushInterval {
		if err := c.save(); err != nil {
			return false, err
		}
	}
	return busy, nil
}

// scan lists LogDir, opens new files, and detects rotated and removed ones.
func (c *Collector) scan() error {
	entries, err := os.ReadDir(c.opts.LogDir)
	if err != nil {
		return fmt.Errorf("list %s: %w", c.opts.LogDir, err)
	}
	seen := make(map[string]bool, len(entries))
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".log") {
			continue
		}
		meta, ok := ParseFileName(name)
		if !ok {
			if !c.ignored[name] {
				c.ignored[name] = true
				c.log.Warn("ignoring file: name is not <pod>_<namespace>_<container>-<id>.log", zap.String("name", name))
			}
			continue
		}
		if c.skip(meta) {
			continue
		}
		path := filepath.Join(c.opts.LogDir, name)
		// The name exists, so the file is not removed, even if the symlink
		// dangles for a moment: during a rotation, between the kubelet's
		// rename of 0.log and the creation of the new one.
		seen[path] = true
		fi, err := os.Stat(path) // follows the symlink into /var/log/pods
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		id, err := idOf(fi)
		if err != nil {
			return err
		}
		old := c.files[path]
		if old != nil && old.id == id {
			continue
		}
		if old != nil {
			// Same name, another file: the kubelet rotated the log (renamed
			// 0.log and made a new one). The open descriptor still reads the
			// old file; read it to the end before the new one.
			c.m.Rotations.Inc()
			c.log.Info("file rotated", zap.String("path", path), zap.Any("old", old.id), zap.Any("new", id))
			delete(c.files, path)
			if _, _, err := c.drain(old); err != nil {
				c.closeTailer(old, "read error")
			} else {
				c.retired = append(c.retired, old)
			}
		}
		t, err := c.open(path, meta)
		if err != nil {
			c.log.Warn("cannot open file", zap.String("path", path), zap.Error(err))
			continue
		}
		c.files[path] = t
	}
	for path, t := range c.files {
		if seen[path] {
			continue
		}
		// Removed: the kubelet deleted the symlink (the container is gone). The descriptor keeps the
		// data readable: read what is left, then forget the file.
		delete(c.files, path)
		_, _, _ = c.drain(t)
		c.closeTailer(t, "file removed")
	}
	return nil
}

// skip reports whether a file is never read: an excluded namespace or the
// collector's own pod.
func (c *Collector) skip(meta FileMeta) bool {
	return c.exclude[meta.Namespace] || (meta.Namespace == c.opts.SelfNamespace && meta.Pod == c.opts.SelfPod)
}

// open starts tailing path, resuming from a saved position of the same file.
func (c *Collector) open(path string, meta FileMeta) (*tailer, error) {
	return c.openFile(path, path, meta)
}

// openFile opens name and tails it as path (the LogDir entry it belongs to:
// records, positions and logs carry that path), resuming from a saved
// position of the same file. name differs from path only for a file the
// kubelet rotated while the collector was stopped.
func (c *Collector) openFile(name, path string, meta FileMeta) (*tailer, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	// Identify the opened file itself: it may have rotated since the Stat.
	fi, err := f.Stat()
	if err == nil {
		var id fileID
		if id, err = idOf(fi); err == nil {
			t := &tailer{path: path, meta: meta, id: id, f: f, maxLine: c.opts.MaxRecordBytes + lineHeaderAllowance}
			if p, ok := c.positions[id]; ok {
				delete(c.positions, id)
				if p.Offset > fi.Size() {
					c.m.Truncations.Inc()
					c.log.Info("file shorter than its saved position: reading from the start", zap.String("path", path))
				} else {
					t.readPos, t.lineStart, t.emittedUntil = p.Offset, p.Offset, p.EmittedUntil
				}
			}
			c.log.Info("tailing file", zap.String("path", path), zap.String("file", name), zap.Int64("offset", t.readPos))
			return t, nil
		}
	}
	f.Close()
	return nil, err
}

// resumeRotated runs once, before the first scan. It finds the files the
// kubelet rotated while the collector was stopped: a saved position whose
// (dev, inode) is no longer at its path. Rotation renamed that file to
// <n>.log.<YYYYMMDD-HHMMSS> next to the new <n>.log, so it is looked up
// by (dev, inode) in the directory of the symlink's target, and read from
// its saved offset to the end as a retired file: before the new file, as
// if the rotation had been seen while running.
//
// Limits: the kubelet gzips every rotated file but the newest one when it
// rotates again. A .gz is a new file (new inode, and cannot be appended
// to), so after two rotations while stopped the old file is not found and
// its lines after the saved offset are lost; the middle file, created and
// rotated while stopped, has no position and is not read at all. Neither
// case repeats a line: what has no position is only read if it is the
// current file, from its start. A file whose symlink was removed while
// stopped (the container is gone) is not looked for either.
func (c *Collector) resumeRotated() {
	type found struct {
		name, path string
		meta       FileMeta
		id         fileID
	}
	var todo []found
	for id, p := range c.positions {
		meta, ok := ParseFileName(filepath.Base(p.Path))
		if !ok || c.skip(meta) {
			continue
		}
		if fi, err := os.Stat(p.Path); err == nil {
			if cur, err := idOf(fi); err == nil && cur == id {
				continue // still the current file: scan opens it
			}
		}
		dir, base, ok := linkTarget(p.Path)
		if !ok {
			continue
		}
		if name := findRotated(dir, base, id); name != "" {
			todo = append(todo, found{name: name, path: p.Path, meta: meta, id: id})
		} else {
			c.log.Warn("file rotated while stopped and its rotated file not found: lines after the saved offset are lost",
				zap.String("path", p.Path), zap.String("dir", dir), zap.Any("file", id), zap.Int64("offset", p.Offset))
		}
	}
	// Oldest first within a path: the time stamps in the names sort.
	sort.Slice(todo, func(i, j int) bool {
		if todo[i].path != todo[j].path {
			return todo[i].path < todo[j].path
		}
		return todo[i].name < todo[j].name
	})
	for _, r := range todo {
		t, err := c.openFile(r.name, r.path, r.meta)
		if err != nil {
			c.log.Warn("cannot open rotated file", zap.String("file", r.name), zap.Error(err))
			continue
		}
		if t.id != r.id {
			// Replaced between the lookup and the open: without its
			// position, reading it would repeat lines.
			t.f.Close()
			continue
		}
		c.m.Rotations.Inc()
		c.log.Info("file rotated while stopped: reading the rest of the old file", zap.String("path", r.path), zap.String("file", r.name))
		c.retired = append(c.retired, t)
	}
}

// linkTarget returns the directory and name of the file a LogDir entry
// points at; a plain file (not a symlink) rotates next to itself.
func linkTarget(path string) (dir, base string, ok bool) {
	target, err := os.Readlink(path)
	if err != nil {
		if _, err := os.Lstat(path); err != nil {
			return "", "", false // removed
		}
		target = path
	} else if !filepath.IsAbs(target) {
		target = filepath.Join(filepath.Dir(path), target)
	}
	return filepath.Dir(target), filepath.Base(target), true
}

// findRotated returns the path of the uncompressed rotated copy of base
// (base.<time stamp>) in dir that is the file id, or "".
func findRotated(dir, base string, id fileID) string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return ""
	}
	for _, e := range entries {
		name := e.Name()
		// .gz and its .tmp while being written are new files: they cannot
		// have the inode.
		if !strings.HasPrefix(name, base+".") || strings.HasSuffix(name, ".gz") || strings.HasSuffix(name, ".tmp") {
			continue
		}
		fi, err := os.Lstat(filepath.Join(dir, name))
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		if got, err := idOf(fi); err == nil && got == id {
			return filepath.Join(dir, name)
		}
	}
	return ""
}

// drain reads t to its current end, whatever the budget.
func (c *Collector) drain(t *tailer) (int, bool, error) {
	total := 0
	for {
		n, more, err := c.readFile(t)
		total += n
		if err != nil || !more {
			return total, more, err
		}
	}
}

func (c *Collector) closeTailer(t *tailer, why string) {
	// A record still waiting for its F chunk will never get it: write what
	// there is, marked truncated, rather than drop it silently.
	for i := range t.pending {
		if p := &t.pending[i]; p.active && !p.truncated {
			c.emit(t, p, true)
		}
	}
	t.f.Close()
	c.log.Info("stopped tailing file", zap.String("path", t.path), zap.String("reason", why))
}

func (c *Collector) closeAll() {
	for _, t := range c.retired {
		t.f.Close()
	}
	for _, t := range c.files {
		t.f.Close()
	}
	c.m.Files.Set(0)
}

func (c *Collector) save() error {
	ps := make([]Position, 0, len(c.files)+len(c.retired))
	for _, t := range c.retired {
		ps = append(ps, t.position())
	}
	for _, t := range c.files {
		ps = append(ps, t.position())
	}
	sortPositions(ps)
	// An idle node would otherwise fsync the same content every second.
	if c.lastSaved != nil && slices.Equal(ps, c.lastSaved) {
		c.lastSave = time.Now()
		return nil
	}
	if err := savePositions(c.opts.PositionsFile, ps); err != nil {
		return err
	}
	c.lastSaved, c.lastSave = ps, time.Now()
	return nil
}

// readFile reads up to readBudget bytes of t and processes every complete
// line. more reports that the budget ran out before the end of the file.
func (c *Collector) readFile(t *tailer) (n int, more bool, err error) {
	fi, err := t.f.Stat()
	if err != nil {
		return 0, false, err
	}
	if fi.Size() < t.readPos {
		// copytruncate: the file was emptied in place. Lines written between
		// our last read and the truncation are lost; nothing can recover them.
		c.m.Truncations.Inc()
		c.log.Info("file truncated: reading from the start", zap.String("path", t.path),
			zap.Int64("offset", t.readPos), zap.Int64("size", fi.Size()))
		t.reset()
	}
	for n < readBudget {
		k, err := t.f.ReadAt(c.readBuf, t.readPos)
		if k > 0 {
			c.m.ReadBytes.Add(float64(k))
			c.consume(t, c.readBuf[:k])
			n += k
		}
		if errors.Is(err, io.EOF) || k == 0 {
			return n, false, nil
		}
		if err != nil {
			return n, false, err
		}
	}
	return n, true, nil
}

// consume splits data into lines; an unfinished last line waits in t.line.
func (c *Collector) consume(t *tailer, data []byte) {
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		chunk := data
		if i >= 0 {
			chunk = data[:i]
		}
		t.appendLine(chunk)
		t.readPos += int64(len(chunk))
		if i < 0 {
			return
		}
		t.readPos++ // the newline
		c.processLine(t, t.line, t.lineTooLong, t.readPos)
		t.line, t.lineTooLong, t.lineStart = t.line[:0], false, t.readPos
		data = data[i+1:]
	}
}

// processLine handles one complete line that ends at offset end.
func (c *Collector) processLine(t *tailer, line []byte, tooLong bool, end int64) {
	// Lines ending at or before emittedUntil were handled before a restart:
	// they only rebuild partial records, nothing is written or counted twice.
	replay := end <= t.emittedUntil
	e, err := ParseCRI(line)
	if err != nil {
		if !replay {
			c.m.ParseErrors.Inc()
			c.malformed[t.path]++
			if c.malformedSample == "" {
				c.malformedSample = err.Error()
			}
		}
		return
	}
	p := &t.pending[streamIndex(e.Stream)]
	if !p.active {
		p.active, p.truncated, p.start, p.time, p.stream = true, false, t.lineStart, e.Time, e.Stream
		p.buf = p.buf[:0]
	}
	if !p.truncated {
		room := c.opts.MaxRecordBytes - len(p.buf)
		if len(e.Content) > room || tooLong {
			p.buf = append(p.buf, e.Content[:min(room, len(e.Content))]...)
			p.truncated = true
			if !replay {
				c.emit(t, p, true)
			}
		} else {
			p.buf = append(p.buf, e.Content...)
		}
	}
	if !e.Partial() {
		if !p.truncated && !replay {
			c.emit(t, p, false)
		}
		p.active = false
		if cap(p.buf) > 64<<10 {
			p.buf = nil // do not pin a huge buffer for a quiet stream
		}
	}
}

func (c *Collector) emit(t *tailer, p *partial, truncated bool) {
	err := c.enc.Encode(Record{
		Time: p.time, Stream: p.stream,
		Namespace: t.meta.Namespace, Pod: t.meta.Pod, Container: t.meta.Container, ContainerID: t.meta.ContainerID,
		Node: c.opts.Node, Log: string(p.buf), Truncated: truncated,
	})
	if err != nil {
		// A write error sticks in the bufio.Writer and is returned by the
		// cycle's Flush; nothing else to do here.
		return
	}
	c.m.Records.Inc()
	if truncated {
		c.m.TruncatedRecords.Inc()
	}
}

// reportMalformed logs parse errors aggregated per file, at most once per
// malformedReportEvery (or now, when force).
func (c *Collector) reportMalformed(force bool) {
	if len(c.malformed) == 0 || (!force && time.Since(c.lastReport) < malformedReportEvery) {
		return
	}
	total := 0
	for _, n := range c.malformed {
		total += n
	}
	c.log.Warn("skipped lines not in CRI log format",
		zap.Int("lines", total), zap.Any("per_file", c.malformed), zap.String("first_error", c.malformedSample))
	c.malformed, c.malformedSample, c.lastReport = map[string]int{}, "", time.Now()
}

// tailer is the read state of one open file.
type tailer struct {
	path string
	meta FileMeta
	id   fileID
	f    *os.File

	readPos      int64 // next byte to read
	lineStart    int64 // start of the unfinished line in line
	emittedUntil int64 // see Position.EmittedUntil
	line         []byte
	lineTooLong  bool // line was cut at maxLine; the rest is skipped
	maxLine      int
	pending      [2]partial // by stream: stdout, stderr
}

// partial is a record being assembled from P chunks of one stream.
type partial struct {
	active    bool
	truncated bool  // already written cut at MaxRecordBytes; skipping to F
	start     int64 // offset of its first chunk
	time      string
	stream    string
	buf       []byte
}

func streamIndex(s string) int {
	if s == StreamStderr {
		return 1
	}
	return 0
}

func (t *tailer) appendLine(b []byte) {
	room := t.maxLine - len(t.line)
	if len(b) > room {
		b = b[:room]
		t.lineTooLong = true
	}
	t.line = append(t.line, b...)
}

func (t *tailer) reset() {
	t.readPos, t.lineStart, t.emittedUntil = 0, 0, 0
	t.line, t.lineTooLong = t.line[:0], false
	t.pending = [2]partial{}
}

// position is where a restart resumes: never inside a record.
func (t *tailer) position() Position {
	off := t.lineStart
	for _, p := range t.pending {
		if p.active && p.start < off {
			off = p.start
		}
	}
	return Position{
		Dev: t.id.Dev, Ino: t.id.Ino, Path: t.path,
		Offset: off, EmittedUntil: max(t.emittedUntil, t.lineStart),
	}
}
