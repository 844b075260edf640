package deploytest

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/cloudnative-go-journey/cloudnative-go-journey/scripts/k8s-sandbox/sandbox"
)

func nsObject(name string) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
}

// TestNodesFromKindConfigInSandbox checks the node half of the sandbox: the kind config's nodes
// exist with their labels and taints, turn Ready, hold a lease that kwok renews (so the node
// lifecycle controller keeps them Ready), and can be listed by label as v1.5's edge controller does.
func TestNodesFromKindConfigInSandbox(t *testing.T) {
	sb := sandbox.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir, err := filepath.Abs(filepath.Join("testdata", "good"))
	if err != nil {
		t.Fatal(err)
	}
	freshNodes(ctx, t, sb, dir)

	edge, err := sb.Client.CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: "node-role=edge"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range edge.Items {
		got = append(got, n.Name+"@"+n.Labels["edge-zone"])
		if len(n.Spec.Taints) != 1 || n.Spec.Taints[0].Key != "node-role" || n.Spec.Taints[0].Effect != corev1.TaintEffectNoSchedule {
			t.Errorf("node %s: got taints %v, want exactly node-role=edge:NoSchedule", n.Name, n.Spec.Taints)
		}
	}
	if want := []string{"sandbox-good-worker2@zone-a", "sandbox-good-worker3@zone-b"}; !equal(got, want) {
		t.Errorf("nodes with node-role=edge: got %v, want %v", got, want)
	}

	// Leases: kwok renews one per node in kube-node-lease; wait to see a renewal, since a lease that
	// is only created would still let the node lifecycle controller mark the node unreachable.
	lease := func() (time.Time, error) {
		l, err := sb.Client.CoordinationV1().Leases("kube-node-lease").Get(ctx, "sandbox-good-worker2", metav1.GetOptions{})
		if err != nil || l.Spec.RenewTime == nil {
			return time.Time{}, err
		}
		return l.Spec.RenewTime.Time, nil
	}
	var first time.Time
	if err := wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		first, err = lease()
		return err == nil && !first.IsZero(), nil
	}); err != nil {
		t.Fatalf("node lease for sandbox-good-worker2: got none after 30s (%v), want kwok to create it", err)
	}
	var renewed time.Time
	if err := wait.PollUntilContextTimeout(ctx, time.Second, 60*time.Second, true, func(context.Context) (bool, error) {
		renewed, err = lease()
		return err == nil && renewed.After(first), nil
	}); err != nil {
		t.Errorf("node lease renewTime: got %v still, want kwok to renew it within 60s", first)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
