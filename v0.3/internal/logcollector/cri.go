// Package logcollector tails the container log files the kubelet keeps on a
// node (/var/log/containers/*.log), parses the CRI log format, joins partial
// lines, follows rotation and truncation, and writes one JSON record per log
// line to an io.Writer, remembering read offsets across restarts.
package logcollector

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Stream names as the container runtime writes them.
const (
	StreamStdout = "stdout"
	StreamStderr = "stderr"
)

// Entry is one parsed line of a CRI log file:
//
//	2026-01-02T15:04:05.123456789Z stdout F hello world
//
// The runtime splits a long line into chunks tagged P (partial) and ends it
// with a chunk tagged F (full). Fields keep the bytes of the line, so
// Format(ParseCRI(line)) == line.
type Entry struct {
	Time    string // RFC3339Nano, as written by the runtime
	Stream  string // StreamStdout or StreamStderr
	Tag     string // "P" or "F", optionally followed by ":"-separated extensions
	Content []byte // aliases the parsed line: copy it to keep it
}

// Partial reports whether the line is a chunk of a longer line that the
// next chunk of the same stream continues.
func (e Entry) Partial() bool { return e.Tag == "P" || strings.HasPrefix(e.Tag, "P:") }

// Format renders e back into a CRI log line (without the newline).
func (e Entry) Format() []byte {
	b := make([]byte, 0, len(e.Time)+len(e.Stream)+len(e.Tag)+len(e.Content)+3)
	b = append(b, e.Time...)
	b = append(b, ' ')
	b = append(b, e.Stream...)
	b = append(b, ' ')
	b = append(b, e.Tag...)
	b = append(b, ' ')
	return append(b, e.Content...)
}

var errMissingField = errors.New("want \"<time> <stream> <P|F> <content>\"")

// ParseCRI parses one line (without its trailing newline). It follows the
// kubelet's own parser (pkg/kubelet/kuberuntime/logs): fields are separated
// by exactly one space and the separator after the tag is required, even
// when the content is empty.
func ParseCRI(line []byte) (Entry, error) {
	ts, rest, ok := bytes.Cut(line, []byte{' '})
	if !ok {
		return Entry{}, errMissingField
	}
	if _, err := time.Parse(time.RFC3339Nano, string(ts)); err != nil {
		return Entry{}, fmt.Errorf("time %q is not RFC3339Nano", truncateForError(ts))
	}
	stream, rest, ok := bytes.Cut(rest, []byte{' '})
	if !ok {
		return Entry{}, errMissingField
	}
	if s := string(stream); s != StreamStdout && s != StreamStderr {
		return Entry{}, fmt.Errorf("stream %q is neither stdout nor stderr", truncateForError(stream))
	}
	tag, content, ok := bytes.Cut(rest, []byte{' '})
	if !ok {
		return Entry{}, errMissingField
	}
	// Tags may grow ":"-separated extensions (CRI "forward compatible"
	// tags); only the first one means anything today.
	first, _, _ := bytes.Cut(tag, []byte{':'})
	if f := string(first); f != "P" && f != "F" {
		return Entry{}, fmt.Errorf("tag %q is neither P nor F", truncateForError(tag))
	}
	return Entry{Time: string(ts), Stream: string(stream), Tag: string(tag), Content: content}, nil
}

// truncateForError keeps error messages (and the logs they end up in) short
// when a line is garbage.
func truncateForError(b []byte) string {
	const max = 64
	if len(b) > max {
		return string(b[:max]) + "..."
	}
	return string(b)
}
