// Command hello is the fixture scripts/images.sh is developed and tested
// against: a tiny static binary with one module dependency, so the image build
// exercises `go mod download` and version stamping like a real service.
package main

import (
	"fmt"

	"github.com/google/uuid"
)

// Set at build time through -ldflags "-X main.version=...".
var (
	version   = "dev"
	commit    = "unknown"
	buildTime = "unknown"
)

func main() {
	fmt.Printf("hello %s (commit %s, built %s) id=%s\n", version, commit, buildTime, uuid.NewString())
}
