package hpatest

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/cloudnative-go-journey/cloudnative-go-journey/scripts/k8s-sandbox/sandbox"
	"github.com/cloudnative-go-journey/cloudnative-go-journey/scripts/k8s-sandbox/verify"
)

const (
	// annotationUsageCPU is read by kwok's usage-from-annotation config (sandbox.sh): every
	// container of the pod reports this CPU usage; without it kwok reports 1m.
	annotationUsageCPU = "kwok.x-k8s.io/usage-cpu"
	// syncPeriod is the HPA controller's period in this test binary's sandbox (kind: 15s).
	syncPeriod = "2s"
	// loadRequests is the simulated load in units of the pod's CPU request: 4 pods' worth of
	// requested CPU, fully busy. With a 50% target that asks for 8 replicas.
	loadRequests = 4
	// Defaults kube-controller-manager applies when an HPA's behavior leaves them out.
	defaultScaleDownWindow = 300 * time.Second
	// Margins on top of what the HPA's behavior allows: metrics-server needs two scrapes (10s
	// apart) before a new pod has metrics, and CI runs other sandboxes and builds meanwhile.
	scaleUpMargin   = 3 * time.Minute
	scaleDownMargin = 2 * time.Minute
)

var versionsFlag = flag.String("versions", "", "comma-separated version directories to test instead of every ../../../v*/ with k8s/api/hpa.yaml (e.g. a draft)")

func TestMain(m *testing.M) {
	// sandbox.sh reads SANDBOX_HPA_SYNC_PERIOD when this binary's sandbox starts (on the first
	// sandbox.Start); the deploy tests' binaries keep kind's 15s.
	if os.Getenv("SANDBOX_HPA_SYNC_PERIOD") == "" {
		_ = os.Setenv("SANDBOX_HPA_SYNC_PERIOD", syncPeriod)
	}
	os.Exit(sandbox.Run(m))
}

// hpaDirs lists the version directories whose api has an HPA (k8s/api/hpa.yaml).
func hpaDirs(t *testing.T) []string {
	t.Helper()
	if *versionsFlag != "" {
		var dirs []string
		for _, d := range strings.Split(*versionsFlag, ",") {
			abs, err := filepath.Abs(strings.TrimSpace(d))
			if err != nil {
				t.Fatal(err)
			}
			dirs = append(dirs, abs)
		}
		return dirs
	}
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(root, "v*", "k8s", "api", "hpa.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, f := range files {
		dirs = append(dirs, filepath.Dir(filepath.Dir(filepath.Dir(f))))
	}
	sort.Strings(dirs)
	return dirs
}

func TestHPAScalesAPIFromMetricsAPI(t *testing.T) {
	dirs := hpaDirs(t)
	if len(dirs) == 0 {
		t.Skip("no version has k8s/api/hpa.yaml yet: nothing to autoscale")
	}
	sb := sandbox.Start(t)
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			// The newest version's HPA also scales under real load on real nodes on every run
			// (deploytest); this formula-exact check runs once per distinct input.
			sandbox.OncePerInput(t, "kwok-hpa", dir, false)
			testHPA(t, sb, dir)
		})
	}
}

// plan is what the test derives from a version's manifests.
type plan struct {
	hpa        *autoscalingv2.HorizontalPodAutoscaler
	dep        *appsv1.Deployment
	requestCPU int64 // the pod's CPU request (all containers), millicores
	containers int64
	targetPct  int64
	load       int64 // simulated total CPU usage, millicores
	want       int32 // replicas the HPA formula asks for under load
}

