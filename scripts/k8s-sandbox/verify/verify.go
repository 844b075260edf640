// Package verify checks, independently of a deploy script's own output, that what it applied
// works in a cluster: every object was accepted; Deployments, StatefulSets and DaemonSets are
// rolled out; each DaemonSet runs on exactly the nodes its selectors and tolerations allow;
// every Service with a selector has ready endpoints; every PVC is Bound.
package verify

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
)

// Cluster is what the verifier talks to.
type Cluster struct {
	Client  kubernetes.Interface
	Dynamic dynamic.Interface
	Mapper  meta.ResettableRESTMapper
}

// Options tune Verify. The zero value waits up to 2 minutes.
type Options struct {
	Timeout          time.Duration // how long to wait for everything to pass; default 2m
	Interval         time.Duration // between rounds; default 1s
	DefaultNamespace string        // for namespaced objects without one, as kubectl; default "default"
	// RealNodes: the cluster's nodes really run pods, except those kwok plays (annotated
	// kwok.x-k8s.io/node); a pod on one of those is listed in Report.NotRun.
	RealNodes bool
}

// Problem is one failed check, naming the object.
type Problem struct {
	Object  string // "Deployment journey/api"
	Message string
}

func (p Problem) String() string { return p.Object + ": " + p.Message }

// Report is the outcome of the last round of checks.
type Report struct {
	Passed   []string // one line per passed check, for the test log
	Problems []Problem
	// NotRun lists pods that only kwok "runs" (Options.RealNodes): whatever their status says,
	// nothing of them ran, so a caller reports them as not run, never as passed.
	NotRun []string
}

// Verify checks objs (as loaded by LoadManifests) against the cluster, retrying until every
// check passes or opts.Timeout elapses, and returns the last round's report. The error is for
// the verifier failing to run at all (a cancelled context), not for failed checks.
func Verify(ctx context.Context, c Cluster, objs []*unstructured.Unstructured, opts Options) (Report, error) {
	if opts.Timeout == 0 {
		opts.Timeout = 2 * time.Minute
	}
	if opts.Interval == 0 {
		opts.Interval = time.Second
	}
	if opts.DefaultNamespace == "" {
		opts.DefaultNamespace = "default"
	}
	deadline := time.Now().Add(opts.Timeout)
	for {
		rep := round(ctx, c, objs, opts)
		if len(rep.Problems) == 0 || time.Now().After(deadline) {
			return rep, nil
		}
		select {
		case <-ctx.Done():
			return rep, ctx.Err()
		case <-time.After(opts.Interval):
		}
	}
}

type checker struct {
	ctx     context.Context
	c       Cluster
	rep     *Report
	checked map[string]bool // PVCs already checked as manifest objects
}

func (k *checker) pass(obj, format string, args ...any) {
	k.rep.Passed = append(k.rep.Passed, obj+": "+fmt.Sprintf(format, args...))
}

func (k *checker) fail(obj, format string, args ...any) {
	k.rep.Problems = append(k.rep.Problems, Problem{Object: obj, Message: fmt.Sprintf(format, args...)})
}

