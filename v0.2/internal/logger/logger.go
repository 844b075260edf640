// Package logger builds the service's zap logger.
package logger

import (
	"fmt"
	"io"
	"os"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// FlushInterval bounds how long a production log line may wait in the
// buffer before it reaches stderr (and `kubectl logs`).
const FlushInterval = time.Second

// New returns a JSON logger for production (what log collectors parse) or a
// coloured console logger for development, at the given level. Both write to
// stderr. Call Sync before the process exits: production output is buffered.
func New(development bool, level string) (*zap.Logger, error) {
	return newLogger(development, level, os.Stderr)
}

func newLogger(development bool, level string, out io.Writer) (*zap.Logger, error) {
	lvl, err := zapcore.ParseLevel(level)
	if err != nil {
		return nil, fmt.Errorf("log level: %w", err)
	}
	if development {
		// A person watching a terminal wants each line at once.
		cfg := zap.NewDevelopmentConfig()
		cfg.EncoderConfig.EncodeLevel = zapcore.CapitalColorLevelEncoder
		enc := zapcore.NewConsoleEncoder(cfg.EncoderConfig)
		return zap.New(zapcore.NewCore(enc, zapcore.Lock(zapcore.AddSync(out)), lvl),
			zap.Development(), zap.AddCaller(), zap.ErrorOutput(zapcore.Lock(zapcore.AddSync(out)))), nil
	}
	enc := zap.NewProductionEncoderConfig()
	enc.TimeKey = "time"
	enc.EncodeTime = zapcore.ISO8601TimeEncoder
	// One write(2) per access-log line is a system call per request (a pipe
	// to the container runtime in Kubernetes). Buffering batches them; the
	// price is that a line can wait up to FlushInterval, and a process that
	// is killed (OOM, SIGKILL) loses at most that much. The destination is
	// wrapped so that Sync only flushes: fsync on a pipe or terminal (what
	// stderr is) fails with EINVAL.
	buf := &zapcore.BufferedWriteSyncer{WS: zapcore.AddSync(struct{ io.Writer }{out}), FlushInterval: FlushInterval}
	// Warnings and errors are flushed at once: they are rare, someone may be
	// waiting for them, and they must survive a crash that follows.
	flushProblems := zap.Hooks(func(e zapcore.Entry) error {
		if e.Level >= zapcore.WarnLevel {
			return buf.Sync()
		}
		return nil
	})
	// No sampling: it would silently drop access-log lines under load. No
	// stack traces on error lines: the recovery middleware logs the one
	// that matters, a stack of the middleware chain on every 5xx is noise.
	core := zapcore.NewCore(zapcore.NewJSONEncoder(enc), buf, lvl)
	return zap.New(core, zap.AddCaller(), zap.ErrorOutput(zapcore.Lock(zapcore.AddSync(out))), flushProblems), nil
}