func testHPA(t *testing.T, sb *sandbox.Sandbox, dir string) {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Minute)
	defer cancel()
	p := loadPlan(t, dir)
	ns, name := p.dep.Namespace, p.dep.Name
	t.Logf("HPA %s/%s: %s %d..%d replicas, CPU target %d%% of %dm; simulated load %dm -> ceil(%d / (%d%% x %dm)) = %d replicas (capped at max)",
		ns, p.hpa.Name, p.hpa.Spec.ScaleTargetRef.Name, minReplicas(p.hpa), p.hpa.Spec.MaxReplicas, p.targetPct, p.requestCPU,
		p.load, p.load, p.targetPct, p.requestCPU, p.want)

	if err := sb.Reset(ctx); err != nil {
		t.Fatalf("reset sandbox: %v", err)
	}
	if _, err := sb.CreateNodesFromKindConfig(ctx, filepath.Join(dir, "k8s", "kind-config.yaml")); err != nil {
		t.Fatalf("create nodes: %v", err)
	}
	apply(ctx, t, sb, filepath.Join(dir, "k8s", "namespace.yaml"))
	ensureSecrets(ctx, t, sb, &p.dep.Spec.Template.Spec, ns)
	apply(ctx, t, sb, filepath.Join(dir, "k8s", "api"))
	began := time.Now()
	waitAvailable(ctx, t, sb, ns, name)
	t.Logf("deployment %s/%s available after %s", ns, name, since(began))
	// Read the HPA back: the API server has filled in the behavior's defaults.
	hpa, err := sb.Client.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(ctx, p.hpa.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get HPA: %v", err)
	}
	selector := metav1.FormatLabelSelector(p.dep.Spec.Selector)
	var upRules, downRules *autoscalingv2.HPAScalingRules // nil: kube-controller-manager's defaults
	if b := hpa.Spec.Behavior; b != nil {
		upRules, downRules = b.ScaleUp, b.ScaleDown
	}

	// The baseline: metrics-server serves every pod (kwok's default usage, 1m per container).
	waitPodMetrics(ctx, t, sb, ns, selector, func(pods int, total int64) bool { return pods > 0 }, 2*time.Minute)
	t.Logf("pod metrics served %s after the deployment was applied", since(began))

	var load atomic.Int64
	go spreadLoad(ctx, t, sb, ns, selector, p.containers, &load)
	tl := &timeline{t: t, sb: sb, ns: ns, dep: name, hpa: hpa.Name, start: time.Now()}

	// Scale up: the HPA must reach at least the replicas its formula asks for.
	load.Store(p.load)
	upBound := ruleDuration(upRules, minReplicas(hpa), p.want, 0) + scaleUpMargin
	tl.logf("load %dm spread over the Running pods; want >= %d replicas within %s", p.load, p.want, upBound)
	got, up := tl.waitReplicas(ctx, func(r int32) bool { return r >= p.want }, upBound)
	tl.logf("scaled up to %d replicas in %s", got, up.Round(time.Second))

	// The numbers came from the metrics API: once the new pods have been scraped, metrics.k8s.io
	// reports the simulated total, spread over the pods.
	pods, total := waitPodMetrics(ctx, t, sb, ns, selector, func(pods int, total int64) bool {
		return pods >= int(p.want) && math.Abs(float64(total-p.load)) <= 0.1*float64(p.load)
	}, 2*time.Minute)
	tl.logf("metrics.k8s.io: %d pods use %dm CPU in total (simulated %dm)", pods, total, p.load)

	// Scale down: no load; the HPA waits out its scale-down stabilization window, then removes
	// pods as fast as its policies allow.
	window := stabilizationWindow(downRules, defaultScaleDownWindow)
	cur := currentReplicas(ctx, t, sb, ns, name)
	downBound := ruleDuration(downRules, cur, minReplicas(hpa), defaultScaleDownWindow) + scaleDownMargin
	load.Store(0)
	tl.logf("load 0; want %d replica(s) within %s (scale-down window %s)", minReplicas(hpa), downBound, window)
	firstDown := time.Duration(-1)
	got, down := tl.waitReplicasWith(ctx, func(r int32, d time.Duration) bool {
		if r < cur && firstDown < 0 {
			firstDown = d
		}
		return r == minReplicas(hpa)
	}, downBound)
	tl.logf("scaled down to %d in %s", got, down.Round(time.Second))
	// The HPA keeps the highest recommendation of the window, and the load was still visible in
	// the metrics for a scrape or two after it stopped, so no pod may go before the window ends.
	if firstDown >= 0 && firstDown < window-3*time.Second {
		t.Errorf("first scale-down %s after the load stopped; want no earlier than the %s stabilization window", firstDown.Round(time.Second), window)
	}
}

