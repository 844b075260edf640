#!/usr/bin/env bash
# images.sh — build every version's container images from their real
# Dockerfiles and print a table of image sizes (what `make images` runs).
#
#   scripts/images.sh                 # every version folder (v0.1, v0.2, ...)
#   scripts/images.sh v0.1 v0.2       # only these
#
# Every vX/cmd/<svc>/Dockerfile is built with the version folder as context and
# tagged journey/<svc>:<version>.
#
# Engines:
#   - docker, when `docker info` succeeds: a plain `docker build`.
#   - buildah (as root), otherwise. No registry is needed: the builder stage's
#     base is replaced through the Dockerfile's `ARG GO_IMAGE` with a local
#     builder image made from a static busybox, this machine's Go toolchain and
#     CA certificates; the final stage is scratch and needs no pull either. So
#     the measured image comes from the repository's Dockerfile, not a copy.
#
# Environment:
#   IMAGES_ENGINE=docker|buildah   force an engine (default: auto)
#   IMAGES_ROOT=dir                folder holding the version folders (default: repo root)
#   IMAGES_HOST_CACHE=0            buildah: do not mount the host's Go module
#                                  cache into RUN steps (modules then come from GOPROXY)
#   BUILDAH_CACHE_DIR=dir          buildah storage (default ~/.cache/cloudnative-go-journey/buildah)
#   VERBOSE=1                      stream build output instead of logging it to files
#   DEBUG=1                        set -x
set -euo pipefail
if [[ "${DEBUG:-0}" == 1 ]]; then set -x; fi

# --- pinned in one place -----------------------------------------------------
# Bump BUILDER_REV when the builder recipe below changes: the builder image tag
# includes it, so the cached builder is rebuilt exactly then (and when the Go
# version or the Go proxy settings change).
BUILDER_REV=1
BUILDER_REPO=localhost/journey-builder
BUSYBOX=${BUSYBOX:-/usr/bin/busybox}            # apt: busybox-static
CA_BUNDLE=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
TARGETOS=linux
TARGETARCH=${TARGETARCH:-$(go env GOARCH 2>/dev/null || echo amd64)}

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/.." && pwd)
ROOT=$(cd "${IMAGES_ROOT:-$REPO_ROOT}" && pwd)
CACHE_DIR=${BUILDAH_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/cloudnative-go-journey/buildah}
LOG_DIR=${IMAGES_LOG_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/cloudnative-go-journey/images-logs}

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'images.sh: error: %s\n' "$*" >&2; exit 1; }

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
}

# --- arguments ---------------------------------------------------------------
versions=()
for arg in "$@"; do
  case "$arg" in
    -h | --help) usage; exit 0 ;;
    -*) die "unknown option $arg (see --help)" ;;
    *)
      arg=${arg%/}
      [[ "$arg" =~ ^v[0-9]+\.[0-9]+$ ]] || die "'$arg' is not a version folder name like v0.1"
      [[ -d "$ROOT/$arg" ]] || die "version folder $ROOT/$arg does not exist"
      versions+=("$arg")
      ;;
  esac
