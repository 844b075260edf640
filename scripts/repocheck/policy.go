package main

import (
	"fmt"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

const (
	labelName   = "app.kubernetes.io/name"
	labelPartOf = "app.kubernetes.io/part-of"
	projectName = "cloudnative-go-journey"

	// annotationRunsAsRoot on a pod template is the one documented way out of
	// the runAsNonRoot rule, for a workload that truly needs uid 0 (the log
	// collector reads root-owned 0640 files on a hostPath). The value is the
	// reason, so the exception is visible and reviewed where it is taken;
	// every other rule still applies to that pod's containers.
	annotationRunsAsRoot = "cloudnative-go-journey/runs-as-root"
	// minReasonWords rejects placeholder reasons such as "yes" or "needed".
	minReasonWords = 3
)

// workloadPolicy applies the house rules (STYLE.md "Manifests") to objects
// that carry a Pod template. Other objects pass.
func workloadPolicy(obj runtime.Object) []string {
	var (
		meta    metav1.ObjectMeta
		podMeta metav1.ObjectMeta // the pod template's metadata (annotations)
		pod     corev1.PodSpec
		isJob   bool
	)
	switch o := obj.(type) {
	case *appsv1.Deployment:
		meta, podMeta, pod = o.ObjectMeta, o.Spec.Template.ObjectMeta, o.Spec.Template.Spec
	case *appsv1.StatefulSet:
		meta, podMeta, pod = o.ObjectMeta, o.Spec.Template.ObjectMeta, o.Spec.Template.Spec
	case *appsv1.DaemonSet:
		meta, podMeta, pod = o.ObjectMeta, o.Spec.Template.ObjectMeta, o.Spec.Template.Spec
	case *appsv1.ReplicaSet:
		meta, podMeta, pod = o.ObjectMeta, o.Spec.Template.ObjectMeta, o.Spec.Template.Spec
	case *corev1.ReplicationController:
		if o.Spec.Template == nil {
			return []string{"has no pod template"}
		}
		meta, podMeta, pod = o.ObjectMeta, o.Spec.Template.ObjectMeta, o.Spec.Template.Spec
	case *batchv1.Job:
		meta, podMeta, pod, isJob = o.ObjectMeta, o.Spec.Template.ObjectMeta, o.Spec.Template.Spec, true
	case *batchv1.CronJob:
		t := o.Spec.JobTemplate.Spec.Template
		meta, podMeta, pod, isJob = o.ObjectMeta, t.ObjectMeta, t.Spec, true
	case *corev1.Pod:
		meta, podMeta, pod = o.ObjectMeta, o.ObjectMeta, o.Spec
	default:
		return nil
	}
	var msgs []string
	rootAllowed := false
	if reason, ok := podMeta.Annotations[annotationRunsAsRoot]; ok {
		if n := len(strings.Fields(reason)); n < minReasonWords {
			// The exception is not honoured, so runAsNonRoot is enforced too.
			msgs = append(msgs, fmt.Sprintf("pod template annotation %s needs a reason of at least %d words, got %q",
				annotationRunsAsRoot, minReasonWords, reason))
		} else {
			rootAllowed = true
		}
	}
	if meta.Labels[labelName] == "" {
		msgs = append(msgs, fmt.Sprintf("missing label %s", labelName))
	}
	if got := meta.Labels[labelPartOf]; got != projectName {
		msgs = append(msgs, fmt.Sprintf("label %s is %q, want %q", labelPartOf, got, projectName))
	}
	if len(pod.Containers) == 0 {
		msgs = append(msgs, "pod template has no containers")
	}
	for _, c := range pod.InitContainers {
		// Kubernetes only allows probes on native sidecars (restartPolicy: Always).
		sidecar := c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
		msgs = append(msgs, containerPolicy("init container "+c.Name, c, pod.SecurityContext, sidecar && !isJob, rootAllowed)...)
	}
	for _, c := range pod.Containers {
		msgs = append(msgs, containerPolicy("container "+c.Name, c, pod.SecurityContext, !isJob, rootAllowed)...)
	}
	return msgs
}

// containerPolicy checks one container. rootAllowed (the pod carries a valid
// runs-as-root annotation) lifts the runAsNonRoot rule and nothing else.
func containerPolicy(who string, c corev1.Container, psc *corev1.PodSecurityContext, probes, rootAllowed bool) []string {
	var msgs []string
	add := func(format string, args ...any) {
		msgs = append(msgs, who+": "+fmt.Sprintf(format, args...))
	}
	if m := imageProblem(c.Image); m != "" {
		add("%s", m)
	}
	for _, kind := range []struct {
		name string
		list corev1.ResourceList
	}{{"requests", c.Resources.Requests}, {"limits", c.Resources.Limits}} {
		var missing []string
		for _, res := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			if _, ok := kind.list[res]; !ok {
				missing = append(missing, string(res))
			}
		}
		if len(missing) > 0 {
			add("missing resources.%s %s", kind.name, strings.Join(missing, " and "))
		}
	}
	if m := goMemLimitProblem(c); m != "" {
		add("%s", m)
	}
	if probes {
		if c.LivenessProbe == nil {
			add("missing livenessProbe")
		}
		if c.ReadinessProbe == nil {
			add("missing readinessProbe")
		}
	}
	sc := c.SecurityContext
	if sc == nil {
		sc = &corev1.SecurityContext{}
	}
	nonRoot := sc.RunAsNonRoot
	if nonRoot == nil && psc != nil {
		nonRoot = psc.RunAsNonRoot
	}
	if !rootAllowed && (nonRoot == nil || !*nonRoot) {
		add("securityContext.runAsNonRoot must be true (pod or container)")
	}
	if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		add("securityContext.allowPrivilegeEscalation must be false")
	}
	if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		add("securityContext.readOnlyRootFilesystem must be true")
	}
	dropAll := false
	if sc.Capabilities != nil {
		for _, d := range sc.Capabilities.Drop {
			if d == "ALL" {
				dropAll = true
			}
		}
	}
	if !dropAll {
		add("securityContext.capabilities.drop must contain ALL")
	}
	seccomp := sc.SeccompProfile
	if seccomp == nil && psc != nil {
		seccomp = psc.SeccompProfile
	}
	if seccomp == nil || seccomp.Type != corev1.SeccompProfileTypeRuntimeDefault {
		add("seccompProfile.type must be RuntimeDefault (pod or container)")
	}
	return msgs
}