// loadPlan reads the version's HPA and its target Deployment and applies the HPA formula.
func loadPlan(t *testing.T, dir string) plan {
	t.Helper()
	objs, err := verify.LoadManifests(filepath.Join(dir, "k8s", "api"), "")
	if err != nil {
		t.Fatalf("load manifests: %v", err)
	}
	var p plan
	for _, o := range objs {
		if o.GetKind() == "HorizontalPodAutoscaler" && o.GetAPIVersion() == "autoscaling/v2" {
			p.hpa = &autoscalingv2.HorizontalPodAutoscaler{}
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, p.hpa); err != nil {
				t.Fatalf("decode HPA %s: %v", o.GetName(), err)
			}
		}
	}
	if p.hpa == nil {
		t.Fatalf("%s/k8s/api has no autoscaling/v2 HorizontalPodAutoscaler", dir)
	}
	ref := p.hpa.Spec.ScaleTargetRef
	for _, o := range objs {
		if o.GetKind() == "Deployment" && o.GetName() == ref.Name && o.GetNamespace() == p.hpa.Namespace {
			p.dep = &appsv1.Deployment{}
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, p.dep); err != nil {
				t.Fatalf("decode Deployment %s: %v", o.GetName(), err)
			}
		}
	}
	if ref.Kind != "Deployment" || p.dep == nil {
		t.Fatalf("HPA %s targets %s %q; want a Deployment in %s/k8s/api, namespace %s", p.hpa.Name, ref.Kind, ref.Name, dir, p.hpa.Namespace)
	}
	if p.dep.Spec.Replicas != nil {
		t.Errorf("Deployment %s sets replicas: %d; want it unset, or every apply resets what the HPA chose", p.dep.Name, *p.dep.Spec.Replicas)
	}
	for _, c := range p.dep.Spec.Template.Spec.Containers {
		p.requestCPU += c.Resources.Requests.Cpu().MilliValue()
		p.containers++
	}
	for _, m := range p.hpa.Spec.Metrics {
		if m.Type == autoscalingv2.ResourceMetricSourceType && m.Resource != nil && m.Resource.Name == corev1.ResourceCPU &&
			m.Resource.Target.Type == autoscalingv2.UtilizationMetricType && m.Resource.Target.AverageUtilization != nil {
			p.targetPct = int64(*m.Resource.Target.AverageUtilization)
		}
	}
	if p.targetPct == 0 || p.requestCPU == 0 {
		t.Fatalf("HPA %s: CPU utilization target %d%%, pod CPU request %dm; want both set (utilization = usage / request)", p.hpa.Name, p.targetPct, p.requestCPU)
	}
	p.load = loadRequests * p.requestCPU
	p.want = min(int32(ceilDiv(p.load*100, p.targetPct*p.requestCPU)), p.hpa.Spec.MaxReplicas)
	if p.want <= minReplicas(p.hpa) {
		t.Fatalf("load %dm asks for %d replicas, not more than minReplicas %d: the test would prove nothing", p.load, p.want, minReplicas(p.hpa))
	}
	return p
}

func ceilDiv(a, b int64) int64 { return (a + b - 1) / b }

func minReplicas(h *autoscalingv2.HorizontalPodAutoscaler) int32 {
	if h.Spec.MinReplicas == nil {
		return 1
	}
	return *h.Spec.MinReplicas
}

func stabilizationWindow(r *autoscalingv2.HPAScalingRules, def time.Duration) time.Duration {
	if r == nil || r.StabilizationWindowSeconds == nil {
		return def
	}
	return time.Duration(*r.StabilizationWindowSeconds) * time.Second
}