done
if [[ ${#versions[@]} -eq 0 ]]; then
  while IFS= read -r v; do versions+=("$v"); done < <(
    find "$ROOT" -mindepth 1 -maxdepth 1 -type d -name 'v*' -printf '%f\n' |
      grep -E '^v[0-9]+\.[0-9]+$' | sort -V
  )
  [[ ${#versions[@]} -gt 0 ]] || die "no version folders (v0.1, ...) under $ROOT"
fi

# --- engine ------------------------------------------------------------------
engine=${IMAGES_ENGINE:-auto}
if [[ "$engine" == auto ]]; then
  if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
    engine=docker
  elif command -v buildah >/dev/null 2>&1; then
    engine=buildah
  else
    die "no working Docker engine and no buildah: start Docker, or (Debian, as root) apt-get install -y buildah busybox-static"
  fi
fi
case "$engine" in
  docker)
    docker info >/dev/null 2>&1 || die "IMAGES_ENGINE=docker but 'docker info' fails: is the Docker engine running?"
    ;;
  buildah)
    command -v buildah >/dev/null 2>&1 || die "buildah not found: apt-get install -y buildah busybox-static"
    [[ $(id -u) -eq 0 ]] || die "the buildah path runs as root (vfs storage, chroot isolation); re-run with sudo"
    [[ -x "$BUSYBOX" ]] || die "$BUSYBOX not found: apt-get install -y busybox-static"
    file_out=$(LC_ALL=C od -An -c -N4 "$BUSYBOX" | tr -d ' \n')
    [[ "$file_out" == '177ELF' ]] || die "$BUSYBOX is not an ELF binary"
    if ldd "$BUSYBOX" >/dev/null 2>&1; then
      die "$BUSYBOX is dynamically linked; the builder needs the static one (apt-get install -y busybox-static)"
    fi
    [[ -r "$CA_BUNDLE" ]] || die "CA bundle $CA_BUNDLE not found: apt-get install -y ca-certificates"
    command -v go >/dev/null 2>&1 || die "go not found in PATH (the builder image is made from the local Go toolchain)"
    ;;
  *) die "IMAGES_ENGINE must be docker or buildah, not '$engine'" ;;
esac

# bah runs buildah on this project's own vfs store, so it never touches (or
# needs) the system's overlay storage.
bah() {
  buildah --root "$CACHE_DIR/storage" --runroot "$CACHE_DIR/run" --storage-driver vfs "$@"
}

# ensure_builder prints the tag of the local builder image, building it once
# per Go version / proxy settings / recipe revision.
ensure_builder() {
  local goroot goversion proxy_env key tag ctr mnt applet
  goroot=$(go env GOROOT)
  goversion=$(go env GOVERSION)
  # The proxy settings are baked into the builder's ENV (the Dockerfiles need
  # not declare them), so they are part of the cache key.
  proxy_env="GOPROXY=$(go env GOPROXY) GOSUMDB=$(go env GOSUMDB) GONOSUMDB=$(go env GONOSUMDB) GOPRIVATE=$(go env GOPRIVATE) GOFLAGS=$(go env GOFLAGS)"
  key=$(printf '%s\n' "$BUILDER_REV" "$goversion" "$proxy_env" | sha256sum | cut -c1-8)
  tag="$BUILDER_REPO:$goversion-$key"
  if bah inspect --type image "$tag" >/dev/null 2>&1; then
    log "builder $tag is cached"
    printf '%s\n' "$tag"
    return
  fi
  log "building builder image $tag from $BUSYBOX + $goroot + $CA_BUNDLE"
  local start=$SECONDS
  ctr=$(bah from --pull=never scratch)
  # ensure_builder runs in a command substitution (a subshell), so EXIT
  # cleans up a half-built container whatever fails below.
  # shellcheck disable=SC2064 # expand now: the container name is fixed
  trap "bah rm '$ctr' >/dev/null 2>&1 || true" EXIT
  mnt=$(bah mount "$ctr")
  mkdir -p "$mnt/bin" "$mnt/usr/local" "$mnt/etc/ssl/certs" "$mnt/tmp" "$mnt/go/bin" "$mnt/root" "$mnt/src"
  chmod 1777 "$mnt/tmp"
  cp "$BUSYBOX" "$mnt/bin/busybox"
  # One symlink per applet gives a small POSIX userland (sh, ls, mkdir, ...).
  while IFS= read -r applet; do
    [[ -e "$mnt/bin/$applet" ]] || ln -s busybox "$mnt/bin/$applet"
  done < <("$BUSYBOX" --list)
  ln -s /bin "$mnt/usr/bin"
  cp -a "$goroot" "$mnt/usr/local/go"
  cp "$CA_BUNDLE" "$mnt/etc/ssl/certs/ca-certificates.crt"
  # Names some Dockerfiles copy into scratch (nonroot = 65532, as distroless).
  printf 'root:x:0:0:root:/root:/bin/sh\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$mnt/etc/passwd"
  printf 'root:x:0:\nnonroot:x:65532:\n' >"$mnt/etc/group"
  printf 'hosts: files dns\n' >"$mnt/etc/nsswitch.conf"
  bah umount "$ctr" >/dev/null
  # Same environment as the official golang images, plus the host's proxy
  # settings and GOTOOLCHAIN=local so a build never downloads a toolchain.
  bah config \
    --env PATH=/go/bin:/usr/local/go/bin:/bin \
    --env GOPATH=/go \
    --env GOTOOLCHAIN=local \
    --env "GOPROXY=$(go env GOPROXY)" \
    --env "GOSUMDB=$(go env GOSUMDB)" \
    --env "GONOSUMDB=$(go env GONOSUMDB)" \
    --env "GOPRIVATE=$(go env GOPRIVATE)" \
    --env "GOFLAGS=$(go env GOFLAGS)" \
    --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    --workingdir /go \
    --label "org.opencontainers.image.description=cloudnative-go-journey local builder ($goversion, busybox-static)" \
    "$ctr"
  bah commit --quiet --rm "$ctr" "$tag" >/dev/null
  trap - EXIT
  # Older builders (other Go versions or recipes) only take space on vfs.
  local old
  while IFS= read -r old; do
    [[ "$old" == "$tag" ]] || bah rmi "$old" >/dev/null 2>&1 || true
  done < <(bah images --format '{{.Name}}:{{.Tag}}' | grep "^$BUILDER_REPO:" || true)
  log "builder $tag built in $((SECONDS - start)) s"
  printf '%s\n' "$tag"
}

# image_bytes prints the uncompressed size in bytes of a local image.
image_bytes() {
  local ref=$1
  case "$engine" in
    docker) docker image inspect --format '{{.Size}}' "$ref" ;;
    buildah)
      # Sum of the uncompressed layer sizes (what `docker images` reports).
      # `buildah images` only prints a rounded human size, so read each of
      # the image's diff IDs' diff-size from the vfs layer store's index.
      local diffids
      diffids=$(bah inspect --type image --format '{{range .OCIv1.RootFS.DiffIDs}}{{.}} {{end}}' "$ref")
      awk -v ids="$diffids" 'BEGIN { RS = "[{}]"; k = split(ids, want, " "); for (i = 1; i <= k; i++) if (!(want[i] in need)) { need[want[i]] = 1; n++ } }
        match($0, /"diff-digest":"[^"]*"/) {
          d = substr($0, RSTART + 15, RLENGTH - 16)
          if ((d in need) && match($0, /"diff-size":[0-9]+/)) { sum += substr($0, RSTART + 12, RLENGTH - 12); found++ }
        }
        END { if (found == n && n > 0) printf "%d\n", sum }' "$CACHE_DIR/storage/vfs-layers/layers.json"
      ;;
  esac
}

