# shellcheck shell=bash
# Sourced by the scripts in this folder (it reproduces no block itself): runs `go run ./cmd/api`
# on a free port in its own process group, waits until it serves, and always stops it at exit.
set -euo pipefail

# The api listens on every interface (a container needs that); here only loopback may see it. As
# root, rerun the calling script in a network namespace of its own, where loopback is the only
# interface (go run needs no network: the modules are in the module cache by then).
if [[ -z ${OUTPUTS_NETNS:-} && $EUID == 0 ]] && command -v unshare >/dev/null && command -v ip >/dev/null; then
  # shellcheck disable=SC2016 # $0 expands in the inner bash: the calling script
  exec env OUTPUTS_NETNS=1 unshare --net -- bash -c 'ip link set lo up && exec bash "$0"' "$0"
fi

OUT_TMP=$(mktemp -d)
API_PGID=
cleanup() {
  if [[ -n $API_PGID ]]; then api_stop; fi
  rm -rf "$OUT_TMP"
}
trap cleanup EXIT

# The port the block shows; the free port the api really uses is written back as this one, so
# that a rewritten block (make outputs) reads as the post's commands do.
SHOWN_PORT=8080

free_port() {
  # /usr/bin first: a pyenv shim in PATH costs a second per call.
  "$(PATH=/usr/bin:$PATH command -v python3)" -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}

# api_start [VAR=value ...] [-- api arguments]: start the api in its own process group, with
# JOURNEY_PORT set to a free port; its stdout and stderr go to $API_LOG. It returns once the api
# serves: by default when /ready answers 200 (probe requests are not logged at info level);
# with API_WAIT=log when the log holds "server ready", for scripts that show the log or count
# requests in /metrics.
# shellcheck disable=SC2120 # its arguments are optional
api_start() {
  local env=() args=()
  while (($#)); do
    if [[ $1 == -- ]]; then shift; args=("$@"); break; fi
    env+=("$1"); shift
  done
  API_PORT=$(free_port)
  API_LOG=$OUT_TMP/api.log
  # A background job of a script is no process group leader, so setsid does not fork: $! is
  # the new group's id.
  setsid env JOURNEY_PORT="$API_PORT" "${env[@]}" go run ./cmd/api "${args[@]}" >"$API_LOG" 2>&1 &
  API_PGID=$!
  if [[ ${API_WAIT:-ready} == log ]]; then
    wait_log 'server ready'
    return
  fi
  local i
  for ((i = 0; i < 600; i++)); do
    if curl -sf -o /dev/null "http://127.0.0.1:$API_PORT/ready"; then return 0; fi
    sleep 0.1
  done
  echo "the api did not become ready:" >&2
  cat "$API_LOG" >&2
  return 1
}

# api_stop: kill the whole process group, go run and the api it started (no drain). Its wait
# reaps the job, so bash prints no "Killed" notice.
api_stop() {
  kill -KILL -- "-$API_PGID" 2>/dev/null || true
  wait "$API_PGID" 2>/dev/null || true
  API_PGID=
}

# wait_log TEXT: wait (at most 60 s, the first go run may compile) until the log holds TEXT.
# Production logs are buffered for up to a second.
wait_log() {
  local i
  for ((i = 0; i < 1200; i++)); do
    if grep -qF -- "$1" "$API_LOG" 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  echo "timed out waiting for '$1' in the api log:" >&2
  cat "$API_LOG" >&2
  return 1
}

# api_pid: the api process itself (the child of go run).
api_pid() {
  pgrep -P "$API_PGID"
}

# show_port: write the api's free port back as the port the post shows.
show_port() {
  sed -E "s/(:| port )${API_PORT}\b/\1${SHOWN_PORT}/g"
}

# shown 'CMD': print "$ CMD" as the block shows it, run it against the started api and print its
# output (CRs of HTTP headers dropped, a final newline added as a terminal prompt would).
shown() {
  local out
  printf '$ %s\n' "$1"
  out=$(eval "${1//:${SHOWN_PORT}/:${API_PORT}}" 2>&1 | tr -d '\r' | show_port)
  printf '%s\n' "$out"
}
