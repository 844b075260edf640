package work

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"
)

func TestBurnCPURunsForItsDuration(t *testing.T) {
	start := time.Now()
	hashes, err := BurnCPU(context.Background(), 50*time.Millisecond, time.Minute)
	if err != nil || hashes == 0 {
		t.Fatalf("BurnCPU(50ms) = %d, %v; want some hashes and no error", hashes, err)
	}
	if took := time.Since(start); took < 50*time.Millisecond {
		t.Errorf("BurnCPU(50ms) returned after %s, want >= 50ms", took)
	}
}

func TestBurnCPUStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	start := time.Now()
	_, err := BurnCPU(ctx, time.Hour, 2*time.Hour)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	// Generous bound for a loaded CI machine; without the ctx check it is an hour.
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("cancelled BurnCPU returned after %s, want promptly", took)
	}
}

func heapAlloc() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

func TestHoldReleasesMemoryAfterCancel(t *testing.T) {
	m := NewMemory(64 << 20)
	before := heapAlloc()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Hold(ctx, 32<<20, time.Hour) }()

	deadline := time.Now().Add(5 * time.Second)
	for m.InUse() != 32<<20 {
		if time.Now().After(deadline) {
			t.Fatal("Hold never took its 32 MiB")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Hold = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Hold did not return after cancel")
	}
	if got := m.InUse(); got != 0 {
		t.Errorf("InUse after release = %d, want 0", got)
	}
	if after := heapAlloc(); after > before+4<<20 {
		t.Errorf("heap after release = %d MiB, before = %d MiB: the 32 MiB were not freed", after>>20, before>>20)
	}
}

func TestHoldRefusesBeyondTheBudget(t *testing.T) {
	m := NewMemory(48 << 20)
	ctx, cancel := context.WithCancel(context.Background())
	held := make(chan struct{})
	// Release the first Hold before returning: still held, its 32 MiB would count in the heap
	// that TestHoldReleasesMemoryAfterCancel measures when the tests run again (-count).
	defer func() { cancel(); <-held }()
	go func() { _ = m.Hold(ctx, 32<<20, time.Hour); close(held) }()
	deadline := time.Now().Add(5 * time.Second)
	for m.InUse() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("first Hold never started")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := m.Hold(context.Background(), 32<<20, time.Millisecond); !errors.Is(err, ErrBusy) {
		t.Errorf("second 32 MiB Hold with a 48 MiB budget = %v, want ErrBusy", err)
	}
	if got := m.InUse(); got != 32<<20 {
		t.Errorf("InUse after the refused Hold = %d, want 32 MiB (the refusal must not leak budget)", got)
	}
}

// TestBurnCPUCountsCPUTimeNotWallTime: while another goroutine competes for
// the only P, a CPU job needs more wall time than its CPU time; and a job
// that cannot get its CPU in time gives up with ErrStarved.
func TestBurnCPUCountsCPUTimeNotWallTime(t *testing.T) {
	if _, ok := threadCPU(); !ok {
		t.Skip("no thread CPU clock on this OS: BurnCPU measures wall-clock time")
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { // a competitor that keeps the one P busy half the time
		for ctx.Err() == nil {
			_, _ = BurnCPU(ctx, 5*time.Millisecond, time.Minute)
			runtime.Gosched()
		}
	}()
	start := time.Now()
	if _, err := BurnCPU(context.Background(), 100*time.Millisecond, time.Minute); err != nil {
		t.Fatal(err)
	}
	// Fair sharing would give 200ms; the scheduler is not exactly fair, so
	// only ask for clearly more than the CPU time (wall time = CPU time was
	// the bug this catches).
	if took := time.Since(start); took < 110*time.Millisecond {
		t.Errorf("100ms of CPU next to a busy competitor took %s of wall time, want clearly more than 100ms", took)
	}
	if _, err := BurnCPU(context.Background(), time.Second, 50*time.Millisecond); !errors.Is(err, ErrStarved) {
		t.Errorf("1s of CPU within 50ms of wall time = %v, want ErrStarved", err)
	}
}
