package deploytest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/cloudnative-go-journey/cloudnative-go-journey/scripts/k8s-sandbox/sandbox"
	"github.com/cloudnative-go-journey/cloudnative-go-journey/scripts/k8s-sandbox/verify"
)

// smokeURL is where every version's kind config maps the api Service's NodePort on the host; the
// real sandbox forwards it the same way.
const smokeURL = "http://127.0.0.1:30080"

// TestVersionsOnRealNodes deploys each version with its own deploy script onto real nodes built
// from its kind config, runs the script's smoke step as a reader's kind run does, and then proves
// what the version's manifests promise with pods that really run.
// A version that passed with the same inputs before is not deployed again (sandbox.OncePerInput).
func TestVersionsOnRealNodes(t *testing.T) {
	dirs := versionDirs(t)
	for i, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			sandbox.OncePerInput(t, "real-deploy", dir, i == len(dirs)-1)
			testVersionReal(t, dir)
		})
	}
}

func testVersionReal(t *testing.T, dir string) {
	im := sandbox.BuildImages(t, dir)
	if len(im.Missing) > 0 {
		t.Skipf("NOT RUN on real nodes: no image can exist here for %v (no registry, no stand-in), so the workloads that run them stay unproven", im.Missing)
	}
	sb := sandbox.StartReal(t, filepath.Join(dir, "k8s", "kind-config.yaml"), im.Files())
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()

	out, err := deployScript(ctx, sb, dir, "--no-kind", "apply", "wait", "smoke")
	t.Logf("deploy.sh --no-kind apply wait smoke:\n%s", out)
	if err != nil {
		t.Fatalf("deploy script failed on real nodes: %v", err)
	}
	if !strings.Contains(out, "smoke: passed") {
		t.Fatalf("deploy.sh smoke did not say 'smoke: passed'; want the smoke step to run on real nodes")
	}
	rep := verifyDir(ctx, t, sb, dir, 90*time.Second)
	if len(rep.Problems) > 0 {
		t.Fatalf("after deploy.sh succeeded, the sandbox disagrees:\n%s", verify.Problems(rep.Problems))
	}
	// A version with more nodes than the sandbox runs for real has pods on kwok nodes.
	t.Run("every-pod-ran", func(t *testing.T) {
		if len(rep.NotRun) > 0 {
			t.Skipf("NOT RUN (on kwok nodes beyond SANDBOX_REAL_NODES): %v", rep.NotRun)
		}
		podsRunOnRealNodes(ctx, t, sb)
	})

	has := func(component string) bool {
		_, err := os.Stat(filepath.Join(dir, "k8s", component))
		return err == nil
	}
	if has("cleanup") {
		t.Run("cleanup-job-completed", func(t *testing.T) { cleanupJobCompleted(ctx, t, sb) })
	}
	if has("log-collector") {
		t.Run("log-collector-ships-an-api-request", func(t *testing.T) { collectorShipsRequest(ctx, t, sb) })
	}
	if has("redis") {
		t.Run("pods-reach-the-api-server-through-its-service", func(t *testing.T) { apiServerFromPod(ctx, t, sb) })
		t.Run("redis-keeps-data-across-pod-delete", func(t *testing.T) { redisKeepsData(ctx, t, sb, dir) })
	}
	t.Run("rolling-update-under-load-0-failed", func(t *testing.T) { rollingUpdateUnderLoad(ctx, t, sb) })
	if _, err := os.Stat(filepath.Join(dir, "k8s", "api", "hpa.yaml")); err == nil {
		t.Run("hpa-scales-under-real-load", func(t *testing.T) { hpaScalesUnderLoad(ctx, t, sb) })
	}
}

