package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	kindv1alpha4 "sigs.k8s.io/kind/pkg/apis/config/v1alpha4"
)

// Labels and taints that kubeadm (and so kind) puts on nodes.
const (
	LabelControlPlane  = "node-role.kubernetes.io/control-plane"
	labelExcludeFromLB = "node.kubernetes.io/exclude-from-external-load-balancers"
	// AnnotationKwokNode marks a node that kwok plays: its pods are scheduled but never run.
	AnnotationKwokNode = "kwok.x-k8s.io/node"
	// AnnotationResourceMetricsPath tells metrics-server (v0.8+) where a node's kubelet serves
	// /metrics/resource; kwok serves every node's at ResourceMetricsPath(name) on its own port.
	AnnotationResourceMetricsPath = "metrics.k8s.io/resource-metrics-path"
)

// ResourceMetricsPath is the path at which the sandbox's kwok serves node name's kubelet
// resource metrics (kwok's metrics-resource.yaml config, see sandbox.sh).
func ResourceMetricsPath(name string) string { return "/metrics/nodes/" + name + "/metrics/resource" }

// KwokNodeAnnotations are the annotations every sandbox node needs: kwok manages it (plays its
// kubelet), and metrics-server scrapes its resource metrics from kwok. Use them on nodes that a
// test creates itself.
func KwokNodeAnnotations(name string) map[string]string {
	return map[string]string{AnnotationKwokNode: "fake", AnnotationResourceMetricsPath: ResourceMetricsPath(name)}
}

// NodesFromKindConfigFile reads a kind.x-k8s.io/v1alpha4 Cluster and returns the Nodes kind
// would register for it. See NodesFromKindConfig.
func NodesFromKindConfigFile(path string) ([]corev1.Node, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read kind config: %w", err)
	}
	nodes, err := NodesFromKindConfig(raw)
	if err != nil {
		return nil, fmt.Errorf("kind config %s: %w", path, err)
	}
	return nodes, nil
}

