package deploytest

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/cloudnative-go-journey/cloudnative-go-journey/scripts/k8s-sandbox/sandbox"
	"github.com/cloudnative-go-journey/cloudnative-go-journey/scripts/k8s-sandbox/verify"
)

// TestRealSandbox proves what the real-node sandbox itself promises, with the fixture in
// testdata/real (three nodes in the kind config, two of them real): failures are reported with
// what the kubelet saw, pods beyond the real nodes are reported as not run, and a node cut off
// from the cluster turns NotReady while its pod keeps running, then comes back with it.
func TestRealSandbox(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join("testdata", "real"))
	if err != nil {
		t.Fatal(err)
	}
	// What it proves depends on the sandbox alone (the image only has to serve /ready).
	sandbox.OncePerInput(t, "real-sandbox", dir, false)
	// The newest version's api image: its deploy test builds it anyway, so this adds no build.
	dirs := versionDirs(t)
	newest := dirs[len(dirs)-1]
	image := "journey/api:" + filepath.Base(newest)
	im := sandbox.BuildImages(t, newest)
	archive, ok := im.Archives[image]
	if !ok {
		t.Fatalf("sandbox.sh images %s built no %s (got %v)", newest, image, im.Archives)
	}
	sb := sandbox.StartReal(t, filepath.Join(dir, "k8s", "kind-config.yaml"), []string{archive}, "SANDBOX_REAL_NODES=2")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	raw, err := os.ReadFile(filepath.Join(dir, "k8s", "workloads.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	manifests := strings.ReplaceAll(string(raw), "IMAGE", image)
	apply := exec.CommandContext(ctx, sb.Kubectl(), "apply", "--server-side", "-f", "-")
	apply.Env, apply.Stdin = sb.Env(), strings.NewReader(manifests)
	if out, err := apply.CombinedOutput(); err != nil {
		t.Fatalf("apply the fixture: %v\n%s", err, out)
	}
	objs, err := verify.DecodeManifests(strings.NewReader(manifests), "testdata/real/k8s/workloads.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// Long enough for the probe to fail a few times and the good pod to be ready.
	rep, err := verify.Verify(ctx, cluster(sb), objs, verify.Options{Timeout: 40 * time.Second, RealNodes: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("verifier problems:\n%s", verify.Problems(rep.Problems))
	want := map[string][]string{
		"Deployment real/unready":  {"not rolled out", "running but not ready", "event Unhealthy: Readiness probe failed: HTTP probe failed with statuscode: 404", "log: "},
		"Deployment real/no-image": {"not rolled out", `image journey/not-built:v0.0`, "ErrImageNeverPull"},
	}
	got := map[string]string{}
	for _, p := range rep.Problems {
		got[p.Object] = p.Message
	}
	for obj, parts := range want {
		for _, part := range parts {
			if !strings.Contains(got[obj], part) {
				t.Errorf("problem for %s: got %q, want it to contain %q", obj, got[obj], part)
			}
		}
	}
	if len(got) != len(want) {
		t.Errorf("got problems for %d objects, want exactly %v", len(got), keys(want))
	}
	if len(rep.NotRun) != 1 || !strings.Contains(rep.NotRun[0], "Pod real/overflow-") || !strings.HasSuffix(rep.NotRun[0], "on kwok node sandbox-real-worker2") {
		t.Errorf("not run: got %v, want the overflow pod on kwok node sandbox-real-worker2", rep.NotRun)
	}

	resp, err := http.Get(smokeURL + "/ready")
	if err != nil {
		t.Fatalf("GET %s/ready through the mapped NodePort: %v", smokeURL, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s/ready: %d, want 200", smokeURL, resp.StatusCode)
	}

	t.Run("cut-and-restore-node", func(t *testing.T) { cutAndRestore(ctx, t, sb) })
}

func keys(m map[string][]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// cutAndRestore takes the good pod's node off the network: the node lifecycle controller marks it
// not ready after its grace period while the pod, seen from the node itself, keeps serving; once
// the link is back the node is Ready again with the same container, never restarted.
func cutAndRestore(ctx context.Context, t *testing.T, sb *sandbox.Sandbox) {
	const node = "sandbox-real-worker"
	pods, err := sb.Client.CoreV1().Pods("real").List(ctx, metav1.ListOptions{LabelSelector: "app=good"})
	if err != nil || len(pods.Items) != 1 {
		t.Fatalf("good pod: %v (%d pods), want one", err, len(pods.Items))
	}
	before := pods.Items[0]
	if before.Spec.NodeName != node || len(before.Status.ContainerStatuses) != 1 {
		t.Fatalf("good pod on %q with %d containers, want one container on %s", before.Spec.NodeName, len(before.Status.ContainerStatuses), node)
	}
	if _, err := sb.Script(ctx, "cut", node); err != nil {
		t.Fatal(err)
	}
	cut := time.Now()
	readyIs := func(want corev1.ConditionStatus, timeout time.Duration) error {
		return wait.PollUntilContextTimeout(ctx, time.Second, timeout, true, func(ctx context.Context) (bool, error) {
			n, err := sb.Client.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{})
			if err != nil {
				return false, nil
			}
			for _, c := range n.Status.Conditions {
				if c.Type == corev1.NodeReady {
					return c.Status == want, nil
				}
			}
			return false, nil
		})
	}
	if err := readyIs(corev1.ConditionUnknown, 2*time.Minute); err != nil {
		_, _ = sb.Script(ctx, "restore", node)
		t.Fatalf("node %s still Ready 2m after its link was cut: %v", node, err)
	}
	t.Logf("node %s Ready=Unknown %s after the cut", node, time.Since(cut).Round(time.Second))
	out, err := sb.Script(ctx, "exec", node, "curl", "-fsS", "--max-time", "5", "http://"+before.Status.PodIP+":8080/ready")
	if err != nil {
		t.Errorf("during the cut, the pod on %s did not answer from its own node: %v", node, err)
	} else {
		t.Logf("during the cut, from the node itself: %s", strings.TrimSpace(out))
	}
	if _, err := sb.Script(ctx, "restore", node); err != nil {
		t.Fatal(err)
	}
	restored := time.Now()
	if err := readyIs(corev1.ConditionTrue, 2*time.Minute); err != nil {
		t.Fatalf("node %s not Ready 2m after its link came back: %v", node, err)
	}
	t.Logf("node %s Ready again %s after the restore", node, time.Since(restored).Round(time.Second))
	after, err := sb.Client.CoreV1().Pods("real").Get(ctx, before.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("good pod after the restore: %v", err)
	}
	b, a := before.Status.ContainerStatuses[0], after.Status.ContainerStatuses[0]
	if a.ContainerID != b.ContainerID || a.RestartCount != b.RestartCount {
		t.Errorf("container after the restore: %s (restarts %d), want the same %s (restarts %d)", a.ContainerID, a.RestartCount, b.ContainerID, b.RestartCount)
	}
}
