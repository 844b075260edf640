// Package logger builds the service's zap logger.
package logger

import (
	"fmt"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// New returns a JSON logger for production (what log collectors parse) or a
// coloured console logger for development, at the given level.
func New(development bool, level string) (*zap.Logger, error) {
	lvl, err := zapcore.ParseLevel(level)
	if err != nil {
		return nil, fmt.Errorf("log level: %w", err)
	}
	var cfg zap.Config
	if development {
		cfg = zap.NewDevelopmentConfig()
		cfg.EncoderConfig.EncodeLevel = zapcore.CapitalColorLevelEncoder
	} else {
		cfg = zap.NewProductionConfig()
		cfg.EncoderConfig.TimeKey = "time"
		cfg.EncoderConfig.EncodeTime = zapcore.ISO8601TimeEncoder
		// Sampling would silently drop access-log lines under load; every
		// request is logged and the cost is measured in docs/benchmarks.md.
		cfg.Sampling = nil
	}
	cfg.Level = zap.NewAtomicLevelAt(lvl)
	// A stack of the middleware chain on every 4xx/5xx access-log line is
	// noise; the recovery middleware attaches the stack that matters.
	cfg.DisableStacktrace = true
	return cfg.Build()
}
