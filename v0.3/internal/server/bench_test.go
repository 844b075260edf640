package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/uuid"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// BenchmarkHello measures the full middleware chain in-process, with a
// production JSON logger writing to io.Discard, so the per-request cost of
// the middleware shows without network noise (scripts/bench measures it over
// TCP against a bare net/http server).
func BenchmarkHello(b *testing.B) {
	enc := zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig())
	log := zap.New(zapcore.NewCore(enc, zapcore.AddSync(io.Discard), zap.InfoLevel))
	uuid.EnableRandPool() // as main does
	s := New(Options{Logger: log})
	s.SetReady(true)
	req := httptest.NewRequest(http.MethodGet, "/api/v1/hello?name=bench", nil)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}
