// Package work generates load on purpose, for the autoscaling lesson: CPU
// that a HorizontalPodAutoscaler can see, and memory that shows up in the
// container's working set. Every job is bounded and stops when its context
// ends.
package work

import (
	"context"
	"crypto/sha256"
	"errors"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"time"
)

// ANCHOR: cpu
// BurnCPU hashes until its goroutine's OS thread has used d of CPU time and
// returns how many SHA-256 blocks it computed. CPU time, not wall-clock
// time: under a CPU limit the kernel throttles the thread, so the same job
// takes longer, and latency falls when the HPA adds pods, as for real work.
// It checks ctx between small chunks (a cancelled request stops within
// about a millisecond) and gives up after maxWall: a starved pod answers
// instead of holding the request past the server's write timeout.
func BurnCPU(ctx context.Context, d, maxWall time.Duration) (hashes int64, err error) {
	// Thread CPU time is only meaningful while we stay on one thread.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cpu0, ok := threadCPU()
	spent := func() time.Duration {
		if now, ok2 := threadCPU(); ok && ok2 {
			return time.Duration(now - cpu0)
		}
		return 0
	}
	start := time.Now()
	if !ok { // no thread clock on this OS: fall back to wall-clock time
		spent = func() time.Duration { return time.Since(start) }
	}
	var sum [sha256.Size]byte
	for spent() < d {
		if err := ctx.Err(); err != nil {
			return hashes, err
		}
		if time.Since(start) > maxWall {
			return hashes, ErrStarved
		}
		for range 256 {
			sum = sha256.Sum256(sum[:])
		}
		hashes += 256
		// No runtime.Gosched() here: on a locked thread every yield hands
		// the P to another OS thread and back, which cost ~40% of the CPU
		// in a measurement. The price: with hundreds of jobs queued on a
		// saturated pod, a cancelled job notices only at its next turn
		// (10 ms preemption slices), seconds later.
	}
	return hashes, nil
}

// ErrStarved means a CPU job could not get its CPU time within its
// wall-clock bound: the pod is throttled or overloaded.
var ErrStarved = errors.New("not enough CPU time within the wall-clock bound")

// ANCHOR_END: cpu

// ErrBusy means the memory budget of all running jobs is used up.
var ErrBusy = errors.New("memory budget of all running jobs exhausted")

// Memory hands out memory within a total budget shared by all requests.
type Memory struct {
	budget int64
	inUse  atomic.Int64
}

// NewMemory returns a Memory with a total budget in bytes.
func NewMemory(budget int64) *Memory { return &Memory{budget: budget} }

// InUse is the number of bytes held right now.
func (m *Memory) InUse() int64 { return m.inUse.Load() }

// ANCHOR: memory
// Hold allocates size bytes, writes to every page (untouched pages are not
// resident, and the kubelet measures resident memory), keeps them for d or
// until ctx ends, then frees them and returns them to the OS at once.
// Without FreeOSMemory the Go runtime would keep the pages for minutes and
// a memory-based HPA would never scale back down.
func (m *Memory) Hold(ctx context.Context, size int64, d time.Duration) error {
	if m.inUse.Add(size) > m.budget {
		m.inUse.Add(-size)
		return ErrBusy
	}
	defer m.inUse.Add(-size)

	buf := make([]byte, size)
	for i := 0; i < len(buf); i += 4096 {
		buf[i] = 1
	}
	t := time.NewTimer(d)
	defer t.Stop()
	var err error
	select {
	case <-ctx.Done():
		err = ctx.Err()
	case <-t.C:
	}
	runtime.KeepAlive(buf)
	buf = nil
	debug.FreeOSMemory()
	return err
}

// ANCHOR_END: memory
