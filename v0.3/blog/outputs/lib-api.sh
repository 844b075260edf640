# shellcheck shell=bash
# Helpers sourced by the output scripts next to it: a temp dir, cmd/api on a free port, always stopped.
set -euo pipefail

# The api listens on every interface (a container needs that); here only loopback may see it. As
# root, rerun the calling script in a network namespace of its own, where loopback is the only
# interface (go run needs no network: the modules are in the module cache by then).
if [[ -z ${OUTPUTS_NETNS:-} && $EUID == 0 ]] && command -v unshare >/dev/null && command -v ip >/dev/null; then
  # shellcheck disable=SC2016 # $0 expands in the inner bash: the calling script
  exec env OUTPUTS_NETNS=1 unshare --net -- bash -c 'ip link set lo up && exec bash "$0"' "$0"
fi

out_tmp=$(mktemp -d)
api_pid=''
out_cleanup() {
  if [[ -n $api_pid ]]; then
    kill -KILL -- "-$api_pid" 2>/dev/null || true
    wait "$api_pid" 2>/dev/null || true
  fi
  rm -rf "$out_tmp"
}
trap out_cleanup EXIT

free_port() {
  python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}

# start_api runs `go run ./cmd/api` (the executable is cached by the go
# command) on a free port with the default configuration, in its own
# process group so that go run and the API stop together, and waits until
# the startup lines are out; it sets api_url, api_log and api_pid.
# GOMAXPROCS=1 fixes the order of the last two startup lines ("server ready"
# comes from Serve, "store available" from the store watcher Serve has just
# started), which the blocks show.
start_api() {
  local port
  port=$(free_port)
  api_log=$out_tmp/api.log
  : >"$api_log" # exists before the first grep, however late the job opens it
  GOMAXPROCS=1 JOURNEY_PORT=$port setsid go run ./cmd/api >"$api_log" 2>&1 &
  api_pid=$!
  # shellcheck disable=SC2034 # used by the scripts that source this file
  api_url=http://127.0.0.1:$port
  wait_for_log 'store available'
}

# wait_for_log PATTERN waits (up to 30 s: go run may have to link) for a line of the API's log.
wait_for_log() {
  local i
  for ((i = 0; i < 300; i++)); do
    grep -q -- "$1" "$api_log" && return 0
    if ! kill -0 "$api_pid" 2>/dev/null; then
      cat "$api_log" >&2
      echo "the API exited before logging: $1" >&2
      return 1
    fi
    sleep 0.1
  done
  cat "$api_log" >&2
  echo "timed out waiting for the API to log: $1" >&2
  return 1
}

# quiet CMD runs CMD with bash (stderr too, whatever its exit status), drops
# the CRs of HTTP headers and ends the output with a newline (curl prints a
# JSON body without one; a terminal prompt would start the next line).
quiet() {
  local out
  out=$({ bash -c "$1" 2>&1 || true; } | tr -d '\r'; echo .)
  out=${out%.}
  printf '%s' "$out"
  [[ -z $out || $out == *$'\n' ]] || echo
}

# shown CMD prints "$ CMD" as a console block shows it, then runs it.
shown() {
  printf '$ %s\n' "$1"
  quiet "$1"
}
