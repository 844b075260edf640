// Command kindnodes turns a kind config into what `sandbox.sh up --real` needs to build the same
// cluster from real nodes: the Node objects kind would register (names, labels, taints; see
// sandbox.NodesFromKindConfig) and the host port mappings.
//
//	kindnodes -config k8s/kind-config.yaml -real 3 nodes   # a v1 List of Nodes, as JSON
//	kindnodes -config k8s/kind-config.yaml -real 3 plan    # one line per node and per port
//
// plan prints `node NAME real|kwok POD_CIDR` and `port NODE LISTEN_ADDRESS HOST_PORT NODE_PORT
// PROTOCOL`. The first -real nodes are real (node i gets pod CIDR 10.244.i.0/24); the rest are
// kwok nodes whose pods never run.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
	corev1 "k8s.io/api/core/v1"
	kindv1alpha4 "sigs.k8s.io/kind/pkg/apis/config/v1alpha4"

	"github.com/cloudnative-go-journey/cloudnative-go-journey/scripts/k8s-sandbox/sandbox"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "kindnodes:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("kindnodes", flag.ContinueOnError)
	config := fs.String("config", "", "path of the kind config (kind.x-k8s.io/v1alpha4 Cluster)")
	realN := fs.Int("real", 3, "how many nodes, in config order, are real; the rest are kwok nodes")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *config == "" || fs.NArg() != 1 || (fs.Arg(0) != "nodes" && fs.Arg(0) != "plan") {
		return errors.New("usage: kindnodes -config FILE [-real N] nodes|plan")
	}
	if *realN < 1 || *realN > 200 {
		return fmt.Errorf("-real %d: want 1 to 200 (pod CIDRs are 10.244.1-200.0/24)", *realN)
	}
	nodes, ports, err := load(*config)
	if err != nil {
		return err
	}
	for i := range nodes {
		if i < *realN {
			nodes[i].Spec.PodCIDR = podCIDR(i)
			nodes[i].Spec.PodCIDRs = []string{podCIDR(i)}
			nodes[i].Annotations = nil // a kubelet, not kwok, runs this node
			continue
		}
		// The Node sandbox.NodesFromKindConfig returns is already a kwok node.
	}
	if fs.Arg(0) == "nodes" {
		list := corev1.NodeList{Items: nodes}
		list.APIVersion, list.Kind = "v1", "List"
		for i := range list.Items {
			list.Items[i].APIVersion, list.Items[i].Kind = "v1", "Node"
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(list)
	}
	for i, n := range nodes {
		mode, cidr := "kwok", "-"
		if i < *realN {
			mode, cidr = "real", podCIDR(i)
		}
		fmt.Fprintf(stdout, "node %s %s %s\n", n.Name, mode, cidr)
	}
	for _, p := range ports {
		if p.node >= *realN {
			return fmt.Errorf("node %s maps host port %d but is a kwok node (raise -real to %d)", nodes[p.node].Name, p.HostPort, p.node+1)
		}
		addr := p.ListenAddress
		if addr == "" {
			addr = "0.0.0.0" // kind's default
		}
		proto := strings.ToUpper(string(p.Protocol))
		if proto == "" {
			proto = "TCP"
		}
		fmt.Fprintf(stdout, "port %s %s %d %d %s\n", nodes[p.node].Name, addr, p.HostPort, p.ContainerPort, proto)
	}
	return nil
}

func podCIDR(i int) string { return fmt.Sprintf("10.244.%d.0/24", i+1) }

type portMapping struct {
	node int
	kindv1alpha4.PortMapping
}

// load returns kind's nodes for the config and its extraPortMappings, by node index.
func load(path string) ([]corev1.Node, []portMapping, error) {
	nodes, err := sandbox.NodesFromKindConfigFile(path)
	if err != nil {
		return nil, nil, err
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	var cluster kindv1alpha4.Cluster
	if err := yaml.NewDecoder(bytes.NewReader(raw)).Decode(&cluster); err != nil {
		return nil, nil, fmt.Errorf("kind config %s: %w", path, err)
	}
	var ports []portMapping
	for i, n := range cluster.Nodes {
		for _, p := range n.ExtraPortMappings {
			if p.HostPort <= 0 || p.ContainerPort <= 0 {
				return nil, nil, fmt.Errorf("kind config %s: nodes[%d]: extraPortMappings need hostPort and containerPort", path, i)
			}
			ports = append(ports, portMapping{node: i, PortMapping: p})
		}
	}
	return nodes, ports, nil
}