// ruleDuration is how long the HPA's scaling rules let it take from replicas `from` to `to`: the
// stabilization window plus one policy period per step, each step as big as selectPolicy allows.
func ruleDuration(r *autoscalingv2.HPAScalingRules, from, to int32, defWindow time.Duration) time.Duration {
	d := stabilizationWindow(r, defWindow)
	if r == nil || len(r.Policies) == 0 || from == to {
		return d
	}
	if r.SelectPolicy != nil && *r.SelectPolicy == autoscalingv2.DisabledPolicySelect {
		return d
	}
	var period time.Duration
	for _, p := range r.Policies {
		period = max(period, time.Duration(p.PeriodSeconds)*time.Second)
	}
	for cur := from; cur != to; d += period {
		var step int32
		for i, p := range r.Policies {
			s := p.Value
			if p.Type == autoscalingv2.PercentScalingPolicy {
				s = int32(math.Ceil(float64(cur) * float64(p.Value) / 100))
			}
			if i == 0 || (r.SelectPolicy != nil && *r.SelectPolicy == autoscalingv2.MinChangePolicySelect && s < step) ||
				((r.SelectPolicy == nil || *r.SelectPolicy == autoscalingv2.MaxChangePolicySelect) && s > step) {
				step = s
			}
		}
		step = max(step, 1)
		if to > cur {
			cur = min(cur+step, to)
		} else {
			cur = max(cur-step, to)
		}
	}
	return d
}

// apply runs kubectl apply --server-side, as the deploy scripts do.
func apply(ctx context.Context, t *testing.T, sb *sandbox.Sandbox, path string) {
	t.Helper()
	cmd := exec.CommandContext(ctx, sb.Kubectl(), "apply", "--server-side", "-f", path)
	cmd.Env = sb.Env()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl apply -f %s: %v\n%s", path, err, out)
	}
	t.Logf("kubectl apply -f %s:\n%s", path, strings.TrimSpace(string(out)))
}

// ensureSecrets creates the Secrets the pod spec reads, with a random value per key, as the deploy
// scripts' ensure_secret does: they are generated per cluster and never live in git.
func ensureSecrets(ctx context.Context, t *testing.T, sb *sandbox.Sandbox, spec *corev1.PodSpec, ns string) {
	t.Helper()
	keys := map[string]map[string]bool{}
	add := func(name, key string) {
		if keys[name] == nil {
			keys[name] = map[string]bool{}
		}
		if key != "" {
			keys[name][key] = true
		}
	}
	for _, c := range append(append([]corev1.Container{}, spec.InitContainers...), spec.Containers...) {
		for _, e := range c.Env {
			if r := e.ValueFrom; r != nil && r.SecretKeyRef != nil && (r.SecretKeyRef.Optional == nil || !*r.SecretKeyRef.Optional) {
				add(r.SecretKeyRef.Name, r.SecretKeyRef.Key)
			}
		}
		for _, e := range c.EnvFrom {
			if e.SecretRef != nil && (e.SecretRef.Optional == nil || !*e.SecretRef.Optional) {
				add(e.SecretRef.Name, "")
			}
		}
	}
	for _, v := range spec.Volumes {
		if v.Secret != nil && (v.Secret.Optional == nil || !*v.Secret.Optional) {
			add(v.Secret.SecretName, "")
		}
	}
	for name, ks := range keys {
		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, StringData: map[string]string{}}
		for k := range ks {
			b := make([]byte, 18)
			_, _ = rand.Read(b)
			s.StringData[k] = base64.RawURLEncoding.EncodeToString(b)
		}
		_, err := sb.Client.CoreV1().Secrets(ns).Create(ctx, s, metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatalf("create secret %s/%s: %v", ns, name, err)
		}
		t.Logf("secret %s/%s with keys %v", ns, name, sortedKeys(ks))
	}
}

func sortedKeys(m map[string]bool) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func waitAvailable(ctx context.Context, t *testing.T, sb *sandbox.Sandbox, ns, name string) {
	t.Helper()
	var last appsv1.DeploymentStatus
	err := wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		d, err := sb.Client.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		last = d.Status
		want := int32(1)
		if d.Spec.Replicas != nil {
			want = *d.Spec.Replicas
		}
		return d.Status.ObservedGeneration >= d.Generation && d.Status.UpdatedReplicas == want && d.Status.AvailableReplicas == want, nil
	})
	if err != nil {
		t.Fatalf("deployment %s/%s not available after 2m: %v (status %+v)", ns, name, err, last)
	}
}

