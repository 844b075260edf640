package deploytest

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cloudnative-go-journey/cloudnative-go-journey/scripts/k8s-sandbox/sandbox"
	"github.com/cloudnative-go-journey/cloudnative-go-journey/scripts/k8s-sandbox/verify"
)

// TestBrokenManifestsFail applies deliberately broken manifests the way deploy.sh does and checks
// that the verifier fails each one with a message that names it and says what is wrong.
func TestBrokenManifestsFail(t *testing.T) {
	sb := sandbox.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir, err := filepath.Abs(filepath.Join("testdata", "broken"))
	if err != nil {
		t.Fatal(err)
	}
	freshNodes(ctx, t, sb, dir)

	kubectl := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, sb.Kubectl(), args...)
		cmd.Env = sb.Env()
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := kubectl("apply", "--server-side", "-f", filepath.Join(dir, "k8s", "namespace.yaml")); err != nil {
		t.Fatalf("apply namespace: %v\n%s", err, out)
	}
	out, err := kubectl("apply", "--server-side", "-f", filepath.Join(dir, "k8s", "broken"))
	t.Logf("kubectl apply of the broken manifests (expected to fail):\n%s", out)
	if err == nil {
		t.Errorf("kubectl apply of the broken manifests: got success, want the API server to reject Deployment bad-selector")
	}
	if want := "selector` does not match template `labels`"; !strings.Contains(out, want) {
		t.Errorf("kubectl apply output: want it to contain %q", want)
	}

	// Short timeout: the fine objects pass within seconds; the broken ones never will.
	rep := verifyDir(ctx, t, sb, dir, 20*time.Second)
	t.Logf("verifier problems:\n%s", verify.Problems(rep.Problems))

	want := []struct{ object, message string }{
		{"Service broken/no-pods", "no ready endpoints: selector app.kubernetes.io/name=nothing-has-this-label matches no pod in namespace broken"},
		{"Deployment broken/bad-selector", "not found on the API server: it was rejected when applied, or never applied"},
		{"DaemonSet broken/no-nodes", "its nodeSelector, node affinity and tolerations allow no node (nodes: sandbox-broken-control-plane, sandbox-broken-worker, sandbox-broken-worker2)"},
		{"PersistentVolumeClaim broken/no-class", `not Bound (phase Pending): StorageClass "does-not-exist" does not exist`},
	}
	got := map[string]string{}
	for _, p := range rep.Problems {
		if _, dup := got[p.Object]; dup {
			t.Errorf("got two problems for %s, want one", p.Object)
		}
		got[p.Object] = p.Message
	}
	for _, w := range want {
		msg, ok := got[w.object]
		if !ok {
			t.Errorf("%s: got no problem, want %q", w.object, w.message)
			continue
		}
		if msg != w.message {
			t.Errorf("%s: got message %q, want %q", w.object, msg, w.message)
		}
		delete(got, w.object)
	}
	for obj, msg := range got {
		t.Errorf("%s: got unexpected problem %q (the correct objects must pass)", obj, msg)
	}
	for _, ok := range []string{"Deployment broken/fine: rolled out", "Service broken/fine: 1 ready endpoint(s)"} {
		if !containsPrefix(rep.Passed, ok) {
			t.Errorf("passed checks %q: want one starting with %q", rep.Passed, ok)
		}
	}
}

func containsPrefix(lines []string, prefix string) bool {
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			return true
		}
	}
	return false
}