// deployScript runs the version's deploy.sh against the sandbox.
func deployScript(ctx context.Context, sb *sandbox.Sandbox, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(dir, "scripts", "deploy.sh"), args...)
	cmd.Dir = dir
	cmd.Env = sb.Env()
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// podsRunOnRealNodes checks that every pod of the project runs (or, for Jobs, ran) on a real node:
// Running and Ready, or Succeeded, and never on a kwok node.
func podsRunOnRealNodes(ctx context.Context, t *testing.T, sb *sandbox.Sandbox) {
	t.Helper()
	pods, err := sb.Client.CoreV1().Pods("").List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/part-of=cloudnative-go-journey"})
	if err != nil {
		t.Fatal(err)
	}
	if len(pods.Items) == 0 {
		t.Fatal("no pods labelled app.kubernetes.io/part-of=cloudnative-go-journey; want the version's workloads")
	}
	for _, p := range pods.Items {
		n, err := sb.Client.CoreV1().Nodes().Get(ctx, p.Spec.NodeName, metav1.GetOptions{})
		switch {
		case err != nil:
			t.Errorf("pod %s/%s: node %q: %v", p.Namespace, p.Name, p.Spec.NodeName, err)
		case n.Annotations[sandbox.AnnotationKwokNode] != "":
			t.Errorf("pod %s/%s is on kwok node %s: it never ran; want every pod on a real node", p.Namespace, p.Name, n.Name)
		case p.DeletionTimestamp != nil:
		case p.Status.Phase == corev1.PodSucceeded:
			t.Logf("ok   pod %s/%s completed on %s", p.Namespace, p.Name, n.Name)
		case p.Status.Phase == corev1.PodRunning && podReady(&p):
			t.Logf("ok   pod %s/%s Running and Ready on %s (%s)", p.Namespace, p.Name, n.Name, p.Status.PodIP)
		default:
			t.Errorf("pod %s/%s on %s: phase %s, not ready; want Running and Ready", p.Namespace, p.Name, n.Name, p.Status.Phase)
		}
	}
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// cleanupJobCompleted: smoke created a Job from the CronJob; it must have completed.
func cleanupJobCompleted(ctx context.Context, t *testing.T, sb *sandbox.Sandbox) {
	job, err := sb.Client.BatchV1().Jobs("journey").Get(ctx, "cleanup-smoke", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("job cleanup-smoke: %v; want the one smoke created from cronjob/cleanup", err)
	}
	for _, c := range job.Status.Conditions {
		if c.Type == batchv1.JobComplete && c.Status == corev1.ConditionTrue {
			t.Logf("job cleanup-smoke completed: %d succeeded", job.Status.Succeeded)
			return
		}
	}
	t.Errorf("job cleanup-smoke: conditions %v, want Complete", job.Status.Conditions)
}

// collectorShipsRequest sends a request with a unique request ID through the NodePort and waits
// for the log collector to print the API pod's access-log line that carries it, read from the
// node's /var/log/pods.
func collectorShipsRequest(ctx context.Context, t *testing.T, sb *sandbox.Sandbox) {
	id := fmt.Sprintf("deploytest-%d", time.Now().UnixNano())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, smokeURL+"/api/v1/hello?name=collector", nil)
	req.Header.Set("X-Request-ID", id)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var found string
	err = wait.PollUntilContextTimeout(ctx, 2*time.Second, 90*time.Second, true, func(ctx context.Context) (bool, error) {
		pods, err := sb.Client.CoreV1().Pods("journey-logs").List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/name=log-collector"})
		if err != nil {
			return false, nil
		}
		for _, p := range pods.Items {
			raw, err := sb.Client.CoreV1().Pods(p.Namespace).GetLogs(p.Name, &corev1.PodLogOptions{}).DoRaw(ctx)
			if err != nil {
				continue
			}
			for _, line := range strings.Split(string(raw), "\n") {
				if strings.Contains(line, id) {
					found = p.Name + ": " + line
					return true, nil
				}
			}
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("no log-collector output holds request id %s after 90s; want the API pod's access log shipped", id)
	}
	t.Logf("collector output: %s", found)
	if !strings.Contains(found, `"namespace":"journey"`) {
		t.Errorf("collector record %q: want it to name namespace journey (the API pod's)", found)
	}
}

// apiServerFromPod: what in-cluster clients (client-go's InClusterConfig) rely on, from inside a
// pod: cluster DNS resolves kubernetes.default.svc.cluster.local and kube-proxy takes the Service
// to the API server. The Redis image has busybox nc but no TLS client the API server accepts, so
// it speaks plain HTTP to the TLS port, and Go's TLS server answers with its own 400.
func apiServerFromPod(ctx context.Context, t *testing.T, sb *sandbox.Sandbox) {
	cmd := exec.CommandContext(ctx, sb.Kubectl(), "-n", "journey", "exec", "redis-0", "--", "sh", "-c",
		`printf 'GET /version HTTP/1.0\r\n\r\n' | nc kubernetes.default.svc.cluster.local 443`)
	cmd.Env = sb.Env()
	out, err := cmd.CombinedOutput()
	if want := "Client sent an HTTP request to an HTTPS server."; err != nil || !strings.Contains(string(out), want) {
		t.Fatalf("from redis-0 to kubernetes.default.svc.cluster.local:443: %v\n%s\nwant the API server's %q", err, out, want)
	}
}

// redisKeepsData counts a visit, deletes redis-0, waits until the StatefulSet has it back and the
// API sees its store again (the deploy script's own wait step), and counts again: the count goes
// on from the AOF on the volume instead of starting over.
func redisKeepsData(ctx context.Context, t *testing.T, sb *sandbox.Sandbox, dir string) {
	before := postVisit(ctx, t)
	pod, err := sb.Client.CoreV1().Pods("journey").Get(ctx, "redis-0", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := sb.Client.CoreV1().Pods("journey").Delete(ctx, "redis-0", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := wait.PollUntilContextTimeout(ctx, time.Second, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		p, err := sb.Client.CoreV1().Pods("journey").Get(ctx, "redis-0", metav1.GetOptions{})
		return err == nil && p.UID != pod.UID && podReady(p), nil
	}); err != nil {
		t.Fatalf("redis-0 not back and Ready 2m after delete: %v", err)
	}
	if out, err := deployScript(ctx, sb, dir, "--no-kind", "wait"); err != nil {
		t.Fatalf("deploy.sh wait after the redis pod delete: %v\n%s", err, out)
	}
	after := postVisit(ctx, t)
	if after != before+1 {
		t.Errorf("visits: %d before deleting redis-0, %d after; want %d (data kept on the volume)", before, after, before+1)
	}
	t.Logf("visits %d -> redis-0 deleted and back (new uid) -> %d", before, after)
}

func postVisit(ctx context.Context, t *testing.T) int64 {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, smokeURL+"/api/v1/visits", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var v struct {
		Visits int64 `json:"visits"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &v) != nil {
		t.Fatalf("POST /api/v1/visits: %d %s; want 200 with a visits count", resp.StatusCode, body)
	}
	return v.Visits
}

// load sends GETs to url from workers until stop is closed (at most 5 minutes), counting answers.
type load struct {
	ok, failed atomic.Int64
	mu         sync.Mutex
	errs       []string
}

func (l *load) run(ctx context.Context, url string, workers int, keepAlive bool, stop <-chan struct{}) {
	tr := &http.Transport{DisableKeepAlives: !keepAlive, MaxIdleConnsPerHost: workers}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				case <-ctx.Done():
					return
				default:
				}
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
				resp, err := client.Do(req)
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode == http.StatusOK {
						l.ok.Add(1)
						continue
					}
					err = fmt.Errorf("status %d", resp.StatusCode)
				}
				if ctx.Err() != nil {
					return
				}
				l.failed.Add(1)
				l.mu.Lock()
				if len(l.errs) < 5 {
					l.errs = append(l.errs, err.Error())
				}
				l.mu.Unlock()
			}
		})
	}
	wg.Wait()
}

// rollingUpdateUnderLoad restarts the api Deployment while clients keep calling it through the
// NodePort: readiness-first drain and maxUnavailable 0 must leave no request failed.
func rollingUpdateUnderLoad(ctx context.Context, t *testing.T, sb *sandbox.Sandbox) {
	var l load
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { l.run(ctx, smokeURL+"/api/v1/hello?name=rollout", 4, true, stop); close(done) }()
	time.Sleep(2 * time.Second) // load before the restart begins
	kubectl := func(args ...string) {
		cmd := exec.CommandContext(ctx, sb.Kubectl(), args...)
		cmd.Env = sb.Env()
		if out, err := cmd.CombinedOutput(); err != nil {
			close(stop)
			<-done
			t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	began := time.Now()
	kubectl("-n", "journey", "rollout", "restart", "deployment/api")
	kubectl("-n", "journey", "rollout", "status", "deployment/api", "--timeout=180s")
	took := time.Since(began)
	time.Sleep(2 * time.Second) // and after it ends, when the old pods finish draining
	close(stop)
	<-done
	t.Logf("rolling restart took %s under load: %d requests answered 200, %d failed", took.Round(100*time.Millisecond), l.ok.Load(), l.failed.Load())
	if l.ok.Load() == 0 {
		t.Fatal("no request succeeded during the rolling update; want a load that reaches the API")
	}
	if l.failed.Load() > 0 {
		t.Errorf("%d requests failed during the rolling update, e.g. %v; want 0", l.failed.Load(), l.errs)
	}
}

// hpaScalesUnderLoad burns CPU in the api pods through the NodePort (new connections, so
// kube-proxy spreads them over new pods too) until the HPA, fed by metrics-server scraping the real
// kubelets, scales above minReplicas; then stops and waits for the scale-down.
func hpaScalesUnderLoad(ctx context.Context, t *testing.T, sb *sandbox.Sandbox) {
	hpas := sb.Client.AutoscalingV2().HorizontalPodAutoscalers("journey")
	hpa, err := hpas.Get(ctx, "api", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	minReplicas := *hpa.Spec.MinReplicas
	var l load
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { l.run(ctx, smokeURL+"/api/v1/work/cpu?ms=50", 8, false, stop); close(done) }()
	began := time.Now()
	var peak int32
	err = wait.PollUntilContextTimeout(ctx, 5*time.Second, 4*time.Minute, true, func(ctx context.Context) (bool, error) {
		h, err := hpas.Get(ctx, "api", metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		t.Logf("t+%3.0fs replicas %d -> %d, metrics %s", time.Since(began).Seconds(), h.Status.CurrentReplicas, h.Status.DesiredReplicas, hpaMetrics(h.Status.CurrentMetrics))
		peak = max(peak, h.Status.DesiredReplicas)
		return h.Status.DesiredReplicas > minReplicas, nil
	})
	upAfter := time.Since(began)
	close(stop)
	<-done
	t.Logf("load: %d answered 200, %d failed (e.g. %v)", l.ok.Load(), l.failed.Load(), l.errs)
	if err != nil {
		t.Fatalf("the HPA did not scale above %d replicas within 4m of CPU load: %v", minReplicas, err)
	}
	t.Logf("scaled up to %d replicas %s after the load began", peak, upAfter.Round(time.Second))
	stopped := time.Now()
	err = wait.PollUntilContextTimeout(ctx, 10*time.Second, 6*time.Minute, true, func(ctx context.Context) (bool, error) {
		h, err := hpas.Get(ctx, "api", metav1.GetOptions{})
		return err == nil && h.Status.CurrentReplicas == minReplicas && h.Status.DesiredReplicas == minReplicas, nil
	})
	if err != nil {
		t.Fatalf("the HPA did not scale back to %d replicas within 6m after the load stopped: %v", minReplicas, err)
	}
	t.Logf("back to %d replicas %s after the load stopped", minReplicas, time.Since(stopped).Round(time.Second))
}

func hpaMetrics(ms []autoscalingv2.MetricStatus) string {
	var parts []string
	for _, m := range ms {
		if m.Resource != nil && m.Resource.Current.AverageUtilization != nil {
			parts = append(parts, fmt.Sprintf("%s=%d%%", m.Resource.Name, *m.Resource.Current.AverageUtilization))
		}
	}
	return strings.Join(parts, " ")
}
