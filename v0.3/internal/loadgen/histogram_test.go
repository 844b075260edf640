package loadgen

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// exactQuantile is the nearest-rank quantile of sorted values, the
// definition Histogram.Quantile approximates.
func exactQuantile(sorted []time.Duration, q float64) time.Duration {
	rank := int(math.Ceil(q * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

func TestBucketsTileTheValueRange(t *testing.T) {
	var next int64
	for i := range histBuckets {
		lo, hi := bucketBounds(i)
		if lo != next {
			t.Fatalf("bucket %d starts at %d, want %d (gap or overlap)", i, lo, next)
		}
		if hi < lo {
			t.Fatalf("bucket %d = [%d, %d], want hi >= lo", i, lo, hi)
		}
		if width := hi - lo + 1; lo >= 256 && float64(width)/float64(lo) > 1.0/128 {
			t.Fatalf("bucket %d = [%d, %d] is %.4f of its lower edge, want <= 1/128", i, lo, hi, float64(width)/float64(lo))
		}
		for _, v := range []int64{lo, hi, lo + (hi-lo)/2} {
			if got := bucketOf(v); got != i {
				t.Fatalf("bucketOf(%d) = %d, want %d", v, got, i)
			}
		}
		next = hi + 1
	}
	if next != math.MinInt64 { // the last bucket ends at MaxInt64; +1 wraps
		t.Fatalf("buckets end before MaxInt64: next = %d", next)
	}
}

func TestQuantileMatchesExactNearestRank(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		name   string
		values func() []time.Duration
	}{
		{name: "one-value", values: func() []time.Duration { return []time.Duration{42 * time.Millisecond} }},
		{name: "all-equal", values: func() []time.Duration {
			return slices.Repeat([]time.Duration{7 * time.Millisecond}, 1000)
		}},
		{name: "1ms-to-100ms", values: func() []time.Duration {
			var v []time.Duration
			for i := 1; i <= 100; i++ {
				v = append(v, time.Duration(i)*time.Millisecond)
			}
			return v
		}},
		{name: "bimodal-10ms-50ms", values: func() []time.Duration {
			var v []time.Duration
			for i := range 1000 {
				d := 10 * time.Millisecond
				if i%10 < 3 {
					d = 50 * time.Millisecond
				}
				v = append(v, d+time.Duration(rng.IntN(int(time.Millisecond))))
			}
			return v
		}},
		{name: "log-normal-wide", values: func() []time.Duration {
			var v []time.Duration
			for range 20000 {
				v = append(v, time.Duration(math.Exp(rng.NormFloat64()*2+15)))
			}
			return v
		}},
		{name: "tiny-values-exact-buckets", values: func() []time.Duration {
			var v []time.Duration
			for i := range 300 {
				v = append(v, time.Duration(i))
			}
			return v
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			values := tt.values()
			var h Histogram
			for _, v := range values {
				h.Record(v)
			}
			slices.Sort(values)
			if got, want := h.Count(), int64(len(values)); got != want {
				t.Errorf("Count = %d, want %d", got, want)
			}
			if got, want := h.Max(), values[len(values)-1]; got != want {
				t.Errorf("Max = %s, want %s", got, want)
			}
			if got, want := h.Min(), values[0]; got != want {
				t.Errorf("Min = %s, want %s", got, want)
			}
			for _, q := range []float64{0.001, 0.25, 0.5, 0.9, 0.99, 0.999, 1} {
				exact := exactQuantile(values, q)
				got := h.Quantile(q)
				// Never below the exact value, and at most one bucket
				// width (<= 1/128 of the value) above it.
				if got < exact || float64(got-exact) > float64(exact)/128 {
					t.Errorf("Quantile(%g) = %s, want %s (+ at most 1/128)", q, got, exact)
				}
			}
		})
	}
}

func TestQuantileKnownValues(t *testing.T) {
	var h Histogram
	if got := h.Quantile(0.5); got != 0 {
		t.Errorf("empty Quantile(0.5) = %s, want 0", got)
	}
	// 1..100ms: p50 is 50ms, p90 90ms, p99 99ms, p100 100ms (nearest rank).
	for i := 1; i <= 100; i++ {
		h.Record(time.Duration(i) * time.Millisecond)
	}
	for _, tt := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 50 * time.Millisecond}, {0.9, 90 * time.Millisecond}, {0.99, 99 * time.Millisecond}, {1, 100 * time.Millisecond}} {
		got := h.Quantile(tt.q)
		if got < tt.want || got > tt.want+tt.want/128 {
			t.Errorf("Quantile(%g) = %s, want %s (+ at most 1/128)", tt.q, got, tt.want)
		}
	}
	h.Record(-time.Second) // clamped to 0
	if got := h.Min(); got != 0 {
		t.Errorf("Min after a negative value = %s, want 0", got)
	}
	h.Reset()
	if h.Count() != 0 || h.Quantile(0.99) != 0 {
		t.Errorf("after Reset: Count = %d, Quantile(0.99) = %s, want 0 and 0", h.Count(), h.Quantile(0.99))
	}
}