// NodesFromKindConfig returns the Nodes a kind cluster created from raw would have: kind's
// names (<cluster>-control-plane, <cluster>-worker, <cluster>-worker2, ...), the labels from
// each node's `labels:` and from kubelet node-labels in kubeadmConfigPatches, kubeadm's
// control-plane label and NoSchedule taint (removed by kind for single-node clusters) and taints
// from nodeRegistration.taints or register-with-taints in kubeadmConfigPatches. The config is
// decoded strictly, as kind does, so a typo fails here as it would in `kind create cluster`.
func NodesFromKindConfig(raw []byte) ([]corev1.Node, error) {
	var cluster kindv1alpha4.Cluster
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&cluster); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("empty kind config")
		}
		return nil, fmt.Errorf("decode kind config: %w", err)
	}
	if cluster.Kind != "Cluster" || cluster.APIVersion != "kind.x-k8s.io/v1alpha4" {
		return nil, fmt.Errorf("want kind Cluster, apiVersion kind.x-k8s.io/v1alpha4; got kind %q, apiVersion %q", cluster.Kind, cluster.APIVersion)
	}
	name := cluster.Name
	if name == "" {
		name = "kind" // kind's default cluster name
	}
	specs := cluster.Nodes
	if len(specs) == 0 {
		specs = []kindv1alpha4.Node{{Role: kindv1alpha4.ControlPlaneRole}}
	}
	counter := map[kindv1alpha4.NodeRole]int{}
	firstControlPlane := true
	nodes := make([]corev1.Node, 0, len(specs))
	for i, spec := range specs {
		role := spec.Role
		if role == "" {
			role = kindv1alpha4.ControlPlaneRole // kind's default role
		}
		if role != kindv1alpha4.ControlPlaneRole && role != kindv1alpha4.WorkerRole {
			return nil, fmt.Errorf("nodes[%d]: unknown role %q (want control-plane or worker)", i, role)
		}
		// kind's node namer: the first node of a role has no number, the second gets 2, ...
		counter[role]++
		nodeName := fmt.Sprintf("%s-%s", name, role)
		if n := counter[role]; n > 1 {
			nodeName += fmt.Sprint(n)
		}
		if errs := validation.IsDNS1123Subdomain(nodeName); len(errs) > 0 {
			return nil, fmt.Errorf("nodes[%d]: node name %q is invalid: %s", i, nodeName, strings.Join(errs, "; "))
		}
		labels := map[string]string{
			"kubernetes.io/hostname":  nodeName,
			"kubernetes.io/os":        "linux",
			"kubernetes.io/arch":      "amd64",
			"beta.kubernetes.io/os":   "linux",
			"beta.kubernetes.io/arch": "amd64",
		}
		var taints []corev1.Taint
		if role == kindv1alpha4.ControlPlaneRole {
			labels[LabelControlPlane] = ""
			// kind removes the taint and the load-balancer exclusion when the cluster has one node.
			if len(specs) > 1 {
				labels[labelExcludeFromLB] = ""
				taints = append(taints, corev1.Taint{Key: LabelControlPlane, Effect: corev1.TaintEffectNoSchedule})
			}
		}
		// kubeadm reads InitConfiguration on the first control-plane node, JoinConfiguration on
		// the rest; cluster-wide patches apply to every node, node patches after them.
		kubeadmKind := "JoinConfiguration"
		if role == kindv1alpha4.ControlPlaneRole && firstControlPlane {
			kubeadmKind = "InitConfiguration"
			firstControlPlane = false
		}
		patches := append(append([]string{}, cluster.KubeadmConfigPatches...), spec.KubeadmConfigPatches...)
		reg, err := nodeRegistration(patches, kubeadmKind)
		if err != nil {
			return nil, fmt.Errorf("nodes[%d] (%s): %w", i, nodeName, err)
		}
		for k, v := range reg.labels {
			labels[k] = v
		}
		if reg.taints != nil {
			taints = reg.taints
			if len(taints) == 0 {
				taints = nil // `taints: []` means no taints
			}
		}
		for k, v := range spec.Labels {
			labels[k] = v
		}
		for k, v := range labels {
			if errs := validation.IsQualifiedName(k); len(errs) > 0 {
				return nil, fmt.Errorf("nodes[%d] (%s): label key %q: %s", i, nodeName, k, strings.Join(errs, "; "))
			}
			if errs := validation.IsValidLabelValue(v); len(errs) > 0 {
				return nil, fmt.Errorf("nodes[%d] (%s): label %s value %q: %s", i, nodeName, k, v, strings.Join(errs, "; "))
			}
		}
		nodes = append(nodes, corev1.Node{
			ObjectMeta: metav1.ObjectMeta{
				Name:        nodeName,
				Labels:      labels,
				Annotations: KwokNodeAnnotations(nodeName),
			},
			Spec: corev1.NodeSpec{Taints: taints},
		})
	}
	return nodes, nil
}

type registration struct {
	labels map[string]string
	taints []corev1.Taint // nil: not set, keep kubeadm's default
}

