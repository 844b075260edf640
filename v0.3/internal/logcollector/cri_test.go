package logcollector

import (
	"bytes"
	"strings"
	"testing"
)

func TestParseCRI(t *testing.T) {
	const ts = "2026-01-02T15:04:05.123456789Z"
	tests := []struct {
		name        string
		line        string
		want        Entry
		wantPartial bool
		wantErr     string
	}{
		{name: "full-stdout", line: ts + " stdout F hello world", want: Entry{Time: ts, Stream: "stdout", Tag: "F", Content: []byte("hello world")}},
		{name: "partial-stderr", line: ts + " stderr P chunk", want: Entry{Time: ts, Stream: "stderr", Tag: "P", Content: []byte("chunk")}, wantPartial: true},
		{name: "empty-content", line: ts + " stdout F ", want: Entry{Time: ts, Stream: "stdout", Tag: "F", Content: []byte{}}},
		{name: "content-keeps-spaces", line: ts + " stdout F  two  spaces ", want: Entry{Time: ts, Stream: "stdout", Tag: "F", Content: []byte(" two  spaces ")}},
		{name: "timezone-offset", line: "2026-01-02T23:04:05.1+08:00 stdout F x", want: Entry{Time: "2026-01-02T23:04:05.1+08:00", Stream: "stdout", Tag: "F", Content: []byte("x")}},
		{name: "tag-extension", line: ts + " stdout P:x chunk", want: Entry{Time: ts, Stream: "stdout", Tag: "P:x", Content: []byte("chunk")}, wantPartial: true},
		{name: "json-content", line: ts + ` stdout F {"level":"info","msg":"a b"}`, want: Entry{Time: ts, Stream: "stdout", Tag: "F", Content: []byte(`{"level":"info","msg":"a b"}`)}},
		{name: "error-empty", line: "", wantErr: "want"},
		{name: "error-docker-json", line: `{"log":"hi\n","stream":"stdout","time":"` + ts + `"}`, wantErr: "want"},
		{name: "error-space-in-json", line: `{"log": "hi"} stdout F x`, wantErr: "not RFC3339Nano"},
		{name: "error-bad-time", line: "yesterday stdout F hi", wantErr: `time "yesterday"`},
		{name: "error-bad-stream", line: ts + " stdin F hi", wantErr: `stream "stdin"`},
		{name: "error-bad-tag", line: ts + " stdout X hi", wantErr: `tag "X"`},
		{name: "error-no-tag-separator", line: ts + " stdout F", wantErr: "want"},
		{name: "error-no-stream", line: ts, wantErr: "want"},
		{name: "error-long-garbage-is-cut-in-message", line: strings.Repeat("z", 500) + " stdout F x", wantErr: "..."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCRI([]byte(tt.line))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseCRI(%q) error = %v, want one containing %q", tt.line, err, tt.wantErr)
				}
				if len(err.Error()) > 200 {
					t.Errorf("error message is %d bytes long, want it short", len(err.Error()))
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseCRI(%q) error = %v", tt.line, err)
			}
			if got.Time != tt.want.Time || got.Stream != tt.want.Stream || got.Tag != tt.want.Tag || !bytes.Equal(got.Content, tt.want.Content) {
				t.Errorf("ParseCRI(%q) = %+v, want %+v", tt.line, got, tt.want)
			}
			if got.Partial() != tt.wantPartial {
				t.Errorf("Partial() = %v, want %v", got.Partial(), tt.wantPartial)
			}
			if f := string(got.Format()); f != tt.line {
				t.Errorf("Format() = %q, want the input %q", f, tt.line)
			}
		})
	}
}

// FuzzParseCRI: the parser faces whatever is in a file on the node. It must
// never panic, and whatever it accepts must be a well-formed line that
// formats back to exactly the input.
func FuzzParseCRI(f *testing.F) {
	for _, seed := range []string{
		"2026-01-02T15:04:05.123456789Z stdout F hello",
		"2026-01-02T15:04:05Z stderr P ",
		"2026-01-02T15:04:05+08:00 stdout F:x  y",
		"garbage",
		"",
		"2026-01-02T15:04:05Z stdout",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		e, err := ParseCRI(line)
		if err != nil {
			return
		}
		if e.Stream != StreamStdout && e.Stream != StreamStderr {
			t.Fatalf("accepted stream %q", e.Stream)
		}
		if !strings.HasPrefix(e.Tag, "P") && !strings.HasPrefix(e.Tag, "F") {
			t.Fatalf("accepted tag %q", e.Tag)
		}
		if got := e.Format(); !bytes.Equal(got, line) {
			t.Fatalf("Format(ParseCRI(%q)) = %q, want the input", line, got)
		}
		again, err := ParseCRI(e.Format())
		if err != nil || again.Time != e.Time || again.Stream != e.Stream || again.Tag != e.Tag || !bytes.Equal(again.Content, e.Content) {
			t.Fatalf("re-parse of %q = %+v, %v; want %+v", line, again, err, e)
		}
	})
}

func TestParseFileName(t *testing.T) {
	id := strings.Repeat("0123456789abcdef", 4)
	tests := []struct {
		name   string
		file   string
		want   FileMeta
		wantOK bool
	}{
		{name: "deployment-pod", file: "api-7d9c7b8f5-x2x4q_journey_api-" + id + ".log",
			want: FileMeta{Pod: "api-7d9c7b8f5-x2x4q", Namespace: "journey", Container: "api", ContainerID: id}, wantOK: true},
		{name: "container-with-dashes", file: "redis-0_journey_redis-exporter-" + id + ".log",
			want: FileMeta{Pod: "redis-0", Namespace: "journey", Container: "redis-exporter", ContainerID: id}, wantOK: true},
		{name: "dotted-pod-name", file: "etcd-kind.control-plane_kube-system_etcd-" + id + ".log",
			want: FileMeta{Pod: "etcd-kind.control-plane", Namespace: "kube-system", Container: "etcd", ContainerID: id}, wantOK: true},
		{name: "reject-short-id", file: "api_journey_api-abc123.log"},
		{name: "reject-uppercase-id", file: "api_journey_api-" + strings.ToUpper(id) + ".log"},
		{name: "reject-missing-namespace", file: "api_api-" + id + ".log"},
		{name: "reject-rotated-suffix", file: "api_journey_api-" + id + ".log.20260102-150405"},
		{name: "reject-other-file", file: "syslog"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ParseFileName(tt.file)
			if ok != tt.wantOK || got != tt.want {
				t.Errorf("ParseFileName(%q) = %+v, %v; want %+v, %v", tt.file, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