func round(ctx context.Context, c Cluster, objs []*unstructured.Unstructured, opts Options) Report {
	var rep Report
	k := &checker{ctx: ctx, c: c, rep: &rep, checked: map[string]bool{}}
	namespaces := map[string]bool{}
	for _, o := range objs {
		gvk := o.GroupVersionKind()
		name, ns := o.GetName(), o.GetNamespace()
		mapping, err := c.Mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if meta.IsNoMatchError(err) {
			c.Mapper.Reset() // a CRD may have been installed since discovery was cached
			mapping, err = c.Mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		}
		if err != nil {
			k.fail(describe(gvk.Kind, ns, name), "the API server does not serve %s (is its CRD installed?): %v", gvk.GroupVersion(), err)
			continue
		}
		if mapping.Scope.Name() == meta.RESTScopeNameNamespace {
			if ns == "" {
				ns = opts.DefaultNamespace
			}
			namespaces[ns] = true
		} else {
			ns = ""
		}
		id := describe(gvk.Kind, ns, name)
		if _, err := c.Dynamic.Resource(mapping.Resource).Namespace(ns).Get(ctx, name, metav1.GetOptions{}); err != nil {
			if apierrors.IsNotFound(err) {
				k.fail(id, "not found on the API server: it was rejected when applied, or never applied")
			} else {
				k.fail(id, "get: %v", err)
			}
			continue
		}
		switch gvk.GroupKind().String() {
		case "Deployment.apps":
			k.deployment(id, ns, name)
		case "StatefulSet.apps":
			k.statefulSet(id, ns, name)
		case "DaemonSet.apps":
			k.daemonSet(id, ns, name)
		case "Service":
			k.service(id, ns, name)
		case "PersistentVolumeClaim":
			k.checked[ns+"/"+name] = true
			k.pvc(id, ns, name)
		case "Namespace":
			namespaces[name] = true
			k.pass(id, "accepted")
		default: // Jobs, CronJobs, HPAs, ConfigMaps, RBAC, custom resources, ...: accepted is the check
			k.pass(id, "accepted")
		}
	}
	// Claims created by StatefulSets' volumeClaimTemplates are not in the manifests but must bind.
	for ns := range namespaces {
		pvcs, err := c.Client.CoreV1().PersistentVolumeClaims(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			k.fail("Namespace "+ns, "list PersistentVolumeClaims: %v", err)
			continue
		}
		for _, p := range pvcs.Items {
			if !k.checked[ns+"/"+p.Name] {
				k.pvc(describe("PersistentVolumeClaim", ns, p.Name), ns, p.Name)
			}
		}
	}
	if opts.RealNodes {
		k.notRun(namespaces)
	}
	sort.Slice(rep.Problems, func(i, j int) bool { return rep.Problems[i].String() < rep.Problems[j].String() })
	return rep
}

// notRun lists the pods in namespaces that sit on kwok nodes.
func (k *checker) notRun(namespaces map[string]bool) {
	nodes, err := k.c.Client.CoreV1().Nodes().List(k.ctx, metav1.ListOptions{})
	if err != nil {
		k.fail("Nodes", "list: %v", err)
		return
	}
	kwok := map[string]bool{}
	for _, n := range nodes.Items {
		if n.Annotations["kwok.x-k8s.io/node"] != "" {
			kwok[n.Name] = true
		}
	}
	for ns := range namespaces {
		pods, err := k.c.Client.CoreV1().Pods(ns).List(k.ctx, metav1.ListOptions{})
		if err != nil {
			k.fail("Namespace "+ns, "list pods: %v", err)
			continue
		}
		for _, p := range pods.Items {
			if kwok[p.Spec.NodeName] {
				k.rep.NotRun = append(k.rep.NotRun, fmt.Sprintf("Pod %s/%s on kwok node %s", ns, p.Name, p.Spec.NodeName))
			}
		}
	}
	sort.Strings(k.rep.NotRun)
}

func (k *checker) deployment(id, ns, name string) {
	d, err := k.c.Client.AppsV1().Deployments(ns).Get(k.ctx, name, metav1.GetOptions{})
	if err != nil {
		k.fail(id, "get: %v", err)
		return
	}
	want := replicas(d.Spec.Replicas)
	s := d.Status
	if s.ObservedGeneration < d.Generation || s.Replicas != want || s.UpdatedReplicas != want ||
		s.ReadyReplicas != want || s.AvailableReplicas != want {
		k.fail(id, "not rolled out: want %d replicas, have %d, %d updated, %d ready, %d available%s", want, s.Replicas, s.UpdatedReplicas, s.ReadyReplicas, s.AvailableReplicas, k.whyNotReady(ns, d.Spec.Selector))
		return
	}
	k.pass(id, "rolled out, %d/%d ready", s.ReadyReplicas, want)
}

