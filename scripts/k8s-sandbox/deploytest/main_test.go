package deploytest

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cloudnative-go-journey/cloudnative-go-journey/scripts/k8s-sandbox/sandbox"
	"github.com/cloudnative-go-journey/cloudnative-go-journey/scripts/k8s-sandbox/verify"
)

func TestMain(m *testing.M) { os.Exit(sandbox.Run(m)) }

func cluster(sb *sandbox.Sandbox) verify.Cluster {
	return verify.Cluster{Client: sb.Client, Dynamic: sb.Dynamic, Mapper: sb.Mapper}
}

// freshNodes resets the sandbox and registers the nodes of dir's kind config, so each deploy
// sees only its own version's nodes.
func freshNodes(ctx context.Context, t *testing.T, sb *sandbox.Sandbox, dir string) {
	t.Helper()
	began := time.Now()
	if err := sb.Reset(ctx); err != nil {
		t.Fatalf("reset sandbox: %v", err)
	}
	reset := time.Since(began)
	nodes, err := sb.CreateNodesFromKindConfig(ctx, filepath.Join(dir, "k8s", "kind-config.yaml"))
	if err != nil {
		t.Fatalf("create nodes: %v", err)
	}
	t.Logf("sandbox reset in %s, %d nodes Ready in %s", reset.Round(100*time.Millisecond), len(nodes), (time.Since(began) - reset).Round(100*time.Millisecond))
	for _, n := range nodes {
		t.Logf("node %s labels=%v taints=%v", n.Name, n.Labels, n.Spec.Taints)
	}
}

// verifyDir is the one verification path for real versions and for the broken fixture: load
// the manifests under dir/k8s and check them against the sandbox.
func verifyDir(ctx context.Context, t *testing.T, sb *sandbox.Sandbox, dir string, timeout time.Duration) verify.Report {
	t.Helper()
	objs, err := verify.LoadManifests(filepath.Join(dir, "k8s"), sb.Kubectl())
	if err != nil {
		t.Fatalf("load manifests: %v", err)
	}
	rep, err := verify.Verify(ctx, cluster(sb), objs, verify.Options{Timeout: timeout, RealNodes: sb.IsReal()})
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	for _, p := range rep.Passed {
		t.Logf("ok   %s", p)
	}
	for _, p := range rep.NotRun {
		t.Logf("NOT RUN %s", p)
	}
	return rep
}
