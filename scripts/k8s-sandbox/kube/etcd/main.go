// Command etcd is etcd's own main, rebuilt here because go.etcd.io/etcd's root module
// carries replace directives and so cannot be built with `go build module@version`.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
