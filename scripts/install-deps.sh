#!/usr/bin/env bash
# install-deps.sh — install the system packages `make test` needs, if missing.
# Idempotent: does nothing when everything is there. Used by `make test`
# (via `make tools`) and by .ci/run. Debian/Ubuntu; installs only as root,
# otherwise prints the command to run. DEBUG=1 prints each command.
set -euo pipefail
[[ "${DEBUG:-0}" == 1 ]] && set -x

# The lint check needs shellcheck; redis-server and postgresql are real servers for
# integration tests (v0.2 on); buildah, busybox-static: `make images` without
# Docker; wrk: `make bench`. Real sandbox nodes: gcc and libseccomp-dev build runc;
# iptables, iproute2 and conntrack are what kubelet, kube-proxy and the CNI plugins call.
readonly PACKAGES=(shellcheck redis-server postgresql buildah busybox-static wrk
  gcc libc6-dev libseccomp-dev iptables iproute2 conntrack)

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
((${#missing[@]})) || exit 0

if [[ $(id -u) != 0 ]] || ! command -v apt-get >/dev/null; then
  echo "missing packages: ${missing[*]}" >&2
  echo "install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "==> apt-get install ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The packaged servers must not keep running as system services: tests start
# their own on free 127.0.0.1 ports.
for svc in redis-server postgresql; do
  if command -v service >/dev/null && service "$svc" status >/dev/null 2>&1; then
    service "$svc" stop >/dev/null 2>&1 || true
  fi
done
