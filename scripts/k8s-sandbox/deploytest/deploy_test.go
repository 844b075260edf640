package deploytest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cloudnative-go-journey/cloudnative-go-journey/scripts/k8s-sandbox/sandbox"
	"github.com/cloudnative-go-journey/cloudnative-go-journey/scripts/k8s-sandbox/verify"
)

const smokeSkipped = "smoke: skipped in sandbox"

// versionDirs lists every version folder at the repository root that has scripts/deploy.sh.
func versionDirs(t *testing.T) []string {
	t.Helper()
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	versions, err := filepath.Glob(filepath.Join(root, "v*", "scripts", "deploy.sh"))
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, v := range versions {
		dirs = append(dirs, filepath.Dir(filepath.Dir(v)))
	}
	sort.Strings(dirs)
	return dirs
}

// TestFixtureDeployOnKwok runs the fixture in testdata/good on kwok nodes: it exercises every
// verifier check (DaemonSets on tainted edge nodes, StatefulSet volume claims, HPAs, Jobs) before
// the versions that need them exist. Its images do not exist, so it cannot run on real nodes; the
// versions themselves run on real nodes (real_test.go).
func TestFixtureDeployOnKwok(t *testing.T) {
	sb := sandbox.Start(t)
	dir, err := filepath.Abs(filepath.Join("testdata", "good"))
	if err != nil {
		t.Fatal(err)
	}
	testDeploy(t, sb, dir)
}

func testDeploy(t *testing.T, sb *sandbox.Sandbox, dir string) {
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	freshNodes(ctx, t, sb, dir)

	script := filepath.Join(dir, "scripts", "deploy.sh")
	cmd := exec.CommandContext(ctx, script, "--no-kind", "apply", "wait", "smoke")
	cmd.Dir = dir
	cmd.Env = sb.Env()
	out, err := cmd.CombinedOutput()
	t.Logf("%s --no-kind apply wait smoke:\n%s", script, out)
	if err != nil {
		t.Fatalf("deploy script failed: %v", err)
	}

	rep := verifyDir(ctx, t, sb, dir, 90*time.Second)
	if len(rep.Problems) > 0 {
		t.Errorf("after deploy.sh succeeded, the sandbox disagrees:\n%s", verify.Problems(rep.Problems))
	}

	// Reported on its own so a sandbox run never counts the smoke test as passed.
	t.Run("smoke", func(t *testing.T) {
		if strings.Contains(string(out), smokeSkipped) {
			t.Skipf("%s (needs real containers): not counted as passed", smokeSkipped)
		}
		if !strings.Contains(string(out), "smoke") {
			t.Errorf("deploy.sh printed nothing about the smoke step; want it to run or say %q", smokeSkipped)
		}
	})
}

func TestFixtureDeployScriptIsExecutable(t *testing.T) {
	// A fixture that lost its executable bit would fail TestDeployScripts with a confusing error.
	fi, err := os.Stat(filepath.Join("testdata", "good", "scripts", "deploy.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm()&0o111 == 0 {
		t.Errorf("got mode %v for testdata/good/scripts/deploy.sh, want it executable", fi.Mode())
	}
}
