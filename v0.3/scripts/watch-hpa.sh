#!/usr/bin/env bash
# Watch the api's HorizontalPodAutoscaler while load runs: one line per
# interval with replicas, CPU and memory utilisation against their targets.
#
#   ./scripts/watch-hpa.sh              # every 5s until Ctrl-C, on the kind cluster
#   ./scripts/watch-hpa.sh 2            # every 2s (seconds; "2s" works too)
#   ./scripts/watch-hpa.sh --count 3 1  # three lines, one per second, then exit
#   ./scripts/watch-hpa.sh --no-kind    # the cluster KUBECONFIG's current context points at
#
# KUBECTL picks the kubectl binary, KUBECONFIG the config, CLUSTER the kind
# cluster (context kind-$CLUSTER, as in deploy.sh). DEBUG=1 prints each command.
# "<unknown>" utilisation means the HPA has no metrics (yet): metrics-server
# is missing or has not scraped the pods; the NOTE column says why.
set -euo pipefail
if [[ "${DEBUG:-0}" == 1 ]]; then
  # Trace to a copy of stderr, so that $(kubectl ... 2>&1) below captures
  # kubectl's messages but not the trace lines.
  exec {trace_fd}>&2
  BASH_XTRACEFD=$trace_fd
  set -x
fi

readonly CLUSTER="${CLUSTER:-journey-v0-3}"
readonly NAMESPACE=journey
readonly HPA=api
KUBECTL="${KUBECTL:-kubectl}"
NO_KIND=0

die() { printf 'error: %s\n' "$*" >&2; exit 1; }

usage() { sed -n '2,13p' "${BASH_SOURCE[0]}" | cut -c3-; }

kc() {
  if [[ $NO_KIND == 1 ]]; then
    "$KUBECTL" "$@"
  else
    "$KUBECTL" --context "kind-$CLUSTER" "$@"
  fi
}

# One kubectl call per line: the fields separated by "|" (not a tab: read
# would merge the empty fields an HPA without metrics has). The HPA is read
# as autoscaling/v2, the version whose status has per-metric values.
hpa_jsonpath() {
  local m metric_paths=''
  for m in cpu memory; do
    metric_paths+="|{.status.currentMetrics[?(@.resource.name==\"$m\")].resource.current.averageUtilization}"
    metric_paths+="|{.spec.metrics[?(@.resource.name==\"$m\")].resource.target.averageUtilization}"
  done
  printf '%s' "{.status.currentReplicas}|{.status.desiredReplicas}|{.spec.minReplicas}|{.spec.maxReplicas}$metric_paths"
  # Why the HPA is not scaling, or is held at a bound, when it says so.
  printf '%s' '|{.status.conditions[?(@.type=="ScalingActive")].status}:{.status.conditions[?(@.type=="ScalingActive")].reason}'
  printf '%s' '|{.status.conditions[?(@.type=="ScalingLimited")].status}:{.status.conditions[?(@.type=="ScalingLimited")].reason}'
}

# pct prints "now%/target%": <unknown> when the HPA has no metrics yet,
# "none" when it has no target for this resource.
pct() {
  local now="${1:-<unknown>}" target="${2:-none}"
  [[ $now == '<unknown>' ]] || now+=%
  [[ $target == none ]] || target+=%
  printf '%s/%s' "$now" "$target"
}

check_hpa() {
  local err
  if ! err=$(kc -n "$NAMESPACE" get horizontalpodautoscalers.v2.autoscaling "$HPA" -o name 2>&1 >/dev/null); then
    if [[ $err == *NotFound* || $err == *"not found"* ]]; then
      die "HPA $NAMESPACE/$HPA does not exist. Create it: ./scripts/deploy.sh apply (it applies k8s/api/hpa.yaml)"
    fi
    if [[ $NO_KIND == 0 && $err == *"context \"kind-$CLUSTER\" does not exist"* ]]; then
      die "no kube context kind-$CLUSTER: create the cluster (./scripts/deploy.sh up), or add --no-kind to use the current context"
    fi
    die "cannot read HPA $NAMESPACE/$HPA: $err"
  fi
}

main() {
  local interval=5 count=0
  while (($#)); do
    case $1 in
      --no-kind) NO_KIND=1 ;;
      --count)
        [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || die "--count needs a positive number of lines, got '${2:-}'"
        count=$2
        shift ;;
      -h | --help) usage; exit 0 ;;
      -*) die "unknown flag '$1' (flags: --no-kind, --count N; see --help)" ;;
      *)
        [[ $1 =~ ^[1-9][0-9]*s?$ ]] || die "interval must be a whole number of seconds (e.g. 5 or 5s), got '$1'"
        interval=${1%s} ;;
    esac
    shift
  done
  command -v "$KUBECTL" >/dev/null 2>&1 || die "$KUBECTL not found. Install it: https://kubernetes.io/docs/tasks/tools/"
  check_hpa

  # Ctrl-C ends the watch; that is how it is meant to stop.
  trap 'echo; exit 0' INT TERM

  local jsonpath start now out ready err lines=0 prev_desired=''
  local cur desired minr maxr cpu cpu_t mem mem_t active limited note
  jsonpath=$(hpa_jsonpath)
  start=$(date +%s)
  printf '%-8s %7s  %-16s %5s  %-18s %-18s %s\n' TIME ELAPSED 'REPLICAS(->WANT)' READY 'CPU(NOW/TARGET)' 'MEMORY(NOW/TARGET)' NOTE
  while :; do
    now=$(date +%s)
    if out=$(kc -n "$NAMESPACE" get horizontalpodautoscalers.v2.autoscaling "$HPA" -o jsonpath="$jsonpath" 2>&1); then
      IFS='|' read -r cur desired minr maxr cpu cpu_t mem mem_t active limited <<<"$out"
      ready=$(kc -n "$NAMESPACE" get deployment "$HPA" -o jsonpath='{.status.readyReplicas}' 2>/dev/null) || ready='?'
      # desiredReplicas stays 0 until the HPA has computed it once.
      [[ $desired == 0 ]] && desired=''
      note=''
      [[ $active == False:* ]] && note="not scaling: ${active#False:}"
      [[ $limited == True:* ]] && note="${note:+$note; }held at a bound: ${limited#True:} (min $minr, max $maxr)"
      if [[ -n $prev_desired && -n $desired && $desired != "$prev_desired" ]]; then
        note="${note:+$note; }scale $prev_desired -> $desired"
      fi
      prev_desired=$desired
      printf '%-8s %6ss  %-16s %5s  %-18s %-18s %s\n' "$(date +%H:%M:%S)" "$((now - start))" \
        "${cur:-0} -> ${desired:-?}" "${ready:-0}" "$(pct "$cpu" "$cpu_t")" "$(pct "$mem" "$mem_t")" "$note"
    else
      # A hiccup of the API server should not end a demo: say so, go on.
      err=${out//$'\n'/ }
      printf '%-8s %6ss  kubectl failed: %s\n' "$(date +%H:%M:%S)" "$((now - start))" "$err"
    fi
    if ((count > 0 && ++lines >= count)); then
      break
    fi
    sleep "$interval"
  done
}

main "$@"
