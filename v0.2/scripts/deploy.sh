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
readonly VERSION=v0.2
readonly KIND_VERSION=v0.33.0
readonly KIND_NODE_IMAGE="kindest/node:v1.37.0@sha256:a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5"
readonly KUBECTL_VERSION=v1.37.0
# ANCHOR_END: versions

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly ROOT
readonly CLUSTER="${CLUSTER:-journey-v0-2}"
readonly NAMESPACE=journey
# ANCHOR: components
# Our images: cmd/<svc> -> journey/<svc>:$VERSION.
readonly SERVICES=(api log-collector cleanup)
# Manifest folders under k8s/, applied in this order (Redis before its clients).
readonly COMPONENTS=(redis api cleanup log-collector)
# What `wait` waits for and `load` restarts: "<namespace> <kind>/<name>".
readonly WORKLOADS=("journey statefulset/redis" "journey deployment/api" "journey-logs daemonset/log-collector")
# ANCHOR_END: components

# The steps every version shares: up build load apply wait down, --help, main.
# shellcheck source=SCRIPTDIR/lib/deploy.sh
source "$ROOT/scripts/lib/deploy.sh"

# The Secret exists before the components that read it.
after_namespace() {
  ensure_secret
}

# ANCHOR: secret
# The Redis password never lives in git: it is generated once per cluster
# and kept in the Secret "redis", which Redis, the API and the cleanup job
# read. Re-running keeps the existing password: env vars and args are fixed
# when a container starts, so a new one would leave pods started before and
# after the change with different passwords (NOAUTH/WRONGPASS).
ensure_secret() {
  if kc -n "$NAMESPACE" get secret redis >/dev/null 2>&1; then
    echo "secret/redis exists, keeping its password"
    return 0
  fi
  local password
  password=$(head -c 24 /dev/urandom | base64 | tr -d '/+=' | cut -c1-24)
  kc -n "$NAMESPACE" create secret generic redis --from-literal=password="$password"
  kc -n "$NAMESPACE" label secret redis app.kubernetes.io/name=redis app.kubernetes.io/part-of=cloudnative-go-journey
}
# ANCHOR_END: secret

# ANCHOR: step-wait
# after_wait runs once every workload has rolled out.
after_wait() {
  wait_store_up
  kc -n "$NAMESPACE" get statefulsets,deployments,cronjobs,pvc
  kc -n journey-logs get daemonset log-collector
  kc get pods -A -l app.kubernetes.io/part-of=cloudnative-go-journey -o wide
}

# A rolled-out api pod can still be without Redis: one that started before
# redis-0's DNS name existed reports its store down until its next ping. The
# smoke test needs the cache, so wait until every api pod says its store is
# up (the API server proxies the request to each pod's /ready).
wait_store_up() {
  local pod body tries
  say "wait: every api pod reports its store up"
  for pod in $(kc -n "$NAMESPACE" get pods -l app.kubernetes.io/name=api \
    -o go-template='{{range .items}}{{if not .metadata.deletionTimestamp}}{{.metadata.name}} {{end}}{{end}}'); do
    tries=0
    until body=$(kc get --raw "/api/v1/namespaces/$NAMESPACE/pods/$pod:8080/proxy/ready" 2>/dev/null) &&
      [[ $body == *'"up":true'* ]]; do
      ((++tries < 60)) || die "wait: pod $pod reports ${body:-no answer} after 120s. Try: kubectl -n $NAMESPACE logs $pod"
      sleep 2
    done
    echo "$pod: $body"
  done
}
# ANCHOR_END: step-wait

step_smoke() {
  need curl "apt-get install curl / brew install curl"
  say "smoke: calling the API through the cluster at $SMOKE_URL"
  local path body id
  for path in /ready "/api/v1/hello?name=kind" /metrics; do
    body=$(fetch GET "$path")
    case $path in
      /ready) [[ $body == *'"ready"'* && $body == *'"backend":"redis"'* ]] || die "smoke: /ready answered $body" ;;
      /api/v1/hello*) [[ $body == *'Hello, kind!'* ]] || die "smoke: hello answered $body" ;;
      /metrics) [[ $body == *'cache_requests_total'* ]] || die "smoke: /metrics has no cache_requests_total" ;;
    esac
    echo "GET $path -> ok"
  done

  # Cache-aside through Redis: a fresh id is a MISS, then a HIT.
  id="smoke-$(date +%s)"
  [[ $(fetch_cache_header "/api/v1/data/$id") == MISS ]] || die "smoke: first GET /api/v1/data/$id was not a MISS"
  [[ $(fetch_cache_header "/api/v1/data/$id") == HIT ]] || die "smoke: second GET /api/v1/data/$id was not a HIT (is Redis reachable?)"
  echo "GET /api/v1/data/$id -> MISS, then HIT"
  body=$(fetch POST /api/v1/visits)
  [[ $body == *'"store":"redis"'* ]] || die "smoke: POST /api/v1/visits answered $body"
  echo "POST /api/v1/visits -> $body"

  # The collector on the API's nodes has shipped the API's access log.
  say "smoke: log-collector output mentions namespace journey"
  local tries=0
  # -l reads every collector pod (logs daemonset/… picks one, maybe the
  # control plane's, where no API pod runs); --tail=-1 undoes -l's default of 10.
  until kc -n journey-logs logs -l app.kubernetes.io/name=log-collector --tail=-1 --since=5m 2>/dev/null |
    grep '"namespace":"journey"' >/dev/null; do
    ((++tries < 20)) || die "smoke: no log-collector record for namespace journey. Try: kubectl -n journey-logs logs ds/log-collector"
    sleep 3
  done
  echo "log-collector -> ok"

  # Run the CronJob once now instead of waiting for its schedule.
  say "smoke: one cleanup run (a Job from cronjob/cleanup)"
  kc -n "$NAMESPACE" delete job cleanup-smoke --ignore-not-found
  kc -n "$NAMESPACE" create job cleanup-smoke --from=cronjob/cleanup
  local state i
  for i in $(seq 1 60); do
    # Complete or Failed (after backoffLimit retries), whichever comes first.
    state=$(kc -n "$NAMESPACE" get job cleanup-smoke -o jsonpath='{.status.conditions[?(@.status=="True")].type}')
    case $state in
      *Complete*) break ;;
      *Failed*) die "smoke: cleanup job failed. Try: kubectl -n $NAMESPACE logs job/cleanup-smoke" ;;
    esac
    ((i < 60)) || die "smoke: cleanup job not done after 120s. Try: kubectl -n $NAMESPACE describe job cleanup-smoke"
    sleep 2
  done
  kc -n "$NAMESPACE" logs job/cleanup-smoke | tail -n 3
  echo "smoke: passed. Try: curl $SMOKE_URL/api/v1/events"
}

# fetch prints the body of METHOD path, retrying while the service comes up.
fetch() {
  local method=$1 path=$2 body
  if ! body=$(curl -fsS -X "$method" --retry 10 --retry-delay 2 --retry-all-errors --max-time 5 "$SMOKE_URL$path"); then
    die "smoke: $method $path failed. Try: kubectl --context kind-$CLUSTER -n $NAMESPACE get pods,svc,endpointslices"
  fi
  printf '%s' "$body"
}

fetch_cache_header() {
  curl -fsS -o /dev/null -D - --max-time 5 "$SMOKE_URL$1" | tr -d '\r' | awk 'tolower($1) == "x-cache:" { print $2 }'
}

main "$@"
