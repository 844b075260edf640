package sandbox

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Images is what `sandbox.sh images DIR` made for a version: an archive per image its manifests
// run (ours from its Dockerfiles, stand-ins for third-party ones) and the third-party references
// that have no stand-in, whose workloads cannot run here.
type Images struct {
	Archives map[string]string // image reference -> OCI archive
	Missing  []string
}

// Files lists the archives, for StartReal.
func (im Images) Files() []string {
	files := make([]string, 0, len(im.Archives))
	for _, f := range im.Archives {
		files = append(files, f)
	}
	return files
}

// BuildImages builds (or takes from the cache) the images of the version in dir. It skips or
// fails the test like StartReal when real nodes are not available.
func BuildImages(tb testing.TB, dir string) Images {
	tb.Helper()
	p := prepareReal(tb)
	defer os.RemoveAll(p.stateDir)
	began := time.Now()
	cmd := exec.Command(p.script, "images", dir)
	cmd.Env = p.env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("%s images %s: %v\n%s", p.script, dir, err, stderr.String())
	}
	im := Images{Archives: map[string]string{}}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 3 && f[0] == "image":
			im.Archives[f[1]] = f[2]
		case len(f) == 2 && f[0] == "missing":
			im.Missing = append(im.Missing, f[1])
		default:
			tb.Fatalf("%s images: unexpected line %q", p.script, sc.Text())
		}
	}
	tb.Logf("images for %s ready in %s: %d archives, no stand-in for %v", dir, time.Since(began).Round(100*time.Millisecond), len(im.Archives), im.Missing)
	return im
}

// StartReal starts a sandbox whose nodes are real (kubelet, containerd, runc, kube-proxy in a
// network namespace each) from a kind config, with the given image archives on every node. Unlike
// Start, every call gets its own cluster, removed when the test ends; only one runs per machine
// at a time, so a second call waits (up to 10 minutes) for the first to be stopped.
//
// Policy: as for Start; real nodes also need root (network namespaces, cgroups, mounts). env adds
// sandbox.sh settings such as SANDBOX_REAL_NODES=2.
func StartReal(tb testing.TB, kindConfig string, images []string, env ...string) *Sandbox {
	tb.Helper()
	p := prepareReal(tb)
	p.env = append(p.env, "SANDBOX_IMAGES="+strings.Join(images, " "), "SANDBOX_LOCK_WAIT=600")
	p.env = append(p.env, env...)
	sb, err := up(tb, p, "up", "--real", "--kind-config", kindConfig)
	if err != nil {
		tb.Fatalf("start k8s sandbox with real nodes: %v", err)
	}
	sb.real = true
	tb.Cleanup(func() {
		if err := sb.stop(); err != nil {
			tb.Errorf("stop k8s sandbox: %v", err)
		}
	})
	return sb
}

func prepareReal(tb testing.TB) prepared {
	tb.Helper()
	p, skip, err := prepare()
	if skip == "" && err == nil && os.Geteuid() != 0 {
		skip = "real sandbox nodes need root (network namespaces, cgroups, mounts)"
	}
	switch {
	case skip != "" && ciMode():
		tb.Fatalf("CI=true requires the k8s sandbox with real nodes, but: %s", skip)
	case skip != "":
		tb.Skipf("\n*** K8S SANDBOX (REAL NODES) NOT RUN: %s ***", skip)
	case err != nil:
		tb.Fatalf("k8s sandbox: %v", err)
	}
	return p
}

// IsReal says whether the sandbox's nodes really run pods.
func (s *Sandbox) IsReal() bool { return s.real }

// Script runs `sandbox.sh ARGS...` against this sandbox (cut, restore, degrade, load, exec).
func (s *Sandbox) Script(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, s.script, args...)
	cmd.Env = append(os.Environ(), "SANDBOX_STATE_DIR="+s.StateDir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("sandbox.sh %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}
