# shellcheck shell=bash
# real.sh — real nodes for sandbox.sh (sourced by it; `sandbox.sh up --real`).
#
# Each node of the version's kind config becomes a real Kubernetes node: its own network namespace
# (veth eth0 on the host bridge, its node IP, routes to the other nodes' pod subnets), its own
# containerd, kubelet and kube-proxy (node.sh), and its own cgroup root. The control plane, CoreDNS,
# metrics-server and the local-path provisioner run as host processes; the kind config's
# extraPortMappings are forwarded from the host (portfwd), as Docker publishes a kind node's ports.
#
#   host bridge sbx0 198.18.0.1/24 ── veth ── node i: netns sbx-node<i>, eth0 198.18.0.<10+i>,
#                                              pods 10.244.<i>.0/24 on its bridge cni0
#
# 198.18.0.0/15 is reserved for benchmarking networks (RFC 2544): nothing else on a machine uses it,
# and it never leaves the machine. Only one real sandbox runs per machine (a lock guards the fixed
# names below); nodes beyond SANDBOX_REAL_NODES (default 3) are kwok nodes whose pods never run.

readonly REAL_BRIDGE=sbx0
readonly REAL_HOST_IP=198.18.0.1
readonly REAL_PREFIX=sbx-node # netns and cgroup root names: sbx-node1, sbx-node2, ...
readonly REAL_LOCK=/run/lock/cloudnative-go-journey-sandbox-real.lock
# Sockets and the kubelet's root (which holds sockets too) need short paths: a unix socket path
# has at most 107 bytes, and the state dir can be anywhere. One real sandbox per machine, so fixed.
readonly REAL_RUN=/run/journey-sbx
# shellcheck disable=SC2034 # used by sandbox.sh
readonly SERVICE_CIDR=10.96.0.0/16
readonly CLUSTER_CIDR=10.244.0.0/16
PAUSE_REF="$("$SCRIPT_DIR/standins.sh" pause-ref)"
readonly PAUSE_REF

real_node_ip() { echo "198.18.0.$((10 + $1))"; }
real_node_run() { echo "$REAL_RUN/n$1"; } # node i's sockets and kubelet root

# real_lock takes the machine-wide lock on an fd that every process started afterwards inherits,
# so it is held exactly as long as something of this sandbox runs. SANDBOX_LOCK_WAIT seconds to
# wait for another real sandbox to go away (default 0: fail at once and say where it runs).
real_lock() {
  exec {REAL_LOCK_FD}>>"$REAL_LOCK"
  if ! flock -w "${SANDBOX_LOCK_WAIT:-0}" "$REAL_LOCK_FD"; then
    die "another real sandbox runs on this machine ($(cat "$REAL_LOCK.owner" 2>/dev/null || echo 'state dir unknown')); stop it with SANDBOX_STATE_DIR=<its dir> $0 down"
  fi
  echo "$STATE_DIR" >"$REAL_LOCK.owner"
}

# real_plan CONFIG writes STATE_DIR/real/plan (see cmd/kindnodes) and the Node objects.
real_plan() {
  local config="$1"
  mkdir -p "$STATE_DIR/real" "$STATE_DIR/bin"
  # The sandbox's own helpers (kindnodes, portfwd) are small; `go build` caches them.
  (cd "$SCRIPT_DIR" && GOWORK=off GOFLAGS=-mod=readonly go build -o "$STATE_DIR/bin/" ./cmd/kindnodes ./cmd/portfwd) ||
    die "cannot build the sandbox helpers in $SCRIPT_DIR/cmd"
  "$STATE_DIR/bin/kindnodes" -config "$config" -real "${SANDBOX_REAL_NODES:-3}" plan >"$STATE_DIR/real/plan" ||
    die "kind config $config: see the message above"
  "$STATE_DIR/bin/kindnodes" -config "$config" -real "${SANDBOX_REAL_NODES:-3}" nodes >"$STATE_DIR/real/nodes.json"
}

