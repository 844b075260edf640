# shellcheck shell=bash
# The generic steps of scripts/deploy.sh, which sources this file. It is the
# same in every version, so `make diff` shows only what a version adds; a fix
# here goes to every version identically (CONTRIBUTING.md).
#
# The per-version file runs under set -euo pipefail and defines, before it
# calls main "$@":
#   VERSION KIND_VERSION KIND_NODE_IMAGE KUBECTL_VERSION   the pins
#   ROOT        the version folder
#   CLUSTER     the kind cluster's name (kubectl context kind-$CLUSTER)
#   SERVICES    our images: cmd/<svc> -> journey/<svc>:$VERSION
#   COMPONENTS  folders under k8s/ that `apply` applies, in this order
#   WORKLOADS   "<namespace> <kind>/<name>" that `wait` waits for; `load`
#               restarts those named after one of SERVICES (our images)
#   step_smoke  the smoke test
# and optionally (each is skipped when not defined):
#   EXTRA_STEPS      more steps, each a function step_<name>; not part of `all`
#   after_namespace  apply: after k8s/namespace.yaml, before COMPONENTS
#   after_apply      apply: after COMPONENTS
#   after_wait       wait: after every WORKLOADS entry has rolled out
#
# Its functions may use say, die, need, kc (kubectl on the kind cluster, or on
# KUBECONFIG's with --no-kind), NO_KIND, SMOKE_URL and WAIT_TIMEOUT from here.
# Environment: DEBUG (read by the caller), CLUSTER, SMOKE_URL, WAIT_TIMEOUT,
# KUBECTL, KUBECONFIG (with --no-kind).

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

# run_hook calls the function $1 when the per-version file defines it. An if,
# not `declare -F … && …`: a false && as a function's last command would make
# the step fail under set -e.
run_hook() {
  if declare -F "$1" >/dev/null; then "$1"; fi
}

# is_one_of reports whether $1 equals one of the other arguments.
is_one_of() {
  local want=$1 item
  shift
  for item in "$@"; do
    if [[ $item == "$want" ]]; then return 0; fi
  done
  return 1
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
  local port=${SMOKE_URL##*:} other folder dir hint
  port=${port%%/*}
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || return 0
  other=$(kind get clusters 2>/dev/null | grep -x 'journey-v[0-9]*-[0-9]*' | grep -vx "$CLUSTER" | head -n 1 || true)
  if [[ -n $other ]]; then
    hint="kind delete cluster --name $other"
    # journey-<x>-<y> is the default cluster of the version folder <x>.<y>
    # next to this one; its own script can remove it too.
    folder=${other#journey-}
    folder=${folder/-/.}
    dir="$(dirname "$ROOT")/$folder"
    if [[ -x $dir/scripts/deploy.sh ]]; then
      if [[ $PWD == "$ROOT" ]]; then dir="../$folder"; fi
      hint+=", or: (cd $dir && ./scripts/deploy.sh down)"
    fi
    die "port $port is taken, probably by the kind cluster $other of another version. Remove it first: $hint"
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
  done
  # The tags never change, so re-loaded images reach running pods only
  # through a restart (on the first deploy there is nothing to restart).
  # A workload runs our image when it has the image's name; a CronJob's
  # next Job simply starts with the new image.
  local w ns obj
  for w in "${WORKLOADS[@]}"; do
    read -r ns obj <<<"$w"
    is_one_of "${obj#*/}" "${SERVICES[@]}" || continue
    if kc -n "$ns" get "$obj" >/dev/null 2>&1; then
      kc -n "$ns" rollout restart "$obj"
    fi
  done
}
# ANCHOR_END: step-load

# ANCHOR: step-apply
step_apply() {
  local dir
  say "apply: manifests in k8s/ (server-side apply)"
  kc apply --server-side -f "$ROOT/k8s/namespace.yaml"
  run_hook after_namespace
  for dir in "${COMPONENTS[@]}"; do
    kc apply --server-side -f "$ROOT/k8s/$dir/"
  done
  run_hook after_apply
}
# ANCHOR_END: step-apply

# ANCHOR: step-wait
step_wait() {
  local w ns obj
  for w in "${WORKLOADS[@]}"; do
    read -r ns obj <<<"$w"
    say "wait: $obj in $ns rolled out (timeout $WAIT_TIMEOUT)"
    kc -n "$ns" rollout status "$obj" --timeout="$WAIT_TIMEOUT"
  done
  run_hook after_wait
}
# ANCHOR_END: step-wait

step_down() {
  say "down: deleting kind cluster $CLUSTER"
  kind delete cluster --name "$CLUSTER"
}

# usage prints the comment block at the top of scripts/deploy.sh, every line
# of it up to the first line that is not a comment.
usage() {
  awk 'NR == 1 { next } !/^#/ { exit } { sub(/^# ?/, ""); print }' "$ROOT/scripts/deploy.sh" |
    sed "s/this version/$VERSION/"
}

main() {
  local v
  for v in VERSION KIND_VERSION KIND_NODE_IMAGE KUBECTL_VERSION ROOT CLUSTER SERVICES COMPONENTS WORKLOADS; do
    declare -p "$v" >/dev/null 2>&1 || die "scripts/deploy.sh must set $v before it calls main"
  done
  declare -F step_smoke >/dev/null || die "scripts/deploy.sh must define step_smoke"

  local known=(up build load apply wait smoke ${EXTRA_STEPS[@]+"${EXTRA_STEPS[@]}"} down)
  local steps=()
  while (($#)); do
    case $1 in
      --no-kind) NO_KIND=1 ;;
      -h | --help) usage; exit 0 ;;
      all) steps+=(up build load apply wait smoke) ;;
      *)
        is_one_of "$1" "${known[@]}" || die "unknown step '$1' (steps: ${known[*]} all; flag: --no-kind)"
        steps+=("$1") ;;
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
    [[ -n ${KUBECONFIG:-} ]] || die "--no-kind needs KUBECONFIG pointing at the target cluster"
  fi
  check_tools "${steps[@]}"
  for step in "${steps[@]}"; do
    "step_$step"
  done
}
