#!/usr/bin/env bash
# cache.sh — benchmark v0.2's GET /api/v1/data/:id on a cache HIT and on a
# cache MISS against a real redis-server on 127.0.0.1, and write req/s, p50
# and p99 of both to docs/benchmarks.md. Not a timed test: run it by hand
# (`make bench`) when the cache path changes.
#
#   scripts/bench/cache.sh            # measure and update docs/benchmarks.md
#   NO_WRITE=1 scripts/bench/cache.sh # measure only
#
# HIT: every request asks for one id that is already cached.
# MISS: every request asks for a new id (a wrk Lua counter), so each one
# goes to the simulated source (JOURNEY_SOURCE_LATENCY, 100 ms as deployed)
# and then writes the cache. Each response's X-Cache header is counted: a
# run with the wrong kind of response, a non-2xx or a socket error fails.
# The API runs on CPU 0; wrk and redis-server share CPU 1 (PIN=0: unpinned).
set -euo pipefail
if [[ "${DEBUG:-0}" == 1 ]]; then set -x; fi

# --- pinned in one place -----------------------------------------------------
VERSION=v0.2
CONNECTIONS=${CONNECTIONS:-64}
DURATION=${DURATION:-5s}
WARMUP=${WARMUP:-2s}
ROUNDS=${ROUNDS:-3}
SOURCE_LATENCY=${SOURCE_LATENCY:-100ms}  # as in k8s/api/configmap.yaml
PIN=${PIN:-auto}

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)
DOC=${BENCH_DOC:-$REPO_ROOT/docs/benchmarks.md}

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'cache.sh: error: %s\n' "$*" >&2; exit 1; }

for tool in go wrk curl awk redis-server redis-cli; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found (apt-get install -y wrk redis-server)"
done
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer, not '$ROUNDS'"
ncpu=$(nproc)
case "$PIN" in
  auto) if [[ $ncpu -ge 2 ]] && command -v taskset >/dev/null 2>&1; then PIN=1; else PIN=0; fi ;;
  1) [[ $ncpu -ge 2 ]] || die "PIN=1 needs at least 2 CPUs (have $ncpu)" ;;
  0) ;;
  *) die "PIN must be auto, 1 or 0, not '$PIN'" ;;
esac
api_cpu=() other_cpu=()
if [[ $PIN == 1 ]]; then api_cpu=(taskset -c 0) other_cpu=(taskset -c 1); fi

# shellcheck source=lib.sh
. "$SCRIPT_DIR/lib.sh"
bench_setup cache

# --- build and start ---------------------------------------------------------
log "building $VERSION/cmd/api like its image (CGO_ENABLED=0, -tags nomsgpack)"
(cd "$REPO_ROOT/$VERSION" && GOWORK=off CGO_ENABLED=0 go build -trimpath -tags nomsgpack -ldflags "-s -w" -o "$work/api" ./cmd/api) ||
  die "cannot build $VERSION/cmd/api"

redis_port=$(free_port)
password=bench-$RANDOM$RANDOM
# The persistence settings of k8s/redis/configmap.yaml (AOF, fsync every second).
"${other_cpu[@]}" redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$work" --requirepass "$password" \
  --appendonly yes --appendfsync everysec --save '' --logfile "$work/redis.log" &
pids+=($!)
for _ in $(seq 1 100); do
  REDISCLI_AUTH=$password redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG && break
  sleep 0.1
done
REDISCLI_AUTH=$password redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG || die "redis-server did not start: $(cat "$work/redis.log")"
redis_version=$(redis-server --version | awk '{ print $3 }' | sed 's/^v=//')

api_port=$(free_port)
JOURNEY_PORT=$api_port JOURNEY_ENV=production JOURNEY_REDIS_ADDR=127.0.0.1:$redis_port JOURNEY_REDIS_PASSWORD=$password \
  JOURNEY_SOURCE_LATENCY=$SOURCE_LATENCY JOURNEY_CACHE_TTL=1h \
  "${api_cpu[@]}" "$work/api" >/dev/null 2>"$work/api.err" &
