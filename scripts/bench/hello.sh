#!/usr/bin/env bash
# hello.sh — benchmark v0.1's GET /api/v1/hello (gin with all its middleware:
# recovery, request ID, zap JSON access log, Prometheus metrics) against a
# bare net/http server answering the same JSON (cmd/barehello), on 127.0.0.1,
# and write the numbers to docs/benchmarks.md. Not a timed test: run it by
# hand (`make bench`) when the API changes.
#
# Three servers are measured: the API; "bare", barehello with the API's
# http.Server timeouts (the baseline of the target: the ratio prices gin and
# the middleware, not two server configurations); and "plain", barehello
# with only ReadHeaderTimeout, to show what the per-request deadlines cost.
#
#   scripts/bench/hello.sh            # measure and update docs/benchmarks.md
#   NO_WRITE=1 scripts/bench/hello.sh # measure only
#
# The servers are built like the image (CGO_ENABLED=0, -trimpath, -s -w) and
# measured in turn for ROUNDS rounds; the table has the median of each
# figure, and the ratio is the median of the per-round API/bare ratios. wrk
# exits 0 even when every response fails, so any Non-2xx response
# or socket error fails the run.
#
# On a machine with >= 2 CPUs the server runs on CPU 0 and wrk on CPU 1
# (taskset), so the load generator never steals the server's CPU and the
# ratio compares the servers, not the scheduler. PIN=0 disables this.
# DEBUG=1 turns on set -x.
set -euo pipefail
if [[ "${DEBUG:-0}" == 1 ]]; then set -x; fi

# --- pinned in one place -----------------------------------------------------
VERSION=v0.1                        # the API version measured
THREADS=${THREADS:-1}               # wrk threads (one per CPU wrk may use)
CONNECTIONS=${CONNECTIONS:-64}      # wrk connections, all kept alive
DURATION=${DURATION:-5s}            # per measured run (short: a round's two runs stay close in time)
WARMUP=${WARMUP:-3s}                # per server, before each measured run
ROUNDS=${ROUNDS:-9}                 # alternating rounds; medians are reported (9: this 2-CPU machine is shared and noisy)
TARGET=0.80                         # API req/s / bare req/s must reach this
PIN=${PIN:-auto}                    # auto|1|0: server on CPU 0, wrk on CPU 1
API_LOG_LEVEL=${API_LOG_LEVEL:-info}  # info logs every request; warn drops the access log (diagnosis only)
PATH_QUERY="/api/v1/hello?name=bench"

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)
DOC=${BENCH_DOC:-$REPO_ROOT/docs/benchmarks.md}

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'hello.sh: error: %s\n' "$*" >&2; exit 1; }

for tool in go wrk curl awk; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found (wrk: apt-get install -y wrk)"
done
[[ -d "$REPO_ROOT/$VERSION/cmd/api" ]] || die "$REPO_ROOT/$VERSION/cmd/api not found"
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer, not '$ROUNDS'"
if [[ "$API_LOG_LEVEL" != info && "${NO_WRITE:-0}" != 1 ]]; then
  die "API_LOG_LEVEL=$API_LOG_LEVEL is for diagnosis; the documented figure keeps the access log (set NO_WRITE=1)"
fi

ncpu=$(nproc)
case "$PIN" in
  auto) if [[ $ncpu -ge 2 ]] && command -v taskset >/dev/null 2>&1; then PIN=1; else PIN=0; fi ;;
  1) [[ $ncpu -ge 2 ]] || die "PIN=1 needs at least 2 CPUs (have $ncpu)"
     command -v taskset >/dev/null 2>&1 || die "PIN=1 needs taskset (apt-get install -y util-linux)" ;;
  0) ;;
  *) die "PIN must be auto, 1 or 0, not '$PIN'" ;;
esac
server_cpu=()
wrk_cpu=()
if [[ $PIN == 1 ]]; then
  server_cpu=(taskset -c 0)
  wrk_cpu=(taskset -c 1)
fi

# shellcheck source=lib.sh
. "$SCRIPT_DIR/lib.sh"
bench_setup hello

