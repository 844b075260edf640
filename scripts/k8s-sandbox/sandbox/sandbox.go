// Package sandbox gives tests a real Kubernetes control plane (etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler) whose nodes and pods are simulated by kwok. It drives
// scripts/k8s-sandbox/sandbox.sh, so tests and `make sandbox-up` run the same thing.
//
// One sandbox is started per test binary, on first use, and stopped when the tests finish:
//
//	func TestMain(m *testing.M) { os.Exit(sandbox.Run(m)) }
//
//	func TestSomething(t *testing.T) {
//		sb := sandbox.Start(t)
//		nodes, err := sb.CreateNodesFromKindConfig(ctx, "../../v1.5/k8s/kind-config.yaml")
//		...
//	}
//
// Policy: with CI=true the sandbox is required (missing binaries fail the test); with SANDBOX=1
// it is used when built and skipped loudly when not; otherwise tests that need it are skipped.
package sandbox

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
)

// Sandbox is a running control plane.
type Sandbox struct {
	Kubeconfig string // path of the admin kubeconfig
	BinDir     string // etcd, kube-*, kubectl, kwok
	StateDir   string // logs/ holds each component's log
	Config     *rest.Config
	Client     kubernetes.Interface
	Dynamic    dynamic.Interface
	Mapper     *restmapper.DeferredDiscoveryRESTMapper
	script     string
	real       bool
}

// Kubectl is the path of the kubectl built at the sandbox's Kubernetes version.
func (s *Sandbox) Kubectl() string { return filepath.Join(s.BinDir, "kubectl") }

// Env is os.Environ with KUBECONFIG pointing at the sandbox and its bin directory first on PATH,
// for running scripts such as deploy.sh against it.
func (s *Sandbox) Env() []string {
	var env []string
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); k != "KUBECONFIG" && k != "PATH" && k != "KUBECTL" {
			env = append(env, kv)
		}
	}
	return append(env, "KUBECONFIG="+s.Kubeconfig, "PATH="+s.BinDir+string(os.PathListSeparator)+os.Getenv("PATH"),
		"KUBECTL="+s.Kubectl())
}

var shared struct {
	sync.Mutex
	inRun   bool
	started bool
	sb      *Sandbox
	skip    string // reason to skip (or, in CI, to fail)
	err     error
}

// Run runs the tests and then stops the sandbox if a test started one. Call it from TestMain.
func Run(m *testing.M) int {
	shared.Lock()
	shared.inRun = true
	shared.Unlock()
	code := m.Run()
	shared.Lock()
	defer shared.Unlock()
	if shared.sb != nil {
		if err := shared.sb.stop(); err != nil {
			fmt.Fprintf(os.Stderr, "sandbox: stop: %v\n", err)
			if code == 0 {
				code = 1
			}
		}
	}
	return code
}

// Start returns the test binary's sandbox, starting it on first use. It skips the test when the
// sandbox was not asked for (see the package documentation) and fails it when it cannot start.
func Start(tb testing.TB) *Sandbox {
	tb.Helper()
	shared.Lock()
	defer shared.Unlock()
	if !shared.inRun {
		tb.Fatal("sandbox.Start needs the tests to run under sandbox.Run: add func TestMain(m *testing.M) { os.Exit(sandbox.Run(m)) }")
	}
	if !shared.started {
		shared.started = true
		shared.sb, shared.skip, shared.err = start(tb)
	}
	switch {
	case shared.skip != "" && ciMode():
		tb.Fatalf("CI=true requires the k8s sandbox, but: %s", shared.skip)
	case shared.skip != "":
		tb.Skipf("\n*** K8S SANDBOX NOT RUN: %s ***", shared.skip)
	case shared.err != nil:
		tb.Fatalf("start k8s sandbox: %v", shared.err)
	}
	return shared.sb
}

func ciMode() bool { return os.Getenv("CI") == "true" }