# real_network creates the host bridge and one network namespace per real node.
real_network() {
  local name mode cidr i=0 ip ns veth j=0 other_ip other_cidr
  ip link add "$REAL_BRIDGE" type bridge
  ip addr add "$REAL_HOST_IP/24" dev "$REAL_BRIDGE"
  ip link set "$REAL_BRIDGE" up
  while read -r _ name mode cidr; do
    [[ $mode == real ]] || continue
    i=$((i + 1)); ip="$(real_node_ip "$i")"; ns="$REAL_PREFIX$i"; veth="sbxv$i"
    ip netns add "$ns"
    ip link add "$veth" type veth peer name eth0 netns "$ns"
    ip link set "$veth" master "$REAL_BRIDGE" up
    ip -n "$ns" addr add "$ip/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" route add default via "$REAL_HOST_IP"
    # The host reaches every pod subnet (pods talk to the API server and DNS on the host).
    ip route add "$cidr" via "$ip"
    echo "$name $i $ip $cidr $ns $veth" >>"$STATE_DIR/real/nodes"
  done < <(grep '^node ' "$STATE_DIR/real/plan")
  # Pod-to-pod across nodes: a route on each node to every other node's pod subnet.
  while read -r _ i ip _ ns _; do
    while read -r _ j other_ip other_cidr _; do
      [[ $j == "$i" ]] || ip -n "$ns" route add "$other_cidr" via "$other_ip"
    done <"$STATE_DIR/real/nodes"
  done <"$STATE_DIR/real/nodes"
}

# real_cgroups makes each node's cgroup root in every v1 hierarchy. Two kubelets under one
# /kubepods would kill each other's pods, so each node gets /sbx-node<i> (kubelet cgroupRoot).
real_cgroups() {
  local i="$1" h
  for h in /sys/fs/cgroup/*/; do
    [[ $h == */unified/ ]] && continue
    mkdir -p "$h$REAL_PREFIX$i"
    if [[ -f "${h}cpuset.cpus" ]]; then # a new cpuset is empty until it gets CPUs and memory nodes
      cat "${h}cpuset.cpus" >"$h$REAL_PREFIX$i/cpuset.cpus"
      cat "${h}cpuset.mems" >"$h$REAL_PREFIX$i/cpuset.mems"
    fi
  done
}

# node_kubeconfig FILE USER TOKEN writes a kubeconfig that reaches the API server from a node.
node_kubeconfig() {
  cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: k8s-sandbox
  cluster:
    server: https://$REAL_HOST_IP:$API_PORT
    certificate-authority: $STATE_DIR/pki/ca.crt
users:
- name: $2
  user:
    token: $3
contexts:
- name: k8s-sandbox
  context: {cluster: k8s-sandbox, user: $2}
current-context: k8s-sandbox
EOF
  chmod 600 "$1"
}