# wait_ready polls /ready until it answers 200 or the process dies.
wait_ready() {
  local name=$1 pid=$2 url=$3 i
  for i in $(seq 1 100); do
    if curl -fsS -o /dev/null --max-time 1 "$url/ready" 2>/dev/null; then
      log "$name ready after ~$((i / 10)).$((i % 10)) s"
      return
    fi
    kill -0 "$pid" 2>/dev/null || die "$name exited before becoming ready (log: $work/$name.log)"
    sleep 0.1
  done
  die "$name not ready after 10 s"
}

# --- build -------------------------------------------------------------------
# GOWORK=off: each module builds on its own, exactly as its image does.
# The API gets the build tags its Dockerfile uses (e.g. nomsgpack), so the
# binary measured is the one the image ships.
build() {
  local dir=$1 pkg=$2 out=$3 tags=$4
  (cd "$dir" && GOWORK=off CGO_ENABLED=0 go build -trimpath -tags "$tags" -ldflags "-s -w" -o "$out" "$pkg")
}
api_tags=""
if [[ -f "$REPO_ROOT/$VERSION/cmd/api/Dockerfile" ]]; then
  api_tags=$(dockerfile_tags "$REPO_ROOT/$VERSION/cmd/api/Dockerfile")
fi
log "building $VERSION/cmd/api (tags: ${api_tags:-none}) and scripts/bench/cmd/barehello"
build "$REPO_ROOT/$VERSION" ./cmd/api "$work/api" "$api_tags" || die "cannot build $VERSION/cmd/api"
build "$SCRIPT_DIR" ./cmd/barehello "$work/barehello" "" || die "cannot build cmd/barehello"

# --- start -------------------------------------------------------------------
api_port=$(free_port)
bare_port=$(free_port)
while [[ $bare_port == "$api_port" ]]; do bare_port=$(free_port); done
plain_port=$(free_port)
while [[ $plain_port == "$api_port" || $plain_port == "$bare_port" ]]; do plain_port=$(free_port); done
# The API logs every request as JSON on stdout; that cost is part of "all
# middleware" and stays. The output itself goes to /dev/null so the disk is
# not measured (API_LOG=file keeps it for debugging start-up).
api_out=/dev/null
[[ "${API_LOG:-}" == file ]] && api_out=$work/api.log
JOURNEY_PORT=$api_port JOURNEY_ENV=production JOURNEY_LOG_LEVEL=$API_LOG_LEVEL \
  "${server_cpu[@]}" "$work/api" >"$api_out" 2>&1 &
pids+=($!)
api_pid=$!
"${server_cpu[@]}" "$work/barehello" -addr "127.0.0.1:$bare_port" >"$work/bare.log" 2>&1 &
pids+=($!)
bare_pid=$!
"${server_cpu[@]}" "$work/barehello" -addr "127.0.0.1:$plain_port" -timeouts=false >"$work/plain.log" 2>&1 &
pids+=($!)
plain_pid=$!
wait_ready api "$api_pid" "http://127.0.0.1:$api_port"
wait_ready bare "$bare_pid" "http://127.0.0.1:$bare_port"
wait_ready plain "$plain_pid" "http://127.0.0.1:$plain_port"

# Same body shape from both, or the comparison is meaningless.
api_body=$(curl -fsS "http://127.0.0.1:$api_port$PATH_QUERY")
bare_body=$(curl -fsS "http://127.0.0.1:$bare_port$PATH_QUERY")
[[ "$api_body" == "$bare_body" ]] || die "bodies differ: api=$api_body bare=$bare_body"
log "both answer $api_body"

# --- measure -----------------------------------------------------------------
# Other work on the machine skews both servers, though not always equally:
# record the load so a reader can judge the numbers.
load_before=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)
if awk -v l="${load_before%% *}" -v n="$ncpu" 'BEGIN { exit !(l + 0 > n * 0.5) }'; then
  log "warning: load average $load_before on $ncpu CPUs; numbers will be noisy"
fi
wrk_cmd=(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency)

