#!/usr/bin/env bash
# Deploy this version to a local kind cluster, step by step.
#
#   ./scripts/deploy.sh                 # all: up build load apply wait smoke
#   ./scripts/deploy.sh build load apply wait   # any steps, in the order given
#   ./scripts/deploy.sh demo            # load the API, watch the HPA scale up and back down (minutes)
#   ./scripts/deploy.sh down            # delete the kind cluster
#   ./scripts/deploy.sh --no-kind       # apply wait smoke on the cluster KUBECONFIG points
#       # at (the test sandbox, whose nodes serve SMOKE_URL as kind does): no Docker, no kind
#
# Every step is safe to re-run. DEBUG=1 prints each command.
set -euo pipefail
[[ "${DEBUG:-0}" == 1 ]] && set -x

# ANCHOR: versions
# ---- pinned versions: an upgrade shows up in `make diff` ----
readonly VERSION=v0.3
readonly KIND_VERSION=v0.33.0
readonly KIND_NODE_IMAGE="kindest/node:v1.37.0@sha256:a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5"
readonly KUBECTL_VERSION=v1.37.0
# The manifest in addons/metrics-server/ is this release (see its header).
readonly METRICS_SERVER_VERSION=v0.9.0
# ANCHOR_END: versions

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly ROOT
readonly CLUSTER="${CLUSTER:-journey-v0-3}"
readonly NAMESPACE=journey
# Our images: cmd/<svc> -> journey/<svc>:$VERSION.
readonly SERVICES=(api log-collector cleanup)
# Manifest folders under k8s/, applied in this order (Redis before its clients).
readonly COMPONENTS=(redis api cleanup log-collector)
# What `wait` waits for and `load` restarts: "<namespace> <kind>/<name>".
readonly WORKLOADS=("journey statefulset/redis" "journey deployment/api" "journey-logs daemonset/log-collector")

# The steps every version shares: up build load apply wait down, --help, main.
# shellcheck source=SCRIPTDIR/lib/deploy.sh
source "$ROOT/scripts/lib/deploy.sh"

# The Secret exists before the components that read it.
after_namespace() {
  ensure_secret
}

# metrics-server goes in after our manifests.
after_apply() {
  apply_metrics_server
}

# ANCHOR: metrics-server
# The HPA reads CPU and memory from the metrics API (metrics.k8s.io), which
# metrics-server serves; kind does not install it. The test sandbox runs its
# own metrics-server, so --no-kind leaves it alone.
apply_metrics_server() {
  if [[ $NO_KIND == 1 ]]; then
    echo "metrics-server: provided by the sandbox, not applied"
    return 0
  fi
  say "apply: metrics-server $METRICS_SERVER_VERSION (addons/metrics-server, with --kubelet-insecure-tls for kind)"
  kc apply --server-side -f "$ROOT/addons/metrics-server/components.yaml"
}
# ANCHOR_END: metrics-server

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

