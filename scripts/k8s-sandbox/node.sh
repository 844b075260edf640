#!/usr/bin/env bash
# node.sh DIR — one real sandbox node: containerd, kubelet and kube-proxy. sandbox.sh runs it as
#   nsenter --net=/var/run/netns/NS unshare --mount --propagation slave node.sh DIR
# so the node has its own network stack (addresses, routes, iptables, NodePorts) and its own view
# of the host paths that kubelet and pods hard-code (/var/log/pods, the device-plugin socket),
# while the rest of the file system stays shared, as on a machine that runs one node.
# DIR/node.env names the node and its paths; SIGTERM stops the three processes.
set -euo pipefail
[[ "${DEBUG:-}" == 1 ]] && set -x
D="$1"
# shellcheck source=/dev/null # written by sandbox.sh
source "$D/node.env" # NODE_NAME NODE_IP BIN LOGS PID_DIR IMAGES_DIR CONTAINERD_SOCK KUBELET_ROOT

# A second kubelet on the same paths would fail ("address already in use" on the device-plugin
# socket) or read another node's logs; bind-mount per-node directories over them instead.
for p in /var/lib/kubelet/device-plugins /var/log/pods /var/log/containers; do
  mkdir -p "$p" "$D/fs$p"
  mount --bind "$D/fs$p" "$p"
done
ip link set lo up
# Per network namespace: forwarding for the pod bridge, iptables for bridged pod-to-pod traffic
# (kube-proxy's hairpin to a Service whose endpoint is on the same bridge).
sysctl -qw net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1 net.bridge.bridge-nf-call-ip6tables=1

pids=()
run() { # run NAME CMD...: start a node process in the background with its log and pid file
  local name="$1"; shift
  "$@" </dev/null >"$LOGS/$NODE_NAME-$name.log" 2>&1 &
  echo $! >"$PID_DIR/$NODE_NAME-$name"
  pids+=($!)
}
stop() {
  local pid
  # kubelet and kube-proxy first, so nothing restarts a container while containerd stops.
  for pid in "${pids[@]:1}"; do kill "$pid" 2>/dev/null || true; done
  wait "${pids[@]:1}" 2>/dev/null || true
  kill "${pids[0]}" 2>/dev/null || true
  wait "${pids[0]}" 2>/dev/null || true
  exit 0
}
trap stop TERM INT

# containerd finds its runc shim on PATH.
PATH="$BIN:$PATH" run containerd "$BIN/containerd" --config "$D/containerd.toml"
for ((i = 0; i < 100; i++)); do
  "$BIN/ctr" --address "$CONTAINERD_SOCK" version >/dev/null 2>&1 && break
  kill -0 "${pids[0]}" 2>/dev/null || { echo "containerd exited (log: $LOGS/$NODE_NAME-containerd.log)" >&2; exit 1; }
  sleep 0.1
done
shopt -s nullglob
for img in "$IMAGES_DIR"/*.tar; do
  "$BIN/ctr" --address "$CONTAINERD_SOCK" -n k8s.io images import "$img" >/dev/null
done
shopt -u nullglob
run kubelet "$BIN/kubelet" --config "$D/kubelet.yaml" --kubeconfig "$D/kubelet.kubeconfig" \
  --root-dir "$KUBELET_ROOT" --cert-dir "$KUBELET_ROOT/pki" --hostname-override "$NODE_NAME" --node-ip "$NODE_IP"
run kube-proxy "$BIN/kube-proxy" --config "$D/kube-proxy.yaml"
# Any node process that exits ends the node: the sandbox reports it instead of limping on.
wait -n "${pids[@]}" || true
echo "a node process exited; stopping node $NODE_NAME" >&2
stop
