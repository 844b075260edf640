package sandbox

import (
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

var controlPlaneTaint = corev1.Taint{Key: LabelControlPlane, Effect: corev1.TaintEffectNoSchedule}

func TestNodesFromKindConfig(t *testing.T) {
	type want struct {
		labels map[string]string // subset that must be present ("<absent>" means must be absent)
		taints []corev1.Taint
	}
	tests := []struct {
		name   string
		config string
		want   map[string]want // by node name; the node list must be exactly these names
	}{
		{
			name: "control-plane-and-two-workers",
			config: `kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
name: journey-v0-1
nodes:
- role: control-plane
  extraPortMappings:
  - containerPort: 30080
    hostPort: 30080
    listenAddress: 127.0.0.1
- role: worker
- role: worker
`,
			want: map[string]want{
				"journey-v0-1-control-plane": {labels: map[string]string{LabelControlPlane: "", labelExcludeFromLB: "", "kubernetes.io/hostname": "journey-v0-1-control-plane"}, taints: []corev1.Taint{controlPlaneTaint}},
				"journey-v0-1-worker":        {labels: map[string]string{LabelControlPlane: "<absent>", "kubernetes.io/hostname": "journey-v0-1-worker", "kubernetes.io/os": "linux"}},
				"journey-v0-1-worker2":       {labels: map[string]string{LabelControlPlane: "<absent>"}},
			},
		},
		{
			name:   "default-name-and-node-single-node-untainted",
			config: "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\n",
			want: map[string]want{
				"kind-control-plane": {labels: map[string]string{LabelControlPlane: "", labelExcludeFromLB: "<absent>"}},
			},
		},
		{
			name: "labels-and-taints-from-kubeadm-patches",
			config: `kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
name: edge
kubeadmConfigPatches:
- |
  kind: ClusterConfiguration
  networking:
    dnsDomain: cluster.local
nodes:
- role: control-plane
  labels:
    node-role: cloud
- role: control-plane
- role: worker
  labels:
    node-role: edge
    edge-zone: zone-a
  kubeadmConfigPatches:
  - |
    kind: JoinConfiguration
    nodeRegistration:
      taints:
      - key: node-role
        value: edge
        effect: NoSchedule
      kubeletExtraArgs:
        node-labels: "hardware=raspberry-pi,edge-zone=overridden-by-labels"
- role: worker
  kubeadmConfigPatches:
  - |
    apiVersion: kubeadm.k8s.io/v1beta4
    kind: JoinConfiguration
    nodeRegistration:
      kubeletExtraArgs:
      - name: register-with-taints
        value: dedicated=gpu:NoExecute,spot:PreferNoSchedule
  - |
    kind: InitConfiguration
    nodeRegistration:
      taints: []
`,
			want: map[string]want{
				"edge-control-plane":  {labels: map[string]string{"node-role": "cloud", LabelControlPlane: ""}, taints: []corev1.Taint{controlPlaneTaint}},
				"edge-control-plane2": {labels: map[string]string{"node-role": "<absent>", LabelControlPlane: ""}, taints: []corev1.Taint{controlPlaneTaint}},
				"edge-worker": {labels: map[string]string{"node-role": "edge", "edge-zone": "zone-a", "hardware": "raspberry-pi"},
					taints: []corev1.Taint{{Key: "node-role", Value: "edge", Effect: corev1.TaintEffectNoSchedule}}},
				"edge-worker2": {taints: []corev1.Taint{
					{Key: "dedicated", Value: "gpu", Effect: corev1.TaintEffectNoExecute},
					{Key: "spot", Effect: corev1.TaintEffectPreferNoSchedule},
				}},
			},
		},
		{
			name: "init-configuration-empty-taints-untaints-first-control-plane",
			config: `kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
nodes:
- role: control-plane
  kubeadmConfigPatches:
  - |
    kind: InitConfiguration
    nodeRegistration:
      taints: []
- role: worker
`,
			want: map[string]want{
				"kind-control-plane": {labels: map[string]string{LabelControlPlane: ""}},
				"kind-worker":        {},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nodes, err := NodesFromKindConfig([]byte(tt.config))
			if err != nil {
				t.Fatalf("NodesFromKindConfig: got error %v, want nil", err)
			}
			var gotNames []string
			for _, n := range nodes {
				gotNames = append(gotNames, n.Name)
			}
			if len(nodes) != len(tt.want) {
				t.Fatalf("got nodes %v, want %d nodes", gotNames, len(tt.want))
			}
			for _, n := range nodes {
				w, ok := tt.want[n.Name]
				if !ok {
					t.Fatalf("got unexpected node %q (all: %v)", n.Name, gotNames)
				}
				for k, v := range w.labels {
					got, has := n.Labels[k]
					if v == "<absent>" {
						if has {
							t.Errorf("node %s: got label %s=%q, want it absent", n.Name, k, got)
						}
						continue
					}
					if !has || got != v {
						t.Errorf("node %s: got label %s=%q (present %v), want %q", n.Name, k, got, has, v)
					}
				}
				if !reflect.DeepEqual(n.Spec.Taints, w.taints) {
					t.Errorf("node %s: got taints %v, want %v", n.Name, n.Spec.Taints, w.taints)
				}
				if n.Annotations[AnnotationKwokNode] != "fake" {
					t.Errorf("node %s: got annotations %v, want %s=fake so kwok manages it", n.Name, n.Annotations, AnnotationKwokNode)
				}
				if got, want := n.Annotations[AnnotationResourceMetricsPath], "/metrics/nodes/"+n.Name+"/metrics/resource"; got != want {
					t.Errorf("node %s: got annotation %s=%q, want %q so metrics-server scrapes kwok", n.Name, AnnotationResourceMetricsPath, got, want)
				}
			}
		})
	}
}

func TestNodesFromKindConfigErrors(t *testing.T) {
	tests := []struct {
		name, config, wantErr string
	}{
		{"empty", "", "empty kind config"},
		{"not-yaml", "kind: [", "decode kind config"},
		{"wrong-kind", "kind: Config\napiVersion: v1\n", `want kind Cluster`},
		{"typo-field", "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: worker\n  lables: {a: b}\n", "lables"},
		{"unknown-role", "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: master\n", `unknown role "master"`},
		{"bad-label-key", "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: worker\n  labels: {\"a b\": c}\n", `label key "a b"`},
		{"bad-label-value", "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: worker\n  labels: {a: \"b c\"}\n", `value "b c"`},
		{"bad-name", "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nname: Bad_Name\n", "node name"},
		{"bad-taint-effect", "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: worker\n  kubeadmConfigPatches:\n  - |\n    kind: JoinConfiguration\n    nodeRegistration:\n      taints: [{key: a, effect: Sometimes}]\n", `unknown effect "Sometimes"`},
		{"bad-register-with-taints", "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: worker\n  kubeadmConfigPatches:\n  - |\n    kind: JoinConfiguration\n    nodeRegistration:\n      kubeletExtraArgs: {register-with-taints: nocolon}\n", "want key[=value]:Effect"},
		{"bad-patch-yaml", "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: worker\n  kubeadmConfigPatches:\n  - \"kind: [\"\n", "kubeadmConfigPatches[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nodes, err := NodesFromKindConfig([]byte(tt.config))
			if err == nil {
				t.Fatalf("got nodes %v and no error, want error containing %q", nodes, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("got error %q, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

// FuzzNodesFromKindConfig: kind configs come from the repository, but a bad one must give an
// error, never a panic.
func FuzzNodesFromKindConfig(f *testing.F) {
	f.Add([]byte("kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: worker\n  labels: {a: b}\n"))
	f.Add([]byte("kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- kubeadmConfigPatches: [\"kind: JoinConfiguration\\nnodeRegistration: {kubeletExtraArgs: [{name: node-labels, value: x=y}]}\"]\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		nodes, err := NodesFromKindConfig(raw)
		if err == nil && len(nodes) == 0 {
			t.Errorf("got no nodes and no error for %q", raw)
		}
	})
}