# to_ms converts a wrk latency like 512.00us, 1.23ms or 1.01s to milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
    else if (v ~ /m$/) { sub(/m$/, "", v); printf "%.3f", v * 60000 }
    else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 }
    else { exit 1 }
  }'
}

# run_wrk NAME URL OUT: one measured run; prints "rps p50_ms p99_ms".
run_wrk() {
  local name=$1 url=$2 out=$3 rps p50 p99 non2xx sockerr
  "${wrk_cpu[@]}" "${wrk_cmd[@]}" "$url" >"$out" 2>&1 || die "wrk failed for $name: $(cat "$out")"
  non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$out")
  sockerr=$(awk '/Socket errors:/ { n = 0; for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) n += $i + 0; print n }' "$out")
  [[ -z "$non2xx" || "$non2xx" == 0 ]] || die "$name: $non2xx non-2xx responses (see below)"$'\n'"$(cat "$out")"
  [[ -z "$sockerr" || "$sockerr" == 0 ]] || die "$name: socket errors (see below)"$'\n'"$(cat "$out")"
  rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
  p50=$(awk '$1 == "50%" { print $2 }' "$out")
  p99=$(awk '$1 == "99%" { print $2 }' "$out")
  [[ -n "$rps" && -n "$p50" && -n "$p99" ]] || die "cannot parse wrk output for $name: $(cat "$out")"
  printf '%s %s %s\n' "$rps" "$(to_ms "$p50")" "$(to_ms "$p99")"
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

servers=(api bare plain)
declare -A url=(
  [api]="http://127.0.0.1:$api_port$PATH_QUERY"
  [bare]="http://127.0.0.1:$bare_port$PATH_QUERY"
  [plain]="http://127.0.0.1:$plain_port$PATH_QUERY"
)
log "warm-up: $WARMUP per server"
for s in "${servers[@]}"; do
  "${wrk_cpu[@]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" "${url[$s]}" >/dev/null
done

for s in "${servers[@]}"; do : >"$work/$s.results"; done
: >"$work/ratios"       # api / bare: the target
: >"$work/ratios-plain" # api / plain and bare / plain: for orientation
last_rps() { tail -n1 "$work/$1.results" | cut -d' ' -f1; }
for round in $(seq 1 "$ROUNDS"); do
  # Rotate the order so drift (thermal, noisy neighbours) hits all alike.
  k=$(((round - 1) % ${#servers[@]}))
  order=("${servers[@]:k}" "${servers[@]:0:k}")
  for s in "${order[@]}"; do
    r=$(run_wrk "$s" "${url[$s]}" "$work/wrk-$s-$round.txt")
    printf '%s\n' "$r" >>"$work/$s.results"
    log "round $round/$ROUNDS $s: req/s p50(ms) p99(ms) = $r"
  done
  # The ratio of the adjacent runs of one round is less exposed to drift
  # across the whole run than the ratio of the medians; both are reported.
  awk -v a="$(last_rps api)" -v b="$(last_rps bare)" 'BEGIN { printf "%.2f\n", a / b }' >>"$work/ratios"
  awk -v a="$(last_rps api)" -v b="$(last_rps bare)" -v p="$(last_rps plain)" \
    'BEGIN { printf "%.2f %.2f\n", a / p, b / p }' >>"$work/ratios-plain"
done
kill -0 "$api_pid" 2>/dev/null || die "the API died during the run"
kill -0 "$bare_pid" 2>/dev/null || die "barehello died during the run"
kill -0 "$plain_pid" 2>/dev/null || die "barehello -timeouts=false died during the run"

col() { awk -v c="$1" '{ print $c }' "$work/$2.results" | median; }
api_rps=$(col 1 api) api_p50=$(col 2 api) api_p99=$(col 3 api)
bare_rps=$(col 1 bare) bare_p50=$(col 2 bare) bare_p99=$(col 3 bare)
plain_rps=$(col 1 plain) plain_p50=$(col 2 plain) plain_p99=$(col 3 plain)
ratio_of_medians=$(awk -v a="$api_rps" -v b="$bare_rps" 'BEGIN { printf "%.2f", a / b }')
round_ratios=$(paste -sd' ' "$work/ratios")
# The headline ratio is the median of the per-round ratios: the runs of a
# round are seconds apart, so load from elsewhere hits them about equally,
# while the medians of each column may come from different minutes.
ratio=$(median <"$work/ratios")
ratio=$(awk -v r="$ratio" 'BEGIN { printf "%.2f", r }')
api_plain=$(cut -d' ' -f1 "$work/ratios-plain" | median | awk '{ printf "%.2f", $1 }')
bare_plain=$(cut -d' ' -f2 "$work/ratios-plain" | median | awk '{ printf "%.2f", $1 }')
met=$(awk -v r="$ratio" -v t="$TARGET" 'BEGIN { print (r + 0 >= t + 0) ? "yes" : "no" }')

cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
cpu_model=${cpu_model:-unknown}
go_version=$(go env GOVERSION)
wrk_version=$(wrk -v 2>&1 | awk 'NR == 1 { print $1, $2 }' || true)
kernel=$(uname -r)
today=$(date -u +%Y-%m-%d)
round_nums() { awk -v v="$1" -v d="$2" 'BEGIN { printf "%.*f", d, v }'; }
if [[ $PIN == 1 ]]; then
  pin_note="服务端 \`taskset -c 0\`（单核，Go 运行时据此取 GOMAXPROCS=1），wrk \`taskset -c 1\`"
  cmd_line="taskset -c 1 ${wrk_cmd[*]} http://127.0.0.1:<port>$PATH_QUERY"
else
  pin_note="未绑核（服务端与 wrk 共用 $ncpu 个 CPU）"
  cmd_line="${wrk_cmd[*]} http://127.0.0.1:<port>$PATH_QUERY"
fi
if [[ $met == yes ]]; then verdict="✅ 达标（$ratio ≥ $TARGET）"; else verdict="❌ 未达标（$ratio < $TARGET）"; fi

printf '\n%-28s %12s %10s %10s\n' server 'req/s' 'p50(ms)' 'p99(ms)'
printf '%-28s %12s %10s %10s\n' "$VERSION api (gin+middleware)" "$api_rps" "$api_p50" "$api_p99"
printf '%-28s %12s %10s %10s\n' "bare net/http" "$bare_rps" "$bare_p50" "$bare_p99"
printf '%-28s %12s %10s %10s\n' "bare, no read/write timeouts" "$plain_rps" "$plain_p50" "$plain_p99"
printf 'ratio api/bare = %s (median of per-round ratios %s; ratio of medians %s); target >= %s: %s; pinned=%s\n' \
  "$ratio" "$round_ratios" "$ratio_of_medians" "$TARGET" "$met" "$PIN"
printf 'for orientation (medians of per-round ratios): api/plain = %s, bare/plain = %s\n' "$api_plain" "$bare_plain"

[[ "${NO_WRITE:-0}" == 1 ]] && exit 0

# --- docs/benchmarks.md ------------------------------------------------------
begin="<!-- BEGIN bench $VERSION hello: generated by scripts/bench/hello.sh, do not edit by hand -->"
end="<!-- END bench $VERSION hello -->"
section=$work/section.md
# Backticks below are Markdown code spans, not command substitutions.
# shellcheck disable=SC2016
{
  printf '%s\n' "$begin"
  printf '| 服务 | req/s（中位数） | p50 | p99 |\n'
  printf '|---|---:|---:|---:|\n'
  printf '| %s API：gin + 全部中间件（recovery、request ID、zap JSON 访问日志、Prometheus 指标） | %s | %s ms | %s ms |\n' \
    "$VERSION" "$(round_nums "$api_rps" 0)" "$(round_nums "$api_p50" 2)" "$(round_nums "$api_p99" 2)"
  printf '| 裸 net/http（[cmd/barehello](../scripts/bench/cmd/barehello/main.go)，同样的 JSON 与 name 校验，与 API 相同的 `http.Server` 超时） | %s | %s ms | %s ms |\n' \
    "$(round_nums "$bare_rps" 0)" "$(round_nums "$bare_p50" 2)" "$(round_nums "$bare_p99" 2)"
  printf '| **比值 API / 裸**（req/s，逐轮比值的中位数） | **%s** | | |\n' "$ratio"
  printf '| 对照：裸 net/http，只设 `ReadHeaderTimeout`（`barehello -timeouts=false`） | %s | %s ms | %s ms |\n\n' \
    "$(round_nums "$plain_rps" 0)" "$(round_nums "$plain_p50" 2)" "$(round_nums "$plain_p99" 2)"
  printf -- '- 目标：比值 ≥ %s —— %s\n' "$TARGET" "$verdict"
  printf -- '- 逐轮比值（同一轮内相邻测量之比；它们只隔几秒，机器上其他负载对二者的影响相近）：%s；作为对照，两列中位数之比为 %s\n' "$round_ratios" "$ratio_of_medians"
  printf -- '- 对照（逐轮比值的中位数）：API / 只设 ReadHeaderTimeout 的裸服务 = %s；读写超时本身让裸服务降到 %s（每个请求都要重设读写 deadline，即运行时定时器）\n' "$api_plain" "$bare_plain"
  printf -- '- 机器：%s 核，%s；Linux %s；%s；%s\n' "$ncpu" "$cpu_model" "$kernel" "$go_version" "$wrk_version"
  printf -- '- 日期：%s（UTC）；开始测量前的负载（1/5/15 分钟平均）：%s\n' "$today" "$load_before"
  printf -- '- 绑核：%s\n' "$pin_note"
  printf -- '- 命令：`scripts/bench/hello.sh`，其中每次测量为 `%s`；预热每个服务 %s；%s 轮轮换顺序测量（每轮三个服务各测一次，起始服务依次轮换），表中每一列取各轮中位数\n' \
    "$cmd_line" "$WARMUP" "$ROUNDS"
  printf -- '- 两个二进制都按镜像的方式构建（`CGO_ENABLED=0 go build -trimpath -ldflags "-s -w"`，`GOWORK=off`；API 另加其 Dockerfile 里的 build tags：%s）；API 以 `JOURNEY_ENV=production JOURNEY_LOG_LEVEL=%s` 运行（info：每个请求都编码一行 JSON 访问日志，按生产配置缓冲后写出，输出重定向到 /dev/null；编码与 write 系统调用的开销计入）\n' "${api_tags:-无}" "$API_LOG_LEVEL"
  printf -- '- 任一次测量出现 Non-2xx 响应或 socket 错误即判失败（wrk 本身在这种情况下仍返回 0）\n'
  printf '%s\n' "$end"
} >"$section"

if [[ ! -f "$DOC" ]]; then
  mkdir -p "$(dirname "$DOC")"
  cat >"$DOC" <<'EOF'
# 性能基准

每个版本一节，后面的版本在末尾追加自己的一节。各节中两条 `BEGIN bench`/`END bench`
注释之间的内容由脚本生成（例如 v0.1 的 `scripts/bench/hello.sh`，即 `make bench`），
重跑脚本只替换这一段，不要手工修改；注释之外的说明可以手写。

这些数字用于相对比较（同一台机器、同一次运行里的比值），不是绝对性能承诺：换一台机器，
req/s 会变，比值通常更稳定。
EOF
fi
if grep -qF "$begin" "$DOC"; then
  awk -v b="$begin" -v e="$end" -v f="$section" '
    $0 == b { while ((getline line < f) > 0) print line; skip = 1; next }
    $0 == e { skip = 0; next }
    !skip { print }
  ' "$DOC" >"$work/doc.md"
  cat "$work/doc.md" >"$DOC"
else
  # shellcheck disable=SC2016 # Markdown backticks
  {
    printf '\n## %s 基础版：`/api/v1/hello` 对比裸 net/http\n\n' "$VERSION"
    printf '问题：gin 加上 v0.1 的全部中间件之后，吞吐还剩裸 net/http 的多少？目标是不低于 %s。\n\n' "$TARGET"
    cat "$section"
  } >>"$DOC"
fi
log "updated $DOC"