// podMetricsList is the part of metrics.k8s.io/v1beta1 PodMetricsList the test reads (the
// k8s.io/metrics types would add a module for four fields).
type podMetricsList struct {
	Items []struct {
		Metadata   metav1.ObjectMeta `json:"metadata"`
		Containers []struct {
			Name  string              `json:"name"`
			Usage corev1.ResourceList `json:"usage"`
		} `json:"containers"`
	} `json:"items"`
}

// podMetrics returns the CPU usage (millicores) that metrics.k8s.io reports per pod matching selector.
func podMetrics(ctx context.Context, sb *sandbox.Sandbox, ns, selector string) (map[string]int64, error) {
	raw, err := sb.Client.CoreV1().RESTClient().Get().AbsPath("/apis/metrics.k8s.io/v1beta1/namespaces", ns, "pods").
		Param("labelSelector", selector).DoRaw(ctx)
	if err != nil {
		return nil, err
	}
	var list podMetricsList
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, fmt.Errorf("decode PodMetricsList: %w", err)
	}
	usage := map[string]int64{}
	for _, pm := range list.Items {
		var cpu resource.Quantity
		for _, c := range pm.Containers {
			cpu.Add(c.Usage[corev1.ResourceCPU])
		}
		usage[pm.Metadata.Name] = cpu.MilliValue()
	}
	return usage, nil
}

// waitPodMetrics polls metrics.k8s.io until ok(pods with metrics, their total CPU) holds for the
// Running pods matching selector, each of which must be in the list.
func waitPodMetrics(ctx context.Context, t *testing.T, sb *sandbox.Sandbox, ns, selector string, ok func(int, int64) bool, timeout time.Duration) (int, int64) {
	t.Helper()
	var (
		pods    int
		total   int64
		lastErr error
		last    map[string]int64
	)
	err := wait.PollUntilContextTimeout(ctx, time.Second, timeout, true, func(ctx context.Context) (bool, error) {
		usage, err := podMetrics(ctx, sb, ns, selector)
		if err != nil {
			lastErr = err
			return false, nil
		}
		running, err := runningPods(ctx, sb, ns, selector)
		if err != nil {
			lastErr = err
			return false, nil
		}
		last, pods, total = usage, 0, 0
		for _, p := range running {
			if _, has := usage[p.Name]; !has {
				lastErr = fmt.Errorf("pod %s is Running but has no metrics yet", p.Name)
				return false, nil
			}
		}
		for _, m := range usage {
			pods++
			total += m
		}
		return ok(pods, total), nil
	})
	if err != nil {
		t.Fatalf("metrics.k8s.io for %s in %s: %v (last error: %v; last usage in millicores: %v)", selector, ns, err, lastErr, last)
	}
	return pods, total
}

func runningPods(ctx context.Context, sb *sandbox.Sandbox, ns, selector string) ([]corev1.Pod, error) {
	list, err := sb.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: selector, FieldSelector: "status.phase=Running"})
	if err != nil {
		return nil, err
	}
	var pods []corev1.Pod
	for _, p := range list.Items {
		if p.DeletionTimestamp == nil {
			pods = append(pods, p)
		}
	}
	return pods, nil
}

