//go:build !(linux || darwin)

package work

// threadCPU is unavailable here; BurnCPU then measures wall-clock time.
func threadCPU() (int64, bool) { return 0, false }