# after_wait runs once every workload has rolled out.
after_wait() {
  if [[ $NO_KIND == 0 ]]; then
    say "wait: metrics-server and the metrics API (the HPA shows <unknown> until it answers)"
    kc -n kube-system rollout status deployment/metrics-server --timeout="$WAIT_TIMEOUT"
    local tries=0
    until kc get --raw /apis/metrics.k8s.io/v1beta1/nodes >/dev/null 2>&1; do
      ((++tries < 60)) || die "metrics API not available after 120s. Try: kubectl -n kube-system logs deploy/metrics-server"
      sleep 2
    done
    echo "metrics API answers"
  fi
  wait_store_up
  kc -n "$NAMESPACE" get statefulsets,deployments,cronjobs,pvc,hpa
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
  body=$(fetch GET "/api/v1/work/cpu?ms=10")
  [[ $body == *'"kind":"cpu"'* ]] || die "smoke: GET /api/v1/work/cpu answered $body"
  echo "GET /api/v1/work/cpu?ms=10 -> ok"

  # The HPA has numbers only once metrics-server has scraped the pods twice.
  say "smoke: the HPA reads CPU utilization from the metrics API"
  local cpu tries=0
  until cpu=$(kc -n "$NAMESPACE" get hpa api -o jsonpath='{.status.currentMetrics[?(@.resource.name=="cpu")].resource.current.averageUtilization}') && [[ -n $cpu ]]; do
    ((++tries < 60)) || die "smoke: HPA api has no CPU metric after 180s. Try: kubectl -n $NAMESPACE describe hpa api"
    sleep 3
  done
  echo "hpa/api -> cpu ${cpu}% of requests"

  # The collector on the API's nodes has shipped the API's access log.
  say "smoke: log-collector output mentions namespace journey"
  tries=0
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

# `demo` is a step of its own, not part of `all`.
readonly EXTRA_STEPS=(demo)

# ANCHOR: step-demo
# demo puts CPU load on the API through the NodePort with cmd/loadgen, prints
# the HPA every few seconds while it scales up, stops the load and keeps
# printing until it is back at minReplicas, then says how long each took.
step_demo() {
  need go "https://go.dev/dl/ (the demo builds and runs cmd/loadgen)"
  local url="$SMOKE_URL/api/v1/work/cpu?ms=${DEMO_CPU_MS:-50}"
  local min start load_pid peak=1 up_at='' down_at='' now replicas current
  min=$(kc -n "$NAMESPACE" get hpa api -o jsonpath='{.spec.minReplicas}')
  local loadgen="${TMPDIR:-/tmp}/journey-loadgen"
  (cd "$ROOT" && go build -o "$loadgen" ./cmd/loadgen) || die "cannot build cmd/loadgen"
  say "demo: ${DEMO_CONCURRENCY:-16} clients on $url for ${DEMO_LOAD:-180s}"
  # ANCHOR: demo-load
  # --no-keepalive: a new connection per request, so kube-proxy spreads the
  # load over the new pods too (kept-alive connections stay on the old ones).
  "$loadgen" --url "$url" --concurrency "${DEMO_CONCURRENCY:-16}" --no-keepalive \
    --duration "${DEMO_LOAD:-180s}" --ramp 10s >"${TMPDIR:-/tmp}/journey-demo-load.txt" 2>&1 &
  load_pid=$!
  # ANCHOR_END: demo-load
  start=$SECONDS
  while kill -0 "$load_pid" 2>/dev/null; do
    replicas=$(hpa_line)
    now=$((SECONDS - start))
    echo "t+${now}s $replicas"
    # desiredReplicas is the HPA's decision; currentReplicas follows a sync later.
    current=$(kc -n "$NAMESPACE" get hpa api -o jsonpath='{.status.desiredReplicas}')
    if ((current > peak)); then
      peak=$current
      [[ -n $up_at ]] || up_at=$now
    fi
    sleep 5
  done
  wait "$load_pid" || die "loadgen failed: $(cat "${TMPDIR:-/tmp}/journey-demo-load.txt")"
  tail -n 12 "${TMPDIR:-/tmp}/journey-demo-load.txt"
  ((peak > min)) || die "demo: the HPA never scaled above $min replicas. Try: kubectl -n $NAMESPACE describe hpa api"
  say "demo: load stopped at t+$((SECONDS - start))s; waiting for the scale-down (stabilization window first)"
  local stop=$SECONDS
  while :; do
    current=$(kc -n "$NAMESPACE" get hpa api -o jsonpath='{.status.currentReplicas}')
    echo "t+$((SECONDS - start))s $(hpa_line)"
    if ((current <= min)); then down_at=$((SECONDS - stop)); break; fi
    ((SECONDS - stop < 600)) || die "demo: still $current replicas 10 minutes after the load stopped"
    sleep 10
  done
  echo "demo: scaled up to $peak replicas (first scale-up ${up_at}s after the load started); back to $min replicas ${down_at}s after it stopped"
}

# hpa_line prints replicas and utilization for the demo's timeline.
hpa_line() {
  kc -n "$NAMESPACE" get hpa api -o \
    jsonpath='replicas={.status.currentReplicas}->{.status.desiredReplicas} cpu={.status.currentMetrics[?(@.resource.name=="cpu")].resource.current.averageUtilization}% memory={.status.currentMetrics[?(@.resource.name=="memory")].resource.current.averageUtilization}%'
}
# ANCHOR_END: step-demo

main "$@"
