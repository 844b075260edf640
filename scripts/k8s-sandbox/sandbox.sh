#!/usr/bin/env bash
# sandbox.sh — a real Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler) with kwok simulating nodes and pods and metrics-server serving the metrics API, for
# testing deploy scripts and autoscaling without Docker.
#
#   sandbox.sh build   build the pinned binaries into the cache (skipped when already there)
#   sandbox.sh up      start the control plane on 127.0.0.1 and write a kubeconfig
#   sandbox.sh up --real --kind-config FILE
#                      the same control plane with real nodes (kubelet, containerd, runc, kube-proxy)
#                      for the kind config's nodes, cluster DNS and its port mappings (real.sh)
#   sandbox.sh images VERSION_DIR   build a version's images and stand-ins for its third-party
#                      images, as archives (cached by build context); prints `image REF FILE` lines
#   sandbox.sh load FILE...          import image archives into the running real nodes
#   sandbox.sh cut|restore NODE      take a real node's link down / bring it back
#   sandbox.sh degrade NODE NETEM... e.g. `degrade journey-v1-5-worker delay 200ms loss 5%`
#   sandbox.sh exec NODE CMD...      run CMD in a real node's network namespace
#   sandbox.sh down    stop it and remove its state
#   sandbox.sh env     print the paths it uses
#
# Environment: SANDBOX_STATE_DIR (where a running sandbox keeps its files; one sandbox per dir),
# SANDBOX_WATCH_PID (run `down` when that process exits), SANDBOX_HPA_SYNC_PERIOD (how often the
# HPA controller re-evaluates, default 15s like kind; tests use 2s), DEBUG=1 (set -x). Real nodes:
# SANDBOX_IMAGES (image archives every node imports at start), SANDBOX_REAL_NODES (at most this
# many real nodes, default 3), SANDBOX_LOCK_WAIT (seconds to wait for another real sandbox).
set -euo pipefail
[[ "${DEBUG:-}" == 1 ]] && set -x

# ---- pinned versions: bump here, and in kube/, kwok/ and metrics-server/go.mod -------------
KUBE_VERSION=v1.37.2   # k8s.io/kubernetes; staging modules at v0.37.2 (kube/go.mod replaces)
ETCD_VERSION=v3.7.0    # go.etcd.io/etcd/server/v3, the version kubernetes v1.37.2 requires
KWOK_VERSION=v0.8.0    # sigs.k8s.io/kwok (kwok/go.mod)
METRICS_SERVER_VERSION=v0.9.0 # sigs.k8s.io/metrics-server (metrics-server/go.mod); needs go >= 1.26.4
# Real nodes (`up --real`): kubelet and kube-proxy come from KUBE_VERSION (kube/go.mod); the
# container runtime is built with `go install module@version`, which checks each module against
# the Go checksum database (none of them has replace directives).
CONTAINERD_VERSION=v2.4.2  # github.com/containerd/containerd/v2: containerd, its runc shim, ctr
RUNC_VERSION=v1.5.3        # github.com/opencontainers/runc (cgo + libseccomp: apt libseccomp-dev)
CNI_PLUGINS_VERSION=v1.10.0 # github.com/containernetworking/plugins: bridge, host-local, loopback, portmap
CRICTL_VERSION=v1.37.0     # sigs.k8s.io/cri-tools
COREDNS_VERSION=v1.15.0    # github.com/coredns/coredns (coredns/: only the plugins the sandbox uses), cluster DNS
# ----------------------------------------------------------------------------------------------

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=real.sh
source "$SCRIPT_DIR/real.sh"
CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/cloudnative-go-journey/k8s-sandbox"
STATE_DIR="${SANDBOX_STATE_DIR:-${XDG_RUNTIME_DIR:-${TMPDIR:-/tmp}}/cloudnative-go-journey-k8s-sandbox}"
BINARIES=(etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok local-path-provisioner metrics-server
  kubelet kube-proxy pause containerd containerd-shim-runc-v2 ctr runc crictl coredns
  cni/bridge cni/host-local cni/loopback cni/portmap)

