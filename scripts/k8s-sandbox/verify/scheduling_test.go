package verify

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestDaemonPodFits(t *testing.T) {
	edge := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: "edge-worker", Labels: map[string]string{"node-role": "edge", "edge-zone": "a", "cores": "4"}},
		Spec:       corev1.NodeSpec{Taints: []corev1.Taint{{Key: "node-role", Value: "edge", Effect: corev1.TaintEffectNoSchedule}}},
	}
	plain := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "worker", Labels: map[string]string{"node-role": "cloud"}}}
	notReady := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: "sick"},
		Spec: corev1.NodeSpec{Taints: []corev1.Taint{
			{Key: corev1.TaintNodeNotReady, Effect: corev1.TaintEffectNoExecute},
			{Key: "soft", Effect: corev1.TaintEffectPreferNoSchedule},
		}},
	}
	tolerateEdge := []corev1.Toleration{{Key: "node-role", Operator: corev1.TolerationOpEqual, Value: "edge", Effect: corev1.TaintEffectNoSchedule}}
	affinity := func(terms ...corev1.NodeSelectorTerm) *corev1.Affinity {
		return &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: terms},
		}}
	}
	expr := func(key string, op corev1.NodeSelectorOperator, values ...string) corev1.NodeSelectorTerm {
		return corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: key, Operator: op, Values: values}}}
	}
	tests := []struct {
		name string
		spec corev1.PodSpec
		node *corev1.Node
		want bool
	}{
		{"no-constraints-untainted", corev1.PodSpec{}, plain, true},
		{"taint-not-tolerated", corev1.PodSpec{NodeSelector: map[string]string{"node-role": "edge"}}, edge, false},
		{"selector-and-toleration", corev1.PodSpec{NodeSelector: map[string]string{"node-role": "edge"}, Tolerations: tolerateEdge}, edge, true},
		{"selector-mismatch", corev1.PodSpec{NodeSelector: map[string]string{"node-role": "edge"}, Tolerations: tolerateEdge}, plain, false},
		{"exists-toleration-any-key", corev1.PodSpec{Tolerations: []corev1.Toleration{{Operator: corev1.TolerationOpExists}}}, edge, true},
		{"toleration-wrong-effect", corev1.PodSpec{Tolerations: []corev1.Toleration{{Key: "node-role", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute}}}, edge, false},
		{"toleration-wrong-value", corev1.PodSpec{Tolerations: []corev1.Toleration{{Key: "node-role", Value: "cloud"}}}, edge, false},
		{"daemon-default-tolerations", corev1.PodSpec{}, notReady, true},
		{"affinity-in", corev1.PodSpec{Tolerations: tolerateEdge, Affinity: affinity(expr("edge-zone", corev1.NodeSelectorOpIn, "a", "b"))}, edge, true},
		{"affinity-in-missing-label", corev1.PodSpec{Affinity: affinity(expr("edge-zone", corev1.NodeSelectorOpIn, "a"))}, plain, false},
		{"affinity-notin-missing-label", corev1.PodSpec{Affinity: affinity(expr("edge-zone", corev1.NodeSelectorOpNotIn, "a"))}, plain, true},
		{"affinity-does-not-exist", corev1.PodSpec{Affinity: affinity(expr("node-role", corev1.NodeSelectorOpDoesNotExist))}, plain, false},
		{"affinity-gt", corev1.PodSpec{Tolerations: tolerateEdge, Affinity: affinity(expr("cores", corev1.NodeSelectorOpGt, "2"))}, edge, true},
		{"affinity-lt", corev1.PodSpec{Tolerations: tolerateEdge, Affinity: affinity(expr("cores", corev1.NodeSelectorOpLt, "2"))}, edge, false},
		{"affinity-terms-ored", corev1.PodSpec{Affinity: affinity(expr("x", corev1.NodeSelectorOpExists), expr("node-role", corev1.NodeSelectorOpIn, "cloud"))}, plain, true},
		{"affinity-empty-term-matches-nothing", corev1.PodSpec{Affinity: affinity(corev1.NodeSelectorTerm{})}, plain, false},
		{"affinity-match-fields-name", corev1.PodSpec{Affinity: affinity(corev1.NodeSelectorTerm{MatchFields: []corev1.NodeSelectorRequirement{{Key: "metadata.name", Operator: corev1.NodeSelectorOpIn, Values: []string{"worker"}}}})}, plain, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DaemonPodFits(&tt.spec, tt.node); got != tt.want {
				t.Errorf("DaemonPodFits on %s: got %v, want %v", tt.node.Name, got, tt.want)
			}
		})
	}
}