// imageProblem rejects images that float: untagged or :latest (a digest pins).
func imageProblem(img string) string {
	if img == "" {
		return "no image"
	}
	if strings.Contains(img, "@") {
		return ""
	}
	last := img[strings.LastIndex(img, "/")+1:]
	i := strings.LastIndex(last, ":")
	switch {
	case i < 0:
		return fmt.Sprintf("image %s has no tag (pin a version)", img)
	case last[i+1:] == "latest":
		return fmt.Sprintf("image %s uses :latest (pin a version)", img)
	}
	return ""
}

// goMemLimitHeadroom is the share of limits.memory GOMEMLIMIT may take: the
// Go GC guide leaves 5-10% for memory the limit does not cover.
const goMemLimitHeadroom = 0.95

// goMemLimitProblem checks a GOMEMLIMIT env var against the container's
// memory limit: it must be a literal below it with headroom. A
// resourceFieldRef to limits.memory sets it to 100%, where the GC reacts
// only at the OOM line.
func goMemLimitProblem(c corev1.Container) string {
	for _, e := range c.Env {
		if e.Name != "GOMEMLIMIT" {
			continue
		}
		if e.ValueFrom != nil {
			return "GOMEMLIMIT comes from valueFrom (100% of the limit at best); set a literal with headroom, e.g. 90% of limits.memory"
		}
		limit, ok := c.Resources.Limits[corev1.ResourceMemory]
		if !ok {
			return "GOMEMLIMIT set without a memory limit"
		}
		v, err := parseGoMemLimit(e.Value)
		if err != nil {
			return fmt.Sprintf("GOMEMLIMIT %q: %v", e.Value, err)
		}
		if max := float64(limit.Value()) * goMemLimitHeadroom; float64(v) > max {
			return fmt.Sprintf("GOMEMLIMIT %s is above %.0f%% of limits.memory %s: leave headroom for non-heap memory",
				e.Value, goMemLimitHeadroom*100, limit.String())
		}
	}
	return ""
}

// parseGoMemLimit parses GOMEMLIMIT's syntax: an integer with an optional
// B, KiB, MiB, GiB or TiB suffix (runtime/debug.SetMemoryLimit's units).
func parseGoMemLimit(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSuffix(s, u.suffix), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("want a positive integer with an optional B, KiB, MiB, GiB or TiB suffix")
	}
	return n * mult, nil
}