func (k *checker) statefulSet(id, ns, name string) {
	st, err := k.c.Client.AppsV1().StatefulSets(ns).Get(k.ctx, name, metav1.GetOptions{})
	if err != nil {
		k.fail(id, "get: %v", err)
		return
	}
	want := replicas(st.Spec.Replicas)
	s := st.Status
	if s.ObservedGeneration < st.Generation || s.Replicas != want || s.ReadyReplicas != want ||
		s.UpdatedReplicas != want || s.CurrentRevision != s.UpdateRevision {
		k.fail(id, "not rolled out: want %d replicas, have %d, %d updated, %d ready (revision %q, want %q)%s", want, s.Replicas, s.UpdatedReplicas, s.ReadyReplicas, s.CurrentRevision, s.UpdateRevision, k.whyNotReady(ns, st.Spec.Selector))
		return
	}
	k.pass(id, "rolled out, %d/%d ready", s.ReadyReplicas, want)
}

func (k *checker) daemonSet(id, ns, name string) {
	ds, err := k.c.Client.AppsV1().DaemonSets(ns).Get(k.ctx, name, metav1.GetOptions{})
	if err != nil {
		k.fail(id, "get: %v", err)
		return
	}
	nodes, err := k.c.Client.CoreV1().Nodes().List(k.ctx, metav1.ListOptions{})
	if err != nil {
		k.fail(id, "list nodes: %v", err)
		return
	}
	var all, want []string
	for i := range nodes.Items {
		n := &nodes.Items[i]
		all = append(all, n.Name)
		if DaemonPodFits(&ds.Spec.Template.Spec, n) {
			want = append(want, n.Name)
		}
	}
	if len(want) == 0 {
		k.fail(id, "its nodeSelector, node affinity and tolerations allow no node (nodes: %s)", joinSorted(all))
		return
	}
	sel, err := metav1.LabelSelectorAsSelector(ds.Spec.Selector)
	if err != nil {
		k.fail(id, "bad selector: %v", err)
		return
	}
	pods, err := k.c.Client.CoreV1().Pods(ns).List(k.ctx, metav1.ListOptions{LabelSelector: sel.String()})
	if err != nil {
		k.fail(id, "list pods: %v", err)
		return
	}
	got := map[string]bool{}
	var notReady []string
	for i := range pods.Items {
		p := &pods.Items[i]
		if !ownedBy(p.OwnerReferences, ds.UID) || p.DeletionTimestamp != nil || p.Spec.NodeName == "" {
			continue
		}
		got[p.Spec.NodeName] = true
		if !podReady(p) {
			notReady = append(notReady, p.Name+" on "+p.Spec.NodeName)
		}
	}
	var missing, extra []string
	wantSet := map[string]bool{}
	for _, n := range want {
		wantSet[n] = true
		if !got[n] {
			missing = append(missing, n)
		}
	}
	for n := range got {
		if !wantSet[n] {
			extra = append(extra, n)
		}
	}
	if len(missing) > 0 || len(extra) > 0 {
		k.fail(id, "should run on exactly [%s]; missing on [%s], unexpected on [%s]", joinSorted(want), joinSorted(missing), joinSorted(extra))
		return
	}
	s := ds.Status
	if len(notReady) > 0 || s.ObservedGeneration < ds.Generation || s.DesiredNumberScheduled != int32(len(want)) ||
		s.UpdatedNumberScheduled != s.DesiredNumberScheduled || s.NumberReady != s.DesiredNumberScheduled ||
		s.NumberAvailable != s.DesiredNumberScheduled {
		k.fail(id, "not rolled out: %d desired (want %d), %d updated, %d ready, %d available; pods not ready: [%s]%s", s.DesiredNumberScheduled, len(want), s.UpdatedNumberScheduled, s.NumberReady, s.NumberAvailable, joinSorted(notReady), k.whyNotReady(ns, ds.Spec.Selector))
		return
	}
	k.pass(id, "rolled out on exactly [%s]", joinSorted(want))
}