func start(tb testing.TB) (*Sandbox, string, error) {
	p, skip, err := prepare()
	if skip != "" || err != nil {
		return nil, skip, err
	}
	sb, err := up(tb, p, "up")
	return sb, "", err
}

// prepared is what every sandbox start needs: the script, a fresh state dir and the environment.
type prepared struct {
	script, stateDir string
	env              []string
	vars             map[string]string // sandbox.sh env
}

// prepare returns a reason to skip when the sandbox was not asked for or is not built.
func prepare() (prepared, string, error) {
	if !ciMode() && os.Getenv("SANDBOX") != "1" {
		return prepared{}, "set SANDBOX=1 (or CI=true) to run tests against a real control plane; build it once with scripts/k8s-sandbox/sandbox.sh build", nil
	}
	script, err := findScript()
	if err != nil {
		return prepared{}, "", err
	}
	stateDir, err := os.MkdirTemp("", "k8s-sandbox-test-")
	if err != nil {
		return prepared{}, "", err
	}
	env := append(os.Environ(), "SANDBOX_STATE_DIR="+stateDir, "SANDBOX_WATCH_PID="+strconv.Itoa(os.Getpid()))
	vars, err := scriptEnv(script, env)
	if err != nil {
		return prepared{}, "", err
	}
	if vars["SANDBOX_BUILT"] != "true" {
		_ = os.RemoveAll(stateDir)
		return prepared{}, fmt.Sprintf("the sandbox binaries are not built in %s: run %s build (about 30 min cold)", vars["SANDBOX_BIN_DIR"], script), nil
	}
	return prepared{script: script, stateDir: stateDir, env: env, vars: vars}, "", nil
}

// up runs `sandbox.sh ARGS...` (an up command) and connects to the result.
func up(tb testing.TB, p prepared, args ...string) (*Sandbox, error) {
	script, env, stateDir := p.script, p.env, p.stateDir
	began := time.Now()
	var out bytes.Buffer
	for attempt := 1; ; attempt++ {
		out.Reset()
		cmd := exec.Command(script, args...)
		cmd.Env = env
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		if err == nil {
			break
		}
		down := exec.Command(script, "down")
		down.Env = env
		_ = down.Run()
		// A port picked as free can still be taken by another process before
		// the component binds it; a second attempt picks new ports.
		if attempt == 1 && strings.Contains(out.String(), "address already in use") {
			tb.Logf("k8s sandbox: a port was taken during start-up, retrying once:\n%s", out.String())
			continue
		}
		return nil, fmt.Errorf("%s %s: %w\n%s", script, strings.Join(args, " "), err, out.String())
	}
	tb.Logf("k8s sandbox up in %s (state %s)", time.Since(began).Round(100*time.Millisecond), stateDir)
	sb, err := connect(p.vars["KUBECONFIG"], p.vars["SANDBOX_BIN_DIR"], stateDir)
	if err != nil {
		return nil, err
	}
	sb.script = script
	return sb, nil
}

func connect(kubeconfig, binDir, stateDir string) (*Sandbox, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig: %w", err)
	}
	cfg.QPS, cfg.Burst = 100, 200 // tests poll a lot; the default 5 QPS makes them slow
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &Sandbox{
		Kubeconfig: kubeconfig, BinDir: binDir, StateDir: stateDir,
		Config: cfg, Client: cs, Dynamic: dyn,
		Mapper: restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc)),
	}, nil
}

func (s *Sandbox) stop() error {
	cmd := exec.Command(s.script, "down")
	cmd.Env = append(os.Environ(), "SANDBOX_STATE_DIR="+s.StateDir)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s down: %w\n%s", s.script, err, out)
	}
	return nil
}

// findScript locates sandbox.sh: $SANDBOX_SCRIPT, or scripts/k8s-sandbox/sandbox.sh in the
// working directory or one of its parents (the repository root), so tests in any module of the
// repository can use the helper.
func findScript() (string, error) {
	if p := os.Getenv("SANDBOX_SCRIPT"); p != "" {
		return filepath.Abs(p)
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, "scripts", "k8s-sandbox", "sandbox.sh")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("scripts/k8s-sandbox/sandbox.sh not found above the working directory; set SANDBOX_SCRIPT")
		}
		dir = parent
	}
}

