package verify

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
)

// maxDiagnosedPods bounds how many not-ready pods a problem describes; they usually share a cause.
const maxDiagnosedPods = 2

// whyNotReady says why a workload's pods are not ready, from what the kubelet reported: each
// container's waiting or terminated reason (an image missing from the node is named there), the
// pod's Warning events (a failing probe says what it got) and the container's last log lines. On
// kwok nodes there is nothing of the kind, and it returns "".
func (k *checker) whyNotReady(ns string, selector *metav1.LabelSelector) string {
	sel, err := metav1.LabelSelectorAsSelector(selector)
	if err != nil {
		return ""
	}
	pods, err := k.c.Client.CoreV1().Pods(ns).List(k.ctx, metav1.ListOptions{LabelSelector: sel.String()})
	if err != nil {
		return fmt.Sprintf("\n    (listing its pods failed: %v)", err)
	}
	sort.Slice(pods.Items, func(i, j int) bool { return pods.Items[i].Name < pods.Items[j].Name })
	var b strings.Builder
	n := 0
	for i := range pods.Items {
		p := &pods.Items[i]
		if podReady(p) || p.DeletionTimestamp != nil {
			continue
		}
		if n++; n > maxDiagnosedPods {
			break
		}
		fmt.Fprintf(&b, "\n    pod %s (node %s, phase %s)", p.Name, orNone(p.Spec.NodeName), p.Status.Phase)
		for _, c := range p.Status.ContainerStatuses {
			k.describeContainer(&b, p, c)
		}
		events, err := k.c.Client.CoreV1().Events(ns).List(k.ctx, metav1.ListOptions{FieldSelector: fields.AndSelectors(
			fields.OneTermEqualSelector("involvedObject.name", p.Name),
			fields.OneTermEqualSelector("type", corev1.EventTypeWarning)).String()})
		if err == nil {
			for _, e := range lastEvents(events.Items, 3) {
				fmt.Fprintf(&b, "\n      event %s: %s (x%d)", e.Reason, strings.TrimSpace(e.Message), max(e.Count, 1))
			}
		}
	}
	return b.String()
}

func (k *checker) describeContainer(b *strings.Builder, p *corev1.Pod, c corev1.ContainerStatus) {
	switch {
	case c.State.Waiting != nil:
		fmt.Fprintf(b, "\n      container %s (image %s) waiting: %s %s", c.Name, c.Image, c.State.Waiting.Reason, c.State.Waiting.Message)
	case c.State.Terminated != nil:
		fmt.Fprintf(b, "\n      container %s (image %s) terminated: %s, exit code %d", c.Name, c.Image, c.State.Terminated.Reason, c.State.Terminated.ExitCode)
	case c.State.Running != nil && !c.Ready:
		fmt.Fprintf(b, "\n      container %s (image %s) running but not ready, %d restarts", c.Name, c.Image, c.RestartCount)
	default:
		return
	}
	started := c.State.Running != nil || c.State.Terminated != nil || c.LastTerminationState.Terminated != nil
	if !started {
		return
	}
	tail := int64(3)
	raw, err := k.c.Client.CoreV1().Pods(p.Namespace).GetLogs(p.Name, &corev1.PodLogOptions{Container: c.Name, TailLines: &tail}).DoRaw(k.ctx)
	if err != nil || len(strings.TrimSpace(string(raw))) == 0 {
		return
	}
	for _, line := range strings.Split(strings.TrimRight(string(raw), "\n"), "\n") {
		fmt.Fprintf(b, "\n      log: %s", line)
	}
}

// lastEvents returns the n most recent events.
func lastEvents(evs []corev1.Event, n int) []corev1.Event {
	sort.Slice(evs, func(i, j int) bool { return evs[i].LastTimestamp.Before(&evs[j].LastTimestamp) })
	if len(evs) > n {
		evs = evs[len(evs)-n:]
	}
	return evs
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