pids+=($!)
api_pid=$!
base=http://127.0.0.1:$api_port
for _ in $(seq 1 100); do curl -fsS -o /dev/null "$base/ready" 2>/dev/null && break; sleep 0.1; done
curl -fsS "$base/ready" | grep -q '"backend":"redis","up":true' || die "API not ready with Redis up: $(curl -sS "$base/ready")"

# --- measure -----------------------------------------------------------------
# The Lua script counts X-Cache per thread; done() fails the run (exit 3) if
# any response had the wrong one. MISS mode builds a never-seen id per request
# (the run id keeps rounds apart: the TTL is 1 h).
cat >"$work/cache.lua" <<'LUA'
local mode = os.getenv("BENCH_MODE")
local run = os.getenv("BENCH_RUN")
local threads = {}
-- Globals, not locals: done() reads them with thread:get().
n, good, bad = 0, 0, 0
function setup(thread) table.insert(threads, thread) end
function request()
  if mode == "hit" then return wrk.format("GET", "/api/v1/data/bench-hot") end
  n = n + 1
  return wrk.format("GET", "/api/v1/data/" .. run .. "-" .. n)
end
function response(status, headers, body)
  local want = (mode == "hit") and "HIT" or "MISS"
  if headers["X-Cache"] == want then good = good + 1 else bad = bad + 1 end
end
function done(summary, latency, requests)
  local g, b = 0, 0
  for _, t in ipairs(threads) do g = g + t:get("good"); b = b + t:get("bad") end
  io.write(string.format("X-Cache: %d as expected, %d not\n", g, b))
  if b > 0 or g == 0 then os.exit(3) end
end
LUA

to_ms() {
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
    else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 }
    else { exit 1 }
  }'
}
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# run_wrk MODE RUN DURATION OUT: prints "rps p50_ms p99_ms".
run_wrk() {
  local mode=$1 run=$2 dur=$3 out=$4 non2xx sockerr rps p50 p99
  BENCH_MODE=$mode BENCH_RUN=$run "${other_cpu[@]}" wrk -t1 -c"$CONNECTIONS" -d"$dur" --latency -s "$work/cache.lua" "$base" >"$out" 2>&1 ||
    die "wrk $mode failed (wrong X-Cache or error):"$'\n'"$(cat "$out")"
  non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$out")
  sockerr=$(awk '/Socket errors:/ { n = 0; for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) n += $i + 0; print n }' "$out")
  [[ -z "$non2xx" || "$non2xx" == 0 ]] || die "$mode: $non2xx non-2xx responses"$'\n'"$(cat "$out")"
  [[ -z "$sockerr" || "$sockerr" == 0 ]] || die "$mode: socket errors"$'\n'"$(cat "$out")"
  rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
  p50=$(awk '$1 == "50%" { print $2 }' "$out")
  p99=$(awk '$1 == "99%" { print $2 }' "$out")
  [[ -n "$rps" && -n "$p50" && -n "$p99" ]] || die "cannot parse wrk output: $(cat "$out")"
  printf '%s %s %s\n' "$rps" "$(to_ms "$p50")" "$(to_ms "$p99")"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)
curl -fsS -o /dev/null "$base/api/v1/data/bench-hot" # fill the hot key
log "warm-up: $WARMUP per mode"
run_wrk hit warm "$WARMUP" "$work/warm-hit.txt" >/dev/null
run_wrk miss "warm$RANDOM" "$WARMUP" "$work/warm-miss.txt" >/dev/null
: >"$work/hit.results"
: >"$work/miss.results"
for round in $(seq 1 "$ROUNDS"); do
  for mode in hit miss; do
    r=$(run_wrk "$mode" "r$round-$RANDOM" "$DURATION" "$work/wrk-$mode-$round.txt")
    printf '%s\n' "$r" >>"$work/$mode.results"
    log "round $round/$ROUNDS $mode: req/s p50(ms) p99(ms) = $r"
  done
done
kill -0 "$api_pid" 2>/dev/null || die "the API died during the run: $(cat "$work/api.err")"
metrics=$(curl -fsS "$base/metrics")
errors=$(awk '/^cache_requests_total\{result="error"\}/ { print $2 }' <<<"$metrics")
[[ "${errors:-0}" == 0 ]] || die "cache errors during the run: $errors"