// scriptEnv runs `sandbox.sh env` and parses its KEY=VALUE lines.
func scriptEnv(script string, env []string) (map[string]string, error) {
	cmd := exec.Command(script, "env")
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s env: %w\n%s", script, err, stderr.String())
	}
	vars := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			vars[k] = v
		}
	}
	for _, k := range []string{"SANDBOX_BIN_DIR", "SANDBOX_BUILT", "KUBECONFIG"} {
		if vars[k] == "" {
			return nil, fmt.Errorf("%s env printed no %s", script, k)
		}
	}
	return vars, nil
}

// WaitNodesReady waits until the named nodes report Ready (kwok sets it within a second or two)
// and the node lifecycle controller has lifted the not-ready taint it puts on new nodes, so a
// deploy sees the nodes as a freshly created kind cluster would show them.
func (s *Sandbox) WaitNodesReady(ctx context.Context, names ...string) error {
	var notReady []string
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		notReady = notReady[:0]
		for _, name := range names {
			n, err := s.Client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
			if err != nil || !NodeReady(n) || hasTaint(n, corev1.TaintNodeNotReady) || hasTaint(n, corev1.TaintNodeUnreachable) {
				notReady = append(notReady, name)
			}
		}
		return len(notReady) == 0, nil
	})
	if err != nil {
		return fmt.Errorf("nodes not Ready and untainted after 60s: %s (is kwok running? see %s/logs/kwok.log): %w",
			strings.Join(notReady, ", "), s.StateDir, err)
	}
	return nil
}

func hasTaint(n *corev1.Node, key string) bool {
	for _, t := range n.Spec.Taints {
		if t.Key == key {
			return true
		}
	}
	return false
}

// NodeReady reports whether n has condition Ready=True.
func NodeReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// systemNamespaces are created by the control plane itself and survive Reset.
var systemNamespaces = map[string]bool{"default": true, "kube-system": true, "kube-public": true, "kube-node-lease": true}

// Reset returns the sandbox to a fresh state between tests that deploy whole versions: it deletes
// every non-system namespace (and so everything in it) and every node, and waits until they are
// gone, so DaemonSets and PVCs of one test cannot leak onto another test's nodes.
func (s *Sandbox) Reset(ctx context.Context) error {
	nss, err := s.Client.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("list namespaces: %w", err)
	}
	for _, ns := range nss.Items {
		if systemNamespaces[ns.Name] || ns.DeletionTimestamp != nil {
			continue
		}
		if err := s.Client.CoreV1().Namespaces().Delete(ctx, ns.Name, metav1.DeleteOptions{}); err != nil {
			return fmt.Errorf("delete namespace %s: %w", ns.Name, err)
		}
	}
	var left []string
	zero := int64(0)
	err = wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		nss, err := s.Client.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, nil
		}
		left = left[:0]
		for _, ns := range nss.Items {
			if systemNamespaces[ns.Name] {
				continue
			}
			left = append(left, ns.Name)
			// Like kubelet, kwok waits out each pod's grace period (30s by default) before it
			// removes a deleted pod; nothing runs, so skip the wait and delete pods at once.
			_ = s.Client.CoreV1().Pods(ns.Name).DeleteCollection(ctx, metav1.DeleteOptions{GracePeriodSeconds: &zero}, metav1.ListOptions{})
		}
		return len(left) == 0, nil
	})
	if err != nil {
		sort.Strings(left)
		return fmt.Errorf("namespaces still terminating after 2m: %s: %w", strings.Join(left, ", "), err)
	}
	if err := s.Client.CoreV1().Nodes().DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{}); err != nil {
		return fmt.Errorf("delete nodes: %w", err)
	}
	return nil
}
