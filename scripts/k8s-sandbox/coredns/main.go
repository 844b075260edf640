// Command coredns is CoreDNS with only the plugins the sandbox's Corefile
// uses (real.sh), the way CoreDNS documents custom builds: the full binary
// also compiles the AWS, Azure and Google Cloud SDKs, etcd and dnstap, which
// the sandbox never loads and which dominate a cold build.
package main

import (
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/forward"
	_ "github.com/coredns/coredns/plugin/kubernetes"
)

func init() {
	// The order plugins run in, as in CoreDNS's plugin.cfg (zdirectives.go).
	dnsserver.Directives = []string{"bind", "errors", "cache", "kubernetes", "forward"}
}

func main() { coremain.Run() }
