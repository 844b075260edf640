package work

import "fmt"

// ANCHOR: config
// Config is the work section of the API's config: whatever a client asks
// for (a typo such as mb=2000), one request can never take more than this.
type Config struct {
	CPU struct {
		// MaxMS is the most CPU time (ms) one request may ask for.
		MaxMS int `mapstructure:"max_ms"`
		// MaxJobs caps the CPU jobs running at once (more get 429): each
		// holds an OS thread, and Go aborts at 10,000 threads.
		MaxJobs int `mapstructure:"max_jobs"`
	} `mapstructure:"cpu"`
	Memory struct {
		// MaxMB is the most one request may allocate.
		MaxMB int `mapstructure:"max_mb"`
		// MaxSeconds is the longest it may hold it; below the server's
		// 30 s write timeout, so the answer always gets out.
		MaxSeconds int `mapstructure:"max_seconds"`
		// MaxTotalMB caps all requests together: more is refused (429)
		// instead of growing towards the container's memory limit.
		MaxTotalMB int `mapstructure:"max_total_mb"`
	} `mapstructure:"memory"`
}

// ANCHOR_END: config

// DefaultConfig fits the api container's memory limit with room to spare.
func DefaultConfig() Config {
	var c Config
	c.CPU.MaxMS, c.CPU.MaxJobs = 1000, 1000
	c.Memory.MaxMB, c.Memory.MaxSeconds, c.Memory.MaxTotalMB = 32, 20, 64
	return c
}

// Validate lists every problem, named by key without the section prefix.
func (c Config) Validate() []string {
	var errs []string
	if c.CPU.MaxMS < 1 || c.CPU.MaxMS > 10000 {
		errs = append(errs, fmt.Sprintf("cpu.max_ms %d out of range (1-10000)", c.CPU.MaxMS))
	}
	if c.CPU.MaxJobs < 1 || c.CPU.MaxJobs > 5000 {
		errs = append(errs, fmt.Sprintf("cpu.max_jobs %d out of range (1-5000, well below Go's 10000-thread limit)", c.CPU.MaxJobs))
	}
	if c.Memory.MaxMB < 1 || c.Memory.MaxMB > 1024 {
		errs = append(errs, fmt.Sprintf("memory.max_mb %d out of range (1-1024)", c.Memory.MaxMB))
	}
	if c.Memory.MaxSeconds < 1 || c.Memory.MaxSeconds > 25 {
		errs = append(errs, fmt.Sprintf("memory.max_seconds %d out of range (1-25, below the 30s write timeout)", c.Memory.MaxSeconds))
	}
	if c.Memory.MaxTotalMB < c.Memory.MaxMB || c.Memory.MaxTotalMB > 4096 {
		errs = append(errs, fmt.Sprintf("memory.max_total_mb %d out of range (memory.max_mb-4096)", c.Memory.MaxTotalMB))
	}
	return errs
}
