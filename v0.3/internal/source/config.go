package source

import (
	"fmt"
	"time"
)

// Config is the source section of the API's config.
type Config struct {
	// Latency is how slow the simulated data source is.
	Latency time.Duration `mapstructure:"latency"`
}

// DefaultConfig is a source that answers in 100 ms, slow enough for the
// cache to matter.
func DefaultConfig() Config { return Config{Latency: 100 * time.Millisecond} }

// Validate lists every problem, named by key without the section prefix.
func (c Config) Validate() []string {
	if c.Latency < 0 || c.Latency > 10*time.Second {
		return []string{fmt.Sprintf("latency %s must be between 0s and 10s", c.Latency)}
	}
	return nil
}
