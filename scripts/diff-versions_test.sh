#!/usr/bin/env bash
# diff-versions_test.sh — tests for scripts/diff-versions.sh on two small
# synthetic version folders (and, when v0.1 exists, on a renamed copy of it).
# Exits non-zero on the first failed assertion. DEBUG=1 turns on set -x.
set -euo pipefail
if [[ "${DEBUG:-0}" == 1 ]]; then set -x; fi

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DIFF=$SCRIPT_DIR/diff-versions.sh
REPO_ROOT=$(cd "$SCRIPT_DIR/.." && pwd)
MOD=github.com/cloudnative-go-journey/cloudnative-go-journey

tmp=$(mktemp -d "${TMPDIR:-/tmp}/diff-versions-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
  printf 'FAIL %s: %s\n' "$case_name" "$*" >&2
  failures=$((failures + 1))
}
# has / lacks assert that a whole line (fixed string) is / is not in $out.
has() { grep -qxF -- "$1" <<<"$out" || fail "want line: $1"; }
# lacks looks only below the header (which names the normalised and skipped
# paths on purpose).
lacks() { ! sed -n '/^Summary: /,$p' <<<"$out" | grep -qF -- "$1" || fail "want no text below the header: $1"; }

# --- fixture: v0.1 and a v0.2 derived from it -------------------------------
a=$tmp/root/v0.1
mkdir -p "$a/cmd/api" "$a/internal/server" "$a/k8s/api" "$a/blog" "$a/scripts"
cat >"$a/go.mod" <<EOF
module $MOD/v0.1/journey

go 1.26.0
EOF
echo "example.com/x v1.0.0 h1:aaa=" >"$a/go.sum"
cat >"$a/cmd/api/main.go" <<EOF
package main

import (
	"log"

	"$MOD/v0.1/journey/internal/server"
)

func main() {
	log.Println(server.Hello())
}
EOF
cat >"$a/internal/server/hello.go" <<'EOF'
package server

// Hello greets.
func Hello() string { return "hello" }
EOF
cat >"$a/internal/server/old.go" <<'EOF'
package server

const old = 1
EOF
cat >"$a/k8s/api/deployment.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: 2
EOF
printf 'FROM scratch\n' >"$a/cmd/api/Dockerfile"
printf '#!/usr/bin/env bash\necho deploy\n' >"$a/scripts/deploy.sh"
printf '# 01 post\n' >"$a/blog/01-post.md"
printf '# v0.1\n' >"$a/README.md"

b=$tmp/root/v0.2
cp -a "$a" "$b"
sed -i "s|$MOD/v0.1/journey|$MOD/v0.2/journey|" "$b/go.mod" "$b/cmd/api/main.go"
sed -i 's/replicas: 2/replicas: 3/' "$b/k8s/api/deployment.yaml"
sed -i 's|log.Println(server.Hello())|log.Println(server.Hello(), "v0.2")|' "$b/cmd/api/main.go"
rm "$b/internal/server/old.go"
mkdir -p "$b/internal/cache"
printf 'package cache\n\n// Size is new in v0.2.\nconst Size = 128\n' >"$b/internal/cache/cache.go"
echo "example.com/y v1.0.0 h1:bbb=" >>"$b/go.sum"          # must be ignored
printf '# 04 another post\n' >"$b/blog/04-post.md"         # must be ignored
printf '# 01 post, edited\n' >"$b/blog/01-post.md"         # must be ignored

# --- cases --------------------------------------------------------------------
case_name=summary-and-diffs
out=$(DIFF_ROOT=$tmp/root "$DIFF" v0.1 v0.2)
has "Summary: 1 added, 1 removed, 2 changed, 4 unchanged (1 of them version only)"
has "  A  internal/cache/cache.go  (+4)"
has "  D  internal/server/old.go  (-3)"
has "  M  cmd/api/main.go  (+1 -1)"
has "  M  k8s/api/deployment.yaml  (+1 -1)"
has "normalised: $MOD/v0.1/journey → $MOD/v0.2/journey"
has "=== Code ==="
has "=== Manifests ==="
has "+	log.Println(server.Hello(), \"v0.2\")"
has "-	log.Println(server.Hello())"
has "+  replicas: 3"
has "+const Size = 128"
has "deleted: internal/server/old.go"
lacks "$MOD/v0.1/journey"   # import and module lines are normalised away
lacks "go.sum"
lacks "blog/"
lacks "README.md"
lacks $'\e['                # not a terminal: no colour

case_name=paths-instead-of-names
out=$("$DIFF" "$a" "$b/")
has "Summary: 1 added, 1 removed, 2 changed, 4 unchanged (1 of them version only)"

case_name=lesson-order
out=$(DIFF_ROOT=$tmp/root "$DIFF" v0.1 v0.2)
order=$(grep -E '^=== ' <<<"$out" | tr '\n' ' ')
[[ $order == "=== Manifests === === Code === " ]] || fail "want sections Manifests then Code, got: $order"
has "  Manifests   0 added,  0 removed,  1 changed  (+1 -1)"
has "  Code        1 added,  1 removed,  1 changed  (+5 -4)"

