package logger

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

func TestNew(t *testing.T) {
	tests := []struct {
		name        string
		development bool
		level       string
		wantLevel   zapcore.Level
		wantErr     bool
	}{
		{name: "production-info", level: "info", wantLevel: zapcore.InfoLevel},
		{name: "development-debug", development: true, level: "debug", wantLevel: zapcore.DebugLevel},
		{name: "production-error", level: "error", wantLevel: zapcore.ErrorLevel},
		{name: "unknown-level-fails", level: "loud", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log, err := New(tt.development, tt.level)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("New(%q) error = nil, want an error", tt.level)
				}
				return
			}
			if err != nil {
				t.Fatalf("New(%q) error = %v", tt.level, err)
			}
			if got := log.Level(); got != tt.wantLevel {
				t.Errorf("level = %s, want %s", got, tt.wantLevel)
			}
			if !log.Core().Enabled(tt.wantLevel) || log.Core().Enabled(tt.wantLevel-1) {
				t.Errorf("core enables the wrong levels for %s", tt.wantLevel)
			}
		})
	}
}

// syncBuffer records what reached it; safe for the buffered syncer's
// background flush.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestProductionBuffersInfoAndFlushesProblemsAtOnce(t *testing.T) {
	out := &syncBuffer{}
	log, err := newLogger(false, "info", out)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = log.Sync() }()

	log.Info("request", zap.Int("status", 200))
	if got := out.String(); got != "" {
		t.Fatalf("info line written before a flush: %q", got)
	}
	// A warning flushes itself and everything buffered before it, in order.
	log.Warn("request", zap.Int("status", 404))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"status":200`) || !strings.Contains(lines[1], `"level":"warn"`) {
		t.Fatalf("after a warning, output = %q, want the info line then the warning", out.String())
	}
	for _, line := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("line is not JSON: %q: %v", line, err)
		}
	}

	// Without a warning, the background flush delivers within FlushInterval.
	log.Info("later")
	deadline := time.Now().Add(FlushInterval + 5*time.Second)
	for !strings.Contains(out.String(), `"msg":"later"`) {
		if time.Now().After(deadline) {
			t.Fatalf("info line not flushed within %s", FlushInterval+5*time.Second)
		}
		time.Sleep(20 * time.Millisecond)
	}

	// Sync (what main defers) flushes whatever is left.
	log.Info("last")
	if err := log.Sync(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"msg":"last"`) {
		t.Errorf("Sync did not flush the buffered line: %q", out.String())
	}
}

func TestDevelopmentWritesEachLineAtOnce(t *testing.T) {
	out := &syncBuffer{}
	log, err := newLogger(true, "debug", out)
	if err != nil {
		t.Fatal(err)
	}
	log.Debug("hello")
	if !strings.Contains(out.String(), "hello") {
		t.Errorf("development line not written at once: %q", out.String())
	}
}
