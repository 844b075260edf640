#!/usr/bin/env bash
# diff-versions.sh — what changed between two version folders, the way a
# reader wants to see it (what `make diff A=v0.1 B=v0.2` runs).
#
#   scripts/diff-versions.sh [--all] [--color=auto|always|never] vA vB
#
# vA and vB are version folder names under the repository root (v0.1) or paths
# to folders (/tmp/x/v0.1). Prints a summary per area (files added, removed and
# changed, lines +/-) and the added (A), removed (D) and changed (M) files, then
# unified diffs in the order a lesson reads: manifests (k8s/, then addons/), the
# capability's code (cmd/, internal/, configs/, go.mod, Dockerfiles; no tests),
# tests, scripts, docs. Added files are shown in full.
#
# Skipped: go.sum (noise); README.md and blog/ unless --all (posts are per
# version by design, and the README retells the lesson in prose).
# Normalised: vA's version token (v0.2, v0-2), module path and any other
# "cloudnative-go-journey/vA/" path are replaced with vB's before comparing, so
# a file that differs only by them is "unchanged (version only)". ANCHOR and
# ANCHOR_END marker lines (where posts cut their includes) are left out on both
# sides: a version drops the markers its posts do not use.
#
# Colour: auto (default) colours when stdout is a terminal; NO_COLOR disables.
# Exit status: 0 when the comparison ran (whether or not anything changed),
# 2 on bad usage or a missing folder. DEBUG=1 turns on set -x.
set -euo pipefail
if [[ "${DEBUG:-0}" == 1 ]]; then set -x; fi

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=${DIFF_ROOT:-$(cd "$SCRIPT_DIR/.." && pwd)}

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
}
die() {
  printf 'diff-versions.sh: error: %s\n' "$*" >&2
  exit 2
}

color=auto
all=0
args=()
for arg in "$@"; do
  case "$arg" in
    -h | --help) usage; exit 0 ;;
    --color) color=always ;;
    --color=*) color=${arg#--color=} ;;
    --no-color) color=never ;;
    --all) all=1 ;;
    -*) die "unknown option $arg (see --help)" ;;
    *) args+=("$arg") ;;
  esac
done
[[ ${#args[@]} -eq 2 ]] || { usage >&2; die "want exactly two versions, e.g. diff-versions.sh v0.1 v0.2"; }
case "$color" in
  always) use_color=1 ;;
  never) use_color=0 ;;
  auto) if [[ -t 1 && -z "${NO_COLOR:-}" ]]; then use_color=1; else use_color=0; fi ;;
  *) die "--color must be auto, always or never, not '$color'" ;;
esac

