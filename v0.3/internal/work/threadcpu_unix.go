//go:build linux || darwin

package work

import "golang.org/x/sys/unix"

// threadCPU returns the CPU time the calling OS thread has used. The caller
// must hold its thread (runtime.LockOSThread) between two readings.
func threadCPU() (int64, bool) {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0, false
	}
	return ts.Nano(), true
}