case_name=version-token-only
d=$tmp/token
mkdir -p "$d"
cp -a "$a" "$d/v0.1"
cp -a "$b" "$d/v0.2"
printf 'image: journey/api:v0.1 # cluster journey-v0-1; v0.1. not v0.12 or v0.1.5\n' >"$d/v0.1/k8s/api/tag.yaml"
printf 'image: journey/api:v0.2 # cluster journey-v0-2; v0.2. not v0.12 or v0.1.5\n' >"$d/v0.2/k8s/api/tag.yaml"
printf 'a v0.1 b\n' >"$d/v0.1/k8s/api/near.yaml"
printf 'a v0.2 b v0.12\n' >"$d/v0.2/k8s/api/near.yaml"
out=$(DIFF_ROOT=$d "$DIFF" v0.1 v0.2)
has "Summary: 1 added, 1 removed, 3 changed, 5 unchanged (2 of them version only)"
lacks "tag.yaml"            # differs only by the version token: unchanged
has "  M  k8s/api/near.yaml  (+1 -1)"

case_name=all-brings-readme-and-blog
out=$(DIFF_ROOT=$tmp/root "$DIFF" --all v0.1 v0.2)
has "skipped: go.sum"
grep -qE '^  [AM]  blog/0[14]-post.md' <<<"$out" || fail "want blog/ files listed with --all"

case_name=color-always
out=$(DIFF_ROOT=$tmp/root "$DIFF" --color=always v0.1 v0.2)
grep -qF $'\e[' <<<"$out" || fail "want ANSI colour codes with --color=always"

case_name=identical-after-normalisation
c=$tmp/same/v0.2
mkdir -p "$tmp/same"
cp -a "$a" "$c"
sed -i "s|$MOD/v0.1/journey|$MOD/v0.2/journey|" "$c/go.mod" "$c/cmd/api/main.go"
out=$("$DIFF" "$a" "$c")
has "Summary: 0 added, 0 removed, 0 changed, 7 unchanged (2 of them version only)"
has "No differences."

case_name=real-v0.1-renamed
if [[ -d "$REPO_ROOT/v0.1" ]]; then
  r=$tmp/real
  mkdir -p "$r"
  cp -a "$REPO_ROOT/v0.1" "$r/v0.1"
  cp -a "$REPO_ROOT/v0.1" "$r/v0.2"
  # A copy forward before any lesson: only the version token changes.
  grep -rlE 'v0[.-]1' "$r/v0.2" | xargs -r sed -i -E 's/v0\.1([^0-9.]|\.[^0-9]|\.?$)/v0.2\1/g; s/v0-1([^0-9]|$)/v0-2\1/g'
  ! grep -rqE 'v0[.-]1([^0-9.]|$)' "$r/v0.2" || fail "the copy still names v0.1"
  out=$(DIFF_ROOT=$r "$DIFF" v0.1 v0.2)
  has "No differences."
  grep -qE '^Summary: 0 added, 0 removed, 0 changed, [0-9]+ unchanged' <<<"$out" || fail "want an all-unchanged summary, got: $(grep Summary <<<"$out")"
else
  printf 'skip %s: no v0.1 folder\n' "$case_name"
fi

# The lesson of v0.3 (the HPA, and the Deployment giving up its replicas) comes first.
case_name=real-v0.2-v0.3-lesson-first
if [[ -d "$REPO_ROOT/v0.2" && -d "$REPO_ROOT/v0.3" ]]; then
  out=$("$DIFF" v0.2 v0.3 | sed -n '1,150p') # sed reads to the end: no SIGPIPE under pipefail
  grep -qF '+++ b/k8s/api/hpa.yaml' <<<"$out" || fail "want the hpa.yaml diff within the first 150 lines"
  grep -qF '+++ b/k8s/api/deployment.yaml' <<<"$out" || fail "want the deployment.yaml diff within the first 150 lines"
else
  printf 'skip %s: no v0.2 and v0.3 folders\n' "$case_name"
fi

case_name=bad-usage
if out=$("$DIFF" v0.1 2>&1); then fail "want non-zero exit with one argument"; fi
grep -qF "want exactly two versions" <<<"$out" || fail "want usage error, got: $out"
if out=$(DIFF_ROOT=$tmp/root "$DIFF" v0.1 v9.9 2>&1); then fail "want non-zero exit for a missing folder"; fi
grep -qF "v9.9' does not exist" <<<"$out" || fail "want missing-folder error, got: $out"

if [[ $failures -gt 0 ]]; then
  printf 'diff-versions_test.sh: %d assertion(s) failed\n' "$failures" >&2
  exit 1
fi
echo "diff-versions_test.sh: ok"
