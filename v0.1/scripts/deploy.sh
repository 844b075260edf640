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
# Our images: cmd/<svc> -> journey/<svc>:$VERSION.
readonly SERVICES=(api)
# Manifest folders under k8s/, applied in this order.
readonly COMPONENTS=(api)
# What `wait` waits for and `load` restarts: "<namespace> <kind>/<name>".
readonly WORKLOADS=("journey deployment/api")

# The steps every version shares: up build load apply wait down, --help, main.
# shellcheck source=SCRIPTDIR/lib/deploy.sh
source "$ROOT/scripts/lib/deploy.sh"

# after_wait shows where the pods landed.
after_wait() {
  kc -n "$NAMESPACE" get pods -o wide
}

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

main "$@"