log() { printf 'sandbox: %s\n' "$*" >&2; }
die() { printf 'sandbox: error: %s\n' "$*" >&2; exit 1; }

# recipe_hash names the cache directory: it changes whenever a pinned version, the Go toolchain or
# a build recipe file changes, so a stale binary is never reused.
recipe_hash() {
  {
    echo "$KUBE_VERSION $ETCD_VERSION $KWOK_VERSION $METRICS_SERVER_VERSION $(version_ldflags)"
    echo "$CONTAINERD_VERSION $RUNC_VERSION $CNI_PLUGINS_VERSION $CRICTL_VERSION $COREDNS_VERSION"
    go env GOVERSION GOOS GOARCH
    (cd "$SCRIPT_DIR" && find kube kwok metrics-server coredns -type f \( -name '*.go' -o -name go.mod -o -name go.sum \) \
      | LC_ALL=C sort | xargs sha256sum)
  } | sha256sum | cut -c1-16
}

bin_dir() { echo "$CACHE_ROOT/$(recipe_hash)/bin"; }

# version_ldflags sets the same variables as kubernetes' hack/lib/version.sh, so that
# `kubectl version` and client-go can parse the server's version.
version_ldflags() {
  local major minor kv key val flags=()
  major="${KUBE_VERSION#v}"; major="${major%%.*}"
  minor="${KUBE_VERSION#v*.}"; minor="${minor%%.*}"
  for kv in "gitVersion=$KUBE_VERSION" "gitMajor=$major" "gitMinor=$minor" \
            "gitTreeState=clean" "buildDate=1970-01-01T00:00:00Z"; do
    key="${kv%%=*}"; val="${kv#*=}"
    flags+=("-X k8s.io/component-base/version.$key=$val" "-X k8s.io/client-go/pkg/version.$key=$val")
  done
  echo "-s -w ${flags[*]}"
}

