// Command pause is the sandbox's stand-in for registry.k8s.io/pause, which cannot be pulled here:
// the process that holds a pod's namespaces. Like the real one it sleeps, reaps the zombies of
// the pod's other processes (it is PID 1 when the pod shares its process namespace) and exits on
// SIGTERM or SIGINT.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGCHLD)
	for s := range sigs {
		if s != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			pid, err := syscall.Wait4(-1, nil, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
