#!/usr/bin/env bash
# Deploy this version to a local kind cluster, step by step.
#
#   ./scripts/deploy.sh                 # all: up build load apply wait smoke
#   ./scripts/deploy.sh build load apply wait   # any steps, in the order given
#   ./scripts/deploy.sh down            # delete the kind cluster
#   ./scripts/deploy.sh --no-kind       # apply wait smoke on the cluster KUBECONFIG points
#       # at (the test sandbox, whose nodes serve SMOKE_URL as kind does): no Docker, no kind
#
# Every step is safe to re-run. DEBUG=1 prints each command.
set -euo pipefail
[[ "${DEBUG:-0}" == 1 ]] && set -x

# ANCHOR: versions
# ---- pinned versions: an upgrade shows up in `make diff` ----
readonly VERSION=v0.1
readonly KIND_VERSION=v0.33.0
readonly KIND_NODE_IMAGE="kindest/node:v1.37.0@sha256:a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5"
readonly KUBECTL_VERSION=v1.37.0
# ANCHOR_END: versions

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly ROOT
readonly CLUSTER="${CLUSTER:-journey-v0-1}"
readonly NAMESPACE=journey
readonly SERVICES=(api)
readonly SMOKE_URL="${SMOKE_URL:-http://127.0.0.1:30080}"
readonly WAIT_TIMEOUT="${WAIT_TIMEOUT:-180s}"
KUBECTL="${KUBECTL:-kubectl}"

NO_KIND=0

if [[ -t 1 ]]; then BLUE=$'\033[1;34m' RED=$'\033[1;31m' RESET=$'\033[0m'; else BLUE='' RED='' RESET=''; fi
say() { printf '\n%s==> %s%s\n' "$BLUE" "$*" "$RESET"; }
die() { printf '%serror: %s%s\n' "$RED" "$*" "$RESET" >&2; exit 1; }

need() {
  local tool=$1 hint=$2
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found. Install it: $hint"
}

kc() {
  if [[ $NO_KIND == 1 ]]; then
    "$KUBECTL" "$@"
  else
    "$KUBECTL" --context "kind-$CLUSTER" "$@"
  fi
}

check_tools() {
  local step
  for step in "$@"; do
    case $step in
      up | load | down)
        need kind "go install sigs.k8s.io/kind@$KIND_VERSION (or https://kind.sigs.k8s.io/docs/user/quick-start/#installation)"
        need docker "https://docs.docker.com/get-docker/ (kind runs its nodes as Docker containers)" ;;
      build)
        need docker "https://docs.docker.com/get-docker/" ;;
    esac
  done
  need "$KUBECTL" "https://kubernetes.io/docs/tasks/tools/ (version $KUBECTL_VERSION)"
}

# ANCHOR: step-up
step_up() {
  say "up: kind cluster $CLUSTER"
  # grep without -q reads to the end: with pipefail, -q's early exit can fail the writer (SIGPIPE).
  if kind get clusters 2>/dev/null | grep -x "$CLUSTER" >/dev/null; then
    echo "cluster $CLUSTER exists, reusing it"
  else
    check_host_port
    echo "creating cluster $CLUSTER (1 control-plane + 2 workers, takes a minute or two)"
    kind create cluster --name "$CLUSTER" --image "$KIND_NODE_IMAGE" \
      --config "$ROOT/k8s/kind-config.yaml" --wait 120s
  fi
  kc cluster-info
}
# ANCHOR_END: step-up