cmd_build() {
  local bin tmp start
  check_pins
  bin="$(bin_dir)"
  if all_built "$bin"; then
    log "binaries already built in $bin"
    return 0
  fi
  command -v go >/dev/null || die "go is not on PATH"
  start=$SECONDS
  mkdir -p "$CACHE_ROOT"
  # Build into a temporary directory and rename it, so an interrupted build never looks complete.
  tmp="$(mktemp -d "$CACHE_ROOT/tmp.XXXXXX")"
  # shellcheck disable=SC2064 # expand $tmp now: it is local and gone when the trap runs
  trap "rm -rf '$tmp'" EXIT
  log "cold build of Kubernetes $KUBE_VERSION, etcd $ETCD_VERSION, kwok $KWOK_VERSION, metrics-server $METRICS_SERVER_VERSION and the node runtime into $bin (about 30 min on 2 cores)"
  # One go build for all control-plane binaries so shared packages are compiled once.
  # GOWORK=off: the recipes are excluded from go.work; -mod=readonly: go.sum is committed.
  (cd "$SCRIPT_DIR/kube" && GOWORK=off GOFLAGS=-mod=readonly CGO_ENABLED=0 go build -trimpath \
    -ldflags "$(version_ldflags)" -o "$tmp/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl \
    k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy ./etcd ./local-path-provisioner ./pause)
  log "control plane built after $((SECONDS - start))s; building kwok"
  (cd "$SCRIPT_DIR/kwok" && GOWORK=off GOFLAGS=-mod=readonly CGO_ENABLED=0 go build -trimpath \
    -ldflags "-s -w" -o "$tmp/" sigs.k8s.io/kwok/cmd/kwok)
  log "kwok built after $((SECONDS - start))s; building metrics-server"
  # metrics-server reads its version from client-go's version package, as its own Makefile sets it.
  (cd "$SCRIPT_DIR/metrics-server" && GOWORK=off GOFLAGS=-mod=readonly CGO_ENABLED=0 go build -trimpath \
    -ldflags "-s -w -X k8s.io/client-go/pkg/version.gitVersion=$METRICS_SERVER_VERSION" -o "$tmp/" \
    sigs.k8s.io/metrics-server/cmd/metrics-server)
  build_runtime "$tmp"
  log "node runtime built after $((SECONDS - start))s"
  write_kwok_stages "$tmp/kwok-stages.yaml"
  write_kwok_metrics "$tmp/kwok-metrics.yaml"
  mkdir -p "$(dirname "$bin")"
  rm -rf "$bin"
  mv "$tmp" "$bin"
  trap - EXIT
  log "cold build took $((SECONDS - start))s"
  echo "cold build time: $((SECONDS - start))s"
}

# build_runtime DIR builds what a real node runs besides kubelet and kube-proxy. GOFLAGS is
# cleared: -mod=readonly means nothing to `go install module@version`, which uses the module's own
# go.mod and go.sum.
build_runtime() {
  local out="$1" gi=(env GOWORK=off GOFLAGS= GOBIN="$1" go install -trimpath)
  command -v cc >/dev/null || die "runc needs a C compiler (apt: gcc)"
  [[ -e /usr/include/seccomp.h ]] || die "runc needs libseccomp headers (apt: libseccomp-dev)"
  CGO_ENABLED=1 "${gi[@]}" -tags seccomp -ldflags "-s -w -X main.version=${RUNC_VERSION#v}" \
    "github.com/opencontainers/runc@$RUNC_VERSION"
  CGO_ENABLED=0 "${gi[@]}" -ldflags "-s -w -X github.com/containerd/containerd/v2/version.Version=$CONTAINERD_VERSION" \
    "github.com/containerd/containerd/v2/cmd/containerd@$CONTAINERD_VERSION" \
    "github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2@$CONTAINERD_VERSION" \
    "github.com/containerd/containerd/v2/cmd/ctr@$CONTAINERD_VERSION"
  CGO_ENABLED=0 "${gi[@]}" -ldflags "-s -w" "sigs.k8s.io/cri-tools/cmd/crictl@$CRICTL_VERSION"
  # CoreDNS from the coredns/ recipe: the plugins of real.sh's Corefile only, not the cloud SDKs.
  (cd "$SCRIPT_DIR/coredns" && GOWORK=off GOFLAGS=-mod=readonly CGO_ENABLED=0 go build -trimpath \
    -ldflags "-s -w" -o "$out/coredns" .)
  mkdir -p "$out/cni"
  CGO_ENABLED=0 env GOWORK=off GOFLAGS= GOBIN="$out/cni" go install -trimpath -ldflags "-s -w" \
    "github.com/containernetworking/plugins/plugins/main/bridge@$CNI_PLUGINS_VERSION" \
    "github.com/containernetworking/plugins/plugins/main/loopback@$CNI_PLUGINS_VERSION" \
    "github.com/containernetworking/plugins/plugins/ipam/host-local@$CNI_PLUGINS_VERSION" \
    "github.com/containernetworking/plugins/plugins/meta/portmap@$CNI_PLUGINS_VERSION"
}

all_built() {
  local b
  for b in "${BINARIES[@]}"; do [[ -x "$1/$b" ]] || return 1; done
  [[ -s "$1/kwok-stages.yaml" && -s "$1/kwok-metrics.yaml" ]]
}

# check_pins fails when the versions above and the recipe modules' go.mod files disagree, so a
# bump cannot change one and silently keep the other.
check_pins() {
  local want
  for want in "kube/go.mod:k8s.io/kubernetes $KUBE_VERSION" "kube/go.mod:go.etcd.io/etcd/server/v3 $ETCD_VERSION"               "kube/go.mod:k8s.io/client-go => k8s.io/client-go v0.${KUBE_VERSION#v1.}"               "kwok/go.mod:sigs.k8s.io/kwok $KWOK_VERSION" \
               "metrics-server/go.mod:sigs.k8s.io/metrics-server $METRICS_SERVER_VERSION" \
               "coredns/go.mod:github.com/coredns/coredns $COREDNS_VERSION"; do
    grep -qF "${want#*:}" "$SCRIPT_DIR/${want%%:*}" ||
      die "${want%%:*} does not pin '${want#*:}' (the versions at the top of sandbox.sh)"
  done
}

# kwok_module_dir prints where the pinned kwok module (kwok/go.sum) is in the module cache.
kwok_module_dir() {
  (cd "$SCRIPT_DIR/kwok" && GOWORK=off GOFLAGS=-mod=readonly go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)
}

# concat_yaml OUT DIR FILE... joins DIR/FILEs into one multi-document YAML file.
concat_yaml() {
  local out="$1" dir="$2" f first=1; shift 2
  : >"$out"
  for f in "$@"; do
    [[ -s "$dir/$f" ]] || die "kwok module at $dir has no $f"
    [[ $first == 1 ]] || echo '---' >>"$out"
    first=0
    cat "$dir/$f" >>"$out"
  done
}

# write_kwok_stages copies kwok's own stage configs from its module (pinned by kwok/go.sum), so pods
# go Pending -> Running -> Ready and nodes turn Ready and renew their lease like a kubelet would.
write_kwok_stages() {
  concat_yaml "$1" "$(kwok_module_dir)/kustomize/stage" \
    node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
    pod/general/pod-create.yaml pod/general/pod-init-container-running.yaml \
    pod/general/pod-init-container-completed.yaml pod/general/pod-ready.yaml \
    pod/general/pod-complete.yaml pod/general/pod-delete.yaml
}

# write_kwok_metrics copies kwok's resource-metrics config from the same module: kwok then serves
# a kubelet's /metrics/resource for every node at /metrics/nodes/<node>/metrics/resource, with each
# container's CPU and memory usage taken from the pod annotations kwok.x-k8s.io/usage-cpu and
# kwok.x-k8s.io/usage-memory (1m and 1Mi when absent). metrics-server scrapes it like kubelets.
write_kwok_metrics() {
  concat_yaml "$1" "$(kwok_module_dir)/kustomize/metrics" \
    resource/metrics-resource.yaml usage/usage-from-annotation.yaml
}

# free_port picks an unused 127.0.0.1 port; the ports are only used by this sandbox's processes,
# which start within seconds, so the race with other programs is acceptable. The range stays
# below Linux's ephemeral ports (32768 and up by default): there, any process's outgoing
# connection (a test's HTTP client, go mod download) may take the port before we bind it.
USED_PORTS=" "
free_port() {
  local p
  while true; do
    p=$((20000 + RANDOM % 12000))
    [[ "$USED_PORTS" == *" $p "* ]] && continue
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      USED_PORTS+="$p "
      echo "$p"
      return
    fi
  done
}

# start NAME CMD... runs a component in the background with its own log and pid file. stdin and
# stdout are detached so a caller that captures our output (the Go test helper) is not held open.
start() {
  local name="$1"; shift
  "$@" </dev/null >"$STATE_DIR/logs/$name.log" 2>&1 &
  echo $! >"$STATE_DIR/pids/$name"
}

alive() {
  local pid
  pid="$(cat "$STATE_DIR/pids/$1" 2>/dev/null)" || return 1
  kill -0 "$pid" 2>/dev/null
}

# wait_for NAME TIMEOUT CMD... polls CMD until it succeeds; fails early if NAME's process died.
wait_for() {
  local name="$1" timeout="$2" deadline; shift 2
  deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    alive "$name" || { tail -n 30 "$STATE_DIR/logs/$name.log" >&2; die "$name exited during start-up (log: $STATE_DIR/logs/$name.log)"; }
    ((SECONDS < deadline)) || { tail -n 30 "$STATE_DIR/logs/$name.log" >&2; die "$name not ready after ${timeout}s (log: $STATE_DIR/logs/$name.log)"; }
    sleep 0.5
  done
}

gen_certs() {
  local d="$STATE_DIR/pki"
  mkdir -p "$d"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/ca.key" -out "$d/ca.crt" -days 30 \
    -subj "/CN=k8s-sandbox-ca" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -keyout "$d/apiserver.key" -out "$d/apiserver.csr" \
    -subj "/CN=kube-apiserver" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,IP:198.18.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\n' >"$d/san.ext"
  openssl x509 -req -in "$d/apiserver.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial \
    -out "$d/apiserver.crt" -days 30 -extfile "$d/san.ext" 2>/dev/null
  # Aggregation layer: kube-apiserver proxies /apis/metrics.k8s.io to metrics-server with this
  # front-proxy client certificate, and metrics-server trusts its X-Remote-User headers because
  # the front-proxy CA (published in kube-system/extension-apiserver-authentication) signed it.
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/front-proxy-ca.key" -out "$d/front-proxy-ca.crt" \
    -days 30 -subj "/CN=k8s-sandbox-front-proxy-ca" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -keyout "$d/front-proxy-client.key" -out "$d/front-proxy-client.csr" \
    -subj "/CN=front-proxy-client" 2>/dev/null
  openssl x509 -req -in "$d/front-proxy-client.csr" -CA "$d/front-proxy-ca.crt" -CAkey "$d/front-proxy-ca.key" \
    -CAcreateserial -out "$d/front-proxy-client.crt" -days 30 2>/dev/null
  # The service-account key pair signs and verifies the tokens that pods get mounted.
  openssl genrsa -out "$d/sa.key" 2048 2>/dev/null
  openssl rsa -in "$d/sa.key" -pubout -out "$d/sa.pub" 2>/dev/null
}

write_kubeconfig() {
  local port="$1" token="$2" addr="$3"
  cat >"$STATE_DIR/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: k8s-sandbox
  cluster:
    server: https://$addr:$port
    certificate-authority-data: $(base64 -w0 <"$STATE_DIR/pki/ca.crt")
users:
- name: admin
  user:
    token: $token
contexts:
- name: k8s-sandbox
  context:
    cluster: k8s-sandbox
    user: admin
current-context: k8s-sandbox
EOF
  chmod 600 "$STATE_DIR/kubeconfig"
}

# kind creates this StorageClass in every cluster; the sandbox's local-path-provisioner serves it.
STORAGE_CLASS='apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: standard
  annotations:
    storageclass.kubernetes.io/is-default-class: "true"
provisioner: rancher.io/local-path
reclaimPolicy: Delete
volumeBindingMode: WaitForFirstConsumer'

# metrics_api MS_PORT registers metrics-server as the metrics.k8s.io API, the way kwokctl does:
# an ExternalName Service lets kube-apiserver dial 127.0.0.1:<APIService port> directly (with
# --enable-aggregator-routing left false it does not look up endpoints, which could not hold a
# loopback address anyway). metrics-server's serving cert is self-signed, hence insecureSkipTLSVerify.
metrics_api() {
  cat <<EOF
apiVersion: v1
kind: Service
metadata:
  name: metrics-server
  namespace: kube-system
spec:
  type: ExternalName
  externalName: 127.0.0.1
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata:
  name: v1beta1.metrics.k8s.io
spec:
  group: metrics.k8s.io
  version: v1beta1
  service:
    name: metrics-server
    namespace: kube-system
    port: $1
  insecureSkipTLSVerify: true
  groupPriorityMinimum: 100
  versionPriority: 100
EOF
}

running() { alive kube-apiserver && "$BIN/kubectl" --kubeconfig "$STATE_DIR/kubeconfig" get --raw /readyz >/dev/null 2>&1; }

cmd_up() {
  local start etcd_port etcd_peer kcm_port sched_port kwok_port ms_port token c real=0 config="" api_addr=127.0.0.1
  while (($#)); do
    case "$1" in
      --real) real=1 ;;
      --kind-config) config="${2:?--kind-config needs a file}"; shift ;;
      *) die "up: unknown argument '$1' (up [--real --kind-config FILE])" ;;
    esac
    shift
  done
  if ((real)); then
    [[ -n $config ]] || die "up --real needs --kind-config FILE: the nodes come from a version's kind config"
    [[ -r $config ]] || die "kind config $config not found"
    config="$(cd "$(dirname "$config")" && pwd)/$(basename "$config")"
    [[ $(id -u) == 0 ]] || die "real nodes need root (network namespaces, cgroups, mounts)"
    api_addr=$REAL_HOST_IP
  fi
  BIN="$(bin_dir)"
  cmd_build >&2
  if running; then
    log "already running in $STATE_DIR"
    echo "export KUBECONFIG=$STATE_DIR/kubeconfig"
    return 0
  fi
  command -v openssl >/dev/null || die "openssl is needed to create the sandbox certificates"
  command -v curl >/dev/null || die "curl is needed to probe etcd"
  start=$SECONDS
  stop_all
  rm -rf "$STATE_DIR"
  # A start-up that fails half-way stops what it started, so the next `up` starts clean instead
  # of finding a half-working sandbox "already running".
  trap 'log "start-up failed; stopping what was started"; stop_all' EXIT
  mkdir -p "$STATE_DIR/logs" "$STATE_DIR/pids" "$STATE_DIR/certs"
  chmod 700 "$STATE_DIR"
  gen_certs
  token="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  # system:masters makes the token a cluster admin; every control-plane component shares it, which
  # is fine for a single-user sandbox and keeps the set-up to one credential.
  echo "$token,admin,admin,system:masters" >"$STATE_DIR/pki/tokens.csv"
  etcd_port=$(free_port); etcd_peer=$(free_port); API_PORT=$(free_port)
  kcm_port=$(free_port); sched_port=$(free_port); kwok_port=$(free_port); ms_port=$(free_port)
  write_kubeconfig "$API_PORT" "$token" "$api_addr"
  KC="$STATE_DIR/kubeconfig"
  if ((real)); then
    log "real nodes from $config"
    real_prepare "$config"
  fi

  log "starting etcd $ETCD_VERSION on 127.0.0.1:$etcd_port"
  start etcd "$BIN/etcd" --name sandbox --data-dir "$STATE_DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$etcd_peer" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer" \
    --initial-cluster "sandbox=http://127.0.0.1:$etcd_peer" --unsafe-no-fsync
  wait_for etcd 30 curl -fsS "http://127.0.0.1:$etcd_port/health"

  log "starting kube-apiserver $KUBE_VERSION on $api_addr:$API_PORT"
  local mode_flags=()
  if ((real)); then
    # Pods reach the API server through the kubernetes Service (10.96.0.1:443), whose endpoint is
    # this address; logs and exec go to each kubelet at its node IP.
    mode_flags=(--kubelet-preferred-address-types "InternalIP,Hostname")
  else
    # endpoint-reconciler none: the kubernetes Service would get 127.0.0.1 as its endpoint, which
    # EndpointSlice validation rejects (loopback); nothing in a kwok sandbox needs that Service.
    mode_flags=(--endpoint-reconciler-type none)
  fi
  start kube-apiserver "$BIN/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address "$api_addr" --advertise-address "$api_addr" --secure-port "$API_PORT" \
    --tls-cert-file "$STATE_DIR/pki/apiserver.crt" --tls-private-key-file "$STATE_DIR/pki/apiserver.key" \
    --client-ca-file "$STATE_DIR/pki/ca.crt" --token-auth-file "$STATE_DIR/pki/tokens.csv" \
    --authorization-mode Node,RBAC --allow-privileged=true \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$STATE_DIR/pki/sa.pub" --service-account-signing-key-file "$STATE_DIR/pki/sa.key" \
    --service-cluster-ip-range "$SERVICE_CIDR" --profiling=false "${mode_flags[@]}" \
    --requestheader-client-ca-file "$STATE_DIR/pki/front-proxy-ca.crt" --requestheader-allowed-names front-proxy-client \
    --requestheader-username-headers X-Remote-User --requestheader-group-headers X-Remote-Group \
    --requestheader-extra-headers-prefix X-Remote-Extra- \
    --proxy-client-cert-file "$STATE_DIR/pki/front-proxy-client.crt" \
    --proxy-client-key-file "$STATE_DIR/pki/front-proxy-client.key"
  wait_for kube-apiserver 60 "$BIN/kubectl" --kubeconfig "$KC" get --raw /readyz

  log "starting kube-controller-manager, kube-scheduler, local-path-provisioner and metrics-server $METRICS_SERVER_VERSION"
  # The HPA sync period defaults to kube-controller-manager's (and kind's) 15s; a test that waits
  # for scaling sets SANDBOX_HPA_SYNC_PERIOD=2s. Scale-down delays come from each HPA's behavior.
  start kube-controller-manager "$BIN/kube-controller-manager" --kubeconfig "$KC" \
    --authentication-kubeconfig "$KC" --authorization-kubeconfig "$KC" \
    --bind-address 127.0.0.1 --secure-port "$kcm_port" --cert-dir "$STATE_DIR/certs/kcm" --leader-elect=false \
    --service-account-private-key-file "$STATE_DIR/pki/sa.key" --root-ca-file "$STATE_DIR/pki/ca.crt" \
    --controllers '*' --profiling=false \
    --horizontal-pod-autoscaler-sync-period "${SANDBOX_HPA_SYNC_PERIOD:-15s}"
  start kube-scheduler "$BIN/kube-scheduler" --kubeconfig "$KC" \
    --authentication-kubeconfig "$KC" --authorization-kubeconfig "$KC" \
    --bind-address 127.0.0.1 --secure-port "$sched_port" --cert-dir "$STATE_DIR/certs/scheduler" --leader-elect=false \
    --profiling=false
  if ((real)); then
    # Real nodes mount the volumes, so the provisioner makes each directory (world-writable, as
    # kind's provisioner does, so non-root pods can write) under the sandbox's state dir.
    start local-path-provisioner "$BIN/local-path-provisioner" --kubeconfig "$KC" \
      --dir "$STATE_DIR/volumes" --create-dirs
  else
    # kwok plays every node's kubelet: it manages all nodes, assigns pod IPs and renews node
    # leases, so the node lifecycle controller sees healthy nodes and does not taint them. It also
    # serves the kubelets' resource metrics; every node gets InternalIP 127.0.0.1 and kubelet port =
    # kwok's port, so metrics-server scrapes kwok at the path in the node's metrics.k8s.io annotation.
    start kwok "$BIN/kwok" --kubeconfig "$KC" --config "$BIN/kwok-stages.yaml" --config "$BIN/kwok-metrics.yaml" \
      --manage-all-nodes=true --node-lease-duration-seconds 40 --cidr 10.244.0.1/16 \
      --node-ip 127.0.0.1 --node-port "$kwok_port" --server-address "127.0.0.1:$kwok_port"
    start local-path-provisioner "$BIN/local-path-provisioner" --kubeconfig "$KC"
  fi
  # metrics-server authenticates with the admin token (no RBAC objects needed). --cert-dir keeps its
  # self-signed serving cert out of the working directory; a 10s resolution (its minimum) needs a
  # kubelet timeout below 9s, or it refuses to start. Real kubelets serve a self-signed cert too.
  start metrics-server "$BIN/metrics-server" --kubeconfig "$KC" \
    --authentication-kubeconfig "$KC" --authorization-kubeconfig "$KC" \
    --bind-address 127.0.0.1 --secure-port "$ms_port" --cert-dir "$STATE_DIR/certs/metrics-server" \
    --kubelet-insecure-tls --kubelet-use-node-status-port --kubelet-preferred-address-types InternalIP \
    --metric-resolution 10s --kubelet-request-timeout 5s --profiling=false

  "$BIN/kubectl" --kubeconfig "$KC" apply --server-side -f - <<<"$STORAGE_CLASS" >/dev/null
  metrics_api "$ms_port" | "$BIN/kubectl" --kubeconfig "$KC" apply --server-side -f - >/dev/null
  if ((real)); then
    log "starting real nodes: $(awk '{ printf "%s ", $1 }' "$STATE_DIR/real/nodes"); CoreDNS $COREDNS_VERSION on $REAL_HOST_IP:53"
    real_start_nodes
  fi
  # Available means kube-apiserver reached metrics-server and metrics-server accepted the proxied
  # request. A new container has metrics after its first scrape (metrics-server's fresh-container
  # path), a kwok pod after about two (20s).
  wait_for metrics-server 60 "$BIN/kubectl" --kubeconfig "$KC" wait --for=condition=Available --timeout=1s \
    apiservice/v1beta1.metrics.k8s.io
  # The default ServiceAccount appears once the controller manager's controllers run; pods are
  # rejected by admission before that, so it is the sign that workloads can be created.
  wait_for kube-controller-manager 60 "$BIN/kubectl" --kubeconfig "$KC" get serviceaccount default -n default
  for c in kube-scheduler local-path-provisioner metrics-server; do
    alive "$c" || { tail -n 30 "$STATE_DIR/logs/$c.log" >&2; die "$c exited during start-up (log: $STATE_DIR/logs/$c.log)"; }
  done
  # A test binary that dies without running `down` (a -timeout panic) must not leak the sandbox.
  if [[ -n "${SANDBOX_WATCH_PID:-}" ]]; then
    # shellcheck disable=SC2016 # $1 and $2 are the inner shell's arguments
    start watchdog bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 2; done; exec "$2" down' \
      watchdog "$SANDBOX_WATCH_PID" "$SCRIPT_DIR/sandbox.sh"
  fi
  trap - EXIT
  log "up; logs in $STATE_DIR/logs"
  echo "warm start time: $((SECONDS - start))s" >&2
  echo "export KUBECONFIG=$KC"
}

