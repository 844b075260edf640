package logger

import (
	"testing"

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
