# shellcheck shell=bash
# Post 06: the fake node's /var/log/containers (ls $DEMO/containers).
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
lc_demo
ls "$DEMO/containers"
