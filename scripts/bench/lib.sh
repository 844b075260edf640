# shellcheck shell=bash
# lib.sh — helpers shared by the benchmark scripts in this folder. Sourced,
# not run; the caller defines die().

# bench_setup NAME makes a temp dir $work and arranges for it, and for every
# process whose pid the caller appends to $pids, to go away on exit.
bench_setup() {
  work=$(mktemp -d "${TMPDIR:-/tmp}/bench-$1.XXXXXX")
  pids=()
  trap bench_cleanup EXIT
}

bench_cleanup() {
  local pid
  for pid in "${pids[@]+"${pids[@]}"}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}

# free_port prints a TCP port nobody listens on at 127.0.0.1.
free_port() {
  local port i
  for i in $(seq 1 50); do
    port=$((20000 + (RANDOM * 32768 + RANDOM + i) % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      printf '%d\n' "$port"
      return
    fi
  done
  die "no free port found"
}

# dockerfile_tags DOCKERFILE prints the -tags value of its go build (empty
# when it has none), so a benchmark measures the binary the image ships.
dockerfile_tags() {
  grep -vE '^[[:space:]]*#' "$1" |
    grep -oE -- '-tags[ =]"?[A-Za-z0-9_.,-]+' | head -n1 | sed -E 's/^-tags[ =]"?//' || true
}
