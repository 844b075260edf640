# shellcheck shell=bash
# Shared by the output scripts next to it (source it; run from the version
# folder): a temp dir and every process started here are removed on exit;
# redis-server and the commands run on free 127.0.0.1 ports.
set -euo pipefail

# The api listens on every interface (a container needs that); here only loopback may see it. As
# root, rerun the calling script in a network namespace of its own, where loopback is the only
# interface (go run needs no network: the modules are in the module cache by then).
if [[ -z ${OUTPUTS_NETNS:-} && $EUID == 0 ]] && command -v unshare >/dev/null && command -v ip >/dev/null; then
  # shellcheck disable=SC2016 # $0 expands in the inner bash: the calling script
  exec env OUTPUTS_NETNS=1 unshare --net -- bash -c 'ip link set lo up && exec bash "$0"' "$0"
fi

tmp=$(mktemp -d)
pids=()
stop_all() {
  local p
  for p in "${pids[@]}"; do
    kill -KILL "$p" 2>/dev/null || true
    { wait "$p"; } 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap stop_all EXIT

# free_port: a port nothing answers on (bash's /dev/tcp; python3 takes a
# second just to start on a busy machine), below the kernel's ephemeral range
# (32768 and up by default), where outgoing connections and servers on port 0
# take theirs.
free_port() {
  local p
  while :; do
    p=$((12000 + RANDOM % 20000))
    if ! (: <>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return
    fi
  done
}

# build <cmd>: the binary of ./cmd/<cmd> in $tmp. go run keeps linked
# executables in the build cache, so this costs a second where go build -o
# links again (several seconds for the API).
build() {
  go run -exec cp "./cmd/$1" "$tmp/$1"
}

# wait_for <file> <regexp>: until a line of the file matches (10 s at most).
wait_for() {
  local i
  for ((i = 0; i < 200; i++)); do
    grep -qE -- "$2" "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "timed out waiting for '$2' in $1:" >&2
  cat "$1" >&2
  return 1
}

# redis-cli as a terminal shows it: the scripts' output is no TTY, where
# redis-cli would print bare replies ("1" for "(integer) 1").
redis-cli() { command redis-cli --no-raw "$@"; }

# start_redis [password]: redis-server as in the posts (AOF on, no RDB
# snapshots, data in $tmp/redis) on $redis_port; REDISCLI_AUTH is set.
start_redis() {
  mkdir -p "$tmp/redis"
  local auth=() try i
  if [[ -n ${1:-} ]]; then
    auth=(--requirepass "$1")
    export REDISCLI_AUTH=$1
  fi
  # A port taken between free_port and the bind: redis-server exits, try another.
  for ((try = 0; try < 3; try++)); do
    redis_port=$(free_port)
    redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$tmp/redis" "${auth[@]}" \
      --appendonly yes --save "" --logfile "$tmp/redis.log" &
    pids+=($!)
    redis_pid=$!
    for ((i = 0; i < 200; i++)); do
      redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG && return 0
      kill -0 "$redis_pid" 2>/dev/null || break
      sleep 0.05
    done
  done
  echo "redis-server did not answer PING" >&2
  cat "$tmp/redis.log" >&2
  return 1
}

# start_api [VAR=value...] [-- args]: the API on $api_port with the given
# environment, its log in $tmp/api.log. It returns once /ready reports the
# store up; with API_WAIT=log, once the log has the store's first state
# (slower, production logs are flushed every second, but no request: for
# blocks that count requests or expect the store down).
# shellcheck disable=SC2120 # its arguments are optional
start_api() {
  [[ -x $tmp/api ]] || build api
  local envs=() i try pid
  while (($#)) && [[ $1 != -- ]]; do
    envs+=("$1")
    shift
  done
  (($#)) && shift
  # A port taken between free_port and the listen: the API exits, try another.
  for ((try = 0; try < 3; try++)); do
    api_port=$(free_port)
    api="http://127.0.0.1:$api_port"
    env JOURNEY_PORT="$api_port" "${envs[@]}" "$tmp/api" "$@" >"$tmp/api.log" 2>&1 &
    pid=$!
    pids+=("$pid")
    for ((i = 0; i < 200; i++)); do
      if [[ ${API_WAIT:-up} == log ]]; then
        grep -qE '"msg":"store (available|unavailable)' "$tmp/api.log" && return 0
      else
        [[ $(curl -s "$api/ready" 2>/dev/null) == *'"up":true'* ]] && return 0
      fi
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.05
    done
  done
  echo "the api did not start or did not report its store:" >&2
  cat "$tmp/api.log" >&2
  return 1
}

# shown <real> <as-shown>: run prints <real> (a free port, a temp dir) as the
# post shows it (8080, /tmp/journey-logs, ...).
shown_from=()
shown_as=()
shown() {
  shown_from+=("$1")
  shown_as+=("$2")
}
as_shown() {
  local s=$1 i
  for i in "${!shown_from[@]}"; do s=${s//"${shown_from[$i]}"/"${shown_as[$i]}"}; done
  printf '%s\n' "$s"
}

# run <command>: print "$ <command>" as the post shows it, then run it; the
# command's output goes through as_shown too, and without the CR of HTTP
# headers (a terminal does not show them).
run() {
  as_shown "\$ $1"
  local out
  out=$(eval "$1" 2>&1) || true
  if [[ -n $out ]]; then as_shown "${out//$'\r'/}"; fi
}

# api_config <redis port>: post 07's /tmp/journey/api.yaml (the ConfigMap's
# file with the Redis address of the local server) as $tmp/journey/api.yaml.
api_config() {
  mkdir -p "$tmp/journey"
  yq -r '.data["api.yaml"]' k8s/api/configmap.yaml |
    sed "s/redis-0.redis.journey.svc.cluster.local:6379/127.0.0.1:$1/" >"$tmp/journey/api.yaml"
  shown "$tmp/journey" /tmp/journey
}

# lc_demo: post 06's fake node, made by the post's commands with DEMO=$tmp/lc-demo.
lc_demo() {
  export DEMO=$tmp/lc-demo
  export POD_DIR=$DEMO/pods/journey_api-7d9f8c6b5d-4xk2p_0f6b2c1e-8a3d-4c55-9b1e-2d7f4a9c6e10/api
  local ID SELF
  ID=$(echo api | sha256sum | cut -c1-64)
  mkdir -p "$DEMO/containers" "$POD_DIR"
  cat >"$POD_DIR/0.log" <<'LOG'
2026-01-02T15:04:05.100000000Z stdout F {"level":"info","msg":"request","path":"/api/v1/hello","status":200}
2026-01-02T15:04:05.200000000Z stdout P 一行很长的日志被运行时切成两段：前半段，
2026-01-02T15:04:05.200000000Z stdout F 后半段。
this line is not in CRI format
2026-01-02T15:04:05.300000000Z stderr F warning: slow source
LOG
  ln -s "$POD_DIR/0.log" "$DEMO/containers/api-7d9f8c6b5d-4xk2p_journey_api-$ID.log"
  SELF=$(echo self | sha256sum | cut -c1-64)
  echo '2026-01-02T15:04:05.400000000Z stdout F {"msg":"采集器自己的输出"}' \
    >"$DEMO/containers/log-collector-7xk9p_journey-logs_log-collector-$SELF.log"
  shown "$DEMO" /tmp/lc-demo
}

# lc_demo_start: post 06's collector on the fake node, records appended to
# $DEMO/records.jsonl and its own log to $DEMO/collector.log; returns once
# the three records of the demo file are out. $lc is its metrics address.
lc_demo_start() {
  [[ -x $tmp/log-collector ]] || build log-collector
  local port
  port=$(free_port)
  lc=127.0.0.1:$port
  shown "$lc" 127.0.0.1:2020
  mkdir -p "$DEMO/state"
  NODE_NAME=journey-v0-2-worker POD_NAMESPACE=journey-logs POD_NAME=log-collector-7xk9p \
    "$tmp/log-collector" --log-dir "$DEMO/containers" \
    --positions "$DEMO/state/positions.json" --metrics-addr "$lc" \
    >>"$DEMO/records.jsonl" 2>>"$DEMO/collector.log" &
  pids+=($!)
  local i
  for ((i = 0; i < 200; i++)); do
    [[ -f $DEMO/records.jsonl && $(wc -l <"$DEMO/records.jsonl") -ge 3 ]] && return 0
    sleep 0.05
  done
  echo "the collector did not write the demo's records:" >&2
  cat "$DEMO/collector.log" >&2
  return 1
}

# cleanup_demo: post 07b's Redis (password demo-password, shown on port 16379)
# with its four events, three cache keys and the counter; JOURNEY_REDIS_ADDR
# and JOURNEY_REDIS_PASSWORD exported as in the post.
cleanup_demo() {
  start_redis demo-password
  shown "127.0.0.1:$redis_port" 127.0.0.1:16379
  shown "-p $redis_port " "-p 16379 "
  local now
  now=$(date +%s%3N)
  event() { # event <id> <seconds ago>
    local ms=$((now - $2 * 1000)) at
    at=$(date -u -d "@$((ms / 1000))" +%Y-%m-%dT%H:%M:%S).$(printf '%03d' $((ms % 1000)))Z
    redis-cli -p "$redis_port" ZADD journey:events "$ms" "{\"id\":\"$1\",\"type\":\"visit\",\"at\":\"$at\",\"pod\":\"api-demo\"}"
  }
  # shellcheck disable=SC2034 # for the scripts that source this file
  event_out=$(
    event old-48h $((48 * 3600))
    event old-25h $((25 * 3600))
    event new-1h 3600
    event new-1m 60
  )
  # shellcheck disable=SC2034 # for the scripts that source this file
  keys_out=$(
    redis-cli -p "$redis_port" SET journey:cache:data:42 '{"id":"42","value":"fresh copy"}' EX 600
    redis-cli -p "$redis_port" SET journey:cache:data:7 '{"id":"7","value":"stale copy"}'
    redis-cli -p "$redis_port" SET journey:cache:legacy:v1 'written by an older release'
    redis-cli -p "$redis_port" INCRBY journey:visits 42
  )
  export JOURNEY_REDIS_ADDR=127.0.0.1:$redis_port JOURNEY_REDIS_PASSWORD=demo-password
}

# fake_node_log prints the container log of the README's fake node (CRI format, one partial
# line, one stderr line, one line that is not CRI).
fake_node_log() {
  cat <<'LOG'
2026-11-25T21:40:00.000000001Z stdout F {"level":"info","msg":"server ready"}
2026-11-25T21:40:01.000000001Z stdout P a long line, first chunk, 
2026-11-25T21:40:01.000000002Z stdout F second chunk
2026-11-25T21:40:02.000000001Z stderr F something on stderr
not a CRI line
LOG
}

# start_fake_node_collector PORT: the built log-collector over $tmp/journey-logs, metrics on
# 127.0.0.1:PORT, output in $tmp/out; returns once it has read the fake node's log.
start_fake_node_collector() {
  "$tmp/log-collector" --log-dir "$tmp/journey-logs/containers" --positions "$tmp/journey-logs/positions.json" \
    --metrics-addr "127.0.0.1:$1" >"$tmp/out" 2>&1 &
  pids+=($!)
  wait_for "$tmp/out" 'skipped lines not in CRI log format'
}