# real_node_files NAME I IP CIDR writes a node's configs into STATE_DIR/nodes/NAME.
real_node_files() {
  local name="$1" i="$2" ip="$3" cidr="$4" d="$STATE_DIR/nodes/$1" r token
  r="$(real_node_run "$i")"
  mkdir -p "$d/containerd" "$d/cni/net.d" "$d/cni/ipam" "$r/kubelet"
  token="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  # The Node authorizer gives each kubelet access to its own Node and the pods bound to it.
  echo "$token,system:node:$name,node-$i,system:nodes" >>"$STATE_DIR/pki/tokens.csv"
  node_kubeconfig "$d/kubelet.kubeconfig" "system:node:$name" "$token"
  node_kubeconfig "$d/kube-proxy.kubeconfig" system:kube-proxy "$KUBE_PROXY_TOKEN"
  cat >"$d/node.env" <<EOF
NODE_NAME=$name
NODE_IP=$ip
BIN=$BIN
LOGS=$STATE_DIR/logs
PID_DIR=$STATE_DIR/pids
IMAGES_DIR=$STATE_DIR/images
CONTAINERD_SOCK=$r/containerd.sock
KUBELET_ROOT=$r/kubelet
EOF
  cat >"$d/containerd.toml" <<EOF
version = 3
root = "$d/containerd/root"
state = "$d/containerd/state"
[grpc]
  address = "$r/containerd.sock"
[ttrpc]
  address = "$r/containerd.sock.ttrpc"
[plugins.'io.containerd.internal.v1.opt']
  path = "$d/containerd/opt"
# The NRI socket path is global; a second containerd on the machine would fail on it.
[plugins.'io.containerd.nri.v1.nri']
  disable = true
[plugins.'io.containerd.cri.v1.images']
  snapshotter = "overlayfs"
  [plugins.'io.containerd.cri.v1.images'.pinned_images]
    sandbox = "$PAUSE_REF"
[plugins.'io.containerd.cri.v1.runtime']
  # This machine's bounding set lacks CAP_SYS_RESOURCE, so runc cannot lower oom_score_adj.
  restrict_oom_score_adj = true
  [plugins.'io.containerd.cri.v1.runtime'.containerd]
    default_runtime_name = "runc"
    [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
        BinaryName = "$BIN/runc"
        Root = "$d/runc"
        SystemdCgroup = false
  [plugins.'io.containerd.cri.v1.runtime'.cni]
    bin_dirs = ["$BIN/cni"]
    conf_dir = "$d/cni/net.d"
[plugins.'io.containerd.grpc.v1.cri']
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
EOF
  # ipMasq false: pods keep their own IPs to other nodes and the host, as with a real CNI.
  cat >"$d/cni/net.d/10-sandbox.conflist" <<EOF
{"cniVersion": "1.0.0", "name": "sandbox", "plugins": [
  {"type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": false, "hairpinMode": true,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "$cidr"}]], "routes": [{"dst": "0.0.0.0/0"}],
            "dataDir": "$d/cni/ipam"}},
  {"type": "portmap", "capabilities": {"portMappings": true}},
  {"type": "loopback"}]}
EOF
  # Test-node settings: cgroup v1 is all this machine offers; anonymous kubelet API access lets
  # the API server (logs, exec) and metrics-server in without kubelet client certificates.
  cat >"$d/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupRoot: /$REAL_PREFIX$i
containerRuntimeEndpoint: unix://$r/containerd.sock
address: $ip
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication: {anonymous: {enabled: true}, webhook: {enabled: false}}
authorization: {mode: AlwaysAllow}
clusterDomain: cluster.local
clusterDNS: ["$REAL_HOST_IP"]
failSwapOn: false
protectKernelDefaults: false
serializeImagePulls: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}
EOF
  cat >"$d/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $d/kube-proxy.kubeconfig}
hostnameOverride: $name
mode: iptables
clusterCIDR: $CLUSTER_CIDR
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
conntrack: {maxPerCore: 0}
EOF
}

# standin_archive REF prints the cached archive of REF's stand-in, building it when missing;
# exit 3 when there is no stand-in for REF.
standin_archive() {
  local key tar
  key="$(SANDBOX_BIN_DIR="$BIN" "$SCRIPT_DIR/standins.sh" key "$1")" || return
  tar="$CACHE_ROOT/images/standin-$(tr '/:@' '___' <<<"$1")-$key.tar"
  if [[ ! -s $tar ]]; then
    SANDBOX_BIN_DIR="$BIN" "$SCRIPT_DIR/standins.sh" build "$1" "$tar.tmp" >&2 || return
    mv "$tar.tmp" "$tar"
  fi
  echo "$tar"
}

# real_images DIR makes the node images: the pause stand-in plus SANDBOX_IMAGES.
real_images() {
  local pause_tar f
  mkdir -p "$1" "$CACHE_ROOT/images"
  pause_tar="$(standin_archive "$PAUSE_REF")" || die "cannot build the pause image"
  ln -sf "$pause_tar" "$1/pause.tar"
  for f in ${SANDBOX_IMAGES:-}; do
    [[ -s "$f" ]] || die "SANDBOX_IMAGES names $f, which does not exist"
    ln -sf "$f" "$1/$(basename "$f")"
  done
}

