#!/usr/bin/env bash
# standins.sh — images that real sandbox nodes need but cannot pull (no registry is reachable
# here), built locally under the reference a manifest names, into an OCI archive that
# `ctr images import` loads. Each stand-in says in its description label what it really contains;
# `standins.sh list` prints that table, so nothing pretends to be the upstream image.
#
#   standins.sh list                  # every known reference and what its stand-in contains
#   standins.sh build REF OUT.tar     # build REF's stand-in (exit 3: no stand-in for REF)
#   standins.sh key REF               # what the stand-in is built from, for a cache key
#   standins.sh pause-ref             # the reference containerd pins as its sandbox image
#
# Environment: SANDBOX_BIN_DIR (where sandbox.sh built `pause`), BUILDAH_CACHE_DIR (buildah's
# vfs store, shared with scripts/images.sh), BUSYBOX (a static busybox; apt: busybox-static).
set -euo pipefail
[[ "${DEBUG:-}" == 1 ]] && set -x

# The reference containerd pins as its sandbox image (containerd.toml in sandbox.sh).
readonly PAUSE_REF=localhost/k8s-sandbox/pause:1.0
readonly BUSYBOX="${BUSYBOX:-/usr/bin/busybox}"
CACHE_DIR="${BUILDAH_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/cloudnative-go-journey/buildah}"

die() { printf 'standins: error: %s\n' "$*" >&2; exit 1; }
bah() { buildah --root "$CACHE_DIR/storage" --runroot "$CACHE_DIR/run" --storage-driver vfs "$@"; }
deb_version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo "not installed"; }

# describe REF prints what the stand-in for REF contains (also its image description label).
describe() {
  case "$1" in
    "$PAUSE_REF") echo "scripts/k8s-sandbox/kube/pause (a static Go program that sleeps and reaps children) in an empty image; stands in for registry.k8s.io/pause" ;;
    redis:8.2.2-alpine) echo "Debian redis-server and redis-tools $(deb_version redis-server) (not Redis 8.2.2, not Alpine) with their glibc libraries and busybox $(deb_version busybox-static) (sh, grep, wget, nslookup, nc)" ;;
    *) return 1 ;;
  esac
}

cmd_list() {
  local ref
  for ref in "$PAUSE_REF" redis:8.2.2-alpine; do
    printf '%s\t%s\n' "$ref" "$(describe "$ref")"
  done
}

# copy_with_libs MNT FILE... copies dynamically linked programs and every library ldd names (and
# the dynamic loader) to the same paths under MNT.
copy_with_libs() {
  local mnt="$1" f lib; shift
  for f in "$@"; do
    install -D "$f" "$mnt$f"
    while read -r lib; do
      [[ -e "$mnt$lib" ]] || install -D "$(readlink -f "$lib")" "$mnt$lib"
    done < <(ldd "$f" | grep -o '/[^ ]*' | sort -u)
  done
}

add_busybox() {
  local mnt="$1" applet
  if [[ ! -x "$BUSYBOX" ]] || ldd "$BUSYBOX" >/dev/null 2>&1; then
    die "$BUSYBOX is not a static busybox (apt-get install busybox-static)"
  fi
  install -D "$BUSYBOX" "$mnt/bin/busybox"
  for applet in sh grep cat ls id wget ssl_client nslookup nc; do ln -sf busybox "$mnt/bin/$applet"; done
}

cmd_build() {
  local ref="$1" out="$2" desc ctr mnt
  desc="$(describe "$ref")" || { echo "standins: no stand-in for $ref" >&2; exit 3; }
  mkdir -p "$CACHE_DIR" "$(dirname "$out")"
  ctr="$(bah from --pull=never scratch)"
  # shellcheck disable=SC2064 # expand now: the container name is fixed
  trap "bah rm '$ctr' >/dev/null 2>&1 || true" EXIT
  mnt="$(bah mount "$ctr")"
  case "$ref" in
    "$PAUSE_REF")
      [[ -x "${SANDBOX_BIN_DIR:-}/pause" ]] || die "SANDBOX_BIN_DIR has no pause binary (sandbox.sh build)"
      install -D "$SANDBOX_BIN_DIR/pause" "$mnt/pause"
      bah config --entrypoint '["/pause"]' --user 65535:65535 "$ctr"
      ;;
    redis:8.2.2-alpine)
      if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
        die "redis-server and redis-cli are needed (apt-get install redis-server)"
      fi
      copy_with_libs "$mnt" "$(readlink -f "$(command -v redis-server)")" "$(readlink -f "$(command -v redis-cli)")"
      mkdir -p "$mnt/usr/local/bin" "$mnt/data" "$mnt/etc" "$mnt/tmp"
      ln -sf "$(readlink -f "$(command -v redis-server)")" "$mnt/usr/local/bin/redis-server"
      ln -sf "$(readlink -f "$(command -v redis-cli)")" "$mnt/usr/local/bin/redis-cli"
      chmod 1777 "$mnt/tmp"
      add_busybox "$mnt"
      # The upstream image's user and data directory: uid 999, /data.
      printf 'root:x:0:0:root:/root:/bin/sh\nredis:x:999:1000:redis:/data:/bin/sh\n' >"$mnt/etc/passwd"
      printf 'root:x:0:\nredis:x:1000:\n' >"$mnt/etc/group"
      chown 999:1000 "$mnt/data"
      bah config --env PATH=/usr/local/bin:/usr/bin:/bin --workingdir /data --cmd '["redis-server"]' "$ctr"
      ;;
  esac
  bah umount "$ctr" >/dev/null
  bah config --label "org.opencontainers.image.description=sandbox stand-in for $ref: $desc" "$ctr"
  bah commit --quiet --rm "$ctr" "localhost/k8s-sandbox-standin:build" >/dev/null
  trap - EXIT
  rm -f "$out"
  # The archive's ref.name annotation is the name containerd imports it under: the normalized
  # form of the manifest's reference (redis:8.2.2-alpine is docker.io/library/redis:8.2.2-alpine).
  bah push --quiet localhost/k8s-sandbox-standin:build "oci-archive:$out:$(normalize "$ref")" >/dev/null
  bah rmi localhost/k8s-sandbox-standin:build >/dev/null
}

# normalize REF prints the fully qualified reference a kubelet asks containerd for.
normalize() {
  local ref="$1" first="${1%%/*}"
  if [[ "$ref" != */* ]]; then
    echo "docker.io/library/$ref"
  elif [[ "$first" != *.* && "$first" != *:* && "$first" != localhost ]]; then
    echo "docker.io/$ref"
  else
    echo "$ref"
  fi
}

# key REF prints what REF's stand-in depends on: this recipe and the packages (or binary) it copies.
cmd_key() {
  describe "$1" >/dev/null || { echo "standins: no stand-in for $1" >&2; exit 3; }
  {
    sha256sum "${BASH_SOURCE[0]}" | cut -d' ' -f1
    describe "$1"
    [[ "$1" != "$PAUSE_REF" ]] || sha256sum "${SANDBOX_BIN_DIR:?SANDBOX_BIN_DIR is not set}/pause" | cut -d' ' -f1
  } | sha256sum | cut -c1-12
}

case "${1:-}" in
  list) cmd_list ;;
  key) cmd_key "${2:?usage: standins.sh key REF}" ;;
  pause-ref) echo "$PAUSE_REF" ;;
  build) [[ $# == 3 ]] || die "usage: standins.sh build REF OUT.tar"; cmd_build "$2" "$3" ;;
  normalize) normalize "$2" ;;
  *) die "usage: standins.sh list | build REF OUT.tar | normalize REF" ;;
esac