# check_host_port fails early, with the command that frees it, when the host
# port smoke uses is taken: usually by the cluster of another version, since
# every version maps the same port (kind itself would fail later, less clearly).
check_host_port() {
  local port=${SMOKE_URL##*:} other
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || return 0
  other=$(kind get clusters 2>/dev/null | grep -x 'journey-v[0-9]*-[0-9]*' | grep -vx "$CLUSTER" | head -n 1 || true)
  if [[ -n $other ]]; then
    die "port $port is taken, probably by the kind cluster $other of another version. Remove it first: kind delete cluster --name $other"
  fi
  die "port $port on 127.0.0.1 is taken by another program; free it, or the cluster cannot publish the api Service there"
}

# ANCHOR: step-build
step_build() {
  local svc commit build_time
  commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
  build_time=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  for svc in "${SERVICES[@]}"; do
    say "build: image journey/$svc:$VERSION"
    docker build -f "$ROOT/cmd/$svc/Dockerfile" -t "journey/$svc:$VERSION" \
      --build-arg VERSION="$VERSION" --build-arg COMMIT="$commit" --build-arg BUILD_TIME="$build_time" \
      "$ROOT"
    docker image ls "journey/$svc:$VERSION"
  done
}
# ANCHOR_END: step-build

# ANCHOR: step-load
step_load() {
  local svc image node
  for svc in "${SERVICES[@]}"; do
    image="journey/$svc:$VERSION"
    say "load: $image into kind (nodes cannot pull it from a registry)"
    if ! kind load docker-image "$image" --name "$CLUSTER"; then
      # Known failure with some Docker versions/containerd snapshotters:
      # import the image into each node's containerd directly.
      echo "kind load failed; falling back to ctr import on each node"
      for node in $(kind get nodes --name "$CLUSTER"); do
        docker save "$image" | docker exec -i "$node" ctr --namespace=k8s.io images import -
      done
    fi
    # The tag never changes, so a re-loaded image reaches running pods only
    # through a restart (on the first deploy there is nothing to restart).
    if kc -n "$NAMESPACE" get "deployment/$svc" >/dev/null 2>&1; then
      kc -n "$NAMESPACE" rollout restart "deployment/$svc"
    fi
  done
}
# ANCHOR_END: step-load

# ANCHOR: step-apply
step_apply() {
  local svc
  say "apply: manifests in k8s/ (server-side apply)"
  kc apply --server-side -f "$ROOT/k8s/namespace.yaml"
  for svc in "${SERVICES[@]}"; do
    kc apply --server-side -f "$ROOT/k8s/$svc/"
  done
}
# ANCHOR_END: step-apply

# ANCHOR: step-wait
step_wait() {
  local svc
  for svc in "${SERVICES[@]}"; do
    say "wait: deployment/$svc rolled out (timeout $WAIT_TIMEOUT)"
    kc -n "$NAMESPACE" rollout status "deployment/$svc" --timeout="$WAIT_TIMEOUT"
  done
  kc -n "$NAMESPACE" get pods -o wide
}
# ANCHOR_END: step-wait

# ANCHOR: step-smoke
step_smoke() {
  need curl "apt-get install curl / brew install curl"
  say "smoke: calling the API through the cluster at $SMOKE_URL"
  local path body
  for path in /ready "/api/v1/hello?name=kind" /metrics; do
    if ! body=$(curl -fsS --retry 10 --retry-delay 2 --retry-all-errors --max-time 5 "$SMOKE_URL$path"); then
      die "smoke: GET $path failed. Try: kubectl --context kind-$CLUSTER -n $NAMESPACE get pods,svc,endpointslices"
    fi
    case $path in
      /ready) [[ $body == *'"ready"'* ]] || die "smoke: /ready answered $body" ;;
      /api/v1/hello*) [[ $body == *'Hello, kind!'* ]] || die "smoke: hello answered $body" ;;
      /metrics) [[ $body == *'http_requests_total'* ]] || die "smoke: /metrics has no http_requests_total" ;;
    esac
    echo "GET $path -> ok"
  done
  echo "smoke: passed. Try: curl $SMOKE_URL/api/v1/info"
}
# ANCHOR_END: step-smoke

step_down() {
  say "down: deleting kind cluster $CLUSTER"
  kind delete cluster --name "$CLUSTER"
}

# usage prints the comment block at the top of this file.
usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//' -e "s/this version/$VERSION/"
}

main() {
  local steps=()
  while (($#)); do
    case $1 in
      --no-kind) NO_KIND=1 ;;
      -h | --help) usage; exit 0 ;;
      up | build | load | apply | wait | smoke | down) steps+=("$1") ;;
      all) steps+=(up build load apply wait smoke) ;;
      *) die "unknown step '$1' (steps: up build load apply wait smoke down all; flag: --no-kind)" ;;
    esac
    shift
  done
  if ((${#steps[@]} == 0)); then
    if [[ $NO_KIND == 1 ]]; then steps=(apply wait smoke); else steps=(up build load apply wait smoke); fi
  fi

  local step
  if [[ $NO_KIND == 1 ]]; then
    for step in "${steps[@]}"; do
      case $step in
        up | build | load | down) die "step '$step' needs kind and Docker; it cannot run with --no-kind" ;;
      esac
    done
    : "${KUBECONFIG:?--no-kind needs KUBECONFIG pointing at the target cluster}"
  fi
  check_tools "${steps[@]}"
  for step in "${steps[@]}"; do
    "step_$step"
  done
}

main "$@"