# stop_all stops only the processes this sandbox started, by the pids it recorded. etcd goes
# last: kube-apiserver stops in ~2s while etcd is up, but hangs retrying when it is gone.
stop_all() {
  [[ -d "$STATE_DIR/pids" ]] || return 0
  stop_group watchdog portfwd coredns metrics-server local-path-provisioner kwok kube-scheduler kube-controller-manager
  # Node processes (node.sh stops its kubelet and kube-proxy before containerd) before the API
  # server, so kubelets do not spin on a missing API server meanwhile.
  local nodes=()
  mapfile -t nodes < <(cd "$STATE_DIR/pids" && ls -d node-* 2>/dev/null)
  ((${#nodes[@]} == 0)) || stop_group "${nodes[@]}"
  stop_group kube-apiserver
  stop_group etcd
  [[ -d "$STATE_DIR/real" ]] && real_clean
  return 0
}

# stop_group sends TERM to the named components at once and KILL to any left after 10s.
stop_group() {
  local name pid pids=() i alive
  for name in "$@"; do
    pid="$(cat "$STATE_DIR/pids/$name" 2>/dev/null)" || continue
    rm -f "$STATE_DIR/pids/$name"
    [[ "$pid" == "$$" ]] && continue # the watchdog exec'd into this `down`
    kill "$pid" 2>/dev/null && pids+=("$pid")
  done
  for ((i = 0; i < 50; i++)); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || return 0
    sleep 0.2
  done
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
}

cmd_down() {
  stop_all
  rm -rf "$STATE_DIR"
  log "stopped; removed $STATE_DIR"
}

cmd_env() {
  local bin built=false
  bin="$(bin_dir)"
  all_built "$bin" && built=true
  cat <<EOF
SANDBOX_KUBE_VERSION=$KUBE_VERSION
SANDBOX_ETCD_VERSION=$ETCD_VERSION
SANDBOX_KWOK_VERSION=$KWOK_VERSION
SANDBOX_METRICS_SERVER_VERSION=$METRICS_SERVER_VERSION
SANDBOX_BIN_DIR=$bin
SANDBOX_BUILT=$built
SANDBOX_STATE_DIR=$STATE_DIR
KUBECONFIG=$STATE_DIR/kubeconfig
EOF
}

main() {
  local cmd="${1:-}"
  shift || true
  case "$cmd" in
    build) cmd_build ;;
    up) cmd_up "$@" ;;
    down) cmd_down ;;
    env) cmd_env ;;
    images) cmd_images "$@" ;;
    load) cmd_load "$@" ;;
    cut) cmd_cut "$@" ;;
    restore) cmd_restore "$@" ;;
    degrade) cmd_degrade "$@" ;;
    exec) cmd_exec "$@" ;;
    *) die "usage: $0 build|up [--real --kind-config FILE]|down|env|images DIR|load FILE...|cut NODE|restore NODE|degrade NODE NETEM...|exec NODE CMD... (got '${cmd}')" ;;
  esac
}

# exit on the same line: bash reads a script as it runs, so an edit made meanwhile is never executed.
main "$@"; exit