# image_pull_bytes prints roughly what a `docker pull` transfers: the
# gzip-compressed layers plus the config, as a registry stores them.
image_pull_bytes() {
  local ref=$1 dir manifest
  case "$engine" in
    docker) docker save "$ref" | gzip -c | wc -c ;;
    buildah)
      dir=$(mktemp -d "${TMPDIR:-/tmp}/images-oci.XXXXXX")
      if bah push --quiet --compression-format gzip "$ref" "oci:$dir" >/dev/null 2>&1; then
        # index.json -> manifest blob; every "size" in the manifest is one blob
        # (config and compressed layers) that a pull downloads.
        manifest=$(grep -o '"digest":"sha256:[0-9a-f]*"' "$dir/index.json" | head -n1 | cut -d: -f3 | tr -d '"')
        grep -o '"size":[0-9]*' "$dir/blobs/sha256/$manifest" | cut -d: -f2 | awk '{ s += $1 } END { printf "%d\n", s }'
      fi
      rm -rf "$dir"
      ;;
  esac
}

commit=$(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
build_time=$(date -u +%Y-%m-%dT%H:%M:%SZ)

builder=""
declare -a extra=()
if [[ "$engine" == buildah ]]; then
  mkdir -p "$CACHE_DIR"
  builder=$(ensure_builder)
  if [[ "${IMAGES_HOST_CACHE:-1}" == 1 ]]; then
    modcache=$(go env GOMODCACHE)
    mkdir -p "$modcache"
    # The module cache is keyed by module version and checksummed, so sharing
    # it with the host is safe and saves downloading every dependency. The
    # build cache is not shared: every version builds in the same /src, and
    # with the host's build cache mounted, v0.2's API failed to build on an
    # import of v0.1 that its sources do not contain (seen 2026-11-26, Go
    # 1.26.8); without it the same build succeeds. A compile from scratch
    # takes about a minute per image.
    extra+=(--volume "$modcache:/go/pkg/mod")
  fi
fi

mkdir -p "$LOG_DIR"
rows=()
failed=0
total=0
for version in "${versions[@]}"; do
  shopt -s nullglob
  dockerfiles=("$ROOT/$version"/cmd/*/Dockerfile)
  shopt -u nullglob
  if [[ ${#dockerfiles[@]} -eq 0 ]]; then
    log "$version: no cmd/<svc>/Dockerfile, nothing to build"
    continue
  fi
  for dockerfile in "${dockerfiles[@]}"; do
    svc=$(basename "$(dirname "$dockerfile")")
    image="journey/$svc:$version"
    logfile="$LOG_DIR/$version-$svc.log"
    total=$((total + 1))
    log "building $image from $version/cmd/$svc/Dockerfile (log: $logfile)"
    args=(
      -f "$dockerfile" -t "$image"
      --build-arg "VERSION=$version"
      --build-arg "COMMIT=$commit"
      --build-arg "BUILD_TIME=$build_time"
    )
    if [[ "$engine" == buildah ]]; then
      if ! grep -Eq '^[[:space:]]*ARG[[:space:]]+GO_IMAGE([=[:space:]]|$)' "$dockerfile"; then
        log "FAILED $image: $version/cmd/$svc/Dockerfile has no 'ARG GO_IMAGE=...' before its first FROM, so its builder base cannot be replaced offline"
        rows+=("$version|$image|-|-|-|FAILED")
        failed=$((failed + 1))
        continue
      fi
      args+=(
        --build-arg "GO_IMAGE=$builder"
        --build-arg "TARGETOS=$TARGETOS" --build-arg "TARGETARCH=$TARGETARCH"
        --platform "$TARGETOS/$TARGETARCH"
        --pull=never --isolation chroot --network host --layers=false --force-rm
        "${extra[@]}"
      )
      cmd=(bah build "${args[@]}" "$ROOT/$version")
    else
      cmd=(docker build "${args[@]}" "$ROOT/$version")
    fi
    start=$SECONDS
    status=ok
    if [[ "${VERBOSE:-0}" == 1 ]]; then
      "${cmd[@]}" 2>&1 | tee "$logfile" >&2 || status=FAILED
    else
      "${cmd[@]}" >"$logfile" 2>&1 || status=FAILED
    fi
    secs=$((SECONDS - start))
    if [[ "$status" == ok ]]; then
      bytes=$(image_bytes "$image")
      [[ "$bytes" =~ ^[0-9]+$ ]] || { status=FAILED; log "cannot read the size of $image"; }
    fi
    if [[ "$status" == ok ]]; then
      mb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1000000 }')
      pull=$(image_pull_bytes "$image")
      pull_mb=-
      [[ "$pull" =~ ^[0-9]+$ ]] && pull_mb=$(awk -v b="$pull" 'BEGIN { printf "%.1f", b / 1000000 }')
      rows+=("$version|$image|$mb|$pull_mb|$secs|ok")
    else
      failed=$((failed + 1))
      rows+=("$version|$image|-|-|$secs|FAILED")
      log "FAILED $image after ${secs}s; last lines of $logfile:"
      tail -n 30 "$logfile" >&2 || true
    fi
  done
done

if [[ "$engine" == buildah ]]; then
  # Re-tagging leaves the previous image dangling; drop it so vfs stays small.
  bah rmi --prune >/dev/null 2>&1 || true
fi

[[ $total -gt 0 ]] || die "no cmd/<svc>/Dockerfile found in: ${versions[*]}"

printf '\n%-8s %-28s %9s %9s %8s  %s\n' VERSION IMAGE 'SIZE(MB)' 'PULL(MB)' 'BUILD(s)' STATUS
for row in "${rows[@]}"; do
  IFS='|' read -r v img mb pull_mb secs st <<<"$row"
  printf '%-8s %-28s %9s %9s %8s  %s\n' "$v" "$img" "$mb" "$pull_mb" "$secs" "$st"
done
printf '\nengine: %s; SIZE = uncompressed image size (as docker images shows it); PULL = gzip-compressed\nlayers + config (what a pull downloads); 1 MB = 10^6 bytes\n' "$engine"

if [[ $failed -gt 0 ]]; then
  die "$failed of $total image builds failed"
fi