# real_prepare CONFIG: everything before the API server starts, which reads the nodes' tokens
# once at start-up.
real_prepare() {
  local name i ip cidr
  real_lock
  real_clean
  real_plan "$1"
  real_network
  real_images "$STATE_DIR/images"
  KUBE_PROXY_TOKEN="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  echo "$KUBE_PROXY_TOKEN,system:kube-proxy,kube-proxy" >>"$STATE_DIR/pki/tokens.csv"
  while read -r name i ip cidr _; do
    real_cgroups "$i"
    real_node_files "$name" "$i" "$ip" "$cidr"
  done <"$STATE_DIR/real/nodes"
}

# real_start_nodes registers the kind config's Nodes, starts the real ones and the host-side
# services (CoreDNS, port forwarding, kwok for any overflow nodes), then waits for the real ones.
real_start_nodes() {
  local name i ip cidr ns addr hport nport proto fwd=() kwok_nodes corefile
  "$BIN/kubectl" --kubeconfig "$KC" create -f "$STATE_DIR/real/nodes.json" >/dev/null
  while read -r name i ip cidr ns _; do
    start "node-$name" nsenter --net="/var/run/netns/$ns" unshare --mount --propagation slave \
      "$SCRIPT_DIR/node.sh" "$STATE_DIR/nodes/$name"
  done <"$STATE_DIR/real/nodes"

  corefile="$STATE_DIR/Corefile"
  cat >"$corefile" <<EOF
.:53 {
    bind $REAL_HOST_IP
    errors
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig $KC k8s-sandbox
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
    }
    forward . /etc/resolv.conf
    cache 5
}
EOF
  start coredns "$BIN/coredns" -conf "$corefile"

  while read -r _ name addr hport nport proto; do
    [[ $proto == TCP ]] || die "extraPortMappings: only TCP is forwarded in the sandbox (node $name, port $hport/$proto)"
    if [[ $addr != 127.* ]]; then
      log "extraPortMappings: $addr:$hport is published on 127.0.0.1 only in the sandbox"
      addr=127.0.0.1
    fi
    ip="$(awk -v n="$name" '$1 == n { print $3 }' "$STATE_DIR/real/nodes")"
    fwd+=("$addr:$hport=$ip:$nport")
  done < <(grep '^port ' "$STATE_DIR/real/plan")
  ((${#fwd[@]} == 0)) || start portfwd "$STATE_DIR/bin/portfwd" "${fwd[@]}"

  kwok_nodes=$(grep -c '^node [^ ]* kwok ' "$STATE_DIR/real/plan" || true)
  if ((kwok_nodes > 0)); then
    log "$kwok_nodes node(s) beyond SANDBOX_REAL_NODES=${SANDBOX_REAL_NODES:-3} are kwok nodes: their pods are scheduled but never run"
    start kwok "$BIN/kwok" --kubeconfig "$KC" --config "$BIN/kwok-stages.yaml" \
      --manage-all-nodes=false --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
      --node-lease-duration-seconds 40 --cidr 10.245.0.1/16 --node-ip 127.0.0.1
  fi

  while read -r name _; do
    wait_for "node-$name" 120 node_ready "$name"
  done <"$STATE_DIR/real/nodes"
}

# node_ready NAME: Ready and without the not-ready/unreachable taints new nodes start with.
node_ready() {
  local out
  out="$("$BIN/kubectl" --kubeconfig "$KC" get node "$1" \
    -o jsonpath='{.status.conditions[?(@.type=="Ready")].status} {.spec.taints[*].key}')" || return 1
  [[ $out == True* && $out != *node.kubernetes.io/not-ready* && $out != *node.kubernetes.io/unreachable* ]]
}

# real_clean removes what real nodes leave on the host: processes (containers and shims are not
# children of the node processes), cgroups, network namespaces and the bridge, and the per-node
# directories. It only runs under the lock, so it never touches another live sandbox.
real_clean() {
  local h d pid i
  # Shims outlive containerd. Every process this sandbox started inherited the lock's fd (shims
  # too), so whatever still holds it once the components are stopped is a leftover.
  for pid in $(find /proc/[0-9]*/fd -lname "$REAL_LOCK" 2>/dev/null | cut -d/ -f3 | sort -u); do
    [[ $pid == "$$" || $pid == "$BASHPID" ]] || kill -9 "$pid" 2>/dev/null || true
  done
  for h in /sys/fs/cgroup/*/"$REAL_PREFIX"*/; do
    [[ -d $h ]] || continue
    for i in 1 2 3; do
      while read -r pid; do kill -9 "$pid" 2>/dev/null || true; done < <(find "$h" -name cgroup.procs -exec cat {} + 2>/dev/null)
      find "$h" -depth -type d -exec rmdir {} + 2>/dev/null && break
      sleep 0.5
    done
  done
  for d in $(ip netns list 2>/dev/null | awk -v p="$REAL_PREFIX" 'index($1, p) == 1 { print $1 }'); do
    ip netns delete "$d" 2>/dev/null || true
  done
  ip link del "$REAL_BRIDGE" 2>/dev/null || true
  # Mounts under it belong to the nodes' mount namespaces, gone with their processes; unmount any
  # that reached the host anyway before removing the directory.
  findmnt -rn -o TARGET | grep "^$REAL_RUN/" | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$REAL_RUN"
  # containerd names each pod's network namespace /var/run/netns/cni-*; the bind mount lived in
  # the node's mount namespace and is gone, but the empty file stays on the host.
  for d in /var/run/netns/cni-*; do
    [[ -f $d ]] && ! mountpoint -q "$d" && rm -f "$d"
  done
  # The mount points node.sh created for its per-node directories, if nothing else uses them.
  rmdir /var/lib/kubelet/device-plugins /var/lib/kubelet /var/log/pods /var/log/containers 2>/dev/null || true
  rm -f "$REAL_LOCK.owner"
}

# cmd_cut NODE / cmd_restore NODE / cmd_degrade NODE NETEM...: fault injection on a node's link.
node_veth() {
  local veth
  veth="$(awk -v n="$1" '$1 == n { print $6 }' "$STATE_DIR/real/nodes" 2>/dev/null)"
  [[ -n $veth ]] || die "no real node '$1' in $STATE_DIR (nodes: $(awk '{ printf "%s ", $1 }' "$STATE_DIR/real/nodes" 2>/dev/null))"
  echo "$veth"
}
cmd_cut() {
  local veth
  veth="$(node_veth "${1:?usage: sandbox.sh cut NODE}")"
  ip link set "$veth" down
  log "node $1 is cut off (its link is down); sandbox.sh restore $1 brings it back"
}
cmd_restore() {
  local veth
  veth="$(node_veth "${1:?usage: sandbox.sh restore NODE}")"
  tc qdisc del dev "$veth" root 2>/dev/null || true
  ip link set "$veth" up
  log "node $1 is connected again"
}
cmd_degrade() {
  local veth node="${1:?usage: sandbox.sh degrade NODE NETEM-ARGS (e.g. delay 100ms loss 5%)}"
  shift
  (($# > 0)) || die "usage: sandbox.sh degrade NODE NETEM-ARGS (e.g. delay 100ms loss 5%)"
  veth="$(node_veth "$node")"
  # On the host side of the veth: traffic towards the node. Both directions pass the bridge, so
  # this delays every exchange once per round trip.
  tc qdisc replace dev "$veth" root netem "$@"
  log "node $node: netem $* on its link; sandbox.sh restore $node removes it"
}

# cmd_exec NODE CMD...: run a command in a real node's network namespace, e.g. to reach a pod
# on a node that is cut off from the others.
cmd_exec() {
  local node="${1:?usage: sandbox.sh exec NODE CMD...}" ns
  shift
  (($# > 0)) || die "usage: sandbox.sh exec NODE CMD..."
  ns="$(awk -v n="$node" '$1 == n { print $5 }' "$STATE_DIR/real/nodes" 2>/dev/null)"
  [[ -n $ns ]] || die "no real node '$node' in $STATE_DIR"
  exec nsenter --net="/var/run/netns/$ns" -- "$@"
}

# cmd_load TAR...: import images into every running real node (like `kind load image-archive`).
cmd_load() {
  local f name i _rest
  (($# > 0)) || die "usage: sandbox.sh load IMAGE.tar..."
  [[ -s "$STATE_DIR/real/nodes" ]] || die "no real nodes in $STATE_DIR (sandbox.sh up --real first)"
  BIN="$(bin_dir)"
  for f in "$@"; do
    [[ -s $f ]] || die "$f does not exist"
    ln -sf "$(readlink -f "$f")" "$STATE_DIR/images/$(basename "$f")"
    while read -r name i _rest; do
      "$BIN/ctr" --address "$(real_node_run "$i")/containerd.sock" -n k8s.io images import "$f" >/dev/null ||
        die "import $f into node $name failed"
    done <"$STATE_DIR/real/nodes"
    log "loaded $(basename "$f") into every real node"
  done
}

# cmd_images VERSION_DIR builds what a version's manifests run, as archives for `load` and
# SANDBOX_IMAGES, and prints `image REF FILE` per image and `missing REF` per third-party image
# that has no stand-in (its workloads cannot run here; callers report them, never pass them).
# Our images come from scripts/images.sh (the version's own Dockerfiles) and are cached by a hash
# of their build context, so an unchanged version is not built again.
cmd_images() {
  local dir="${1:?usage: sandbox.sh images VERSION_DIR}" version hash out df svc ref tar store rc
  [[ -d $dir/k8s ]] || die "$dir has no k8s/ folder"
  dir="$(cd "$dir" && pwd)"; version="$(basename "$dir")"
  BIN="$(bin_dir)"
  all_built "$BIN" || die "the sandbox binaries are not built: $0 build"
  mkdir -p "$CACHE_ROOT/images"
  shopt -s nullglob
  local dockerfiles=("$dir"/cmd/*/Dockerfile)
  shopt -u nullglob
  if ((${#dockerfiles[@]})); then
    # The build context minus what never reaches a binary: posts, docs, manifests, scripts, and
    # tests (a changed test must not rebuild the images).
    hash="$(cd "$dir" && find . -type f ! -path './blog/*' ! -path './k8s/*' ! -path './scripts/*' ! -path './addons/*' \
      ! -name '*.md' ! -name '*_test.go' ! -path '*/testdata/*' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-12)"
    out="$CACHE_ROOT/images/$version-$hash"
    if [[ ! -f $out/done ]]; then
      log "building $version's images (build context $hash)"
      IMAGES_ROOT="$(dirname "$dir")" "$SCRIPT_DIR/../images.sh" "$version" >&2 || die "scripts/images.sh $version failed"
      # images.sh's buildah store (its BUILDAH_CACHE_DIR default).
      store="${BUILDAH_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/cloudnative-go-journey/buildah}"
      rm -rf "$out"; mkdir -p "$out"
      for df in "${dockerfiles[@]}"; do
        svc="$(basename "$(dirname "$df")")"
        buildah --root "$store/storage" --runroot "$store/run" --storage-driver vfs push --quiet \
          "localhost/journey/$svc:$version" "oci-archive:$out/$svc.tar:docker.io/journey/$svc:$version" >/dev/null
      done
      touch "$out/done"
    fi
    for df in "${dockerfiles[@]}"; do
      svc="$(basename "$(dirname "$df")")"
      echo "image journey/$svc:$version $out/$svc.tar"
    done
  fi
  while read -r ref; do
    [[ -z $ref || $ref == journey/* ]] && continue
    rc=0
    tar="$(standin_archive "$ref")" || rc=$?
    case $rc in
      0) echo "image $ref $tar" ;;
      3) echo "missing $ref" ;;
      *) die "building the stand-in for $ref failed" ;;
    esac
  done < <(grep -rhoE '^[[:space:]]*(- )?image:[[:space:]]*[^[:space:]#]+' "$dir/k8s" | sed -E 's/.*image:[[:space:]]*//; s/["'\'']//g' | sort -u)
}