# resolve prints the folder for a version name or a path.
resolve() {
  local arg=${1%/} dir
  if [[ "$arg" == */* || "$arg" == . || "$arg" == .. ]]; then dir=$arg; else dir=$ROOT/$arg; fi
  [[ -d "$dir" ]] || die "version folder '$dir' does not exist"
  (cd "$dir" && pwd)
}
dir_a=$(resolve "${args[0]}")
dir_b=$(resolve "${args[1]}")
name_a=$(basename "$dir_a")
name_b=$(basename "$dir_b")

if [[ $use_color == 1 ]]; then
  c_bold=$'\e[1m' c_red=$'\e[31m' c_green=$'\e[32m' c_yellow=$'\e[33m' c_cyan=$'\e[36m' c_off=$'\e[0m'
  diff_color=--color=always
else
  c_bold='' c_red='' c_green='' c_yellow='' c_cyan='' c_off=''
  diff_color=--color=never
fi

# module_path prints the module path of a folder's go.mod ("" without one).
module_path() {
  [[ -f "$1/go.mod" ]] || return 0
  awk '$1 == "module" { gsub(/"/, "", $2); print $2; exit }' "$1/go.mod"
}

# Replacements applied to vA's text before comparing, as "from<TAB>to" lines.
subs=()
mod_a=$(module_path "$dir_a")
mod_b=$(module_path "$dir_b")
if [[ -n "$mod_a" && -n "$mod_b" && "$mod_a" != "$mod_b" ]]; then
  subs+=("$mod_a"$'\t'"$mod_b")
fi
if [[ "$name_a" != "$name_b" ]]; then
  subs+=("cloudnative-go-journey/$name_a/"$'\t'"cloudnative-go-journey/$name_b/")
fi

# The version token itself, as a whole word: v0.2 (VERSION, image tags,
# labels) and v0-2 (cluster names); not v0.21, v0.2.1 or xv0.2. Each rule runs
# twice because a match consumes the character after it, which may start the
# next one ("v0.2 v0.2").
token_script=""
if [[ "$name_a" =~ ^v[0-9]+\.[0-9]+$ && "$name_b" =~ ^v[0-9]+\.[0-9]+$ && "$name_a" != "$name_b" ]]; then
  for pair in "$name_a $name_b" "${name_a/./-} ${name_b/./-}"; do
    from=${pair% *} to=${pair#* }
    rule="s/(^|[^[:alnum:]_.])${from//./\\.}([^[:alnum:]_.]|\\.[^0-9]|\\.?\$)/\\1$to\\2/g;"
    token_script+="$rule$rule"
  done
fi

# sed_escape escapes a fixed string for use in a sed s||| pattern or replacement.
sed_escape() { printf '%s' "$1" | sed -e 's/[]|\\.*^$[&]/\\&/g'; }
sed_script=""
for s in "${subs[@]+"${subs[@]}"}"; do
  from=${s%%$'\t'*}
  to=${s#*$'\t'}
  sed_script+="s|$(sed_escape "$from")|$(sed_escape "$to")|g;"
done

# list_files prints the compared files of a folder, relative and sorted.
list_files() {
  local prune=(-path ./blog -o)
  [[ $all == 1 ]] && prune=()
  (cd "$1" && find . \( "${prune[@]}" -name .git \) -prune -o -type f ! -name go.sum -print |
    sed 's|^\./||' | { if [[ $all == 1 ]]; then cat; else grep -vx README.md || true; fi; } | LC_ALL=C sort)
}

is_text() { [[ ! -s "$1" ]] || grep -Iq . "$1"; }

# category orders the areas as a lesson reads; the name is printed as the header.
category() {
  case "$1" in
    k8s/*) echo "1 Manifests" ;;
    addons/*) echo "1b Add-ons" ;; # third-party manifests, after ours
    *_test.go | */testdata/* | testdata/* | */testutil/*) echo "3 Tests" ;;
    cmd/* | internal/* | configs/* | pkg/* | go.mod | *.go | Dockerfile | */Dockerfile | .dockerignore | */.dockerignore) echo "2 Code" ;;
    scripts/* | *.sh | Makefile) echo "4 Scripts" ;;
    *) echo "5 Docs" ;;
  esac
}

work=$(mktemp -d "${TMPDIR:-/tmp}/diff-versions.XXXXXX")
trap 'rm -rf "$work"' EXIT
list_files "$dir_a" >"$work/files-a"
list_files "$dir_b" >"$work/files-b"
LC_ALL=C comm -13 "$work/files-a" "$work/files-b" >"$work/added"
LC_ALL=C comm -23 "$work/files-a" "$work/files-b" >"$work/removed"
LC_ALL=C comm -12 "$work/files-a" "$work/files-b" >"$work/common"

# strip_anchors drops include marker lines ("// ANCHOR: name", "# ANCHOR_END:
# name"), squeezes the blank lines a dropped marker leaves doubled and drops
# blank lines at the start and end.
strip_anchors() {
  awk '/^[[:space:]]*(\/\/|#|<!--)[[:space:]]*ANCHOR(_END)?:[[:space:]]*[A-Za-z0-9_.-]+/ { next }
    /^$/ { blank++; next }
    { if (blank && printed) print ""; blank = 0; printed = 1; print }'
}

# norm_a prints vA's file with the module path and the version token normalised.
norm_a() {
  local f=$1 out=$work/a/$1
  mkdir -p "$(dirname "$out")"
  if is_text "$dir_a/$f"; then
    sed -e "${sed_script:-p;d}" "$dir_a/$f" | sed -E -e "${token_script:-p;d}" | strip_anchors >"$out"
  else
    cp "$dir_a/$f" "$out"
  fi
  printf '%s\n' "$out"
}

# norm_b prints vB's file without anchor markers.
norm_b() {
  local f=$1 out=$work/b/$1
  mkdir -p "$(dirname "$out")"
  if is_text "$dir_b/$f"; then strip_anchors <"$dir_b/$f" >"$out"; else cp "$dir_b/$f" "$out"; fi
  printf '%s\n' "$out"
}

# counts prints "+added -removed" lines of a unified diff read from stdin.
counts() {
  awk '/^\+\+\+ |^--- / { next } /^\+/ { a++ } /^-/ { d++ } END { printf "+%d -%d", a, d }'
}

: >"$work/changed"
: >"$work/version-only"
unchanged=0
while IFS= read -r f; do
  a=$(norm_a "$f")
  b=$(norm_b "$f")
  if cmp -s "$a" "$b"; then
    unchanged=$((unchanged + 1))
    cmp -s "$dir_a/$f" "$dir_b/$f" || printf '%s\n' "$f" >>"$work/version-only"
  else
    printf '%s\n' "$f" >>"$work/changed"
  fi
done <"$work/common"

n_added=$(wc -l <"$work/added")
n_removed=$(wc -l <"$work/removed")
n_changed=$(wc -l <"$work/changed")

# Folders inside the repository are shown relative to it, so the output reads the same on every machine.
printf '%s%s → %s%s  (%s → %s)\n' "$c_bold" "$name_a" "$name_b" "$c_off" "${dir_a#"$ROOT"/}" "${dir_b#"$ROOT"/}"
for s in "${subs[@]+"${subs[@]}"}"; do
  printf 'normalised: %s → %s\n' "${s%%$'\t'*}" "${s#*$'\t'}"
done
if [[ -n "$token_script" ]]; then printf 'normalised: %s → %s, %s → %s\n' "$name_a" "$name_b" "${name_a/./-}" "${name_b/./-}"; fi
if [[ $all == 1 ]]; then printf 'skipped: go.sum\n\n'; else printf 'skipped: go.sum, README.md, blog/ (--all shows them)\n\n'; fi
n_version_only=$(wc -l <"$work/version-only")
printf '%sSummary: %d added, %d removed, %d changed, %d unchanged (%d of them version only)%s\n' \
  "$c_bold" "$n_added" "$n_removed" "$n_changed" "$unchanged" "$n_version_only" "$c_off"

# udiff prints a unified diff of $1 and $2 labelled $3 and $4 (exit 1 = differ).
udiff() { diff -u "$diff_color" --label "$3" --label "$4" "$1" "$2" || [[ $? -eq 1 ]]; }

# One sorted stream of "category<TAB>status<TAB>file" drives both the
# summary lines and the diff sections.
{
  while IFS= read -r f; do printf '%s\tA\t%s\n' "$(category "$f")" "$f"; done <"$work/added"
  while IFS= read -r f; do printf '%s\tD\t%s\n' "$(category "$f")" "$f"; done <"$work/removed"
  while IFS= read -r f; do printf '%s\tM\t%s\n' "$(category "$f")" "$f"; done <"$work/changed"
} | LC_ALL=C sort -t $'\t' -k1,1 -k3,3 >"$work/by-file"

# Per area: files and lines, so a reader sees where the lesson is before reading it.
: >"$work/lines"
while IFS=$'\t' read -r cat st f; do
  if [[ $st == A ]] && is_text "$dir_b/$f"; then
    printf '%s\t%d\t0\n' "$cat" "$(wc -l <"$dir_b/$f")"
  elif [[ $st == D ]] && is_text "$dir_a/$f"; then
    printf '%s\t0\t%d\n' "$cat" "$(wc -l <"$dir_a/$f")"
  elif [[ $st == M ]]; then
    { diff -u "$work/a/$f" "$work/b/$f" || true; } | counts | awk -v c="$cat" '{ sub(/^\+/, "", $1); sub(/^-/, "", $2); printf "%s\t%d\t%d\n", c, $1, $2 }'
  fi >>"$work/lines"
done <"$work/by-file"
awk -F'\t' 'NR == FNR { add[$1] += $2; del[$1] += $3; next }
  { n[$1]++; s[$1, $2]++ }
  END { for (c in n) { name = c; sub(/^[^ ]* /, "", name)
      printf "  %-10s %2d added, %2d removed, %2d changed  (+%d -%d)\n", name, s[c, "A"], s[c, "D"], s[c, "M"], add[c], del[c] } }' \
  "$work/lines" "$work/by-file" >"$work/areas"
# In the areas' lesson order, not alphabetically.
while IFS=$'\t' read -r cat _; do printf '%s\n' "${cat#* }"; done <"$work/by-file" | uniq | while IFS= read -r area; do
  grep -E "^  $area " "$work/areas" || true
done

while IFS=$'\t' read -r _ st f; do
  case "$st" in
    A) col=$c_green; what=$(if is_text "$dir_b/$f"; then printf '+%d' "$(wc -l <"$dir_b/$f")"; else echo binary; fi) ;;
    D) col=$c_red; what=$(if is_text "$dir_a/$f"; then printf -- '-%d' "$(wc -l <"$dir_a/$f")"; else echo binary; fi) ;;
    M)
      col=$c_yellow
      if is_text "$dir_a/$f" && is_text "$dir_b/$f"; then
        what=$(diff -u "$work/a/$f" "$work/b/$f" | counts || true)
      else
        what=binary
      fi
      ;;
  esac
  printf '  %s%s%s  %s  (%s)\n' "$col" "$st" "$c_off" "$f" "$what"
done <"$work/by-file"

[[ $((n_added + n_changed + n_removed)) -gt 0 ]] || { printf '\nNo differences.\n'; exit 0; }

cp "$work/by-file" "$work/by-category"
current=""
while IFS=$'\t' read -r cat st f; do
  if [[ "$cat" != "$current" ]]; then
    current=$cat
    printf '\n%s=== %s ===%s\n' "$c_cyan$c_bold" "${cat#* }" "$c_off"
  fi
  case "$st" in
    D) printf '%sdeleted: %s%s\n' "$c_red" "$f" "$c_off" ;;
    A)
      if is_text "$dir_b/$f"; then udiff /dev/null "$dir_b/$f" /dev/null "b/$f"; else printf 'added binary file: %s\n' "$f"; fi
      ;;
    M)
      if is_text "$work/a/$f" && is_text "$work/b/$f"; then
        udiff "$work/a/$f" "$work/b/$f" "a/$f" "b/$f"
      else
        printf 'binary files a/%s and b/%s differ\n' "$f" "$f"
      fi
      ;;
  esac
done <"$work/by-category"