// spreadLoad simulates traffic: every second it spreads the total CPU usage evenly over the
// Running pods, as a Service spreads requests, by setting the annotation kwok reports as each
// container's usage. 0 removes the annotation (kwok's default, 1m).
func spreadLoad(ctx context.Context, t *testing.T, sb *sandbox.Sandbox, ns, selector string, containers int64, total *atomic.Int64) {
	for ctx.Err() == nil {
		pods, err := runningPods(ctx, sb, ns, selector)
		if err == nil && len(pods) > 0 {
			var want any // nil: remove the annotation
			if m := total.Load(); m > 0 {
				want = fmt.Sprintf("%dm", m/int64(len(pods))/containers)
			}
			patch, _ := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]any{annotationUsageCPU: want}}})
			for _, p := range pods {
				if have, has := p.Annotations[annotationUsageCPU]; (want == nil && !has) || (has && want == have) {
					continue
				}
				_, err := sb.Client.CoreV1().Pods(ns).Patch(ctx, p.Name, types.MergePatchType, patch, metav1.PatchOptions{})
				if err != nil && ctx.Err() == nil && !apierrors.IsNotFound(err) {
					t.Logf("load: patch pod %s: %v", p.Name, err)
				}
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

// timeline logs the Deployment's replica count as the HPA changes it, with the time since start.
type timeline struct {
	t            *testing.T
	sb           *sandbox.Sandbox
	ns, dep, hpa string
	start        time.Time
	last         int32
}

func (tl *timeline) logf(format string, args ...any) {
	tl.t.Helper()
	tl.t.Logf("t+%3.0fs: %s", time.Since(tl.start).Seconds(), fmt.Sprintf(format, args...))
}

func (tl *timeline) waitReplicas(ctx context.Context, ok func(int32) bool, timeout time.Duration) (int32, time.Duration) {
	tl.t.Helper()
	return tl.waitReplicasWith(ctx, func(r int32, _ time.Duration) bool { return ok(r) }, timeout)
}

// waitReplicasWith polls the Deployment's spec.replicas (what the HPA sets) until ok(replicas,
// time since the wait began) holds, logging every change, and returns the count and the time taken.
func (tl *timeline) waitReplicasWith(ctx context.Context, ok func(int32, time.Duration) bool, timeout time.Duration) (int32, time.Duration) {
	tl.t.Helper()
	began := time.Now()
	err := wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		d, err := tl.sb.Client.AppsV1().Deployments(tl.ns).Get(ctx, tl.dep, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		r := int32(1)
		if d.Spec.Replicas != nil {
			r = *d.Spec.Replicas
		}
		if r != tl.last {
			tl.logf("replicas %d -> %d (HPA sees %s)", tl.last, r, tl.hpaMetrics(ctx))
			tl.last = r
		}
		return ok(r, time.Since(began)), nil
	})
	if err != nil {
		h, _ := tl.sb.Client.AutoscalingV2().HorizontalPodAutoscalers(tl.ns).Get(ctx, tl.hpa, metav1.GetOptions{})
		var status []byte
		if h != nil {
			status, _ = json.MarshalIndent(h.Status, "", "  ")
		}
		tl.t.Fatalf("replicas stuck at %d after %s: %v\nHPA status: %s", tl.last, timeout, err, status)
	}
	return tl.last, time.Since(began)
}

// hpaMetrics describes the HPA's current metrics, e.g. "cpu 401%, memory 2%".
func (tl *timeline) hpaMetrics(ctx context.Context) string {
	h, err := tl.sb.Client.AutoscalingV2().HorizontalPodAutoscalers(tl.ns).Get(ctx, tl.hpa, metav1.GetOptions{})
	if err != nil {
		return "no HPA: " + err.Error()
	}
	var parts []string
	for _, m := range h.Status.CurrentMetrics {
		if m.Resource != nil && m.Resource.Current.AverageUtilization != nil {
			parts = append(parts, fmt.Sprintf("%s %d%%", m.Resource.Name, *m.Resource.Current.AverageUtilization))
		}
	}
	if len(parts) == 0 {
		return "no metrics yet"
	}
	return strings.Join(parts, ", ")
}

func currentReplicas(ctx context.Context, t *testing.T, sb *sandbox.Sandbox, ns, name string) int32 {
	t.Helper()
	d, err := sb.Client.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get deployment: %v", err)
	}
	if d.Spec.Replicas == nil {
		return 1
	}
	return *d.Spec.Replicas
}

func since(t time.Time) time.Duration { return time.Since(t).Round(100 * time.Millisecond) }
