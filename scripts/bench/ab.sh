#!/usr/bin/env bash
# ab.sh — compare two revisions of a version's API on /api/v1/hello, pairwise:
# both builds run side by side on 127.0.0.1 and are measured in turn, so load
# from elsewhere on the machine hits them alike. Prints the per-round req/s
# ratio B/A and its median. Writes no docs: it answers "did this change make
# the API faster?", which hello.sh's ratio to a bare server is too noisy for.
#
#   scripts/bench/ab.sh REV_A REV_B          # e.g. ab.sh HEAD~3 HEAD
#   VERSION=v0.2 ROUNDS=15 scripts/bench/ab.sh main my-branch
#
# Each revision's $VERSION/cmd/api is built like its image (CGO_ENABLED=0,
# -trimpath, -s -w, the Dockerfile's build tags) from `git archive`, so the
# working tree is never touched. With >= 2 CPUs both servers run on CPU 0
# and wrk on CPU 1, as in hello.sh. Any non-2xx response fails the run.
# DEBUG=1 turns on set -x.
set -euo pipefail
if [[ "${DEBUG:-0}" == 1 ]]; then set -x; fi

VERSION=${VERSION:-v0.1}
ROUNDS=${ROUNDS:-11}
DURATION=${DURATION:-5s}
CONNECTIONS=${CONNECTIONS:-64}
PATH_QUERY="/api/v1/hello?name=bench"

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)

die() { printf 'ab.sh: error: %s\n' "$*" >&2; exit 1; }
log() { printf '==> %s\n' "$*" >&2; }

[[ $# -eq 2 ]] || die "usage: ab.sh REV_A REV_B (see the header of this script)"
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer, not '$ROUNDS'"
for tool in go git wrk curl awk; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found (wrk: apt-get install -y wrk)"
done
pin_server=() pin_wrk=()
if [[ $(nproc) -ge 2 ]] && command -v taskset >/dev/null 2>&1; then
  pin_server=(taskset -c 0) pin_wrk=(taskset -c 1)
fi

# shellcheck source=lib.sh
. "$SCRIPT_DIR/lib.sh"
bench_setup ab

# build REV NAME: $work/NAME is the API of $VERSION at REV.
build() {
  local rev=$1 name=$2 src=$work/src-$2 tags
  git -C "$REPO_ROOT" rev-parse --verify --quiet "$rev^{commit}" >/dev/null || die "'$rev' is not a revision"
  mkdir -p "$src"
  git -C "$REPO_ROOT" archive "$rev" "$VERSION" | tar -x -C "$src" || die "$VERSION does not exist at $rev"
  tags=$(dockerfile_tags "$src/$VERSION/cmd/api/Dockerfile")
  log "building $VERSION/cmd/api at $rev ($(git -C "$REPO_ROOT" rev-parse --short "$rev"), tags: ${tags:-none})"
  (cd "$src/$VERSION" && GOWORK=off CGO_ENABLED=0 go build -trimpath -tags "$tags" -ldflags "-s -w" -o "$work/$name" ./cmd/api)
}

# start NAME PORT: run $work/NAME in production mode, its log to /dev/null.
start() {
  local name=$1 port=$2 i
  JOURNEY_PORT=$port JOURNEY_ENV=production JOURNEY_LOG_LEVEL=info "${pin_server[@]}" "$work/$name" >/dev/null 2>&1 &
  pids+=($!)
  for i in $(seq 1 100); do
    curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$port/ready" 2>/dev/null && return
    sleep 0.1
  done
  die "$name did not become ready on port $port"
}

# rps PORT: one measured run's req/s; fails on any non-2xx or socket error.
rps() {
  local out
  out=$("${pin_wrk[@]}" wrk -t1 -c"$CONNECTIONS" -d"$DURATION" "http://127.0.0.1:$1$PATH_QUERY")
  if grep -qE 'Non-2xx|Socket errors' <<<"$out"; then die "errors during the run:"$'\n'"$out"; fi
  awk '/^Requests\/sec:/ { print $2 }' <<<"$out"
}

build "$1" a
build "$2" b
port_a=$(free_port)
port_b=$(free_port)
while [[ $port_b == "$port_a" ]]; do port_b=$(free_port); done
start a "$port_a"
start b "$port_b"
log "warm-up"
rps "$port_a" >/dev/null
rps "$port_b" >/dev/null

: >"$work/ratios"
for round in $(seq 1 "$ROUNDS"); do
  # Alternate the order so drift hits both alike.
  if ((round % 2)); then a=$(rps "$port_a"); b=$(rps "$port_b"); else b=$(rps "$port_b"); a=$(rps "$port_a"); fi
  ratio=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", b / a }')
  printf '%s\n' "$ratio" >>"$work/ratios"
  log "round $round/$ROUNDS: A $a req/s, B $b req/s, B/A $ratio"
done
median=$(sort -g "$work/ratios" | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
printf '%s API /api/v1/hello, B = %s vs A = %s: median of %s per-round req/s ratios B/A = %s (rounds: %s)\n' \
  "$VERSION" "$2" "$1" "$ROUNDS" "$median" "$(paste -sd' ' "$work/ratios")"