col() { awk -v c="$1" '{ print $c }' "$work/$2.results" | median; }
hit_rps=$(col 1 hit) hit_p50=$(col 2 hit) hit_p99=$(col 3 hit)
miss_rps=$(col 1 miss) miss_p50=$(col 2 miss) miss_p99=$(col 3 miss)
printf '\n%-10s %12s %10s %10s\n' mode 'req/s' 'p50(ms)' 'p99(ms)'
printf '%-10s %12s %10s %10s\n' HIT "$hit_rps" "$hit_p50" "$hit_p99" MISS "$miss_rps" "$miss_p50" "$miss_p99"

[[ "${NO_WRITE:-0}" == 1 ]] && exit 0

# --- docs/benchmarks.md ------------------------------------------------------
r() { awk -v v="$1" -v d="$2" 'BEGIN { printf "%.*f", d, v }'; }
cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
if [[ $PIN == 1 ]]; then pin_note="API \`taskset -c 0\`，wrk 与 redis-server \`taskset -c 1\`"; else pin_note="未绑核"; fi
begin="<!-- BEGIN bench $VERSION cache: generated by scripts/bench/cache.sh, do not edit by hand -->"
end="<!-- END bench $VERSION cache -->"
# shellcheck disable=SC2016 # Markdown backticks
{
  printf '%s\n' "$begin"
  printf '| 请求 | req/s（中位数） | p50 | p99 |\n|---|---:|---:|---:|\n'
  printf '| 缓存命中（`X-Cache: HIT`，同一个 id） | %s | %s ms | %s ms |\n' "$(r "$hit_rps" 0)" "$(r "$hit_p50" 2)" "$(r "$hit_p99" 2)"
  printf '| 缓存未命中（`X-Cache: MISS`，每个请求一个新 id，数据源延迟 %s） | %s | %s ms | %s ms |\n\n' "$SOURCE_LATENCY" "$(r "$miss_rps" 0)" "$(r "$miss_p50" 2)" "$(r "$miss_p99" 2)"
  printf -- '- 命中比未命中：吞吐约 %s 倍，p50 约低 %s 倍\n' "$(awk -v a="$hit_rps" -v b="$miss_rps" 'BEGIN { printf "%.0f", a / b }')" "$(awk -v a="$miss_p50" -v b="$hit_p50" 'BEGIN { printf "%.0f", a / b }')"
  printf -- '- 未命中时吞吐的上限是 连接数 / 数据源延迟 = %s / %s；这正是缓存要挡住的部分\n' "$CONNECTIONS" "$SOURCE_LATENCY"
  printf -- '- 机器：%s 核，%s；Linux %s；%s；redis-server %s（AOF everysec，带密码）\n' "$ncpu" "${cpu_model:-unknown}" "$(uname -r)" "$(go env GOVERSION)" "$redis_version"
  printf -- '- 日期：%s（UTC）；开始前负载：%s；绑核：%s\n' "$(date -u +%Y-%m-%d)" "$load_before" "$pin_note"
  printf -- '- 命令：`scripts/bench/cache.sh`：每种请求 `wrk -t1 -c%s -d%s --latency -s cache.lua`，%s 轮，表中取中位数；每个响应的 `X-Cache` 头都经过核对，出现不符、非 2xx 或 socket 错误即判失败\n' "$CONNECTIONS" "$DURATION" "$ROUNDS"
  printf '%s\n' "$end"
} >"$work/section.md"
[[ -f "$DOC" ]] || die "$DOC missing (scripts/bench/hello.sh creates it)"
if grep -qF "$begin" "$DOC"; then
  awk -v b="$begin" -v e="$end" -v f="$work/section.md" '
    $0 == b { while ((getline line < f) > 0) print line; skip = 1; next }
    $0 == e { skip = 0; next }
    !skip { print }
  ' "$DOC" >"$work/doc.md"
  cat "$work/doc.md" >"$DOC"
else
  # shellcheck disable=SC2016 # Markdown backticks
  {
    printf '\n## %s 编排升级版：`/api/v1/data/:id` 缓存命中与未命中\n\n' "$VERSION"
    printf '问题：真实 Redis（127.0.0.1）上，cache-aside 命中与未命中各自的吞吐和延迟是多少？\n\n'
    cat "$work/section.md"
  } >>"$DOC"
fi
log "updated $DOC"
