#!/usr/bin/env bash
# Test fixture: a deploy script following the team's deploy.sh contract, reduced to the
# --no-kind steps the sandbox test runs (apply, wait, smoke).
set -euo pipefail
[[ "${DEBUG:-}" == 1 ]] && set -x

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KUBECTL="${KUBECTL:-kubectl}"
NAMESPACE=journey
NO_KIND=0
steps=()
for arg in "$@"; do
  case "$arg" in
    --no-kind) NO_KIND=1 ;;
    apply | wait | smoke) steps+=("$arg") ;;
    *) echo "deploy.sh (fixture): unsupported argument '$arg'" >&2; exit 2 ;;
  esac
done
[[ $NO_KIND == 1 ]] || { echo "deploy.sh (fixture): only --no-kind is supported" >&2; exit 2; }
[[ ${#steps[@]} -gt 0 ]] || steps=(apply wait smoke)

for step in "${steps[@]}"; do
  case "$step" in
    apply)
      echo "apply: namespace, then each service directory (server-side)"
      "$KUBECTL" apply --server-side -f "$ROOT/k8s/namespace.yaml"
      for dir in "$ROOT"/k8s/*/; do "$KUBECTL" apply --server-side -f "$dir"; done
      ;;
    wait)
      echo "wait: rollout status of every workload"
      for kind in deployment statefulset daemonset; do
        for w in $("$KUBECTL" -n "$NAMESPACE" get "$kind" -o name); do
          "$KUBECTL" -n "$NAMESPACE" rollout status "$w" --timeout=120s
        done
      done
      ;;
    smoke)
      echo "smoke: skipped in sandbox (needs real containers)"
      ;;
  esac
done