// nodeRegistration extracts node labels and taints from the kubeadm config patches of kind
// kubeadmKind. It understands nodeRegistration.taints and the kubelet flags node-labels and
// register-with-taints, in both the v1beta3 (map) and v1beta4 (list) kubeletExtraArgs forms.
func nodeRegistration(patches []string, kubeadmKind string) (registration, error) {
	reg := registration{labels: map[string]string{}}
	for pi, patch := range patches {
		dec := yaml.NewDecoder(strings.NewReader(patch))
		for {
			var doc struct {
				Kind             string `yaml:"kind"`
				NodeRegistration struct {
					Taints           *[]corev1.Taint `yaml:"taints"`
					KubeletExtraArgs yaml.Node       `yaml:"kubeletExtraArgs"`
				} `yaml:"nodeRegistration"`
			}
			err := dec.Decode(&doc)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return reg, fmt.Errorf("kubeadmConfigPatches[%d]: %w", pi, err)
			}
			if doc.Kind != kubeadmKind {
				continue
			}
			if t := doc.NodeRegistration.Taints; t != nil {
				reg.taints = append([]corev1.Taint{}, *t...)
			}
			args, err := kubeletArgs(doc.NodeRegistration.KubeletExtraArgs)
			if err != nil {
				return reg, fmt.Errorf("kubeadmConfigPatches[%d]: kubeletExtraArgs: %w", pi, err)
			}
			if v, ok := args["node-labels"]; ok {
				for _, kv := range splitList(v) {
					k, val, _ := strings.Cut(kv, "=")
					reg.labels[k] = val
				}
			}
			if v, ok := args["register-with-taints"]; ok {
				taints, err := parseTaints(splitList(v))
				if err != nil {
					return reg, fmt.Errorf("kubeadmConfigPatches[%d]: register-with-taints: %w", pi, err)
				}
				reg.taints = append(reg.taints, taints...)
			}
		}
	}
	for _, t := range reg.taints {
		switch t.Effect {
		case corev1.TaintEffectNoSchedule, corev1.TaintEffectPreferNoSchedule, corev1.TaintEffectNoExecute:
		default:
			return reg, fmt.Errorf("taint %q: unknown effect %q", t.Key, t.Effect)
		}
	}
	return reg, nil
}

func kubeletArgs(n yaml.Node) (map[string]string, error) {
	args := map[string]string{}
	switch n.Kind {
	case 0:
		return args, nil
	case yaml.MappingNode: // kubeadm v1beta3: {node-labels: "a=b"}
		if err := n.Decode(&args); err != nil {
			return nil, err
		}
	case yaml.SequenceNode: // kubeadm v1beta4: [{name: node-labels, value: "a=b"}]
		var list []struct{ Name, Value string }
		if err := n.Decode(&list); err != nil {
			return nil, err
		}
		for _, a := range list {
			args[a.Name] = a.Value
		}
	default:
		return nil, fmt.Errorf("want a map or a list, got YAML node kind %d", n.Kind)
	}
	return args, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseTaints parses kubelet's --register-with-taints entries: key[=value]:Effect.
func parseTaints(specs []string) ([]corev1.Taint, error) {
	var taints []corev1.Taint
	for _, s := range specs {
		kv, effect, ok := strings.Cut(s, ":")
		if !ok {
			return nil, fmt.Errorf("taint %q: want key[=value]:Effect", s)
		}
		k, v, _ := strings.Cut(kv, "=")
		taints = append(taints, corev1.Taint{Key: k, Value: v, Effect: corev1.TaintEffect(effect)})
	}
	return taints, nil
}

// CreateNodesFromKindConfig registers the kind config's nodes with the sandbox (kwok then makes
// them Ready) and returns them. Nodes that already exist are replaced, so the result always
// matches the config.
func (s *Sandbox) CreateNodesFromKindConfig(ctx context.Context, path string) ([]corev1.Node, error) {
	nodes, err := NodesFromKindConfigFile(path)
	if err != nil {
		return nil, err
	}
	created := make([]corev1.Node, 0, len(nodes))
	for i := range nodes {
		err := s.Client.CoreV1().Nodes().Delete(ctx, nodes[i].Name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("replace node %s: %w", nodes[i].Name, err)
		}
		n, err := s.Client.CoreV1().Nodes().Create(ctx, &nodes[i], metav1.CreateOptions{})
		if err != nil {
			return nil, fmt.Errorf("create node %s: %w", nodes[i].Name, err)
		}
		created = append(created, *n)
	}
	if err := s.WaitNodesReady(ctx, nodeNames(created)...); err != nil {
		return nil, err
	}
	return created, nil
}

func nodeNames(nodes []corev1.Node) []string {
	names := make([]string, 0, len(nodes))
	for _, n := range nodes {
		names = append(names, n.Name)
	}
	sort.Strings(names)
	return names
}