func (k *checker) service(id, ns, name string) {
	svc, err := k.c.Client.CoreV1().Services(ns).Get(k.ctx, name, metav1.GetOptions{})
	if err != nil {
		k.fail(id, "get: %v", err)
		return
	}
	if svc.Spec.Type == corev1.ServiceTypeExternalName || len(svc.Spec.Selector) == 0 {
		k.pass(id, "accepted (no selector, so no endpoints to check)")
		return
	}
	slices, err := k.c.Client.DiscoveryV1().EndpointSlices(ns).List(k.ctx, metav1.ListOptions{
		LabelSelector: discoveryv1.LabelServiceName + "=" + name,
	})
	if err != nil {
		k.fail(id, "list EndpointSlices: %v", err)
		return
	}
	ready := 0
	for _, s := range slices.Items {
		for _, e := range s.Endpoints {
			if e.Conditions.Ready == nil || *e.Conditions.Ready { // nil means ready (API docs)
				ready++
			}
		}
	}
	if ready > 0 {
		k.pass(id, "%d ready endpoint(s)", ready)
		return
	}
	sel := labels.SelectorFromSet(svc.Spec.Selector)
	pods, err := k.c.Client.CoreV1().Pods(ns).List(k.ctx, metav1.ListOptions{LabelSelector: sel.String()})
	switch {
	case err != nil:
		k.fail(id, "no ready endpoints (and listing its pods failed: %v)", err)
	case len(pods.Items) == 0:
		k.fail(id, "no ready endpoints: selector %s matches no pod in namespace %s", sel, ns)
	default:
		k.fail(id, "no ready endpoints: selector %s matches %d pod(s), none ready", sel, len(pods.Items))
	}
}

func (k *checker) pvc(id, ns, name string) {
	pvc, err := k.c.Client.CoreV1().PersistentVolumeClaims(ns).Get(k.ctx, name, metav1.GetOptions{})
	if err != nil {
		k.fail(id, "get: %v", err)
		return
	}
	if pvc.Status.Phase == corev1.ClaimBound {
		k.pass(id, "Bound to %s", pvc.Spec.VolumeName)
		return
	}
	k.fail(id, "not Bound (phase %s): %s", pvc.Status.Phase, k.whyUnbound(pvc))
}

func (k *checker) whyUnbound(pvc *corev1.PersistentVolumeClaim) string {
	if pvc.Spec.StorageClassName == nil {
		return "no storageClassName and no default StorageClass"
	}
	scName := *pvc.Spec.StorageClassName
	if scName == "" {
		return `storageClassName "" binds only to a pre-created PersistentVolume, and none matches`
	}
	sc, err := k.c.Client.StorageV1().StorageClasses().Get(k.ctx, scName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return fmt.Sprintf("StorageClass %q does not exist", scName)
	}
	if err != nil {
		return fmt.Sprintf("get StorageClass %q: %v", scName, err)
	}
	if sc.VolumeBindingMode != nil && *sc.VolumeBindingMode == "WaitForFirstConsumer" {
		pods, err := k.c.Client.CoreV1().Pods(pvc.Namespace).List(k.ctx, metav1.ListOptions{})
		if err == nil && !claimUsed(pods.Items, pvc.Name) {
			return fmt.Sprintf("StorageClass %q is WaitForFirstConsumer and no pod uses the claim", scName)
		}
	}
	return fmt.Sprintf("not provisioned yet by %s (StorageClass %q)", sc.Provisioner, scName)
}

func claimUsed(pods []corev1.Pod, claim string) bool {
	for _, p := range pods {
		for _, v := range p.Spec.Volumes {
			if v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == claim {
				return true
			}
		}
	}
	return false
}

func replicas(r *int32) int32 {
	if r == nil {
		return 1
	}
	return *r
}

func ownedBy(refs []metav1.OwnerReference, uid types.UID) bool {
	for _, r := range refs {
		if r.UID == uid && r.Controller != nil && *r.Controller {
			return true
		}
	}
	return false
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// Problems formats problems one per line, for test failures.
func Problems(ps []Problem) string {
	lines := make([]string, 0, len(ps))
	for _, p := range ps {
		lines = append(lines, "  "+p.String())
	}
	return strings.Join(lines, "\n")
}
