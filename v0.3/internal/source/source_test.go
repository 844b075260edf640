package source

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestFetchIsDeterministicPerID(t *testing.T) {
	s := Slow{}
	a, err := s.Fetch(context.Background(), "42")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := s.Fetch(context.Background(), "42")
	c, _ := s.Fetch(context.Background(), "43")
	if a.ID != "42" || a.Value != b.Value {
		t.Errorf("Fetch(42) twice = %+v, %+v, want the same id and value", a, b)
	}
	if a.Value == c.Value {
		t.Errorf("Fetch(42).Value = Fetch(43).Value = %q, want different values per id", a.Value)
	}
}

func TestFetchStopsWhenTheCallerGivesUp(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Slow{Latency: time.Hour}.Fetch(ctx, "42")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Fetch with a cancelled context = %v, want context.Canceled (not an hour's wait)", err)
	}
}
